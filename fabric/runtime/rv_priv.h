/* SPDX-License-Identifier: MIT */
/*
 * Inside the rendezvous, shared by its pieces: rendezvous.c (open, close), rv_io.c (the wire),
 * rv_serve.c (rank 0), rv_client.c (ranks > 0), rv_collect.c (collectives). Not for other
 * callers: they use rendezvous.h.
 */
#ifndef FP_RV_PRIV_H
#define FP_RV_PRIV_H

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rendezvous.h"

/* One connection between rank 0 and a peer; keyed once the peer is welcomed. */
struct fp_rv_conn {
	int fd;
	bool keyed;
	bool broken; /* half a message went out: nothing more can be sent on it */
	uint8_t key[FP_SHA256_LEN];
	uint8_t root_proof[FP_SHA256_LEN]; /* rank 0: what WELCOME carries */
	uint64_t tx, rx;		   /* messages sent and received under the key */
};

struct fp_rv {
	int rank, size;
	char *token;
	uint64_t timeout_ns;
	uint32_t seq;
	const volatile sig_atomic_t *stop;
	bool weak;		  /* guessable token off loopback */
	struct fp_rv_conn up;	  /* rank > 0: to rank 0 */
	struct fp_rv_conn *conns; /* rank 0: conns[r], r >= 1 */
	char addr[256];
	char local_ip[INET6_ADDRSTRLEN];
	uint8_t job_nonce[FP_RV_NONCE_LEN]; /* rank 0's, sent in WELCOME */
	uint8_t data_key[FP_SHA256_LEN];    /* from the token and the job nonce */
	uint64_t refused, refused_told_at;  /* rank 0: strangers sent away, and when last said */
};

/* rv_io.c */
/* rank 0: an ERROR message to every connected peer, even after a stop signal */
void fp_rv_broadcast_error(struct fp_rv *rv, const char *text);
/* one ERROR message on c, bounded by its own second, even after a stop signal */
void fp_rv_last_words(struct fp_rv *rv, struct fp_rv_conn *c, const char *text, size_t len);
/* the keyed message's mac checks out (and its counter is the next one) */
bool fp_rv_opened(const struct fp_rv *rv, struct fp_rv_conn *c, const uint8_t *hdr,
		  const void *payload, size_t len);
/* one message, header and payload, within the deadline: 0 or -errno */
int fp_rv_recv_msg(struct fp_rv *rv, struct fp_rv_conn *c, uint32_t max_len, struct fp_rv_hdr *h,
		   uint8_t **payload, uint64_t deadline);
/* getaddrinfo() on HOST:PORT, with "address: why" in err */
int fp_rv_resolve(const char *addr, bool passive, struct addrinfo **res, char *err, size_t errlen);
/* the header for a message, with its mac when the connection is keyed; digest: the
 * payload's, when the caller has it (NULL: computed here) */
void fp_rv_seal(struct fp_rv *rv, struct fp_rv_conn *c, uint16_t type, uint32_t rank,
		const void *payload, size_t len, const uint8_t *digest, uint8_t *hdr);
/* one sealed message, written whole within the deadline: 0 or -errno */
int fp_rv_send_msg(struct fp_rv *rv, struct fp_rv_conn *c, uint16_t type, const void *payload,
		   size_t len, uint64_t deadline);
/* the address this end of fd has, for the engines to advertise */
void fp_rv_set_local_ip(struct fp_rv *rv, int fd);
/* the stop flag is set */
bool fp_rv_stopped(const struct fp_rv *rv);
/* TCP_NODELAY on a rendezvous socket: small messages go out at once */
void fp_rv_tune(int fd);
/* poll() in slices until ready, the deadline (-ETIMEDOUT) or the stop flag (-EINTR) */
int fp_rv_wait_fds(const struct fp_rv *rv, struct pollfd *pfd, nfds_t n, uint64_t deadline);
/* a -errno of the rendezvous in words */
const char *fp_rv_why(int ret);

/* rv_serve.c */
/* rank 0: accept and authenticate until every rank has joined, or the deadline */
int fp_rv_serve_hellos(struct fp_rv *rv, int lfd, uint64_t deadline, char *err, size_t errlen);
/* rank 0: the listening socket on the rendezvous address, or -errno */
int fp_rv_serve_listen(const char *addr, char *err, size_t errlen);

/* rv_client.c */
/* rank > 0: a TCP connection to rank 0, retried until the deadline */
int fp_rv_client_connect(struct fp_rv *rv, uint64_t deadline, char *err, size_t errlen);
/* rank > 0: HELLO, prove the token, check rank 0's proof, take the key */
int fp_rv_client_hello(struct fp_rv *rv, uint64_t deadline, char *err, size_t errlen);

#endif
