// SPDX-License-Identifier: MIT
/*
 * The results writer and the one reader, round trip: what fp_results_write() puts in a run
 * folder, fp_result_load() gives back (hosts, status, sizes asked and done, every flow).
 * Also the pieces of what is written that outside text reaches: the token's redaction and
 * CSV fields.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../benches/result_read.h"
#include "../../benches/results.h"
#include "../../core/csv.h"
#include "../../core/json.h"
#include "../../core/wire.h"
#include "t.h"

static void rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[4400];

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
	if (d)
		closedir(d);
	rmdir(dir);
}

static void check_read(const struct fp_result *r, const struct fp_sched *s)
{
	CHECK(r->world_size == 4 && r->rounds == s->nrounds, "world %d rounds %u", r->world_size,
	      r->rounds);
	CHECK(!strcmp(r->hosts[1], "h,1\"x") && !strcmp(r->hosts[3], "h3"), "hosts '%s' '%s'",
	      r->hosts[1], r->hosts[3]);
	CHECK(!strcmp(r->status, "interrupted") && !r->complete && !r->simulated,
	      "status %s complete %d simulated %d", r->status, r->complete, r->simulated);
	CHECK(!strcmp(r->pattern, "alltoall"), "pattern %s", r->pattern);
	CHECK(r->nrequested == 2 && fp_result_largest_requested(r) == 65536, "asked %u, max %llu",
	      r->nrequested, (unsigned long long)fp_result_largest_requested(r));
	CHECK(r->nsizes == 1 && fp_result_size(r, 4096) && !fp_result_size(r, 65536),
	      "done: %u sizes", r->nsizes);
	CHECK(fp_result_largest_bw(r) == fp_result_size(r, 4096), "largest with bandwidth");
	if (r->nsizes != 1)
		return;
	const struct fp_rsize *z = &r->sizes[0];

	CHECK(z->has_bw && isfinite(z->bw[FP_RBW_AGG]) && isfinite(z->bw[FP_RBW_BUSBW]),
	      "aggregate %g busbw %g", z->bw[FP_RBW_AGG], z->bw[FP_RBW_BUSBW]);
	CHECK(isnan(z->lat[FP_RLAT_P99]), "no latency recorded: NaN");
	CHECK(z->nflows == s->nentries, "%u flows of %u entries", z->nflows, s->nentries);
	for (uint32_t rd = 0, i = 0; rd < s->nrounds; rd++)
		for (uint32_t e = s->rstart[rd]; e < s->rstart[rd + 1] && i < z->nflows; e++, i++) {
			const struct fp_flow *f = &s->flows[s->rflows[e]];
			const struct fp_rflow *g = &z->flows[i];

			CHECK(g->src == f->src && g->dst == f->dst && g->round == rd &&
				      g->flow == f->id,
			      "flow %u: %d->%d round %u id %u", i, g->src, g->dst, g->round,
			      g->flow);
			CHECK(g->has_bw && fabs(g->avg_gbps - (e + 1)) < 1e-6, "flow %u: %g Gb/s",
			      i, g->avg_gbps);
			CHECK(e % 2 ? g->retrans == e && g->segs_out == 1000 + e
				    : !g->retrans && !g->segs_out,
			      "flow %u: retrans %g of %g", i, g->retrans, g->segs_out);
		}
}

static void test_round_trip(void)
{
	char dir[] = "/tmp/fabprobe-test-results.XXXXXX", err[512];
	char args[][16] = { "fabprobe", "run", "alltoall", "--token", "s3", "--token=s4" };
	char *argv[] = { args[0], args[1], args[2], args[3], args[4], args[5], NULL };
	struct fp_pattern_opts po = { .rounds = 1 };
	struct fp_host hosts[4] = {
		{ "h0", "-" }, { "h,1\"x", "-" }, { "h2", "-" }, { "h3", "-" }
	};
	struct fp_run_cfg cfg = {
		.pattern = "alltoall", .engine = "null", .argc = 6, .argv = argv
	};
	struct fp_size_res res[2] = { { .size = 4096, .done = true }, { .size = 65536 } };
	struct fp_run_data d = { .cfg = &cfg, .hosts = hosts, .res = res, .nres = 2 };
	struct fp_result r;
	struct fp_sched s;

	CHECK(mkdtemp(dir), "mkdtemp");
	CHECK(!fp_sched_build(&s, fp_pattern_find("alltoall"), 4, &po, err, sizeof(err)),
	      "sched: %s", err);
	res[0].fr = calloc(s.nentries, sizeof(*res[0].fr));
	res[1].fr = calloc(s.nentries, sizeof(*res[1].fr));
	d.ident = calloc(s.nflows, sizeof(*d.ident));
	for (uint32_t e = 0; e < s.nentries; e++) {
		struct fp_fres *f = &res[0].fr[e];

		f->have_tx = f->have_rx = true;
		f->tx_msgs = f->rx_msgs = 100;
		f->tx_bytes = f->rx_bytes = 409600;
		f->tx_ns = f->rx_ns = 1e6;
		f->bw.avg = (e + 1) * 1e9 / 8; /* bytes/s: e + 1 Gb/s */
		/* TCP counts on the odd entries only: the others' records have none */
		f->have_tcp = e % 2;
		f->retrans = e;
		f->segs_out = 1000 + e;
	}
	d.sched = &s;
	d.pattern = fp_pattern_find("alltoall");
	d.status = "interrupted";
	snprintf(d.run_id, sizeof(d.run_id), "test");
	snprintf(d.dir, sizeof(d.dir), "%s", dir);
	CHECK(!fp_results_write(&d), "write");
	CHECK(!fp_result_load(dir, NULL, &r, err, sizeof(err)), "read: %s", err);
	check_read(&r, &s);
	fp_result_free(&r);
	free(res[0].fr);
	free(res[1].fr);
	free(d.ident);
	fp_sched_destroy(&s);
	rm_dir(dir);
}

/* one run.json text, no topology or sidecar */
static int parse_text(const char *text, struct fp_result *r, char *err, size_t el)
{
	return fp_result_parse("x/run.json", text, strlen(text), NULL, 0, NULL, r, err, el);
}

/* a permutation may draw the same pair in two rounds: one flow id, two rounds, both kept */
static void test_same_flow_two_rounds(void)
{
	static const char text[] =
		"{\"world_size\": 2, \"schedule\": {\"flows\": 2, \"rounds\": 2}, \"hosts\": "
		"[{}, {}], \"results\": [{\"size\": 8, \"flows\": ["
		"{\"src\": 0, \"dst\": 1, \"round\": 0, \"flow\": 1},"
		"{\"src\": 0, \"dst\": 1, \"round\": 1, \"flow\": 1}]}]}";
	struct fp_result r;
	char err[512] = "";
	int ret = parse_text(text, &r, err, sizeof(err));

	CHECK(ret == 0, "refused: %d '%s'", ret, err);
	if (!ret) {
		CHECK(r.nsizes == 1 && r.sizes[0].nflows == 2, "flows kept: %u",
		      r.nsizes ? r.sizes[0].nflows : 0);
		fp_result_free(&r);
	}
}

/* a flow named twice in failed_flows fails once: nfailed never exceeds the flows */
static void test_failed_twice(void)
{
	static const char text[] =
		"{\"world_size\": 2, \"schedule\": {\"flows\": 2}, \"hosts\": [{}, {}], "
		"\"results\": [], \"flows\": [{\"id\": 1, \"src\": 1, \"dst\": 0}, "
		"{\"id\": 0, \"src\": 0, \"dst\": 1}], \"failed_flows\": [{\"flow\": 0}, "
		"{\"flow\": 0}, {\"flow\": 0}]}";
	struct fp_result r;
	char err[512] = "";
	int ret = parse_text(text, &r, err, sizeof(err));

	CHECK(ret == 0, "refused: %d '%s'", ret, err);
	if (!ret) {
		const struct fp_rsize *z = r.connect >= 0 ? &r.sizes[r.connect] : NULL;

		CHECK(r.nfailed == 1 && z && z->nflows == 2 && z->flows[1].avg_gbps == 0 &&
			      isnan(z->flows[0].avg_gbps),
		      "nfailed %u", r.nfailed);
		fp_result_free(&r);
	}
}

/* what the reader refuses, with the field named */
static void test_refused(void)
{
	static const struct {
		const char *text, *field;
	} bad[] = {
		{ "{\"world_size\": 2, \"hosts\": [{\"hostname\": \"a\"}, {\"hostname\": \"b\"}],"
		  " \"results\": [{\"size\": 8, \"flows\": [{\"src\": 1, \"dst\": 1, \"round\": "
		  "0}]}]}",
		  "'src' and 'dst'" },
		{ "{\"world_size\": 2, \"hosts\": [{\"hostname\": \"a\"}, {\"hostname\": \"b\"}],"
		  " \"results\": [{\"size\": 8, \"flows\": [{\"src\": 0, \"dst\": 2, \"round\": "
		  "0}]}]}",
		  "'dst'" },
		{ "{\"world_size\": 2, \"schedule\": {\"rounds\": 1}, \"hosts\": [{\"hostname\": "
		  "\"a\"},"
		  " {\"hostname\": \"b\"}], \"results\": [{\"size\": 8, \"flows\": [{\"src\": 0,"
		  " \"dst\": 1, \"round\": 1}]}]}",
		  "'round'" },
		{ "{\"world_size\": 2, \"hosts\": [{\"hostname\": \"a\"}], \"results\": []}",
		  "hosts" },
		{ "{\"world_size\": 2.5, \"hosts\": [], \"results\": []}", "world_size" },
		{ "{\"world_size\": 1, \"hosts\": [{\"hostname\": \"h-"
		  "0123456789012345678901234567890123456789012345678901234567890123456789\"}],"
		  " \"results\": []}",
		  "'hostname'" },
		{ "{\"world_size\": 1, \"hosts\": [{\"hostname\": \"a\"}], \"results\": [],"
		  " \"counters\": [{\"rank\": 0, \"deltas\": {\"rx_errors\": \"many\"}}]}",
		  "counters[0]" },
#define TWO	 "{\"world_size\": 2, \"schedule\": {\"flows\": 2}, \"hosts\": [{}, {}], "
#define FLOW(id) "{\"src\": 0, \"dst\": 1, \"round\": 0, \"flow\": " #id "}"
		/* red team 9: what the reader let through */
		{ TWO "\"results\": [{\"size\": 8, \"flows\": [" FLOW(1) ", " FLOW(1) "]}]}",
		  "flow 1 has two records in round 0" },
		{ TWO "\"results\": [{\"size\": 8, \"flows\": [" FLOW(2) "]}]}", "'flow'" },
		/* resent segments come with the segments sent, and are among them */
		{ TWO "\"results\": [{\"size\": 8, \"flows\": [{\"src\": 0, \"dst\": 1, "
		      "\"round\": 0, \"retrans\": 5, \"segs_out\": 4}]}]}",
		  "'retrans'" },
		{ TWO "\"results\": [{\"size\": 8, \"flows\": [{\"src\": 0, \"dst\": 1, "
		      "\"round\": 0, \"retrans\": 5}]}]}",
		  "'retrans'" },
		{ TWO "\"results\": [{\"size\": 8, \"flows\": [" FLOW(4294967296) "]}]}",
		  "'flow'" },
		{ TWO "\"results\": [{\"size\": 0}]}", "'size'" },
		{ TWO "\"results\": [{\"size\": 8}, {\"size\": 8}]}", "twice" },
		{ TWO "\"results\": [{\"size\": 8, \"latency\": {\"p99_us\": -3}}]}", "p99_us" },
		{ TWO "\"schema_version\": 99, \"results\": []}", "schema_version" },
		{ TWO "\"complete\": \"true\", \"results\": []}", "'complete'" },
#undef FLOW
#undef TWO
	};
	struct fp_result r;
	char err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = fp_result_parse("x/run.json", bad[i].text, strlen(bad[i].text), NULL, 0,
					  NULL, &r, err, sizeof(err));

		CHECK(ret == -22 && strstr(err, bad[i].field) && strstr(err, "x/run.json"),
		      "case %zu: %d '%s'", i, ret, err);
	}
}

static void test_redact_csv(void)
{
	char args[][16] = { "run", "--token", "s3", "--token=s4", "--tokens", "--hostname", "h" };
	char *argv[] = { args[0], args[1], args[2], args[3], args[4], args[5], args[6] };
	char buf[64], *out = NULL;
	size_t len = 0;
	FILE *f;

	CHECK(!strcmp(fp_redact_arg(argv, 2, buf, sizeof(buf)), "***"), "--token VALUE");
	CHECK(!strcmp(fp_redact_arg(argv, 3, buf, sizeof(buf)), "--token=***"), "--token=VALUE");
	CHECK(!strcmp(fp_redact_arg(argv, 4, buf, sizeof(buf)), "--tokens"), "other options");
	CHECK(!strcmp(fp_redact_arg(argv, 6, buf, sizeof(buf)), "h"), "other values");
	f = open_memstream(&out, &len);
	fp_csv_field(f, "plain");
	fputc('|', f);
	fp_csv_field(f, "a,b");
	fputc('|', f);
	fp_csv_field(f, "say \"hi\"");
	fputc('|', f);
	fp_csv_field(f, "two\nlines");
	fclose(f);
	CHECK(!strcmp(out, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\""), "csv: %s", out);
	free(out);
}

/* ranks[].queues.lcores: a rank's lcore record (run_queues.c) read back into run.json's
 * ranks[], and one that lists more CPUs than it carries refused */
static void test_queue_lcores(void)
{
	struct fp_pattern_opts po = { .bidir = true };
	struct fp_sched s = { 0 };
	struct fp_fres fr[2] = { 0 };
	struct fp_rank_ctx rc[2] = { { .valid = true }, { .valid = true } };
	struct fp_size_res sr = { .size = 64, .done = true, .fr = fr };
	struct fp_run_data d = { .sched = &s, .res = &sr, .nres = 1, .rctx = rc };
	uint8_t rec[64] = { 0 };
	char err[128], *out = NULL;
	size_t outlen = 0, o = 12;
	struct fp_json j;
	FILE *f;

	CHECK(!fp_sched_build(&s, fp_pattern_find("stream"), 2, &po, err, sizeof(err)), "%s", err);
	rec[8] = 2; /* lcores: queue 0 on lcore 1, queue 1 on lcore 2, both on CPUs 0 and 1 */
	rec[9] = 2;
	for (unsigned q = 0; q < 2; q++) {
		fp_put_u16(rec + o, (uint16_t)(q + 1));
		rec[o + 2] = 2;
		fp_put_u16(rec + o + 3, 0);
		fp_put_u16(rec + o + 5, 1);
		o += 7;
	}
	CHECK(!fp_run_queues_parse(&d, &sr, 1, rec, o), "the lcore record");
	CHECK(fp_run_queues_parse(&d, &sr, 1, rec, o - 1) == -EBADMSG, "a short lcore record");
	rec[12 + 2] = 3; /* 3 CPUs, 2 there */
	CHECK(fp_run_queues_parse(&d, &sr, 1, rec, 12 + 7) == -EBADMSG, "too few CPUs");
	f = open_memstream(&out, &outlen);
	if (f && d.queues) {
		fp_json_init(&j, f, false);
		fp_json_obj(&j, NULL);
		fp_results_json_ranks(&j, &d);
		fp_json_end(&j);
		fclose(f);
		CHECK(out && strstr(out, "\"lcores\":[{\"queue\":0,\"lcore\":1,\"cpus\":[0,1]},"
					 "{\"queue\":1,\"lcore\":2,\"cpus\":[0,1]}]"),
		      "%s", out ? out : "");
		/* rank 0 sent none: no lcores for it */
		CHECK(out && strstr(out, "lcores") && !strstr(strstr(out, "lcores") + 1, "lcores"),
		      "%s", out ? out : "");
	}
	free(out);
	fp_run_queues_free(d.queues);
	fp_sched_destroy(&s);
}

int main(void)
{
	test_round_trip();
	test_refused();
	test_same_flow_two_rounds();
	test_failed_twice();
	test_redact_csv();
	test_queue_lcores();
	return t_done("results");
}
