/* SPDX-License-Identifier: MIT */
/*
 * Options declared in tables: name, type, default, bounds, help. The parser writes into a
 * caller's struct at each option's offset, and --help is generated from the same table.
 */
#ifndef FP_OPTS_H
#define FP_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "units.h"

enum fp_opt_type {
	FP_OPT_BOOL,	 /* bool; "--x" sets, "--no-x" clears */
	FP_OPT_INT,	 /* int64_t within [min, max] */
	FP_OPT_SIZE,	 /* uint64_t bytes within [min, max] */
	FP_OPT_SIZES,	 /* struct fp_sizes */
	FP_OPT_DURATION, /* uint64_t ns within [min, max] */
	FP_OPT_STRING,	 /* const char * */
	FP_OPT_CHOICE,	 /* int: index into choices "a|b|c" */
};

struct fp_sizes {
	unsigned n;
	uint64_t v[FP_MAX_SIZES];
};

struct fp_opt {
	const char *name;
	enum fp_opt_type type;
	size_t off;
	const char *def;     /* default, parsed as user input would be; NULL for none */
	int64_t min, max;    /* bounds for INT, SIZE, DURATION (ns); min == max: unbounded */
	const char *choices; /* CHOICE: "text|json" */
	const char *env;     /* environment variable read when the option is absent */
	const char *metavar;
	const char *help;
};

#define FP_OPT_END                                                                                 \
	{                                                                                          \
		NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL, NULL                                     \
	}

/*
 * Parse argv[0..argc) (no program or subcommand name). Defaults apply first, then the
 * environment, then arguments. Positionals go to pos[] (at most maxpos). Bit i of *given
 * says option i came from the command line or the environment. 0 or -errno, with a
 * one-line message in err.
 */
int fp_opts_parse(const struct fp_opt *tab, void *cfg, int argc, char *const *argv,
		  const char **pos, int maxpos, int *npos, uint64_t *given, char *err,
		  size_t errlen);
/*
 * A finite decimal number within [lo, hi], the whole string: 0, -EINVAL when it is not a
 * number (nan, inf, overflow, trailing text), -ERANGE when it is outside.
 */
int fp_parse_num(const char *s, double lo, double hi, double *out);
int fp_opts_index(const struct fp_opt *tab, const char *name);
/* first, then args joined with blanks, into out: 0, or -E2BIG if it does not fit. */
int fp_opts_join(const char *first, char *const *args, int n, char *out, size_t len);
void fp_opts_help(FILE *f, const struct fp_opt *tab);

#endif
