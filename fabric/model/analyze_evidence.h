/* SPDX-License-Identifier: MIT */
/*
 * The analyzer's evidence beside the rates: rules on each link's own state (trained speed
 * and lanes, copper past its reach), findings from host inventories (PCIe, optics, FEC)
 * and the runs' counters, and the words for a suspect: its link's name and the action.
 */
#ifndef FP_ANALYZE_EVIDENCE_H
#define FP_ANALYZE_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>

#include "analyze.h"
#include "topo.h"

#define FP_MAX_FINDINGS 64

/* physical evidence from a host inventory or a run's counters, about a host or its link */
struct fp_finding {
	int node, link; /* link -1: about the host */
	char text[320];
};

/* links whose measured load a fabric-counters document can carry (more are not judged) */
#define FP_MAX_LOAD_LINKS 1024

struct fp_findings {
	struct fp_finding f[FP_MAX_FINDINGS];
	unsigned n;
	unsigned more; /* past FP_MAX_FINDINGS: counted, never dropped silently */
	/* SNMP octets (in + out at one end) per link between a document's first and last
	 * snapshot, where measured[l]; for fp_link_load_rules() */
	double octets[FP_MAX_LOAD_LINKS];
	bool measured[FP_MAX_LOAD_LINKS];
};

/* what the link's own fields show to be wrong, "; "-separated; "" when nothing */
void fp_link_rules(const struct fp_link *l, char *buf, size_t len);
/* "a:pa <-> b:pb" */
void fp_link_name(const struct fp_topo *t, int l, char *buf, size_t len);
/* what to do about a suspect: "reseat, then replace the AOC ..." */
void fp_suspect_action(const struct fp_topo *t, const struct fp_suspect *s, char *buf, size_t len);
/* the analysis names link l as a suspect */
bool fp_analysis_names_link(const struct fp_analysis *a, unsigned l);
/* links with a physical finding that no suspect names */
unsigned fp_physical_count(const struct fp_topo *t, const struct fp_analysis *a);

/* a finding; past FP_MAX_FINDINGS, counted in fs->more */
void fp_findings_add(struct fp_findings *fs, int node, int link, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* host h's link that ends in this port, else its only link, else -1 */
int fp_host_link(const struct fp_topo *t, int h, const char *port);
/*
 * Rules on one inventory (fabprobe inventory --format json; outside input, fuzzed): its
 * host must be a host of the topology. A fabprobe fabric-counters document (its
 * "snapshots") gets the switch-side rules instead. 0, or -EINVAL with err.
 */
int fp_inventory_rules_text(const struct fp_topo *t, const char *path, const char *text, size_t len,
			    struct fp_findings *fs, char *err, size_t el);
int fp_inventory_rules(const struct fp_topo *t, const char *path, struct fp_findings *fs, char *err,
		       size_t el);

/*
 * Each measured link's share of the octets against its share of the load the simulator
 * predicts for the observed flows on their paths (traced, recorded, or ECMP-split by
 * fp_sim_path_probs), every flow observation weighing the same. Below 0.75 of its share:
 * routing or hashing sends the flows elsewhere; above 1.33: a hot spot. Nothing without
 * measured links or observations.
 */
void fp_link_load_rules(const struct fp_topo *t, const struct fp_obs *o, unsigned n,
			struct fp_findings *fs);
/* the frame error ratio IEEE 802.3's 1e-12 BER allows for frames of octets/frames (>= 64) */
double fp_frame_error_limit(double octets, double frames);
/*
 * A host counter that grew by delta during a run, judged with the frames and octets its
 * port moved the same way (frames < 0: none known). True with a physical finding in buf:
 * a flap (carrier changes, link downs), or errors per frame above fp_frame_error_limit().
 * False for drops, discards, missed frames and overruns (congestion, never a cable by
 * itself) and for errors within the limit.
 */
bool fp_host_counter_judge(const char *name, double delta, double frames, double octets, char *buf,
			   size_t len);

#endif
