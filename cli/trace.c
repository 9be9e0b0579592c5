// SPDX-License-Identifier: MIT
/* fabprobe trace: every flow of a finished run traced with its own 5-tuple into paths.json. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../benches/trace.h"
#include "../core/opts.h"
#include "cli.h"

struct trace_opts {
	struct fp_trace_cfg c;
	int64_t max_ttl, timeout_ms, tries, rank;
	bool quiet, merge;
};

#define O(f)	       offsetof(struct trace_opts, f)
#define TRACE_MAXPARTS 4096

static const struct fp_opt trace_opts[] = {
	{ "topology", FP_OPT_STRING, O(c.topology), NULL, 0, 0, NULL, NULL, "FILE",
	  "map hop addresses to its nodes (the hosts' endpoint ip)" },
	{ "hops", FP_OPT_STRING, O(c.hops), NULL, 0, 0, NULL, NULL, "FILE",
	  "map hop addresses to nodes: 'ADDRESS NODE' per line (routers' addresses)" },
	{ "out", FP_OPT_STRING, O(c.out), NULL, 0, 0, NULL, NULL, "FILE",
	  "write here instead of RUN/paths.json (a part, to merge: one per host)" },
	{ "max-ttl", FP_OPT_INT, O(max_ttl), "16", 1, FP_PROBE_MAXTTL, NULL, NULL, "N",
	  "give up on a flow whose destination is further than N hops" },
	{ "timeout", FP_OPT_INT, O(timeout_ms), "1000", 1, 60000, NULL, NULL, "MS",
	  "wait this long for each probe's answer" },
	{ "tries", FP_OPT_INT, O(tries), "3", 1, 10, NULL, NULL, "N",
	  "probes per hop before it counts as silent (routers rate-limit ICMP)" },
	{ "rank", FP_OPT_INT, O(rank), "-1", -1, 1000000, NULL, NULL, "R",
	  "only the flows rank R sourced (default: every flow whose source address is here)" },
	{ "merge", FP_OPT_BOOL, O(merge), NULL, 0, 0, NULL, NULL, NULL,
	  "no probes: RUN PART... merges parts (--out files) into RUN/paths.json" },
	{ "rendezvous", FP_OPT_STRING, O(c.rendezvous), NULL, 0, 0, NULL, "FABPROBE_RENDEZVOUS",
	  "HOST:PORT", "under a launcher: rank 0 listens here and gathers every rank's traces" },
	{ "token", FP_OPT_STRING, O(c.token), NULL, 0, 0, NULL, "FABPROBE_TOKEN", "STR",
	  "job token for the rendezvous (default: the launcher's job id)" },
	{ "quiet", FP_OPT_BOOL, O(quiet), NULL, 0, 0, NULL, NULL, NULL,
	  "no line per flow, only the summary" },
	FP_OPT_END,
};

static void help(void)
{
	printf("usage: fabprobe trace RUN [options]\n"
	       "       mpirun ... fabprobe trace RUN --rendezvous HOST:PORT [options]\n"
	       "       fabprobe trace --merge RUN PART... [--out FILE]\n\n"
	       "The path of every flow of the finished run in folder RUN: from the host each\n"
	       "flow started on, probes with the flow's own 5-tuple (TCP SYN for sockets flows,\n"
	       "UDP for dpdk flows, UDP to 4791 from the QP's source port for RoCE v2 flows)\n"
	       "and TTL 1, 2, ... collect each router's ICMP time exceeded and the\n"
	       "destination's answer.\n"
	       "Hop addresses become topology nodes (--topology, --hops); RUN/paths.json gets\n"
	       "every flow's path, which analyze and check then use. Only flows whose source\n"
	       "address is on this host are traced (all of them for a --np run). Under a\n"
	       "launcher each rank traces the flows it sourced and rank 0 gathers them through\n"
	       "the rendezvous (or each rank writes its --out, for --merge). Needs CAP_NET_RAW.\n"
	       "Exit 0: traced; 1: a flow's trace failed or none starts here (nothing written);\n"
	       "2: bad input, or no CAP_NET_RAW.\n\n"
	       "options:\n");
	fp_opts_help(stdout, trace_opts);
}

static void render(const struct fp_trace *tr, bool quiet)
{
	const char *skip_why = NULL;

	for (unsigned i = 0; i < tr->n; i++) {
		const struct fp_trace_item *t = &tr->it[i];

		if (t->st == FP_TRACE_SKIPPED && !skip_why)
			skip_why = t->why;
		if (t->st == FP_TRACE_FAILED)
			fprintf(stderr, "fabprobe trace: flow %u (%s %s:%u > %s:%u): %s\n", t->f.id,
				t->f.proto, t->f.src_ip, t->f.sport, t->f.dst_ip, t->f.dport,
				t->why);
		if (t->st != FP_TRACE_OK || quiet)
			continue;
		printf("flow %u %s %s:%u > %s:%u:", t->f.id, t->f.proto, t->f.src_ip, t->f.sport,
		       t->f.dst_ip, t->f.dport);
		for (unsigned h = 0; h < t->n; h++)
			printf(" %s", t->node[h]);
		printf("\n");
	}
	if (tr->unmapped)
		fprintf(stderr,
			"fabprobe trace: %u hops are not in the topology or --hops map: written as "
			"their addresses\n",
			tr->unmapped);
	if (tr->skipped)
		fprintf(stderr, "fabprobe trace: %u flows not traced (%s)\n", tr->skipped,
			skip_why);
	fprintf(stderr, "fabprobe trace: %u flows traced, %u failed, %u start elsewhere%s%s\n",
		tr->ok, tr->failed, tr->elsewhere,
		tr->out[0] ? "; written to "
		: tr->sent ? "; sent to rank 0"
			   : "",
		tr->out);
}

int fp_cmd_trace(int argc, char **argv, char **full, int fullc)
{
	struct trace_opts o;
	struct fp_trace tr;
	const char *pos[1 + TRACE_MAXPARTS];
	char err[512];
	uint64_t given = 0;
	int np = 0, ret;

	(void)full;
	(void)fullc;
	memset(&o, 0, sizeof(o));
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			help();
			return 0;
		}
	if (fp_opts_parse(trace_opts, &o, argc, argv, pos, 1 + TRACE_MAXPARTS, &np, &given, err,
			  sizeof(err))) {
		fprintf(stderr, "fabprobe trace: %s\n", err);
		return 2;
	}
	if (!np || (np > 1 && !o.merge) || (o.merge && np < 2)) {
		fprintf(stderr, "fabprobe trace: %s (see fabprobe trace --help)\n",
			!np	   ? "which run folder?"
			: !o.merge ? "one run folder only (parts go with --merge)"
				   : "--merge: which parts?");
		return 2;
	}
	o.c.run = pos[0];
	o.c.merge = pos + 1;
	o.c.nmerge = o.merge ? (unsigned)np - 1 : 0;
	o.c.max_ttl = (int)o.max_ttl;
	o.c.timeout_ms = (int)o.timeout_ms;
	o.c.tries = (int)o.tries;
	o.c.rank = (int)o.rank;
	ret = fp_trace_run(&o.c, &tr, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "fabprobe trace: %s\n", err);
		fp_trace_free(&tr);
		return ret == -EINVAL || ret == -EPERM || ret == -EACCES ? 2 : 1;
	}
	render(&tr, o.quiet);
	ret = tr.failed ? 1 : 0;
	if (!tr.failed && !tr.out[0] && !tr.sent) {
		fprintf(stderr,
			"fabprobe trace: nothing written: none of the run's %u flows starts at an "
			"address of this host%s\n",
			tr.n, o.c.rank >= 0 ? " from that rank" : "");
		ret = 1;
	}
	fp_trace_free(&tr);
	return ret;
}
