/* SPDX-License-Identifier: MIT */
/*
 * Flapping evidence in a soak's counters.csv (results/README.md, "Soak runs"): a port whose
 * carrier_changes or link_downed counter grew in more than one snapshot interval went down
 * and came back more than once. Read in one pass, every field checked.
 */
#ifndef FP_RESULT_FLAP_H
#define FP_RESULT_FLAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FP_FLAP_MAXBYTES (256u << 20) /* counters.csv larger than this is refused */
#define FP_FLAP_EV	 4	      /* intervals named per flapping port (the rest counted) */

/* one rank's link-state counter over the run */
struct fp_flap {
	int rank;
	unsigned kind;	    /* index into fp_flap_counters[] */
	char port[48];	    /* the netdev the rank's snapshots read */
	unsigned intervals; /* snapshot intervals after the baseline */
	unsigned grew;	    /* of them, those in which the counter grew */
	uint64_t total;	    /* its growth over the run */
	double t_prev;	    /* the last snapshot's t_s */
	struct {
		double t0, t1; /* the interval, seconds from the first snapshot */
		uint64_t delta;
	} ev[FP_FLAP_EV];
};

/* the counters that count a link going down: carrier_changes, link_downed, rdma_link_downed */
extern const char *const fp_flap_counters[];
#define FP_FLAP_KINDS 3

struct fp_flaps {
	struct fp_flap *s; /* nranks x FP_FLAP_KINDS series, in that order */
	int nranks;
};

/*
 * counters.csv text of a run of nranks ranks (where names it in messages). 0, -EINVAL with
 * "where:line: what" in err, or -ENOMEM. fp_flaps_free() either way.
 */
int fp_flap_parse(const char *where, const char *text, size_t len, int nranks, struct fp_flaps *out,
		  char *err, size_t el);
void fp_flaps_free(struct fp_flaps *f);
/* the series is flapping: its counter grew in more than one interval */
static inline bool fp_flap_is(const struct fp_flap *s)
{
	return s->grew > 1;
}
/* "FLAPPING: carrier_changes on eth0 grew in 3 of 9 intervals (+2 in 1.0-1.5 s, ...)" */
void fp_flap_text(const struct fp_flap *s, char *buf, size_t len);

/*
 * A flow's rate over a soak's phases (soak.csv): a dip is a phase below FP_DIP_LOW of the
 * best phase before it; it recovered when a later phase reaches FP_DIP_BACK of that best.
 */
#define FP_DIP_LOW	0.1
#define FP_DIP_BACK	0.5
#define FP_DIP_MAXFLOWS 65536 /* (size, flow) series kept; more is refused */

struct fp_dip {
	uint64_t size;
	uint32_t flow;
	int src, dst;
	unsigned phases;
	unsigned flaps;	 /* dips that recovered */
	bool in_dip;	 /* the last phase was a dip */
	double best;	 /* the best phase so far, Gb/s */
	double t0, t1;	 /* the first dip that recovered, seconds */
	double dip_gbps; /* its rate */
	/* its rate in every pass, by pass number (NaN: a pass without it), nrate of them;
	 * NULL once the file holds more than FP_DIP_MAXCELLS (fp_dips.no_rates) */
	float *rate;
	unsigned nrate, caprate;
};

/* flows x passes whose rates are kept for the path rule (result_dippath.c): 64 MB */
#define FP_DIP_MAXCELLS (16u << 20)
#define FP_DIP_MAXPASS	(1u << 20) /* a pass number past it is refused */

struct fp_dips {
	struct fp_dip *d;
	size_t n, cap;
	/* (size, flow) to 1 + its index in d, open addressing over nslot (a power of two, at
	 * least 2 x cap): a row finds its series in O(1), so a file reads in O(rows) */
	uint32_t *slot;
	size_t nslot;
	/* each pass's interval (by pass number; t1 < t0: no row named it), npass of them */
	double *pt0, *pt1;
	unsigned npass, cappass;
	size_t cells;  /* rates kept in every series */
	bool no_rates; /* past FP_DIP_MAXCELLS: the rates were let go, the tallies kept */
};

/* soak.csv text of a run of nranks ranks: 0, -EINVAL with "where:line: what", -ENOMEM */
int fp_dip_parse(const char *where, const char *text, size_t len, int nranks, struct fp_dips *out,
		 char *err, size_t el);
void fp_dips_free(struct fp_dips *d);

/* one rank's flows in a soak.csv: what analyze's flapping-by-rates rule weighs */
struct fp_dip_rank {
	unsigned touch;		    /* flows to or from it (a flow to itself once) */
	unsigned dipped;	    /* of them, those that dipped and recovered twice or more */
	unsigned steady;	    /* flows neither to nor from it that never dipped */
	const struct fp_dip *first; /* its first flow (file order) that dipped and recovered */
};

/*
 * Every rank's tallies in one pass over the flows and one over the ranks, O(flows + ranks):
 * out holds nranks entries; flows naming a rank outside 0..nranks-1 count for no rank.
 */
void fp_dip_ranks(const struct fp_dips *d, int nranks, struct fp_dip_rank *out);

#endif
