// SPDX-License-Identifier: MIT
/*
 * Raw sockets for TTL-limited probes: one IPPROTO_RAW socket sends a probe whose IPv4 header
 * we write ourselves (the TTL, and an identification that names the probe), an ICMP socket
 * and a TCP socket receive copies of what comes back. One probe is in flight at a time.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/icmp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../core/err.h"
#include "probe.h"

struct fp_prober {
	int tx, icmp, tcp;
	uint16_t next_id;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void fp_probe_close(struct fp_prober *p)
{
	if (!p)
		return;
	if (p->tx >= 0)
		close(p->tx);
	if (p->icmp >= 0)
		close(p->icmp);
	if (p->tcp >= 0)
		close(p->tcp);
	free(p);
}

int fp_probe_open(struct fp_prober **out, char *err, size_t el)
{
	struct fp_prober *p = calloc(1, sizeof(*p));
	struct icmp_filter only = { ~((1u << ICMP_TIME_EXCEEDED) | (1u << ICMP_DEST_UNREACH)) };
	int ret;

	if (!p)
		return -ENOMEM;
	p->tx = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	p->icmp = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMP);
	p->tcp = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_TCP);
	if (p->tx < 0 || p->icmp < 0 || p->tcp < 0) {
		ret = -errno;
		if (ret == -EPERM || ret == -EACCES)
			fp_say(err, el,
			       "raw sockets need CAP_NET_RAW (run as root, or setcap "
			       "cap_net_raw+ep on the binary)");
		else
			fp_say(err, el, "raw socket: %s", strerror(-ret));
		fp_probe_close(p);
		return ret;
	}
	/* only time exceeded and unreachable can answer a probe: a ping flood is not queued */
	(void)setsockopt(p->icmp, SOL_RAW, ICMP_FILTER, &only, sizeof(only));
	/* the identification names a probe; start where another tracer here is unlikely to */
	p->next_id = (uint16_t)((unsigned)getpid() * 40503u);
	*out = p;
	return 0;
}

bool fp_probe_is_local(uint32_t ip)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = ip };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool local;

	if (fd < 0)
		return false;
	local = !bind(fd, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	return local;
}

int fp_probe_drain(int fd, const struct fp_probe_flow *f, uint16_t id, struct fp_probe_reply *r)
{
	uint8_t buf[1500];
	ssize_t n;

	/* bounded: the raw TCP socket sees every segment of the host, a busy one never empties */
	for (unsigned i = 0; i < FP_PROBE_DRAIN_MAX; i++) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			break;
		if (!fp_probe_parse(buf, (size_t)n, r) && fp_probe_matches(r, f, id))
			return 1;
	}
	return 0;
}

/*
 * Let the raw TCP socket queue only segments from dst (classic BPF on the IPv4 header's
 * source address, offset 12), so other traffic of the host costs nothing. Best effort: the
 * bounded drain keeps the deadline without it.
 */
static void tcp_filter(int fd, uint32_t dst)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(dst), 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };

	(void)setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

/* send one probe and wait for its answer: 0, -ETIMEDOUT, or -errno of the send */
static int probe_once(struct fp_prober *p, const struct fp_probe_flow *f, uint8_t ttl,
		      int timeout_ms, struct fp_probe_reply *r)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = f->dst };
	struct pollfd pf[2] = { { .fd = p->icmp, .events = POLLIN },
				{ .fd = p->tcp, .events = POLLIN } };
	uint8_t pkt[FP_PROBE_MAXLEN];
	int64_t deadline;
	uint16_t id;
	size_t len;

	if (!++p->next_id)
		p->next_id = 1; /* 0 would let the kernel choose */
	id = p->next_id;
	len = fp_probe_build(pkt, sizeof(pkt), f, ttl, id);
	if (sendto(p->tx, pkt, len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)len)
		return -errno;
	deadline = now_ms() + timeout_ms;
	for (;;) {
		int64_t left = deadline - now_ms();

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(pf, 2, (int)left) < 0 && errno != EINTR)
			return -errno;
		for (int k = 0; k < 2; k++)
			if (pf[k].revents & POLLIN && fp_probe_drain(pf[k].fd, f, id, r))
				return 0;
	}
}

static void addr_text(uint32_t a, char *buf, size_t len)
{
	struct in_addr ia = { .s_addr = a };

	if (!inet_ntop(AF_INET, &ia, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

int fp_probe_trace(struct fp_prober *p, const struct fp_probe_flow *f, unsigned max_ttl,
		   unsigned tries, int timeout_ms, struct fp_probe_path *path, char *err, size_t el)
{
	char at[INET_ADDRSTRLEN];

	memset(path, 0, sizeof(*path));
	tcp_filter(p->tcp, f->dst);
	if (max_ttl > FP_PROBE_MAXTTL)
		max_ttl = FP_PROBE_MAXTTL;
	for (unsigned ttl = 1; ttl <= max_ttl; ttl++) {
		struct fp_probe_reply r;
		int ret = -ETIMEDOUT;

		for (unsigned t = 0; t < tries && ret == -ETIMEDOUT; t++)
			ret = probe_once(p, f, (uint8_t)ttl, timeout_ms, &r);
		if (ret == -ETIMEDOUT)
			fp_say(err, el, "no answer at TTL %u after %u tries of %d ms", ttl, tries,
			       timeout_ms);
		else if (ret)
			fp_say(err, el, "sending the TTL %u probe: %s", ttl, strerror(-ret));
		if (ret)
			return ret;
		path->hop[path->n++] = r.from;
		/* the destination's answer ends the trace: reset, SYN-ACK, port unreachable */
		if (r.kind == FP_PROBE_TCP_END ||
		    (r.kind == FP_PROBE_UNREACH && r.from == f->dst)) {
			path->reached = true;
			return 0;
		}
		if (r.kind == FP_PROBE_UNREACH) {
			addr_text(r.from, at, sizeof(at));
			fp_say(err, el, "TTL %u: %s says the destination is unreachable (code %u)",
			       ttl, at, r.code);
			return -EHOSTUNREACH;
		}
		if (r.from == f->dst) { /* time exceeded from the destination: it routes on */
			addr_text(r.from, at, sizeof(at));
			fp_say(err, el, "TTL %u: the destination %s forwarded the probe", ttl, at);
			return -EHOSTUNREACH;
		}
	}
	fp_say(err, el, "the destination did not answer within %u hops", max_ttl);
	return -ELOOP;
}
