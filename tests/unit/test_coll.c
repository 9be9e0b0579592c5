// SPDX-License-Identifier: MIT
/*
 * Collectives (benches/coll.c): every rank's plan is run against the others' in memory, one
 * FIFO per flow, and must (1) finish without a deadlock, each message received with the
 * length it was sent with; (2) leave the reference result (fp_coll_wrong == 0); (3) move
 * exactly busbw's share: over all ranks 2(n-1) x count floats for allreduce (ring and tree),
 * (n-1) x count for allgather and reducescatter. A rank that adds wrongly (its input off by
 * one) or a corrupted result must be counted wrong: the check can fail.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../../benches/coll.h"
#include "t.h"

#define NMAX 9

struct msg {
	float *v;
	uint64_t len;
	struct msg *next;
};

struct fifo {
	struct msg *head, *tail;
};

struct sim {
	int n;
	struct fp_coll_plan plan[NMAX];
	float *in[NMAX], *out[NMAX], *tmp;
	unsigned at[NMAX][2], lane_end[NMAX][2];
	uint32_t *next[NMAX]; /* per flow: tx, rx */
	bool *done[NMAX];     /* per op */
	struct fifo *q;	      /* per flow */
	uint64_t moved;	      /* floats sent, all ranks */
	bool bad_len;
	/* back to back (run_many): per flow, messages sent, taken and credited to the
	 * sender; a sender waits while window messages are uncredited (0: never) */
	uint64_t *sent, *taken, *cred, max_unread;
	unsigned window, every;
	uint32_t nflows;
};

/* One op if it can go now: 1 done, 0 not yet. */
static int step(struct sim *m, int r, const struct fp_coll_op *op)
{
	const float *base = op->base_out ? m->out[r] : m->in[r];
	uint32_t *next;
	struct fifo *q;
	struct msg *g;

	if (op->flow == FP_COLL_LOCAL) {
		memcpy(m->out[r] + op->off, m->in[r] + op->off, op->len * sizeof(float));
		return 1;
	}
	next = &m->next[r][op->flow * 2 + !op->tx];
	q = &m->q[op->flow];
	if (*next != op->seq)
		return 0;
	if (op->tx && m->window && m->sent[op->flow] - m->cred[op->flow] >= m->window)
		return 0;
	if (op->tx) {
		if (m->sent) {
			uint64_t u = ++m->sent[op->flow] - m->taken[op->flow];

			m->max_unread = u > m->max_unread ? u : m->max_unread;
		}
		g = calloc(1, sizeof(*g));
		g->v = malloc(op->len * sizeof(float));
		memcpy(g->v, base + op->off, op->len * sizeof(float));
		g->len = op->len;
		if (q->tail)
			q->tail->next = g;
		else
			q->head = g;
		q->tail = g;
		m->moved += op->len;
	} else {
		if (!(g = q->head))
			return 0;
		q->head = g->next;
		if (!q->head)
			q->tail = NULL;
		m->bad_len |= g->len != op->len;
		for (uint64_t i = 0; i < op->len && i < g->len; i++)
			m->out[r][op->off + i] = op->sum ? base[op->off + i] + g->v[i] : g->v[i];
		free(g->v);
		free(g);
		/* the receiver's credits, every `every` messages taken */
		if (m->taken && ++m->taken[op->flow] - m->cred[op->flow] >= m->every)
			m->cred[op->flow] = m->taken[op->flow];
	}
	(*next)++;
	return 1;
}

/* Every rank's lanes, stage by stage, until all finish or nothing can move. */
static bool run_all(struct sim *m)
{
	for (bool moved = true; moved;) {
		bool left = false;

		moved = false;
		for (int r = 0; r < m->n; r++) {
			for (unsigned l = 0; l < m->plan[r].nlanes; l++) {
				const struct fp_coll_op *ops = m->plan[r].ops;
				unsigned i = m->at[r][l], j = i;

				/* a stage's ops run at once: each finished op is done for good */
				for (; j < m->lane_end[r][l] && ops[j].stage == ops[i].stage; j++)
					if (!m->done[r][j] && step(m, r, &ops[j]))
						m->done[r][j] = moved = true;
				bool all = true;

				for (unsigned k = i; k < j; k++)
					all &= m->done[r][k];
				if (all && i < j)
					m->at[r][l] = j;
				left |= m->at[r][l] < m->lane_end[r][l];
			}
		}
		if (!left)
			return true;
	}
	return false;
}

/* One rank's lanes as far as they go now: whether anything moved. */
static bool rank_go(struct sim *m, int r)
{
	bool moved = false;

	for (unsigned l = 0; l < m->plan[r].nlanes; l++) {
		const struct fp_coll_op *ops = m->plan[r].ops;
		unsigned i = m->at[r][l], j = i;
		bool all = true;

		for (; j < m->lane_end[r][l] && ops[j].stage == ops[i].stage; j++)
			if (!m->done[r][j] && step(m, r, &ops[j]))
				m->done[r][j] = moved = true;
		for (unsigned k = i; k < j; k++)
			all &= m->done[r][k];
		if (all && i < j)
			m->at[r][l] = j;
	}
	return moved;
}

/* Rank r's turn: its lanes as far as they go, then its next collective if this one ended. */
static bool rank_turn(struct sim *m, int r, unsigned *left)
{
	bool moved = left[r] && rank_go(m, r);

	if (left[r] && m->at[r][0] == m->lane_end[r][0] && m->at[r][1] == m->lane_end[r][1]) {
		moved = true;
		if (--left[r]) { /* the next collective, from its first stage */
			memset(m->done[r], 0, m->plan[r].n * sizeof(bool));
			memset(m->next[r], 0, m->nflows * 2 * sizeof(uint32_t));
			m->at[r][0] = 0;
			m->at[r][1] = m->lane_end[r][0];
		}
	}
	return moved;
}

/*
 * reps collectives back to back, as the runner times them: each rank starts its next as
 * soon as its own ends, and the ranks take turns in a random order (seed). False: stuck,
 * no rank can move and some have collectives left.
 */
static bool run_many(struct sim *m, unsigned reps, uint64_t seed)
{
	unsigned left[NMAX];

	for (int r = 0; r < m->n; r++)
		left[r] = reps;
	for (;;) {
		bool moved, end = true;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		moved = rank_turn(m, (int)((seed >> 33) % (uint64_t)m->n), left);
		for (int r = 0; !moved && r < m->n; r++)
			moved = rank_turn(m, r, left);
		for (int r = 0; r < m->n; r++)
			end &= !left[r];
		if (end || !moved)
			return end;
	}
}

static const char *const names[] = { "allreduce", "allgather", "reducescatter" };

/* Plans and buffers for count floats on n ranks; rank bad_rank's input is off by one. */
static void sim_init(struct sim *m, struct fp_sched *s, int kind, int algo, int n, uint64_t count,
		     int bad_rank)
{
	struct fp_pattern_opts o = { .algo = algo };
	char err[256] = "";
	int ret = fp_sched_build(s, fp_pattern_find(names[kind]), n, &o, err, sizeof(err));

	CHECK(!ret && !fp_sched_check(s, err, sizeof(err)), "%s n=%d: %s", names[kind], n, err);
	memset(m, 0, sizeof(*m));
	m->n = n;
	m->nflows = s->nflows;
	m->q = calloc(s->nflows, sizeof(*m->q));
	for (int r = 0; r < n; r++) {
		CHECK(!fp_coll_plan(&m->plan[r], s, kind, algo, r, count), "plan");
		m->in[r] = malloc((count + 1) * sizeof(float));
		m->out[r] = calloc(count + 1, sizeof(float));
		m->next[r] = calloc(s->nflows * 2, sizeof(uint32_t));
		m->done[r] = calloc(m->plan[r].n + 1, sizeof(bool));
		for (uint64_t i = 0; i < count; i++)
			/* the bad element lies in the bad rank's own chunk: every kind uses it */
			m->in[r][i] = fp_coll_input(r, i) +
				      (r == bad_rank && i == count * (uint64_t)r / (uint64_t)n);
		m->lane_end[r][0] = m->lane_end[r][1] = m->plan[r].n;
		m->at[r][1] = m->plan[r].n;
		for (unsigned i = 0; i < m->plan[r].n; i++)
			if (m->plan[r].ops[i].lane == 1 && m->lane_end[r][0] == m->plan[r].n)
				m->lane_end[r][0] = m->at[r][1] = i;
	}
}

/* The floats wrong on every rank; everything freed, every message taken. */
static uint64_t sim_end(struct sim *m, struct fp_sched *s, int kind, uint64_t count)
{
	uint64_t wrong = 0;

	CHECK(!m->bad_len, "%s n=%d: a message of the wrong length", names[kind], m->n);
	for (int r = 0; r < m->n; r++) {
		wrong += fp_coll_wrong(kind, m->n, r, m->out[r], count);
		fp_coll_plan_free(&m->plan[r]);
		free(m->in[r]);
		free(m->out[r]);
		free(m->next[r]);
		free(m->done[r]);
	}
	for (uint32_t f = 0; f < s->nflows; f++)
		CHECK(!m->q[f].head, "flow %u: a message nobody received", f);
	free(m->q);
	free(m->sent);
	free(m->taken);
	free(m->cred);
	fp_sched_destroy(s);
	return wrong;
}

/* One collective of count floats on n ranks; rank bad_rank's input is off by one. */
static uint64_t one(int kind, int algo, int n, uint64_t count, int bad_rank, uint64_t *wrong)
{
	struct fp_sched s;
	struct sim m;

	sim_init(&m, &s, kind, algo, n, count, bad_rank);
	CHECK(run_all(&m), "%s/%s n=%d count=%llu: deadlock", names[kind], algo ? "tree" : "ring",
	      n, (unsigned long long)count);
	*wrong = sim_end(&m, &s, kind, count);
	return m.moved;
}

/*
 * The slots an engine that paces its own flows gets for a collective (runner.c: P messages
 * a flow per collective, fp_coll_flow_msgs; 2P + P/2 slots, a credit back every fifth):
 * run free, no flow ever holds more than 2P untaken, whatever order the ranks go in; with
 * those slots and batched credits, back-to-back collectives still end, every float right.
 */
static void paced(int kind, int algo, int n, uint64_t count, uint64_t seed)
{
	unsigned per = fp_coll_flow_msgs(kind, algo, n), reps = 4;
	struct fp_sched s;
	struct sim m;

	for (int bounded = 0; bounded < 2; bounded++) {
		sim_init(&m, &s, kind, algo, n, count, -1);
		m.sent = calloc(s.nflows, sizeof(uint64_t));
		m.taken = calloc(s.nflows, sizeof(uint64_t));
		m.cred = calloc(s.nflows, sizeof(uint64_t));
		m.every = 1;
		if (bounded) {
			m.window = 2 * per + (per / 2 ? per / 2 : 1);
			m.every = m.window / 5 ? m.window / 5 : 1;
		}
		CHECK(run_many(&m, reps, seed), "%s/%s n=%d count=%llu, %u slots: stuck",
		      names[kind], algo ? "tree" : "ring", n, (unsigned long long)count, m.window);
		CHECK(bounded || m.max_unread <= 2 * per,
		      "%s/%s n=%d count=%llu: %llu untaken on a flow, over 2 x %u", names[kind],
		      algo ? "tree" : "ring", n, (unsigned long long)count,
		      (unsigned long long)m.max_unread, per);
		for (uint32_t f = 0; f < s.nflows; f++)
			CHECK(m.sent[f] == m.taken[f], "flow %u: sent %llu, taken %llu", f,
			      (unsigned long long)m.sent[f], (unsigned long long)m.taken[f]);
		CHECK(!sim_end(&m, &s, kind, count), "%s n=%d back to back: wrong floats",
		      names[kind], n);
	}
}

int main(void)
{
	static const uint64_t counts[] = { 1, 7, 64, 1001 };

	for (int n = 2; n <= NMAX; n++) {
		for (int kind = 0; kind < 3; kind++) {
			for (int algo = 0; algo < (kind == FP_COLL_ALLREDUCE ? 2 : 1); algo++) {
				for (unsigned c = 0; c < 4; c++) {
					uint64_t count = counts[c], wrong, moved;
					uint64_t want =
						(uint64_t)(fp_coll_bus_factor(kind, n) * n + 0.5) *
						count;

					moved = one(kind, algo, n, count, -1, &wrong);
					CHECK(!wrong, "kind %d algo %d n=%d count=%llu: %llu wrong",
					      kind, algo, n, (unsigned long long)count,
					      (unsigned long long)wrong);
					CHECK(moved == want,
					      "kind %d algo %d n=%d count=%llu: moved %llu floats, "
					      "want %llu",
					      kind, algo, n, (unsigned long long)count,
					      (unsigned long long)moved, (unsigned long long)want);
					/* rank n-1 adds a wrong input: some rank's result is wrong */
					one(kind, algo, n, count, n - 1, &wrong);
					CHECK(wrong > 0,
					      "kind %d algo %d n=%d: a wrong input passed", kind,
					      algo, n);
				}
			}
		}
	}
	for (int n = 2; n <= NMAX; n++)
		for (int kind = 0; kind < 3; kind++)
			for (int algo = 0; algo < (kind == FP_COLL_ALLREDUCE ? 2 : 1); algo++)
				for (uint64_t seed = 1; seed <= 20; seed++)
					paced(kind, algo, n, seed % 2 ? 1001 : 7, seed);
	/* --check's bound: every sum stays below 2^24, so exact in float, up to the rank count
	 * fp_coll_checkable allows (all that the rendezvous takes, 65536), not one past it */
	CHECK(fp_coll_checkable(65536) && fp_coll_checkable(74898), "65536 and 74898 ranks");
	CHECK(!fp_coll_checkable(74899) && 74899LL * FP_COLL_INPUT_MAX >= 1 << 24, "74899 ranks");
	for (int k = 0; k < 2; k++) {
		int n = k ? 74898 : 65536;
		uint64_t count = 2 * (uint64_t)n;
		float *big = malloc(count * sizeof(float));
		int64_t max = 0;

		/* allreduce in float, ring order: each partial sum exact */
		for (uint64_t i = 0; i < 7; i++) {
			big[i] = 0;
			for (int r = 0; r < n; r++) {
				big[i] += fp_coll_input(r, i);
				max = fp_coll_input(r, i) > max ? (int64_t)fp_coll_input(r, i)
								: max;
			}
		}
		CHECK(max <= FP_COLL_INPUT_MAX, "an input above FP_COLL_INPUT_MAX: %lld",
		      (long long)max);
		CHECK(fp_coll_wrong(FP_COLL_ALLREDUCE, n, 0, big, 7) == 0,
		      "n=%d: an exact float sum counted wrong", n);
		/* allgather, two floats a rank: linear in count + n, not count x n */
		for (uint64_t i = 0; i < count; i++)
			big[i] = fp_coll_input((int)(i / 2), i);
		CHECK(fp_coll_wrong(FP_COLL_ALLGATHER, n, 0, big, count) == 0, "allgather n=%d", n);
		big[count - 1] += 1;
		CHECK(fp_coll_wrong(FP_COLL_ALLGATHER, n, 0, big, count) == 1,
		      "allgather n=%d: one wrong float", n);
		free(big);
	}
	/* a corrupted result is counted, element by element */
	float out[8];

	for (int i = 0; i < 8; i++)
		out[i] = 3 * (float)(i % 7 + 1); /* n = 2: the sum of 1x and 2x */
	CHECK(fp_coll_wrong(FP_COLL_ALLREDUCE, 2, 0, out, 8) == 0, "the right sum");
	out[5] += 0.5f;
	CHECK(fp_coll_wrong(FP_COLL_ALLREDUCE, 2, 0, out, 8) == 1, "one wrong float");
	return t_done("coll");
}
