/* SPDX-License-Identifier: MIT */
/*
 * The real runner as the diagnosis's executor (issue 22). Every rank meets once, connects K
 * connections per ordered pair of ranks once and traces the ones it sources; rank 0 runs
 * fp_diagnose() and sends each step's schedule (connection ids per round, a duration) over
 * the rendezvous; every rank runs the rounds with the runner's timed loop, and rank 0
 * gathers what each connection moved. An empty schedule ends every rank.
 */
#ifndef FP_DIAG_RUN_H
#define FP_DIAG_RUN_H

#include "diagnose.h"
#include "runner.h"

struct fp_diag_run_cfg {
	const struct fp_topo *t; /* the fabric; one rank per host, matched by hostname */
	struct fp_router *r;
	const char *hops;   /* "ADDRESS NODE" lines for traced hops (hopmap.h); NULL: none */
	const char *output; /* DIR: DIR/diagnosis.json and DIR/step-N/ (rank 0) */
	unsigned paths;	    /* connections per ordered host pair */
	struct fp_diag_cfg dc;
	int format; /* 0 text, 1 json, on stdout (rank 0) */
};

/*
 * This process's rank of the diagnosis, under the launcher cfg describes (--rank/--size or
 * the launcher's environment). Exit status: 0 done, 1 the diagnosis failed (rank 0 writes
 * what it has, marked incomplete), 2 bad input.
 */
int fp_diag_run(struct fp_run_cfg *cfg, const struct fp_diag_run_cfg *dc);

/*
 * What ranks send each other (diag_wire.c), outside input once it arrives. A schedule:
 * u32 rounds, u64 duration_ns, then per round u32 count and count u32 connection ids (zero
 * rounds: the end). 0 when it is whole, every id below nflows and none twice in a round;
 * -EBADMSG otherwise. seen: nflows zeros of scratch, left zeroed.
 */
#define FP_DIAG_SCHED_HEAD 12
#define FP_DIAG_MAX_ROUNDS 65536
/*
 * The local step's schedule: rounds FP_DIAG_SCHED_LOCAL, duration_ns, then u32 the rank
 * whose loopback runs (alone); *rounds is set to FP_DIAG_SCHED_LOCAL, the rank is the
 * caller's to check against the world size.
 */
#define FP_DIAG_SCHED_LOCAL 0xffffffffu
int fp_diag_sched_check(const uint8_t *m, size_t len, uint32_t nflows, uint32_t *seen,
			uint32_t *rounds);

/*
 * A trace record: u32 connection, u8 state (0 the destination answered, 1 it did not,
 * 2 not traced), u8 hops, then hops u32 addresses (IPv4, network order), at most
 * FP_DIAG_MAX_HOPS. At *o of b[0..len): 1 with *r filled and *o past it, 0 at the end,
 * -EBADMSG when it is cut short or says more hops than it may.
 */
#define FP_DIAG_TRACE_HEAD 6
#define FP_DIAG_MAX_HOPS   16
struct fp_diag_trace_rec {
	uint32_t conn;
	uint8_t state;
	unsigned hops;
	const uint8_t *addr; /* hops x 4 bytes */
};
int fp_diag_trace_next(const uint8_t *b, size_t len, size_t *o, struct fp_diag_trace_rec *r);

#endif
