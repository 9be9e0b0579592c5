/* SPDX-License-Identifier: MIT */
/*
 * What a run measured, as rank 0 holds it, and how it is written: run.json (the schema in
 * results/README.md), CSV files shaped for gnuplot, and the text table.
 */
#ifndef FP_RESULTS_H
#define FP_RESULTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/hist.h"
#include "../core/series.h"
#include "runner.h"
#include "sched.h"

#define FP_SCHEMA_VERSION 1
/* matrices are written up to this many ranks */
#define FP_MATRIX_MAX 1024

/* One flow in one round at one size: both ends' counts, bandwidth, latency. */
struct fp_fres {
	bool have_tx, have_rx, have_lat;
	uint64_t tx_msgs, tx_bytes, rx_msgs, rx_bytes, lat_msgs;
	uint64_t reordered, duplicates, stale; /* datagram engines */
	uint64_t forged;	 /* sockets UDP: datagrams without the stream's cookie, dropped */
	double tx_ns, rx_ns;	 /* sender: until the last ack; receiver: until the last byte */
	struct fp_bw_stats bw;	 /* receiver side, bytes/s */
	struct fp_lat_stats rtt; /* initiator side, ns */
	/* TCP engines (have_tcp): the source's kernel counts over the measured phase */
	bool have_tcp;
	uint64_t retrans, segs_out;
	uint32_t rtt_us;
};

#define FP_RFC_TRIALS 40

struct fp_size_res {
	uint64_t size;
	bool done;
	bool partial;		/* done, but cut short by stalled flows: what the others measured */
	struct fp_fres *fr;	/* one per schedule entry (round, flow) */
	struct fp_hist *lat;	/* all round trips at this size, merged; NULL without latency */
	struct fp_hist *oneway; /* frame engines on one machine: one-way delays, ns */
	uint64_t wrong;		/* --check: messages whose bytes were not what was sent */
	/* RFC 2544 throughput search (datagram engines): per sending rank, frames/s */
	unsigned rfc_trials;
	double rfc_fps, rfc_rate[FP_RFC_TRIALS], rfc_loss[FP_RFC_TRIALS];
	/* collectives (run_coll.c): the slowest rank's time for coll_iters of them, ns */
	double coll_ns;
	uint64_t coll_iters;
};

struct fp_host {
	char name[64];
	char addr[48];
};

/* What the counters of a rank's data-plane port did during the run. */
struct fp_ctr_delta {
	char port[48];
	bool valid;
	unsigned n;
	char name[48][48];
	int64_t delta[48];
};

/* Where a rank ran: its data-plane port as the system describes it, and its CPU. */
struct fp_rank_ctx {
	bool valid; /* the rank sent a record */
	char port[48], driver[32], pcie[16];
	int mtu, numa_node;		  /* -1 unknown */
	int cpu;			  /* the CPU it is pinned to; -1 not pinned to one */
	int numa_nic, numa_cpu, numa_buf; /* --numa placement (run_numa.c); -1 unknown */
	bool numa_off;			  /* off the NIC's node */
	double speed_gbps;		  /* 0 unknown */
	double pcie_gts, pcie_max_gts;
	int pcie_width, pcie_max_width;
	char nic_model[48], firmware[48]; /* "" unknown: "-" in run.json */
};

/* One --report-interval line: all flows of a phase over one interval. */
struct fp_ival {
	uint64_t size, bytes, msgs;
	double t0, t1;	  /* seconds since the phase began */
	double slow_rate; /* the slowest flow's, bytes/s */
	uint32_t slow_flow;
	bool lat;	       /* a latency phase: msgs are round trips, with percentiles */
	double p50_ns, p99_ns; /* round trip, all initiators */
};

/*
 * a flow that could not connect, or stalled in a bandwidth phase (run_failed.c): run.json's
 * failed_flows. A stalled one also has where (size, round), what it moved in that phase
 * before (bytes, after_s since the phase began) and when its last progress was (at).
 */
struct fp_failed_flow {
	uint32_t flow;
	int src, dst;
	char error[96];
	bool stalled;
	bool dead; /* stalled as its engine said its connection broke */
	uint32_t round;
	uint64_t size, bytes;
	double after_s;
	char at[32];
};

/*
 * Frames by queue (engines with several queues, run_queues.c), per size and schedule entry
 * as fr[]: the source's transmit queue and the destination's frames by receive queue.
 */
/* Who polled one queue of a rank: an lcore (-1: no record) and the CPUs it may run on. */
struct fp_queue_lcore {
	int lcore;
	uint16_t ncpu;
	uint16_t cpu[FP_QS_MAXCPU];
};

struct fp_run_queues {
	unsigned nq;
	uint8_t *txq;		   /* [size][entry]; 0xff: no record */
	uint64_t *rx;		   /* [size][entry][queue] */
	struct fp_queue_lcore *lc; /* [rank][queue], the last phase's record */
};

void fp_run_queues_free(struct fp_run_queues *q);
struct fp_run_data;
/*
 * run_queues.c: rank r's queue records for size sr (outside input) into d->queues, made on
 * the first. Each names a schedule entry of r's; a receive record's counts must sum to the
 * entry's rx_msgs (sr->fr, unpacked before). 0, -EBADMSG or -ENOMEM.
 */
int fp_run_queues_parse(struct fp_run_data *d, struct fp_size_res *sr, uint32_t r, const uint8_t *p,
			size_t len);

struct fp_run_data {
	const struct fp_run_cfg *cfg;
	const struct fp_sched *sched;
	const struct fp_pattern *pattern;
	char run_id[128];
	char dir[4096];
	char started[32], finished[32];
	bool dgram; /* frames can be lost: offered load, loss, reordering are reported */
	char clock_source[96];
	char kernel[160];
	double clock_hz;
	bool clock_tsc;		  /* the TSC: its drift is recorded */
	double clock_drift;	  /* fp_clock_drift at the run's end */
	struct fp_host *hosts;	  /* world size */
	struct fp_ctr_delta *ctr; /* world size; valid where a port was read */
	struct fp_rank_ctx *rctx; /* world size */
	char **endpoint; /* world size or NULL: each rank's hosts[].endpoint lines (results_ep.c) */
	struct fp_ival *ivals; /* --report-interval, in order */
	unsigned nivals, ival_cap;
	struct fp_flow_ident *ident; /* per flow */
	struct fp_size_res *res;     /* per requested size */
	unsigned nres;
	const char *status; /* "running", "complete", "interrupted", "failed" */
	const char *auth; /* the rendezvous: "token", or "weak" (a guessable job id); NULL: none */
	bool simulated;
	/* simulated runs: each schedule entry's path, FP_SIM_MAXHOPS directed links apart */
	const unsigned *paths, *hops;
	char error[512];
	struct fp_fabctr *fabric;      /* --fabric-counters: both snapshots, or NULL */
	struct fp_soak *soak;	       /* --soak, --forever, --counter-interval: series, or NULL */
	struct fp_failed_flow *failed; /* flows that could not connect or stalled */
	unsigned nfailed, failed_cap;  /* entries, and room (run_failed.c) */
	struct fp_run_queues *queues;  /* frames by queue, or NULL */
};

/* Aggregates of one round at one size, for tables and JSON. */
struct fp_round_agg {
	uint64_t bytes;
	double time_ns;			      /* the slowest flow's receive time */
	double bw;			      /* bytes / time, bytes/s */
	double min_flow, max_flow, mean_flow; /* per-flow average rates, bytes/s */
	double jain;			      /* Jain's fairness index of per-flow rates */
	unsigned flows;
};

void fp_round_agg(const struct fp_run_data *d, const struct fp_size_res *sr, uint32_t round,
		  struct fp_round_agg *out);
/* The whole folder, atomically file by file. 0 or -errno. */
int fp_results_write(const struct fp_run_data *d);
/* argv[i] as it is recorded: the value of --token is "***". buf holds a rewritten arg. */
const char *fp_redact_arg(char *const *argv, int i, char *buf, size_t len);
void fp_results_json(const struct fp_run_data *d, FILE *f, bool pretty);
void fp_results_text_header(const struct fp_run_data *d, FILE *f);
void fp_results_text_row(const struct fp_run_data *d, const struct fp_size_res *sr, FILE *f);
/* results_coll.c: a collective's size in run.json ("collective") and its text columns */
struct fp_json;
void fp_results_coll_json(struct fp_json *j, const struct fp_run_data *d,
			  const struct fp_size_res *sr);
void fp_results_coll_text(const struct fp_run_data *d, const struct fp_size_res *sr, FILE *f);
void fp_results_text_footer(const struct fp_run_data *d, FILE *f);
/* results_sum.c: ranks[] and the alltoall summary in run.json; the "avg busbw" line */
struct fp_json;
double fp_results_busbw(const struct fp_run_data *d, const struct fp_size_res *sr);
void fp_results_json_ranks(struct fp_json *j, const struct fp_run_data *d);
/* failed_flows, when flows could not connect or stalled (run_failed.c) */
void fp_results_json_failed(struct fp_json *j, const struct fp_run_data *d);
/*
 * run_failed.c: every rank's stall report after a bandwidth phase (size, round r; outside
 * input). *n: the flows that stalled, each once; *first: the lowest. With d (rank 0) each
 * is kept in d->failed. 0, -EBADMSG (a report that names a flow not its rank's, or is cut
 * short) or -ENOMEM.
 */
struct fp_rv_blobs;
int fp_run_stall_parse(const struct fp_sched *s, struct fp_run_data *d,
		       const struct fp_rv_blobs *all, uint64_t size, uint32_t r, unsigned *n,
		       uint32_t *first);
/*
 * run_coll_stall.c: every rank's report after a collective timed out (outside input): *n the
 * flows that stalled (see run_priv.h), *first the lowest; with d (rank 0) each is kept in
 * d->failed. 0, -EBADMSG (cut short, a flow not its rank's end, a value out of range, an end
 * said twice) or -ENOMEM.
 */
int fp_run_coll_stall_parse(const struct fp_sched *s, struct fp_run_data *d,
			    const struct fp_rv_blobs *all, uint64_t size, uint32_t r,
			    double timeout_s, unsigned *n, uint32_t *first);
/* run_failed.c: a new entry of d->failed for flow fl, zeroed but for its flow and ends, its
 * place plus one in slot[fl->id]; NULL on no memory */
struct fp_failed_flow *fp_run_add_failed(struct fp_run_data *d, const struct fp_flow *fl,
					 uint32_t *slot);
void fp_results_json_summary(struct fp_json *j, const struct fp_run_data *d);
void fp_results_text_busbw(const struct fp_run_data *d, FILE *f);
void fp_results_csv_intervals(const struct fp_run_data *d, FILE *f);
/*
 * results_ep.c: hosts[].endpoint. Each rank's identity is held as "key=value\n" lines of
 * the known keys only (fp_endpoint_add keeps a line when its key is one and its value short
 * and printable, else ignores it); the JSON writes them in that order.
 */
int fp_endpoint_add(char **ep, const char *key, const char *val);
void fp_results_json_endpoint(struct fp_json *j, const struct fp_run_data *d, int rank);
void fp_endpoints_free(char **ep, size_t n);
/* run_context.c: one rank's "key=value" record (outside input) into c and, for its "ep."
 * lines, *ep. 0 or -ENOMEM. */
int fp_run_context_parse(struct fp_rank_ctx *c, char **ep, const uint8_t *data, size_t len);

#endif
