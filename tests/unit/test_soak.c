// SPDX-License-Identifier: MIT
/* A soak's series (benches/results_soak.c): snapshots, deltas, and the degradation rules. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../benches/soak.h"
#include "t.h"

static void snap(struct fp_soak *s, double t, int rank, unsigned long long err,
		 unsigned long long bytes)
{
	char b[256];
	int n = snprintf(b, sizeof(b), "eth0\nrx_bytes=%llu\nrx_errors=%llu\n", bytes, err);

	CHECK(fp_soak_add_snap(s, t, rank, b, (size_t)n) == 0, "snapshot at %g", t);
}

static void rates(struct fp_soak *s, uint32_t flow, const double *g, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct fp_soak_rate r = { .t0 = i,
					  .t1 = i + 1,
					  .pass = i,
					  .flow = flow,
					  .src = 0,
					  .dst = 1,
					  .gbps = g[i] };

		CHECK(fp_soak_add_rate(s, &r) == 0, "rate");
	}
}

/* FEC is known only when both fec_* counters fit in FP_SOAK_NAMES (they come last) */
static void fec_full(void)
{
	char b[FP_SOAK_NAMES * 16 + 64];
	struct fp_soak s;
	int n = snprintf(b, sizeof(b), "eth0\n");

	CHECK(fp_soak_init(&s, 1) == 0, "init");
	CHECK(fp_soak_add_snap(&s, 0, 0, "eth0\nfec_corrected=1\nfec_uncorrectable=0\n", 41) == 0 &&
		      s.fec[0],
	      "both fec counters");
	for (unsigned i = 0; i < FP_SOAK_NAMES - 3; i++)
		n += snprintf(b + n, sizeof(b) - (size_t)n, "c%u=1\n", i);
	n += snprintf(b + n, sizeof(b) - (size_t)n, "fec_corrected=1\nfec_uncorrectable=0\nx=1\n");
	CHECK(fp_soak_add_snap(&s, 1, 0, b, (size_t)n) == 0 && s.fec[0] &&
		      s.nnames == FP_SOAK_NAMES,
	      "fec kept in a full table (%u names)", s.nnames);
	CHECK(fp_soak_add_snap(&s, 2, 0, "eth0\nfec_corrected=1\n", 21) == 0 && !s.fec[0],
	      "one fec counter is not FEC");
	fp_soak_free(&s);
	CHECK(fp_soak_init(&s, 1) == 0, "init");
	n = snprintf(b, sizeof(b), "eth0\n");
	for (unsigned i = 0; i < FP_SOAK_NAMES - 1; i++)
		n += snprintf(b + n, sizeof(b) - (size_t)n, "c%u=1\n", i);
	n += snprintf(b + n, sizeof(b) - (size_t)n, "fec_corrected=1\nfec_uncorrectable=0\n");
	CHECK(fp_soak_add_snap(&s, 0, 0, b, (size_t)n) == 0 && !s.fec[0],
	      "fec_uncorrectable dropped: FEC unknown, not 0");
	fp_soak_free(&s);
}

int main(void)
{
	struct fp_soak s;
	struct fp_soak_deg d[8];
	/* flow 0 holds its rate within noise; flow 1 drops to a fifth after the middle */
	const double steady[9] = { 1.0, 0.8, 1.1, 0.9, 1.2, 0.7, 1.0, 0.9, 0.8 };
	const double drop[9] = { 1.0, 1.0, 1.0, 1.0, 0.9, 0.2, 0.2, 0.2, 0.2 };
	unsigned n;

	CHECK(fp_soak_init(&s, 2) == 0, "init");
	/* rank 0: errors steady at 1 per snapshot; rank 1: none, then growing */
	for (int i = 0; i < 7; i++) {
		snap(&s, i, 0, 10 + (unsigned long long)i, 1000ull * i);
		snap(&s, i, 1, i < 4 ? 0 : (unsigned long long)(i - 3) * 50, 1000ull * i);
	}
	CHECK(s.nrow == 28 && s.nnames == 2, "rows %zu names %u", s.nrow, s.nnames);
	CHECK(s.row[0].delta == 0 && s.row[4].delta == 1000, "first snapshot is the baseline");
	CHECK(!strcmp(s.port[1], "eth0") && s.fec[1] == 0, "port and FEC unknown");
	/* malformed: no port line, a bad name, a negative or junk value, a rank out of range */
	CHECK(fp_soak_add_snap(&s, 9, 0, "rx=1\n", 5) == -EBADMSG, "no port");
	CHECK(fp_soak_add_snap(&s, 9, 0, "eth0\nr\"x=1\n", 11) == -EBADMSG, "quote in a name");
	CHECK(fp_soak_add_snap(&s, 9, 0, "eth0\nrx=-1\n", 11) == -EBADMSG, "negative");
	CHECK(fp_soak_add_snap(&s, 9, 0, "eth0\nrx=1x\n", 11) == -EBADMSG, "junk");
	CHECK(fp_soak_add_snap(&s, 9, 5, "eth0\n", 5) == -EBADMSG, "rank");
	CHECK(fp_soak_add_snap(&s, 9, 0, "eth0\nrx=1\nrx=2\n", 15) == -EBADMSG, "a name twice");
	CHECK(fp_soak_add_snap(&s, 9, 0, "eth0\nrx=18446744073709551616\n", 29) == -EBADMSG,
	      "2^64 overflows");
	rates(&s, 0, steady, 9);
	rates(&s, 1, drop, 9);
	n = fp_soak_degraded(&s, 1, 2, d, 8);
	CHECK(n == 2, "one flow and one port degraded, got %u", n);
	CHECK(n >= 1 && !d[0].port && d[0].flow == 1 && d[0].samples == 9 && d[0].first > 0.99 &&
		      d[0].last < 0.21,
	      "flow 1: %g -> %g", n ? d[0].first : 0, n ? d[0].last : 0);
	CHECK(n >= 2 && d[1].port && d[1].rank == 1 && !strcmp(s.names[d[1].ctr], "rx_errors"),
	      "rank 1's errors rise");
	/* a counter that went backwards (a reset) counts from zero, not as a huge jump */
	snap(&s, 8, 0, 3, 0);
	CHECK(s.row[s.nrow - 1].delta == 3 && s.row[s.nrow - 2].delta == 0, "reset");
	fp_soak_free(&s);
	fp_soak_free(NULL);
	fec_full();
	return t_done("soak");
}
