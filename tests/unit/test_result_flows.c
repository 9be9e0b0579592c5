// SPDX-License-Identifier: MIT
/*
 * flows.ndjson, the one-pass flow records (issue 18, item 1): the reader fills the sizes
 * run.json names it for, checks each record as run.json's own are checked, says which line
 * is bad, leaves sizes with inline flows to run.json (older folders), and a folder whose
 * run.json names a sidecar that is not there is an error, never "no flows".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../benches/result_flows.h"
#include "t.h"

/* 4 ranks, 2 rounds, sizes 64 (flows inline when inl) and 4096 (flows in the sidecar) */
static const char *run(bool inl)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "{\"schema_version\": 1, \"world_size\": 4, \"pattern\": \"pairs\", "
		 "\"status\": \"complete\", \"complete\": true, \"simulated\": true, "
		 "\"flows_file\": \"flows.ndjson\", \"hosts\": [{\"rank\": 0}, {\"rank\": 1}, "
		 "{\"rank\": 2}, {\"rank\": 3}], \"schedule\": {\"rounds\": 2, \"flows\": 4}, "
		 "\"results\": [{\"size\": 64, \"bandwidth\": {\"aggregate_Gbps\": 1}%s}, "
		 "{\"size\": 4096, \"bandwidth\": {\"aggregate_Gbps\": 2}}]}",
		 inl ? ", \"flows\": [{\"round\": 0, \"flow\": 0, \"src\": 0, \"dst\": 1, "
		       "\"avg_Gbps\": 7}]"
		     : "");
	return buf;
}

static int load(const char *dir, const char *ndjson, bool inl, struct fp_result *r, char *err,
		size_t el)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/flows.ndjson", dir);
	f = fopen(p, "w");
	if (!f)
		return -errno;
	fputs(ndjson, f);
	fclose(f);
	return fp_result_parse_flows("run.json", run(inl), strlen(run(inl)), NULL, 0, p, NULL, r,
				     err, el);
}

static const char good[] =
	"{\"size\":4096,\"round\":0,\"flow\":0,\"src\":0,\"dst\":1,\"tx_msgs\":4,\"lost\":1,"
	"\"latency\":{\"p50_us\":1,\"x\":[1,{\"y\":null}]},\"proto\":\"tcp\",\"avg_Gbps\":"
	"12.5,\"path\":[3,1,2]}\n"
	"\n"
	"{\"size\":64,\"round\":1,\"flow\":1,\"src\":2,\"dst\":3,\"avg_Gbps\":1,"
	"\"retrans\":13,\"segs_out\":1300,\"rtt_us\":900,"
	"\"latency\":{\"p50_us\":2,\"p99_us\":7.5}}\n"
	"  { \"size\" : 4096 , \"round\" : 1 , \"flow\" : 2 , \"src\" : 3 , \"dst\" : 2 , "
	"\"ok\" : true }";

static void bad(const char *dir, const char *line, const char *want)
{
	struct fp_result r;
	char err[512] = "";
	int ret = load(dir, line, false, &r, err, sizeof(err));

	CHECK(ret == -EINVAL && strstr(err, want) && strstr(err, "flows.ndjson:"),
	      "%s: %d '%s' (want '%s')", line, ret, err, want);
	if (!ret)
		fp_result_free(&r);
}

int main(void)
{
	char dir[] = "/tmp/fp-rflows.XXXXXX", err[512] = "", p[600], big[10000];
	struct fp_result r;
	int ret;

	if (!mkdtemp(dir))
		return 1;
	ret = load(dir, good, false, &r, err, sizeof(err));
	CHECK(!ret, "%s", err);
	if (!ret) {
		const struct fp_rsize *a = fp_result_size(&r, 64), *b = fp_result_size(&r, 4096);

		CHECK(a && a->nflows == 1 && a->flows[0].src == 2 && a->flows[0].round == 1 &&
			      a->flows[0].has_lat && a->flows[0].lat_p99_us == 7.5 &&
			      a->flows[0].retrans == 13 && a->flows[0].segs_out == 1300,
		      "size 64: %u flows", a ? a->nflows : 0);
		CHECK(b && b->nflows == 2 && b->flows[0].avg_gbps == 12.5 &&
			      b->flows[0].loss == 0.25 && b->flows[1].loss == 0 &&
			      b->flows[0].segs_out == 0 && b->flows[0].retrans == 0 &&
			      b->flows[0].npath == 3 && b->flows[0].path[0] == 3 &&
			      b->flows[0].has_path && b->flows[0].has_bw && b->flows[1].flow == 2 &&
			      !b->flows[1].has_bw && !b->flows[1].has_path,
		      "size 4096: %u flows", b ? b->nflows : 0);
		fp_result_free(&r);
	}
	/* inline flows are the record for their size: the sidecar's line for it is not read */
	ret = load(dir, good, true, &r, err, sizeof(err));
	CHECK(!ret && fp_result_size(&r, 64)->nflows == 1 &&
		      fp_result_size(&r, 64)->flows[0].avg_gbps == 7 &&
		      fp_result_size(&r, 4096)->nflows == 2,
	      "inline: %d %s", ret, err);
	if (!ret)
		fp_result_free(&r);
	bad(dir, "{\"size\":8,\"round\":0,\"src\":0,\"dst\":1}", "'size'");
	bad(dir, "{\"size\":64,\"round\":0,\"src\":0,\"dst\":4}", "not a rank of 4");
	bad(dir, "{\"size\":64,\"round\":2,\"src\":0,\"dst\":1}", "'round'");
	bad(dir, "{\"size\":64,\"round\":0,\"src\":1,\"dst\":1}", "both rank 1");
	bad(dir, "{\"size\":64,\"round\":0,\"flow\":4,\"src\":0,\"dst\":1}", "flow id");
	bad(dir, "{\"size\":64,\"round\":0,\"src\":0,\"dst\":1,\"avg_Gbps\":-1}", "not a rate");
	bad(dir, "{\"size\":64,\"round\":0,\"src\":0,\"dst\":1,\"latency\":{\"p99_us\":-1}}",
	    "'latency.p99_us'");
	bad(dir, "{\"size\":64,\"round\":0,\"src\":0,\"dst\":1,\"lost\":2,\"tx_msgs\":1}",
	    "'lost'");
	bad(dir, "{\"size\":64,\"round\":0,\"src\":0,\"dst\":1,\"lost\":2}", "'lost'");
	/* resent segments are among those sent, and come with them */
	bad(dir, "{\"size\":64,\"round\":0,\"src\":0,\"dst\":1,\"retrans\":2,\"segs_out\":1}",
	    "'retrans'");
	bad(dir, "{\"size\":64,\"round\":0,\"src\":0,\"dst\":1,\"retrans\":2}", "'retrans'");
	bad(dir, "{\"size\":64,\"round\":0,\"src\":0,\"dst\":1,\"segs_out\":2.5}", "'retrans'");
	bad(dir,
	    "{\"size\":64,\"round\":0,\"src\":0,\"dst\":1,\"path\":[0,1,2,3,4,5,6,7,8,9,"
	    "10,11,12,13,14,15,16]}",
	    "at most 16");
	bad(dir, "{\"size\":64,\"round\":0,\"src\":0,\"dst\":1,\"avg_Gbps\":nan}", "JSON object");
	bad(dir, "{\"size\":64,\"round\":0,\"src\":0,\"dst\":1} x", "JSON object");
	bad(dir, "{\"size\":64,\"round\":0,\"src\":0,\"dst\":1", "JSON object");
	bad(dir, "[1,2]", "JSON object");
	bad(dir,
	    "{\"size\":64,\"round\":0,\"flow\":1,\"src\":0,\"dst\":1}\n"
	    "{\"size\":64,\"round\":0,\"flow\":1,\"src\":2,\"dst\":3}",
	    "two records");
	/* records without a flow id are still one a flow a round: 2 x 4 at most, not a 9th */
	{
		static const char rec[] = "{\"size\":64,\"round\":0,\"src\":0,\"dst\":1}\n";
		char many[10 * sizeof(rec)] = "";

		for (int i = 0; i < 8; i++)
			strcat(many, rec);
		ret = load(dir, many, false, &r, err, sizeof(err));
		CHECK(!ret && fp_result_size(&r, 64)->nflows == 8, "8 records: %d %s", ret, err);
		if (!ret)
			fp_result_free(&r);
		strcat(many, rec);
		bad(dir, many, "2 rounds x 4 flows");
	}
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	bad(dir, big, "longer than");
	/* run.json names the sidecar: missing, it is an error, not a run without flows */
	snprintf(p, sizeof(p), "%s/none.ndjson", dir);
	ret = fp_result_parse_flows("run.json", run(false), strlen(run(false)), NULL, 0, p, NULL,
				    &r, err, sizeof(err));
	CHECK(ret == -EINVAL && strstr(err, "none.ndjson"), "missing: %d %s", ret, err);
	snprintf(p, sizeof(p), "%s/flows.ndjson", dir);
	unlink(p);
	rmdir(dir);
	return t_done("result_flows");
}
