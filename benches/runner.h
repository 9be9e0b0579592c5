/* SPDX-License-Identifier: MIT */
/* `fabprobe run PATTERN`: one process per rank, patterns over the engine API. */
#ifndef FP_RUNNER_H
#define FP_RUNNER_H

#include <signal.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/opts.h"
#include "../fabric/runtime/engine.h"

struct fp_run_cfg {
	const char *pattern;
	const char *engine;
	struct fp_sizes sizes;
	int64_t iters, warmup, window;
	uint64_t duration_ns, timeout_ns, interval_ns;
	uint64_t report_ns; /* --report-interval: rank 0 prints bandwidth per interval; 0 off */
	bool bidir, quiet, reverse;
	int algo; /* collectives: 0 ring, 1 tree */
	const char *output, *results_dir;
	int format;	  /* 0 text, 1 json, 2 jsonl (run_stream.c) */
	bool check;	  /* --check: receivers verify every message's bytes */
	bool count_wrong; /* --check, by the runner: #wrong per size (engines without their own) */
	int64_t rank, size, np;
	const char *rendezvous, *token, *bind, *pin, *hostname;
	const char *numa;   /* --numa: auto, none or a node (run_numa.c) */
	bool require_token; /* a token guessed from the launcher's job id is an error off loopback */
	int local_rank;	    /* set by --np for its children; -1: from the launcher's environment */
	int poll;
	/* pattern options */
	int64_t rounds, shift, root, seed, pairs_sample;
	bool rotate, alone;
	const char *groups;
	/* pacing and the RFC 2544 throughput search (frame engines) */
	const char *rate, *rfc2544;
	uint64_t trial_ns;
	const char *resolution;
	const char *fabric_counters; /* topology: rank 0 reads its switches' counters */
	/* soak (run_soak.c): repeat the pattern for --duration or until a signal */
	bool soak, forever;
	uint64_t counter_ns; /* --counter-interval: port counter snapshots; 0 off */
	/* the command line, recorded in run.json */
	int argc;
	char **argv;
	uint64_t given;
	/* the chosen engine's own options, parsed from its table; opaque to the runner */
	_Alignas(16) unsigned char engine_cfg[FP_ENGINE_CFG_MAX];
	/* --class (run_class.c): the specs as given; the start gate a class's ranks wait at
	 * (pipe fds, 0: none) so that every class's timed phase starts together */
	const char *classes[8];
	unsigned nclass;
	int gate_ready, gate_go;
	/* arguments after "--", for the engine */
	char *const *rest;
	int nrest;
};

extern const struct fp_opt fp_run_opts[];

/* A row of an option table at its place in struct fp_run_cfg. */
#define FP_RUN_OPT(n, t, f, d, lo, hi, ch, env, mv, h)                                             \
	{                                                                                          \
		n, t, offsetof(struct fp_run_cfg, f), d, lo, hi, ch, env, mv, h                    \
	}

/*
 * The options of a pattern and its result folder, shared by `fabprobe run` and `fabprobe sim`
 * (which embeds a struct fp_run_cfg first): one row and one help text each. Only the default
 * sizes differ.
 */
#define FP_PATTERN_OPTS(sizes_def)                                                                 \
	FP_RUN_OPT("sizes", FP_OPT_SIZES, sizes, sizes_def, 0, 0, NULL, NULL, "LIST",              \
		   "message sizes: 8,64,4K or a range 1:1M:x2 or 1K:8K:+1K"),                      \
		FP_RUN_OPT("iters", FP_OPT_INT, iters, "1000", 1, 1000000000, NULL, NULL, NULL,    \
			   "messages per flow and size (run: ignored with --duration)"),           \
		FP_RUN_OPT("bidir", FP_OPT_BOOL, bidir, NULL, 0, 0, NULL, NULL, NULL,              \
			   "both directions at once (stream, bisection)"),                         \
		FP_RUN_OPT("rounds", FP_OPT_INT, rounds, "4", 1, 100000, NULL, NULL, NULL,         \
			   "permutation, bisection: rounds"),                                      \
		FP_RUN_OPT("seed", FP_OPT_INT, seed, "1", 1, INT64_MAX, NULL, NULL, NULL,          \
			   "permutation: seed of round 0 (round r uses seed+r); sim: also ECMP "   \
			   "hashing, "                                                             \
			   "noise and random faults"),                                             \
		FP_RUN_OPT("shift", FP_OPT_INT, shift, "1", -65535, 65535, NULL, NULL, "K",        \
			   "ring: rank i sends to rank i+K"),                                      \
		FP_RUN_OPT("root", FP_OPT_INT, root, "0", 0, 65535, NULL, NULL, NULL,              \
			   "incast, broadcast: the root rank"),                                    \
		FP_RUN_OPT("rotate", FP_OPT_BOOL, rotate, NULL, 0, 0, NULL, NULL, NULL,            \
			   "incast, broadcast: every rank is root in turn"),                       \
		FP_RUN_OPT("alone", FP_OPT_BOOL, alone, NULL, 0, 0, NULL, NULL, NULL,              \
			   "pairs: measure each pair alone (slow, exact)"),                        \
		FP_RUN_OPT(                                                                        \
			"algo", FP_OPT_CHOICE, algo, "ring", 0, 0, "ring|tree", NULL, NULL,        \
			"allreduce: ring or double binary tree (allgather, reducescatter: ring)"), \
		FP_RUN_OPT("reverse", FP_OPT_BOOL, reverse, NULL, 0, 0, NULL, NULL, NULL,          \
			   "every flow the other way: receivers send (iperf3 -R)"),                \
		FP_RUN_OPT("groups", FP_OPT_STRING, groups, NULL, 0, 0, NULL, NULL, "LABELS",      \
			   "bisection: a group label per rank, e.g. leaf0,leaf0,leaf1,leaf1"),     \
		FP_RUN_OPT(                                                                        \
			"output", FP_OPT_STRING, output, NULL, 0, 0, NULL, NULL, "DIR",            \
			"result folder to create (default results/<run-id>); never overwritten"),  \
		FP_RUN_OPT("results-dir", FP_OPT_STRING, results_dir, "results", 0, 0, NULL,       \
			   "FABPROBE_RESULTS", "DIR", "parent folder for result folders"),         \
		FP_RUN_OPT("quiet", FP_OPT_BOOL, quiet, NULL, 0, 0, NULL, NULL, NULL,              \
			   "no table or progress")

/*
 * Parse `fabprobe run`'s command line: the runner's options into cfg, each engine's into its
 * own table (an option several engines know goes to each; only the chosen engine's are
 * kept), and whatever follows "--" into cfg->rest. 0, or -errno with one line in err.
 */
int fp_run_parse(struct fp_run_cfg *cfg, int argc, char **argv, const char **pos, int maxpos,
		 int *npos, char *err, size_t errlen);
/* Every --class spec into cfg->classes (run_class.c). 0, or -EINVAL with one line in err. */
int fp_run_take_classes(struct fp_run_cfg *cfg, int argc, char **argv, char *err, size_t errlen);
/* In run.json's options: "run" and "engine", every option by its name, as parsed. */
struct fp_json;
void fp_run_json_options(struct fp_json *j, const struct fp_run_cfg *cfg);
/* Each built engine's options, under its name. */
void fp_run_help_engines(FILE *f);

/* The one mutable global: set by SIGINT/SIGTERM, read once per burst. */
extern volatile sig_atomic_t fp_stop;

/* run_class.c: --class runs; the gate before the timed phase (0, or -errno + err) */
int fp_run_classes(struct fp_run_cfg *cfg);
int fp_run_class_gate(const struct fp_run_cfg *cfg, char *err, size_t len);

/* Exit status: 0 done, 1 the run failed (results kept, marked incomplete), 2 bad input. */
int fp_run(struct fp_run_cfg *cfg);

#endif
