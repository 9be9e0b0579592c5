// SPDX-License-Identifier: MIT
/*
 * Set-up of one rank: meeting the others, flow identities, buffers and the result folder.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "../core/hist.h"
#include "../core/wire.h"
#include "../fabric/model/fabctr.h"
#include "run_priv.h"

int fp_run_allgather_cb(void *ctx, const char *what, const void *mine, size_t len,
			struct fp_rv_blobs *out)
{
	struct rank *rk = ctx;

	return fp_rv_allgather(rk->rv, what, mine, len, out, rk->err, ERR_LEN);
}

void fp_run_iso_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A digest of everything every rank must agree on; a mismatch is a launch mistake. */
static uint64_t cfg_digest(const struct fp_run_cfg *c)
{
	char buf[2048];
	uint64_t h = 0xcbf29ce484222325ull;
	int n = snprintf(buf, sizeof(buf),
			 "%s|%s|%lld|%lld|%lld|%llu|%d|%lld|%lld|%lld|%lld|%d|%d|%s", c->pattern,
			 c->engine, (long long)c->iters, (long long)c->warmup, (long long)c->window,
			 (unsigned long long)c->duration_ns, c->bidir, (long long)c->rounds,
			 (long long)c->shift, (long long)c->root, (long long)c->seed, c->rotate,
			 c->alone, c->groups ? c->groups : "");

	for (int i = 0; i < n && i < (int)sizeof(buf); i++)
		h = (h ^ (uint8_t)buf[i]) * 0x100000001b3ull;
	for (unsigned i = 0; i < c->sizes.n; i++)
		h = (h ^ c->sizes.v[i]) * 0x100000001b3ull;
	return h;
}

/*
 * Hello round: hostnames and data addresses to rank 0, which checks that all agree and tells
 * every rank the verdict: one byte, whether they all share one clock. (An allgather of the
 * blobs cost 1,024 local ranks 168 KB each to receive and authenticate.)
 */
int fp_run_meet(struct rank *rk, const char *bind)
{
	struct fp_rv_blobs all = { 0 }, verdict = { 0 };
	uint8_t blob[8 + 64 + 48 + 40] = { 0 }, same;
	char host[64] = "?";
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	int ret;

	/* one boot of one machine: every rank reads the same TSC, network namespaces or not */
	if (!f || !fgets((char *)blob + 120, 40, f))
		snprintf((char *)blob + 120, 40, "unknown-%d", rk->rank);
	if (f)
		fclose(f);
	/* a TSC not flagged invariant may differ from one CPU to the next: this rank's alone */
	rk->same_clock = rk->clk.tsc && !rk->clk.checked;
	if (rk->cfg->hostname)
		snprintf(host, sizeof(host), "%s", rk->cfg->hostname);
	else
		gethostname(host, sizeof(host) - 1);
	fp_put_u64(blob, cfg_digest(rk->cfg));
	snprintf((char *)blob + 8, 64, "%s", host);
	snprintf((char *)blob + 72, 48, "%.47s", bind);
	ret = fp_rv_gather(rk->rv, "start of the run", blob, sizeof(blob), &all, rk->err, ERR_LEN);
	if (ret)
		return ret;
	for (int r = 0; rk->rank == 0 && r < rk->size; r++) {
		const uint8_t *b = all.data + all.off[r];

		if (all.len[r] != sizeof(blob) || fp_get_u64(b) != fp_get_u64(blob)) {
			fp_say(rk->err, ERR_LEN,
			       "rank %d was started with different options (pattern, sizes, "
			       "iterations...) than rank %d",
			       r, rk->rank);
			ret = -EINVAL;
			break;
		}
		if (memcmp(b + 120, blob + 120, 40))
			rk->same_clock = false;
		if (rk->data) {
			snprintf(rk->data->hosts[r].name, sizeof(rk->data->hosts[r].name), "%.63s",
				 (const char *)b + 8);
			snprintf(rk->data->hosts[r].addr, sizeof(rk->data->hosts[r].addr), "%.47s",
				 (const char *)b + 72);
		}
	}
	fp_rv_blobs_free(&all);
	if (ret)
		return ret;
	same = rk->same_clock;
	ret = fp_rv_allgather(rk->rv, "one clock", &same, rk->rank ? 0 : 1, &verdict, rk->err,
			      ERR_LEN);
	if (!ret && verdict.len[0] != 1) {
		fp_say(rk->err, ERR_LEN, "start of the run: malformed verdict from rank 0");
		ret = -EBADMSG;
	}
	if (!ret)
		rk->same_clock = verdict.data[verdict.off[0]] != 0;
	fp_rv_blobs_free(&verdict);
	return ret;
}

/* Flow identities: each source reports its flows; rank 0 keeps them for run.json. */
int fp_run_gather_idents(struct rank *rk)
{
	const struct fp_sched *s = &rk->sched;
	struct fp_rv_blobs all = { 0 };
	size_t rec = 4 + sizeof(struct fp_flow_ident), n = 0, o = 0;
	uint8_t *buf;
	int ret;

	for (uint32_t i = 0; i < s->nflows; i++)
		n += s->flows[i].src == rk->rank;
	if (n * rec > FP_RV_MAX_BLOB) {
		/* at this scale identities go to a per-rank file instead; not yet */
		return 0;
	}
	buf = malloc(n * rec + 1);
	if (!buf)
		return -ENOMEM;
	for (uint32_t i = 0; i < s->nflows; i++) {
		struct fp_flow_ident id = { 0 };

		if (s->flows[i].src != rk->rank)
			continue;
		rk->ops.ident(rk->conns[i], &id);
		fp_put_u32(buf + o, i);
		memcpy(buf + o + 4, &id, sizeof(id));
		o += rec;
	}
	ret = fp_rv_gather(rk->rv, "flow identities", buf, o, &all, rk->err, ERR_LEN);
	free(buf);
	if (ret || !rk->data)
		return ret;
	for (uint32_t r = 0; r < all.n; r++) {
		for (uint32_t p = 0; p + rec <= all.len[r]; p += (uint32_t)rec) {
			const uint8_t *b = all.data + all.off[r] + p;
			uint32_t f = fp_get_u32(b);
			struct fp_flow_ident *id;

			if (f >= s->nflows || s->flows[f].src != (int)r)
				continue;
			id = &rk->data->ident[f];
			memcpy(id, b + 4, sizeof(*id));
			/* strings from a peer: make sure they end */
			id->proto[sizeof(id->proto) - 1] = 0;
			id->src_ip[sizeof(id->src_ip) - 1] = 0;
			id->dst_ip[sizeof(id->dst_ip) - 1] = 0;
		}
	}
	fp_rv_blobs_free(&all);
	return 0;
}

int fp_run_make_dir(struct rank *rk)
{
	struct fp_run_data *d = rk->data;
	const struct fp_run_cfg *cfg = rk->cfg;
	char stamp[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(d->run_id, sizeof(d->run_id), "%s-%s-%s-n%d", stamp, cfg->pattern, cfg->engine,
		 rk->size);
	if (cfg->output)
		snprintf(d->dir, sizeof(d->dir), "%s", cfg->output);
	else
		snprintf(d->dir, sizeof(d->dir), "%s/%s", cfg->results_dir, d->run_id);
	if (!cfg->output)
		mkdir(cfg->results_dir, 0755);
	for (int i = 1; mkdir(d->dir, 0755); i++) {
		if (errno != EEXIST || cfg->output || i > 99) {
			fp_say(rk->err, ERR_LEN, "cannot create the result folder %s: %s%s", d->dir,
			       strerror(errno),
			       errno == EEXIST ? " (an existing run is never "
						 "overwritten)"
					       : "");
			return -errno;
		}
		snprintf(d->dir, sizeof(d->dir), "%s/%s.%d", cfg->results_dir, d->run_id, i);
	}
	return 0;
}

int fp_run_alloc_rank(struct rank *rk)
{
	const struct fp_sched *s = &rk->sched;
	unsigned maxlf = 0;
	uint64_t maxsize = 1;
	/* a latency histogram, or a frame engine's one-way one */
	size_t lat = s->measure & FP_MEASURE_LAT || rk->dgram ? fp_hist_encoded_max() : 0;

	for (uint32_t r = 0; r < s->nrounds; r++) {
		unsigned n = 0;

		for (uint32_t e = s->rstart[r]; e < s->rstart[r + 1]; e++) {
			const struct fp_flow *f = &s->flows[s->rflows[e]];

			n += f->src == rk->rank || f->dst == rk->rank;
		}
		if (n > maxlf)
			maxlf = n;
	}
	for (unsigned i = 0; i < rk->cfg->sizes.n; i++)
		if (rk->cfg->sizes.v[i] > maxsize)
			maxsize = rk->cfg->sizes.v[i];
	rk->conns = calloc(s->nflows ? s->nflows : 1, sizeof(*rk->conns));
	rk->lf = calloc(maxlf ? maxlf : 1, sizeof(*rk->lf));
	rk->hist = malloc(sizeof(*rk->hist));
	rk->reclen = (size_t)(maxlf ? maxlf : 1) * REC_HEAD + lat;
	rk->recbuf = malloc(rk->reclen);
	rk->txbuf = malloc(maxsize);
	rk->rxbuf = malloc(maxsize);
	if (!rk->conns || !rk->lf || !rk->hist || !rk->recbuf || !rk->txbuf || !rk->rxbuf) {
		fp_say(rk->err, ERR_LEN, "rank %d: out of memory for %llu-byte buffers", rk->rank,
		       (unsigned long long)maxsize);
		return -ENOMEM;
	}
	/* touch the buffers now, so no page fault lands in a timed loop */
	for (uint64_t i = 0; i < maxsize; i++)
		rk->txbuf[i] = fp_payload_byte(i);
	memset(rk->rxbuf, 0, maxsize);
	fp_hist_reset(rk->hist);
	return 0;
}

/* What run.json says of the rank's clock (again if it is calibrated again). */
void fp_run_data_clock(struct fp_run_data *d, const struct fp_clock *clk)
{
	d->clock_hz = clk->hz;
	d->clock_tsc = clk->tsc;
	snprintf(d->clock_source, sizeof(d->clock_source), "%s", clk->source);
}

int fp_run_alloc_data(struct rank *rk, struct fp_run_data *d)
{
	const struct fp_sched *s = &rk->sched;
	struct utsname u;

	memset(d, 0, sizeof(*d));
	d->cfg = rk->cfg;
	d->sched = s;
	d->pattern = rk->pat;
	d->dgram = rk->dgram;
	d->status = "running";
	fp_run_data_clock(d, &rk->clk);
	d->clock_drift = NAN; /* until the run ends */
	fp_run_iso_now(d->started, sizeof(d->started));
	if (!uname(&u))
		snprintf(d->kernel, sizeof(d->kernel), "%.20s %.64s %.20s", u.sysname, u.release,
			 u.machine);
	d->hosts = calloc((size_t)rk->size, sizeof(*d->hosts));
	d->ctr = calloc((size_t)rk->size, sizeof(*d->ctr));
	d->rctx = calloc((size_t)rk->size, sizeof(*d->rctx));
	d->ident = calloc(s->nflows ? s->nflows : 1, sizeof(*d->ident));
	d->nres = rk->cfg->sizes.n;
	d->res = calloc(d->nres, sizeof(*d->res));
	if (!d->hosts || !d->ctr || !d->rctx || !d->ident || !d->res)
		return -ENOMEM;
	for (unsigned i = 0; i < d->nres; i++) {
		d->res[i].size = rk->cfg->sizes.v[i];
		d->res[i].fr = calloc(s->nentries ? s->nentries : 1, sizeof(*d->res[i].fr));
		if (!d->res[i].fr)
			return -ENOMEM;
		if (s->measure & FP_MEASURE_LAT) {
			d->res[i].lat = malloc(sizeof(*d->res[i].lat));
			if (!d->res[i].lat)
				return -ENOMEM;
			fp_hist_reset(d->res[i].lat);
		}
		if (rk->dgram && s->measure & FP_MEASURE_BW) {
			d->res[i].oneway = malloc(sizeof(*d->res[i].oneway));
			if (!d->res[i].oneway)
				return -ENOMEM;
			fp_hist_reset(d->res[i].oneway);
		}
	}
	return 0;
}

void fp_run_free_data(struct fp_run_data *d)
{
	if (!d)
		return;
	for (unsigned i = 0; d->res && i < d->nres; i++) {
		free(d->res[i].fr);
		free(d->res[i].lat);
		free(d->res[i].oneway);
	}
	free(d->res);
	free(d->hosts);
	free(d->ctr);
	free(d->rctx);
	fp_endpoints_free(d->endpoint, (size_t)d->sched->n);
	free(d->ivals);
	free(d->ident);
	free(d->failed);
	fp_run_queues_free(d->queues);
	fp_fabctr_close(d->fabric);
}

/* Every size must fit the engine: a frame engine has a smallest and a largest frame. */
int fp_run_check_sizes(struct rank *rk)
{
	size_t lo, hi;

	rk->ops.limits(rk->eng, &lo, &hi);
	for (unsigned i = 0; i < rk->cfg->sizes.n; i++) {
		uint64_t v = rk->cfg->sizes.v[i];

		if (v < lo || v > hi) {
			fp_say(rk->err, ERR_LEN,
			       "size %llu does not fit engine %s: messages are %zu to %zu bytes "
			       "here%s",
			       (unsigned long long)v, rk->cfg->engine, lo, hi,
			       !rk->dgram ? ""
			       : fp_engine_flags(&rk->ops, rk->cfg->engine_cfg) & FP_ENG_PAYLOAD
				       ? " (one packet each)"
				       : " (Ethernet frames with the FCS)");
			return -EMSGSIZE;
		}
	}
	return 0;
}
