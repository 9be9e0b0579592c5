// SPDX-License-Identifier: MIT
/*
 * A soak's series (soak.h): kept by rank 0 as they come, written as counters.csv and
 * soak.csv, and judged: a flow whose rate fell, or a port whose fault counters grew faster,
 * between the first and the last third of the run is "degraded" in run.json.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../core/csv.h"
#include "../core/json.h"
#include "../fabric/inventory/inventory.h"
#include "results.h"
#include "soak.h"

int fp_soak_init(struct fp_soak *s, int nranks)
{
	size_t n = (size_t)nranks * FP_SOAK_NAMES;

	memset(s, 0, sizeof(*s));
	s->nranks = nranks;
	s->port = calloc((size_t)nranks, sizeof(*s->port));
	s->fec = malloc((size_t)nranks);
	s->prev = calloc(n, sizeof(*s->prev));
	s->seen = calloc(n, 1);
	if (!s->port || !s->fec || !s->prev || !s->seen) {
		fp_soak_free(s);
		return -ENOMEM;
	}
	memset(s->fec, -1, (size_t)nranks);
	return 0;
}

void fp_soak_free(struct fp_soak *s)
{
	if (!s)
		return;
	free(s->port);
	free(s->fec);
	free(s->prev);
	free(s->seen);
	free(s->row);
	free(s->rate);
	memset(s, 0, sizeof(*s));
}

static int name_index(struct fp_soak *s, const char *name)
{
	for (unsigned i = 0; i < s->nnames; i++)
		if (!strcmp(s->names[i], name))
			return (int)i;
	if (s->nnames == FP_SOAK_NAMES)
		return -1; /* more distinct names than any NIC has: the rest are not kept */
	snprintf(s->names[s->nnames], sizeof(s->names[0]), "%s", name);
	return (int)s->nnames++;
}

/* Room for one more element in an array that doubles: 0 or -ENOMEM. */
static int grow(void **v, size_t n, size_t *cap, size_t elem)
{
	size_t c = *cap ? 2 * *cap : 256;
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*v, c * elem);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = c;
	return 0;
}

static int add_row(struct fp_soak *s, const struct fp_soak_row *r)
{
	if (grow((void **)&s->row, s->nrow, &s->rowcap, sizeof(*s->row)))
		return -ENOMEM;
	s->row[s->nrow++] = *r;
	return 0;
}

/* A counter name as it may appear in a CSV and a JSON key: letters, digits, _ . - only. */
static bool good_name(const char *n, size_t len)
{
	if (!len || len >= 48)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') ||
		      (n[i] >= '0' && n[i] <= '9') || n[i] == '_' || n[i] == '.' || n[i] == '-'))
			return false;
	return true;
}

int fp_soak_add_snap(struct fp_soak *s, double t, int rank, const char *blob, size_t len)
{
	const char *p = blob, *end = blob + len;
	bool first = true, got[FP_SOAK_NAMES] = { false };
	int fc = -1, fu = -1;

	if (rank < 0 || rank >= s->nranks)
		return -EBADMSG;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *eq;
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char name[48], *e;
		struct fp_soak_row r = { .t = t, .rank = (uint32_t)rank };
		int k, ret;

		eq = memchr(p, '=', ll);
		if (first) { /* the port's name */
			if (eq || !good_name(p, ll))
				return -EBADMSG;
			snprintf(s->port[rank], sizeof(s->port[0]), "%.*s", (int)ll, p);
			first = false;
		} else {
			char num[24];
			size_t nl2 = eq ? (size_t)(eq - p) : 0, vl = eq ? ll - nl2 - 1 : 0;

			if (!eq || !good_name(p, nl2) || !vl || vl >= sizeof(num))
				return -EBADMSG;
			memcpy(name, p, nl2);
			name[nl2] = 0;
			memcpy(num, eq + 1, vl);
			num[vl] = 0;
			if (num[0] < '0' || num[0] > '9')
				return -EBADMSG;
			errno = 0;
			r.value = strtoull(num, &e, 10);
			if (*e || errno == ERANGE)
				return -EBADMSG;
			k = name_index(s, name);
			if (k >= 0) {
				size_t at = (size_t)rank * FP_SOAK_NAMES + (size_t)k;

				if (got[k]) /* one value per counter and snapshot */
					return -EBADMSG;
				got[k] = true;
				fc = strcmp(name, "fec_corrected") ? fc : k;
				fu = strcmp(name, "fec_uncorrectable") ? fu : k;
				r.ctr = (uint16_t)k;
				r.delta = !s->seen[at]		   ? 0
					  : r.value >= s->prev[at] ? r.value - s->prev[at]
								   : r.value;
				s->prev[at] = r.value;
				s->seen[at] = 1;
				if ((ret = add_row(s, &r)))
					return ret;
			}
		}
		p += ll + 1;
	}
	if (!first) /* FEC is known only when both of its counters were kept */
		s->fec[rank] = fc >= 0 && fu >= 0;
	return 0;
}

int fp_soak_add_rate(struct fp_soak *s, const struct fp_soak_rate *r)
{
	if (grow((void **)&s->rate, s->nrate, &s->ratecap, sizeof(*s->rate)))
		return -ENOMEM;
	s->rate[s->nrate++] = *r;
	return 0;
}

/* A counter whose growth means trouble: errors, drops, discards, flaps, FEC, RDMA retries. */
static bool is_fault(const char *n)
{
	return fp_counter_is_fault(n) || strstr(n, "fec_uncorrectable") || strstr(n, "retrans") ||
	       strstr(n, "out_of_sequence") || strstr(n, "timeout");
}

/*
 * Thirds of a series, in one pass over rows in time order: cnt[k] samples of key k, the
 * sum of the first and the last third (samples i < cnt/3 and i >= cnt - cnt/3).
 */
struct thirds {
	unsigned *cnt, *seen;
	double *first, *last;
};

static int thirds_alloc(struct thirds *t, size_t n)
{
	t->cnt = calloc(n, sizeof(*t->cnt));
	t->seen = calloc(n, sizeof(*t->seen));
	t->first = calloc(n, sizeof(*t->first));
	t->last = calloc(n, sizeof(*t->last));
	return t->cnt && t->seen && t->first && t->last ? 0 : -ENOMEM;
}

static void thirds_free(struct thirds *t)
{
	free(t->cnt);
	free(t->seen);
	free(t->first);
	free(t->last);
}

static void thirds_add(struct thirds *t, size_t k, double v)
{
	unsigned third = t->cnt[k] / 3, i = t->seen[k]++;

	if (i < third)
		t->first[k] += v;
	if (i >= t->cnt[k] - third)
		t->last[k] += v;
}

static unsigned flows_degraded(const struct fp_soak *s, unsigned nsizes, uint32_t nflows,
			       struct fp_soak_deg *out, unsigned max)
{
	size_t n = (size_t)nsizes * nflows;
	struct thirds t = { 0 };
	unsigned nd = 0;

	if (!n || thirds_alloc(&t, n)) {
		thirds_free(&t);
		return 0;
	}
	for (size_t i = 0; i < s->nrate; i++)
		if (s->rate[i].si < nsizes && s->rate[i].flow < nflows)
			t.cnt[(size_t)s->rate[i].si * nflows + s->rate[i].flow]++;
	for (size_t i = 0; i < s->nrate; i++)
		if (s->rate[i].si < nsizes && s->rate[i].flow < nflows)
			thirds_add(&t, (size_t)s->rate[i].si * nflows + s->rate[i].flow,
				   s->rate[i].gbps);
	for (size_t i = 0; i < s->nrate; i++) {
		const struct fp_soak_rate *r = &s->rate[i];
		size_t k = (size_t)r->si * nflows + r->flow;
		unsigned third;

		if (r->si >= nsizes || r->flow >= nflows || t.cnt[k] < 3 || !t.seen[k])
			continue;
		third = t.cnt[k] / 3;
		t.seen[k] = 0; /* each key once */
		if (!(t.last[k] / third < FP_SOAK_RATE_DROP * (t.first[k] / third)))
			continue;
		if (nd < max)
			out[nd] = (struct fp_soak_deg){ .si = r->si,
							.flow = r->flow,
							.src = r->src,
							.dst = r->dst,
							.samples = t.cnt[k],
							.first = t.first[k] / third,
							.last = t.last[k] / third };
		nd++;
	}
	thirds_free(&t);
	return nd;
}

static unsigned ports_degraded(const struct fp_soak *s, struct fp_soak_deg *out, unsigned max)
{
	size_t n = (size_t)s->nranks * FP_SOAK_NAMES;
	uint8_t *based = calloc(n ? n : 1, 1);
	struct thirds t = { 0 };
	unsigned nd = 0;

	if (!n || !based || thirds_alloc(&t, n)) {
		thirds_free(&t);
		free(based);
		return 0;
	}
	/* the first snapshot of each counter is its baseline: its delta is not a rate */
	for (size_t i = 0; i < s->nrow; i++)
		t.cnt[(size_t)s->row[i].rank * FP_SOAK_NAMES + s->row[i].ctr]++;
	for (size_t k = 0; k < n; k++)
		t.cnt[k] = t.cnt[k] ? t.cnt[k] - 1 : 0;
	for (size_t i = 0; i < s->nrow; i++) {
		size_t k = (size_t)s->row[i].rank * FP_SOAK_NAMES + s->row[i].ctr;

		if (based[k]) /* after the baseline */
			thirds_add(&t, k, (double)s->row[i].delta);
		based[k] = 1;
	}
	for (size_t k = 0; k < n; k++) {
		unsigned third = t.cnt[k] / 3;

		if (t.cnt[k] < 3 || !is_fault(s->names[k % FP_SOAK_NAMES]) || t.last[k] < 1 ||
		    !(t.last[k] > FP_SOAK_ERR_RISE * t.first[k]))
			continue;
		if (nd < max)
			out[nd] = (struct fp_soak_deg){ .port = true,
							.rank = (int)(k / FP_SOAK_NAMES),
							.ctr = (uint16_t)(k % FP_SOAK_NAMES),
							.samples = t.cnt[k],
							.first = t.first[k] / third,
							.last = t.last[k] / third };
		nd++;
	}
	thirds_free(&t);
	free(based);
	return nd;
}

unsigned fp_soak_degraded(const struct fp_soak *s, unsigned nsizes, uint32_t nflows,
			  struct fp_soak_deg *out, unsigned max)
{
	unsigned nf = flows_degraded(s, nsizes, nflows, out, max);

	return nf + ports_degraded(s, out + (nf < max ? nf : max), nf < max ? max - nf : 0);
}

/* What each rank's port said about FEC over the run: the growth, or "not available". */
static void json_fec(struct fp_json *j, const struct fp_soak *s)
{
	fp_json_arr(j, "fec");
	for (int r = 0; r < s->nranks; r++) {
		uint64_t sum[2] = { 0, 0 };

		if (s->fec[r] < 0)
			continue;
		fp_json_obj(j, NULL);
		fp_json_i64(j, "rank", r);
		fp_json_str(j, "port", s->port[r]);
		if (!s->fec[r]) {
			fp_json_str(j, "fec", "not available");
			fp_json_end(j);
			continue;
		}
		for (size_t i = 0; i < s->nrow; i++) {
			const char *n = s->names[s->row[i].ctr];

			if (s->row[i].rank == (uint32_t)r && !strncmp(n, "fec_", 4))
				sum[!strcmp(n, "fec_uncorrectable")] += s->row[i].delta;
		}
		fp_json_obj(j, "fec");
		fp_json_u64(j, "corrected", sum[0]);
		fp_json_u64(j, "uncorrectable", sum[1]);
		fp_json_end(j);
		fp_json_end(j);
	}
	fp_json_end(j);
}

static void json_deg(struct fp_json *j, const struct fp_run_data *d, const struct fp_soak_deg *g)
{
	const struct fp_soak *s = d->soak;
	char rule[160];

	fp_json_obj(j, NULL);
	fp_json_str(j, "kind", g->port ? "port" : "flow");
	if (g->port) {
		fp_json_i64(j, "rank", g->rank);
		fp_json_str(j, "port", s->port[g->rank]);
		fp_json_str(j, "counter", s->names[g->ctr]);
		fp_json_u64(j, "samples", g->samples);
		fp_json_num(j, "first_third_per_snapshot", g->first);
		fp_json_num(j, "last_third_per_snapshot", g->last);
		snprintf(rule, sizeof(rule),
			 "grew more than %gx as fast in the last third of snapshots as in the "
			 "first",
			 FP_SOAK_ERR_RISE);
	} else {
		fp_json_u64(j, "size", d->res[g->si].size);
		fp_json_u64(j, "flow", g->flow);
		fp_json_i64(j, "src", g->src);
		fp_json_i64(j, "dst", g->dst);
		fp_json_u64(j, "samples", g->samples);
		fp_json_num(j, "first_third_Gbps", g->first);
		fp_json_num(j, "last_third_Gbps", g->last);
		fp_json_num(j, "ratio", g->first > 0 ? g->last / g->first : 0);
		snprintf(rule, sizeof(rule),
			 "mean rate of the last third of phases below %g%% of the first third's",
			 100 * FP_SOAK_RATE_DROP);
	}
	fp_json_str(j, "rule", rule);
	fp_json_end(j);
}

void fp_soak_json(struct fp_json *j, const struct fp_run_data *d)
{
	const struct fp_soak *s = d->soak;
	struct fp_soak_deg deg[64];
	unsigned nd;

	if (!s)
		return;
	nd = fp_soak_degraded(s, d->nres, d->sched->nflows, deg, 64);
	fp_json_obj(j, "soak");
	fp_json_bool(j, "soak", s->on);
	fp_json_u64(j, "passes", s->passes);
	fp_json_num(j, "counter_interval_s", s->counter_s);
	fp_json_str(j, "ended_by", s->ended_by);
	fp_json_u64(j, "snapshots_rows", s->nrow);
	fp_json_u64(j, "rate_rows", s->nrate);
	json_fec(j, s);
	fp_json_end(j);
	fp_json_arr(j, "degraded");
	for (unsigned i = 0; i < nd && i < 64; i++)
		json_deg(j, d, &deg[i]);
	fp_json_end(j);
}

void fp_soak_csv_counters(const struct fp_run_data *d, FILE *f)
{
	const struct fp_soak *s = d->soak;

	fprintf(f, "t_s,rank,port,counter,value,delta\n");
	for (size_t i = 0; s && i < s->nrow; i++) {
		const struct fp_soak_row *r = &s->row[i];

		fprintf(f, "%.3f,%u,", r->t, r->rank);
		fp_csv_field(f, s->port[r->rank]);
		fputc(',', f);
		fp_csv_field(f, s->names[r->ctr]);
		fprintf(f, ",%llu,%llu\n", (unsigned long long)r->value,
			(unsigned long long)r->delta);
	}
}

void fp_soak_csv_rates(const struct fp_run_data *d, FILE *f)
{
	const struct fp_soak *s = d->soak;

	fprintf(f, "t_start_s,t_end_s,pass,size,flow,src,dst,Gbps\n");
	for (size_t i = 0; s && i < s->nrate; i++) {
		const struct fp_soak_rate *r = &s->rate[i];

		fprintf(f, "%.3f,%.3f,%u,%llu,%u,%d,%d,%.6f\n", r->t0, r->t1, r->pass,
			(unsigned long long)(r->si < d->nres ? d->res[r->si].size : 0), r->flow,
			r->src, r->dst, r->gbps);
	}
}
