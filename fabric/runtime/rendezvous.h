/* SPDX-License-Identifier: MIT */
/*
 * The rendezvous: how ranks launched by any launcher meet. Rank 0 listens on HOST:PORT,
 * the others connect (retrying until the deadline) and prove they hold the job token by
 * challenge-response; rank 0 proves it too, and every later message is authenticated
 * (rv_codec.h). It then offers allgather, gather-to-0 and barrier. Every wait has a
 * deadline and ends early when *stop is set; a peer that dies or goes silent is named in
 * the error. All calls return 0 or -errno and put a one-line message into err.
 */
#ifndef FP_RENDEZVOUS_H
#define FP_RENDEZVOUS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rv_codec.h"

struct fp_rv;

struct fp_rv_params {
	int rank, size;
	const char *addr;		   /* HOST:PORT or [V6]:PORT */
	const char *token;		   /* job token */
	uint64_t timeout_ns;		   /* every wait */
	const volatile sig_atomic_t *stop; /* when set (a signal handler), every wait ends */
	bool weak_token;    /* the token is the launcher's job id: others can guess it */
	bool require_token; /* then, off loopback, fp_rv_open refuses with -EPERM */
};

/*
 * Before any rank starts (exit 2 material): -EINVAL when addr is not HOST:PORT; on rank 0,
 * raise RLIMIT_NOFILE to its hard limit and -EMFILE when a job of size ranks cannot fit
 * in it, with the command to raise it in err.
 */
int fp_rv_preflight(const char *addr, int rank, int size, char *err, size_t errlen);

int fp_rv_open(const struct fp_rv_params *p, struct fp_rv **out, char *err, size_t errlen);
void fp_rv_close(struct fp_rv *rv);

/* Every rank gets every rank's blob; out is filled on every rank. */
int fp_rv_allgather(struct fp_rv *rv, const char *what, const void *mine, size_t len,
		    struct fp_rv_blobs *out, char *err, size_t errlen);
/* Rank 0 gets every rank's blob (out filled on rank 0 only); also a barrier. */
int fp_rv_gather(struct fp_rv *rv, const char *what, const void *mine, size_t len,
		 struct fp_rv_blobs *out, char *err, size_t errlen);
int fp_rv_barrier(struct fp_rv *rv, const char *what, char *err, size_t errlen);
/* Tell the job this rank failed, and why: best effort, bounded. */
void fp_rv_abort(struct fp_rv *rv, const char *why);
/*
 * Rank 0, after a failure it saw on the data path: wait up to wait_ns for the other ranks'
 * last words. Ranks whose connection closed without an error report died silently; they
 * are listed in dead[] (at most maxdead, *ndead set). The first report received is copied
 * to report. Returns the number of silent deaths.
 */
int fp_rv_postmortem(struct fp_rv *rv, uint64_t wait_ns, int *dead, int maxdead, char *report,
		     size_t len);
/* The token is guessable and the rendezvous is off loopback: run.json says "auth": "weak". */
bool fp_rv_auth_weak(const struct fp_rv *rv);
/*
 * The job's data-plane key (FP_SHA256_LEN bytes, the same on every rank, new for each job):
 * what the engines tag their data connections with (fp_rv_flow_tag). Valid until close.
 */
const uint8_t *fp_rv_data_key(const struct fp_rv *rv);
/* The local address this rank used to reach the rendezvous ("127.0.0.1"). */
const char *fp_rv_local_ip(const struct fp_rv *rv);

/* Split "host:port" / "[v6]:port". */
int fp_rv_split_addr(const char *addr, char *host, size_t hostlen, char *port, size_t portlen);

#endif
