/* SPDX-License-Identifier: MIT */
/* `fabprobe analyze --topology T CLASSES_DIR`: the queue behind a latency class's spike. */
#ifndef FP_LUL_ANALYZE_H
#define FP_LUL_ANALYZE_H

#include <stdbool.h>
#include <stdio.h>

/* dir holds a `run --class` result (classes.json) */
bool fp_lul_is_classes(const char *dir);
/*
 * Join every latency class's bloat (idle-NAME, NAME) and every bulk class's rates with the
 * flows' paths (paths.json, traced) on topology; print the queues ranked, text or JSON, on
 * out. 1: a queue is named, 0: none, 2: bad input (one line in err).
 */
int fp_lul_analyze(const char *topology, const char *dir, bool json, FILE *out, char *err,
		   size_t el);

#endif
