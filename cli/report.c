// SPDX-License-Identifier: MIT
/*
 * fabprobe report: plots and an HTML page, made by scripts/plot/report.py (gnuplot and
 * graphviz do the drawing); fabprobe check: a spec of thresholds against result folders,
 * PASS or FAIL per check, JUnit XML, and an exit status automation can act on.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../benches/result_check.h"
#include "../core/json.h"
#include "../core/opts.h"
#include "cli.h"
#include "fp_config.h"

/*
 * The plot scripts, first found of: $FABPROBE_PLOT_DIR; an install around the binary
 * (BIN/../share/fabprobe/plot, so a DESTDIR or moved install works); the source folder
 * recorded at configure time (any build folder, wherever it is); the configured install
 * folder.
 */
static int plot_dir(char *out, size_t len)
{
	const char *env = getenv("FABPROBE_PLOT_DIR");
	char exe[PATH_MAX], cand[PATH_MAX + 64];
	const char *fixed[] = { FP_SOURCE_DIR "/scripts/plot", FP_PLOT_INSTALL_DIR };
	ssize_t n;

	if (env && *env) {
		snprintf(out, len, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		*strrchr(exe, '/') = 0;
		snprintf(cand, sizeof(cand), "%s/../share/fabprobe/plot/report.py", exe);
		if (!access(cand, R_OK)) {
			snprintf(out, len, "%s/../share/fabprobe/plot", exe);
			return 0;
		}
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		snprintf(cand, sizeof(cand), "%s/report.py", fixed[i]);
		if (!access(cand, R_OK)) {
			snprintf(out, len, "%s", fixed[i]);
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
		fprintf(stderr,
			"fabprobe report: cannot find report.py in %s/scripts/plot "
			"or %s (set FABPROBE_PLOT_DIR)\n",
			FP_SOURCE_DIR, FP_PLOT_INSTALL_DIR);
		return 2;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		setenv("FABPROBE", exe, 1);
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

/* every check, PASS or FAIL, its value and its limit: text or JSON from the same calls */
static void check_emit(const struct fp_spec *s, unsigned failed, bool json)
{
	struct fp_emit e;

	fp_emit_init(&e, stdout, json);
	fp_emit_obj(&e, NULL);
	fp_emit_str(&e, "spec", NULL, s->name);
	fp_emit_bool(&e, "pass", !failed);
	fp_emit_arr(&e, "checks");
	for (unsigned i = 0; i < s->n; i++) {
		const struct fp_check *c = &s->v[i];

		fp_emit_obj(&e, NULL);
		fp_emit_text(&e, "%s  ", c->pass ? "PASS" : "FAIL");
		fp_emit_str(&e, "name", "%-40s ", c->name);
		fp_emit_str(&e, "metric", NULL, c->metric);
		fp_emit_num(&e, "value", "%12.6g ", c->value);
		fp_emit_text(&e, "%-8s ", fp_check_unit(c));
		fp_emit_str(&e, "limit", "%s\n", c->why);
		fp_emit_bool(&e, "pass", c->pass);
		fp_emit_end(&e);
	}
	fp_emit_end(&e);
	fp_emit_end(&e);
	fp_emit_text(&e, "%s: %u of %u checks passed\n", s->name, s->n - failed, s->n);
}

static int check_junit(const struct fp_spec *s, unsigned failed, const char *path)
{
	struct fp_afile a;

	if (fp_afile_open(&a, path))
		return -EIO;
	fprintf(a.f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"");
	xml_escape(a.f, s->name);
	fprintf(a.f, "\" tests=\"%u\" failures=\"%u\" errors=\"0\">\n", s->n, failed);
	for (unsigned i = 0; i < s->n; i++) {
		fprintf(a.f, "  <testcase classname=\"fabprobe.check\" name=\"");
		xml_escape(a.f, s->v[i].name);
		fprintf(a.f, "\">");
		if (!s->v[i].pass) {
			fprintf(a.f, "<failure message=\"");
			xml_escape(a.f, s->v[i].metric);
			fprintf(a.f, " = %.6g; limit ", s->v[i].value);
			xml_escape(a.f, s->v[i].why);
			fprintf(a.f, "\"/>");
		}
		fprintf(a.f, "</testcase>\n");
	}
	fprintf(a.f, "</testsuite>\n");
	return fp_afile_commit(&a);
}

int fp_cmd_check(int argc, char **argv)
{
	struct check_cfg cfg = { 0 };
	struct fp_spec s;
	const char *pos[256];
	char err[512];
	unsigned failed = 0;
	int np = 0, status = 2;

	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: fabprobe check SPEC RESULT_DIR... [options]\n\n"
			       "Each check of SPEC against the results: PASS or FAIL with the "
			       "value and the limit.\nExit 0 all pass, 1 any fails, 2 bad input. "
			       "Metrics:");
			for (unsigned k = 0; fp_check_metric_name(k); k++)
				printf(" %s", fp_check_metric_name(k));
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
	if (fp_spec_load(pos[0], &s, err, sizeof(err)) ||
	    fp_spec_evaluate(&s, cfg.topology, pos + 1, np - 1, &failed, err, sizeof(err))) {
		fprintf(stderr, "fabprobe check: %s\n", err);
		goto out;
	}
	check_emit(&s, failed, cfg.format == 1);
	if (cfg.junit && check_junit(&s, failed, cfg.junit)) {
		fprintf(stderr, "fabprobe check: cannot write %s\n", cfg.junit);
		goto out;
	}
	status = failed ? 1 : 0;
out:
	fp_spec_free(&s);
	return status;
}
