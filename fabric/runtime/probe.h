/* SPDX-License-Identifier: MIT */
/*
 * TTL-limited probes that carry a flow's own 5-tuple (paris-traceroute style): every router
 * hashes a probe exactly as it hashed the flow, and answers ICMP time exceeded from one of
 * its addresses; the destination answers the last probe (TCP RST or SYN-ACK, ICMP port
 * unreachable). IPv4, raw sockets: CAP_NET_RAW. The replies are outside input, parsed into a
 * struct first (fp_probe_parse) and matched to the probe second.
 */
#ifndef FP_PROBE_H
#define FP_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fp_probe_proto { FP_PROBE_TCP, FP_PROBE_UDP };

/* a flow on the wire; addresses in network byte order, ports in host order */
struct fp_probe_flow {
	enum fp_probe_proto proto;
	uint32_t src, dst;
	uint16_t sport, dport;
};

enum fp_probe_kind {
	FP_PROBE_OTHER,	  /* not an answer to any probe: ignore it */
	FP_PROBE_HOP,	  /* ICMP time exceeded in transit (RFC 792): a router on the way */
	FP_PROBE_UNREACH, /* ICMP destination unreachable (RFC 792, RFC 1812 5.2.7.1) */
	FP_PROBE_TCP_END, /* TCP RST or SYN-ACK from the destination (RFC 9293 3.5.2) */
};

/* what a received packet says, before it is matched to a probe */
struct fp_probe_reply {
	enum fp_probe_kind kind;
	uint8_t code;		   /* ICMP code */
	uint32_t from;		   /* the answering address (network order) */
	struct fp_probe_flow flow; /* the probe it is about: quoted by ICMP, reversed for TCP */
	uint16_t ipid;		   /* ICMP: the quoted IP header's identification */
	uint32_t tcp_seq;	   /* ICMP quoting TCP: the probe's sequence number */
	uint32_t tcp_ack;	   /* TCP_END: the acknowledgement number */
	bool tcp_tw;		   /* TCP_END: a bare ACK, a TIME-WAIT socket's answer */
};

/* the largest probe fp_probe_build writes: IPv4 header, TCP header or UDP + 12 B payload */
#define FP_PROBE_MAXLEN 40

/*
 * A packet as a raw IPv4 socket returns it (IP header first), at most len bytes read.
 * 0 with *out filled (kind OTHER for anything that is not an answer), -EINVAL when it is
 * truncated or malformed.
 */
int fp_probe_parse(const uint8_t *pkt, size_t len, struct fp_probe_reply *out);
/* whether r answers the probe of flow f sent with IP identification id */
bool fp_probe_matches(const struct fp_probe_reply *r, const struct fp_probe_flow *f, uint16_t id);
/* the probe (IPv4 header with ttl and id, then TCP SYN or UDP), its length; 0 if cap is short */
size_t fp_probe_build(uint8_t *buf, size_t cap, const struct fp_probe_flow *f, uint8_t ttl,
		      uint16_t id);

/* the answer to one flow's trace: the hops' addresses, the destination's last */
#define FP_PROBE_MAXTTL 16
struct fp_probe_path {
	unsigned n;
	uint32_t hop[FP_PROBE_MAXTTL];
	bool reached; /* the last hop is the destination's answer */
};

struct fp_prober;

/*
 * Raw sockets to send probes and receive ICMP and TCP answers. 0, -EPERM without
 * CAP_NET_RAW, or -errno, with one line in err.
 */
int fp_probe_open(struct fp_prober **out, char *err, size_t el);
void fp_probe_close(struct fp_prober *p);
/*
 * Trace flow f: TTL 1, 2, ... up to max_ttl, each probe tried up to tries times with
 * timeout_ms per try. 0 when the destination answered; -ETIMEDOUT (a hop stayed silent),
 * -EHOSTUNREACH (a router said unreachable) or -ELOOP (max_ttl reached), with what is known
 * in *path and one line in err.
 */
int fp_probe_trace(struct fp_prober *p, const struct fp_probe_flow *f, unsigned max_ttl,
		   unsigned tries, int timeout_ms, struct fp_probe_path *path, char *err,
		   size_t el);
/*
 * Read what is queued on fd (a non-blocking raw socket), at most FP_PROBE_DRAIN_MAX
 * packets so the caller gets back to its deadline: 1 with the answer to probe id in *r,
 * 0 when none was among them.
 */
#define FP_PROBE_DRAIN_MAX 64
int fp_probe_drain(int fd, const struct fp_probe_flow *f, uint16_t id, struct fp_probe_reply *r);
/* whether ip (IPv4 text) is an address of this host (network namespace); no privilege */
bool fp_probe_is_local(uint32_t ip);

#endif
