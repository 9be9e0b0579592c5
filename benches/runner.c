// SPDX-License-Identifier: MIT
/*
 * The runner: resolve who this rank is, meet the others, build the schedule, connect every
 * flow once, then for each size and round run the timed phases and gather what each rank
 * measured to rank 0, which writes it down after every size.
 */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "coll.h"
#include "run_priv.h"

/*
 * A peer closing a data connection is often a bystander that saw the real death first and
 * quit. Ask the rendezvous who died without a word, and say so first.
 */
void fp_run_blame(struct rank *rk)
{
	char report[ERR_LEN], dead[128] = "", was[ERR_LEN];
	int who[16], n = fp_rv_postmortem(rk->rv, 1500ull * 1000 * 1000, who, 16, report,
					  sizeof(report));
	size_t o = 0;

	if (n <= 0)
		return;
	for (int i = 0; i < n && i < 16 && o < sizeof(dead) - 8; i++)
		o += (size_t)snprintf(dead + o, sizeof(dead) - o, "%s%d", i ? "," : "", who[i]);
	snprintf(was, sizeof(was), "%s", rk->err);
	fp_say(rk->err, ERR_LEN, "rank%s %s died or was killed (left without a report); %s",
	       n > 1 ? "s" : "", dead, was);
}

/*
 * A collective's messages are chunks of the size (the longest says how big a slot is) with
 * the ranks' own bytes, and the engine paces them itself: with slots for two collectives'
 * worth of messages a flow and half as many again for credits still on the way back, a
 * sender never waits for a slot its receiver has yet to reach (no rank gets more than one
 * collective ahead of another: each one's end needs every rank's part).
 */
static void coll_xopts(struct fp_engine_xopts *xo, const struct rank *rk)
{
	int kind = fp_coll_kind_of(rk->pat->name);
	unsigned per = fp_coll_flow_msgs(kind, rk->cfg->algo, rk->size);

	xo->carry = true;
	xo->max_size = fp_coll_max_len(rk->cfg->algo, rk->size, xo->max_size / sizeof(float)) *
		       sizeof(float);
	xo->window = 2 * per + (per / 2 ? per / 2 : 1);
}

/* The engine for this rank, told what it needs to know of the run. */
int fp_run_open_engine(struct rank *rk, const char *bind)
{
	const struct fp_run_cfg *cfg = rk->cfg;
	struct fp_engine_xopts xo = {
		.local_rank = (int)fp_run_local_rank(cfg, rk->rank),
		.window = cfg->window,
		.same_clock = rk->same_clock,
		.reverse = cfg->reverse,
	};
	for (unsigned i = 0; i < cfg->sizes.n; i++)
		if (cfg->sizes.v[i] > xo.max_size)
			xo.max_size = cfg->sizes.v[i];
	if (rk->pat && rk->pat->measure & FP_MEASURE_COLL) /* diagnose has no pattern */
		coll_xopts(&xo, rk);
	struct fp_engine_params ep = {
		.x = &xo,
		.cfg = cfg->engine_cfg,
		.rest = cfg->rest,
		.nrest = cfg->nrest,
		.rank = rk->rank,
		.size = rk->size,
		.bind = bind,
		.bind_given = cfg->bind != NULL,
		.job_key = fp_rv_data_key(rk->rv),
		.poll = cfg->poll ? FP_POLL_EVENT : FP_POLL_BUSY,
		.timeout_ns = cfg->timeout_ns,
		.stop = &fp_stop,
		.xctx = rk,
		.allgather = fp_run_allgather_cb,
		.err = rk->err,
		.errlen = ERR_LEN,
	};
	int ret = rk->ops.open(&ep, &rk->eng);

	if (ret && !rk->err[0])
		fp_say(rk->err, ERR_LEN, "engine %s: open failed: %s", cfg->engine, strerror(-ret));
	return ret ? ret : fp_run_check_sizes(rk);
}

/* The run's spans in the clock's ticks (again after a new calibration). */
static void clock_spans(struct rank *rk)
{
	const struct fp_run_cfg *cfg = rk->cfg;

	rk->timeout_ticks = fp_clock_from_ns(&rk->clk, (double)cfg->timeout_ns);
	/*
	 * A flow that fails on its own (a TCP link that blackholes mid-run, a datagram path
	 * silent from the phase's start) stalls after half the timeout: the others finish and
	 * wait for it in the rendezvous, which gives up at one timeout, so half leaves them the
	 * other half.
	 */
	if (fp_engine_flags(&rk->ops, cfg->engine_cfg) & FP_ENG_FLOW_FAIL || rk->dgram)
		rk->stall_ticks = rk->timeout_ticks / 2;
	rk->interval_ticks = fp_clock_from_ns(&rk->clk, (double)cfg->interval_ns);
	rk->drain_ticks = fp_clock_from_ns(&rk->clk, (double)DRAIN_NS);
	rk->quiet_ticks = fp_clock_from_ns(&rk->clk, (double)QUIET_NS);
	rk->report_ticks = fp_clock_from_ns(&rk->clk, (double)cfg->report_ns);
}

/*
 * A TSC not flagged invariant was calibrated on the CPU the rank was pinned to; --numa or
 * DPDK's EAL may have placed it elsewhere since (before anything was timed): calibrate
 * again there, or fall back to clock_gettime if it is no longer on one CPU.
 */
static void clock_replaced(struct rank *rk)
{
	if (!fp_clock_moved(&rk->clk))
		return;
	fp_clock_init(&rk->clk);
	clock_spans(rk);
	if (rk->data)
		fp_run_data_clock(rk->data, &rk->clk);
}

/*
 * The TSC's rate, checked again over the whole run: a TSC the CPU does not flag invariant (a
 * virtual machine's) is used only when it kept one rate while calibrated, and it is said here
 * if it did not keep it since. Rank 0 records its own in run.json.
 */
static void clock_check(struct rank *rk)
{
	double drift = fp_clock_drift(&rk->clk);

	if (rk->data)
		rk->data->clock_drift = drift;
	if (isfinite(drift) && fabs(drift) > FP_CLOCK_DRIFT_MAX)
		fprintf(stderr,
			"fabprobe: rank %d: its clock (%s) drifted %+.2f%% from "
			"CLOCK_MONOTONIC_RAW over the run: its times are off by as much\n",
			rk->rank, rk->clk.source, drift * 100);
}

/* Rank 0 writes what was measured, complete or not: 0, or 1 if it could not. */
static int write_results(struct rank *rk, int ret)
{
	struct fp_run_data *data = rk->data;
	const struct fp_run_cfg *cfg = rk->cfg;

	data->status = !ret ? "complete" : fp_stop ? "interrupted" : "failed";
	snprintf(data->error, sizeof(data->error), "%s", ret ? rk->err : "");
	fp_run_iso_now(data->finished, sizeof(data->finished));
	if (fp_results_write(data)) {
		fprintf(stderr, "fabprobe: cannot write results to %s: %s\n", data->dir,
			strerror(errno));
		return 1;
	}
	if (cfg->format == 1)
		fp_results_json(data, stdout, true);
	else if (cfg->format == 2)
		fp_run_jsonl_summary(data);
	if (!cfg->quiet)
		fprintf(stderr, "fabprobe: results in %s%s\n", data->dir,
			ret ? " (incomplete)" : "");
	return 0;
}

struct fp_pattern_opts fp_run_pattern_opts(const struct fp_run_cfg *cfg)
{
	return (struct fp_pattern_opts){
		.bidir = cfg->bidir,
		.alone = cfg->alone,
		.rotate = cfg->rotate,
		.rounds = (int)cfg->rounds,
		.shift = (int)cfg->shift,
		.root = (int)cfg->root,
		.seed = (uint64_t)cfg->seed,
		.groups = cfg->groups,
		.reverse = cfg->reverse,
		.algo = cfg->algo,
	};
}

/* The rendezvous parameters of a rank of this job (run and diagnose alike). */
struct fp_rv_params fp_run_rv_params(const struct fp_run_cfg *cfg, int rank, int size,
				     const char *token, bool weak)
{
	return (struct fp_rv_params){ .rank = rank,
				      .size = size,
				      .addr = cfg->rendezvous,
				      .token = token,
				      .weak_token = weak,
				      .require_token = cfg->require_token,
				      .stop = &fp_stop,
				      .timeout_ns = cfg->timeout_ns };
}

int fp_run_rank(struct fp_run_cfg *cfg, int rank, int size, const char *token, bool weak)
{
	struct rank rk = { .cfg = cfg, .rank = rank, .size = size };
	struct fp_run_data data;
	struct fp_pattern_opts po = fp_run_pattern_opts(cfg);
	struct fp_rv_params rp = fp_run_rv_params(cfg, rank, size, token, weak);
	char bindbuf[64];
	const char *bind;
	int ret, status = 1;
	bool usage = false; /* a size the engine cannot carry: a usage error, exit 2 */

	memset(&data, 0, sizeof(data));
	if (fp_run_pin_cpu(cfg, rank, rk.err)) {
		fprintf(stderr, "fabprobe: %s\n", rk.err);
		return 2;
	}
	/* preflight() checked the options, the pattern and the engine */
	rk.pat = fp_pattern_find(cfg->pattern);
	ret = fp_sched_build(&rk.sched, rk.pat, size, &po, rk.err, ERR_LEN);
	if (!ret)
		ret = fp_sched_check(&rk.sched, rk.err, ERR_LEN);
	if (ret) {
		fprintf(stderr, "fabprobe: %s\n", rk.err);
		fp_sched_destroy(&rk.sched);
		return 2;
	}
	fp_engine_find(cfg->engine, &rk.ops);
	rk.dgram = fp_engine_flags(&rk.ops, cfg->engine_cfg) & FP_ENG_DGRAM;
	if (cfg->rate)
		fp_parse_rate(cfg->rate, &rk.rate_bps, &rk.rate_pps);
	fp_clock_init(&rk.clk);
	clock_spans(&rk);
	rk.stop_at = UINT64_MAX;
	if (cfg->report_ns && rank == 0 &&
	    !(rk.rep_prev = calloc(rk.sched.nflows ? rk.sched.nflows : 1, sizeof(uint64_t)))) {
		fprintf(stderr, "fabprobe: out of memory\n");
		goto out;
	}
	if (rank == 0) {
		rk.data = &data;
		if (fp_run_alloc_data(&rk, &data)) {
			fprintf(stderr, "fabprobe: out of memory\n");
			goto out;
		}
	}
	ret = fp_run_alloc_rank(&rk);
	if (!ret && (ret = fp_run_soak_alloc(&rk)))
		snprintf(rk.err, ERR_LEN, "out of memory");
	if (ret) {
		fprintf(stderr, "fabprobe: %s\n", rk.err);
		goto out;
	}
	ret = fp_rv_open(&rp, &rk.rv, rk.err, ERR_LEN);
	if (ret) {
		fprintf(stderr, "fabprobe: %s\n", rk.err);
		if (ret == -EPERM) /* --require-token and a guessable token: a usage error */
			status = 2;
		goto out;
	}
	if (rk.data)
		rk.data->auth = fp_rv_auth_weak(rk.rv) ? "weak" : "token";
	if (rank == 0 && (ret = fp_run_make_dir(&rk))) {
		fp_rv_abort(rk.rv, rk.err);
		fprintf(stderr, "fabprobe: %s\n", rk.err);
		goto out;
	}
	ret = cfg->bind ? fp_run_resolve_bind(cfg->bind, bindbuf, sizeof(bindbuf), rk.err) : 0;
	bind = cfg->bind ? bindbuf : fp_rv_local_ip(rk.rv);
	if (!ret)
		ret = fp_run_meet(&rk, bind);
	if (!ret) {
		ret = fp_run_open_engine(&rk, bind);
		usage = ret == -EMSGSIZE;
	}
	if (!ret)
		ret = fp_run_numa(&rk);
	if (!ret)
		clock_replaced(&rk);
	if (!ret) {
		ret = rk.ops.connect(rk.eng, rk.sched.flows, rk.sched.nflows, rk.conns);
		if (ret && !rk.err[0])
			fp_say(rk.err, ERR_LEN, "engine %s: connect failed: %s", cfg->engine,
			       strerror(-ret));
		ret = fp_run_connect_report(&rk, ret);
	}
	if (!ret)
		ret = fp_run_gather_idents(&rk);
	if (!ret)
		ret = fp_run_gather_context(&rk, bind);
	if (!ret) {
		struct fp_port *before = malloc(sizeof(*before));
		char port[48];
		bool have = before && fp_run_port_of(bind, port, sizeof(port)) &&
			    !fp_netdev_read("", port, before);

		ret = fp_run_fabric_snap(&rk, false);
		if (!ret)
			ret = fp_run_soak_start(&rk, bind);
		if (!ret)
			ret = fp_run_class_gate(cfg, rk.err, ERR_LEN);
		if (!ret)
			ret = fp_run_sizes(&rk);
		/* the counters go to rank 0 on success; a failed run has no common point to meet */
		if (!ret)
			ret = fp_run_gather_counters(&rk, have ? before : NULL, port);
		if (!ret)
			ret = fp_run_fabric_snap(&rk, true);
		free(before);
	}
	if (ret && rank == 0 && rk.rv &&
	    (rk.fail_ret == -ECONNRESET || rk.fail_ret == -EPIPE || rk.fail_ret == -ETIMEDOUT))
		fp_run_blame(&rk);
	if (ret) {
		fp_rv_abort(rk.rv, rk.err);
		/* a refused size: rank 0 says it once, its own or the one the abort brings */
		if (!usage || rank == 0)
			fprintf(stderr, "%sfabprobe: %s\n",
				rank == 0 && isatty(2) ? "\r\033[K" : "", rk.err);
	}
	clock_check(&rk);
	status = usage ? 2 : ret || (rank == 0 && fp_run_check_failed(&rk)) ? 1 : 0;
	if (rank == 0 && write_results(&rk, ret))
		status = 1;
out:
	rk.ops.close(rk.eng);
	fp_rv_close(rk.rv);
	free(rk.conns);
	free(rk.lf);
	free(rk.hist);
	free(rk.recbuf);
	free(rk.txbuf);
	free(rk.rxbuf);
	free(rk.rep_prev);
	fp_run_soak_finish(&rk);
	fp_run_free_data(rk.data);
	fp_sched_destroy(&rk.sched);
	return status;
}
