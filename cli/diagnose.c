// SPDX-License-Identifier: MIT
/*
 * fabprobe diagnose --topology T: screen, analyze, probe the suspects, until each is ruled
 * in or out (issue 22). The work is fp_diagnose() (benches/diagnose.c); the executor is
 * the simulator with planted faults (--engine sim) or the runner on a real fabric (any
 * engine of `fabprobe run`, benches/diag_run.c), whose launcher options pass through.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../benches/diag_run.h"
#include "../benches/diagnose.h"
#include "../benches/simjob.h"
#include "../core/opts.h"
#include "cli.h"

struct diag_opts {
	const char *topology, *engine, *faults, *noise_s, *output, *hops;
	int64_t rounds, seed, steps, paths;
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
	  "the step executor: sim (the simulator, with --faults), or an engine of fabprobe run "
	  "(one rank per host, with run's launcher options)"),
	D("paths", FP_OPT_INT, paths, "8", 1, 64, NULL, "K",
	  "engine: connections per ordered host pair, each traced, to steer flows by"),
	D("hops", FP_OPT_STRING, hops, NULL, 0, 0, NULL, "FILE",
	  "engine: \"ADDRESS NODE\" lines naming the routers' addresses in traces"),
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

static bool is_sim(const char *engine)
{
	return !strcmp(engine, "sim");
}

/*
 * Split argv: diagnose's own options into mine, the rest (the runner's and the engine's
 * options, the launcher's) into run. Both hold up to argc + 2 entries.
 */
static void split(int argc, char **argv, char **mine, int *nm, char **run, int *nr)
{
	*nm = *nr = 0;
	for (int a = 0; a < argc; a++) {
		char name[64];
		/* past "--" only when it is there: a 0 or 1 byte argument has no argv[a] + 2 */
		bool dashed = !strncmp(argv[a], "--", 2) && argv[a][2];
		size_t n = dashed ? strcspn(argv[a] + 2, "=") : 0;
		int i = -1;

		if (dashed && n < sizeof(name)) {
			memcpy(name, argv[a] + 2, n);
			name[n] = 0;
			i = fp_opts_index(diag_opts, name);
		}
		if (i < 0 || !strcmp(argv[a], "--")) {
			run[(*nr)++] = argv[a];
			continue;
		}
		mine[(*nm)++] = argv[a];
		if (diag_opts[i].type != FP_OPT_BOOL && !strchr(argv[a], '=') && a + 1 < argc)
			mine[(*nm)++] = argv[++a];
	}
}

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
	if (fp_parse_num(o->noise_s, 0, 1, noise)) {
		fprintf(stderr, "fabprobe diagnose: --noise is 0..1\n");
		return -EINVAL;
	}
	if (!is_sim(o->engine) && o->faults) {
		fprintf(stderr, "fabprobe diagnose: --faults plants faults in the simulator "
				"(--engine sim) only\n");
		return -EINVAL;
	}
	return 0;
}

/* the runner's configuration from the arguments diagnose does not know */
static int run_cfg(struct fp_run_cfg *cfg, const struct diag_opts *o, int argc, char **argv)
{
	char err[512];
	const char *pos[1];
	int npos = 0;

	memset(cfg, 0, sizeof(*cfg));
	static char engine_opt[] = "--engine";

	argv[argc++] = engine_opt;
	argv[argc++] = (char *)o->engine;
	if (fp_run_parse(cfg, argc, argv, pos, 1, &npos, err, sizeof(err))) {
		fprintf(stderr, "fabprobe diagnose: %s\n", err);
		return -EINVAL;
	}
	if (npos || cfg->np || cfg->nclass || cfg->soak || cfg->forever) {
		fprintf(stderr, "fabprobe diagnose: %s\n",
			npos ? "no pattern: the diagnosis plans its own steps"
			     : "--np, --class and soaks are not diagnose's (one rank per host, "
			       "under --rank/--size or a launcher)");
		return -EINVAL;
	}
	if (!(cfg->given >> fp_opts_index(fp_run_opts, "sizes") & 1)) {
		cfg->sizes.n = 1;
		cfg->sizes.v[0] = 65536;
	} else if (cfg->sizes.n != 1) {
		fprintf(stderr, "fabprobe diagnose: --sizes takes one message size here\n");
		return -EINVAL;
	}
	cfg->pattern = "diagnose";
	cfg->duration_ns = o->round_ns;
	/* a rank without traffic in a round (and every rank but the probed one in a local
	 * step) waits for the round's results at most --timeout */
	if (o->round_ns >= cfg->timeout_ns) {
		fprintf(stderr, "fabprobe diagnose: --round must be shorter than --timeout "
				"(ranks wait for a round's results at most --timeout)\n");
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
		if (f[i].kind == FP_FAULT_DOWN || f[i].kind == FP_FAULT_BLACKHOLE) {
			fprintf(stderr,
				"fabprobe diagnose: --faults: %s, which the diagnosis "
				"simulator does not model yet\n",
				f[i].kind == FP_FAULT_DOWN ? "a link down changes routes"
							   : "a blackhole stalls flows");
			return -EINVAL;
		}
	if (fp_diag_sim_loop(x, t, f, n))
		return -ENOMEM;
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
	printf("usage: fabprobe diagnose --topology FILE [options]\n"
	       "       fabprobe diagnose --topology FILE --engine E [options] [run's options]\n\n"
	       "Screen the fabric, analyze, then probe each suspect with flows that cross it\n"
	       "alone, until every suspect is ruled in or out or the budget is spent.\n"
	       "With a real engine, one rank runs on every host of the topology (--hostname or\n"
	       "the host's name matches its node), under the launchers of fabprobe run\n"
	       "(--rank/--size/--rendezvous, mpirun, srun); rank 0 prints the diagnosis.\n\n"
	       "options:\n");
	fp_opts_help(stdout, diag_opts);
}

static void set_cfg(struct fp_diag_cfg *c, const struct diag_opts *o)
{
	memset(c, 0, sizeof(*c));
	c->screen_rounds = (unsigned)o->rounds;
	c->budget_s = (double)o->budget_ns / 1e9;
	c->round_s = (double)o->round_ns / 1e9;
	c->flow_bytes = o->flow_bytes;
	c->seed = (uint64_t)o->seed;
	c->max_steps = (unsigned)o->steps;
}

/* the simulator as executor */
static int simulate(const struct diag_opts *o, struct fp_topo *t, struct fp_router *r, double noise)
{
	struct fp_diag_sim x = { .r = r, .noise = noise, .seed = (uint64_t)o->seed };
	struct fp_diagnosis d = { 0 };
	struct fp_diag_cfg c;
	char err[512];
	int ret = 2;

	if (faults(&x, t, o->faults))
		goto out;
	set_cfg(&c, o);
	c.local = fp_diag_sim_local;
	ret = fp_diagnose(&d, t, r, &c, fp_diag_sim_exec, &x, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "fabprobe diagnose: %s\n", err);
		ret = ret == -ENOMEM ? 1 : 2;
		goto out;
	}
	ret = o->output ? write_out(&d, o->output) : 0;
	if (!ret && o->format == 1)
		fp_diagnosis_json(&d, stdout);
	else if (!ret)
		fp_diagnosis_text(&d, stdout);
out:
	fp_diagnosis_free(&d);
	fp_sim_net_destroy(&x.net);
	free(x.loop);
	return ret;
}

/* the runner as executor, this process one rank of it */
static int for_real(const struct diag_opts *o, struct fp_topo *t, struct fp_router *r, int nrun,
		    char **run, int argc, char **argv)
{
	struct fp_run_cfg cfg;
	struct fp_diag_run_cfg dc = { .t = t,
				      .r = r,
				      .hops = o->hops,
				      .output = o->output,
				      .paths = (unsigned)o->paths,
				      .format = o->format };

	if (run_cfg(&cfg, o, nrun, run))
		return 2;
	cfg.argc = argc;
	cfg.argv = argv;
	set_cfg(&dc.dc, o);
	return fp_diag_run(&cfg, &dc);
}

int fp_cmd_diagnose(int argc, char **argv)
{
	struct diag_opts o;
	struct fp_topo t;
	struct fp_router r;
	char err[512], **mine = calloc((size_t)argc + 3, sizeof(*mine));
	char **run = calloc((size_t)argc + 3, sizeof(*run));
	double noise = 0;
	int ret = 2, nm, nr;

	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage();
			ret = 0;
			goto out;
		}
	if (!mine || !run) {
		fprintf(stderr, "fabprobe diagnose: out of memory\n");
		ret = 1;
		goto out;
	}
	split(argc, argv, mine, &nm, run, &nr);
	if (parse(&o, nm, mine, &noise))
		goto out;
	if (is_sim(o.engine) && nr && parse(&o, argc, argv, &noise)) /* names the stranger */
		goto out;
	fp_topo_init(&t);
	if (fp_topo_load(&t, o.topology, err, sizeof(err))) {
		fprintf(stderr, "fabprobe diagnose: %s\n", err);
		fp_topo_destroy(&t);
		goto out;
	}
	if (fp_router_init(&r, &t)) {
		fprintf(stderr, "fabprobe diagnose: out of memory\n");
		fp_topo_destroy(&t);
		ret = 1;
		goto out;
	}
	ret = is_sim(o.engine) ? simulate(&o, &t, &r, noise)
			       : for_real(&o, &t, &r, nr, run, argc, argv);
	fp_router_destroy(&r);
	fp_topo_destroy(&t);
out:
	free(mine);
	free(run);
	return ret;
}
