// SPDX-License-Identifier: MIT
/*
 * `fabprobe run --class ...`: latency under load. Each class is a run of its own (its own
 * pattern, size, options, engine instance and rendezvous port) in a child process per class,
 * over the same ranks. Two phases: "idle", the latency classes alone, then "loaded", every
 * class at once. Within a phase every class connects first; each rank then waits at a gate
 * (a pipe its class's parent closes once every local rank of every class is ready), so the
 * timed phases start together; --duration split over each class's rounds ends them together.
 * lul_report.c joins what the classes measured into classes.json and the bloat matrices.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/clock.h"
#include "lul_class.h"
#include "lul_report.h"
#include "run_priv.h"

#define MAX_ARGS 256

int fp_run_take_classes(struct fp_run_cfg *cfg, int argc, char **argv, char *err, size_t errlen)
{
	cfg->nclass = 0;
	for (int a = 0; a < argc; a++) {
		const char *v = NULL;

		if (!strcmp(argv[a], "--class") && a + 1 < argc)
			v = argv[++a];
		else if (!strncmp(argv[a], "--class=", 8))
			v = argv[a] + 8;
		if (!v)
			continue;
		if (cfg->nclass >= FP_CLASS_MAX)
			return fp_say(err, errlen, "--class: at most %d classes", FP_CLASS_MAX);
		cfg->classes[cfg->nclass++] = v;
	}
	return 0;
}

int fp_run_class_gate(const struct fp_run_cfg *cfg, char *err, size_t len)
{
	struct pollfd p = { .fd = cfg->gate_go, .events = POLLIN };
	uint64_t end = fp_mono_ns() + cfg->timeout_ns;
	char b = 1;

	if (cfg->gate_go <= 0)
		return 0;
	if (write(cfg->gate_ready, &b, 1) != 1)
		return fp_say(err, len, "--class: the start gate is gone: %s", strerror(errno));
	/* the gate opens when the parent closes its end: EOF here */
	while (!fp_stop && fp_mono_ns() < end) {
		int n = poll(&p, 1, 100);

		if (n > 0 && read(cfg->gate_go, &b, 1) <= 0)
			return 0;
		if (n < 0 && errno != EINTR)
			break;
	}
	return fp_say(err, len, "--class: the other classes did not get ready in time");
}

/* the run's own arguments (after "fabprobe run") without --class */
static int base_args(const struct fp_run_cfg *cfg, char **out)
{
	int n = 0;

	for (int a = 2; a < cfg->argc && n < MAX_ARGS - 2 * FP_CLASS_OPTS - 4; a++) {
		if (!strcmp(cfg->argv[a], "--class")) {
			a++;
			continue;
		}
		if (!strncmp(cfg->argv[a], "--class=", 8))
			continue;
		out[n++] = cfg->argv[a];
	}
	return n;
}

/* one class's cfg: the run's arguments, then the class's own, then its size and mark */
static int class_cfg(const struct fp_run_cfg *cfg, const struct fp_class *c, int world,
		     struct fp_run_cfg *cc, char *err, size_t el)
{
	char *args[MAX_ARGS], sizes[48], mark[48];
	int n = base_args(cfg, args), npos = 0, ret;
	const char *pos[2];
	struct fp_engine_ops ops;
	const char *known[64] = { NULL };

	snprintf(sizes, sizeof(sizes), "--sizes=%llu", (unsigned long long)c->size);
	for (unsigned i = 0; i < c->nopt; i++)
		args[n++] = (char *)c->opt[i];
	args[n++] = sizes;
	for (int pass = 0; pass < 2; pass++) {
		memset(cc, 0, sizeof(*cc));
		cc->local_rank = -1;
		ret = fp_run_parse(cc, n, args, pos, 2, &npos, err, el);
		if (ret)
			return ret;
		if (npos)
			return fp_say(err, el,
				      "--class: give no PATTERN ('%s'): each class names its own",
				      pos[0]);
		if (pass || c->dscp < 0)
			break;
		if (fp_engine_find(cc->engine, &ops))
			return fp_say(err, el, "engine '%s' is unknown or not built", cc->engine);
		for (unsigned k = 0; ops.opts && ops.opts[k].name && k < 63; k++)
			known[k] = ops.opts[k].name;
		if (fp_class_mark_arg(c, cc->engine, known, mark, sizeof(mark)))
			return fp_say(err, el,
				      "--class %s: engine %s cannot mark a class (tclass=)",
				      c->name, cc->engine);
		args[n++] = mark;
	}
	cc->pattern = fp_pattern_find(c->pattern)->name;
	cc->argc = cfg->argc;
	cc->argv = cfg->argv;
	cc->quiet = true;
	cc->report_ns = cfg->report_ns;
	/* --duration is the whole phase: each round of the class gets its share */
	{
		struct fp_sched s;
		struct fp_pattern_opts po = fp_run_pattern_opts(cc);

		memset(&s, 0, sizeof(s));
		ret = fp_sched_build(&s, fp_pattern_find(c->pattern), world, &po, err, el);
		if (!ret)
			cc->duration_ns = cfg->duration_ns / (s.nrounds ? s.nrounds : 1);
		fp_sched_destroy(&s);
	}
	return ret;
}

/* HOST:PORT with PORT moved by off, into buf; the run's own when it names no port */
static const char *shift_port(const char *addr, unsigned off, char *buf, size_t len)
{
	const char *colon = strrchr(addr, ':');
	long port = colon ? strtol(colon + 1, NULL, 10) : 0;

	if (port <= 0 || port + (long)off > 65535)
		return addr;
	snprintf(buf, len, "%.*s:%ld", (int)(colon - addr), addr, port + (long)off);
	return buf;
}

/* fork one child per class in use[], open the gate once all are ready, wait for them */
static void run_phase(struct fp_run_cfg *cc, const bool *use, unsigned n, unsigned local,
		      uint64_t timeout_ns, int *codes)
{
	int ready[2], go[2];
	pid_t pid[FP_CLASS_MAX] = { 0 };
	unsigned want = 0, got = 0, live = 0;
	uint64_t end;

	if (pipe(ready) || pipe(go)) {
		fprintf(stderr, "fabprobe: --class: pipe: %s\n", strerror(errno));
		for (unsigned i = 0; i < n; i++)
			codes[i] = use[i] ? 1 : codes[i];
		return;
	}
	fflush(NULL);
	for (unsigned i = 0; i < n; i++) {
		if (!use[i])
			continue;
		pid[i] = fork();
		if (pid[i] == 0) {
			close(ready[0]);
			close(go[1]);
			cc[i].gate_ready = ready[1];
			cc[i].gate_go = go[0];
			_exit(fp_run(&cc[i]));
		}
		codes[i] = pid[i] < 0 ? 1 : 0;
		want += pid[i] > 0 ? local : 0;
		live += pid[i] > 0;
	}
	close(ready[1]);
	close(go[0]);
	/* every local rank of every class says ready once; a class that dies opens the gate */
	end = fp_mono_ns() + timeout_ns;
	while (got < want && live && !fp_stop && fp_mono_ns() < end) {
		struct pollfd p = { .fd = ready[0], .events = POLLIN };
		char b[64];
		ssize_t k;

		if (poll(&p, 1, 100) > 0) {
			k = read(ready[0], b, sizeof(b));
			if (k <= 0)
				break;
			got += (unsigned)k;
		}
		for (unsigned i = 0; i < n; i++) {
			int st;

			if (pid[i] > 0 && waitpid(pid[i], &st, WNOHANG) == pid[i]) {
				codes[i] = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
				pid[i] = 0;
				live = 0; /* one class gone: the others go on alone */
			}
		}
	}
	close(go[1]);
	close(ready[0]);
	for (unsigned i = 0; i < n; i++) {
		int st;

		if (pid[i] > 0 && waitpid(pid[i], &st, 0) == pid[i])
			codes[i] = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
	}
}

/* the top folder: --output, or results/<stamp>-classes-<engine>-n<size> */
static int make_top(const struct fp_run_cfg *cfg, const char *engine, int world, char *dir,
		    size_t len)
{
	char stamp[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	if (cfg->output)
		snprintf(dir, len, "%s", cfg->output);
	else {
		mkdir(cfg->results_dir, 0755);
		snprintf(dir, len, "%s/%s-classes-%s-n%d", cfg->results_dir, stamp, engine, world);
	}
	if (mkdir(dir, 0755)) {
		fprintf(stderr, "fabprobe: cannot create the result folder %s: %s%s\n", dir,
			strerror(errno),
			errno == EEXIST ? " (an existing run is never overwritten)" : "");
		return -1;
	}
	return 0;
}

static int prepare(struct fp_run_cfg *cfg, struct fp_class *cls, struct fp_run_cfg *cc, int *rank,
		   int *world)
{
	char err[ERR_LEN];

	if (cfg->np > 0) {
		*rank = 0;
		*world = (int)cfg->np;
	} else if (fp_run_who_am_i(cfg, rank, world, err)) {
		fprintf(stderr, "fabprobe: %s\n", err);
		return 2;
	}
	if (cfg->pattern) {
		fprintf(stderr,
			"fabprobe: --class: give no PATTERN ('%s'): each class names its "
			"own\n",
			cfg->pattern);
		return 2;
	}
	if (!cfg->duration_ns || cfg->format || cfg->soak || cfg->forever || cfg->rfc2544) {
		fprintf(stderr, "fabprobe: --class needs --duration (the whole phase), and takes "
				"no --format json, --soak, --forever or --rfc2544\n");
		return 2;
	}
	for (unsigned i = 0; i < cfg->nclass; i++) {
		if (fp_class_parse(cfg->classes[i], &cls[i], err, sizeof(err)) ||
		    class_cfg(cfg, &cls[i], *world, &cc[i], err, sizeof(err)))
			goto bad;
		for (unsigned k = 0; k < i; k++)
			if (!strcmp(cls[k].name, cls[i].name)) {
				fp_say(err, sizeof(err), "--class: two classes are named '%s'",
				       cls[i].name);
				goto bad;
			}
	}
	return 0;
bad:
	fprintf(stderr, "fabprobe: %s\n", err);
	return 2;
}

/* the classes, their runs' options, and where each phase's run goes and meets */
struct classes {
	struct fp_class cls[FP_CLASS_MAX];
	struct fp_run_cfg cc[FP_CLASS_MAX];
	char out[2][FP_CLASS_MAX][4200], rv[2][FP_CLASS_MAX][300];
	int codes[2][FP_CLASS_MAX];
};

/* phase ph (0 idle, 1 loaded) of every class in use[] */
static void phase(const struct fp_run_cfg *cfg, struct classes *k, unsigned ph, const bool *use,
		  const char *top, int rank)
{
	for (unsigned i = 0; i < cfg->nclass; i++) {
		char name[FP_CLASS_NAME_LEN]; /* a copy: gcc cannot tell it from the output */

		memcpy(name, k->cls[i].name, sizeof(name));
		snprintf(k->out[ph][i], sizeof(k->out[0][0]), "%s/%s%s", rank == 0 ? top : ".",
			 ph ? "" : "idle-", name);
		k->cc[i].output = k->out[ph][i];
		/* --np without --rendezvous: each class's run picks a fresh port itself */
		if (cfg->np <= 0 || cfg->given >> fp_opts_index(fp_run_opts, "rendezvous") & 1)
			k->cc[i].rendezvous = shift_port(cfg->rendezvous, 1 + ph * cfg->nclass + i,
							 k->rv[ph][i], sizeof(k->rv[0][0]));
	}
	if (!cfg->quiet && rank == 0)
		fprintf(stderr, "fabprobe: --class: %s phase\n", ph ? "loaded" : "idle");
	run_phase(k->cc, use, cfg->nclass, cfg->np > 0 ? (unsigned)cfg->np : 1, cfg->timeout_ns,
		  k->codes[ph]);
}

int fp_run_classes(struct fp_run_cfg *cfg)
{
	struct classes *k = calloc(1, sizeof(*k));
	char top[4096];
	bool idle[FP_CLASS_MAX] = { false }, all[FP_CLASS_MAX], any_idle = false;
	int rank, world, ret;

	if (!k) {
		fprintf(stderr, "fabprobe: out of memory\n");
		return 1;
	}
	ret = prepare(cfg, k->cls, k->cc, &rank, &world);
	if (!ret && rank == 0 && make_top(cfg, k->cc[0].engine, world, top, sizeof(top)))
		ret = 2;
	if (ret)
		goto out;
	for (unsigned i = 0; i < cfg->nclass; i++) {
		all[i] = true;
		idle[i] = fp_class_is_latency(&k->cls[i]);
		any_idle |= idle[i];
	}
	if (any_idle)
		phase(cfg, k, 0, idle, top, rank);
	if (!fp_stop)
		phase(cfg, k, 1, all, top, rank);
	for (unsigned ph = 0; ph < 2; ph++)
		for (unsigned i = 0; i < cfg->nclass; i++)
			ret = k->codes[ph][i] > ret ? k->codes[ph][i] : ret;
	if (rank == 0 && fp_lul_report(top, k->cls, cfg->nclass, k->codes, world, cfg->quiet) &&
	    !ret)
		ret = 1;
out:
	free(k);
	return ret;
}
