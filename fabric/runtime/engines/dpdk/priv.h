// SPDX-License-Identifier: MIT
/*
 * Private to the engine's folder: its state, shared between eal.c, port.c, loop.c and pkt.c.
 *
 * The DPDK engine: UDP probe frames (udpframe.h) on one DPDK port, polled from this rank's
 * lcore. The only folder that includes <rte_*>.
 *
 * One message is one frame; message sizes are Ethernet frame sizes with the FCS, as in
 * RFC 2544 (64 B to MTU + 18). Frames can be lost, so the engine says FP_ENG_DGRAM and the
 * runner paces and counts instead of keeping a credit window. Each flow has an epoch that
 * both ends advance at every phase; a frame of an earlier phase is counted stale.
 *
 * Set-up: rank 0 brings its port up first (a memif server must exist before its client),
 * every rank publishes IPv4 + MAC through the rendezvous, and next hops are resolved:
 * the peer's published MAC when the port has no kernel interface (memif, ring, a NIC),
 * ARP through the port otherwise (af_xdp and af_packet deliver every frame to us, ARP
 * included, so the engine answers ARP for its own address all the time).
 *
 * Exit: every rank stops sending, meets the others, then stops and closes its port and
 * cleans the EAL up; a memif peer must never disappear while the other polls.
 */
#ifndef FP_DPDK_PRIV_H
#define FP_DPDK_PRIV_H

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdarg.h>
#include <stddef.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_version.h>

#include "../../../../core/hist.h"
#include "../../../../core/imix.h"
#include "../../engine.h"
#include "../udpframe.h"

#define BURST	 32
#define NDESC	 1024
#define MAX_ARGS 64
#define SEQ_WIN	 1024 /* reorder/duplicate window, frames */

struct fp_conn {
	struct fp_engine *e;
	uint32_t flow;
	int peer;
	bool src;
	uint8_t epoch;
	struct fp_udpf_ends ends; /* this rank -> peer */
	struct fp_udpf_tmpl tmpl; /* for the current length and epoch */
	uint32_t tx_seq;
	uint16_t queue;		   /* its transmit queue: source port mod queues */
	struct fp_udpf_tmpl *mixt; /* with a size mix: one template per size */
	bool mixt_ok;		   /* mixt is for the current epoch */
	uint32_t idx;		   /* in e->conns: its copy on worker w is e->w[w].copies[idx] */
	/* with worker lcores, the runner hands frames to the queue's worker: tx_req and end_req
	 * are the main lcore's, tx_done and end_done the worker's (lcores.c) */
	uint64_t tx_req, tx_done;
	uint32_t end_req, end_done;
	size_t tx_len;
	/* receive side */
	uint64_t ready; /* frames counted, not yet taken by rx(); a worker's copy: ever counted */
	/* ready and taken by the receive queue they came on: taken sums to what rx() returned */
	uint64_t q_ready[FP_PKT_MAXQ], q_taken[FP_PKT_MAXQ];
	uint32_t next; /* next sequence number expected */
	uint64_t win[SEQ_WIN / 64];
	struct fp_dgram_stats st;
	struct fp_flow_ident id;
};

struct hop {
	uint32_t ip;
	uint8_t mac[6];
	bool known;
};

/* What one receive queue counted; each queue is polled by one lcore only. */
struct fp_rxq {
	uint64_t frames, foreign, bad, stale, arp_replies;
	uint64_t probe;		       /* unique probe frames */
	uint64_t first_tsc, last_tsc;  /* first and last frame but ARP */
	uint64_t by_size[FP_IMIX_MAX]; /* unique probe frames per size of the mix */
	struct fp_conn **byflow;       /* per-queue flow state; NULL: the engine's */
	struct fp_hist *oneway;	       /* this queue's one-way delays; NULL: the engine's */
	uint16_t qid;		       /* the queue being polled; ARP replies go out there */
};

/*
 * A worker lcore of `fabprobe run --queues N` (N > 1): it owns transmit and receive queue q.
 * It receives into its own copy of every flow's state (a flow's frames may come on several
 * queues) and sends the frames the runner handed to the flows whose queue is q.
 */
struct fp_worker {
	struct fp_engine *e;
	uint16_t q;
	unsigned lcore;
	struct fp_rxq rxq;
	struct fp_conn *copies;	 /* one per e->conns entry */
	struct fp_conn **byflow; /* by flow id: its copy here, or NULL */
	struct fp_conn **txc;	 /* the source flows sending on queue q */
	unsigned ntx;
	struct fp_hist oneway;
	uint32_t ack; /* the last command seen while not running */
	bool launched;
};

/* The workers' command word: a generation << 2 | one of these. */
enum { FP_W_PAUSE, FP_W_RUN, FP_W_EXIT };

struct fp_engine {
	struct fp_engine_base b; /* rank, size, rendezvous, timeout, error line */
	uint16_t port;
	bool eal_up, port_up, kernel_if, check, offload, own_prefix;
	bool memif_server; /* never restarted while waiting for the link: its listener would go */
	char rundir[256];  /* the EAL's runtime folder, ours to remove when we named it */
	uint8_t tos;	   /* every frame's IPv4 TOS byte (--dscp << 2) */
	uint32_t skip_seq; /* fault injection for tests: this frame "leaves" but is never sent */
	struct fp_hist *oneway; /* TX timestamp to arrival, when the clock is shared */
	struct rte_mempool *rxpool, *txpool;
	uint8_t mac[6];
	uint32_t ip;
	char ifname[32];
	uint32_t *peer_ip;
	uint8_t (*peer_mac)[6];
	struct hop *hops; /* next hop per peer rank */
	bool have_dst_mac;
	uint8_t dst_mac[6];
	struct fp_conn *conns;
	struct fp_conn **byflow;
	uint32_t nflows;
	size_t max_frame;	   /* without FCS */
	uint16_t nq;		   /* queue pairs on the port */
	const struct fp_imix *mix; /* frame sizes of each flow's stream, or NULL */
	struct fp_rxq rxq;	   /* queue 0, polled by the rank's own lcore */
	struct fp_udpf_tmpl *mixt; /* every flow's mix templates, one allocation */
	uint32_t nconns;
	/* worker lcores (run --queues N > 1): nw of them, queue q on w[q]; bw: the runner's
	 * bandwidth phases go through them (latency ones poll from the main lcore) */
	struct fp_worker *w;
	uint16_t nw;
	bool bw;
	uint32_t cmd; /* the workers' command word */
};

struct args {
	char *v[MAX_ARGS + 1];
	int n;
	char buf[4096];
	size_t used;
};

struct dpdk_opts {
	const char *port, *eal, *dst_mac;
	bool check;
	int64_t skip_seq;
	int64_t dscp;
	int64_t queues;
	const struct fp_imix *mix; /* `fabprobe pkt --sizes` only */
	bool lcore_per_queue;	   /* `fabprobe pkt`: an lcore for each queue */
};

/* lcores.c: the worker lcores of `fabprobe run --queues N` */
int fp_dpdk_workers_check(struct fp_engine *e);
int fp_dpdk_workers_start(struct fp_engine *e);
void fp_dpdk_workers_stop(struct fp_engine *e);
void fp_dpdk_workers_pause(struct fp_engine *e);
void fp_dpdk_workers_reset(struct fp_conn *c);
int fp_dpdk_workers_tx(struct fp_conn *c, size_t len, unsigned n);
int fp_dpdk_workers_finish(struct fp_conn *c);
int fp_dpdk_workers_rx(struct fp_conn *c, unsigned n);
void fp_dpdk_workers_stats(const struct fp_conn *c, struct fp_dgram_stats *st);
void fp_dpdk_lcore_of(const struct fp_engine *e, uint16_t q, struct fp_queue_stats *qs);
int fp_dpdk_send_frames(struct fp_conn *c, size_t len, uint8_t kind, unsigned n, uint32_t seq0);
int fp_dpdk_tx_direct(struct fp_conn *c, size_t len, unsigned n);

_Static_assert(sizeof(struct dpdk_opts) <= FP_ENGINE_CFG_MAX, "dpdk options fit the runner");

void fp_dpdk_begin(struct fp_engine *e, bool lat);
int fp_dpdk_build_args(struct fp_engine *e, const struct fp_engine_params *p, struct args *a,
		       char *portname, size_t plen);
void fp_dpdk_close(struct fp_engine *e);
int fp_dpdk_connect(struct fp_engine *e, const struct fp_flow *flows, unsigned n,
		    struct fp_conn **conns);
int fp_dpdk_finish(struct fp_conn *c);
int fp_dpdk_ident(const struct fp_conn *c, struct fp_flow_ident *id);
int fp_dpdk_identity(struct fp_engine *e, char *buf, size_t len);
void fp_dpdk_limits(const struct fp_engine *e, size_t *min, size_t *max);
uint64_t fp_dpdk_now_ns(void);
int fp_dpdk_open(const struct fp_engine_params *p, struct fp_engine **out);
extern const struct fp_opt fp_dpdk_opts[];
unsigned fp_dpdk_poll_port(struct fp_engine *e);
unsigned fp_dpdk_poll_queue(struct fp_engine *e, struct fp_rxq *q, uint16_t qid);
int fp_dpdk_probe(char *why, size_t len);
int fp_dpdk_queue_stats(const struct fp_conn *c, struct fp_queue_stats *qs);
void fp_dpdk_remove_rundir(const char *dir);
void fp_dpdk_reset(struct fp_conn *c);
int fp_dpdk_rx(struct fp_conn *c, void *buf, size_t len, unsigned n);
void fp_dpdk_say(struct fp_engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fp_dpdk_send_raw(struct fp_engine *e, uint16_t qid, const uint8_t *f, size_t len);
void fp_dpdk_stats(const struct fp_conn *c, struct fp_dgram_stats *st);
int fp_dpdk_tx(struct fp_conn *c, const void *buf, size_t len, unsigned n);
int fp_dpdk_wait(struct fp_engine *e, int timeout_ms);

#endif
