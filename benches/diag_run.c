// SPDX-License-Identifier: MIT
/*
 * The real runner as the diagnosis's executor (issue 22): one rendezvous, one set of
 * connections, a schedule per step from rank 0. The data plane is the runner's own
 * (run_setup.c to meet and connect, run_timed.c's timed loop for each round); this file
 * only builds the connection set, traces it, and carries the steps.
 *
 * Connections: K per ordered pair of ranks, connection (a, b, k) is flow
 * (a * (n - 1) + (b < a ? b : b - 1)) * K + k. Their source ports differ, so ECMP spreads
 * them; each source traces its own once (probe.h, as `fabprobe trace` does) and rank 0 maps
 * the hops onto the topology. A step's flow then runs on a connection of its pair whose
 * traced path is the one the planner wanted, else on any free one, and the loop is told
 * the path it really took.
 *
 * A schedule on the wire (rank 0's blob of an allgather, checked by every rank):
 *   u32 rounds, u64 duration_ns, then per round u32 count and count u32 connection ids.
 * Zero rounds: the diagnosis is over.
 */
#include "diag_run.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/err.h"
#include "../core/file.h"
#include "../core/wire.h"
#include "../fabric/model/hopmap.h"
#include "../fabric/runtime/probe.h"
#include "diag_priv.h"

#define TRACE_TTL   12
#define TRACE_TRIES 2
#define TRACE_MS    300
#define SCHED_HEAD  FP_DIAG_SCHED_HEAD
#define RES_REC	    20 /* entry u32, bytes u64, ns f64 */
#define TR_HEAD	    FP_DIAG_TRACE_HEAD
_Static_assert(FP_PROBE_MAXTTL <= FP_DIAG_MAX_HOPS, "a trace record holds every hop");

static void on_signal(int sig)
{
	(void)sig;
	fp_stop = 1;
}

uint32_t fp_diag_conn(const struct fp_drun *x, int a, int b, unsigned k)
{
	int n = x->rk.size;

	return (uint32_t)(((unsigned)a * (unsigned)(n - 1) + (unsigned)(b < a ? b : b - 1)) * x->k +
			  k);
}

/* every ordered pair K times, in connection-id order, as one round (sizes the buffers) */
static int build_sched(struct fp_sched *s, int n, unsigned k)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->n = n;
	s->measure = FP_MEASURE_BW;
	ret = fp_sched_round_begin(s, 0, -1);
	for (int a = 0; a < n && !ret; a++)
		for (int b = 0; b < n && !ret; b++)
			for (unsigned i = 0; i < k && !ret && a != b; i++)
				ret = fp_sched_add(s, a, b, false);
	return ret;
}

/* ---------- every rank: a step's rounds ---------- */

/* the schedule rank 0 sent is well formed: every rank checks before any runs it */
static int check_sched(struct fp_drun *x, const uint8_t *m, size_t len, uint32_t *rounds)
{
	if (fp_diag_sched_check(m, len, x->rk.sched.nflows, x->seen, rounds))
		return fp_say(x->rk.err, ERR_LEN, "diagnose: rank 0 sent a malformed schedule"),
		       -EBADMSG;
	return 0;
}

/* what each receiving connection of the round got, to rank 0 */
static int gather_round(struct fp_drun *x, uint64_t t0, unsigned base, uint32_t cnt)
{
	struct rank *rk = &x->rk;
	struct fp_rv_blobs all = { 0 };
	size_t o = 0;
	int ret;

	for (unsigned i = 0; i < rk->nlf; i++) {
		const struct lflow *f = &rk->lf[i];

		if (f->src)
			continue;
		fp_put_u32(rk->recbuf + o, f->entry);
		fp_put_u64(rk->recbuf + o + 4, f->n * x->size);
		fp_put_f64(rk->recbuf + o + 12, fp_clock_ns(&rk->clk, f->t_end - t0));
		o += RES_REC;
	}
	ret = fp_rv_gather(rk->rv, "diagnose: a round's results", rk->recbuf, o, &all, rk->err,
			   ERR_LEN);
	for (uint32_t r = 0; !ret && rk->rank == 0 && r < all.n; r++) {
		for (size_t p = 0; p + RES_REC <= all.len[r]; p += RES_REC) {
			const uint8_t *b = all.data + all.off[r] + p;
			uint32_t e = fp_get_u32(b);

			if (e >= cnt || rk->sched.flows[rk->sched.rflows[e]].dst != (int)r)
				continue;
			x->bytes[base + e] = fp_get_u64(b + 4);
			x->ns[base + e] = fp_get_f64(b + 12);
		}
	}
	fp_rv_blobs_free(&all);
	return ret;
}

/* one round: its connections stream for ns, as a --duration phase of the runner does */
static int run_round(struct fp_drun *x, const uint8_t *ids, uint32_t cnt, uint64_t ns,
		     unsigned base)
{
	struct rank *rk = &x->rk;
	struct fp_sched *s = &rk->sched;
	uint64_t t0 = 0;
	int ret;

	s->nrounds = 1;
	s->rstart[0] = 0;
	s->rstart[1] = cnt;
	s->nentries = cnt;
	for (uint32_t e = 0; e < cnt; e++)
		s->rflows[e] = fp_get_u32(ids + 4 * e);
	fp_run_round_flows(rk, 0, false);
	for (unsigned i = 0; i < rk->nlf; i++)
		rk->lf[i].target = DURATION_MAX_MSGS;
	rk->phase_ns = ns;
	ret = fp_rv_barrier(rk->rv, "diagnose: a round", rk->err, ERR_LEN);
	if (!ret)
		ret = fp_run_timed(rk, false, x->size, ns, false, &t0, "diagnose: a round");
	if (ret && !rk->err[0])
		fp_say(rk->err, ERR_LEN, "rank %d: a round failed: %s", rk->rank, strerror(-ret));
	return ret ? ret : gather_round(x, t0, base, cnt);
}

/*
 * The next schedule from rank 0 (mine, len on rank 0), run by every rank. *done: it was the
 * last (no rounds).
 */
int fp_diag_next(struct fp_drun *x, const uint8_t *mine, size_t len, bool *done)
{
	struct rank *rk = &x->rk;
	struct fp_rv_blobs b = { 0 };
	uint32_t rounds = 0;
	const uint8_t *m;
	size_t o = SCHED_HEAD;
	unsigned base = 0;
	int ret;

	ret = fp_rv_allgather(rk->rv, "diagnose: the next step", mine, rk->rank ? 0 : len, &b,
			      rk->err, ERR_LEN);
	if (!ret)
		ret = check_sched(x, b.data + b.off[0], b.len[0], &rounds);
	m = ret ? NULL : b.data + b.off[0];
	*done = !ret && !rounds;
	if (!ret && rounds == FP_DIAG_SCHED_LOCAL) {
		uint32_t who = fp_get_u32(m + SCHED_HEAD);

		ret = who < (uint32_t)rk->size
			      ? fp_diag_local_run(x, who, fp_get_u64(m + 4))
			      : (fp_say(rk->err, ERR_LEN,
					"diagnose: rank 0 sent a malformed schedule"),
				 -EBADMSG);
		rounds = 0;
	}
	for (uint32_t r = 0; !ret && r < rounds; r++) {
		uint32_t cnt = fp_get_u32(m + o);

		ret = run_round(x, m + o + 4, cnt, fp_get_u64(m + 4), base);
		o += 4 + 4 * (size_t)cnt;
		base += cnt;
	}
	fp_rv_blobs_free(&b);
	return ret;
}

/* ---------- every rank: trace the connections it sources ---------- */

static int probe_of(const struct fp_flow_ident *id, struct fp_probe_flow *p)
{
	memset(p, 0, sizeof(*p));
	if (!strcmp(id->proto, "tcp"))
		p->proto = FP_PROBE_TCP;
	else if (!strcmp(id->proto, "udp") || !strcmp(id->proto, "rocev2"))
		p->proto = FP_PROBE_UDP;
	else
		return -EOPNOTSUPP;
	if (inet_pton(AF_INET, id->src_ip, &p->src) != 1 ||
	    inet_pton(AF_INET, id->dst_ip, &p->dst) != 1 || !id->src_port || !id->dst_port)
		return -EOPNOTSUPP;
	p->sport = id->src_port;
	p->dport = id->dst_port;
	return 0;
}

/* one connection's trace record at b: its length */
static size_t trace_one(struct fp_drun *x, struct fp_prober *p, uint32_t c, uint8_t *b)
{
	struct fp_flow_ident id = { 0 };
	struct fp_probe_flow pf;
	struct fp_probe_path path = { 0 };
	char why[256];

	fp_put_u32(b, c);
	b[4] = 2; /* not traced */
	b[5] = 0;
	x->rk.ops.ident(x->rk.conns[c], &id);
	id.proto[sizeof(id.proto) - 1] = id.src_ip[sizeof(id.src_ip) - 1] = 0;
	id.dst_ip[sizeof(id.dst_ip) - 1] = 0;
	if (!p || probe_of(&id, &pf))
		return TR_HEAD;
	b[4] = fp_probe_trace(p, &pf, TRACE_TTL, TRACE_TRIES, TRACE_MS, &path, why, sizeof(why))
		       ? 1
		       : 0;
	for (unsigned h = 0; h < path.n && h < FP_PROBE_MAXTTL; h++)
		memcpy(b + TR_HEAD + 4 * h, &path.hop[h], 4);
	b[5] = (uint8_t)(path.n < FP_PROBE_MAXTTL ? path.n : FP_PROBE_MAXTTL);
	return TR_HEAD + 4 * (size_t)b[5];
}

/* every rank traces what it sources; rank 0 maps every record (diag_paths.c) */
int fp_diag_trace(struct fp_drun *x)
{
	struct rank *rk = &x->rk;
	const struct fp_sched *s = &rk->sched;
	struct fp_prober *p = NULL;
	struct fp_rv_blobs all = { 0 };
	unsigned nsrc = 0;
	uint8_t *buf;
	size_t o = 0;
	char why[256];
	int ret;

	for (uint32_t i = 0; i < s->nflows; i++)
		nsrc += s->flows[i].src == rk->rank;
	buf = malloc((size_t)nsrc * (TR_HEAD + 4 * FP_PROBE_MAXTTL) + 1);
	if (!buf)
		return fp_say(rk->err, ERR_LEN, "rank %d: out of memory", rk->rank), -ENOMEM;
	/* without CAP_NET_RAW nothing is traced: rank 0 says so and assumes the model's paths */
	if (fp_probe_open(&p, why, sizeof(why)))
		p = NULL;
	/*
	 * Traces are serial and a silent hop costs TRACE_TRIES x TRACE_MS per TTL: past half
	 * of --timeout the rest go untraced (assumed on the model's path), so that this rank
	 * reaches the gather below before rank 0 stops waiting for it.
	 */
	uint64_t stop_at = fp_mono_ns() + rk->cfg->timeout_ns / 2;
	unsigned done = 0;
	for (uint32_t i = 0; i < s->nflows; i++) {
		if (s->flows[i].src != rk->rank)
			continue;
		if (p && fp_mono_ns() > stop_at) {
			fprintf(stderr,
				"fabprobe diagnose: rank %d: tracing stopped at half of "
				"--timeout after %u of %u connections; the rest are "
				"assumed on the model's path\n",
				rk->rank, done, nsrc);
			fp_probe_close(p);
			p = NULL;
		}
		o += trace_one(x, p, i, buf + o);
		done++;
	}
	fp_probe_close(p);
	ret = fp_rv_gather(rk->rv, "diagnose: traced paths", buf, o, &all, rk->err, ERR_LEN);
	free(buf);
	for (uint32_t r = 0; !ret && rk->rank == 0 && r < all.n; r++)
		ret = fp_diag_paths_read(x, all.data + all.off[r], all.len[r], (int)r);
	fp_rv_blobs_free(&all);
	return ret;
}

/* ---------- set-up and the two roles ---------- */

static void clocks(struct rank *rk)
{
	const struct fp_run_cfg *cfg = rk->cfg;

	fp_clock_init(&rk->clk);
	rk->timeout_ticks = fp_clock_from_ns(&rk->clk, (double)cfg->timeout_ns);
	rk->interval_ticks = fp_clock_from_ns(&rk->clk, (double)cfg->interval_ns);
	rk->drain_ticks = fp_clock_from_ns(&rk->clk, (double)DRAIN_NS);
	rk->quiet_ticks = fp_clock_from_ns(&rk->clk, (double)QUIET_NS);
	rk->stop_at = UINT64_MAX;
}

static int alloc(struct fp_drun *x)
{
	struct rank *rk = &x->rk;
	uint32_t nf;

	if (build_sched(&rk->sched, rk->size, x->k))
		return fp_say(rk->err, ERR_LEN, "out of memory"), -ENOMEM;
	nf = rk->sched.nflows;
	x->seen = calloc(nf ? nf : 1, sizeof(*x->seen));
	if (!x->seen)
		return fp_say(rk->err, ERR_LEN, "out of memory"), -ENOMEM;
	if (rk->rank == 0) {
		rk->data = &x->data;
		if (fp_run_alloc_data(rk, &x->data) || fp_diag_lead_alloc(x))
			return fp_say(rk->err, ERR_LEN, "out of memory"), -ENOMEM;
	}
	return fp_run_alloc_rank(rk);
}

/* meet, open the engine, connect every connection once, trace them */
static int connect_all(struct fp_drun *x, const char *token, bool weak)
{
	struct rank *rk = &x->rk;
	const struct fp_run_cfg *cfg = rk->cfg;
	struct fp_rv_params rp = fp_run_rv_params(cfg, rk->rank, rk->size, token, weak);
	char bindbuf[64];
	const char *bind;
	int ret = fp_rv_open(&rp, &rk->rv, rk->err, ERR_LEN);

	if (ret)
		return ret;
	if (rk->rank == 0 && (ret = fp_diag_lead_prepare(x)))
		return ret;
	ret = cfg->bind ? fp_run_resolve_bind(cfg->bind, bindbuf, sizeof(bindbuf), rk->err) : 0;
	bind = cfg->bind ? bindbuf : fp_rv_local_ip(rk->rv);
	if (!ret)
		ret = fp_run_meet(rk, bind);
	if (!ret && rk->rank == 0)
		ret = fp_diag_map_ranks(x);
	/* the others wait for rank 0's verdict on the hosts here, not in the engine's connect */
	if (!ret)
		ret = fp_rv_barrier(rk->rv, "diagnose: ranks matched to hosts", rk->err, ERR_LEN);
	if (!ret)
		ret = fp_run_open_engine(rk, bind);
	if (!ret) {
		ret = rk->ops.connect(rk->eng, rk->sched.flows, rk->sched.nflows, rk->conns);
		if (ret && !rk->err[0])
			fp_say(rk->err, ERR_LEN, "engine %s: connect failed: %s", cfg->engine,
			       strerror(-ret));
		ret = fp_run_connect_report(rk, ret);
	}
	if (!ret)
		ret = fp_run_gather_idents(rk);
	/* each rank's port and PCIe link: the local step names a NIC slot below its best */
	if (!ret)
		ret = fp_run_gather_context(rk, bind);
	if (!ret)
		ret = fp_diag_trace(x);
	return ret;
}

/* ranks but 0: run each schedule rank 0 sends, until the last */
static int follow(struct fp_drun *x)
{
	bool done = false;
	int ret = 0;

	while (!ret && !done)
		ret = fp_diag_next(x, NULL, 0, &done);
	return ret;
}

static void teardown(struct fp_drun *x)
{
	struct rank *rk = &x->rk;

	rk->ops.close(rk->eng);
	fp_rv_close(rk->rv);
	free(rk->conns);
	free(rk->lf);
	free(rk->hist);
	free(rk->recbuf);
	free(rk->txbuf);
	free(rk->rxbuf);
	fp_run_free_data(rk->data);
	fp_diag_lead_free(x);
	free(x->seen);
	fp_sched_destroy(&rk->sched);
}

static int one_rank(struct fp_run_cfg *cfg, const struct fp_diag_run_cfg *dc, int rank, int size,
		    const char *token, bool weak)
{
	struct fp_drun *x = calloc(1, sizeof(*x));
	int ret;

	if (!x) {
		fprintf(stderr, "fabprobe diagnose: out of memory\n");
		return 1;
	}
	x->rk.cfg = cfg;
	x->rk.rank = rank;
	x->rk.size = size;
	x->dc = dc;
	x->k = dc->paths;
	x->size = (size_t)cfg->sizes.v[0];
	fp_engine_find(cfg->engine, &x->rk.ops);
	clocks(&x->rk);
	ret = alloc(x);
	if (!ret)
		ret = connect_all(x, token, weak);
	if (!ret)
		ret = rank == 0 ? fp_diag_lead(x) : follow(x);
	else if (rank == 0)
		fp_diag_lead_fail(x, ret);
	if (ret) {
		fp_rv_abort(x->rk.rv, x->rk.err);
		fprintf(stderr, "fabprobe diagnose: %s\n", x->rk.err);
	}
	ret = ret ? 1 : rank == 0 ? fp_diag_lead_status(x) : 0;
	teardown(x);
	free(x);
	return ret;
}

int fp_diag_run(struct fp_run_cfg *cfg, const struct fp_diag_run_cfg *dc)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct fp_engine_ops ops;
	char token[256], err[ERR_LEN], why[256];
	int rank, size, ret;
	bool weak;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	ret = fp_engine_find(cfg->engine, &ops);
	if (ret || ops.probe(why, sizeof(why))) {
		fprintf(stderr, "fabprobe diagnose: engine '%s' %s%s\n", cfg->engine,
			ret == -ENOSYS ? "is not built in this binary"
			: ret	       ? "is unknown"
				       : "is not usable here: ",
			ret ? "" : why);
		return 2;
	}
	if (fp_run_who_am_i(cfg, &rank, &size, err)) {
		fprintf(stderr, "fabprobe diagnose: %s\n", err);
		return 2;
	}
	if (size < 2) {
		fprintf(stderr, "fabprobe diagnose: one rank per host is needed, and at least 2 "
				"(--rank, --size and --rendezvous, or a launcher)\n");
		return 2;
	}
	weak = fp_run_job_token(cfg, token, sizeof(token));
	if (fp_rv_preflight(cfg->rendezvous, rank, size, err, sizeof(err))) {
		fprintf(stderr, "fabprobe diagnose: %s\n", err);
		return 2;
	}
	return one_rank(cfg, dc, rank, size, token, weak);
}
