// SPDX-License-Identifier: MIT
/*
 * Private to the engine's folder: its state, shared between dev.c, qp.c and data.c.
 *
 * The verbs engine: RDMA over libibverbs (rdma-core) on InfiniBand, RoCE or Soft-RoCE, one
 * Reliable Connected QP per flow (--qps N: N of them, messages spread round-robin as
 * perftest -q does), or with --transport ud one Unreliable Datagram QP per flow end (ud.c:
 * SEND only, a message is one packet, loss counted). The only folder that includes
 * <infiniband/verbs.h>.
 *
 * Each flow's QP has a ring of `window` slots registered on both ends (slot = the largest
 * message plus a trailer byte). How a message moves depends on --op:
 *   send       SEND into the peer's posted RECV (the slot of its turn)
 *   write_imm  RDMA WRITE WITH IMMEDIATE into the peer's slot; the RECV completion says so
 *   write      RDMA WRITE of the message and a trailer byte into the peer's slot; the
 *              receiver polls the trailer, as ib_write_lat polls its last byte
 *   read       the receiver pulls with RDMA READ from the sender's slot; the sender is
 *              passive, as in ib_read_bw, but says with a SEND WITH IMMEDIATE per burst
 *              how many messages are in place; acknowledgements go back by SEND. In
 *              ping-pong both ends just pull, so a round trip is one READ, as in
 *              ib_read_lat.
 * The runner's credit window bounds the messages in flight per flow, so a slot is never
 * reused before it is consumed.
 *
 * Collectives (xopts.carry, RC with send, write or write_imm) move the ranks' own bytes, in
 * chunks of any length up to the slot, and the runner sends no credits: the source copies
 * each message into its own ring's slot of the turn (nothing arrives there) and sends it
 * from there; a write's trailer follows the message in the same request, 8-byte aligned.
 * The receiver copies it out, checks a send's length, and every credit_every messages
 * taken says so by a SEND WITH IMMEDIATE (the count) into the source's RECVs, which wake an
 * event-mode source too; the source never has more than nslots messages untaken. Messages up to SMALL bytes (the runner's acknowledgements)
 * carry the caller's bytes (inline when the device allows); bigger ones come from a
 * registered buffer holding the payload pattern, which --check verifies on arrival, so no
 * message is copied on the way.
 *
 * Completions: one CQ, busy-polled, or waited on through a completion channel in event
 * mode. Sends are signalled every --cq-mod work requests and at the end of each post
 * list; each signal records how many requests it covers. Where nobody waits for a
 * request's completion (a write ping-pong's writes, a read flow's notices and
 * acknowledgements) only every --cq-mod-th is signalled: the next signal covers the
 * rest. A completion with an error is reported with the flow, the QP, the peer and the
 * status string, and ends the run.
 */
#ifndef FP_VERBS_PRIV_H
#define FP_VERBS_PRIV_H

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "fp_config.h"

#include "../../../../core/wire.h"
#include "../../engine.h"
#include "../qptab.h"
#include "../udmsg.h"

#define SMALL	   64  /* messages this small carry the caller's bytes */
#define STAGE	   128 /* per slot: a small message, then a write's trailer */
#define TRAILER	   8
#define BURST	   32
#define MAX_DEVS   16
#define ROCE_PORT  4791
#define WR_SEND	   1
#define WR_RECV	   2
#define IDLE_PROBE 200000

struct rdma_cm_id;
struct rdma_event_channel;

enum op { OP_SEND, OP_WRITE_IMM, OP_WRITE, OP_READ };
extern const char *const fp_verbs_op_names[]; /* by enum op */

struct fp_conn {
	struct fp_engine *e;
	uint32_t flow;
	uint32_t key; /* in the QP tables: flow x --qps + the QP's index in the flow */
	int peer;
	bool src;
	struct ibv_qp *qp;
	struct ibv_mr *mr;
	uint8_t *ring;	/* nslots x stride, nslots x STAGE staging, a SMALL mailbox */
	uint64_t raddr; /* the peer's ring */
	uint32_t rkey, psn;
	uint64_t tx_seq;   /* messages posted (read: reads posted) */
	uint64_t rx_seq;   /* messages handed to the caller */
	uint64_t ready;	   /* messages arrived, not yet handed over */
	uint64_t rd_seq;   /* read: reads posted */
	uint64_t avail;	   /* read: messages the sender has said are in place */
	uint64_t credit;   /* carry, source: messages the receiver has said it took */
	uint64_t credited; /* carry, receiver: messages taken that the source knows of */
	uint32_t *lens;	   /* carry, receiver of sends: each slot's arrived length */
	unsigned tx_out;   /* send-queue requests not yet completed */
	unsigned idle;	   /* empty receives in a row: a probe goes out after IDLE_PROBE */
	/* this QP went into error (retries exceeded: its peer or its path is gone): its flow
	 * alone fails (FP_ECONN_DEAD), as the others go on; collectives (carry) fail whole */
	int failed;
	/* requests since the last signal and the READs among them; per signalled request
	 * what it completes (cover_push), a FIFO */
	unsigned unsig, unsig_rd;
	uint64_t *cover;
	unsigned cov_head, cov_n;
	unsigned rr; /* --qps: the QP of the flow the next message starts on */
	struct fp_flow_ident id;
	/* the peer's GID from the rendezvous; with --cm the address it listens on (IPv4-mapped
	 * for IPv4) and its rdma_cm port, the connection's cm id (the QP is its) and whether it
	 * is established */
	uint8_t peer_gid[16];
	uint16_t cm_port;
	struct rdma_cm_id *cm;
	bool cm_up;
	/* --transport ud (ud.c): this end's Q_Key and tag (handed out in the QP table as rkey
	 * and ring address), the peer's QPN, Q_Key and tag, the address handle to it, the
	 * sends posted (each has a header slot), the data messages sent this epoch, and what
	 * arrived (rx_seq counts receive completions) */
	uint32_t qkey, rqpn, rqkey;
	uint64_t tag, rtag;
	struct ibv_ah *ah;
	uint64_t hseq;
	uint32_t useq;
	struct fp_ud_rx u;
};

struct fp_engine {
	struct fp_engine_base b; /* rank, size, rendezvous, timeout, error line */
	enum op op;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_comp_channel *ch;
	struct ibv_mr *slab_mr;
	uint8_t *slab; /* the payload pattern, one slot long */
	uint8_t port, gid_index;
	union ibv_gid gid;
	uint16_t lid;
	enum ibv_mtu mtu;
	bool roce, check, event, lat;
	bool carry;	       /* xopts.carry: collectives, the callers' bytes (above) */
	unsigned credit_every; /* carry: a credit back every this many messages taken */
	unsigned nslots, tx_depth, cq_mod, max_inline, rd_atom, post_list;
	unsigned nqps;		/* --qps: QPs per flow, consecutive in conns[] */
	uint8_t tclass, sl;	/* --tclass, --sl */
	size_t stride, ringlen; /* ringlen: each connection's ring, whole pages */
	char dev[64];
	struct fp_conn *conns;
	unsigned nconns;
	int failed;	     /* the first completion error, as -errno */
	uint64_t corrupt_at; /* test hook: spoil the pattern from this message on */
	bool bad_rkey;	     /* test hook: write with a key the peer never handed out */
	/* --cm: QPs made and connected through rdma_cm (cm.c). ctx is then librdmacm's own
	 * context for the device (a PD must share the cm id's context), not this engine's. */
	bool cm, ctx_cm, cm_bad_tag; /* cm_bad_tag: test hook, connect with a wrong tag */
	struct rdma_event_channel *cmch;
	struct rdma_cm_id *listener;
	uint8_t cm_addr[16]; /* where this rank listens (IPv4-mapped for IPv4) */
	uint16_t cm_port;
	uint8_t job_key[32]; /* the job's data-plane key: connect requests carry its flow tag */
	/* --transport ud: one UD QP per flow end; ud_len is the message size of the phase
	 * (what a data message must measure), ud_bad_tag a test hook (send with a wrong tag) */
	bool ud, ud_bad_tag;
	size_t ud_len;
	const volatile sig_atomic_t *stop;
};

/* carry: where a write's trailer sits after a message of len bytes (aligned for the load) */
static inline size_t carry_toff(size_t len)
{
	return (len + 7) & ~(size_t)7;
}

/* A write's trailer: no stale bytes or earlier message can look like it. */
static inline uint64_t trailer(size_t len, uint64_t seq)
{
	return 0xFB5A000000000000ull ^ ((uint64_t)(len & 0xffffff) << 24) ^ (seq & 0xffffff) ^
	       0x800000;
}

static inline uint8_t pattern(size_t i)
{
	return fp_payload_byte(i);
}

/*
 * wr, counted in unsig (and unsig_rd if a READ), is signalled: its completion will stand
 * for every request since the last signal, the READs among them told apart (their data has
 * then landed), so one signal may cover requests of several posts and kinds.
 */
static inline void cover_push(struct fp_conn *c)
{
	uint64_t k = c->unsig | (uint64_t)c->unsig_rd << 32;

	c->cover[(c->cov_head + c->cov_n) % (c->e->tx_depth + 1)] = k;
	c->cov_n++;
	c->unsig = c->unsig_rd = 0;
}

static inline void signal_wr(struct fp_conn *c, struct ibv_send_wr *wr)
{
	wr->send_flags |= IBV_SEND_SIGNALED;
	cover_push(c);
}

/* The engine's own options (`fabprobe run --engine verbs`). */
struct verbs_opts {
	const char *port, *op;
	bool check, cm, bad_rkey, cm_bad_tag, ud_bad_tag;
	int transport; /* 0 rc, 1 ud */
	int64_t gid_index, inline_size, cq_mod, post_list, tx_depth, corrupt_at;
	int64_t qps, tclass, sl, mtu;
};

_Static_assert(sizeof(struct verbs_opts) <= FP_ENGINE_CFG_MAX, "verbs options fit the runner");

void fp_verbs_close(struct fp_engine *e);
int fp_verbs_connect(struct fp_engine *e, const struct fp_flow *flows, unsigned n,
		     struct fp_conn **conns);
bool fp_verbs_gid_v4(const union ibv_gid *g, uint32_t *ip);
void fp_verbs_ident(struct fp_engine *e, struct fp_conn *c, const uint8_t *peer_gid);
void fp_verbs_ident_gids(struct fp_engine *e, struct fp_conn *c, const union ibv_gid *mine,
			 const union ibv_gid *peer, uint32_t label);
uint32_t fp_verbs_flow_label(uint32_t key);
/* --cm (cm.c, with librdmacm): at open, the device's context swapped for librdmacm's and the
 * listener bound; at connect, every QP of the rank made and connected; at close, undone. */
int fp_verbs_cm_open(struct fp_engine *e, const struct fp_engine_params *p);
int fp_verbs_cm_connect(struct fp_engine *e);
void fp_verbs_cm_ident(struct fp_engine *e, struct fp_conn *c);
void fp_verbs_cm_close(struct fp_engine *e);
void fp_verbs_qp_attr(const struct fp_engine *e, struct ibv_qp_init_attr *ia);
void fp_verbs_poll(struct fp_engine *e);
/* --transport ud (ud.c) */
int fp_verbs_ud_open(struct fp_engine *e, const struct verbs_opts *o, uint64_t max_size,
		     unsigned max_wr);
int fp_verbs_ud_init(struct fp_engine *e, struct fp_conn *c);
int fp_verbs_ud_connect(struct fp_engine *e, struct fp_conn *c, const struct fp_qp_rec *rec);
void fp_verbs_ud_recv(struct fp_conn *c, const struct ibv_wc *wc);
int fp_verbs_ud_tx(struct fp_conn *c, size_t len, unsigned n);
int fp_verbs_ud_rx(struct fp_conn *c, size_t len, unsigned n);
void fp_verbs_ud_reset(struct fp_conn *c);
int fp_verbs_ud_finish(struct fp_conn *c);
void fp_verbs_ud_stats(const struct fp_conn *c, struct fp_dgram_stats *st);
void fp_verbs_ud_limits(const struct fp_engine *e, size_t *min, size_t *max);
unsigned fp_verbs_cfg_flags(const void *cfg);
int fp_verbs_open(const struct fp_engine_params *p, struct fp_engine **out);
int fp_verbs_identity(struct fp_engine *e, char *buf, size_t len);
extern const struct fp_opt fp_verbs_opts[];
int fp_verbs_post(struct fp_conn *c, const void *buf, size_t len, unsigned n, bool pull);
int fp_verbs_post_recv(struct fp_conn *c, uint64_t seq);
int fp_verbs_settings(struct fp_engine *e, const struct verbs_opts *o);
int fp_verbs_probe(char *why, size_t len);
struct ibv_mr *fp_verbs_reg(struct fp_engine *e, void *buf, size_t len);
void fp_verbs_say(struct fp_engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What a call on c returns first: the engine's failure, or c's QP in error (FP_ECONN_DEAD) */
static inline int fp_verbs_dead(const struct fp_conn *c)
{
	return c->e->failed ? c->e->failed : c->failed ? FP_ECONN_DEAD : 0;
}

#endif
