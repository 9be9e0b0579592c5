// SPDX-License-Identifier: MIT
/*
 * fabprobe diagnose --topology T: screen, analyze, probe the suspects, until each is ruled
 * in or out (issue 22). The work is fp_diagnose() (benches/diagnose.c); the executor here
 * is the simulator with planted faults (--engine sim).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../benches/diagnose.h"
#include "../benches/simjob.h"
#include "../core/opts.h"
#include "cli.h"

struct diag_opts {
	const char *topology, *engine, *faults, *noise_s, *output;
	int64_t rounds, seed, steps;
	uint64_t budget_ns, round_ns, flow_bytes;
	int format;
};

#define D(n, t, f, d, lo, hi, ch, mv, h)                                                           \
	{                                                                                          \
		n, t, offsetof(struct diag_opts, f), d, lo, hi, ch, NULL, mv, h                    \
	}

static const struct fp_opt diag_opts[] = {
	D("topology", FP_OPT_STRING, topology, NULL, 0, 0, NULL, "FILE", "the fabric (required)"),
	D("engine", FP_OPT_STRING, engine, "sim", 0, 0, NULL, "E",
	  "the step executor: sim (the simulator, with --faults)"),
	D("faults", FP_OPT_STRING, faults, NULL, 0, 0, NULL, "LIST",
	  "sim: degrade:LINK:FRAC, loss:LINK:P, slowhost:HOST:FRAC planted"),
	D("noise", FP_OPT_STRING, noise_s, "0.05", 0, 0, NULL, "SIGMA",
	  "sim: measurement noise of one round (seeded, normal)"),
	D("budget", FP_OPT_DURATION, budget_ns, "10m", 1000000, INT64_MAX, NULL, "TIME",
	  "traffic time to spend at most"),
	D("round", FP_OPT_DURATION, round_ns, "1s", 1000000, INT64_MAX, NULL, "TIME",
	  "one round's duration"),
	D("flow-bytes", FP_OPT_SIZE, flow_bytes, "64M", 1, INT64_MAX, NULL, "BYTES",
	  "what one flow moves in a round (for the traffic count)"),
	D("rounds", FP_OPT_INT, rounds, "4", 1, 64, NULL, "N", "screening permutation rounds"),
	D("steps", FP_OPT_INT, steps, "12", 1, FP_DIAG_MAXSTEPS - 1, NULL, "N", "steps at most"),
	D("seed", FP_OPT_INT, seed, "1", 1, INT64_MAX, NULL, NULL,
	  "permutations, steering and the simulator's noise"),
	D("output", FP_OPT_STRING, output, NULL, 0, 0, NULL, "DIR",
	  "write DIR/diagnosis.json (DIR is created; an existing diagnosis is not overwritten)"),
	D("format", FP_OPT_CHOICE, format, "text", 0, 0, "text|json", NULL, "stdout: text or json"),
	FP_OPT_END,
};

static int parse(struct diag_opts *o, int argc, char **argv, double *noise)
{
	char err[512];
	int np = 0;

	memset(o, 0, sizeof(*o));
	if (fp_opts_parse(diag_opts, o, argc, argv, NULL, 0, &np, NULL, err, sizeof(err))) {
		fprintf(stderr, "fabprobe diagnose: %s\n", err);
		return -EINVAL;
	}
	if (!o->topology) {
		fprintf(stderr, "fabprobe diagnose: --topology FILE is required\n");
		return -EINVAL;
	}
	if (strcmp(o->engine, "sim")) {
		fprintf(stderr,
			"fabprobe diagnose: --engine %s: only the simulator (sim) executes "
			"steps yet\n",
			o->engine);
		return -EINVAL;
	}
	if (fp_parse_num(o->noise_s, 0, 1, noise)) {
		fprintf(stderr, "fabprobe diagnose: --noise is 0..1\n");
		return -EINVAL;
	}
	return 0;
}

static int faults(struct fp_diag_sim *x, const struct fp_topo *t, const char *spec)
{
	struct fp_fault f[FP_SIM_MAXFAULTS];
	unsigned n = 0;
	char err[512];

	if (spec && fp_faults_parse(t, spec, f, FP_SIM_MAXFAULTS, &n, err, sizeof(err))) {
		fprintf(stderr, "fabprobe diagnose: %s\n", err);
		return -EINVAL;
	}
	for (unsigned i = 0; i < n; i++)
		if (f[i].kind == FP_FAULT_DOWN) {
			fprintf(stderr, "fabprobe diagnose: --faults: a link down changes routes, "
					"which the diagnosis simulator does not model yet\n");
			return -EINVAL;
		}
	return fp_sim_net_init(&x->net, t, f, n, 10);
}

static int write_out(const struct fp_diagnosis *d, const char *dir)
{
	char path[4096], err[512];
	struct stat st;

	if (mkdir(dir, 0777) && errno != EEXIST) {
		fprintf(stderr, "fabprobe diagnose: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (snprintf(path, sizeof(path), "%s/diagnosis.json", dir) >= (int)sizeof(path)) {
		fprintf(stderr, "fabprobe diagnose: --output: name too long\n");
		return 2;
	}
	if (!lstat(path, &st)) {
		fprintf(stderr, "fabprobe diagnose: %s exists: not overwritten\n", path);
		return 2;
	}
	if (fp_diagnosis_write(d, path, err, sizeof(err))) {
		fprintf(stderr, "fabprobe diagnose: %s\n", err);
		return 1;
	}
	return 0;
}

static void usage(void)
{
	printf("usage: fabprobe diagnose --topology FILE [options]\n\n"
	       "Screen the fabric, analyze, then probe each suspect with flows that cross it\n"
	       "alone, until every suspect is ruled in or out or the budget is spent.\n\n"
	       "options:\n");
	fp_opts_help(stdout, diag_opts);
}

int fp_cmd_diagnose(int argc, char **argv)
{
	struct diag_opts o;
	struct fp_topo t;
	struct fp_router r;
	struct fp_diag_sim x = { 0 };
	struct fp_diagnosis d = { 0 };
	struct fp_diag_cfg c = { 0 };
	char err[512];
	int ret = 2;

	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage();
			return 0;
		}
	if (parse(&o, argc, argv, &x.noise))
		return 2;
	fp_topo_init(&t);
	if (fp_topo_load(&t, o.topology, err, sizeof(err))) {
		fprintf(stderr, "fabprobe diagnose: %s\n", err);
		fp_topo_destroy(&t);
		return 2;
	}
	if (fp_router_init(&r, &t)) {
		fprintf(stderr, "fabprobe diagnose: out of memory\n");
		fp_topo_destroy(&t);
		return 1;
	}
	x.r = &r;
	x.seed = (uint64_t)o.seed;
	if (faults(&x, &t, o.faults))
		goto out;
	c.screen_rounds = (unsigned)o.rounds;
	c.budget_s = (double)o.budget_ns / 1e9;
	c.round_s = (double)o.round_ns / 1e9;
	c.flow_bytes = o.flow_bytes;
	c.seed = (uint64_t)o.seed;
	c.max_steps = (unsigned)o.steps;
	ret = fp_diagnose(&d, &t, &r, &c, fp_diag_sim_exec, &x, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "fabprobe diagnose: %s\n", err);
		ret = ret == -ENOMEM ? 1 : 2;
		goto out;
	}
	ret = o.output ? write_out(&d, o.output) : 0;
	if (!ret && o.format == 1)
		fp_diagnosis_json(&d, stdout);
	else if (!ret)
		fp_diagnosis_text(&d, stdout);
out:
	fp_diagnosis_free(&d);
	fp_sim_net_destroy(&x.net);
	fp_router_destroy(&r);
	fp_topo_destroy(&t);
	return ret;
}
