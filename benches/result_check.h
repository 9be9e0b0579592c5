/* SPDX-License-Identifier: MIT */
/*
 * Acceptance specs (fabprobe check): thresholds on what result folders measured, PASS or
 * FAIL per check. A check passes only on a complete, measured run of the size it names,
 * unless the spec says otherwise (allow_incomplete, simulated: ok).
 */
#ifndef FP_RESULT_CHECK_H
#define FP_RESULT_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FP_SPEC_MAXCHECKS 1000

struct fp_check {
	char name[128], pattern[32], metric[32], size_text[16], baseline[512];
	uint64_t size; /* 0: the largest size the run asked for */
	double min, max, within;
	bool has_min, has_max, has_within;
	bool allow_incomplete, simulated_ok;
	/* outcome */
	bool pass;
	double value, limit;
	char why[512];
};

struct fp_spec {
	char name[128];
	struct fp_check *v;
	unsigned n;
};

/* A spec {fabprobe_spec: 1, name:, checks: [...]}: 0, or -EINVAL with err (exit 2). */
int fp_spec_parse(const char *where, const char *text, size_t len, struct fp_spec *s, char *err,
		  size_t el);
int fp_spec_load(const char *path, struct fp_spec *s, char *err, size_t el);
void fp_spec_free(struct fp_spec *s);

/*
 * Every check against the result folders. topology may be NULL, unless a check needs it.
 * 0 with the outcomes filled in (*failed counts the FAILs); -EINVAL with err when the
 * spec cannot be evaluated or a folder cannot be read (exit 2); -ENOMEM.
 */
int fp_spec_evaluate(struct fp_spec *s, const char *topology, const char *const *dirs, int n,
		     unsigned *failed, char *err, size_t el);

/* the metric's unit ("Gb/s", "us", ...); the names of all metrics, one by one */
const char *fp_check_unit(const struct fp_check *c);
const char *fp_check_metric_name(unsigned i);

#endif
