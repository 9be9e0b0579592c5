// SPDX-License-Identifier: MIT
/* The diagnosis as text (the steps, then the verdict) and as diagnosis.json. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/err.h"
#include "../core/json.h"
#include "diagnose.h"

#define FP_DIAG_SCHEMA 1

static const char *local_names[] = { "host", "nic", "cable" };

/* what the local step showed: " (its loopback at 48% of h0's)" */
static void local_text(const struct fp_diagnosis *d, const struct fp_diag_local *l, FILE *f)
{
	const char *host = d->t->nodes[d->hs.h[l->hyp].node].name;

	if (l->v == FP_LOCAL_HOST)
		fprintf(f, "; its loopback at %.0f%% of %s's, its cable cleared", 100 * l->q,
			d->t->nodes[l->ref].name);
	else
		fprintf(f, "; %s's own loopback is healthy (%.0f%% of %s's)%s%s", host, 100 * l->q,
			d->t->nodes[l->ref].name, l->v == FP_LOCAL_NIC ? ", its NIC at " : "",
			l->v == FP_LOCAL_NIC ? l->m.nic : "");
}

static void local_steps_text(const struct fp_diagnosis *d, unsigned k, FILE *f)
{
	char name[256];

	for (unsigned i = 0; i < d->nlocal; i++) {
		const struct fp_diag_local *l = &d->local[i];

		if (l->step != k)
			continue;
		fp_diag_verdict_name(d, l->hyp, name, sizeof(name));
		fprintf(f, "         loopback  %s %.3g Gb/s, %s %.3g Gb/s: %.0f%% -> %s\n",
			d->t->nodes[d->hs.h[l->hyp].node].name, l->m.gbps, d->t->nodes[l->ref].name,
			l->rm.gbps, 100 * l->q, name);
	}
}

void fp_diagnosis_text(const struct fp_diagnosis *d, FILE *f)
{
	char name[256];

	for (unsigned k = 0; k < d->nsteps; k++) {
		const struct fp_diag_step *s = &d->steps[k];

		fprintf(f, "step %u %-6s %5u flows %4u rounds x%g  %s\n", k,
			fp_diag_kind_name(s->kind), s->flows, s->rounds, s->duration, s->why);
		for (unsigned i = 0; i < d->hs.n; i++) {
			const struct fp_hyp *h = &d->hs.h[i];

			fp_hyp_name(d->t, h, name, sizeof(name));
			if (h->opened == k)
				fprintf(f, "         suspect   %s\n", name);
			if (h->state != FP_HYP_OPEN && h->closed == k)
				fprintf(f, "         %-9s %s: %u of %u probes bad, median %.2f\n",
					h->state == FP_HYP_CONFIRMED ? "ruled in" : "ruled out",
					name, h->bad, h->probes, h->q_median);
		}
		local_steps_text(d, k, f);
	}
	if (d->incomplete)
		fprintf(f, "incomplete: %s\n", d->error);
	else
		fprintf(f, "stopped: %s\n", d->stop);
	fprintf(f, "traffic: %llu bytes in %u steps, %.1f%% of every pair once%s\n",
		(unsigned long long)d->bytes, d->nsteps,
		d->full_bytes ? 100.0 * (double)d->bytes / (double)d->full_bytes : 0,
		d->full_measured ? " (at the screen's median flow)" : "");
	if (d->clean)
		fprintf(f, "verdict: clean\n");
	for (unsigned i = 0; i < d->hs.n; i++) {
		const struct fp_hyp *h = &d->hs.h[i];

		fp_diag_verdict_name(d, i, name, sizeof(name));
		if (h->state == FP_HYP_CONFIRMED) {
			fprintf(f, "verdict: faulty %s, at %.0f%% of its predicted rate", name,
				100 * h->q_median);
			if (fp_diag_local_of(d, i))
				local_text(d, fp_diag_local_of(d, i), f);
			fputc('\n', f);
		} else if (h->state == FP_HYP_OPEN)
			fprintf(f, "verdict: ambiguous %s (%u of %u probes bad)\n", name, h->bad,
				h->probes);
	}
}

static void steps_json(struct fp_json *j, const struct fp_diagnosis *d)
{
	char name[256];

	fp_json_arr(j, "steps");
	for (unsigned k = 0; k < d->nsteps; k++) {
		const struct fp_diag_step *s = &d->steps[k];

		fp_json_obj(j, NULL);
		fp_json_u64(j, "step", k);
		fp_json_str(j, "kind", fp_diag_kind_name(s->kind));
		fp_json_str(j, "why", s->why);
		fp_json_u64(j, "flows", s->flows);
		fp_json_u64(j, "rounds", s->rounds);
		fp_json_num(j, "duration", s->duration);
		fp_json_u64(j, "bytes", s->bytes);
		fp_json_num(j, "sigma", s->sigma);
		fp_json_u64(j, "suspects", s->suspects);
		for (int st = 0; st < 3; st++) {
			fp_json_arr(j, st == 0 ? "raised" : st == 1 ? "ruled_in" : "ruled_out");
			for (unsigned i = 0; i < d->hs.n; i++) {
				const struct fp_hyp *h = &d->hs.h[i];
				bool on = st == 0 ? h->opened == k
						  : h->closed == k &&
							    h->state == (st == 1 ? FP_HYP_CONFIRMED
										 : FP_HYP_CLEARED);

				if (on) {
					fp_hyp_name(d->t, h, name, sizeof(name));
					fp_json_str(j, NULL, name);
				}
			}
			fp_json_end(j);
		}
		fp_json_end(j);
	}
	fp_json_end(j);
}

/* the local step's probes: each suspect host's loopback against a healthy host's */
static void local_json(struct fp_json *j, const struct fp_diagnosis *d)
{
	fp_json_arr(j, "local");
	for (unsigned i = 0; i < d->nlocal; i++) {
		const struct fp_diag_local *l = &d->local[i];

		fp_json_obj(j, NULL);
		fp_json_u64(j, "step", l->step);
		fp_json_u64(j, "hypothesis", l->hyp);
		fp_json_str(j, "host", d->t->nodes[d->hs.h[l->hyp].node].name);
		fp_json_num(j, "gbps", l->m.gbps);
		fp_json_str(j, "reference", d->t->nodes[l->ref].name);
		fp_json_num(j, "reference_gbps", l->rm.gbps);
		fp_json_num(j, "q_local", l->q);
		fp_json_str(j, "nic", l->m.nic);
		fp_json_str(j, "names", local_names[l->v]);
		fp_json_end(j);
	}
	fp_json_end(j);
}

static void hyps_json(struct fp_json *j, const struct fp_diagnosis *d)
{
	char name[256];

	fp_json_arr(j, "hypotheses");
	for (unsigned i = 0; i < d->hs.n; i++) {
		const struct fp_hyp *h = &d->hs.h[i];

		fp_hyp_name(d->t, h, name, sizeof(name));
		fp_json_obj(j, NULL);
		fp_json_str(j, "name", name);
		fp_json_str(j, "kind", h->host ? "host" : "link");
		if (h->host)
			fp_json_str(j, "host", d->t->nodes[h->node].name);
		fp_json_u64(j, "link", (uint64_t)h->link);
		fp_json_str(j, "state", fp_hyp_state_name(h->state));
		fp_json_u64(j, "opened", h->opened);
		if (h->state != FP_HYP_OPEN)
			fp_json_u64(j, "closed", h->closed);
		else
			fp_json_null(j, "closed");
		fp_json_u64(j, "probes", h->probes);
		fp_json_u64(j, "bad", h->bad);
		fp_json_num(j, "q_median", h->probes ? h->q_median : NAN);
		fp_diag_verdict_name(d, i, name, sizeof(name));
		fp_json_str(j, "verdict", name);
		if (fp_diag_local_of(d, i))
			fp_json_str(j, "names", local_names[fp_diag_local_of(d, i)->v]);
		fp_json_end(j);
	}
	fp_json_end(j);
}

void fp_diagnosis_json(const struct fp_diagnosis *d, FILE *f)
{
	struct fp_json j;

	fp_json_init(&j, f, true);
	fp_json_obj(&j, NULL);
	fp_json_u64(&j, "schema_version", FP_DIAG_SCHEMA);
	fp_json_str(&j, "topology", d->t->source);
	fp_json_u64(&j, "hosts", d->hosts);
	fp_json_str(&j, "status", d->incomplete ? "incomplete" : "complete");
	if (d->incomplete)
		fp_json_str(&j, "error", d->error);
	fp_json_str(&j, "stop", d->stop);
	fp_json_bool(&j, "clean", d->clean);
	fp_json_u64(&j, "bytes", d->bytes);
	fp_json_u64(&j, "full_pairs_bytes", d->full_bytes);
	/* measured: the screen's median flow per pair; flow_bytes: --flow-bytes per pair */
	fp_json_str(&j, "full_pairs_basis", d->full_measured ? "measured" : "flow_bytes");
	steps_json(&j, d);
	hyps_json(&j, d);
	local_json(&j, d);
	fp_json_end(&j);
	fputc('\n', f);
}

int fp_diagnosis_write(const struct fp_diagnosis *d, const char *path, char *err, size_t el)
{
	struct fp_afile a;
	int ret = fp_afile_open(&a, path);

	if (ret)
		return fp_say(err, el, "%s: cannot create: %s", path, strerror(-ret)), -EIO;
	fp_diagnosis_json(d, a.f);
	ret = fp_afile_commit(&a);
	if (ret)
		return fp_say(err, el, "%s: cannot write: %s", path, strerror(-ret)), -EIO;
	return 0;
}
