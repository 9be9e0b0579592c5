// SPDX-License-Identifier: MIT
/*
 * fabprobe sim as a library call: faults planted, the schedule simulated round by round,
 * the rates turned into run's per-flow records, the folder and its ground truth written.
 */
#include "simjob.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../core/err.h"
#include "../core/json.h"
#include "../core/units.h"

/* a uniform double in [0, 1) from the seeded generator */
static double uniform(uint64_t *st)
{
	return (double)(fp_rand_next(st) >> 11) / 9007199254740992.0;
}

static int write_truth(const char *dir, const struct fp_topo *t, const struct fp_fault *f,
		       unsigned n, double noise)
{
	static const char *const kinds[] = { "degrade", "loss", "down", "slowhost", "blackhole" };
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
static int random_faults(struct fp_sim_job *j, const struct fp_sim_cfg *c, uint64_t *st, char *err,
			 size_t el)
{
	const struct fp_topo *t = &j->topo;
	struct fp_fault *f = j->faults;
	unsigned *n = &j->nfaults;
	double lo, hi;
	unsigned *fab = malloc(sizeof(*fab) * (t->nlinks ? t->nlinks : 1)), nfab = 0;
	int *hosts = malloc(sizeof(int) * (t->nnodes ? t->nnodes : 1)), nh;

	if (!fab || !hosts || sscanf(c->fault_range, "%lf:%lf", &lo, &hi) != 2 ||
	    !(lo >= 0 && hi <= 1 && lo <= hi)) {
		fp_say(err, el, "--fault-range '%s' is not LO:HI within 0..1", c->fault_range);
		free(fab);
		free(hosts);
		return -EINVAL;
	}
	for (unsigned i = 0; i < t->nlinks; i++)
		if (t->nodes[t->links[i].a].kind == FP_SWITCH &&
		    t->nodes[t->links[i].b].kind == FP_SWITCH)
			fab[nfab++] = i;
	nh = (int)fp_topo_hosts(t, hosts, t->nnodes);
	for (int64_t k = 0; k < c->random_faults && nfab && *n < FP_SIM_MAXFAULTS; k++) {
		unsigned pick = (unsigned)(fp_rand_next(st) % nfab);

		f[(*n)++] = (struct fp_fault){ FP_FAULT_DEGRADE, (int)fab[pick], -1,
					       lo + (hi - lo) * uniform(st) };
		fab[pick] = fab[--nfab]; /* no link twice */
	}
	for (int64_t k = 0; k < c->random_hosts && nh && *n < FP_SIM_MAXFAULTS; k++) {
		int pick = (int)(fp_rand_next(st) % (uint64_t)nh);

		f[(*n)++] = (struct fp_fault){ FP_FAULT_SLOWHOST, -1, hosts[pick],
					       lo + (hi - lo) * uniform(st) };
		hosts[pick] = hosts[--nh];
	}
	free(fab);
	free(hosts);
	return 0;
}

/* Every host link capped at the NIC rate, both directions. */
static void cap_nics(struct fp_sim_job *j, double nic)
{
	const struct fp_topo *t = &j->topo;

	for (unsigned i = 0; i < t->nlinks; i++)
		for (int dir = 0; dir < 2; dir++) {
			int from = dir ? t->links[i].b : t->links[i].a;
			int to = dir ? t->links[i].a : t->links[i].b;

			if ((t->nodes[from].kind == FP_HOST || t->nodes[to].kind == FP_HOST) &&
			    j->net.cap[2 * i + dir] > nic)
				j->net.cap[2 * i + dir] = nic;
		}
}

/* Faults, the schedule and every round's rates (with noise): j->rate, paths, hops. */
static int simulate(struct fp_sim_job *j, const struct fp_sim_cfg *c, const struct fp_pattern *p,
		    char *err, size_t el)
{
	const struct fp_run_cfg *rc = &c->run;
	struct fp_sched *s = &j->sched;
	uint64_t st = (uint64_t)rc->seed * 0x2545f4914f6cdd1dull;
	size_t ne;
	int ret;

	if (fp_faults_parse(&j->topo, c->faults, j->faults, FP_SIM_MAXFAULTS, &j->nfaults, err,
			    el) ||
	    random_faults(j, c, &st, err, el))
		return -EINVAL;
	fp_sim_apply_down(&j->topo, j->faults, j->nfaults);
	j->host_of = malloc(sizeof(int) * (j->topo.nnodes ? j->topo.nnodes : 1));
	if (!j->host_of)
		return -ENOMEM;
	j->nhosts = (int)fp_topo_hosts(&j->topo, j->host_of, j->topo.nnodes);
	struct fp_pattern_opts po = { .bidir = rc->bidir,
				      .alone = rc->alone,
				      .rotate = rc->rotate,
				      .rounds = (int)rc->rounds,
				      .shift = (int)rc->shift,
				      .root = (int)rc->root,
				      .seed = (uint64_t)rc->seed,
				      .groups = rc->groups,
				      .reverse = rc->reverse,
				      .algo = rc->algo };

	ret = fp_sched_build(s, p, j->nhosts, &po, err, el);
	if (!ret)
		ret = fp_sched_check(s, err, el);
	if (ret)
		return -EINVAL;
	if (fp_router_init(&j->router, &j->topo) ||
	    fp_sim_net_init(&j->net, &j->topo, j->faults, j->nfaults, c->rtt_us))
		return -ENOMEM;
	if (c->routes) {
		ret = fp_routes_open(&j->lft, c->routes, &j->topo, err, el);
		if (ret)
			return ret;
		fp_router_use_lft(&j->router, &j->lft);
	}
	j->net.transport = (enum fp_sim_transport)c->transport;
	if (c->nic_gbps > 0)
		cap_nics(j, c->nic_gbps);
	ne = s->nentries ? s->nentries : 1;
	j->rate = malloc(sizeof(*j->rate) * ne);
	j->paths = malloc(sizeof(*j->paths) * FP_SIM_MAXHOPS * ne);
	j->hops = malloc(sizeof(*j->hops) * ne);
	if (!j->rate || !j->paths || !j->hops)
		return -ENOMEM;
	for (uint32_t rd = 0; rd < s->nrounds; rd++) {
		ret = fp_simulate_round(&j->router, &j->net, s, rd, j->host_of, (uint64_t)rc->seed,
					1, j->rate + s->rstart[rd],
					j->paths + (size_t)s->rstart[rd] * FP_SIM_MAXHOPS,
					j->hops + s->rstart[rd]);
		if (ret == -EHOSTUNREACH)
			return fp_say(err, el,
				      "round %u has a flow with no path (a link down partitions "
				      "the fabric%s)",
				      rd, c->routes ? ", or the tables route it nowhere" : "");
		if (ret)
			return -ENOMEM;
	}
	/* measurement noise, per flow and round, the same at every size */
	for (uint32_t e = 0; e < s->nentries && c->noise > 0; e++) {
		double g = 1 + c->noise * fp_sim_gauss(&st);

		j->rate[e] *= g > 0.01 ? g : 0.01;
	}
	return 0;
}

/*
 * Datagrams (--transport udp): the frames the flow's lossy links dropped, as a DPDK or UDP
 * run counts them (sent - received), rounded up or down at random (seeded per flow).
 */
static uint64_t lost_of(const struct fp_sim_job *j, const struct fp_run_cfg *rc, uint32_t e,
			double sent, double *p)
{
	uint64_t st = ((uint64_t)rc->seed << 32) ^ (e * 0x9e3779b97f4a7c15ull);
	double x;

	*p = fp_sim_path_loss(&j->net, j->paths + (size_t)e * FP_SIM_MAXHOPS, j->hops[e]);
	x = sent * *p;
	fp_rand_next(&st);
	return (uint64_t)x +
	       ((double)(fp_rand_next(&st) >> 11) / 9007199254740992.0 < x - floor(x));
}

static void lose_frames(const struct fp_sim_job *j, const struct fp_run_cfg *rc, uint32_t e,
			struct fp_fres *fr)
{
	double p;
	uint64_t lost = lost_of(j, rc, e, (double)fr->tx_msgs, &p);

	if (lost > fr->tx_msgs)
		lost = fr->tx_msgs;
	fr->rx_msgs = fr->tx_msgs - lost;
	fr->rx_bytes = fr->tx_msgs ? fr->tx_bytes / fr->tx_msgs * fr->rx_msgs : 0;
}

/*
 * TCP (--transport tcp): what the flow's source would resend, as the sockets engine counts
 * it (retrans of segs_out): the bytes in MSS segments (1448 B, as the Mathis bound takes),
 * each lost one sent again until it arrives, so segs / (1 - p) go out.
 */
static void resend_segments(const struct fp_sim_job *j, const struct fp_run_cfg *rc, uint32_t e,
			    struct fp_fres *fr)
{
	double segs = ceil((double)fr->tx_bytes / 1448), p, sent;

	lost_of(j, rc, e, 1, &p);
	sent = p < 1 ? segs / (1 - p) : segs;
	fr->retrans = lost_of(j, rc, e, sent, &p);
	fr->segs_out = (uint64_t)segs + fr->retrans;
	fr->have_tcp = true;
}

/* entry e's path crosses a blackhole: it moves nothing */
static bool holed(const struct fp_sim_job *j, uint32_t e)
{
	return fp_sim_path_holed(&j->net, j->paths + (size_t)e * FP_SIM_MAXHOPS, j->hops[e]);
}

/*
 * One size's per-flow records from the rates: bandwidth, and latency for the pinger; the
 * rounds up to last only, and no record for a flow across a blackhole (it stalled).
 */
static int fill_size(struct fp_sim_job *j, const struct fp_run_cfg *rc, struct fp_size_res *sr,
		     uint64_t size, uint32_t last)
{
	const struct fp_sched *s = &j->sched;
	uint64_t bytes = (uint64_t)rc->iters * size;
	uint32_t end = last < s->nrounds ? s->rstart[last + 1] : s->nentries;

	sr->size = size;
	sr->done = true;
	sr->fr = calloc(s->nentries ? s->nentries : 1, sizeof(*sr->fr));
	if (!sr->fr)
		return -ENOMEM;
	if (j->d.pattern->measure & FP_MEASURE_LAT) {
		sr->lat = malloc(sizeof(*sr->lat));
		if (!sr->lat)
			return -ENOMEM;
		fp_hist_reset(sr->lat);
	}
	for (uint32_t e = 0; e < end; e++) {
		struct fp_fres *fr = &sr->fr[e];
		double gbps = j->rate[e], ns = gbps > 0 ? (double)bytes * 8 / gbps : 0;

		if (holed(j, e))
			continue;
		fr->have_tx = fr->have_rx = true;
		fr->tx_msgs = fr->rx_msgs = (uint64_t)rc->iters;
		fr->tx_bytes = fr->rx_bytes = bytes;
		fr->tx_ns = fr->rx_ns = ns;
		fr->bw.avg = fr->bw.min = fr->bw.peak = gbps * 1e9 / 8;
		if (j->d.dgram)
			lose_frames(j, rc, e, fr);
		else if (j->net.transport == FP_SIM_TCP)
			resend_segments(j, rc, e, fr);
		if (!(j->d.pattern->measure & FP_MEASURE_LAT) ||
		    s->flows[s->rflows[e]].src >= s->flows[s->rflows[e]].dst)
			continue;
		/* one microsecond per hop plus serialisation, both ways */
		double rtt_ns = 2 * (j->hops[e] * 1000.0 + (gbps > 0 ? size * 8 / gbps : 0));

		fr->have_lat = true;
		fr->lat_msgs = (uint64_t)rc->iters;
		fr->rtt = (struct fp_lat_stats){ .count = (uint64_t)rc->iters,
						 .min = rtt_ns,
						 .mean = rtt_ns,
						 .p50 = rtt_ns,
						 .p90 = rtt_ns,
						 .p99 = rtt_ns,
						 .p999 = rtt_ns,
						 .p9999 = rtt_ns,
						 .max = rtt_ns };
		for (int64_t k = 0; k < rc->iters && k < 1000; k++)
			fp_hist_add(sr->lat, (uint64_t)rtt_ns);
	}
	return 0;
}

/*
 * A blackhole stalls the flows across it as a run's would (run_failed.c): the run ends after
 * the first round that has one, at the first size, which keeps the other flows' records
 * (incomplete), and the stalled flows go into failed_flows. Returns that round, or
 * UINT32_MAX when no flow crosses a blackhole.
 */
static int64_t first_hole(struct fp_sim_job *j)
{
	const struct fp_sched *s = &j->sched;

	for (uint32_t r = 0; r < s->nrounds; r++)
		for (uint32_t e = s->rstart[r]; e < s->rstart[r + 1]; e++)
			if (holed(j, e))
				return r;
	return UINT32_MAX;
}

static int stall_holed(struct fp_sim_job *j, uint32_t r, uint64_t size)
{
	const struct fp_sched *s = &j->sched;
	struct fp_run_data *d = &j->d;
	uint32_t *slot = calloc(s->nflows + 1, sizeof(*slot));
	unsigned n = 0;
	char sz[16];

	if (!slot)
		return -ENOMEM;
	for (uint32_t e = s->rstart[r]; e < s->rstart[r + 1]; e++) {
		const struct fp_flow *fl = &s->flows[s->rflows[e]];
		struct fp_failed_flow *x;

		if (!holed(j, e) || slot[fl->id])
			continue;
		if (!(x = fp_run_add_failed(d, fl, slot))) {
			free(slot);
			return -ENOMEM;
		}
		x->stalled = true;
		x->size = size;
		x->round = r;
		snprintf(x->at, sizeof(x->at), "%s", d->started);
		snprintf(x->error, sizeof(x->error),
			 "stalled: a blackhole on its path (simulated)");
		n++;
	}
	free(slot);
	fp_size_label(size, sz, sizeof(sz));
	d->status = "failed";
	snprintf(d->error, sizeof(d->error),
		 "%u flow%s stalled in %s %s round %u/%u: a blackhole on %s path (simulated; in "
		 "failed_flows of run.json)",
		 n, n > 1 ? "s" : "",
		 j->d.pattern->measure & FP_MEASURE_BW ? "bandwidth" : "latency", sz, r + 1,
		 s->nrounds, n > 1 ? "their" : "its");
	return 0;
}

/* The run record: identity, hosts, flows and every size, in run's schema. */
static int fill_run(struct fp_sim_job *j, struct fp_sim_cfg *c, const struct fp_pattern *p)
{
	struct fp_run_data *d = &j->d;
	const struct fp_sched *s = &j->sched;
	const struct fp_topo *t = &j->topo;
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];

	c->run.pattern = p->name;
	c->run.engine = "sim";
	c->run.window = 1;
	d->cfg = &c->run;
	d->sched = s;
	d->simulated = true;
	d->dgram = c->transport == FP_SIM_UDP;
	d->paths = j->paths;
	d->hops = j->hops;
	d->status = "complete";
	snprintf(d->clock_source, sizeof(d->clock_source), "simulated");
	gmtime_r(&now, &tm);
	strftime(d->started, sizeof(d->started), "%Y-%m-%dT%H:%M:%SZ", &tm);
	strcpy(d->finished, d->started);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(d->run_id, sizeof(d->run_id), "%.20s-%.40s-sim-n%d", stamp, p->name, j->nhosts);
	d->hosts = calloc((size_t)j->nhosts, sizeof(*d->hosts));
	d->ident = calloc(s->nflows ? s->nflows : 1, sizeof(*d->ident));
	d->nres = c->run.sizes.n;
	d->res = calloc(d->nres, sizeof(*d->res));
	if (!d->hosts || !d->ident || !d->res)
		return -ENOMEM;
	for (int k = 0; k < j->nhosts; k++) {
		snprintf(d->hosts[k].name, sizeof(d->hosts[k].name), "%s",
			 t->nodes[j->host_of[k]].name);
		snprintf(d->hosts[k].addr, sizeof(d->hosts[k].addr), "-");
	}
	if (fp_sim_endpoints(t, j->host_of, j->nhosts, &d->endpoint))
		return -ENOMEM;
	int64_t hole = first_hole(j);

	for (unsigned i = 0; i < d->nres && (hole == UINT32_MAX || !i); i++)
		if (fill_size(j, &c->run, &d->res[i], c->run.sizes.v[i], (uint32_t)hole))
			return -ENOMEM;
	if (hole != UINT32_MAX) {
		d->res[0].partial = true;
		if (stall_holed(j, (uint32_t)hole, c->run.sizes.v[0]))
			return -ENOMEM;
	}
	for (uint32_t f = 0; f < s->nflows; f++) {
		snprintf(d->ident[f].proto, sizeof(d->ident[f].proto), "sim");
		snprintf(d->ident[f].src_ip, sizeof(d->ident[f].src_ip), "%.47s",
			 t->nodes[j->host_of[s->flows[f].src]].name);
		snprintf(d->ident[f].dst_ip, sizeof(d->ident[f].dst_ip), "%.47s",
			 t->nodes[j->host_of[s->flows[f].dst]].name);
	}
	return 0;
}

int fp_sim_job_run(struct fp_sim_job *j, struct fp_sim_cfg *c, const char *topology,
		   const char *pattern, char *err, size_t el)
{
	const struct fp_pattern *p = fp_pattern_find(pattern);
	struct fp_run_data *d = &j->d;
	int ret;

	memset(j, 0, sizeof(*j));
	fp_topo_init(&j->topo);
	if (!p)
		return fp_say(err, el, "unknown pattern '%s'", pattern);
	if (p->measure & FP_MEASURE_COLL)
		return fp_say(err, el, "%s: collectives are measured, not simulated", pattern);
	d->pattern = p;
	if (fp_topo_load(&j->topo, topology, err, el))
		return -EINVAL;
	ret = simulate(j, c, p, err, el);
	if (!ret)
		ret = fill_run(j, c, p);
	if (ret == -ENOMEM)
		fp_say(err, el, "out of memory");
	if (ret)
		return ret;
	if (c->run.output)
		snprintf(d->dir, sizeof(d->dir), "%s", c->run.output);
	else {
		mkdir(c->run.results_dir, 0755);
		snprintf(d->dir, sizeof(d->dir), "%s/%s", c->run.results_dir, d->run_id);
	}
	if (mkdir(d->dir, 0755)) {
		ret = -errno;
		fp_say(err, el, "cannot create %s: %s%s", d->dir, strerror(-ret),
		       ret == -EEXIST ? " (never overwritten)" : "");
		return ret == -ENOMEM || ret == -EIO ? -EACCES : ret;
	}
	if (write_truth(d->dir, &j->topo, j->faults, j->nfaults, c->noise) || fp_results_write(d)) {
		fp_say(err, el, "cannot write %s", d->dir);
		return -EIO;
	}
	return 0;
}

void fp_sim_job_free(struct fp_sim_job *j)
{
	for (unsigned i = 0; j->d.res && i < j->d.nres; i++) {
		free(j->d.res[i].fr);
		free(j->d.res[i].lat);
	}
	free(j->d.res);
	free(j->d.failed);
	free(j->d.hosts);
	fp_endpoints_free(j->d.endpoint, (size_t)j->nhosts);
	free(j->d.ident);
	free(j->rate);
	free(j->paths);
	free(j->hops);
	free(j->host_of);
	fp_sim_net_destroy(&j->net);
	fp_router_destroy(&j->router);
	fp_routes_destroy(&j->lft);
	fp_sched_destroy(&j->sched);
	fp_topo_destroy(&j->topo);
	memset(j, 0, sizeof(*j));
}
