/* SPDX-License-Identifier: MIT */
/* `fabprobe run PATTERN`: one process per rank, patterns over the engine API. */
#ifndef FP_RUNNER_H
#define FP_RUNNER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/opts.h"

struct fp_run_cfg {
	const char *pattern;
	const char *engine;
	struct fp_sizes sizes;
	int64_t iters, warmup, window;
	uint64_t duration_ns, timeout_ns, interval_ns;
	bool bidir, quiet;
	const char *output, *results_dir;
	int format; /* 0 text, 1 json */
	int64_t rank, size, np;
	const char *rendezvous, *token, *bind, *pin, *hostname;
	int local_rank; /* set by --np for its children; -1: from the launcher's environment */
	int poll;
	int64_t busy_poll_us;
	/* pattern options */
	int64_t rounds, shift, root, seed, pairs_sample;
	bool rotate, alone;
	const char *groups;
	/* engine options: dpdk, verbs */
	const char *port, *eal, *dst_mac, *rate, *op;
	bool check, cm;
	int64_t gid_index, inline_size, cq_mod, post_list, tx_depth;
	/* RFC 2544 throughput search (datagram engines) */
	const char *rfc2544;
	uint64_t trial_ns;
	const char *resolution;
	/* the command line, recorded in run.json */
	int argc;
	char **argv;
	uint64_t given;
};

extern const struct fp_opt fp_run_opts[];

/* The one mutable global: set by SIGINT/SIGTERM, read once per burst. */
extern volatile sig_atomic_t fp_stop;

/* Exit status: 0 done, 1 the run failed (results kept, marked incomplete), 2 bad input. */
int fp_run(struct fp_run_cfg *cfg);

#endif
