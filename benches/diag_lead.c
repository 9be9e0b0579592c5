// SPDX-License-Identifier: MIT
/*
 * Rank 0 of a real diagnosis: which rank is which topology host, what each connection's
 * trace says its path is, the executor fp_diagnose() calls for each step (a connection per
 * flow, the schedule to every rank, the rates back), and the output.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/err.h"
#include "../core/file.h"
#include "../core/wire.h"
#include "../fabric/runtime/probe.h"
#include "diag_priv.h"

int fp_diag_lead_alloc(struct fp_drun *x)
{
	const struct fp_topo *t = x->dc->t;
	uint32_t nf = x->rk.sched.nflows;

	x->d.t = t;
	fp_hopmap_init(&x->map);
	x->node_of = calloc((size_t)x->rk.size, sizeof(*x->node_of));
	x->rank_of = malloc(sizeof(*x->rank_of) * (t->nnodes ? t->nnodes : 1));
	x->path = calloc(nf ? nf : 1, sizeof(*x->path));
	if (!x->node_of || !x->rank_of || !x->path)
		return -ENOMEM;
	for (unsigned i = 0; i < t->nnodes; i++)
		x->rank_of[i] = -1;
	return 0;
}

void fp_diag_lead_free(struct fp_drun *x)
{
	free(x->node_of);
	free(x->rank_of);
	free(x->path);
	free(x->bytes);
	free(x->ns);
	fp_hopmap_free(&x->map);
	fp_diagnosis_free(&x->d);
}

/* the hop map: the topology's host addresses, then the hops file's */
static int load_map(struct fp_drun *x)
{
	const struct fp_diag_run_cfg *dc = x->dc;
	char *text = NULL, *err = x->rk.err;
	size_t len = 0;
	int ret = fp_hopmap_add_topo(&x->map, dc->t, err, ERR_LEN);

	if (!ret && dc->hops) {
		ret = fp_read_file(dc->hops, FP_HOPMAP_MAXBYTES, &text, &len, err, ERR_LEN);
		if (!ret)
			ret = fp_hopmap_parse(&x->map, text, len, dc->hops, dc->t, err, ERR_LEN);
		free(text);
	}
	if (!ret)
		ret = fp_hopmap_seal(&x->map, err, ERR_LEN);
	return ret;
}

int fp_diag_lead_prepare(struct fp_drun *x)
{
	const char *dir = x->dc->output;
	char path[4200];
	struct stat st;

	if (dir) {
		if (mkdir(dir, 0777) && errno != EEXIST)
			return fp_say(x->rk.err, ERR_LEN, "%s: %s", dir, strerror(errno)), -errno;
		snprintf(path, sizeof(path), "%s/diagnosis.json", dir);
		if (!lstat(path, &st))
			return fp_say(x->rk.err, ERR_LEN, "%s exists: not overwritten", path),
			       -EEXIST;
		/* a killed diagnosis leaves step folders and no diagnosis.json: refused now,
		 * not at the first step's mkdir halfway through */
		snprintf(path, sizeof(path), "%s/step-0", dir);
		if (!lstat(path, &st))
			return fp_say(x->rk.err, ERR_LEN, "%s exists: not overwritten", path),
			       -EEXIST;
		x->dir_ok = true;
	}
	return load_map(x);
}

/* a peer's hostname, printable */
static void clean_name(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < len; i++)
		out[i] = in[i] > 0x20 && in[i] < 0x7f ? in[i] : '?';
	out[i] = 0;
}

int fp_diag_map_ranks(struct fp_drun *x)
{
	const struct fp_topo *t = x->dc->t;
	char name[64];

	for (int r = 0; r < x->rk.size; r++) {
		int n = fp_topo_find(t, x->data.hosts[r].name);

		clean_name(x->data.hosts[r].name, name, sizeof(name));
		if (n < 0 || t->nodes[n].kind != FP_HOST)
			return fp_say(x->rk.err, ERR_LEN,
				      "rank %d runs on '%s', which is not a host of %s "
				      "(--hostname)",
				      r, name, t->source),
			       -EINVAL;
		if (x->rank_of[n] >= 0)
			return fp_say(x->rk.err, ERR_LEN, "ranks %d and %d both run on host %s",
				      x->rank_of[n], r, name),
			       -EINVAL;
		x->rank_of[n] = r;
		x->node_of[r] = n;
	}
	for (unsigned n = 0; n < t->nnodes; n++)
		if (t->nodes[n].kind == FP_HOST && x->rank_of[n] < 0)
			return fp_say(x->rk.err, ERR_LEN,
				      "host %s of %s has no rank: diagnose runs one rank on every "
				      "host",
				      t->nodes[n].name, t->source),
			       -EINVAL;
	return 0;
}

/* the one link between nodes a and b, -1 when none or several */
static int link_between(const struct fp_topo *t, int a, int b)
{
	int found = -1;

	for (unsigned l = 0; l < t->nlinks; l++) {
		const struct fp_link *k = &t->links[l];

		if ((k->a == a && k->b == b) || (k->a == b && k->b == a)) {
			if (found >= 0)
				return -1;
			found = (int)l;
		}
	}
	return found;
}

/* connection c's hops (addresses) as a path from its source's host to its destination's */
static void map_path(struct fp_drun *x, uint32_t c, const uint8_t *hops, unsigned nh)
{
	const struct fp_topo *t = x->dc->t;
	const struct fp_flow *fl = &x->rk.sched.flows[c];
	struct fp_diag_cpath *p = &x->path[c];
	int node = x->node_of[fl->src];
	unsigned h = 0;

	for (unsigned k = 0; k < nh; k++) {
		char a[INET_ADDRSTRLEN];
		struct in_addr ia;
		const char *name;
		int next, l;

		memcpy(&ia.s_addr, hops + 4 * k, 4);
		inet_ntop(AF_INET, &ia, a, sizeof(a));
		name = fp_hopmap_find(&x->map, a);
		next = name ? fp_topo_find(t, name) : -1;
		l = next >= 0 ? link_between(t, node, next) : -1;
		if (l < 0 || h >= FP_SIM_MAXHOPS)
			return;
		p->dl[h++] = 2 * (unsigned)l + (t->links[l].a == node ? 0 : 1);
		node = next;
	}
	if (node != x->node_of[fl->dst] || !h)
		return;
	p->hops = h;
	p->known = true;
}

int fp_diag_paths_read(struct fp_drun *x, const uint8_t *b, size_t len, int r)
{
	const struct fp_sched *s = &x->rk.sched;
	struct fp_diag_trace_rec t;
	size_t o = 0;
	int ret;

	while ((ret = fp_diag_trace_next(b, len, &o, &t)) > 0) {
		if (t.conn >= s->nflows || s->flows[t.conn].src != r || x->path[t.conn].known)
			break;
		if (t.state == 0)
			map_path(x, t.conn, t.addr, t.hops);
		x->traced += x->path[t.conn].known;
		x->untraced += !x->path[t.conn].known;
	}
	if (!ret)
		return 0;
	return fp_say(x->rk.err, ERR_LEN, "diagnose: rank %d sent malformed traces", r), -EBADMSG;
}

/* ---------- the executor ---------- */

static bool same_path(const struct fp_diag_cpath *p, const unsigned *dl, unsigned h)
{
	return p->known && p->hops == h && !memcmp(p->dl, dl, sizeof(*dl) * h);
}

/* a free connection of the flow's pair on its wanted path, else any free one */
static int pick_one(struct fp_drun *x, const struct fp_diag_flow *f, uint32_t *taken,
		    uint32_t *conn, struct fp_diag_meas *m)
{
	unsigned want[FP_SIM_MAXHOPS];
	int h = fp_diag_path(x->dc->r, f, want), a = x->rank_of[f->src], b = x->rank_of[f->dst];
	uint32_t any = UINT32_MAX;

	if (h < 0)
		return h;
	for (unsigned k = 0; k < x->k; k++) {
		uint32_t c = fp_diag_conn(x, a, b, k);

		if (taken[c] == f->round + 1)
			continue;
		if (same_path(&x->path[c], want, (unsigned)h)) {
			any = c;
			break;
		}
		if (any == UINT32_MAX || (!x->path[any].known && x->path[c].known))
			any = c;
	}
	if (any == UINT32_MAX) /* more flows of one pair in a round than connections */
		return -ENOSPC;
	*conn = any;
	taken[any] = f->round + 1;
	x->steered += same_path(&x->path[any], want, (unsigned)h);
	/* the loop predicts on the path the flow took; untraced, the model's guess */
	m->hops = x->path[any].known ? x->path[any].hops : (unsigned)h;
	memcpy(m->path, x->path[any].known ? x->path[any].dl : want, sizeof(unsigned) * m->hops);
	return 0;
}

static int pick(struct fp_drun *x, const struct fp_diag_flow *f, unsigned n, unsigned nrounds,
		uint32_t *conn, struct fp_diag_meas *m)
{
	uint32_t *taken = calloc(x->rk.sched.nflows, sizeof(*taken));
	int ret = taken ? 0 : -ENOMEM;

	x->steered = 0;
	for (unsigned r = 0; r < nrounds && !ret; r++)
		for (unsigned i = 0; i < n && !ret; i++)
			if (f[i].round == r)
				ret = pick_one(x, &f[i], taken, &conn[i], &m[i]);
	x->unsteered = n - x->steered;
	free(taken);
	return ret;
}

/* the schedule (diag_run.c's format); entry[i]: flow i's place in it */
static size_t encode(const struct fp_diag_flow *f, unsigned n, unsigned nrounds,
		     const uint32_t *conn, uint64_t ns, uint8_t *msg, unsigned *entry)
{
	size_t o = 12;
	unsigned e = 0;

	fp_put_u32(msg, nrounds);
	fp_put_u64(msg + 4, ns);
	for (unsigned r = 0; r < nrounds; r++) {
		size_t at = o;
		uint32_t cnt = 0;

		o += 4;
		for (unsigned i = 0; i < n; i++) {
			if (f[i].round != r)
				continue;
			fp_put_u32(msg + o, conn[i]);
			o += 4;
			entry[i] = e + cnt++;
		}
		fp_put_u32(msg + at, cnt);
		e += cnt;
	}
	return o;
}

static int room(struct fp_drun *x, unsigned n)
{
	if (n <= x->cap)
		return 0;
	free(x->bytes);
	free(x->ns);
	x->bytes = calloc(n, sizeof(*x->bytes));
	x->ns = calloc(n, sizeof(*x->ns));
	x->cap = x->bytes && x->ns ? n : 0;
	return x->cap ? 0 : -ENOMEM;
}

/* one step on every rank, and what each flow measured */
static int run_step(struct fp_drun *x, const struct fp_diag_flow *f, unsigned n, unsigned nrounds,
		    double duration, uint32_t *conn, unsigned *entry, struct fp_diag_meas *m)
{
	uint64_t ns = (uint64_t)(duration * x->dc->dc.round_s * 1e9);
	uint8_t *msg = malloc(12 + 4 * ((size_t)nrounds + n));
	bool done;
	int ret = msg ? room(x, n) : -ENOMEM;

	if (!ret)
		ret = pick(x, f, n, nrounds, conn, m);
	if (ret == -ENOSPC)
		fp_say(x->rk.err, ERR_LEN,
		       "diagnose: a round has more flows of one pair than "
		       "--paths connections");
	if (!ret) {
		memset(x->bytes, 0, sizeof(*x->bytes) * n);
		memset(x->ns, 0, sizeof(*x->ns) * n);
		ret = fp_diag_next(x, msg, encode(f, n, nrounds, conn, ns, msg, entry), &done);
	}
	for (unsigned i = 0; i < n && !ret; i++) {
		m[i].bytes = x->bytes[entry[i]];
		m[i].gbps = x->ns[entry[i]] > 0 ? 8.0 * (double)m[i].bytes / x->ns[entry[i]] : 0;
	}
	free(msg);
	return ret;
}

static int exec(void *ctx, unsigned step, const struct fp_diag_flow *f, unsigned n,
		unsigned nrounds, double duration, struct fp_diag_meas *m, char *err, size_t el)
{
	struct fp_drun *x = ctx;
	uint32_t *conn = malloc(sizeof(*conn) * (n ? n : 1));
	unsigned *entry = malloc(sizeof(*entry) * (n ? n : 1));
	int ret = conn && entry ? 0 : -ENOMEM;

	if (ret)
		fp_say(x->rk.err, ERR_LEN, "out of memory");
	if (!ret)
		ret = run_step(x, f, n, nrounds, duration, conn, entry, m);
	if (!ret && !x->rk.cfg->quiet)
		fprintf(stderr,
			"diagnose: step %u: %u flows in %u rounds, %u on their wanted path\n", step,
			n, nrounds, x->steered);
	if (!ret && x->dir_ok)
		ret = fp_diag_step_write(x, step, f, n, conn, entry, m, duration);
	if (ret && (x->rk.fail_ret == -ECONNRESET || x->rk.fail_ret == -EPIPE ||
		    x->rk.fail_ret == -ETIMEDOUT))
		fp_run_blame(&x->rk);
	if (ret)
		fp_say(err, el, "%s", x->rk.err);
	free(conn);
	free(entry);
	return ret;
}

/* the NIC of rank r below its best PCIe link: "PCIe x8 of x16", "" when not (or unknown) */
static void nic_slot(const struct fp_drun *x, int r, char *buf, size_t len)
{
	const struct fp_rank_ctx *c = x->data.rctx ? &x->data.rctx[r] : NULL;

	buf[0] = 0;
	if (!c || !c->valid)
		return;
	if (c->pcie_width > 0 && c->pcie_max_width > c->pcie_width)
		snprintf(buf, len, "PCIe x%d of x%d", c->pcie_width, c->pcie_max_width);
	else if (c->pcie_gts > 0 && c->pcie_max_gts > c->pcie_gts)
		snprintf(buf, len, "PCIe %.1f of %.1f GT/s", c->pcie_gts, c->pcie_max_gts);
}

/* the local step's probe: node's rank streams over its own loopback, alone */
static int local(void *ctx, unsigned step, int node, double duration, struct fp_diag_loop *m,
		 char *err, size_t el)
{
	struct fp_drun *x = ctx;
	uint8_t msg[FP_DIAG_SCHED_HEAD + 4];
	int r = x->rank_of[node], ret;
	bool done;

	memset(m, 0, sizeof(*m));
	fp_put_u32(msg, FP_DIAG_SCHED_LOCAL);
	fp_put_u64(msg + 4, (uint64_t)(duration * x->dc->dc.round_s * 1e9));
	fp_put_u32(msg + 8 + 4, (uint32_t)r);
	x->loop_bytes = 0;
	x->loop_ns = 0;
	ret = fp_diag_next(x, msg, sizeof(msg), &done);
	if (!ret && !x->loop_bytes) {
		fp_say(x->rk.err, ERR_LEN, "diagnose: rank %d (%s): its loopback moved nothing", r,
		       x->dc->t->nodes[node].name);
		ret = -EIO;
	}
	if (ret)
		return fp_say(err, el, "%s", x->rk.err), ret;
	m->bytes = x->loop_bytes;
	m->gbps = x->loop_ns > 0 ? 8.0 * (double)m->bytes / x->loop_ns : 0;
	nic_slot(x, r, m->nic, sizeof(m->nic));
	if (!x->rk.cfg->quiet)
		fprintf(stderr, "diagnose: step %u: %s's loopback %.3g Gb/s\n", step,
			x->dc->t->nodes[node].name, m->gbps);
	return 0;
}

/* ---------- the diagnosis and its output ---------- */

static int finish(struct fp_drun *x)
{
	char path[4200], err[512];
	int ret = 0;

	if (x->dir_ok) {
		snprintf(path, sizeof(path), "%s/diagnosis.json", x->dc->output);
		ret = fp_diagnosis_write(&x->d, path, err, sizeof(err));
		if (ret)
			fprintf(stderr, "fabprobe diagnose: %s\n", err);
	}
	if (x->dc->format == 1)
		fp_diagnosis_json(&x->d, stdout);
	else
		fp_diagnosis_text(&x->d, stdout);
	fflush(stdout);
	return ret;
}

int fp_diag_lead(struct fp_drun *x)
{
	const struct fp_diag_run_cfg *dc = x->dc;
	struct fp_diag_cfg c = dc->dc;
	uint8_t done[12] = { 0 };
	char err[ERR_LEN];
	bool last;
	int ret;

	if (!x->rk.cfg->quiet || x->untraced)
		fprintf(stderr, "diagnose: %u of %u connections traced%s\n", x->traced,
			x->traced + x->untraced,
			x->untraced ? "; the others are assumed on the model's path for their hash"
				    : "");
	c.local = local;
	x->ran = true;
	ret = fp_diagnose(&x->d, dc->t, dc->r, &c, exec, x, err, sizeof(err));
	if (ret)
		snprintf(x->rk.err, ERR_LEN, "%s", err);
	if (!ret)
		ret = fp_diag_next(x, done, sizeof(done), &last);
	if (ret) {
		x->d.incomplete = true;
		snprintf(x->d.error, sizeof(x->d.error), "%s", x->rk.err);
	}
	if (finish(x))
		x->dir_ok = false; /* the status says the output failed */
	return ret;
}

void fp_diag_lead_fail(struct fp_drun *x, int ret)
{
	(void)ret;
	if (!x->d.t || !x->dir_ok)
		return;
	x->d.incomplete = true;
	snprintf(x->d.error, sizeof(x->d.error), "%s", x->rk.err);
	snprintf(x->d.stop, sizeof(x->d.stop), "set-up failed before the first step");
	finish(x);
}

int fp_diag_lead_status(const struct fp_drun *x)
{
	return x->dc->output && !x->dir_ok ? 1 : 0;
}
