// SPDX-License-Identifier: MIT
/*
 * The spec evaluator of fabprobe check. A spec is outside input (fuzzed): every mistake
 * in it is an error before anything is measured, never a FAIL that looks like a result.
 */
#include "result_check.h"

#include <errno.h>
#include <libfyaml.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/err.h"
#include "../core/units.h"
#include "../fabric/inventory/inventory.h"
#include "../fabric/model/fleet_read.h"
#include "../fabric/model/jread.h"
#include "../fabric/model/yaml.h"
#include "result_obs.h"
#include "result_read.h"
#include "sched.h"

enum better { HIGHER, LOWER };

static const struct metric {
	const char *name, *unit;
	enum better better;
} metrics[] = {
	{ "pair_min_Gbps", "Gb/s", HIGHER },
	{ "pair_mean_Gbps", "Gb/s", HIGHER },
	{ "aggregate_Gbps", "Gb/s", HIGHER },
	{ "busbw_GBps", "GB/s", HIGHER },
	{ "algbw_GBps", "GB/s", HIGHER },
	{ "p50_us", "us", LOWER },
	{ "p99_us", "us", LOWER },
	{ "p99_9_us", "us", LOWER },
	{ "max_us", "us", LOWER },
	{ "mean_us", "us", LOWER },
	{ "analyzer_suspects", "suspects", LOWER },
	{ "error_counter_growth", "errors", LOWER },
	{ "fec_uncorrectable", "blocks", LOWER },
	{ "soak_degraded", "flows/ports", LOWER },
	{ "fleet_outliers", "hosts", LOWER },
	{ "fleet_mismatch", "properties", LOWER },
};
#define NMETRICS (sizeof(metrics) / sizeof(metrics[0]))

static const struct metric *find_metric(const char *n)
{
	for (size_t i = 0; i < NMETRICS; i++)
		if (!strcmp(metrics[i].name, n))
			return &metrics[i];
	return NULL;
}

const char *fp_check_unit(const struct fp_check *c)
{
	const struct metric *m = find_metric(c->metric);

	return m ? m->unit : "";
}

const char *fp_check_metric_name(unsigned i)
{
	return i < NMETRICS ? metrics[i].name : NULL;
}

static bool jbool(struct fy_node *n, bool *out)
{
	char b[8];

	if (!fp_jstr(n, b, sizeof(b)) || (strcmp(b, "true") && strcmp(b, "false")))
		return false;
	*out = !strcmp(b, "true");
	return true;
}

/* one key of a check; false: its value is wrong */
static bool check_key(struct fp_check *c, const char *k, struct fy_node *val, bool *known)
{
	char b[8];

	*known = true;
	if (!strcmp(k, "name"))
		return fp_jstr(val, c->name, sizeof(c->name));
	if (!strcmp(k, "pattern"))
		return fp_jstr(val, c->pattern, sizeof(c->pattern));
	if (!strcmp(k, "metric"))
		return fp_jstr(val, c->metric, sizeof(c->metric));
	if (!strcmp(k, "size"))
		return fp_jstr(val, c->size_text, sizeof(c->size_text)) &&
		       (!strcmp(c->size_text, "largest") ||
			(!fp_parse_size(c->size_text, &c->size) && c->size)); /* 0 is "largest" */
	if (!strcmp(k, "baseline"))
		return fp_jstr(val, c->baseline, sizeof(c->baseline));
	if (!strcmp(k, "min"))
		return (c->has_min = fp_jnum(val, &c->min));
	if (!strcmp(k, "max"))
		return (c->has_max = fp_jnum(val, &c->max));
	if (!strcmp(k, "within_pct"))
		return (c->has_within = fp_jnum(val, &c->within)) && c->within >= 0 &&
		       c->within <= 100;
	if (!strcmp(k, "allow_incomplete"))
		return jbool(val, &c->allow_incomplete);
	if (!strcmp(k, "simulated"))
		return fp_jstr(val, b, sizeof(b)) && !strcmp(b, "ok") && (c->simulated_ok = true);
	*known = false;
	return false;
}

static int parse_check(struct fy_node *it, unsigned idx, const char *where, struct fp_check *c,
		       char *err, size_t el)
{
	struct fy_node_pair *p;
	void *pi = NULL;

	if (!fy_node_is_mapping(it))
		return fp_say(err, el, "%s: check %u is not a mapping", where, idx);
	while ((p = fy_node_mapping_iterate(it, &pi))) {
		char k[32];
		bool known = false;

		if (fp_jstr(fy_node_pair_key(p), k, sizeof(k)) &&
		    check_key(c, k, fy_node_pair_value(p), &known))
			continue;
		if (!known)
			return fp_say(err, el, "%s: check %u: unknown key '%s'", where, idx, k);
		return fp_say(err, el, "%s: check %u: bad value for '%s'", where, idx, k);
	}
	if (!c->metric[0] || !find_metric(c->metric))
		return fp_say(err, el, "%s: check %u: metric '%s' is not one fabprobe knows", where,
			      idx, c->metric);
	if (c->pattern[0] && !fp_pattern_find(c->pattern))
		return fp_say(err, el, "%s: check %u: pattern '%s' is not one fabprobe runs", where,
			      idx, c->pattern);
	if (!c->has_min && !c->has_max && !(c->has_within && c->baseline[0]))
		return fp_say(err, el, "%s: check %u: needs min, max, or baseline with within_pct",
			      where, idx);
	if (c->has_within != !!c->baseline[0])
		return fp_say(err, el, "%s: check %u: baseline and within_pct go together", where,
			      idx);
	if (c->has_min && c->has_max && c->min > c->max)
		return fp_say(err, el, "%s: check %u: min %g is above max %g", where, idx, c->min,
			      c->max);
	if (!c->name[0])
		snprintf(c->name, sizeof(c->name), "%.31s %.31s", c->pattern, c->metric);
	return 0;
}

/* a misspelt top-level key would silently drop what it meant: refuse it */
static int spec_keys(struct fy_node *root, const char *where, char *err, size_t el)
{
	static const char *const known[] = { "fabprobe_spec", "name", "checks" };
	struct fy_node_pair *p;
	void *it = NULL;

	while ((p = fy_node_mapping_iterate(root, &it))) {
		char k[32];
		bool ok = fp_jstr(fy_node_pair_key(p), k, sizeof(k));
		size_t i = 0;

		while (ok && i < sizeof(known) / sizeof(known[0]) && strcmp(k, known[i]))
			i++;
		if (!ok || i == sizeof(known) / sizeof(known[0]))
			return fp_say(err, el, "%s: unknown key '%s' (fabprobe_spec, name, checks)",
				      where, ok ? k : "?");
	}
	return 0;
}

int fp_spec_parse(const char *where, const char *text, size_t len, struct fp_spec *s, char *err,
		  size_t el)
{
	struct fy_document *doc;
	struct fy_node *root, *checks, *it;
	void *iter = NULL;
	unsigned cnt;
	int ret = -EINVAL;
	double ver;

	memset(s, 0, sizeof(*s));
	doc = fp_yaml_parse(text, len, where, err, el);
	if (!doc)
		return -EINVAL;
	root = fy_document_root(doc);
	if (!fp_jnum(fp_jkey(root, "fabprobe_spec"), &ver) || ver != 1) {
		fp_say(err, el, "%s: not a fabprobe spec (no 'fabprobe_spec: 1')", where);
		goto out;
	}
	ret = spec_keys(root, where, err, el);
	if (ret)
		goto out;
	ret = -EINVAL;
	if (!fp_jkey(root, "name"))
		snprintf(s->name, sizeof(s->name), "acceptance");
	else if (!fp_jstr(fp_jkey(root, "name"), s->name, sizeof(s->name))) {
		fp_say(err, el, "%s: 'name' is not a name of at most %zu characters", where,
		       sizeof(s->name) - 1);
		goto out;
	}
	checks = fp_jkey(root, "checks");
	if (!checks || !fy_node_is_sequence(checks) ||
	    !(cnt = (unsigned)fy_node_sequence_item_count(checks)) || cnt > FP_SPEC_MAXCHECKS) {
		fp_say(err, el, "%s: 'checks' must be a list of 1 to %d checks", where,
		       FP_SPEC_MAXCHECKS);
		goto out;
	}
	s->v = calloc(cnt, sizeof(*s->v));
	if (!s->v) {
		ret = -ENOMEM;
		goto out;
	}
	ret = 0;
	while (!ret && (it = fy_node_sequence_iterate(checks, &iter))) {
		ret = parse_check(it, s->n + 1, where, &s->v[s->n], err, el);
		s->n++;
	}
out:
	fy_document_destroy(doc);
	if (ret)
		fp_spec_free(s);
	return ret;
}

static int spec_parse(void *s, const char *text, size_t len, const char *path, char *err, size_t el)
{
	return fp_spec_parse(path, text, len, s, err, el);
}

int fp_spec_load(const char *path, struct fp_spec *s, char *err, size_t el)
{
	memset(s, 0, sizeof(*s));
	return fp_parse_file(path, 1u << 20, spec_parse, s, err, el);
}

void fp_spec_free(struct fp_spec *s)
{
	if (!s)
		return;
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* may this run be judged by this check? why not, in why */
static bool admissible(const struct fp_check *c, const struct fp_result *r, const char *dir,
		       char *why, size_t wl)
{
	if ((!r->complete || strcmp(r->status, "complete")) && !c->allow_incomplete) {
		snprintf(why, wl,
			 "%s: the run is %s, not complete (allow_incomplete: true to judge "
			 "what it measured)",
			 dir, r->status);
		return false;
	}
	if (r->simulated && !c->simulated_ok) {
		snprintf(why, wl,
			 "%s: a simulated run, not a measurement (simulated: ok to accept it)",
			 dir);
		return false;
	}
	return true;
}

/* the check's metric at its size; false with why when the run does not have it */
static bool metric_of(const struct fp_check *c, const struct fp_result *r, const char *dir,
		      double *value, char *why, size_t wl)
{
	uint64_t want = c->size ? c->size : fp_result_largest_requested(r);
	const struct fp_rsize *z = want ? fp_result_size(r, want) : NULL;
	static const char *const bw[] = { "aggregate_Gbps", "pair_mean_Gbps", "busbw_GBps",
					  "algbw_GBps" };
	static const char *const lat[] = { "p50_us", "p99_us", "p99_9_us", "max_us", "mean_us" };

	if (!strcmp(c->metric, "soak_degraded")) {
		*value = r->ndegraded > 0 ? r->ndegraded : 0;
		if (r->ndegraded < 0)
			snprintf(why, wl, "%s is no soak (no \"degraded\" list: run --soak)", dir);
		return r->ndegraded >= 0;
	}
	if (!strcmp(c->metric, "fec_uncorrectable")) {
		bool seen = false;

		*value = 0;
		for (unsigned i = 0; i < r->nctr; i++)
			if (!strcmp(r->ctr[i].name, "fec_uncorrectable")) {
				*value += r->ctr[i].delta;
				seen = true;
			}
		if (!seen)
			snprintf(why, wl,
				 "not measured: no rank's port in %s reports FEC statistics (its "
				 "counters[].fec says \"not available\")",
				 dir);
		return seen;
	}
	if (!strcmp(c->metric, "error_counter_growth")) {
		*value = 0;
		for (unsigned i = 0; i < r->nctr; i++)
			if (fp_counter_is_fault(r->ctr[i].name))
				*value += r->ctr[i].delta;
		if (!r->has_counters)
			snprintf(why, wl, "%s carries no port counters (an older or simulated run)",
				 dir);
		return r->has_counters;
	}
	if (!z) {
		snprintf(why, wl, "%s has no results at size %llu (%s)", dir,
			 (unsigned long long)want,
			 c->size ? "the check's size" : "the largest size the run asked for");
		return false;
	}
	if (z->partial) {
		/* allow_incomplete judges the sizes a run finished, not one whose stalled flows
		 * are missing from its figures (pair_min_Gbps would be the slowest flow that
		 * went on, not the one that stopped) */
		*value = 0;
		snprintf(
			why, wl,
			"%s: flows stalled at size %llu (its failed_flows): its figures leave them "
			"out",
			dir, (unsigned long long)z->size);
		return false;
	}
	*value = NAN;
	if (!strcmp(c->metric, "pair_min_Gbps")) {
		*value = INFINITY;
		for (unsigned i = 0; i < z->nflows; i++)
			if (z->flows[i].has_bw && z->flows[i].avg_gbps < *value)
				*value = z->flows[i].avg_gbps;
	}
	/* bw[] is in the order of enum fp_rbw ("pair_mean" is the flows' mean), lat[] fp_rlat */
	for (int k = 0; k < FP_RBW_N; k++)
		if (!strcmp(c->metric, bw[k]))
			*value = z->bw[k];
	for (int k = 0; k < FP_RLAT_N; k++)
		if (!strcmp(c->metric, lat[k]))
			*value = z->lat[k];
	if (!isfinite(*value)) {
		*value = 0; /* not measured: reported as 0, as before */
		snprintf(why, wl, "%s: no %s at size %llu", dir, c->metric,
			 (unsigned long long)z->size);
		return false;
	}
	return true;
}

/* the check on one value: its pass and why (the limit) */
static bool judge(struct fp_check *c, const struct metric *m, const double *base, double value)
{
	c->value = value;
	c->pass = !(c->has_min && c->value < c->min) && !(c->has_max && c->value > c->max);
	c->limit = c->has_min && c->value < c->min ? c->min : c->max;
	if (base) {
		c->limit = m->better == HIGHER ? *base * (1 - c->within / 100)
					       : *base * (1 + c->within / 100);
		if (m->better == HIGHER ? c->value < c->limit : c->value > c->limit)
			c->pass = false;
		snprintf(c->why, sizeof(c->why), "baseline %.6g %s, %s %.6g", *base, m->unit,
			 m->better == HIGHER ? ">=" : "<=", c->limit);
	} else if (c->has_min && c->has_max) {
		snprintf(c->why, sizeof(c->why), ">= %.6g, <= %.6g", c->min, c->max);
	} else if (c->has_min) {
		snprintf(c->why, sizeof(c->why), ">= %.6g", c->min);
	} else {
		snprintf(c->why, sizeof(c->why), "<= %.6g", c->max);
	}
	return c->pass;
}

/* a folder fabprobe fleet --out wrote: a fleet.json and no run.json, for the fleet_ checks */
static bool fleet_only(const char *dir)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/run.json", dir);
	if (!access(path, F_OK))
		return false;
	snprintf(path, sizeof(path), "%s/fleet.json", dir);
	return !access(path, F_OK);
}

/*
 * The metric on every folder whose run has the check's pattern, each folder read and
 * validated first: a bad one given after a good one is still bad input. 1: measured on
 * each, *value the worst of them; 0: one is not measurable (why names it: a FAIL);
 * -ENOENT: no folder with the pattern; -EINVAL: a folder cannot be read (err). With a
 * judge, a run that fails the check stops there: 1, *value is its value and why names it.
 */
static int measure(struct fp_check *c, const char *const *dirs, int n, const double *base,
		   bool judged, double *value, char *why, size_t wl, char *err, size_t el)
{
	const struct metric *m = find_metric(c->metric);
	struct fp_result *r = calloc((size_t)n + 1, sizeof(*r));
	int ret = 0, i, matched = 0;
	double v = 0;

	if (!r)
		return -ENOMEM;
	for (i = 0; i < n && !ret; i++)
		if (!fleet_only(dirs[i]))
			ret = fp_result_load(dirs[i], NULL, &r[i], err, el);
	if (ret) { /* not "no such pattern": a folder that cannot be read is bad input */
		ret = ret == -ENOMEM ? ret : -EINVAL;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!r[i].where[0] || (c->pattern[0] && strcmp(r[i].pattern, c->pattern)))
			continue;
		if (!admissible(c, &r[i], dirs[i], why, wl) ||
		    !metric_of(c, &r[i], dirs[i], &v, why, wl)) {
			*value = v;
			c->pass = false;
			ret = 0;
			goto out;
		}
		if (!matched++ || (m->better == HIGHER ? v < *value : v > *value))
			*value = v;
		if (judged && !judge(c, m, base, v)) {
			char w[sizeof(c->why)];

			*value = v;
			snprintf(w, sizeof(w), "%s (fails on %s)", c->why, dirs[i]);
			snprintf(why, wl, "%s", w);
			ret = 1;
			goto out;
		}
	}
	ret = matched ? 1 : -ENOENT;
	if (!matched)
		snprintf(why, wl, "no result folder with pattern '%s'", c->pattern);
	else if (judged)
		judge(c, m, base, *value);
out:
	for (i = 0; i < n; i++)
		fp_result_free(&r[i]);
	free(r);
	return ret;
}

static int analyzer(struct fp_check *c, const char *topology, const char *const *dirs, int n,
		    char *err, size_t el)
{
	unsigned s;

	/* every run the analyzer reads must be one the check may judge */
	for (int i = 0; i < n; i++) {
		struct fp_result r;
		bool ok;

		if (fp_result_load(dirs[i], NULL, &r, err, el))
			return -EINVAL;
		ok = admissible(c, &r, dirs[i], c->why, sizeof(c->why));
		fp_result_free(&r);
		if (!ok)
			return 0;
	}
	if (fp_analyze_dirs(topology, dirs, n, &s, err, el))
		return -EINVAL;
	c->value = s;
	return 1;
}

/* fleet_outliers, fleet_mismatch: the first folder's fleet.json (fabprobe fleet --out DIR) */
static int fleet(struct fp_check *c, const char *const *dirs, int n, char *err, size_t el)
{
	for (int i = 0; i < n; i++) {
		char path[4096];
		double outliers, mismatch;
		int ret;

		if (snprintf(path, sizeof(path), "%s/fleet.json", dirs[i]) >= (int)sizeof(path))
			return fp_say(err, el, "%s: path too long", dirs[i]);
		ret = fp_fleet_summary_load(path, &outliers, &mismatch, err, el);
		if (ret == -ENOENT)
			continue;
		if (ret)
			return -EINVAL;
		c->value = strcmp(c->metric, "fleet_outliers") ? mismatch : outliers;
		return 1;
	}
	snprintf(c->why, sizeof(c->why),
		 "no fleet.json in the result folders (fabprobe fleet --out DIR writes one)");
	return 0;
}

static int evaluate(struct fp_check *c, const char *topology, const char *const *dirs, int n,
		    char *err, size_t el)
{
	const struct metric *m = find_metric(c->metric);
	char w2[512];
	double base = 0;
	int ret, bret = 1;

	c->pass = false;
	if (c->baseline[0]) {
		const char *b = c->baseline;

		bret = measure(c, &b, 1, NULL, false, &base, w2, sizeof(w2), err, el);
		if (bret == -EINVAL || bret == -ENOMEM)
			return bret;
	}
	if (!strcmp(c->metric, "analyzer_suspects"))
		ret = analyzer(c, topology, dirs, n, err, el);
	else if (!strncmp(c->metric, "fleet_", 6))
		ret = fleet(c, dirs, n, err, el);
	else
		ret = measure(c, dirs, n, c->baseline[0] ? &base : NULL, bret == 1, &c->value,
			      c->why, sizeof(c->why), err, el);
	if (ret == -ENOENT || !ret)
		return 0;
	if (ret < 0)
		return ret;
	if (bret != 1) {
		c->pass = false;
		snprintf(c->why, sizeof(c->why), "baseline %s", w2);
		return 0;
	}
	if (!strcmp(c->metric, "analyzer_suspects") || !strncmp(c->metric, "fleet_", 6))
		judge(c, m, c->baseline[0] ? &base : NULL, c->value);
	return 0;
}

int fp_spec_evaluate(struct fp_spec *s, const char *topology, const char *const *dirs, int n,
		     unsigned *failed, char *err, size_t el)
{
	*failed = 0;
	for (unsigned i = 0; i < s->n; i++)
		if (!topology && !strcmp(s->v[i].metric, "analyzer_suspects"))
			return fp_say(err, el,
				      "check '%s' (analyzer_suspects) needs --topology FILE",
				      s->v[i].name);
	for (unsigned i = 0; i < s->n; i++) {
		int ret = evaluate(&s->v[i], topology, dirs, n, err, el);

		if (ret)
			return ret;
		*failed += !s->v[i].pass;
	}
	return 0;
}
