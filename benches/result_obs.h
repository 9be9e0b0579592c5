/* SPDX-License-Identifier: MIT */
/*
 * A run joined with the fabric it ran on: each flow of its largest bandwidth size becomes
 * an observation (measured, predicted, the links it may cross) for fp_analyze().
 */
#ifndef FP_RESULT_OBS_H
#define FP_RESULT_OBS_H

#include "../fabric/model/analyze.h"
#include "../fabric/model/analyze_evidence.h"
#include "../fabric/model/route.h"
#include "../fabric/model/sim.h"
#include "../fabric/model/topo_routes.h"
#include "result_read.h"

/* as many as the verdict lists (fp_findings): past it, counted in ngrew_more */
#define FP_OBS_MAXGREW FP_MAX_FINDINGS

struct fp_obs_buf {
	struct fp_obs *o;
	unsigned n, cap;
	/* error counters that grew during a run, per rank's host, and links that flapped:
	 * counter and rate findings */
	struct fp_grew {
		int node;
		int link; /* -1: the host's own link */
		char text[200];
	} grew[FP_OBS_MAXGREW];
	unsigned ngrew;
	unsigned ngrew_more; /* found past FP_OBS_MAXGREW: counted, not listed */
};

/*
 * Observations from one run (its index runidx). samples: ECMP draws averaged for a flow
 * whose path is unknown. map: NULL joins ranks to endpoints by identity (fp_topo_map), a
 * file name by its "rank,endpoint" lines, "order" by file order. *named: not by order.
 * 0, -EINVAL with err, or -ENOMEM.
 */
int fp_result_observe(const struct fp_result *res, unsigned runidx, const struct fp_topo *t,
		      struct fp_router *r, const struct fp_sim_net *net, unsigned samples,
		      const char *map, struct fp_obs_buf *ob, bool *named, char *err, size_t el);
/* measured observations to the front (their order kept), connect phases after: how many */
unsigned fp_obs_measured_first(struct fp_obs_buf *ob);
void fp_obs_buf_free(struct fp_obs_buf *ob);

/*
 * A run's own "fabric_counters" (run --fabric-counters) judged by the rules of a fabprobe
 * fabric-counters document (fp_inventory_rules_text): symbol errors as a BER over the
 * seconds between the snapshots, XmitWait and discards as congestion, SNMP octets as link
 * loads. Findings go to fs. 0 (nothing to judge too), -EINVAL with err, -ENOMEM.
 */
int fp_result_fabric_rules(const struct fp_result *res, const struct fp_topo *t,
			   struct fp_findings *fs, char *err, size_t el);

struct fp_verdict_opts {
	const char *topology;
	const char *const *dirs;
	int ndirs;
	const char *inventory; /* comma-separated inventory files, or NULL */
	unsigned samples;      /* 0: 16 */
	const char *map;       /* NULL: by identity; "order"; or a rank,endpoint CSV file */
	const char *routes;    /* the SM's forwarding tables: flows without a path are routed */
};

/* What fabprobe analyze says: the analysis of every run, with its evidence. */
struct fp_verdict {
	struct fp_topo t;
	struct fp_router r;
	struct fp_sim_net net;
	struct fp_routes lft; /* with fp_verdict_opts.routes */
	struct fp_obs_buf ob;
	struct fp_analysis a;
	struct fp_findings fs;
	bool named; /* no run joined its ranks to hosts by file order */
	unsigned nruns;
	unsigned soak_degraded; /* flows and ports the runs' soaks flagged (run.json degraded) */
};

/*
 * The topology, every run folder, the analysis, the inventories' and counters' findings.
 * 0, -EINVAL with err (bad input), -ENOMEM. v is destroyed with fp_verdict_destroy either
 * way.
 */
int fp_verdict_build(struct fp_verdict *v, const struct fp_verdict_opts *o, char *err, size_t el);
void fp_verdict_destroy(struct fp_verdict *v);

/* The analyzer on result folders, for checks: how many suspects. 0 or -errno with err. */
int fp_analyze_dirs(const char *topology, const char *const *dirs, int n, unsigned *suspects,
		    char *err, size_t el);

#endif
