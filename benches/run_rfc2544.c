// SPDX-License-Identifier: MIT
/*
 * RFC 2544 throughput search for frame engines: trials at paced rates, loss agreed by all.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "../core/wire.h"
#include "run_priv.h"

/* What the whole job sent and received in the last loop, known to every rank alike. */
static int job_loss(struct rank *rk, const char *what, double *loss, double *fps)
{
	struct fp_rv_blobs all = { 0 };
	uint64_t sent = 0, got = 0, S = 0, R = 0;
	uint8_t mine[24];
	int ret;

	for (unsigned i = 0; i < rk->nlf; i++) {
		struct lflow *f = &rk->lf[i];

		if (f->src) {
			sent += f->n;
		} else {
			got += f->n;
		}
	}
	fp_put_u64(mine, sent);
	fp_put_u64(mine + 8, got);
	fp_put_f64(mine + 16, rk->last_ns);
	ret = fp_rv_allgather(rk->rv, what, mine, sizeof(mine), &all, rk->err, ERR_LEN);
	if (ret)
		return ret;
	*fps = INFINITY;
	for (int r = 0; r < rk->size; r++) {
		const uint8_t *b = all.data + all.off[r];
		uint64_t s;
		double t;

		if (all.len[r] != sizeof(mine)) {
			fp_rv_blobs_free(&all);
			fp_say(rk->err, ERR_LEN, "%s: rank %d sent malformed counts", what, r);
			return -EBADMSG;
		}
		s = fp_get_u64(b);
		t = fp_get_f64(b + 16);
		S += s;
		R += fp_get_u64(b + 8);
		/* the slowest sender bounds what the job can offer */
		if (s && t > 0 && (double)s / (t / 1e9) < *fps)
			*fps = (double)s / (t / 1e9);
	}
	fp_rv_blobs_free(&all);
	*loss = S ? (double)(S > R ? S - R : 0) / (double)S : 0;
	if (!isfinite(*fps))
		*fps = 0;
	return 0;
}

/* "0.001", "0.1%": a fraction in [0, 1). */
int fp_run_parse_fraction(const char *s, double *v)
{
	char *end;

	*v = strtod(s, &end);
	if (end == s || *v < 0)
		return -EINVAL;
	if (*end == '%') {
		*v /= 100;
		end++;
	}
	return *end || *v >= 1 ? -EINVAL : 0;
}

/* One trial at the current rate: frames shared out, everyone starts together. */
static int trial(struct rank *rk, size_t size, uint64_t frames, const char *what, uint64_t *t0,
		 double *loss, double *fps)
{
	int ret = fp_run_share_counts(rk, frames, what);

	if (!ret)
		ret = fp_rv_barrier(rk->rv, what, rk->err, ERR_LEN);
	if (!ret)
		ret = fp_run_dgram(rk, size, t0);
	if (!ret)
		ret = job_loss(rk, what, loss, fps);
	return ret;
}

static void record_trial(struct fp_size_res *sr, unsigned n, double rate, double loss)
{
	if (sr && n < FP_RFC_TRIALS) {
		sr->rfc_rate[n] = rate;
		sr->rfc_loss[n] = loss;
	}
}

/*
 * RFC 2544 section 26.1 throughput: the highest offered rate at which the frames lost stay
 * within the limit. A binary search over the rate of each sending rank, each trial a paced
 * run of --trial seconds; the top is --rate, or what an unpaced trial reached. Every rank
 * takes the same decision from the same allgathered counts. The last loop run is the
 * measurement at the throughput found.
 */
int fp_run_rfc2544(struct rank *rk, struct fp_size_res *sr, size_t size, const char *what,
		   uint64_t *t0)
{
	const struct fp_run_cfg *cfg = rk->cfg;
	double limit, res, lo = 0, hi, loss, fps, trial_s = (double)cfg->trial_ns / 1e9;
	double user_pps = rk->rate_pps, user_bps = rk->rate_bps;
	unsigned n = 0;
	int ret;

	/* checked before the run started */
	fp_run_parse_fraction(cfg->rfc2544, &limit);
	fp_run_parse_fraction(cfg->resolution, &res);
	hi = user_pps ? user_pps : user_bps / ((double)(size + 20) * 8);
	if (!(hi > 0)) {
		/* the top: what an unpaced trial of a million frames per sender reached */
		rk->rate_pps = rk->rate_bps = 0;
		ret = trial(rk, size, 1000000, what, t0, &loss, &hi);
		if (ret)
			return ret;
	}
	for (double rate = hi, top = hi;; rate = (lo + hi) / 2) {
		rk->rate_pps = rate;
		ret = trial(rk, size, (uint64_t)(rate * trial_s) + 1, what, t0, &loss, &fps);
		if (ret)
			return ret;
		record_trial(sr, n++, rate, loss);
		if (loss <= limit)
			lo = rate;
		else
			hi = rate;
		/* done when the top passed, or the bracket is within the resolution; the
		 * last trial must be at the throughput, so run it once more if it failed */
		if (lo == top || hi - lo <= res * top || n >= FP_RFC_TRIALS - 1) {
			if (loss <= limit || !(lo > 0))
				break;
			rk->rate_pps = lo;
			ret = trial(rk, size, (uint64_t)(lo * trial_s) + 1, what, t0, &loss, &fps);
			if (ret)
				return ret;
			record_trial(sr, n++, lo, loss);
			break;
		}
	}
	if (sr) {
		sr->rfc_trials = n < FP_RFC_TRIALS ? n : FP_RFC_TRIALS;
		sr->rfc_fps = lo;
	}
	rk->rate_pps = user_pps;
	rk->rate_bps = user_bps;
	return 0;
}
