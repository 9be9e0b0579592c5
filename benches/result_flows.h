/* SPDX-License-Identifier: MIT */
/*
 * flows.ndjson, the flow records of a run folder (results/README.md): one JSON object a
 * line, read in one pass without a document tree into the sizes run.json declared.
 */
#ifndef FP_RESULT_FLOWS_H
#define FP_RESULT_FLOWS_H

#include <stdio.h>

#include "result_read.h"

/* the longest line read: a record with a 16-link path and latency is under 1 KB */
#define FP_RFLOWS_MAXLINE 8192

/*
 * the most bytes read: flows.ndjson grows with the schedule, not within run.json's cap, but a
 * hostile file must not exhaust memory; 4 GiB holds some 20M records of ~200 bytes
 */
#define FP_RFLOWS_MAXBYTES (16ull * FP_RESULT_MAXBYTES)

/*
 * Append each line's record to the size of r it names (only sizes whose flows run.json
 * did not hold inline). where names f in messages ("FILE:LINE: ..."). At most
 * FP_RFLOWS_MAXBYTES are read, and a size takes at most rounds x flows records when run.json
 * says both (one a flow a round). 0, -EINVAL with err,
 * or -ENOMEM with "out of memory reading FILE (N flows)" in err.
 */
int fp_result_read_flows(FILE *f, const char *where, const struct fp_topo *t, struct fp_result *r,
			 char *err, size_t el);

#endif
