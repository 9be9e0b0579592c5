/* SPDX-License-Identifier: MIT */
/*
 * The engine interface. Benches know transports only through this table.
 *
 * Control path: probe (is it usable here, and if not why), open (per rank), connect (every
 * flow of a schedule this rank is part of, at set-up), ident (a flow's identity for the
 * analyzer), close. Data path: message-granular bursts on one connection, non-blocking:
 * tx/rx return how many whole messages completed (>= 0) or -errno, and keep partial progress
 * inside the connection. wait blocks until any connection may progress, for event mode.
 *
 * An engine leaves out what it cannot do; fp_engine_ops_fill() puts in defaults that return
 * -EOPNOTSUPP, so callers never test for NULL.
 */
#ifndef FP_ENGINE_H
#define FP_ENGINE_H

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../core/imix.h"
#include "../../core/opts.h"
#include "rv_codec.h"

struct fp_engine;
struct fp_conn;

/* One directed flow of a schedule: src sends, dst receives (and answers). */
struct fp_flow {
	uint32_t id;
	int src, dst;
};

/* How the analyzer will recognise a flow on the wire. */
struct fp_flow_ident {
	char proto[8]; /* "tcp", "udp", "rocev2" */
	char src_ip[48], dst_ip[48];
	uint16_t src_port, dst_port;
	uint32_t qpn; /* verbs only */
};

/* The rendezvous as an engine sees it: an allgather, nothing else. */
typedef int (*fp_allgather_fn)(void *ctx, const char *what, const void *mine, size_t len,
			       struct fp_rv_blobs *out);

enum fp_poll_mode { FP_POLL_BUSY, FP_POLL_EVENT };

/* What the run tells every engine about itself (the engine's own options are in params.cfg). */
struct fp_engine_xopts {
	uint64_t max_size; /* the largest message the run will move */
	bool same_clock;   /* every rank reads the same TSC (one machine): one-way delays */
	int64_t window;	   /* messages in flight per flow */
	int local_rank;	   /* -1: unknown */
	/* --reverse: the flows are the pattern's turned round; an engine with connections opens
	 * each from its receiver (the pattern's sender), as iperf3 -R's client receives */
	bool reverse;
	/* collectives: every message carries the caller's bytes (any length up to max_size,
	 * the receiver gets them in its buffer) and no runner credits come back, so an engine
	 * with slots paces each flow itself; window is then the slots a flow needs */
	bool carry;
};

/*
 * An engine's own options live in a private struct of at most this many bytes, described by
 * the engine's option table; the runner keeps it without knowing what is inside.
 */
#define FP_ENGINE_CFG_MAX 256

/* What a datagram engine counted for one flow in the current phase (receiver side). */
struct fp_dgram_stats {
	uint64_t pkts, bytes; /* unique frames and their bytes, FCS included */
	uint64_t reordered, duplicates, stale;
	uint64_t forged; /* datagrams without the stream's cookie: dropped (sockets UDP) */
	bool end_seen;
	uint64_t peer_sent; /* from the sender's end marker */
	/* one-way delays in TSC ticks of this rank's frames this phase (all its flows), when
	 * the ranks share a clock; NULL otherwise */
	const struct fp_hist *oneway;
};

struct fp_hist;

/*
 * What a TCP sender's kernel counted for one flow in the current phase (since reset), every
 * stream summed (TCP_INFO): the evidence of loss that rates hide (a 1% lossy link keeps most
 * of its TCP rate). valid: the kernel gave the counters (Linux 4.6 and later).
 */
struct fp_tcp_stats {
	bool valid;
	uint64_t retrans;  /* segments retransmitted (tcpi_total_retrans) */
	uint64_t segs_out; /* data segments sent, retransmissions included (tcpi_data_segs_out) */
	uint32_t rtt_us;   /* smoothed round trip at the end, the streams' largest */
};

/*
 * `fabprobe pkt`: send a counted, paced stream of probe frames on one port, or count what
 * arrives. It is how fabprobe meets tools it did not write (testpmd txonly/rxonly) and how
 * its TX rate is compared with theirs.
 */
struct fp_pkt_result;

#define FP_PKT_MAXQ 16 /* queues per port */

struct fp_pkt_cfg {
	bool tx;
	const char *port, *eal, *dst_mac, *ip, *peer_ip;
	uint64_t count;	      /* tx: frames; rx: stop after this many (0: no limit) */
	uint64_t size;	      /* frame size with FCS */
	double bps, pps;      /* tx pacing; 0: unpaced */
	uint64_t duration_ns; /* rx: longest wait; tx: stop early */
	uint64_t idle_ns;     /* rx: stop after this long without a frame, once one came */
	uint64_t linger_ns;   /* keep the port up this long after the result is out */
	bool check;
	unsigned queues;	   /* queue pairs, one lcore each (0 or 1: one) */
	const struct fp_imix *mix; /* tx: sizes of the stream (NULL: size); rx: sizes to count */
	/* called with the result before lingering */
	void (*report)(const struct fp_pkt_result *r, void *arg);
	void *arg;
};

struct fp_pkt_result {
	uint64_t frames, bytes; /* tx: sent; rx: every frame but ARP */
	uint64_t probe, foreign, bad, stale, lost, reordered, duplicates;
	double seconds; /* first to last frame */
	/* per queue (tx: sent; rx: unique fabprobe frames) and per size of the mix (tx: sent;
	 * rx: unique fabprobe frames) */
	unsigned nq;
	uint64_t q_frames[FP_PKT_MAXQ];
	uint64_t size_frames[FP_IMIX_MAX];
	double wire_bits; /* frames x (size + 20 B of preamble and gap) x 8 */
};

/*
 * The payload every message carries: byte i of a message is fp_payload_byte(i). The runner
 * fills its buffers with it; an engine that checks what arrived (--check) compares with it.
 */
static inline uint8_t fp_payload_byte(size_t i)
{
	return (uint8_t)(i * 131 + 7);
}

/* Engine flags. */
#define FP_ENG_DGRAM 1u /* frames may be lost: no credit window, pace and count instead */
/* a failed connect fails only the flows it names (conn_error); the others connect. A stream
 * flow that makes no progress for half the timeout stalls alone (benches/run_failed.c) */
#define FP_ENG_FLOW_FAIL 2u
#define FP_ECONN_DEAD	 (-ENOLINK) /* tx/rx: this connection broke, the others go on */
/* a port with queues: queue_stats says where each flow's frames went (run.json ranks[].queues) */
#define FP_ENG_QUEUES 4u
/* with FP_ENG_DGRAM: a message's size is its payload, one packet (verbs UD), not an Ethernet
 * frame with the FCS */
#define FP_ENG_PAYLOAD 8u
/* can carry the caller's bytes reliably (xopts.carry): collectives run on it */
#define FP_ENG_CARRY 16u

/*
 * One flow's frames by queue in the current phase (since reset): the source's transmit queue
 * (every frame of a flow goes out on one), and on the destination the frames rx() returned by
 * the receive queue they arrived on; rx[0..nq) sums to what rx() returned since the reset.
 */
#define FP_QS_MAXCPU 64 /* CPUs listed per lcore */

struct fp_queue_stats {
	unsigned nq;  /* queue pairs on the port, 1 to FP_PKT_MAXQ */
	unsigned txq; /* the flow's transmit queue */
	uint64_t rx[FP_PKT_MAXQ];
	/* the rank's: the lcore that polled each queue (-1: not said) and the CPUs it may run
	 * on, the first ncpu (at most FP_QS_MAXCPU) */
	int lcore[FP_PKT_MAXQ];
	uint16_t ncpu[FP_PKT_MAXQ];
	uint16_t cpu[FP_PKT_MAXQ][FP_QS_MAXCPU];
};

struct fp_engine_params {
	int rank, size;
	const char *bind; /* local data-plane address; NULL: the rendezvous-facing one */
	bool bind_given;  /* bind is the user's --bind, not the rendezvous-facing address */
	/* the job's data-plane key (fp_rv_data_key, FP_SHA256_LEN bytes; NULL outside a job):
	 * data connections carry fp_rv_flow_tag() of it */
	const uint8_t *job_key;
	enum fp_poll_mode poll;
	uint64_t timeout_ns;		   /* set-up waits */
	const volatile sig_atomic_t *stop; /* when set (a signal handler), set-up waits end */
	const struct fp_engine_xopts *x;
	const void *cfg;   /* the engine's options, parsed from its ops->opts */
	char *const *rest; /* arguments after "--", for the engine (dpdk: EAL) */
	int nrest;
	void *xctx;
	fp_allgather_fn allgather;
	char *err; /* one line on failure */
	size_t errlen;
};

struct fp_engine_ops {
	const char *name;
	/* what `fabprobe engines` lists under it: what it is and what it supports */
	const char *desc;
	/* 0 if usable here; -ENODEV (or another -errno) with the reason in why */
	int (*probe)(char *why, size_t len);
	int (*open)(const struct fp_engine_params *p, struct fp_engine **out);
	void (*close)(struct fp_engine *e);
	/* conns[i] for every flow with this rank as src or dst, NULL for the others */
	int (*connect)(struct fp_engine *e, const struct fp_flow *flows, unsigned n,
		       struct fp_conn **conns);
	int (*ident)(const struct fp_conn *c, struct fp_flow_ident *id);
	/* after a failed connect: this flow's own failure (-errno, text in buf) or 0 when it
	 * connected; -EOPNOTSUPP by default (the engine fails a run as a whole) */
	int (*conn_error)(const struct fp_conn *c, char *buf, size_t len);
	/* messages moved (0: none now) or -errno. FP_ECONN_DEAD (engines with FP_ENG_FLOW_FAIL):
	 * this connection alone broke (a verbs QP in error: retries exceeded), and its flow
	 * stalls at once while the others go on; any other error fails the rank */
	int (*tx)(struct fp_conn *c, const void *buf, size_t len, unsigned n);
	int (*rx)(struct fp_conn *c, void *buf, size_t len, unsigned n);
	int (*wait)(struct fp_engine *e, int timeout_ms);
	/* Datagram engines (flags & FP_ENG_DGRAM): message = one frame, size with FCS. */
	unsigned flags;
	/* flags that follow from the engine's own options (sockets --proto udp); NULL: none */
	unsigned (*cfg_flags)(const void *cfg);
	/* smallest and largest message the engine can carry; 0/SIZE_MAX by default */
	void (*limits)(const struct fp_engine *e, size_t *min, size_t *max);
	/* a new phase on this flow: counters zeroed, frames of the previous phase ignored */
	void (*reset)(struct fp_conn *c);
	/* the source has sent its last message of the phase */
	int (*finish)(struct fp_conn *c);
	void (*dgram_stats)(const struct fp_conn *c, struct fp_dgram_stats *st);
	/* engines with FP_ENG_QUEUES: the flow's frames by queue this phase; -EOPNOTSUPP by
	 * default */
	int (*queue_stats)(const struct fp_conn *c, struct fp_queue_stats *qs);
	/* a TCP flow's source: its kernel's counts this phase; -EOPNOTSUPP by default */
	int (*tcp_stats)(const struct fp_conn *c, struct fp_tcp_stats *st);
	/* bytes the connection has moved either way, parts of messages too (a sender's: what
	 * its peer acknowledged): a flow whose whole messages are slow is not stalled while
	 * this grows; may cost a system call, so asked only when a stall is due; 0 by default */
	uint64_t (*moved)(const struct fp_conn *c);
	/* the timed loops that follow are latency (ping-pong) or bandwidth ones */
	void (*begin)(struct fp_engine *e, bool lat);
	/* the engine's own options: a table over its private config of cfg_size bytes
	 * (<= FP_ENGINE_CFG_MAX), parsed from `fabprobe run`'s command line; NULL: none */
	const struct fp_opt *opts;
	size_t cfg_size;
	/*
	 * The endpoint this rank runs on, as "key=value" lines into buf (results/README.md,
	 * hosts[].endpoint: netdev, mac, ip, ipv4, ipv6, pci, numa_node; verbs device, port,
	 * node_guid, port_guid, lid, gid, link_layer; dpdk_device; and the NIC's model and
	 * firmware when the engine knows them better than the netdev does). After open.
	 */
	int (*identity)(struct fp_engine *e, char *buf, size_t len);
	/* `fabprobe pkt`: one port, no peers, no rendezvous */
	int (*pkt)(const struct fp_pkt_cfg *c, struct fp_pkt_result *r, char *err, size_t errlen);
};

struct fp_engine_entry {
	const struct fp_engine_ops *ops; /* NULL when not built */
	const char *name;
	const char *not_built; /* why, when ops is NULL */
};

/* Every engine fabprobe knows, built or not. */
const struct fp_engine_entry *fp_engines(unsigned *n);
/* A complete ops table for name (defaults filled in); -ENOENT unknown, -ENOSYS not built. */
int fp_engine_find(const char *name, struct fp_engine_ops *out);
void fp_engine_ops_fill(struct fp_engine_ops *dst, const struct fp_engine_ops *src);
/* ops->flags with those the engine's options cfg add (cfg: its parsed option struct) */
unsigned fp_engine_flags(const struct fp_engine_ops *ops, const void *cfg);

/* What an engine keeps of its open parameters: who it is among how many, how it meets its
 * peers, how long set-up may wait, and where its one line of error goes. */
struct fp_engine_base {
	int rank, size;
	uint64_t timeout_ns;
	void *xctx;
	fp_allgather_fn allgather;
	char *err;
	size_t errlen;
};

void fp_engine_base_init(struct fp_engine_base *b, const struct fp_engine_params *p);
/* "prefix: " then the message, into b->err */
void fp_engine_vsay(const struct fp_engine_base *b, const char *prefix, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#endif
