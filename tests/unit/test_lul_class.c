// SPDX-License-Identifier: MIT
/* Latency under load: --class specs, the engine's mark, and the bloat matrix. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../benches/lul_class.h"
#include "../../benches/lul_report.h"
#include "../../benches/result_read.h"
#include "../../fabric/runtime/engines/udpframe.h"
#include "t.h"

static void test_parse(void)
{
	struct fp_class c;
	char err[256] = "";

	CHECK(!fp_class_parse("lat:pingpong:64:tclass=46:window=4", &c, err, sizeof(err)), "%s",
	      err);
	CHECK(!strcmp(c.name, "lat") && !strcmp(c.pattern, "pingpong") && c.size == 64,
	      "%s %s %llu", c.name, c.pattern, (unsigned long long)c.size);
	CHECK(c.dscp == 46 && c.nopt == 1 && !strcmp(c.opt[0], "--window=4"), "%d %u %s", c.dscp,
	      c.nopt, c.opt[0]);
	CHECK(fp_class_is_latency(&c), "pingpong is a latency class");
	CHECK(!fp_class_parse("bulk:alltoall:1M", &c, err, sizeof(err)) && c.size == 1 << 20 &&
		      c.dscp == -1 && !c.nopt && !fp_class_is_latency(&c),
	      "%s", err);
	/* each bad spec: refused with one line that names the bad part */
	static const struct {
		const char *spec, *want;
	} bad[] = {
		{ "lat:pingpong", "NAME:PATTERN:SIZE" },
		{ "lat::64", "unknown pattern" },
		{ "lat:nosuch:64", "unknown pattern 'nosuch'" },
		{ "lat:pingpong:0", "size '0'" },
		{ "lat:pingpong:64x", "size '64x'" },
		{ "../x:pingpong:64", "name '../x'" },
		{ ":pingpong:64", "name ''" },
		{ "idle-lat:pingpong:64", "name 'idle-lat'" },
		{ "a_very_long_class_name_over:pingpong:64", "name" },
		{ "lat:pingpong:64:tclass=64", "DSCP 0..63" },
		{ "lat:pingpong:64:tclass=-1", "DSCP 0..63" },
		{ "lat:pingpong:64:window", "not opt=value" },
		{ "lat:pingpong:64:=3", "not opt=value" },
		{ "lat:pingpong:64:a b=3", "not opt=value" },
		{ "lat:pingpong:64:np=3", "'np' is set for the whole run" },
		{ "lat:pingpong:64:output=/etc", "'output' is set for the whole run" },
		{ "l:pingpong:64:a=1:b=1:c=1:d=1:e=1:f=1:g=1:h=1:i=1", "more than 8 options" },
		{ "l:pingpong:64:a=1:b=1:c=1:d=1:e=1:f=1:g=1:h=1:i=1:j=1:k=1", "NAME:PATTERN" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		CHECK(fp_class_parse(bad[i].spec, &c, err, sizeof(err)) == -EINVAL &&
			      strstr(err, bad[i].want) && !strchr(err, '\n'),
		      "%s: %s", bad[i].spec, err);
	}
}

static void test_mark(void)
{
	struct fp_class c;
	char err[128], out[48] = "";
	const char *sock[] = { "busy-poll-us", "tos", NULL }, *none[] = { "busy-poll-us", NULL };

	CHECK(!fp_class_parse("lat:pingpong:64:tclass=46", &c, err, sizeof(err)), "%s", err);
	CHECK(!fp_class_mark_arg(&c, "sockets", sock, out, sizeof(out)) &&
		      !strcmp(out, "--tos=184"),
	      "sockets: %s", out);
	CHECK(fp_class_mark_arg(&c, "sockets", none, out, sizeof(out)) == -EOPNOTSUPP,
	      "no tos option");
	CHECK(fp_class_mark_arg(&c, "null", sock, out, sizeof(out)) == -EOPNOTSUPP, "null");
	c.dscp = -1;
	CHECK(fp_class_mark_arg(&c, "sockets", sock, out, sizeof(out)) == -EOPNOTSUPP,
	      "unmarked class");
}

/* a pingpong of 4 ranks, pairs 0-1 and 2-3, one-way p99 per flow */
static int run_of(double p01, double p23, struct fp_result *r)
{
	char text[1024], err[256] = "";
	int ret;

	snprintf(text, sizeof(text),
		 "{\"world_size\": 4, \"hosts\": [{}, {}, {}, {}], \"results\": [{\"size\": 64, "
		 "\"flows\": [{\"src\": 0, \"dst\": 1, \"round\": 0, \"flow\": 0, \"latency\": "
		 "{\"p99_us\": %g}}, {\"src\": 2, \"dst\": 3, \"round\": 0, \"flow\": 1, "
		 "\"latency\": {\"p99_us\": %g}}]}]}",
		 p01, p23);
	ret = fp_result_parse("t", text, strlen(text), NULL, 0, NULL, r, err, sizeof(err));
	CHECK(!ret, "%s", err);
	return ret;
}

static void test_bloat(void)
{
	struct fp_result idle, loaded;
	double m[16];
	const char *neg = "{\"world_size\": 2, \"hosts\": [{}, {}], \"results\": [{\"size\": 64, "
			  "\"flows\": [{\"src\": 0, \"dst\": 1, \"round\": 0, \"latency\": "
			  "{\"p99_us\": -3}}]}]}";
	char err[256] = "";

	if (run_of(10, 12, &idle) || run_of(2010, 15, &loaded))
		return;
	CHECK(fp_bloat_matrix(&idle, &loaded, 64, m, 4) == 2, "two pairs");
	CHECK(fabs(m[0 * 4 + 1] - 2000) < 1e-9 && fabs(m[1 * 4 + 0] - 2000) < 1e-9,
	      "0-1 rose 2000 us both ways: %g %g", m[1], m[4]);
	CHECK(fabs(m[2 * 4 + 3] - 3) < 1e-9 && fabs(m[3 * 4 + 2] - 3) < 1e-9, "2-3 rose 3 us");
	CHECK(isnan(m[0]) && isnan(m[0 * 4 + 2]) && isnan(m[1 * 4 + 3]), "no pair: NaN");
	/* a size neither run has: no pair; a world that does not match: refused */
	CHECK(fp_bloat_matrix(&idle, &loaded, 8, m, 4) == 0 && isnan(m[1]), "size 8");
	CHECK(fp_bloat_matrix(&idle, &loaded, 64, m, 3) == -EINVAL, "world 3");
	fp_result_free(&idle);
	fp_result_free(&loaded);
	/* the reader refuses a negative latency before any matrix sees it */
	CHECK(fp_result_parse("t", neg, strlen(neg), NULL, 0, NULL, &idle, err, sizeof(err)) ==
			      -EINVAL &&
		      strstr(err, "latency.p99_us"),
	      "%s", err);
}

static void put(const char *top, const char *sub, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", top, sub);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/%s/run.json", top, sub);
	f = fopen(p, "w");
	CHECK(f && fputs(text, f) >= 0 && !fclose(f), "%s", p);
}

/* no bloat matrix for the runs (their world is not the run's): the class is still written,
 * its bloat null with a reason, and no bloat CSV */
static void test_report_no_matrix(void)
{
	const char *run = "{\"world_size\": 2, \"hosts\": [{}, {}], \"results\": [{\"size\": 64, "
			  "\"flows\": [{\"src\": 0, \"dst\": 1, \"round\": 0, \"latency\": "
			  "{\"p99_us\": 3}}]}]}";
	char top[] = "/tmp/fp_lul.XXXXXX", p[256], text[4096] = "";
	int codes[2][FP_CLASS_MAX] = { { 0 } };
	struct fp_class c;
	char err[128];
	size_t n = 0;
	FILE *f;

	CHECK(mkdtemp(top), "mkdtemp");
	CHECK(!fp_class_parse("lat:pingpong:64", &c, err, sizeof(err)), "%s", err);
	put(top, "idle-lat", run);
	put(top, "lat", run);
	CHECK(fp_lul_report(top, &c, 1, codes, 3, true) == 0, "report with world 3");
	snprintf(p, sizeof(p), "%s/classes.json", top);
	f = fopen(p, "r");
	if (f) {
		n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
	}
	text[n] = 0;
	CHECK(strstr(text, "\"name\": \"lat\"") && strstr(text, "\"bloat\": null") &&
		      strstr(text, "\"bloat_skipped\": \"the idle or loaded run's world_size"),
	      "classes.json: %s", text);
	snprintf(p, sizeof(p), "%s/bloat_lat.csv", top);
	CHECK(access(p, F_OK), "a bloat CSV with no matrix");
	unlink(p);
	snprintf(p, sizeof(p), "%s/classes.json", top);
	unlink(p);
	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/%slat/run.json", top, i ? "" : "idle-");
		unlink(p);
		snprintf(p, sizeof(p), "%s/%slat", top, i ? "" : "idle-");
		rmdir(p);
	}
	CHECK(!rmdir(top), "rmdir %s", top);
}

/* dpdk --dscp: the DSCP in every frame's IPv4 header, its checksum still right, read back */
static void test_frame_dscp(void)
{
	struct fp_udpf_ends e = { .smac = { 2, 0, 0, 0, 0, 1 },
				  .dmac = { 2, 0, 0, 0, 0, 2 },
				  .sip = 0x0a000001,
				  .dip = 0x0a000002,
				  .sport = 50000,
				  .dport = FP_UDPF_DPORT,
				  .tos = 46 << 2 };
	struct fp_udpf_info in;
	uint8_t f[128];

	CHECK(!fp_udpf_build(f, 128, &e, FP_UDPF_DATA, 1, 3, 9, 0), "build");
	CHECK(f[15] == 0xb8 && t_ones_sum(f + 14, 20) == 0xffff, "tos %#x", f[15]);
	CHECK(fp_udpf_parse(f, 128, true, &in) == FP_UDPF_DATA && in.e.tos == 0xb8, "tos %#x",
	      in.e.tos);
}

int main(void)
{
	test_parse();
	test_mark();
	test_bloat();
	test_report_no_matrix();
	test_frame_dscp();
	return t_done("lul_class");
}
