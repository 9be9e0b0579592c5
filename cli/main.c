// SPDX-License-Identifier: MIT
/* fabprobe: one binary, subcommands from a table. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../benches/runner.h"
#include "../benches/sched.h"
#include "../core/opts.h"
#include "../fabric/runtime/engine.h"
#include "cli.h"
#include "fp_config.h"

static const struct fp_opt no_opts[] = { FP_OPT_END };

static bool is_help(const char *a)
{
	return !strcmp(a, "--help") || !strcmp(a, "-h");
}

static void run_help(FILE *f)
{
	const struct fp_pattern *p;
	unsigned n;

	fprintf(f,
		"usage: fabprobe run PATTERN [options]\n\n"
		"One process per rank: launch with mpirun, srun, by hand (--rank/--size), or\n"
		"--np N to start N local ranks. Rank 0 writes results/<run-id>/.\n\npatterns:\n");
	p = fp_patterns(&n);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "  %-13s %s\n", p[i].name, p[i].summary);
	fprintf(f, "\noptions:\n");
	fp_opts_help(f, fp_run_opts);
	fp_run_help_engines(f);
	fprintf(f, "\nArguments after -- go to the engine (dpdk: the EAL).\n");
}

static int cmd_run(int argc, char **argv, char **full, int fullc)
{
	struct fp_run_cfg cfg;
	const char *pos[2];
	char err[256];
	int npos = 0;

	memset(&cfg, 0, sizeof(cfg));
	cfg.local_rank = -1;
	for (int i = 0; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			run_help(stdout);
			return 0;
		}
	}
	if (fp_run_parse(&cfg, argc, argv, pos, 2, &npos, err, sizeof(err))) {
		fprintf(stderr, "fabprobe run: %s\n", err);
		return 2;
	}
	if (npos != 1 && !(npos == 0 && cfg.nclass)) { /* --class: each class names its pattern */
		fprintf(stderr, "fabprobe run: %s (see fabprobe run --help)\n",
			npos ? "one pattern only"
			     : "which pattern? e.g. fabprobe run stream --np 2");
		return 2;
	}
	cfg.pattern = npos ? pos[0] : NULL;
	cfg.argc = fullc;
	cfg.argv = full;
	return fp_run(&cfg);
}

static int cmd_engines(int argc, char **argv, char **full, int fullc)
{
	const struct fp_engine_entry *e;
	unsigned n;
	int usable = 0;

	(void)full;
	(void)fullc;
	if (argc == 1 && is_help(argv[0])) {
		printf("usage: fabprobe engines\n\nEach engine: built into this binary, usable "
		       "on this host, and why not.\nExit 0 when at least one engine is usable, 1 "
		       "when none is.\n");
		return 0;
	}
	if (argc) {
		fprintf(stderr,
			"fabprobe engines: takes no arguments, got '%s' (usage: fabprobe "
			"engines)\n",
			argv[0]);
		return 2;
	}
	e = fp_engines(&n);
	printf("%-8s %-6s %-6s %s\n", "engine", "built", "usable", "why");
	for (unsigned i = 0; i < n; i++) {
		char why[384] = "";
		bool ok = false;

		if (e[i].ops) {
			struct fp_engine_ops ops;

			fp_engine_ops_fill(&ops, e[i].ops);
			ok = !ops.probe(why, sizeof(why));
			usable += ok;
		}
		printf("%-8s %-6s %-6s %s\n", e[i].name, e[i].ops ? "yes" : "no", ok ? "yes" : "no",
		       e[i].ops ? why : e[i].not_built);
		if (e[i].ops && e[i].ops->desc) /* what it supports, indented under it */
			printf("%-8s %s\n", "", e[i].ops->desc);
	}
	return usable ? 0 : 1;
}

static int cmd_version(int argc, char **argv, char **full, int fullc)
{
	(void)full;
	(void)fullc;
	if (argc == 1 && is_help(argv[0])) {
		printf("usage: fabprobe version\n\nPrint the version of this binary.\n");
		return 0;
	}
	if (argc) {
		fprintf(stderr, "fabprobe version: takes no arguments, got '%s'\n", argv[0]);
		return 2;
	}
	printf("fabprobe %s\n", FP_VERSION);
	return 0;
}

static int cmd_help(int argc, char **argv, char **full, int fullc);

static int cmd_topo(int argc, char **argv, char **full, int fullc)
{
	(void)full;
	(void)fullc;
	return fp_cmd_topo(argc, argv);
}

static int cmd_analyze(int argc, char **argv, char **full, int fullc)
{
	(void)full;
	(void)fullc;
	return fp_cmd_analyze(argc, argv);
}

static int cmd_report(int argc, char **argv, char **full, int fullc)
{
	(void)full;
	(void)fullc;
	return fp_cmd_report(argc, argv);
}

static int cmd_check(int argc, char **argv, char **full, int fullc)
{
	(void)full;
	(void)fullc;
	return fp_cmd_check(argc, argv);
}

static int cmd_inventory(int argc, char **argv, char **full, int fullc)
{
	(void)full;
	(void)fullc;
	return fp_cmd_inventory(argc, argv);
}

static int cmd_pkt(int argc, char **argv, char **full, int fullc)
{
	(void)full;
	(void)fullc;
	return fp_cmd_pkt(argc, argv);
}

static int cmd_fabric_counters(int argc, char **argv, char **full, int fullc)
{
	(void)full;
	(void)fullc;
	return fp_cmd_fabric_counters(argc, argv);
}

static int cmd_sim(int argc, char **argv, char **full, int fullc)
{
	(void)full;
	(void)fullc;
	return fp_cmd_sim(argc, argv);
}

static int cmd_diagnose(int argc, char **argv, char **full, int fullc)
{
	(void)full;
	(void)fullc;
	return fp_cmd_diagnose(argc, argv);
}

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv, char **full, int fullc);
	const struct fp_opt *opts;
	const char *help;
};

static const struct cmd cmds[] = {
	{ "run", cmd_run, fp_run_opts,
	  "run a traffic pattern over an engine (fabprobe run --help)" },
	{ "inventory", cmd_inventory, no_opts, "this host: ports, modules, counters, PCIe, NUMA" },
	{ "fleet", fp_cmd_fleet, no_opts, "every host's inventory compared, the odd ones named" },
	{ "topo", cmd_topo, no_opts, "generate, import, check, draw and plan topologies" },
	{ "sim", cmd_sim, no_opts, "predict a pattern's results on a topology, with faults" },
	{ "analyze", cmd_analyze, no_opts, "name the link or host that holds the fabric back" },
	{ "diagnose", cmd_diagnose, no_opts,
	  "screen, then probe each suspect until it is ruled in or out" },
	{ "trace", fp_cmd_trace, no_opts, "each flow's path, probed with its own 5-tuple" },
	{ "report", cmd_report, no_opts, "plots and an HTML report from result folders" },
	{ "check", cmd_check, no_opts, "acceptance: a spec of thresholds, PASS/FAIL, JUnit XML" },
	{ "fabric-counters", cmd_fabric_counters, no_opts,
	  "the switches' own port counters for every link, over InfiniBand MADs" },
	{ "pkt", cmd_pkt, no_opts, "dpdk: send or count frames on one port (meet testpmd)" },
	{ "engines", cmd_engines, no_opts, "which engines are built and usable here, and why not" },
	{ "version", cmd_version, no_opts, "print the version" },
	{ "help", cmd_help, no_opts, "this text, or help on a subcommand" },
};

static int cmd_help(int argc, char **argv, char **full, int fullc)
{
	(void)full;
	(void)fullc;
	if (argc == 1 && is_help(argv[0])) {
		printf("usage: fabprobe help [COMMAND]\n\nThe list of commands, or COMMAND's "
		       "help (the same as fabprobe COMMAND --help).\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "fabprobe help: one command at most (usage: fabprobe help "
				"[COMMAND])\n");
		return 2;
	}
	if (argc == 1) {
		char help[] = "--help", *hargv[] = { help, NULL };

		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			if (!strcmp(argv[0], cmds[i].name))
				return cmds[i].fn(1, hargv, hargv, 1);
		fprintf(stderr, "fabprobe help: unknown command '%s' (see fabprobe help)\n",
			argv[0]);
		return 2;
	}
	printf("usage: fabprobe COMMAND [options]\n\nfabprobe measures a fabric and names what "
	       "holds it back.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		printf("  %-16s %s\n", cmds[i].name, cmds[i].help);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		cmd_help(0, NULL, argv, argc);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(0, NULL, argv, argc);
	if (!strcmp(argv[1], "--version"))
		return cmd_version(0, NULL, argv, argc);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 2, argv + 2, argv, argc);
	fprintf(stderr, "fabprobe: unknown command '%s' (see fabprobe help)\n", argv[1]);
	return 2;
}
