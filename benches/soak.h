/* SPDX-License-Identifier: MIT */
/*
 * A soak's time series as rank 0 keeps them: every rank's port counters at each
 * --counter-interval snapshot, and every flow's rate in each timed phase; and what the
 * degradation rules find in them (results_soak.c).
 */
#ifndef FP_SOAK_H
#define FP_SOAK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FP_SOAK_NAMES 160 /* distinct counter names over all ranks */
/* a flow is degraded when its last third of phases averages below this of its first third */
#define FP_SOAK_RATE_DROP 0.7
/* a port's fault counter is rising when it grew more than this many times as fast in the
 * last third of snapshots as in the first (and by at least one) */
#define FP_SOAK_ERR_RISE 2.0

struct fp_soak_row {
	double t; /* seconds since the run's first snapshot */
	uint32_t rank;
	uint16_t ctr; /* index into names */
	uint64_t value;
	uint64_t delta; /* since the rank's previous snapshot; a counter that went back: value */
};

struct fp_soak_rate {
	double t0, t1; /* the phase, seconds since the soak began */
	uint32_t pass, si, flow;
	int src, dst;
	double gbps; /* received bytes over the receive time */
};

struct fp_soak {
	bool on;	      /* --soak or --forever */
	const char *ended_by; /* "duration", "signal"; NULL: still running or not a soak */
	unsigned passes;      /* whole passes over every size and round */
	double counter_s;     /* --counter-interval, seconds; 0: no snapshots */
	int nranks;
	unsigned nnames;
	char names[FP_SOAK_NAMES][48];
	char (*port)[48];	 /* per rank: the netdev its snapshots read */
	int8_t *fec;		 /* per rank: -1 never read, 0 not available, 1 reported */
	uint64_t *prev;		 /* per rank x name: the last value */
	uint8_t *seen;		 /* per rank x name: a value was read */
	struct fp_soak_row *row; /* in time order */
	size_t nrow, rowcap;
	struct fp_soak_rate *rate; /* in time order */
	size_t nrate, ratecap;
};

/* A flow or port that degraded, with its evidence. */
struct fp_soak_deg {
	bool port; /* false: a flow */
	uint32_t si, flow;
	int src, dst, rank;
	uint16_t ctr;
	unsigned samples;
	double first, last; /* mean Gb/s of the thirds, or the counter's growth in each */
};

int fp_soak_init(struct fp_soak *s, int nranks);
void fp_soak_free(struct fp_soak *s);
/*
 * A rank's snapshot: the port, then "name=value" lines. 0, -ENOMEM, or -EBADMSG for a
 * malformed blob: a bad name, a value that is not a number below 2^64, a name twice.
 */
int fp_soak_add_snap(struct fp_soak *s, double t, int rank, const char *blob, size_t len);
int fp_soak_add_rate(struct fp_soak *s, const struct fp_soak_rate *r);
/* The degradations, at most max into out; how many there are. */
unsigned fp_soak_degraded(const struct fp_soak *s, unsigned nsizes, uint32_t nflows,
			  struct fp_soak_deg *out, unsigned max);

struct fp_json;
struct fp_run_data;
/* run.json's "soak" object and "degraded" array; counters.csv and soak.csv. */
void fp_soak_json(struct fp_json *j, const struct fp_run_data *d);
void fp_soak_csv_counters(const struct fp_run_data *d, FILE *f);
void fp_soak_csv_rates(const struct fp_run_data *d, FILE *f);

#endif
