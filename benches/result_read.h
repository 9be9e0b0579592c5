/* SPDX-License-Identifier: MIT */
/*
 * The one reader of a run folder (run.json, and paths.json when the lab traced the flows),
 * next to the writer in results.c: analyze, check and the tests read results through it.
 * A run folder is outside input: everything is bounded and validated here, so no caller
 * builds a verdict on data it would have had to discard.
 */
#ifndef FP_RESULT_READ_H
#define FP_RESULT_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../fabric/model/analyze.h"
#include "../fabric/model/topo.h"

#define FP_RESULT_MAXHOPS 16
/* run.json and paths.json are read whole into a document tree (several times their size) */
#define FP_RESULT_MAXBYTES (256u << 20)

/* one flow in one round at one size */
struct fp_rflow {
	unsigned round, flow;
	int src, dst;
	bool has_bw, has_path, has_id, has_lat;
	/* recorded (has_path), traced (trace: its index in traces), else expected; the
	 * analyzer makes an expected flow routed when it has the SM's tables */
	unsigned char source; /* enum fp_path_src */
	int trace;	      /* -1: not traced */
	double avg_gbps;
	double lat_p99_us; /* one-way p99 of the flow's round trips (has_lat) */
	double loss;	   /* datagrams: lost / tx_msgs ("lost" in the record), else 0 */
	/* TCP: the source's segments retransmitted and sent ("retrans", "segs_out"); 0 and 0
	 * when the record has none (older runs, other engines) */
	double retrans, segs_out;
	unsigned npath;
	unsigned path[FP_RESULT_MAXHOPS]; /* link indices, in order */
};

enum fp_rbw { FP_RBW_AGG, FP_RBW_FLOW_MEAN, FP_RBW_BUSBW, FP_RBW_ALGBW, FP_RBW_N };
enum fp_rlat { FP_RLAT_P50, FP_RLAT_P99, FP_RLAT_P99_9, FP_RLAT_MAX, FP_RLAT_MEAN, FP_RLAT_N };

/* the results at one size; metrics not recorded are NaN */
struct fp_rsize {
	uint64_t size;
	bool has_bw;
	double bw[FP_RBW_N];
	double lat[FP_RLAT_N];
	struct fp_rflow *flows;
	unsigned nflows;
	bool sidecar; /* run.json names flows.ndjson and holds none of this size's flows */
	/* "complete": false: flows stalled in it, its phase was cut short; its rates were
	 * taken while the stall disturbed the rest, so they are not rate evidence */
	bool partial;
};

/* one counter of one rank's port that moved during the run */
struct fp_rctr {
	int rank;
	char port[48];
	char name[64];
	double delta;
};

/*
 * A flow's path as traced (scripts/lab/lab trace, fabprobe trace): node names from its
 * source to its destination. paths.json is {"flows": {"ID": [node, ...]}}, or with
 * "source": "traced" at the top or per flow ({"ID": {"path": [...], "source": "traced"}}).
 */
struct fp_rtrace {
	unsigned flow, n;
	char node[FP_RESULT_MAXHOPS + 1][FP_NAME_LEN];
};

/*
 * One link end of run.json's "fabric_counters" (results/README.md): the switch or HCA
 * port's own counters, rank 0's after-snapshot minus its before-snapshot.
 */
#define FP_RESULT_MAXFC_ENDS   4096
#define FP_RESULT_MAXFC_DELTAS 48
struct fp_rfcdelta {
	char name[48];
	uint64_t v;
};
struct fp_rfcend {
	char link[200], node[FP_NAME_LEN], port[FP_NAME_LEN], status[24], why[256];
	bool has_deltas;
	unsigned nd;
	struct fp_rfcdelta d[FP_RESULT_MAXFC_DELTAS];
};

struct fp_result {
	char where[4200]; /* the run.json it came from, for messages */
	char pattern[32], status[32];
	bool complete, simulated;
	bool flows_file; /* run.json says "flows_file": "flows.ndjson" */
	int world_size;
	unsigned rounds;   /* 0: the run does not say */
	unsigned nflowids; /* flows in the schedule, 0: the run does not say */
	char (*hosts)[FP_NAME_LEN];
	struct fp_ident *ident; /* per rank: hostname, address, and its "endpoint" block */
	uint64_t *requested;
	unsigned nrequested;
	struct fp_rsize *sizes;
	unsigned nsizes;
	struct fp_rctr *ctr;
	unsigned nctr;
	bool has_counters;
	int ndegraded;		  /* entries of a soak's "degraded" list; -1: the run has none */
	struct fp_rtrace *traces; /* sorted by flow id */
	unsigned ntraces;
	/* "fabric_counters" (run --fabric-counters): seconds between the snapshots, ends */
	bool has_fabric, fabric_snmp;
	double fabric_seconds;
	struct fp_rfcend *fabric;
	unsigned nfabric;
	/* flows that could not connect (failed_flows): sizes[connect] holds every scheduled
	 * flow, rate 0 when it failed, NaN when it connected but was never measured */
	unsigned nfailed;
	int connect;	/* -1: none */
	double seconds; /* finished - started (whole seconds, at least 1); 0: not known */
};

/*
 * Parse run.json text (and paths.json text, or NULL). With a topology, the run is also
 * checked against it: recorded paths must name its links.
 * 0, -EINVAL with one line in err (where, which flow, which field), or -ENOMEM.
 */
int fp_result_parse(const char *where, const char *text, size_t len, const char *ptext, size_t plen,
		    const struct fp_topo *t, struct fp_result *r, char *err, size_t el);
/*
 * The same, with the flow records of the sizes run.json does not hold inline read from
 * fpath (flows.ndjson) when run.json names it; fpath NULL: only what run.json holds.
 */
int fp_result_parse_flows(const char *where, const char *text, size_t len, const char *ptext,
			  size_t plen, const char *fpath, const struct fp_topo *t,
			  struct fp_result *r, char *err, size_t el);
/* the same, from a run folder */
int fp_result_load(const char *dir, const struct fp_topo *t, struct fp_result *r, char *err,
		   size_t el);
void fp_result_free(struct fp_result *r);
/* result_failed.c: failed_flows into the connect phase, and seconds; 0 or -errno with err */
struct fy_node;
int fp_result_read_failed(struct fy_node *root, struct fp_result *r, char *err, size_t el);

/* the largest size with bandwidth results that ran whole (not cut short by a stall), NULL
 * when there is none */
const struct fp_rsize *fp_result_largest_bw(const struct fp_result *r);
/* the results at this size, NULL when the run has none */
const struct fp_rsize *fp_result_size(const struct fp_result *r, uint64_t size);
/* the largest size the run asked for (0 when it names none) */
uint64_t fp_result_largest_requested(const struct fp_result *r);

#endif
