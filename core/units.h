/* SPDX-License-Identifier: MIT */
/*
 * Units. Message sizes use binary suffixes as perftest and OSU do (4K = 4096 B).
 * Rates never mix: Gb/s = 1e9 bit/s, GB/s = 1e9 B/s, Mmsg/s = 1e6 messages/s.
 */
#ifndef FP_UNITS_H
#define FP_UNITS_H

#include <stddef.h>
#include <stdint.h>

#define FP_MAX_SIZES	64
#define FP_MAX_MSG_SIZE (1ull << 30)

/* "4K", "1M", "64": a size in bytes with an optional K/M/G (binary) suffix. */
int fp_parse_size(const char *s, uint64_t *out);
/*
 * A size list: "8,64,4K", a geometric range "1:1M:x2", an arithmetic one "1K:8K:+1K",
 * or a mix of these joined by commas. Sizes are 1..FP_MAX_MSG_SIZE, sorted, unique.
 */
int fp_parse_sizes(const char *s, uint64_t *sizes, unsigned max, unsigned *n);
/* "10", "2.5s", "500ms", "3us", "1m": a duration in nanoseconds. */
int fp_parse_duration(const char *s, uint64_t *ns);
/* A signed integer, whole string, decimal. */
int fp_parse_i64(const char *s, int64_t *out);
/* A packet rate: "10G", "2.5Gbps", "800M" (bit/s on the wire) or "1.5Mpps", "300kpps";
 * exactly one of *bps, *pps is set. */
int fp_parse_rate(const char *s, double *bps, double *pps);

static inline double fp_gbit_s(double bytes_per_s)
{
	return bytes_per_s * 8.0 / 1e9;
}

static inline double fp_gbyte_s(double bytes_per_s)
{
	return bytes_per_s / 1e9;
}

/* "4K" for 4096, "1M", or the plain number: for tables and file names. */
void fp_size_label(uint64_t size, char *buf, size_t len);

#endif
