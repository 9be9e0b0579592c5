// SPDX-License-Identifier: MIT
/*
 * Soak and burn-in: --soak repeats the pattern until --duration is spent, --forever until
 * SIGINT or SIGTERM. Each timed phase lasts one --counter-interval; between phases every
 * rank snapshots its port's counters (fabric/inventory/portsnap.c) and rank 0 keeps them
 * with each flow's rate (soak.h), and says whether and how long the next phase runs.
 *
 * A soak blocks SIGINT and SIGTERM instead of stopping mid-phase: rank 0 finds them pending
 * between phases, so a Ctrl-C ends the run at an interval's end with every rank still in
 * step, the counters gathered and the results whole (soak.ended_by = "signal").
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/wire.h"
#include "../fabric/inventory/fec.h"
#include "run_priv.h"
#include "soak.h"

#define SEC		 1000000000ull
#define SOAK_DEFAULT_CTR (10 * SEC)
#define CTR_MIN		 (100 * 1000000ull) /* shortest --counter-interval */
#define PHASE_MIN	 (50 * 1000000ull)  /* a soak's remainder below this is not run */

bool fp_run_soaking(const struct fp_run_cfg *cfg)
{
	return cfg->soak || cfg->forever;
}

/* Preflight: the soak options against each other. 0, or 2 with one line on stderr. */
int fp_run_soak_check(struct fp_run_cfg *cfg)
{
	const char *why = NULL;

	if (cfg->soak && cfg->forever)
		why = "--soak and --forever: give one (--forever has no --duration)";
	else if (cfg->forever && cfg->duration_ns)
		why = "--forever runs until a signal: drop --duration, or use --soak";
	else if (cfg->soak && !cfg->duration_ns)
		why = "--soak needs --duration, the whole run's length (e.g. 8h)";
	else if (!cfg->soak && cfg->duration_ns > 3600 * SEC)
		why = "--duration over 1h is per size and round: add --soak for one long run";
	else if (fp_run_soaking(cfg) && cfg->rfc2544)
		why = "--rfc2544 searches a rate; it does not repeat: drop --soak/--forever";
	else if (cfg->counter_ns && cfg->counter_ns < CTR_MIN)
		why = "--counter-interval below 100ms: counters would cost more than they tell";
	if (why) {
		fprintf(stderr, "fabprobe: %s\n", why);
		return 2;
	}
	if (fp_run_soaking(cfg) && !cfg->counter_ns)
		cfg->counter_ns = SOAK_DEFAULT_CTR;
	return 0;
}

int fp_run_soak_alloc(struct rank *rk)
{
	const struct fp_run_cfg *cfg = rk->cfg;
	struct fp_soak *s;

	rk->phase_ns = cfg->duration_ns;
	if (!rk->data || (!fp_run_soaking(cfg) && !cfg->counter_ns))
		return 0;
	s = malloc(sizeof(*s));
	if (!s || fp_soak_init(s, rk->size)) {
		free(s);
		return -ENOMEM;
	}
	s->on = fp_run_soaking(cfg);
	s->counter_s = (double)cfg->counter_ns / 1e9;
	rk->data->soak = s;
	return 0;
}

/* This rank's snapshot: its port's name, then name=value lines; empty without a port. */
static size_t snap_blob(const struct rank *rk, char *blob, size_t len)
{
	struct fp_snap *sn = malloc(sizeof(*sn));
	size_t o = 0;

	if (!sn || !rk->snap_port[0] || fp_snap_read("", rk->snap_port, sn)) {
		free(sn);
		return 0;
	}
	o = (size_t)snprintf(blob, len, "%s\n", rk->snap_port);
	for (unsigned i = 0; i < sn->n && o + 80 < len; i++)
		o += (size_t)snprintf(blob + o, len - o, "%s=%llu\n", sn->name[i],
				      (unsigned long long)sn->value[i]);
	free(sn);
	return o;
}

/* Rank 0: stop for a pending SIGINT/SIGTERM (taken), or a spent --duration; else go on. */
static bool decide(struct rank *rk, uint64_t now, uint64_t *limit)
{
	struct fp_soak *s = rk->data->soak;
	const struct timespec zero = { 0, 0 };
	uint64_t el = (uint64_t)fp_clock_ns(&rk->clk, now - rk->soak_t0);
	sigset_t set, pend;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (!sigpending(&pend) && (sigismember(&pend, SIGINT) || sigismember(&pend, SIGTERM))) {
		sigtimedwait(&set, NULL, &zero);
		s->ended_by = "signal";
		return false;
	}
	*limit = rk->cfg->counter_ns;
	if (rk->cfg->forever)
		return true;
	if (el + PHASE_MIN >= rk->cfg->duration_ns) {
		s->ended_by = "duration";
		return false;
	}
	if (rk->cfg->duration_ns - el < *limit)
		*limit = rk->cfg->duration_ns - el;
	return true;
}

/*
 * Between phases: counters to rank 0 (kept when an interval passed), then, in a soak, rank
 * 0's word on the next phase to everyone. *go: false when the soak is over.
 */
int fp_run_soak_tick(struct rank *rk, bool *go)
{
	const struct fp_run_cfg *cfg = rk->cfg;
	struct fp_rv_blobs all = { 0 };
	char *blob = malloc(16384);
	uint8_t word[9] = { 1 };
	uint64_t now, limit = 0;
	size_t len;
	int ret = 0;

	*go = true;
	if (!blob)
		return -ENOMEM;
	if (cfg->counter_ns) {
		len = snap_blob(rk, blob, 16384);
		ret = fp_rv_gather(rk->rv, "soak counters", blob, len, &all, rk->err, ERR_LEN);
	}
	free(blob);
	now = fp_clock_ticks(&rk->clk);
	if (!ret && rk->data && cfg->counter_ns &&
	    (!rk->soak_last || fp_run_soaking(cfg) ||
	     fp_clock_ns(&rk->clk, now - rk->soak_last) >= 0.9 * (double)cfg->counter_ns)) {
		double t = fp_clock_ns(&rk->clk, now - rk->soak_t0) / 1e9;

		for (uint32_t r = 0; !ret && r < all.n && (int)r < rk->size; r++)
			if (all.len[r] &&
			    (ret = fp_soak_add_snap(rk->data->soak, t, (int)r,
						    (const char *)all.data + all.off[r],
						    all.len[r])) == -EBADMSG)
				fp_say(rk->err, ERR_LEN, "rank %u sent malformed counters", r);
		rk->soak_last = now;
	}
	fp_rv_blobs_free(&all);
	if (ret || !fp_run_soaking(cfg))
		return ret;
	if (rk->rank == 0) {
		word[0] = decide(rk, now, &limit);
		fp_put_u64(word + 1, limit);
	}
	ret = fp_rv_allgather(rk->rv, "soak", word, rk->rank ? 0 : sizeof(word), &all, rk->err,
			      ERR_LEN);
	if (!ret && all.len[0] != sizeof(word))
		ret = fp_say(rk->err, ERR_LEN, "soak: rank 0 sent a malformed word");
	if (!ret) {
		*go = all.data[all.off[0]] != 0;
		rk->phase_ns = fp_get_u64(all.data + all.off[0] + 1);
		if (*go && !rk->phase_ns)
			ret = fp_say(rk->err, ERR_LEN, "soak: rank 0 sent a phase of 0 s");
	}
	fp_rv_blobs_free(&all);
	return ret;
}

/*
 * Before the first phase: the port's FEC statistics (for counters[]' deltas), and the first
 * snapshot, the series' zero. From here a soak takes SIGINT/SIGTERM between phases, not
 * mid-phase.
 */
int fp_run_soak_start(struct rank *rk, const char *bind)
{
	bool go;

	if (!fp_run_port_of(bind, rk->snap_port, sizeof(rk->snap_port)))
		rk->snap_port[0] = 0;
	rk->fec0_ok =
		rk->snap_port[0] && !fp_fec_read("", rk->snap_port, &rk->fec0) && rk->fec0.stats;

	if (fp_run_soaking(rk->cfg)) {
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		rk->masked = !sigprocmask(SIG_BLOCK, &set, &rk->old_mask);
	}
	if (!fp_run_soaking(rk->cfg) && !rk->cfg->counter_ns)
		return 0;
	rk->soak_t0 = fp_clock_ticks(&rk->clk);
	return fp_run_soak_tick(rk, &go);
}

/* Rank 0: each flow's rate in the phase just measured, for soak.csv and the rules. */
void fp_run_soak_rates(struct rank *rk, const struct fp_size_res *sr, unsigned si, uint32_t r,
		       uint64_t t0)
{
	const struct fp_sched *s = &rk->sched;
	struct fp_soak *sk = rk->data ? rk->data->soak : NULL;
	uint64_t now = fp_clock_ticks(&rk->clk);

	if (!sk || !sk->on)
		return;
	for (uint32_t e = s->rstart[r]; e < s->rstart[r + 1]; e++) {
		const struct fp_fres *fr = &sr->fr[e];
		const struct fp_flow *fl = &s->flows[s->rflows[e]];
		struct fp_soak_rate q = {
			.t0 = fp_clock_ns(&rk->clk, t0 - rk->soak_t0) / 1e9,
			.t1 = fp_clock_ns(&rk->clk, now - rk->soak_t0) / 1e9,
			.pass = sk->passes,
			.si = si,
			.flow = fl->id,
			.src = fl->src,
			.dst = fl->dst,
		};

		if (!fr->have_rx || !(fr->rx_ns > 0))
			continue;
		q.gbps = (double)fr->rx_bytes * 8 / fr->rx_ns;
		if (fp_soak_add_rate(sk, &q))
			return; /* out of memory: the series stops growing, the run goes on */
	}
}

/* A whole pass over every size and round has ended. */
void fp_run_soak_end(struct rank *rk, bool all_done)
{
	if (rk->data && rk->data->soak && all_done)
		rk->data->soak->passes++;
}

/* The signal mask as it was, and rank 0's series freed. */
void fp_run_soak_finish(struct rank *rk)
{
	if (rk->masked)
		sigprocmask(SIG_SETMASK, &rk->old_mask, NULL);
	rk->masked = false;
	if (rk->data) {
		fp_soak_free(rk->data->soak);
		free(rk->data->soak);
		rk->data->soak = NULL;
	}
}
