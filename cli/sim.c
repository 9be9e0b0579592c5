// SPDX-License-Identifier: MIT
/*
 * fabprobe sim TOPOLOGY PATTERN: predict what a pattern measures on a fabric, with faults,
 * and write it in the schema `fabprobe run` writes ("simulated": true), with the ground
 * truth next to it. The work is fp_sim_job_run() (benches/simjob.c).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../benches/results.h"
#include "../benches/simjob.h"
#include "../core/opts.h"
#include "cli.h"

/* the options: the job's own, and three numbers the table takes as text */
struct sim_opts {
	struct fp_sim_cfg job;
	const char *noise_s, *rtt_s, *nic_s;
};

#define S(n, t, f, d, lo, hi, ch, mv, h)                                                           \
	{                                                                                          \
		n, t, offsetof(struct sim_opts, f), d, lo, hi, ch, NULL, mv, h                     \
	}

/* the shared rows below are at their offset in struct fp_run_cfg */
_Static_assert(offsetof(struct sim_opts, job.run) == 0, "sim_opts starts with its run config");

static const struct fp_opt sim_opts[] = {
	FP_PATTERN_OPTS("64K"),
	S("faults", FP_OPT_STRING, job.faults, NULL, 0, 0, NULL, "LIST",
	  "degrade:LINK:FRAC, loss:LINK:P, down:LINK, slowhost:HOST:FRAC (LINK: #i, a-b when "
	  "only one link joins them, or a:port-b:port)"),
	S("random-faults", FP_OPT_INT, job.random_faults, "0", 0, 256, NULL, "N",
	  "plant N degraded links at random (seeded)"),
	S("random-hosts", FP_OPT_INT, job.random_hosts, "0", 0, 256, NULL, "N",
	  "plant N slow hosts at random (seeded)"),
	S("fault-range", FP_OPT_STRING, job.fault_range, "0.3:0.7", 0, 0, NULL, "LO:HI",
	  "capacity fraction left for random faults"),
	S("noise", FP_OPT_STRING, noise_s, "0", 0, 0, NULL, "SIGMA",
	  "multiplicative measurement noise, e.g. 0.05 (seeded, normal)"),
	S("rtt-us", FP_OPT_STRING, rtt_s, "10", 0, 0, NULL, "US",
	  "round-trip time for the loss model"),
	S("transport", FP_OPT_CHOICE, job.transport, "tcp", 0, 0, "tcp|rc|udp", NULL,
	  "what loss costs: tcp (Mathis), rc (verbs, go-back-N), udp (DPDK/UDP: frames lost)"),
	S("nic-gbps", FP_OPT_STRING, nic_s, NULL, 0, 0, NULL, "GBPS",
	  "cap every host NIC at this rate (default: its links)"),
	S("routes", FP_OPT_STRING, job.routes, NULL, 0, 0, NULL, "FILE",
	  "route by the SM's forwarding tables (ibroute, dump_lfts, opensm-lfts.dump), not ECMP"),
	FP_OPT_END,
};

static int parse(struct sim_opts *o, int argc, char **argv, const char **pos)
{
	char err[512];
	int np = 0;

	memset(o, 0, sizeof(*o));
	if (fp_opts_parse(sim_opts, o, argc, argv, pos, 3, &np, NULL, err, sizeof(err))) {
		fprintf(stderr, "fabprobe sim: %s\n", err);
		return -EINVAL;
	}
	if (np != 2) {
		fprintf(stderr, "fabprobe sim: TOPOLOGY PATTERN (see fabprobe sim --help)\n");
		return -EINVAL;
	}
	if (fp_parse_num(o->noise_s, 0, 1, &o->job.noise) ||
	    fp_parse_num(o->rtt_s, 1e-3, 1e9, &o->job.rtt_us) ||
	    (o->nic_s && fp_parse_num(o->nic_s, 1e-6, 1e6, &o->job.nic_gbps))) {
		fprintf(stderr,
			"fabprobe sim: --noise is 0..1, --rtt-us and --nic-gbps positive\n");
		return -EINVAL;
	}
	o->job.run.argc = argc;
	o->job.run.argv = argv;
	return 0;
}

int fp_cmd_sim(int argc, char **argv)
{
	struct sim_opts o;
	struct fp_sim_job j;
	const char *pos[3];
	char err[512];
	int ret;

	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: fabprobe sim TOPOLOGY PATTERN [options]\n\n"
			       "Max-min fair flow rates for PATTERN on TOPOLOGY (rank k on its "
			       "k-th "
			       "host), ECMP hashed per flow,\nwith faults; written as a result "
			       "folder "
			       "like fabprobe run's, plus ground_truth.json.\n\noptions:\n");
			fp_opts_help(stdout, sim_opts);
			return 0;
		}
	if (parse(&o, argc, argv, pos))
		return 2;
	ret = fp_sim_job_run(&j, &o.job, pos[0], pos[1], err, sizeof(err));
	if (ret) {
		fprintf(stderr, "fabprobe sim: %s\n", err);
		fp_sim_job_free(&j);
		return ret == -ENOMEM || ret == -EIO ? 1 : 2;
	}
	if (!o.job.run.quiet) {
		fp_results_text_header(&j.d, stdout);
		for (unsigned i = 0; i < j.d.nres; i++)
			fp_results_text_row(&j.d, &j.d.res[i], stdout);
		fp_results_text_footer(&j.d, stdout);
		fprintf(stderr, "fabprobe: simulated results in %s\n", j.d.dir);
	}
	fp_sim_job_free(&j);
	return 0;
}
