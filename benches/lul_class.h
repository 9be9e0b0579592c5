/* SPDX-License-Identifier: MIT */
/*
 * Latency under load (`fabprobe run --class`): the class specs NAME:PATTERN:SIZE[:opt=val...]
 * and the bloat matrix (p99 loaded - p99 idle per pair). run_class.c runs the classes.
 */
#ifndef FP_LUL_CLASS_H
#define FP_LUL_CLASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FP_CLASS_MAX	  8  /* --class at most this many times */
#define FP_CLASS_OPTS	  8  /* opt=val per class */
#define FP_CLASS_NAME_LEN 24 /* a class name is a folder name: [A-Za-z0-9_-], 1..23 */

struct fp_class {
	char name[FP_CLASS_NAME_LEN];
	char pattern[32];
	uint64_t size;
	int dscp; /* tclass=N: the DSCP codepoint 0..63; -1: not marked */
	unsigned nopt;
	char opt[FP_CLASS_OPTS][96]; /* "--name=value", for the runner's own parser */
};

/*
 * One --class spec into c: NAME:PATTERN:SIZE[:opt=val...]. The pattern must exist; opt=val
 * becomes --opt=val for the runner's and engines' option tables, except tclass=N (a DSCP,
 * 0..63) and the options the class machinery owns itself (np, rank, size, sizes,
 * rendezvous, output, results-dir, token, format, class), which are refused.
 * 0, or -EINVAL with one line in err.
 */
int fp_class_parse(const char *spec, struct fp_class *c, char *err, size_t el);

/*
 * The engine option that marks a class's traffic (dscp >= 0): sockets --tos (the TOS byte,
 * DSCP << 2), verbs --tclass (the GRH traffic class, DSCP << 2), dpdk --dscp. Written into
 * out; 0, or -EOPNOTSUPP when the engine has no such option (out untouched).
 */
int fp_class_mark_arg(const struct fp_class *c, const char *engine, const char *const *known,
		      char *out, size_t len);

/* A pattern that measures latency (ping-pong): such a class gets an idle phase. */
bool fp_class_is_latency(const struct fp_class *c);

struct fp_result;
/*
 * The bloat matrix of one latency class at one size: m[src * n + dst] = the flow's one-way
 * p99 (us) in loaded minus in idle, NaN where either run has no latency for the pair.
 * Pairs are symmetric (a ping-pong measures both ways at once). n is both runs' world size;
 * returns the number of pairs filled, or -EINVAL when the runs do not match.
 */
int fp_bloat_matrix(const struct fp_result *idle, const struct fp_result *loaded, uint64_t size,
		    double *m, int n);

#endif
