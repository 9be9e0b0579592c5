// SPDX-License-Identifier: MIT
/*
 * Flapping by rates (result_flap.c): every rank's tallies over a soak.csv's flows in one
 * pass (fp_dip_ranks) agree with the rule written out rank by rank, over every flow, on a
 * small hand-checked file and on random ones, a flow to itself included.
 */
#include <stdlib.h>
#include <string.h>

#include "../../benches/result_flap.h"
#include "t.h"

/* the rule as analyze first wrote it: for each rank, a pass over every flow */
static void reference(const struct fp_dips *d, int r, struct fp_dip_rank *k)
{
	memset(k, 0, sizeof(*k));
	for (size_t i = 0; i < d->n; i++) {
		const struct fp_dip *s = &d->d[i];

		if (s->src != r && s->dst != r) {
			k->steady += !s->flaps;
			continue;
		}
		k->touch++;
		k->dipped += s->flaps > 1;
		if (s->flaps && !k->first)
			k->first = s;
	}
}

static int same(const struct fp_dips *d, const struct fp_dip_rank *k, int nranks)
{
	for (int r = 0; r < nranks; r++) {
		struct fp_dip_rank w;

		reference(d, r, &w);
		if (memcmp(&w, &k[r], sizeof(w))) {
			fprintf(stderr,
				"rank %d: touch %u/%u dipped %u/%u steady %u/%u first %p/%p\n", r,
				k[r].touch, w.touch, k[r].dipped, w.dipped, k[r].steady, w.steady,
				(const void *)k[r].first, (const void *)w.first);
			return 0;
		}
	}
	return 1;
}

/* three passes: flows to and from rank 2 at 0 in passes 1 (0-based) and 3 of 5 */
static void test_file(void)
{
	static const char head[] = "t_start_s,t_end_s,pass,size,flow,src,dst,Gbps\n";
	static const int ends[][2] = { { 0, 1 }, { 1, 2 }, { 2, 0 }, { 3, 3 }, { 1, 0 } };
	char text[4096], err[256];
	size_t len = 0;
	struct fp_dips d;
	struct fp_dip_rank k[4];

	len += (size_t)snprintf(text + len, sizeof(text) - len, "%s", head);
	for (int p = 0; p < 5; p++)
		for (int f = 0; f < 5; f++) {
			int low = (p == 1 || p == 3) && (ends[f][0] == 2 || ends[f][1] == 2);

			len += (size_t)snprintf(text + len, sizeof(text) - len,
						"%d.0,%d.5,%d,4096,%d,%d,%d,%s\n", p, p, p, f,
						ends[f][0], ends[f][1], low ? "0.0" : "1.0");
		}
	CHECK(!fp_dip_parse("soak.csv", text, len, 4, &d, err, sizeof(err)), "parse: %s", err);
	fp_dip_ranks(&d, 4, k);
	/* rank 2: flows 1 and 2, both dipped twice; elsewhere 0, 3 and 4 never dipped */
	CHECK(k[2].touch == 2 && k[2].dipped == 2 && k[2].steady == 3 && k[2].first == &d.d[1],
	      "rank 2: touch %u dipped %u steady %u", k[2].touch, k[2].dipped, k[2].steady);
	/* rank 3: its flow to itself counts once */
	CHECK(k[3].touch == 1 && k[3].dipped == 0 && k[3].steady == 2 && !k[3].first,
	      "rank 3: touch %u dipped %u steady %u", k[3].touch, k[3].dipped, k[3].steady);
	CHECK(same(&d, k, 4), "the file: one pass agrees with rank by rank");
	fp_dips_free(&d);
}

static void test_random(void)
{
	enum { RANKS = 37, FLOWS = 2000 };
	struct fp_dip *v = calloc(FLOWS, sizeof(*v));
	struct fp_dip_rank *k = calloc(RANKS, sizeof(*k));
	unsigned seed = 7;

	for (int trial = 0; v && k && trial < 20; trial++) {
		struct fp_dips d = { .d = v, .n = (size_t)(trial * 97) % FLOWS, .cap = FLOWS };

		for (size_t i = 0; i < d.n; i++) {
			v[i].src = rand_r(&seed) % RANKS;
			v[i].dst = rand_r(&seed) % 8 ? rand_r(&seed) % RANKS : v[i].src;
			v[i].flaps = (unsigned)(rand_r(&seed) % 4);
		}
		fp_dip_ranks(&d, RANKS, k);
		CHECK(same(&d, k, RANKS), "trial %d (%zu flows): one pass agrees", trial, d.n);
	}
	CHECK(v && k, "memory");
	free(v);
	free(k);
}

int main(void)
{
	test_file();
	test_random();
	return t_done("result_flap");
}
