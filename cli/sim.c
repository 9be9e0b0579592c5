// SPDX-License-Identifier: MIT
/*
 * fabprobe sim TOPOLOGY PATTERN: predict what a pattern measures on a fabric, with faults,
 * and write it in the schema `fabprobe run` writes ("simulated": true), with the ground
 * truth next to it.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../benches/results.h"
#include "../benches/simrun.h"
#include "../core/json.h"
#include "../core/opts.h"
#include "../fabric/model/topo_routes.h"
#include "cli.h"
#include "fp_config.h"

#define MAXF 256

struct sim_cfg {
	struct fp_run_cfg run;
	const char *faults, *random_range;
	int64_t random_faults, random_hosts, samples;
	double noise;
	const char *noise_s, *rtt_s, *nic_s, *routes;
};

#define S(n, t, f, d, lo, hi, ch, mv, h)                                                           \
	{                                                                                          \
		n, t, offsetof(struct sim_cfg, f), d, lo, hi, ch, NULL, mv, h                      \
	}

/* the shared rows below are at their offset in struct fp_run_cfg */
_Static_assert(offsetof(struct sim_cfg, run) == 0, "sim_cfg starts with its run config");

static const struct fp_opt sim_opts[] = {
	FP_PATTERN_OPTS("64K"),
	S("faults", FP_OPT_STRING, faults, NULL, 0, 0, NULL, "LIST",
	  "degrade:LINK:FRAC, loss:LINK:P, down:LINK, slowhost:HOST:FRAC (LINK: a-b or #i)"),
	S("random-faults", FP_OPT_INT, random_faults, "0", 0, 256, NULL, "N",
	  "plant N degraded links at random (seeded)"),
	S("random-hosts", FP_OPT_INT, random_hosts, "0", 0, 256, NULL, "N",
	  "plant N slow hosts at random (seeded)"),
	S("fault-range", FP_OPT_STRING, random_range, "0.3:0.7", 0, 0, NULL, "LO:HI",
	  "capacity fraction left for random faults"),
	S("noise", FP_OPT_STRING, noise_s, "0", 0, 0, NULL, "SIGMA",
	  "multiplicative measurement noise, e.g. 0.05 (seeded, normal)"),
	S("rtt-us", FP_OPT_STRING, rtt_s, "10", 0, 0, NULL, "US",
	  "round-trip time for the loss model"),
	S("nic-gbps", FP_OPT_STRING, nic_s, NULL, 0, 0, NULL, "GBPS",
	  "cap every host NIC at this rate (default: its links)"),
	S("routes", FP_OPT_STRING, routes, NULL, 0, 0, NULL, "FILE",
	  "route by the SM's forwarding tables (ibroute, dump_lfts, opensm-lfts.dump), not ECMP"),
	FP_OPT_END,
};

/* --routes: the router follows the SM's forwarding tables; 0, or -EINVAL after one line */
static int use_routes(const char *path, const struct fp_topo *t, struct fp_routes *lft,
		      struct fp_router *r)
{
	char err[512];
	int ret = fp_routes_open(lft, path, t, err, sizeof(err));

	if (ret) {
		fprintf(stderr, "fabprobe sim: %s\n", err);
		return ret;
	}
	fp_router_use_lft(r, lft);
	return 0;
}

static double gauss(uint64_t *st)
{
	double u1 = ((double)(fp_rand_next(st) >> 11) + 0.5) / 9007199254740992.0;
	double u2 = ((double)(fp_rand_next(st) >> 11) + 0.5) / 9007199254740992.0;

	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static int write_truth(const char *dir, const struct fp_topo *t, const struct fp_fault *f,
		       unsigned n, double noise)
{
	static const char *const kinds[] = { "degrade", "loss", "down", "slowhost" };
	struct fp_afile a;
	struct fp_json j;
	char path[4200];
	int ret;

	snprintf(path, sizeof(path), "%s/ground_truth.json", dir);
	ret = fp_afile_open(&a, path);
	if (ret)
		return ret;
	fp_json_init(&j, a.f, true);
	fp_json_obj(&j, NULL);
	fp_json_u64(&j, "schema_version", 1);
	fp_json_str(&j, "topology", t->source[0] ? t->source : t->name);
	fp_json_num(&j, "noise", noise);
	fp_json_arr(&j, "faults");
	for (unsigned i = 0; i < n; i++) {
		fp_json_obj(&j, NULL);
		fp_json_str(&j, "kind", kinds[f[i].kind]);
		if (f[i].link >= 0) {
			const struct fp_link *l = &t->links[f[i].link];

			fp_json_i64(&j, "link", f[i].link);
			fp_json_str(&j, "a", t->nodes[l->a].name);
			fp_json_str(&j, "a_port", l->pa);
			fp_json_str(&j, "b", t->nodes[l->b].name);
			fp_json_str(&j, "b_port", l->pb);
		}
		if (f[i].host >= 0)
			fp_json_str(&j, "host", t->nodes[f[i].host].name);
		fp_json_num(&j, "value", f[i].value);
		fp_json_end(&j);
	}
	fp_json_end(&j);
	fp_json_end(&j);
	return fp_afile_commit(&a);
}

/* Random faults on switch-to-switch links (the cables between tiers), and random hosts. */
static int random_faults(const struct fp_topo *t, struct sim_cfg *c, uint64_t *st,
			 struct fp_fault *f, unsigned *n, char *err, size_t el)
{
	double lo, hi;
	unsigned *fab = malloc(sizeof(*fab) * (t->nlinks ? t->nlinks : 1)), nfab = 0;
	int *hosts = malloc(sizeof(int) * (t->nnodes ? t->nnodes : 1)), nh;

	if (!fab || !hosts || sscanf(c->random_range, "%lf:%lf", &lo, &hi) != 2 ||
	    !(lo >= 0 && hi <= 1 && lo <= hi)) {
		snprintf(err, el, "--fault-range '%s' is not LO:HI within 0..1", c->random_range);
		free(fab);
		free(hosts);
		return -EINVAL;
	}
	for (unsigned i = 0; i < t->nlinks; i++)
		if (t->nodes[t->links[i].a].kind == FP_SWITCH &&
		    t->nodes[t->links[i].b].kind == FP_SWITCH)
			fab[nfab++] = i;
	nh = (int)fp_topo_hosts(t, hosts, t->nnodes);
	for (int64_t k = 0; k < c->random_faults && nfab && *n < MAXF; k++) {
		unsigned pick = (unsigned)(fp_rand_next(st) % nfab);

		f[(*n)++] = (struct fp_fault){ FP_FAULT_DEGRADE, (int)fab[pick], -1,
					       lo + (hi - lo) * (double)(fp_rand_next(st) >> 11) /
							       9007199254740992.0 };
		fab[pick] = fab[--nfab]; /* no link twice */
	}
	for (int64_t k = 0; k < c->random_hosts && nh && *n < MAXF; k++) {
		int pick = (int)(fp_rand_next(st) % (uint64_t)nh);

		f[(*n)++] = (struct fp_fault){ FP_FAULT_SLOWHOST, -1, hosts[pick],
					       lo + (hi - lo) * (double)(fp_rand_next(st) >> 11) /
							       9007199254740992.0 };
		hosts[pick] = hosts[--nh];
	}
	free(fab);
	free(hosts);
	return 0;
}

int fp_cmd_sim(int argc, char **argv)
{
	struct sim_cfg c;
	const char *pos[3];
	char err[512];
	int np = 0, status = 2, *host_of = NULL;
	struct fp_topo t;
	struct fp_sched s = { 0 };
	struct fp_router r = { 0 };
	struct fp_routes lft = { 0 };
	struct fp_sim_net net = { 0 };
	struct fp_fault faults[MAXF];
	unsigned nf = 0, *paths = NULL, *hops = NULL;
	struct fp_run_data d;
	const struct fp_pattern *p;
	double noise, rtt, nic = 0, *rate = NULL;
	uint64_t st;

	memset(&c, 0, sizeof(c));
	memset(&d, 0, sizeof(d));
	fp_topo_init(&t);
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
	if (fp_opts_parse(sim_opts, &c, argc, argv, pos, 3, &np, NULL, err, sizeof(err))) {
		fprintf(stderr, "fabprobe sim: %s\n", err);
		return 2;
	}
	if (np != 2) {
		fprintf(stderr, "fabprobe sim: TOPOLOGY PATTERN (see fabprobe sim --help)\n");
		return 2;
	}
	if (fp_parse_num(c.noise_s, 0, 1, &noise) || fp_parse_num(c.rtt_s, 1e-3, 1e9, &rtt) ||
	    (c.nic_s && fp_parse_num(c.nic_s, 1e-6, 1e6, &nic))) {
		fprintf(stderr,
			"fabprobe sim: --noise is 0..1, --rtt-us and --nic-gbps positive\n");
		return 2;
	}
	p = fp_pattern_find(pos[1]);
	if (!p) {
		fprintf(stderr, "fabprobe sim: unknown pattern '%s'\n", pos[1]);
		return 2;
	}
	if (fp_topo_load(&t, pos[0], err, sizeof(err))) {
		fprintf(stderr, "fabprobe sim: %s\n", err);
		return 2;
	}
	st = (uint64_t)c.run.seed * 0x2545f4914f6cdd1dull;
	if (fp_faults_parse(&t, c.faults, faults, MAXF, &nf, err, sizeof(err)) ||
	    random_faults(&t, &c, &st, faults, &nf, err, sizeof(err))) {
		fprintf(stderr, "fabprobe sim: %s\n", err);
		goto out;
	}
	fp_sim_apply_down(&t, faults, nf);
	host_of = malloc(sizeof(int) * (t.nnodes ? t.nnodes : 1));
	int nh = host_of ? (int)fp_topo_hosts(&t, host_of, t.nnodes) : 0;
	struct fp_pattern_opts po = { .bidir = c.run.bidir,
				      .alone = c.run.alone,
				      .rotate = c.run.rotate,
				      .rounds = (int)c.run.rounds,
				      .shift = (int)c.run.shift,
				      .root = (int)c.run.root,
				      .seed = (uint64_t)c.run.seed,
				      .groups = c.run.groups };

	if (fp_sched_build(&s, p, nh, &po, err, sizeof(err)) ||
	    fp_sched_check(&s, err, sizeof(err))) {
		fprintf(stderr, "fabprobe sim: %s\n", err);
		goto out;
	}
	if (fp_router_init(&r, &t) || fp_sim_net_init(&net, &t, faults, nf, rtt))
		goto oom;
	if (c.routes && use_routes(c.routes, &t, &lft, &r))
		goto out;
	if (nic > 0)
		for (unsigned i = 0; i < t.nlinks; i++)
			for (int dir = 0; dir < 2; dir++) {
				int from = dir ? t.links[i].b : t.links[i].a;
				int to = dir ? t.links[i].a : t.links[i].b;

				if ((t.nodes[from].kind == FP_HOST ||
				     t.nodes[to].kind == FP_HOST) &&
				    net.cap[2 * i + dir] > nic)
					net.cap[2 * i + dir] = nic;
			}
	rate = malloc(sizeof(*rate) * (s.nentries ? s.nentries : 1));
	paths = malloc(sizeof(*paths) * FP_SIM_MAXHOPS * (s.nentries ? s.nentries : 1));
	hops = malloc(sizeof(*hops) * (s.nentries ? s.nentries : 1));
	if (!rate || !paths || !hops)
		goto oom;
	for (uint32_t rd = 0; rd < s.nrounds; rd++) {
		int ret = fp_simulate_round(
			&r, &net, &s, rd, host_of, (uint64_t)c.run.seed, 1, rate + s.rstart[rd],
			paths + (size_t)s.rstart[rd] * FP_SIM_MAXHOPS, hops + s.rstart[rd]);

		if (ret == -EHOSTUNREACH) {
			fprintf(stderr,
				"fabprobe sim: round %u has a flow with no path (a link "
				"down partitions the fabric%s)\n",
				rd, c.routes ? ", or the tables route it nowhere" : "");
			goto out;
		}
		if (ret)
			goto oom;
	}
	/* measurement noise, per flow and round, the same at every size */
	for (uint32_t e = 0; e < s.nentries && noise > 0; e++) {
		double g = 1 + noise * gauss(&st);

		rate[e] *= g > 0.01 ? g : 0.01;
	}

	/* the result folder, in run's schema */
	c.run.pattern = p->name;
	c.run.engine = "sim";
	c.run.argc = argc;
	c.run.argv = argv;
	c.run.window = 1;
	d.cfg = &c.run;
	d.sched = &s;
	d.pattern = p;
	d.simulated = true;
	d.paths = paths;
	d.hops = hops;
	d.status = "complete";
	snprintf(d.clock_source, sizeof(d.clock_source), "simulated");
	{
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(d.started, sizeof(d.started), "%Y-%m-%dT%H:%M:%SZ", &tm);
		strcpy(d.finished, d.started);
		strftime(err, sizeof(err), "%Y%m%d-%H%M%S", &tm);
		snprintf(d.run_id, sizeof(d.run_id), "%.20s-%.40s-sim-n%d", err, p->name, nh);
	}
	d.hosts = calloc((size_t)nh, sizeof(*d.hosts));
	d.ident = calloc(s.nflows ? s.nflows : 1, sizeof(*d.ident));
	d.nres = c.run.sizes.n;
	d.res = calloc(d.nres, sizeof(*d.res));
	if (!d.hosts || !d.ident || !d.res)
		goto oom;
	for (int k = 0; k < nh; k++) {
		snprintf(d.hosts[k].name, sizeof(d.hosts[k].name), "%s", t.nodes[host_of[k]].name);
		snprintf(d.hosts[k].addr, sizeof(d.hosts[k].addr), "-");
	}
	for (unsigned i = 0; i < d.nres; i++) {
		struct fp_size_res *sr = &d.res[i];
		uint64_t bytes = (uint64_t)c.run.iters * c.run.sizes.v[i];

		sr->size = c.run.sizes.v[i];
		sr->done = true;
		sr->fr = calloc(s.nentries ? s.nentries : 1, sizeof(*sr->fr));
		if (!sr->fr)
			goto oom;
		if (p->measure & FP_MEASURE_LAT) {
			sr->lat = malloc(sizeof(*sr->lat));
			if (!sr->lat)
				goto oom;
			fp_hist_reset(sr->lat);
		}
		for (uint32_t e = 0; e < s.nentries; e++) {
			struct fp_fres *fr = &sr->fr[e];
			double gbps = rate[e], ns = gbps > 0 ? (double)bytes * 8 / gbps : 0;

			fr->have_tx = fr->have_rx = true;
			fr->tx_msgs = fr->rx_msgs = (uint64_t)c.run.iters;
			fr->tx_bytes = fr->rx_bytes = bytes;
			fr->tx_ns = fr->rx_ns = ns;
			fr->bw.avg = fr->bw.min = fr->bw.peak = gbps * 1e9 / 8;
			if (p->measure & FP_MEASURE_LAT &&
			    s.flows[s.rflows[e]].src < s.flows[s.rflows[e]].dst) {
				/* one microsecond per hop plus serialisation, both ways */
				double rtt_ns = 2 * (hops[e] * 1000.0 +
						     (gbps > 0 ? sr->size * 8 / gbps : 0));

				fr->have_lat = true;
				fr->lat_msgs = (uint64_t)c.run.iters;
				fr->rtt = (struct fp_lat_stats){ .count = (uint64_t)c.run.iters,
								 .min = rtt_ns,
								 .mean = rtt_ns,
								 .p50 = rtt_ns,
								 .p90 = rtt_ns,
								 .p99 = rtt_ns,
								 .p999 = rtt_ns,
								 .p9999 = rtt_ns,
								 .max = rtt_ns };
				for (int64_t k = 0; k < c.run.iters && k < 1000; k++)
					fp_hist_add(sr->lat, (uint64_t)rtt_ns);
			}
		}
	}
	for (uint32_t f = 0; f < s.nflows; f++) {
		snprintf(d.ident[f].proto, sizeof(d.ident[f].proto), "sim");
		snprintf(d.ident[f].src_ip, sizeof(d.ident[f].src_ip), "%.47s",
			 t.nodes[host_of[s.flows[f].src]].name);
		snprintf(d.ident[f].dst_ip, sizeof(d.ident[f].dst_ip), "%.47s",
			 t.nodes[host_of[s.flows[f].dst]].name);
	}
	if (c.run.output)
		snprintf(d.dir, sizeof(d.dir), "%s", c.run.output);
	else {
		mkdir(c.run.results_dir, 0755);
		snprintf(d.dir, sizeof(d.dir), "%s/%s", c.run.results_dir, d.run_id);
	}
	if (mkdir(d.dir, 0755)) {
		fprintf(stderr, "fabprobe sim: cannot create %s: %s%s\n", d.dir, strerror(errno),
			errno == EEXIST ? " (never overwritten)" : "");
		goto out;
	}
	if (write_truth(d.dir, &t, faults, nf, noise) || fp_results_write(&d)) {
		fprintf(stderr, "fabprobe sim: cannot write %s\n", d.dir);
		status = 1;
		goto out;
	}
	if (!c.run.quiet) {
		fp_results_text_header(&d, stdout);
		for (unsigned i = 0; i < d.nres; i++)
			fp_results_text_row(&d, &d.res[i], stdout);
		fp_results_text_footer(&d, stdout);
		fprintf(stderr, "fabprobe: simulated results in %s\n", d.dir);
	}
	status = 0;
	goto out;
oom:
	fprintf(stderr, "fabprobe sim: out of memory\n");
	status = 1;
out:
	for (unsigned i = 0; d.res && i < d.nres; i++) {
		free(d.res[i].fr);
		free(d.res[i].lat);
	}
	free(d.res);
	free(d.hosts);
	free(d.ident);
	free(rate);
	free(paths);
	free(hops);
	free(host_of);
	fp_sim_net_destroy(&net);
	fp_router_destroy(&r);
	fp_routes_destroy(&lft);
	fp_sched_destroy(&s);
	fp_topo_destroy(&t);
	return status;
}
