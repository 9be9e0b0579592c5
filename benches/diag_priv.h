/* SPDX-License-Identifier: MIT */
/*
 * Inside the real executor of `fabprobe diagnose` (diag_run.c every rank, diag_lead.c rank
 * 0). Nothing else includes this.
 */
#ifndef FP_DIAG_PRIV_H
#define FP_DIAG_PRIV_H

#include "../fabric/model/hopmap.h"
#include "diag_run.h"
#include "run_priv.h"

/* a connection's traced path as directed links (2 * link + direction) */
struct fp_diag_cpath {
	bool known;
	unsigned hops;
	unsigned dl[FP_SIM_MAXHOPS];
};

struct fp_drun {
	struct rank rk;
	struct fp_run_data data;
	const struct fp_diag_run_cfg *dc;
	unsigned k;	/* connections per ordered pair */
	size_t size;	/* message size */
	uint32_t *seen; /* per connection: scratch for the schedule check */
	/* rank 0 */
	int *node_of;		     /* rank -> topology host */
	int *rank_of;		     /* topology node -> rank, -1 */
	struct fp_diag_cpath *path;  /* per connection */
	struct fp_hopmap map;	     /* hop addresses -> nodes */
	unsigned traced, untraced;   /* connections with a path known, without */
	uint64_t *bytes;	     /* per entry of the step running: what its receiver got */
	double *ns;		     /* and in how long */
	unsigned cap;		     /* entries bytes and ns hold */
	unsigned steered, unsteered; /* the last step's flows on their wanted path, not */
	uint64_t loop_bytes;	     /* the last loopback probe's */
	double loop_ns;
	struct fp_diagnosis d;
	bool ran, dir_ok; /* fp_diagnose ran; the output folder is there */
};

/* diag_run.c: connection (a, b, k); the next schedule run by every rank; the traces */
uint32_t fp_diag_conn(const struct fp_drun *x, int a, int b, unsigned k);
int fp_diag_next(struct fp_drun *x, const uint8_t *mine, size_t len, bool *done);
int fp_diag_trace(struct fp_drun *x);

/* diag_local.c: ns of one TCP stream over 127.0.0.1 in this process; rank who's, run by all */
int fp_diag_loopback(uint64_t ns, uint64_t *bytes, double *took, char *err, size_t el);
int fp_diag_local_run(struct fp_drun *x, uint32_t who, uint64_t ns);

/* diag_lead.c, rank 0 */
int fp_diag_lead_alloc(struct fp_drun *x);
void fp_diag_lead_free(struct fp_drun *x);
/* the output folder and the hop map, before the others are told anything */
int fp_diag_lead_prepare(struct fp_drun *x);
/* every rank on one topology host by its hostname, every host with one rank */
int fp_diag_map_ranks(struct fp_drun *x);
/* rank r's trace records (outside input) into x->path */
int fp_diag_paths_read(struct fp_drun *x, const uint8_t *b, size_t len, int r);
/* the diagnosis, then the empty schedule that ends every rank */
int fp_diag_lead(struct fp_drun *x);
/* set-up failed before the diagnosis began: diagnosis.json says so */
void fp_diag_lead_fail(struct fp_drun *x, int ret);
/* the exit status: 0, or 1 when the output could not be written */
int fp_diag_lead_status(const struct fp_drun *x);

/* diag_steps.c, rank 0: DIR/step-N/ for a step that ran */
int fp_diag_step_write(struct fp_drun *x, unsigned step, const struct fp_diag_flow *f, unsigned n,
		       const uint32_t *conn, const unsigned *entry, const struct fp_diag_meas *m,
		       double duration);

#endif
