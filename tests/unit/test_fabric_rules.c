// SPDX-License-Identifier: MIT
/*
 * The analyzer's switch-side rule (issue 23) on fabprobe fabric-counters documents: symbol
 * errors judged as a BER over the interval (a lone error on a fast link is no finding),
 * XmitWait and discards as congestion and never a cable, down and silent ports named, one
 * snapshot reported without a rate, a reset counter read as its new value.
 */
#include <stdio.h>
#include <string.h>

#include "../../fabric/model/analyze_evidence.h"
#include "t.h"

#define END(n, p, st, c) "{\"node\":\"" n "\",\"port\":\"" p "\",\"status\":\"" st "\",\"counters\":{" c "}}"

static unsigned rules(const struct fp_topo *t, const char *doc, struct fp_findings *fs)
{
	char err[256] = "";

	fs->n = 0;
	CHECK(!fp_inventory_rules_text(t, "doc", doc, strlen(doc), fs, err, sizeof(err)), "%s",
	      err);
	return fs->n;
}

static bool has(const struct fp_findings *fs, const char *a, const char *b)
{
	for (unsigned i = 0; i < fs->n; i++)
		if (strstr(fs->f[i].text, a) && (!b || strstr(fs->f[i].text, b)))
			return true;
	return false;
}

int main(void)
{
	static struct fp_findings fs;
	struct fp_topo t;
	char err[256];
	int spine;

	fp_topo_init(&t);
	if (fp_topo_load(&t, FP_SRCDIR "/tests/fixtures/ibnetdiscover.txt", err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	spine = fp_topo_find(&t, "spine1");
	/* 10 s apart: 100 symbol errors on a 4x HDR port is BER 5e-11; 1 error is 5e-13 */
	rules(&t,
	      "{\"schema_version\":1,\"snapshots\":["
	      "{\"time\":100,\"ends\":[" END("leaf1", "39", "ok", "\"SymbolErrorCounter\":5") ","
	      END("spine1", "40", "ok", "\"PortXmitWait\":10") ","
	      END("spine1", "39", "ok", "\"SymbolErrorCounter\":7") "]},"
	      "{\"time\":110,\"ends\":[" END("leaf1", "39", "ok", "\"SymbolErrorCounter\":105") ","
	      END("spine1", "40", "ok", "\"PortXmitWait\":5010,\"PortXmitDiscards\":3") ","
	      END("spine1", "39", "ok", "\"SymbolErrorCounter\":8") ","
	      END("leaf1", "1", "down", "") ","
	      "{\"node\":\"node3_mlx5_0\",\"port\":\"1\",\"status\":\"no answer\",\"why\":\"timeout\"}"
	      "]}]}",
	      &fs);
	for (unsigned i = 0; i < fs.n; i++)
		printf("  %s\n", fs.f[i].text);
	CHECK(fs.n == 4, "%u findings", fs.n);
	CHECK(has(&fs, "leaf1:39: 100 symbol errors in 10.0 s, BER 5.0e-11", "bad cable"),
	      "a BER above 1e-12 is a cable");
	CHECK(!has(&fs, "spine1:39", NULL), "one error in 10 s at HDR is within the limit");
	CHECK(has(&fs, "spine1:40: congestion, not a cable: 3 transmit discards and 5000", NULL),
	      "XmitWait and discards are congestion");
	CHECK(!has(&fs, "spine1:40", "bad cable") && !has(&fs, "spine1:40", "flapping"),
	      "congestion is never a cable");
	CHECK(has(&fs, "leaf1:1: switch-side counters: the port is down", NULL), "down named");
	CHECK(has(&fs, "node3_mlx5_0:1: switch-side counters: did not answer (timeout)", NULL),
	      "silent port named");
	for (unsigned i = 0; i < fs.n; i++)
		if (strstr(fs.f[i].text, "spine1:40"))
			CHECK(fs.f[i].link >= 0 && fs.f[i].node == spine, "finding on its link end");
	/* one snapshot: the count since the last clear, said to have no rate */
	rules(&t,
	      "{\"snapshots\":[{\"time\":1,\"ends\":[" END("leaf1", "39", "ok",
							"\"SymbolErrorCounter\":77") "]}]}",
	      &fs);
	CHECK(fs.n == 1 && has(&fs, "77 symbol errors since the counters were cleared",
			       "no interval"),
	      "one snapshot");
	/* a counter that went backwards was cleared: its new value is what grew */
	rules(&t,
	      "{\"snapshots\":[{\"time\":0,\"ends\":[" END("leaf1", "39", "ok",
							"\"LinkDownedCounter\":9") "]},"
	      "{\"time\":5,\"ends\":[" END("leaf1", "39", "ok", "\"LinkDownedCounter\":2") "]}]}",
	      &fs);
	CHECK(fs.n == 1 && has(&fs, "retrained 2 times in 5.0 s", "flapping"), "reset counter");
	/* ends the topology does not have are skipped; a document without ends is no finding */
	CHECK(rules(&t, "{\"snapshots\":[{\"time\":0,\"ends\":[" END("nowhere", "1", "down", "")
			"]}]}", &fs) == 0, "unknown end");
	CHECK(rules(&t, "{\"snapshots\":[{\"time\":0}]}", &fs) == 0, "no ends");
	fp_topo_destroy(&t);
	return t_done("fabric_rules");
}
