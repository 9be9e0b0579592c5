/* SPDX-License-Identifier: MIT */
/* Latency under load: what the classes measured, joined (classes.json, bloat_NAME.csv). */
#ifndef FP_LUL_REPORT_H
#define FP_LUL_REPORT_H

#include <stdbool.h>

#include "lul_class.h"

/*
 * Read each class's run folders under top (idle-NAME, NAME), write top/classes.json and,
 * for each latency class, top/bloat_NAME.csv (rank x rank, one-way p99 loaded - idle, us),
 * atomically; print one line per class unless quiet. codes: each phase's exit status per
 * class. 0, or -errno after one line on stderr.
 */
int fp_lul_report(const char *top, const struct fp_class *cls, unsigned n,
		  int codes[2][FP_CLASS_MAX], int world, bool quiet);

#endif
