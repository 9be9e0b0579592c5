// SPDX-License-Identifier: MIT
/*
 * A run's own "fabric_counters" (run --fabric-counters, issue 23) through the one reader
 * and into the analyzer's switch-side rules: symbol errors above the BER limit on one link
 * end are a physical finding on that link (both ends named), XmitWait is congestion and
 * never a cable, a down port is named, a run without an interval judges no rate, and a
 * malformed fabric_counters is refused with the field named.
 */
#include <stdio.h>
#include <string.h>

#include "../../benches/result_obs.h"
#include "t.h"

#define RUN(fc)                                                                                    \
	"{\"schema_version\":1,\"world_size\":1,\"hosts\":[{\"hostname\":\"h0\"}],\"results\":[]"  \
	"," fc "}"
#define FC(sec, ends)                                                                              \
	"\"fabric_counters\":{\"topology\":\"t\",\"seconds\":" sec ",\"ends\":[" ends "]}"
#define END(n, p, st, d)                                                                           \
	"{\"link\":\"x\",\"node\":\"" n "\",\"port\":\"" p "\",\"status\":\"" st "\"" d "}"

/* the findings of one run.json, -1 when the reader refused it (err holds why) */
static int judge(const struct fp_topo *t, const char *text, struct fp_findings *fs, char *err,
		 size_t el)
{
	struct fp_result r;
	int ret;

	memset(fs, 0, sizeof(*fs));
	err[0] = 0;
	if (fp_result_parse("run.json", text, strlen(text), NULL, 0, t, &r, err, el))
		return -1;
	ret = fp_result_fabric_rules(&r, t, fs, err, el);
	fp_result_free(&r);
	CHECK(!ret, "rules: %s", err);
	return ret ? -1 : (int)fs->n;
}

/* the finding whose text holds a, NULL when none */
static const struct fp_finding *find(const struct fp_findings *fs, const char *a)
{
	for (unsigned i = 0; i < fs->n; i++)
		if (strstr(fs->f[i].text, a))
			return &fs->f[i];
	return NULL;
}

static void refused(const struct fp_topo *t, const char *text, const char *field)
{
	static struct fp_findings fs;
	char err[512];

	CHECK(judge(t, text, &fs, err, sizeof(err)) < 0 && strstr(err, field) && !strchr(err, '\n'),
	      "refused naming %s: '%s'", field, err);
}

int main(void)
{
	static struct fp_findings fs;
	const struct fp_finding *f;
	struct fp_topo t;
	char err[512], ln[200];
	int n;

	fp_topo_init(&t);
	if (fp_topo_load(&t, FP_SRCDIR "/tests/fixtures/ibnetdiscover.txt", err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	/* 10 s: 100 symbol errors on 4x HDR is BER 5e-11 (limit 1e-12); 1 error is 5e-13 */
	n = judge(&t,
		  RUN(FC(
			  "10",
			  END("leaf1", "39", "ok",
			      ",\"deltas\":{\"SymbolErrorCounter\":100,"
			      "\"PortXmitWait\":0}") "," END("spine1", "39", "ok",
							     ",\"deltas\":{\"SymbolErrorCounter\":"
							     "1}") "," END("spine1", "40", "ok",
									   ",\"deltas\":{"
									   "\"PortXmitWait\":5000,"
									   "\"PortXmitDiscards\":"
									   "0}") "," END("leaf1",
											 "1",
											 "down",
											 ",\"why\":"
											 "\"port "
											 "down"
											 "\""))),
		  &fs, err, sizeof(err));
	for (unsigned i = 0; i < fs.n; i++)
		printf("  %s\n", fs.f[i].text);
	CHECK(n == 3, "%d findings: %s", n, err);
	f = find(&fs, "leaf1:39: 100 symbol errors in 10.0 s, BER 5.0e-11");
	CHECK(f && strstr(f->text, "bad cable") && f->link >= 0, "symbol errors: a cable");
	if (f && f->link >= 0) {
		fp_link_name(&t, f->link, ln, sizeof(ln));
		CHECK(strstr(ln, "leaf1:39") && strstr(ln, "spine1:39"), "both ends: %s", ln);
	}
	CHECK(!find(&fs, "spine1:39"), "1 error in 10 s at HDR is within the limit");
	f = find(&fs, "spine1:40: congestion, not a cable: 0 transmit discards and 5000 XmitWait");
	CHECK(f && f->link >= 0, "XmitWait is congestion");
	CHECK(!(find(&fs, "spine1:40") && strstr(find(&fs, "spine1:40")->text, "bad cable")),
	      "XmitWait is never a cable");
	CHECK(find(&fs, "leaf1:1: switch-side counters: the port is down (port down)"),
	      "the down port named");
	/* a run that failed before its second snapshot: no interval, no rate judged */
	n = judge(&t,
		  RUN(FC("-1700000000",
			 END("leaf1", "39", "ok", ",\"deltas\":{\"SymbolErrorCounter\":100}"))),
		  &fs, err, sizeof(err));
	CHECK(n == 0, "no interval: %d findings", n);
	/* without fabric_counters: nothing, and not an error */
	CHECK(judge(&t, RUN("\"pattern\":\"pairs\""), &fs, err, sizeof(err)) == 0, "%s", err);
	/* malformed: refused, the field named */
	refused(&t,
		RUN(FC("10", END("leaf1", "39", "ok", ",\"deltas\":{\"SymbolErrorCounter\":-3}"))),
		"fabric_counters.ends[0].deltas.SymbolErrorCounter");
	refused(&t, RUN(FC("10", END("leaf1", "39", "ok", ",\"deltas\":{\"a\\nb\":\"x\"}"))),
		"fabric_counters.ends[0].deltas.a b: not a whole number");
	refused(&t, RUN(FC("10", END("leaf1", "39", "ok", ",\"deltas\":[1]"))),
		"fabric_counters.ends[0].deltas");
	refused(&t, RUN(FC("10", END("leaf1", "39", "ok", "") "," END("", "39", "ok", ""))),
		"fabric_counters.ends[1].node");
	refused(&t, RUN(FC("\"ten\"", "")), "fabric_counters.seconds");
	refused(&t, RUN("\"fabric_counters\":{\"seconds\":1}"), "fabric_counters.ends");
	refused(&t, RUN("\"fabric_counters\":{\"seconds\":1,\"source\":\"x\",\"ends\":[]}"),
		"fabric_counters.source");
	refused(&t, RUN("\"fabric_counters\":[]"), "fabric_counters.seconds");
	fp_topo_destroy(&t);
	return t_done("fabric_join");
}
