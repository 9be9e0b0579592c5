// SPDX-License-Identifier: MIT
/*
 * fp_sim_job_run(), what `fabprobe sim` calls: a planted fault shows in the rates it
 * records, the folder and its ground truth are written once and never overwritten, and
 * bad input is -EINVAL with one line, never a partial folder.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../benches/result_read.h"
#include "../../benches/simjob.h"
#include "t.h"

static const char *topo = FP_SRCDIR "/topologies/lab-mini.yaml";

static void cfg(struct fp_sim_cfg *c, const char *out, const char *faults)
{
	memset(c, 0, sizeof(*c));
	c->run.sizes.n = 1;
	c->run.sizes.v[0] = 65536;
	c->run.iters = 10;
	c->run.rounds = 1;
	c->run.seed = 1;
	c->run.shift = 1;
	c->run.output = out;
	c->run.results_dir = "results";
	c->faults = faults;
	c->fault_range = "0.3:0.7";
	c->rtt_us = 10;
}

static bool exists(const char *dir, const char *name)
{
	char p[512];
	struct stat sb;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return !stat(p, &sb);
}

int main(void)
{
	char tmp[] = "/tmp/fp-simjob.XXXXXX", out[256], err[256];
	struct fp_sim_cfg c;
	struct fp_sim_job j;
	int ret;

	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(out, sizeof(out), "%s/run", tmp);

	/* h0's own link at half capacity: stream 0->1 gets 0.1 of its 0.2 Gb/s */
	cfg(&c, out, "degrade:h0-leaf0:0.5");
	ret = fp_sim_job_run(&j, &c, topo, "stream", err, sizeof(err));
	CHECK(!ret, "stream: %d %s", ret, err);
	if (!ret) {
		const struct fp_fres *fr = &j.d.res[0].fr[0];

		CHECK(j.d.nres == 1 && j.sched.nentries == 1, "one size, one flow");
		CHECK(fabs(fr->bw.avg * 8 / 1e9 - 0.1) < 1e-9, "degraded rate %g Gb/s",
		      fr->bw.avg * 8 / 1e9);
		CHECK(fr->tx_bytes == 10 * 65536 && j.d.simulated, "bytes and the simulated mark");
		CHECK(exists(out, "run.json") && exists(out, "ground_truth.json"), "folder");
	}
	fp_sim_job_free(&j);

	/* the same folder again: refused, never overwritten */
	ret = fp_sim_job_run(&j, &c, topo, "stream", err, sizeof(err));
	CHECK(ret == -EEXIST && strstr(err, "never overwritten"), "second write: %d %s", ret, err);
	fp_sim_job_free(&j);

	/* no fault: the full link rate, so the check above can fail */
	snprintf(out, sizeof(out), "%s/clean", tmp);
	cfg(&c, out, NULL);
	ret = fp_sim_job_run(&j, &c, topo, "stream", err, sizeof(err));
	CHECK(!ret && fabs(j.d.res[0].fr[0].bw.avg * 8 / 1e9 - 0.2) < 1e-9, "clean rate");
	CHECK(!ret && j.d.res[0].fr[0].have_tcp && !j.d.res[0].fr[0].retrans &&
		      j.d.res[0].fr[0].segs_out == 453,
	      "clean tcp: nothing resent of 453 segments");
	fp_sim_job_free(&j);

	/* TCP through h0's cable losing 10%: 453 segments of 1448 B, a tenth of what goes out
	 * resent (453 / 0.9 x 0.1 = 50.3), counted as the sockets engine counts, read back */
	snprintf(out, sizeof(out), "%s/tcp", tmp);
	cfg(&c, out, "loss:h0-leaf0:0.1");
	ret = fp_sim_job_run(&j, &c, topo, "stream", err, sizeof(err));
	CHECK(!ret && j.d.res[0].fr[0].have_tcp &&
		      (j.d.res[0].fr[0].retrans == 50 || j.d.res[0].fr[0].retrans == 51) &&
		      j.d.res[0].fr[0].segs_out == 453 + j.d.res[0].fr[0].retrans,
	      "tcp: %d %s", ret, err);
	fp_sim_job_free(&j);
	{
		struct fp_result rt;

		ret = fp_result_load(out, NULL, &rt, err, sizeof(err));
		CHECK(!ret && rt.nsizes == 1 && rt.sizes[0].nflows == 1 &&
			      rt.sizes[0].flows[0].segs_out == 453 + rt.sizes[0].flows[0].retrans &&
			      rt.sizes[0].flows[0].retrans >= 50,
		      "retrans read back: %d %s", ret, err);
		if (!ret)
			fp_result_free(&rt);
	}

	/* datagrams through h0's cable losing 10%: 1 of 10 frames lost, counted, and read back */
	snprintf(out, sizeof(out), "%s/udp", tmp);
	cfg(&c, out, "loss:h0-leaf0:0.1");
	c.transport = FP_SIM_UDP;
	ret = fp_sim_job_run(&j, &c, topo, "stream", err, sizeof(err));
	CHECK(!ret && j.d.dgram && j.d.res[0].fr[0].tx_msgs - j.d.res[0].fr[0].rx_msgs == 1 &&
		      fabs(j.d.res[0].fr[0].bw.avg * 8 / 1e9 - 0.18) < 1e-9,
	      "udp: %d %s", ret, err);
	fp_sim_job_free(&j);
	struct fp_result res;

	ret = fp_result_load(out, NULL, &res, err, sizeof(err));
	CHECK(!ret && res.nsizes == 1 && res.sizes[0].nflows == 1 &&
		      fabs(res.sizes[0].flows[0].loss - 0.1) < 1e-12,
	      "loss read back: %d %s", ret, err);
	if (!ret)
		fp_result_free(&res);

	/* bad input: -EINVAL, one line, no folder */
	snprintf(out, sizeof(out), "%s/bad", tmp);
	cfg(&c, out, NULL);
	CHECK(fp_sim_job_run(&j, &c, topo, "nosuch", err, sizeof(err)) == -EINVAL &&
		      strstr(err, "unknown pattern"),
	      "pattern: %s", err);
	fp_sim_job_free(&j);
	cfg(&c, out, "down:h0-leaf0");
	CHECK(fp_sim_job_run(&j, &c, topo, "stream", err, sizeof(err)) == -EINVAL &&
		      strstr(err, "no path"),
	      "partition: %s", err);
	fp_sim_job_free(&j);
	cfg(&c, out, "degrade:h0-spine0:0.5");
	CHECK(fp_sim_job_run(&j, &c, topo, "stream", err, sizeof(err)) == -EINVAL,
	      "no such link: %s", err);
	fp_sim_job_free(&j);
	CHECK(!exists(tmp, "bad"), "no partial folder");

	snprintf(out, sizeof(out), "rm -rf '%s'", tmp);
	if (system(out))
		fprintf(stderr, "could not remove %s\n", tmp);
	return t_done("simjob");
}
