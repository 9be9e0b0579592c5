/* SPDX-License-Identifier: MIT */
/*
 * Inside the runner: one rank's state, shared by the pieces of benches/run_*.c and runner.c.
 * Nothing outside benches/run*.c includes this.
 */
#ifndef FP_RUN_PRIV_H
#define FP_RUN_PRIV_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/clock.h"
#include "../core/err.h"
#include "../core/series.h"
#include "../fabric/runtime/engine.h"
#include "../fabric/runtime/numa.h"
#include "../fabric/inventory/fec.h"
#include "../fabric/inventory/inventory.h"
#include "../fabric/runtime/rendezvous.h"
#include "results.h"
#include "runner.h"
#include "sched.h"
#define BURST		  32
#define ACK_LEN		  8
#define ERR_LEN		  512
#define REC_HEAD	  140
#define DRAIN_NS	  20000000ull  /* a receiver waits this long after the end marker */
#define END_COPIES	  5	       /* end markers per flow, DRAIN_NS / END_COPIES apart */
#define QUIET_NS	  250000000ull /* a receiver that heard nothing this long has it all */
#define DURATION_MAX_MSGS (1ull << 48) /* --duration: the clock ends a phase, not this */

/* One flow of the current round, as this rank sees it. */
struct lflow {
	struct fp_conn *c;
	uint32_t flow, entry;
	int peer;
	bool src;
	bool done, ack_pending;
	bool stalled;	     /* no progress for stall_ticks in this phase: done, and reported */
	bool dead;	     /* stalled as its engine said its connection broke (FP_ECONN_DEAD) */
	uint64_t last_prog;  /* its last progress (ticks; a bandwidth loop's shifted) */
	uint64_t last_n;     /* its counts then (n + acked + ack_sent) */
	uint64_t last_moved; /* the bytes its connection had moved since (engine moved) */
	bool moved_marked;   /* last_moved taken since the last progress */
	uint64_t stall_mono; /* stalled: its last progress, fp_mono_ns() */
	uint64_t target, n, acked, ack_sent;
	uint64_t cap, chunk; /* latency: at most cap round trips, chunk at a time */
	bool out; /* latency initiator: a ping went whose reply the chunk's cut left to the next */
	uint64_t out_el; /* ... and the ticks it had waited for it then */
	bool held; /* latency: a wait the cut left keeps its last_prog (a stall spans chunks) */
	uint64_t t_end, end_at, last_rx;
	unsigned ends;
	struct fp_dgram_stats dg;
	struct fp_series series;
	uint8_t ackbuf[ACK_LEN], ackin[ACK_LEN];
};

struct rank {
	const struct fp_run_cfg *cfg;
	struct fp_engine_ops ops;
	struct fp_engine *eng;
	struct fp_rv *rv;
	struct fp_clock clk;
	struct fp_sched sched;
	const struct fp_pattern *pat;
	struct fp_conn **conns; /* per flow */
	struct lflow *lf;	/* the round's flows on this rank */
	unsigned nlf;
	struct fp_hist *hist; /* latency initiator's */
	uint8_t *txbuf, *rxbuf;
	uint8_t *recbuf; /* gather records */
	size_t reclen;
	uint64_t timeout_ticks, interval_ticks, drain_ticks, quiet_ticks;
	/* a bandwidth or latency flow with no progress this long has stalled (run_failed.c); 0: the
	 * engine fails as a whole, and only the rank's timeout ends a phase */
	uint64_t stall_ticks;
	bool stall_ended;	   /* the stall report ended the run (every rank hears it) */
	bool dgram, same_clock;	   /* same_clock: every rank on this machine, on its TSC */
	double rate_bps, rate_pps; /* --rate, per sending rank; 0: unpaced */
	double last_ns;		   /* the last datagram loop: until this rank's last frame went */
	/* --duration (run_timed.c): sources stop at stop_at (ticks; UINT64_MAX: never) */
	uint64_t stop_at;
	uint64_t shift; /* ticks taken off the clock while a stopped phase drains */
	bool stopped;	/* the last bandwidth loop ended at stop_at */
	bool resume;	/* the bandwidth loop goes on with the counts where they are */
	bool draining;	/* after the deadline: sources keep the time they stopped at */
	double lat_ns;	/* the warm-up's round trip, to size the first latency chunk */
	/* a latency chunk ends here (ticks; 0: never) whatever its count, as a count sized from
	 * a fast chunk may take far longer when the host slows, past the --timeout of the
	 * ranks waiting for the next exchange (run_timed.c) */
	uint64_t cut_at;
	uint64_t cut_grace; /* an initiator awaiting a reply is cut this much later */
	/* --report-interval (run_report.c) */
	uint64_t report_ticks, rep_t; /* every; the last report */
	uint64_t rep_next;	      /* frame engines: the next report is due (ticks); 0: none */
	uint64_t *rep_prev;	      /* rank 0: per flow, messages received at the last one */
	uint64_t wrong;		      /* --check: corrupted messages in this measurement */
	/* the progress line on a terminal (run_report.c) */
	bool prog_tty;
	uint64_t prog_t0; /* fp_mono_ns() at the first size */
	unsigned prog_si; /* the size and round it shows */
	uint32_t prog_r;
	/* soak and counter series (run_soak.c) */
	uint64_t soak_t0, soak_last; /* ticks: the first snapshot; rank 0: the last one kept */
	uint64_t phase_ns;	     /* the next phase's length (--soak), else --duration */
	char snap_port[48];	     /* the netdev this rank snapshots; "": none */
	bool fec0_ok;		     /* fec0: the port's FEC statistics before the run */
	struct fp_fec fec0;
	bool masked; /* SIGINT/SIGTERM blocked for the soak; old_mask to restore */
	sigset_t old_mask;
	int rank, size;
	/* where the data path failed */
	int fail_ret;
	uint32_t fail_flow;
	struct fp_run_data *data; /* rank 0 only */
	struct fp_numa_plan numa; /* --numa (run_numa.c) */
	char err[ERR_LEN];
};

/* run_loops.c: the timed loops */
void fp_run_round_flows(struct rank *rk, uint32_t r, bool lat);
int fp_run_loops(struct rank *rk, size_t size, uint64_t *t0);
int fp_run_lat(struct rank *rk, size_t size);
int fp_run_dgram(struct rank *rk, size_t size, uint64_t *t0);

/* run_timed.c: a phase bounded by the wall clock (limit_ns; 0: by the counts) */
int fp_run_timed(struct rank *rk, bool lat, size_t size, uint64_t limit_ns, bool report,
		 uint64_t *t0, const char *what);

/* run_report.c: --report-interval, every rank joins; all_done: every rank said done, or a
 * rank has a flow that stalled (the phase ends for all) */
int fp_run_report(struct rank *rk, size_t size, bool done, bool *all_done, uint64_t start);
/* --report-interval in a latency phase: the round trips since the last report (prev: the
 * initiator's histogram then; scratch: working space), every rank joins */
int fp_run_lat_report(struct rank *rk, size_t size, uint64_t start, struct fp_hist *prev,
		      struct fp_hist *scratch);
/* the progress line on a terminal (rank 0, text, stdout a TTY): start, draw, wipe */
void fp_run_progress_start(struct rank *rk);
void fp_run_progress(struct rank *rk, unsigned si, uint32_t r);
void fp_run_progress_clear(const struct rank *rk);

/* run_stream.c: --format jsonl, one JSON object per line on stdout (rank 0) */
void fp_run_jsonl_ival(const struct rank *rk, const struct fp_ival *v);
void fp_run_jsonl_size(const struct fp_run_data *d, const struct fp_size_res *sr);
void fp_run_jsonl_summary(const struct fp_run_data *d);

/* run_verify.c: --check; rank 0 adds every rank's count to sr->wrong; any: says so, true */
int fp_run_check_gather(struct rank *rk, struct fp_size_res *sr, const char *what);
bool fp_run_check_failed(const struct rank *rk);

/* run_phase.c: one phase of one round, its counts and records; every size and round */
int fp_run_share_counts(struct rank *rk, uint64_t per_rank, const char *what);
int fp_run_sizes(struct rank *rk);

/* run_coll.c: one size of a collective pattern (coll.h) */
int fp_run_coll(struct rank *rk, struct fp_size_res *sr, uint32_t r);
/* what a collective cannot run with, said on stderr before any rank starts: nonzero */
int fp_coll_preflight(const struct fp_run_cfg *cfg, unsigned engine_flags);

/* run_rfc2544.c: the RFC 2544 throughput search */
int fp_run_parse_fraction(const char *s, double *v);
int fp_run_rfc2544(struct rank *rk, struct fp_size_res *sr, size_t size, const char *what,
		   uint64_t *t0);

/* run_launch.c: who this rank is, from flags or the launcher */
int fp_run_env_int(const char *name, int64_t *v);
int fp_run_who_am_i(const struct fp_run_cfg *cfg, int *rank, int *size, char *err);
bool fp_run_job_token(const struct fp_run_cfg *cfg, char *tok, size_t len);
int64_t fp_run_local_rank(const struct fp_run_cfg *cfg, int rank);

/* run_place.c: where this rank runs and sends from */
int fp_run_pin_cpu(const struct fp_run_cfg *cfg, int rank, char *err);
int fp_run_resolve_bind(const char *spec, char *out, size_t len, char *err);

/* run_numa.c: --numa placement, and its lines for ranks[] */
int fp_run_numa_check(const struct fp_run_cfg *cfg, char *err);
int fp_run_numa(struct rank *rk);
size_t fp_run_numa_lines(const struct rank *rk, const char *id, char *blob, size_t len, size_t o);

/* run_counters.c: port counters before and after */
bool fp_run_port_of(const char *ip, char *name, size_t len);
int fp_run_gather_counters(struct rank *rk, const struct fp_port *before, const char *port);
/* --fabric-counters on rank 0: the fabric's port counters before or after (run_fabric.c) */
int fp_run_fabric_snap(struct rank *rk, bool after);

/* run_soak.c: --soak, --forever, --counter-interval */
int fp_run_soak_check(struct fp_run_cfg *cfg);
bool fp_run_soaking(const struct fp_run_cfg *cfg);
int fp_run_soak_alloc(struct rank *rk);
int fp_run_soak_start(struct rank *rk, const char *bind);
int fp_run_soak_tick(struct rank *rk, bool *go);
void fp_run_soak_rates(struct rank *rk, const struct fp_size_res *sr, unsigned si, uint32_t r,
		       uint64_t t0);
void fp_run_soak_end(struct rank *rk, bool all_done);
void fp_run_soak_finish(struct rank *rk);

/* run_context.c: each rank's port and CPU, to rank 0 for run.json */
int fp_run_gather_context(struct rank *rk, const char *bind);

/* run_setup.c: meeting the others, identities, buffers, the result folder */
int fp_run_allgather_cb(void *ctx, const char *what, const void *mine, size_t len,
			struct fp_rv_blobs *out);
void fp_run_iso_now(char *buf, size_t len);
int fp_run_meet(struct rank *rk, const char *bind);
int fp_run_gather_idents(struct rank *rk);
/*
 * run_failed.c: after connect (ret its result), for engines with FP_ENG_FLOW_FAIL, every
 * rank learns which flows could not connect; rank 0 keeps them for run.json. Every rank
 * returns an error when any flow or rank failed (with the identities of the flows that did
 * connect gathered, for tracing), else 0.
 */
int fp_run_connect_report(struct rank *rk, int ret);
/*
 * run_failed.c: after a bandwidth or latency phase (size, round r), with stall_ticks, every rank learns
 * which flows stalled; rank 0 keeps them for run.json. An error on every rank when any did.
 */
int fp_run_stall_report(struct rank *rk, bool lat, uint64_t size, uint32_t r, uint64_t t0);
/* What a rank's flows moved in one size of a collective (run_coll.c), per flow and direction
 * (tx: 2 f, rx: 2 f + 1) where two: messages and bytes; per flow: the last message's ticks,
 * a broken connection; wait: an op on it was pending when the collective timed out. */
struct fp_coll_trace {
	uint64_t *msgs, *bytes, *last;
	uint8_t *wait, *dead;
	uint64_t t0; /* ticks: the size began */
};
/*
 * run_coll_stall.c: after a loop of collectives (what: "allreduce 4K", round r) ended with
 * ret (0, or -ETIMEDOUT: no progress), every rank meets the others with how its loop ended,
 * its time (ns) and what its flows moved. When every loop ended: 0, and rank 0 keeps the
 * slowest time in *slowest (NULL: not kept). When any stalled, every rank learns which
 * flows: one whose destination waits on it while its source sent more than arrived, or
 * could not send, or whose connection broke; rank 0 keeps them for run.json; -ETIMEDOUT
 * with the text. Any other ret is returned at once (the rank fails as before).
 */
int fp_run_coll_meet(struct rank *rk, const struct fp_coll_trace *t, int ret, uint64_t size,
		     uint32_t r, const char *what, uint64_t ns, double *slowest);
int fp_run_make_dir(struct rank *rk);
int fp_run_alloc_rank(struct rank *rk);
void fp_run_data_clock(struct fp_run_data *d, const struct fp_clock *clk);
int fp_run_alloc_data(struct rank *rk, struct fp_run_data *d);
void fp_run_free_data(struct fp_run_data *d);
int fp_run_check_sizes(struct rank *rk);

/* runner.c: the pattern's options from the run's; the engine opened for this rank (after
 * fp_run_meet); one rank from start to results */
struct fp_pattern_opts fp_run_pattern_opts(const struct fp_run_cfg *cfg);
int fp_run_open_engine(struct rank *rk, const char *bind);
/* rank 0 after a data-path failure: rk->err names the ranks that died without a word */
void fp_run_blame(struct rank *rk);
struct fp_rv_params fp_run_rv_params(const struct fp_run_cfg *cfg, int rank, int size,
				     const char *token, bool weak);
int fp_run_rank(struct fp_run_cfg *cfg, int rank, int size, const char *token, bool weak);

#endif
