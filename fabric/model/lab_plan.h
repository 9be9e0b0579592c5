/* SPDX-License-Identifier: MIT */
#ifndef FP_LAB_PLAN_H
#define FP_LAB_PLAN_H

#include <stdbool.h>
#include <stdio.h>

#include "topo.h"

/* The line-oriented build plan scripts/lab executes (format in scripts/lab/README.md). */
int fp_lab_plan(const struct fp_topo *t, FILE *f, char *err, size_t el);

#endif
