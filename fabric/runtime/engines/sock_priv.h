/* SPDX-License-Identifier: MIT */
/*
 * Inside the sockets engine (sockets.c: set-up and TCP; sock_udp.c: UDP datagrams). Nothing
 * else includes this.
 *
 * A flow is one or more streams (--parallel N, as iperf3 -P): N TCP connections, or with
 * --proto udp N UDP sockets, each set up over its own TCP connection.
 */
#ifndef FP_SOCK_PRIV_H
#define FP_SOCK_PRIV_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "../engine.h"

#define FP_SOCK_PAR_MAX 64   /* --parallel: streams per flow */
#define FP_SOCK_SEQ_WIN 1024 /* UDP: a frame this far behind the newest is only "reordered" */

struct fp_sock_stream {
	int fd;		       /* TCP connection (or the UDP set-up channel) */
	int ufd;	       /* --proto udp: the connected datagram socket; -1 with TCP */
	size_t tx_off, rx_off; /* TCP: bytes of the current message already moved */
	uint64_t moved;	       /* TCP: bytes received, ever (partial messages too) */
	/* --proto udp: random per stream, traded over the TCP connection next to the port;
	 * every datagram carries its receiver's, and one without it is dropped as forged */
	uint64_t cookie_rx, cookie_tx; /* this end's (checked), the peer's (sent) */
	/* TCP source: the kernel's counters at the phase's reset (sock_tcp.c) */
	uint32_t retrans0, segs0;
	bool snap;
};

/* UDP: one flow's sequence and what its receiver counted in the current phase. */
struct fp_sock_udp {
	uint16_t epoch; /* bumped by reset() on both ends: frames of old phases are stale */
	uint32_t seq;	/* sender: the next sequence number */
	uint32_t next;	/* receiver: one past the newest sequence number seen */
	uint64_t win[FP_SOCK_SEQ_WIN / 64];
	struct fp_dgram_stats st;
};

struct fp_conn {
	struct fp_sock_stream *s;
	unsigned ns, cur; /* streams, the next to send on */
	uint32_t flow;
	bool src; /* this rank sends the flow's data: only data is spread over the streams */
	int64_t corrupt_at; /* --test-corrupt-at: spoil this received message (-1: never) */
	uint64_t rx_msgs;   /* messages received, counted only with --test-corrupt-at */
	bool udp;
	uint16_t ovh; /* UDP: a frame's bytes around the datagram (FP_SOCK_OVH4 or 6) */
	struct fp_sock_udp u;
	struct fp_flow_ident id;
	int err;      /* set-up: 0, or why this flow could not connect (-errno) */
	char why[96]; /* its text */
};

/* IP + UDP header bytes that a frame size (with the Ethernet header and FCS) counts. */
#define FP_SOCK_OVH4 (14 + 20 + 8 + 4)
#define FP_SOCK_OVH6 (14 + 40 + 8 + 4)
#define FP_SOCK_UHDR 16 /* magic u8, kind u8, epoch u16, cookie u64, seq u32 */

/* sock_udp.c */
/* Open one stream's datagram socket next to its TCP stream and trade ports over it. */
int fp_sock_udp_open(struct fp_sock_stream *s, const char *ip);
/* After every stream's port went out: read the peer's and connect to it. */
int fp_sock_udp_join(struct fp_sock_stream *s, uint64_t timeout_ns);
int fp_sock_udp_tx(struct fp_conn *c, const void *buf, size_t len, unsigned n);
int fp_sock_udp_rx(struct fp_conn *c, void *buf, size_t len, unsigned n);
void fp_sock_udp_reset(struct fp_conn *c);
/* One received datagram of got bytes (h: its first FP_SOCK_UHDR at least, when got is that
 * long; trunc: longer than read) on a stream whose cookie is cookie, for a frame size len:
 * 1 when a new data frame, counted. */
int fp_sock_udp_take(struct fp_conn *c, uint64_t cookie, const uint8_t *h, size_t got, bool trunc,
		     size_t len);
int fp_sock_udp_finish(struct fp_conn *c);
void fp_sock_udp_stats(const struct fp_conn *c, struct fp_dgram_stats *st);

/* sock_tcp.c: a TCP source's TCP_INFO, snapshot at reset and the phase's deltas */
void fp_sock_tcp_snap(struct fp_conn *c);
int fp_sock_tcp_stats(const struct fp_conn *c, struct fp_tcp_stats *st);
/* bytes this end read and bytes its peer's TCP acknowledged, every stream: progress below
 * a message (engine.h moved) */
uint64_t fp_sock_tcp_moved(const struct fp_conn *c);

#endif
