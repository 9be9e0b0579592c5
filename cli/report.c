// SPDX-License-Identifier: MIT
/*
 * fabprobe report: plots and an HTML page, made by scripts/plot/report.py (gnuplot and
 * graphviz do the drawing); fabprobe check: a spec of thresholds against result folders,
 * PASS or FAIL per check, JUnit XML, and an exit status automation can act on.
 */
#include <errno.h>
#include <libfyaml.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/json.h"
#include "../core/opts.h"
#include "../core/units.h"
#include "../fabric/inventory.h"
#include "../benches/result_obs.h"
#include "../fabric/jread.h"
#include "../fabric/topo.h"
#include "cli.h"

/* scripts/plot next to the binary (build tree), installed, or $FABPROBE_PLOT_DIR */
static int plot_dir(char *out, size_t len)
{
	const char *env = getenv("FABPROBE_PLOT_DIR");
	char exe[PATH_MAX], cand[PATH_MAX + 64];
	ssize_t n;

	if (env && *env) {
		snprintf(out, len, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		*strrchr(exe, '/') = 0;
		snprintf(cand, sizeof(cand), "%s/../scripts/plot/report.py", exe);
		if (!access(cand, R_OK)) {
			snprintf(out, len, "%s/../scripts/plot", exe);
			return 0;
		}
		snprintf(cand, sizeof(cand), "%s/../share/fabprobe/plot/report.py", exe);
		if (!access(cand, R_OK)) {
			snprintf(out, len, "%s/../share/fabprobe/plot", exe);
			return 0;
		}
	}
	return -ENOENT;
}

int fp_cmd_report(int argc, char **argv)
{
	char dir[PATH_MAX], script[PATH_MAX + 16], exe[PATH_MAX];
	char **args;
	ssize_t n;

	if (plot_dir(dir, sizeof(dir))) {
		fprintf(stderr, "fabprobe report: cannot find scripts/plot/report.py (set "
				"FABPROBE_PLOT_DIR)\n");
		return 2;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		setenv("FABPROBE", exe, 0);
	}
	snprintf(script, sizeof(script), "%s/report.py", dir);
	args = calloc((size_t)argc + 3, sizeof(*args));
	if (!args)
		return 2;
	args[0] = (char *)"python3";
	args[1] = script;
	for (int i = 0; i < argc; i++)
		args[i + 2] = argv[i];
	execvp("python3", args);
	fprintf(stderr, "fabprobe report: cannot run python3: %s (apt install python3)\n",
		strerror(errno));
	free(args);
	return 2;
}

/* ---------- check ---------- */

enum dir { HIGHER, LOWER };

static const struct metric {
	const char *name, *unit;
	enum dir better;
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
};

struct check {
	char name[128], pattern[32], metric[32], size[16], baseline[512];
	double min, max, within;
	bool has_min, has_max, has_within;
	/* outcome */
	bool pass;
	double value, limit;
	char why[256];
};

struct check_cfg {
	const char *topology, *junit;
	int format;
};

static const struct fp_opt check_opts[] = {
	{ "topology", FP_OPT_STRING, offsetof(struct check_cfg, topology), NULL, 0, 0, NULL, NULL,
	  "FILE", "the fabric, for analyzer_suspects" },
	{ "junit", FP_OPT_STRING, offsetof(struct check_cfg, junit), NULL, 0, 0, NULL, NULL, "FILE",
	  "also write JUnit XML here" },
	{ "format", FP_OPT_CHOICE, offsetof(struct check_cfg, format), "text", 0, 0, "text|json",
	  NULL, NULL, "output" },
	FP_OPT_END,
};

static const struct metric *find_metric(const char *n)
{
	for (size_t i = 0; i < sizeof(metrics) / sizeof(metrics[0]); i++)
		if (!strcmp(metrics[i].name, n))
			return &metrics[i];
	return NULL;
}

/* Parse a spec: {fabprobe_spec: 1, name:, checks: [...]} (outside input, fuzzed) */
static int load_spec_text(const char *path, const char *text, size_t len, struct check **out,
			  unsigned *n, char *name, char *err, size_t el)
{
	struct fy_document *doc;
	struct fy_node *root, *checks, *it;
	void *iter = NULL;
	struct check *v = NULL;
	unsigned cnt = 0, idx = 0;
	int ret;
	double ver;

	doc = fp_yaml_parse(text, len, path, err, el);
	if (!doc)
		return -EINVAL;
	root = fy_document_root(doc);
	ret = -EINVAL;
	if (!fp_jnum(fp_jkey(root, "fabprobe_spec"), &ver) || ver != 1) {
		snprintf(err, el, "%s: not a fabprobe spec (no 'fabprobe_spec: 1')", path);
		goto out;
	}
	if (!fp_jstr(fp_jkey(root, "name"), name, 128))
		snprintf(name, 128, "acceptance");
	checks = fp_jkey(root, "checks");
	if (!checks || !fy_node_is_sequence(checks) ||
	    !(cnt = (unsigned)fy_node_sequence_item_count(checks)) || cnt > 1000) {
		snprintf(err, el, "%s: 'checks' must be a list of 1 to 1000 checks", path);
		goto out;
	}
	v = calloc(cnt, sizeof(*v));
	if (!v) {
		ret = -ENOMEM;
		goto out;
	}
	while ((it = fy_node_sequence_iterate(checks, &iter))) {
		struct check *c = &v[idx++];
		void *pi = NULL;
		struct fy_node_pair *p;

		if (!fy_node_is_mapping(it)) {
			snprintf(err, el, "%s: check %u is not a mapping", path, idx);
			goto out;
		}
		while ((p = fy_node_mapping_iterate(it, &pi))) {
			char k[32];
			struct fy_node *val = fy_node_pair_value(p);
			bool ok = true;

			if (!fp_jstr(fy_node_pair_key(p), k, sizeof(k)))
				ok = false;
			else if (!strcmp(k, "name"))
				ok = fp_jstr(val, c->name, sizeof(c->name));
			else if (!strcmp(k, "pattern"))
				ok = fp_jstr(val, c->pattern, sizeof(c->pattern));
			else if (!strcmp(k, "metric"))
				ok = fp_jstr(val, c->metric, sizeof(c->metric));
			else if (!strcmp(k, "size"))
				ok = fp_jstr(val, c->size, sizeof(c->size));
			else if (!strcmp(k, "baseline"))
				ok = fp_jstr(val, c->baseline, sizeof(c->baseline));
			else if (!strcmp(k, "min"))
				ok = c->has_min = fp_jnum(val, &c->min);
			else if (!strcmp(k, "max"))
				ok = c->has_max = fp_jnum(val, &c->max);
			else if (!strcmp(k, "within_pct"))
				ok = (c->has_within = fp_jnum(val, &c->within)) && c->within >= 0 &&
				     c->within <= 100;
			else {
				snprintf(err, el, "%s: check %u: unknown key '%s'", path, idx, k);
				goto out;
			}
			if (!ok) {
				snprintf(err, el, "%s: check %u: bad value for '%s'", path, idx, k);
				goto out;
			}
		}
		if (!c->metric[0] || !find_metric(c->metric)) {
			snprintf(err, el, "%s: check %u: metric '%s' is not one fabprobe knows",
				 path, idx, c->metric);
			goto out;
		}
		if (!c->has_min && !c->has_max && !(c->has_within && c->baseline[0])) {
			snprintf(err, el,
				 "%s: check %u: needs min, max, or baseline with within_pct", path,
				 idx);
			goto out;
		}
		if (!c->name[0])
			snprintf(c->name, sizeof(c->name), "%.31s %.31s", c->pattern, c->metric);
	}
	*out = v;
	*n = cnt;
	v = NULL;
	ret = 0;
out:
	free(v);
	fy_document_destroy(doc);
	return ret;
}

static int load_spec(const char *path, struct check **out, unsigned *n, char *name, char *err,
		     size_t el)
{
	char *text;
	size_t len;
	int ret = fp_read_file(path, 1u << 20, &text, &len, err, el);

	if (ret)
		return ret;
	ret = load_spec_text(path, text, len, out, n, name, err, el);
	free(text);
	return ret;
}

/* The metric from one result folder: the first run given with the check's pattern. */
static int measure(const struct check *c, const char *dir, double *value, char *why, size_t wl)
{
	char path[4200], *text, err[256], pat[32];
	size_t len;
	struct fy_document *doc;
	struct fy_node *root, *res, *it, *best = NULL;
	void *iter = NULL;
	uint64_t want = 0;
	double bestsize = -1;
	int ret;

	snprintf(path, sizeof(path), "%s/run.json", dir);
	ret = fp_read_file(path, 1u << 30, &text, &len, err, sizeof(err));
	if (ret) {
		snprintf(why, wl, "%s", err);
		return -ENOENT;
	}
	doc = fp_yaml_parse(text, len, path, why, wl);
	free(text);
	if (!doc)
		return -EINVAL;
	root = fy_document_root(doc);
	ret = -ENOENT;
	if (c->pattern[0] &&
	    (!fp_jstr(fp_jkey(root, "pattern"), pat, sizeof(pat)) || strcmp(pat, c->pattern)))
		goto out;
	if (c->size[0] && strcmp(c->size, "largest") && fp_parse_size(c->size, &want)) {
		snprintf(why, wl, "size '%s' is not a size", c->size);
		ret = -EINVAL;
		goto out;
	}
	res = fp_jkey(root, "results");
	while (res && (it = fy_node_sequence_iterate(res, &iter))) {
		double s;

		if (!fp_jnum(fp_jkey(it, "size"), &s))
			continue;
		if (want ? s == (double)want : s > bestsize) {
			bestsize = s;
			best = it;
		}
	}
	if (!best) {
		snprintf(why, wl, "%s has no results at size %s", dir,
			 c->size[0] ? c->size : "any");
		ret = -EINVAL;
		goto out;
	}
	ret = -EINVAL;
	if (!strcmp(c->metric, "error_counter_growth")) {
		/* the error-like counters of every rank's port, summed over the run */
		struct fy_node *cs = fp_jkey(root, "counters"), *r;
		void *ci = NULL;
		bool any = false;

		*value = 0;
		while (cs && (r = fy_node_sequence_iterate(cs, &ci))) {
			struct fy_node *dl = fp_jkey(r, "deltas");
			struct fy_node_pair *pp;
			void *pi = NULL;

			while (dl && fy_node_is_mapping(dl) &&
			       (pp = fy_node_mapping_iterate(dl, &pi))) {
				char k[64];
				double v;

				if (!fp_jstr(fy_node_pair_key(pp), k, sizeof(k)) ||
				    !fp_jnum(fy_node_pair_value(pp), &v))
					continue;
				any = true;
				if (fp_counter_is_fault(k))
					*value += v;
			}
		}
		if (any)
			ret = 0;
		else
			snprintf(why, wl, "%s carries no port counters (an older or simulated run)",
				 dir);
		goto out;
	}
	if (!strcmp(c->metric, "pair_min_Gbps")) {
		struct fy_node *fl = fp_jkey(best, "flows"), *f;
		void *fi = NULL;
		double m = INFINITY, g;

		while (fl && (f = fy_node_sequence_iterate(fl, &fi)))
			if (fp_jnum(fp_jkey(f, "avg_Gbps"), &g) && g < m)
				m = g;
		if (isfinite(m)) {
			*value = m;
			ret = 0;
		}
	} else {
		static const char *const bwkeys[][2] = {
			{ "pair_mean_Gbps", "flow_mean_Gbps" },
			{ "aggregate_Gbps", "aggregate_Gbps" },
			{ "busbw_GBps", "busbw_GBps" },
			{ "algbw_GBps", "algbw_GBps" },
		};
		for (size_t i = 0; i < 4 && ret; i++)
			if (!strcmp(c->metric, bwkeys[i][0]) &&
			    fp_jnum(fp_jkey(fp_jkey(best, "bandwidth"), bwkeys[i][1]), value))
				ret = 0;
		if (ret && strstr(c->metric, "_us") &&
		    fp_jnum(fp_jkey(fp_jkey(best, "latency"), c->metric), value))
			ret = 0;
	}
	if (ret)
		snprintf(why, wl, "%s: no %s at size %.0f", dir, c->metric, bestsize);
out:
	fy_document_destroy(doc);
	return ret;
}

static void xml_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				fputc(*s, f);
		}
	}
}

static void evaluate(struct check *c, const struct check_cfg *cfg, int nres, char **res)
{
	const struct metric *m = find_metric(c->metric);
	char why[256] = "";
	int found = -1;

	c->pass = false;
	if (!strcmp(c->metric, "fec_uncorrectable")) {
		/* an acceptance check that cannot be measured must not pass */
		snprintf(c->why, sizeof(c->why),
			 "not measured: runs do not record FEC statistics yet (fabprobe inventory "
			 "reads "
			 "them per host)");
		return;
	}
	if (!strcmp(c->metric, "analyzer_suspects")) {
		unsigned s;
		char err[512];

		if (!cfg->topology) {
			snprintf(c->why, sizeof(c->why), "needs --topology");
			return;
		}
		if (fp_analyze_dirs(cfg->topology, (const char *const *)res, nres, &s, err,
				    sizeof(err))) {
			snprintf(c->why, sizeof(c->why), "%s", err);
			return;
		}
		c->value = s;
		found = 0;
	}
	for (int i = 0; i < nres && found < 0; i++) {
		int r = measure(c, res[i], &c->value, why, sizeof(why));

		if (!r)
			found = i;
		else if (r != -ENOENT) {
			snprintf(c->why, sizeof(c->why), "%s", why);
			return;
		}
	}
	if (found < 0) {
		snprintf(c->why, sizeof(c->why), "no result folder with pattern '%s'", c->pattern);
		return;
	}
	c->pass = true;
	if (c->has_min && c->value < c->min) {
		c->pass = false;
		c->limit = c->min;
	}
	if (c->has_max && c->value > c->max) {
		c->pass = false;
		c->limit = c->max;
	}
	if (c->has_within && c->baseline[0]) {
		double base;
		char w2[256];

		if (measure(c, c->baseline, &base, w2, sizeof(w2))) {
			snprintf(c->why, sizeof(c->why), "baseline %s: %s", c->baseline, w2);
			c->pass = false;
			return;
		}
		c->limit = m->better == HIGHER ? base * (1 - c->within / 100)
					       : base * (1 + c->within / 100);
		if (m->better == HIGHER ? c->value < c->limit : c->value > c->limit)
			c->pass = false;
		snprintf(c->why, sizeof(c->why), "baseline %.6g %s, %s %.6g", base, m->unit,
			 m->better == HIGHER ? ">=" : "<=", c->limit);
		return;
	}
	if (c->has_min && c->has_max)
		snprintf(c->why, sizeof(c->why), ">= %.6g, <= %.6g", c->min, c->max);
	else if (c->has_min)
		snprintf(c->why, sizeof(c->why), ">= %.6g", c->min);
	else
		snprintf(c->why, sizeof(c->why), "<= %.6g", c->max);
}

int fp_cmd_check(int argc, char **argv)
{
	struct check_cfg cfg = { 0 };
	const char *pos[256];
	char err[512], name[128];
	struct check *v = NULL;
	unsigned n = 0, failed = 0;
	int np = 0;

	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: fabprobe check SPEC RESULT_DIR... [options]\n\n"
			       "Each check of SPEC against the results: PASS or FAIL with the "
			       "value "
			       "and the limit.\nExit 0 all pass, 1 any fails, 2 bad input. "
			       "Metrics:");
			for (size_t k = 0; k < sizeof(metrics) / sizeof(metrics[0]); k++)
				printf(" %s", metrics[k].name);
			printf("\n\noptions:\n");
			fp_opts_help(stdout, check_opts);
			return 0;
		}
	if (fp_opts_parse(check_opts, &cfg, argc, argv, pos, 256, &np, NULL, err, sizeof(err))) {
		fprintf(stderr, "fabprobe check: %s\n", err);
		return 2;
	}
	if (np < 2) {
		fprintf(stderr, "fabprobe check: SPEC and at least one result folder\n");
		return 2;
	}
	if (load_spec(pos[0], &v, &n, name, err, sizeof(err))) {
		fprintf(stderr, "fabprobe check: %s\n", err);
		return 2;
	}
	for (unsigned i = 0; i < n; i++) {
		evaluate(&v[i], &cfg, np - 1, (char **)pos + 1);
		failed += !v[i].pass;
	}
	if (cfg.format == 1) {
		struct fp_json j;

		fp_json_init(&j, stdout, true);
		fp_json_obj(&j, NULL);
		fp_json_str(&j, "spec", name);
		fp_json_bool(&j, "pass", !failed);
		fp_json_arr(&j, "checks");
		for (unsigned i = 0; i < n; i++) {
			fp_json_obj(&j, NULL);
			fp_json_str(&j, "name", v[i].name);
			fp_json_str(&j, "metric", v[i].metric);
			fp_json_num(&j, "value", v[i].value);
			fp_json_str(&j, "limit", v[i].why);
			fp_json_bool(&j, "pass", v[i].pass);
			fp_json_end(&j);
		}
		fp_json_end(&j);
		fp_json_end(&j);
	} else {
		for (unsigned i = 0; i < n; i++)
			printf("%s  %-40s %12.6g %-8s %s\n", v[i].pass ? "PASS" : "FAIL", v[i].name,
			       v[i].value, find_metric(v[i].metric)->unit, v[i].why);
		printf("%s: %u of %u checks passed\n", name, n - failed, n);
	}
	if (cfg.junit) {
		struct fp_afile a;

		if (fp_afile_open(&a, cfg.junit)) {
			fprintf(stderr, "fabprobe check: cannot write %s\n", cfg.junit);
			free(v);
			return 2;
		}
		fprintf(a.f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"");
		xml_escape(a.f, name);
		fprintf(a.f, "\" tests=\"%u\" failures=\"%u\" errors=\"0\">\n", n, failed);
		for (unsigned i = 0; i < n; i++) {
			fprintf(a.f, "  <testcase classname=\"fabprobe.check\" name=\"");
			xml_escape(a.f, v[i].name);
			fprintf(a.f, "\">");
			if (!v[i].pass) {
				fprintf(a.f, "<failure message=\"");
				xml_escape(a.f, v[i].metric);
				fprintf(a.f, " = %.6g; limit ", v[i].value);
				xml_escape(a.f, v[i].why);
				fprintf(a.f, "\"/>");
			}
			fprintf(a.f, "</testcase>\n");
		}
		fprintf(a.f, "</testsuite>\n");
		if (fp_afile_commit(&a)) {
			fprintf(stderr, "fabprobe check: cannot write %s\n", cfg.junit);
			free(v);
			return 2;
		}
	}
	free(v);
	return failed ? 1 : 0;
}
