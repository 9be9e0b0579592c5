/* SPDX-License-Identifier: MIT */
/*
 * fabprobe trace: the path of every flow a finished run recorded, probed with the flow's
 * own 5-tuple from the host it started on (fabric/runtime/probe.h), each answering address
 * mapped to a topology node (fabric/model/hopmap.h), written to paths.json.
 */
#ifndef FP_TRACE_H
#define FP_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../fabric/model/topo.h"
#include "../fabric/runtime/probe.h"

/* a flow's identity as run.json records it (results/README.md, flows[]) */
struct fp_trace_flow {
	unsigned id;
	int src;
	char proto[8]; /* "" when the run recorded none */
	char src_ip[48], dst_ip[48];
	unsigned sport, dport;
	bool failed; /* in failed_flows (it stalled): not traced, its probes would stop too */
};

/*
 * run.json's flows[] (outside input): every record with an id, src and, when it has a
 * proto, both addresses and ports in range. 0 with *out (caller frees), -EINVAL with
 * "where: flows[i]: what" in err, -ENOMEM.
 */
int fp_trace_flows_parse(const char *text, size_t len, const char *where,
			 struct fp_trace_flow **out, unsigned *n, char *err, size_t el);

enum fp_trace_state {
	FP_TRACE_OK,	    /* the destination answered */
	FP_TRACE_FAILED,    /* a hop stayed silent, or a router said unreachable */
	FP_TRACE_SKIPPED,   /* not a flow probes can carry (RDMA over InfiniBand, null, IPv6) */
	FP_TRACE_ELSEWHERE, /* it starts on another host (or rank, with --rank) */
};

struct fp_trace_item {
	struct fp_trace_flow f;
	enum fp_trace_state st;
	unsigned n; /* nodes of the path: source host, routers, destination */
	char node[FP_PROBE_MAXTTL + 1][FP_NAME_LEN];
	char addr[FP_PROBE_MAXTTL + 1][48];
	unsigned unmapped; /* hops no node owns: written as their address */
	char why[200];	   /* FAILED, SKIPPED */
};

struct fp_trace_cfg {
	const char *run;      /* the run folder */
	const char *topology; /* NULL: hops map only */
	const char *hops;     /* NULL: topology only */
	const char *out;      /* NULL: RUN/paths.json */
	int max_ttl, timeout_ms, tries;
	int rank; /* -1: every flow whose source address is here */
	/* --merge: no probes; these parts (paths.json files of fabprobe trace) into one */
	const char *const *merge;
	unsigned nmerge;
	/* under a launcher: where rank 0 gathers the ranks' parts, and the job token */
	const char *rendezvous, *token;
};

struct fp_trace {
	struct fp_trace_item *it;
	unsigned n, ok, failed, skipped, elsewhere, unmapped;
	char out[4200]; /* where paths.json went, "" when nothing was written */
	int rank;	/* under a launcher: this rank; rank 0 writes every rank's traces */
	bool sent;	/* this rank's traces went to rank 0 */
};

/*
 * Trace the run's flows that start here and write paths.json (atomically) when every one of
 * them reached its destination; nothing is written when a flow failed or none starts here.
 * 0 with *tr (per flow, for the caller to render; fp_trace_free), -EINVAL (bad input),
 * -EPERM (no CAP_NET_RAW) or -errno, with one line in err.
 */
int fp_trace_run(const struct fp_trace_cfg *c, struct fp_trace *tr, char *err, size_t el);
void fp_trace_free(struct fp_trace *tr);

/* paths.json (results/README.md) of the traced flows in tr, and "failed", their count */
void fp_trace_emit(const struct fp_trace *tr, FILE *f, bool pretty);
/*
 * A part that fp_trace_emit wrote (another host's or rank's) into tr, whose items are the
 * run's flows: each flow once, one of the run's (and of rank's, when rank >= 0), with its
 * path and hops. 0, or -EINVAL with "where: what" in err.
 */
int fp_trace_part_read(struct fp_trace *tr, const char *text, size_t len, const char *where,
		       int rank, char *err, size_t el);

#endif
