// SPDX-License-Identifier: MIT
/*
 * fabprobe trace's inputs besides the wire: run.json's flow identities (every bad record
 * refused, naming it), and parts of other hosts or ranks (a flow of the run, of the rank
 * that sent it, traced once, with as many hops as nodes) merged; what it writes reads back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../benches/trace.h"
#include "t.h"

static void flows(void)
{
	static const char ok[] =
		"{\"flows\": [{\"id\": 1, \"src\": 1, \"dst\": 0, \"proto\": \"rocev2\", "
		"\"src_ip\": \"10.0.0.2\", \"src_port\": 49152, \"dst_ip\": \"10.0.0.1\", "
		"\"dst_port\": 4791, \"qpn\": 17}, {\"id\": 0, \"src\": 0, \"dst\": 1}]}";
	static const char *const bad[] = {
		"{\"flows\": {}}",
		"{\"flows\": [{\"id\": -1, \"src\": 0}]}",
		"{\"flows\": [{\"id\": 1.5, \"src\": 0}]}",
		"{\"flows\": [{\"id\": 1, \"src\": 0}, {\"id\": 1, \"src\": 1}]}",
		"{\"flows\": [{\"id\": 1, \"src\": 0, \"proto\": \"tcp\", \"src_ip\": \"a\", "
		"\"dst_ip\": \"b\", \"src_port\": 65536, \"dst_port\": 1}]}",
		"{\"flows\": [{\"id\": 1, \"src\": 0, \"proto\": \"tcp\", \"src_ip\": [], "
		"\"dst_ip\": \"b\", \"src_port\": 1, \"dst_port\": 1}]}",
		"[1, 2",
	};
	struct fp_trace_flow *f = NULL;
	unsigned n = 0;
	char err[256];

	CHECK(!fp_trace_flows_parse(ok, sizeof(ok) - 1, "run.json", &f, &n, err, sizeof(err)), "%s",
	      err);
	CHECK(n == 2 && f[0].id == 0 && !f[0].proto[0] && f[1].id == 1, "2 flows, by id");
	CHECK(n == 2 && !strcmp(f[1].proto, "rocev2") && f[1].sport == 49152 &&
		      f[1].dport == 4791 && !strcmp(f[1].dst_ip, "10.0.0.1") && f[1].src == 1,
	      "flow 1's identity");
	free(f);
	/* a flow that stalled keeps its identity, and is marked not to be traced */
	static const char stalled[] =
		"{\"flows\": [{\"id\": 1, \"src\": 1, \"dst\": 0, \"proto\": \"tcp\", "
		"\"src_ip\": \"10.0.0.2\", \"src_port\": 49152, \"dst_ip\": \"10.0.0.1\", "
		"\"dst_port\": 5201}, {\"id\": 0, \"src\": 0, \"dst\": 1}], \"failed_flows\": "
		"[{\"flow\": 1, \"stalled\": true}, {\"flow\": 7}, {\"flow\": \"x\"}]}";
	f = NULL;
	CHECK(!fp_trace_flows_parse(stalled, sizeof(stalled) - 1, "run.json", &f, &n, err,
				    sizeof(err)) &&
		      n == 2 && !f[0].failed && f[1].failed && f[1].sport == 49152,
	      "the stalled flow 1 marked, flow 0 not, other entries ignored: %s", err);
	free(f);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f = NULL;
		CHECK(fp_trace_flows_parse(bad[i], strlen(bad[i]), "run.json", &f, &n, err,
					   sizeof(err)) == -EINVAL &&
			      !f && !strncmp(err, "run.json", 8),
		      "bad %zu: '%s'", i, err);
		free(f);
	}
}

/* a run of flows 0..3, flow k from rank k % 2 */
static void run4(struct fp_trace *tr)
{
	memset(tr, 0, sizeof(*tr));
	tr->it = calloc(4, sizeof(*tr->it));
	tr->n = tr->it ? 4 : 0;
	for (unsigned i = 0; i < tr->n; i++) {
		tr->it[i].f.id = i;
		tr->it[i].f.src = (int)(i % 2);
		tr->it[i].st = FP_TRACE_ELSEWHERE;
	}
}

static void parts(void)
{
	static const char ok[] = "{\"failed\": 0, \"flows\": {\"1\": [\"h1\", \"leaf0\", \"h0\"]}, "
				 "\"hops\": {\"1\": [\"10.0.0.5\", \"10.0.0.6\", \"10.0.0.1\"]}}";
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "{\"flows\": {\"7\": [\"a\"]}, \"hops\": {\"7\": [\"1.1.1.1\"]}}",
		  "p: flows: '7' is not a flow of the run" },
		{ "{\"flows\": {\"0\": [\"a\"]}, \"hops\": {\"0\": [\"1.1.1.1\"]}}",
		  "p: flow 0: rank 1 sent it, but rank 0 sourced it" },
		{ "{\"flows\": {\"1\": [\"a\"]}, \"hops\": {\"1\": [\"1.1.1.1\"]}}",
		  "p: flow 1 is traced twice" },
		{ "{\"flows\": {\"3\": []}, \"hops\": {\"3\": []}}",
		  "p: flow 3: not a list of 1 to 17 node names" },
		{ "{\"flows\": {\"3\": [\"a\", \"b\"]}, \"hops\": {\"3\": [\"1.1.1.1\"]}}",
		  "p: flow 3: 'hops' is not a list of 2 addresses" },
		{ "{\"flows\": {\"3\": [\"a\", [1]]}, \"hops\": {}}", "p: flow 3: not a list" },
		{ "{\"flows\": {\"3\": [\"a\"]}}", "p: not a part of fabprobe trace" },
		{ "{\"failed\": -1, \"flows\": {}, \"hops\": {}}", "p: 'failed' is not a count" },
		{ "{\"flows\": {\"1x\": [\"a\"]}, \"hops\": {}}", "p: flows: '1x' is not a flow" },
	};
	struct fp_trace tr, back;
	char err[256], *doc = NULL;
	size_t len = 0;
	FILE *m;

	run4(&tr);
	CHECK(!fp_trace_part_read(&tr, ok, sizeof(ok) - 1, "p", 1, err, sizeof(err)), "%s", err);
	CHECK(tr.it[1].st == FP_TRACE_OK && tr.it[1].n == 3 && !strcmp(tr.it[1].node[1], "leaf0") &&
		      !strcmp(tr.it[1].addr[2], "10.0.0.1"),
	      "flow 1 read");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(fp_trace_part_read(&tr, bad[i].text, strlen(bad[i].text), "p", 1, err,
					 sizeof(err)) == -EINVAL &&
			      !strncmp(err, bad[i].why, strlen(bad[i].why)),
		      "bad part %zu: '%s'", i, err);
	/* what fp_trace_emit writes, read back by rank 1's part into another run */
	m = open_memstream(&doc, &len);
	CHECK(m != NULL, "memstream");
	if (!m)
		return;
	fp_trace_emit(&tr, m, true);
	fclose(m);
	run4(&back);
	CHECK(!fp_trace_part_read(&back, doc, len, "emitted", -1, err, sizeof(err)), "%s", err);
	CHECK(back.it[1].st == FP_TRACE_OK && back.it[0].st == FP_TRACE_ELSEWHERE &&
		      !memcmp(back.it[1].node, tr.it[1].node, sizeof(tr.it[1].node)),
	      "round trip");
	CHECK(strstr(doc, "\"sources\": {\n    \"1\": \"traced\"") != NULL, "%s", doc);
	free(doc);
	fp_trace_free(&tr);
	fp_trace_free(&back);
}

int main(void)
{
	flows();
	parts();
	return t_done("trace");
}
