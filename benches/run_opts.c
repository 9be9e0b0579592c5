// SPDX-License-Identifier: MIT
/* The options of `fabprobe run`: one table, parsed and documented from here. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

#define SEC 1000000000ll

const struct fp_opt fp_run_opts[] = {
	FP_RUN_OPT("engine", FP_OPT_STRING, engine, "sockets", 0, 0, NULL, "FABPROBE_ENGINE",
		   "NAME",
		   "transport: one of fabprobe engines; each engine's own options are below"),
	FP_PATTERN_OPTS("8:1M:x4"),
	FP_RUN_OPT("duration", FP_OPT_DURATION, duration_ns, "0", 0, 30 * 24 * 3600 * SEC, NULL,
		   NULL, NULL,
		   "wall-clock time per size and round instead of --iters, e.g. 2s (at most 1h); "
		   "with --soak the whole run's, e.g. 8h"),
	FP_RUN_OPT("warmup", FP_OPT_INT, warmup, "100", 0, 1000000000, NULL, NULL, NULL,
		   "untimed messages per flow before each measurement"),
	FP_RUN_OPT("window", FP_OPT_INT, window, "64", 1, 65536, NULL, NULL, NULL,
		   "messages in flight per flow (bandwidth)"),
	FP_RUN_OPT("format", FP_OPT_CHOICE, format, "text", 0, 0, "text|json|jsonl", NULL, NULL,
		   "what rank 0 prints on stdout; jsonl: one JSON object per line as the run "
		   "goes (intervals, sizes, a summary)"),
	FP_RUN_OPT("timeout", FP_OPT_DURATION, timeout_ns, "60s", SEC / 10, 24 * 3600 * SEC, NULL,
		   "FABPROBE_TIMEOUT", NULL,
		   "longest wait for a peer: rendezvous, set-up, or data without progress (a TCP "
		   "flow with none for half of it has stalled: failed_flows)"),
	FP_RUN_OPT("interval", FP_OPT_DURATION, interval_ns, "10ms", 1000000, 60 * SEC, NULL, NULL,
		   NULL, "bandwidth sampling interval for the min and peak rates"),
	FP_RUN_OPT("report-interval", FP_OPT_DURATION, report_ns, "0", 0, 3600 * SEC, NULL, NULL,
		   NULL,
		   "bandwidth phases: rank 0 prints every flow's rate over each interval (as "
		   "iperf3 -i), also in intervals.csv; 0: off"),
	FP_RUN_OPT("rank", FP_OPT_INT, rank, "0", 0, 65535, NULL, "FABPROBE_RANK", NULL,
		   "this process's rank (default: from the launcher's environment)"),
	FP_RUN_OPT("size", FP_OPT_INT, size, "1", 1, 65536, NULL, "FABPROBE_SIZE", NULL,
		   "number of ranks (default: from the launcher's environment)"),
	FP_RUN_OPT("np", FP_OPT_INT, np, "0", 0, 1024, NULL, NULL, "N",
		   "start N ranks here on loopback (no launcher needed)"),
	FP_RUN_OPT("rendezvous", FP_OPT_STRING, rendezvous, "127.0.0.1:18515", 0, 0, NULL,
		   "FABPROBE_RENDEZVOUS", "HOST:PORT",
		   "where rank 0 listens and the others connect"),
	FP_RUN_OPT("token", FP_OPT_STRING, token, NULL, 0, 0, NULL, "FABPROBE_TOKEN", "STR",
		   "job token (default: the launcher's job id)"),
	FP_RUN_OPT("require-token", FP_OPT_BOOL, require_token, NULL, 0, 0, NULL, NULL, NULL,
		   "refuse to run off loopback with a token guessed from the launcher's job id"),
	FP_RUN_OPT("bind", FP_OPT_STRING, bind, NULL, 0, 0, NULL, "FABPROBE_BIND", "IP",
		   "local data-plane address (default: the one that reaches the rendezvous)"),
	FP_RUN_OPT("hostname", FP_OPT_STRING, hostname, NULL, 0, 0, NULL, "FABPROBE_HOSTNAME",
		   "NAME",
		   "this rank's host name in the results (default: gethostname); the analyzer "
		   "matches it with the topology"),
	FP_RUN_OPT("fabric-counters", FP_OPT_STRING, fabric_counters, NULL, 0, 0, NULL, NULL,
		   "TOPOLOGY[,SWITCHES]",
		   "rank 0 reads the fabric's port counters before and after: "
		   "over MADs, or over SNMP from a --switches file"),
	FP_RUN_OPT("poll", FP_OPT_CHOICE, poll, "busy", 0, 0, "busy|event", "FABPROBE_POLL", NULL,
		   "busy-poll, or sleep on events so many ranks can share few cores"),
	FP_RUN_OPT("pin", FP_OPT_STRING, pin, NULL, 0, 0, NULL, "FABPROBE_PIN", "auto|none|CPUS",
		   "pin each rank to a CPU: auto = local rank's CPU of the allowed set, or a list "
		   "indexed by local rank (default: auto with --np, none under a launcher)"),
	FP_RUN_OPT("numa", FP_OPT_STRING, numa, "auto", 0, 0, NULL, "FABPROBE_NUMA", "auto|none|N",
		   "CPU and data buffers on the NIC's NUMA node (auto), on node N, or left alone"),
	FP_RUN_OPT("pairs-sample", FP_OPT_INT, pairs_sample, "0", 0, INT64_MAX, NULL, NULL, "K",
		   "keep per-flow records for about K sampled flows (0: all); matrices stay whole"),
	FP_RUN_OPT("rate", FP_OPT_STRING, rate, NULL, 0, 0, NULL, NULL, "RATE",
		   "frame engines (dpdk): offered load per sending rank, paced: 10G (bit/s on the "
		   "wire) or 2Mpps; "
		   "default: as fast as the port takes frames"),
	FP_RUN_OPT("rfc2544", FP_OPT_STRING, rfc2544, NULL, 0, 0, NULL, NULL, "LOSS",
		   "frame engines (dpdk): RFC 2544 throughput search per size: the highest rate "
		   "with loss <= LOSS "
		   "(a fraction 0.001 or a percentage 0.1%)"),
	FP_RUN_OPT("trial", FP_OPT_DURATION, trial_ns, "1s", 10000000, 3600 * SEC, NULL, NULL, NULL,
		   "--rfc2544: length of each trial"),
	FP_RUN_OPT("resolution", FP_OPT_STRING, resolution, "1%", 0, 0, NULL, NULL, "FRAC",
		   "--rfc2544: stop when the rate is known within this fraction of the top rate"),
	/* live progress and trust (issue 19) */
	FP_RUN_OPT(
		"check", FP_OPT_BOOL, check, NULL, 0, 0, NULL, NULL, NULL,
		"receivers verify every message's bytes: sockets and null count corrupted ones "
		"per size (#wrong, as nccl-tests) and exit 1; verbs and dpdk check in the engine"),
	/* soak and burn-in (run_soak.c) */
	FP_RUN_OPT("soak", FP_OPT_BOOL, soak, NULL, 0, 0, NULL, NULL, NULL,
		   "repeat the pattern until --duration is spent, each phase one "
		   "--counter-interval long"),
	FP_RUN_OPT("forever", FP_OPT_BOOL, forever, NULL, 0, 0, NULL, NULL, NULL,
		   "as --soak until Ctrl-C or SIGTERM, which end it at the next counter interval "
		   "with complete results"),
	FP_RUN_OPT("counter-interval", FP_OPT_DURATION, counter_ns, "0", 0, 24 * 3600 * SEC, NULL,
		   NULL, NULL,
		   "snapshot every rank's port counters this often into counters.csv (between "
		   "phases; --soak: default 10s)"),
	/* latency under load (run_class.c) */
	FP_RUN_OPT("class", FP_OPT_STRING, classes[0], NULL, 0, 0, NULL, NULL,
		   "NAME:PATTERN:SIZE[:opt=val]",
		   "repeatable: run these classes at once over the same ranks (no PATTERN); "
		   "latency classes also run alone first; opt: tclass=DSCP, rate=, window=, "
		   "engine options"),
	FP_OPT_END,
};

/* The table that knows --name (or --no-name for a flag), or NULL. */
static const struct fp_opt *opt_of(const struct fp_opt *tab, const char *arg)
{
	char name[64];
	size_t n = strcspn(arg, "=");
	int i;

	if (n >= sizeof(name))
		return NULL;
	memcpy(name, arg, n);
	name[n] = 0;
	i = fp_opts_index(tab, name);
	if (i < 0 && !strncmp(name, "no-", 3)) {
		i = fp_opts_index(tab, name + 3);
		if (i >= 0 && tab[i].type != FP_OPT_BOOL)
			i = -1;
	}
	return i < 0 ? NULL : &tab[i];
}

/* How many arguments the option at argv[a] takes from the command line, itself included. */
static int span(const struct fp_opt *o, char **argv, int a, int argc)
{
	return o->type != FP_OPT_BOOL && !strchr(argv[a], '=') && a + 1 < argc ? 2 : 1;
}

/* The row for an option in the runner's table, else in any engine's. */
static const struct fp_opt *opt_any(const char *arg)
{
	unsigned n;
	const struct fp_engine_entry *e = fp_engines(&n);
	const struct fp_opt *o = strncmp(arg, "--", 2) ? NULL : opt_of(fp_run_opts, arg + 2);

	for (unsigned k = 0; !o && !strncmp(arg, "--", 2) && k < n; k++)
		if (e[k].ops && e[k].ops->opts)
			o = opt_of(e[k].ops->opts, arg + 2);
	return o;
}

/*
 * The arguments of argv[0..argc) that belong to table tab (with their values) into out;
 * when tab is the runner's, also the positionals and what no table knows, for the parser to
 * refuse.
 */
static int pick(const struct fp_opt *tab, int argc, char **argv, char **out)
{
	int n = 0;

	for (int a = 0; a < argc; a++) {
		const struct fp_opt *o =
			strncmp(argv[a], "--", 2) ? NULL : opt_of(tab, argv[a] + 2);
		const struct fp_opt *any = o ? o : opt_any(argv[a]);
		int k = any ? span(any, argv, a, argc) : 1;

		for (int i = 0; i < k && (o || (!any && tab == fp_run_opts)); i++)
			out[n++] = argv[a + i];
		a += k - 1;
	}
	return n;
}

int fp_run_parse(struct fp_run_cfg *cfg, int argc, char **argv, const char **pos, int maxpos,
		 int *npos, char *err, size_t errlen)
{
	_Alignas(16) unsigned char scratch[FP_ENGINE_CFG_MAX];
	unsigned neng;
	const struct fp_engine_entry *ent = fp_engines(&neng);
	char **v = calloc((size_t)argc + 1, sizeof(*v));
	int nopt = argc, ret;

	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (int a = 0; a < argc; a++)
		if (!strcmp(argv[a], "--")) {
			nopt = a;
			cfg->rest = argv + a + 1;
			cfg->nrest = argc - a - 1;
			break;
		}
	ret = fp_opts_parse(fp_run_opts, cfg, pick(fp_run_opts, nopt, argv, v), v, pos, maxpos,
			    npos, &cfg->given, err, errlen);
	/* every engine parses what it knows, so a bad value is refused whichever runs */
	for (unsigned k = 0; !ret && k < neng; k++) {
		const struct fp_opt *tab = ent[k].ops ? ent[k].ops->opts : NULL;

		if (!tab)
			continue;
		memset(scratch, 0, sizeof(scratch));
		ret = fp_opts_parse(tab, scratch, pick(tab, nopt, argv, v), v, NULL, 0, NULL, NULL,
				    err, errlen);
		if (!ret && !strcmp(ent[k].name, cfg->engine))
			memcpy(cfg->engine_cfg, scratch, sizeof(scratch));
	}
	free(v);
	return ret ? ret : fp_run_take_classes(cfg, nopt, argv, err, errlen);
}
void fp_run_help_engines(FILE *f)
{
	unsigned n;
	const struct fp_engine_entry *e = fp_engines(&n);

	for (unsigned i = 0; i < n; i++) {
		if (!e[i].ops) {
			fprintf(f, "\nengine %s: %s\n", e[i].name, e[i].not_built);
			continue;
		}
		if (!e[i].ops->opts || !e[i].ops->opts[0].name)
			continue;
		fprintf(f, "\nengine %s:\n", e[i].name);
		fp_opts_help(f, e[i].ops->opts);
	}
}
