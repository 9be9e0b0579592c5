// SPDX-License-Identifier: MIT
/*
 * The null engine: no network and no hardware. Each flow is a pair of single-producer,
 * single-consumer rings in POSIX shared memory (source to destination, and back), so the
 * ranks of --np, which are processes, pass whole messages with their bytes. It exists to
 * test the runner: every pattern, the results, interruption and dying ranks run in
 * milliseconds, with faults planted by options instead of by a broken network.
 *
 * A message in a ring is a 16-byte header (the time it may be delivered, its length) and
 * its bytes; a ring is a byte stream that wraps. The producer publishes with a release
 * store of head, the consumer frees with a release store of tail. A rank that closes the
 * engine marks its rings closed, and its peers read that as a reset connection once they
 * have read everything before it; a rank that dies without closing is found by the runner's
 * timeout and the rendezvous, as on a real fabric.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../engine.h"

#define HDR	 16
#define RING_MIN (1u << 16)

struct null_opts {
	uint64_t delay_ns, slow_ns;
	int64_t fault_rank, drop_at, error_at, die_at, interrupt_at, corrupt_at, dead_at;
};

_Static_assert(sizeof(struct null_opts) <= FP_ENGINE_CFG_MAX, "null options fit the runner");

#define NULL_OPT(n, t, f, d, lo, hi, mv, h)                                                        \
	{                                                                                          \
		n, t, offsetof(struct null_opts, f), d, lo, hi, NULL, NULL, mv, h                  \
	}
/* a message number, or -1 for never */
#define NULL_AT(n, f, h) NULL_OPT(n, FP_OPT_INT, f, "-1", -1, INT64_MAX, "N", h)

static const struct fp_opt null_opts[] = {
	NULL_OPT("delay", FP_OPT_DURATION, delay_ns, "0", 0, 10000000000ll, NULL,
		 "every message arrives this long after it was sent"),
	NULL_OPT("slow", FP_OPT_DURATION, slow_ns, "0", 0, 10000000000ll, NULL,
		 "testing: the fault rank's messages arrive this much later still (a straggler)"),
	NULL_OPT("fault-rank", FP_OPT_INT, fault_rank, "1", 0, 65535, "R",
		 "testing: the rank the faults below happen on"),
	NULL_AT("drop-at", drop_at,
		"testing: from its N-th message sent on, the fault rank's messages vanish"),
	NULL_AT("error-at", error_at, "testing: the fault rank's N-th send fails with EIO"),
	NULL_AT("dead-at", dead_at,
		"testing: the connection the fault rank sends its N-th message on breaks, as a "
		"verbs QP whose retries ran out: its flow stalls at once, the others go on"),
	NULL_AT("die-at", die_at,
		"testing: the fault rank exits, without a word, at its N-th send"),
	NULL_AT("interrupt-at", interrupt_at,
		"testing: the fault rank gets SIGINT at its N-th send, as from Ctrl-C"),
	NULL_AT("corrupt-at", corrupt_at,
		"testing: one byte of the fault rank's N-th message is flipped on the way "
		"(run --check counts it)"),
	FP_OPT_END,
};

struct ring {
	_Alignas(64) _Atomic uint64_t head; /* bytes ever written */
	_Alignas(64) _Atomic uint64_t tail; /* bytes ever read */
	_Atomic uint32_t closed;	    /* the producer is gone, as a TCP FIN says */
	_Atomic uint32_t broken; /* --dead-at: both ends fail, as both QPs of a dead link do */
	_Alignas(64) uint8_t data[];
};

struct fp_conn {
	struct ring *out, *in;
	size_t cap; /* bytes of data per ring */
	void *map;
	size_t maplen;
	uint32_t flow;
	int peer;
	bool src;
	struct fp_engine *e;
};

struct fp_engine {
	struct fp_engine_base b; /* rank, size, rendezvous, error line */
	uint64_t tag;		 /* names this job's shared memory */
	struct null_opts o;
	bool faulty;
	uint64_t tx_delay; /* --delay, and --slow on the fault rank */
	uint64_t sent;	   /* messages this rank sent, every flow */
	uint64_t max_size;
	struct fp_conn *conns;
	unsigned nconns;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int null_probe(char *why, size_t len)
{
	snprintf(why, len, "in memory: no network, for testing the runner");
	return 0;
}

static int null_open(const struct fp_engine_params *p, struct fp_engine **out)
{
	struct fp_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	fp_engine_base_init(&e->b, p);
	if (p->job_key)
		e->tag = fp_rv_flow_tag(p->job_key, 0, 0, 0);
	if (p->cfg)
		memcpy(&e->o, p->cfg, sizeof(e->o));
	else
		e->o = (struct null_opts){ 0, 0, 1, -1, -1, -1, -1, -1 };
	e->faulty = e->o.fault_rank == p->rank;
	e->tx_delay = e->o.delay_ns + (e->faulty ? e->o.slow_ns : 0);
	e->max_size = p->x && p->x->max_size ? p->x->max_size : 4096;
	*out = e;
	return 0;
}

static void shm_name(const struct fp_engine *e, uint32_t flow, char *buf, size_t len)
{
	snprintf(buf, len, "/fabprobe-null-%016llx-%u", (unsigned long long)e->tag, flow);
}

static void null_close(struct fp_engine *e)
{
	if (!e)
		return;
	for (unsigned i = 0; i < e->nconns; i++) {
		if (!e->conns[i].map)
			continue;
		atomic_store_explicit(&e->conns[i].out->closed, 1, memory_order_release);
		munmap(e->conns[i].map, e->conns[i].maplen);
	}
	free(e->conns);
	free(e);
}

/* Map the two rings of one flow; the source creates them, the destination opens them. */
static int map_flow(struct fp_engine *e, struct fp_conn *c, bool create)
{
	char name[64];
	size_t half = sizeof(struct ring) + c->cap;
	int fd, ret = 0;

	shm_name(e, c->flow, name, sizeof(name));
	fd = shm_open(name, create ? O_RDWR | O_CREAT | O_EXCL : O_RDWR, 0600);
	if (fd < 0)
		goto fail;
	c->maplen = 2 * half;
	if (create && ftruncate(fd, (off_t)c->maplen))
		goto fail_fd;
	c->map = mmap(NULL, c->maplen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c->map == MAP_FAILED) {
		c->map = NULL;
		goto fail_fd;
	}
	close(fd);
	/* a new file is zeroed: both rings start empty */
	c->out = (struct ring *)((uint8_t *)c->map + (c->src ? 0 : half));
	c->in = (struct ring *)((uint8_t *)c->map + (c->src ? half : 0));
	return 0;
fail_fd:
	ret = -errno;
	close(fd);
	if (create)
		shm_unlink(name);
	goto out;
fail:
	ret = -errno;
out:
	snprintf(e->b.err, e->b.errlen, "null: shared memory %s: %s", name, strerror(-ret));
	return ret;
}

static int null_connect(struct fp_engine *e, const struct fp_flow *flows, unsigned n,
			struct fp_conn **conns)
{
	struct fp_rv_blobs none = { 0 };
	size_t cap = RING_MIN;
	unsigned k = 0;
	int ret = 0;

	while (cap < 4 * (e->max_size + HDR))
		cap *= 2;
	for (unsigned i = 0; i < n; i++)
		k += flows[i].src == e->b.rank || flows[i].dst == e->b.rank;
	e->conns = calloc(k ? k : 1, sizeof(*e->conns));
	if (!e->conns)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		struct fp_conn *c = &e->conns[e->nconns];

		conns[i] = NULL;
		if (flows[i].src != e->b.rank && flows[i].dst != e->b.rank)
			continue;
		if (flows[i].src == flows[i].dst) {
			snprintf(e->b.err, e->b.errlen, "null: flow %u goes from rank %d to itself",
				 flows[i].id, e->b.rank);
			return -EINVAL;
		}
		c->e = e;
		c->cap = cap;
		c->flow = flows[i].id;
		c->src = flows[i].src == e->b.rank;
		c->peer = c->src ? flows[i].dst : flows[i].src;
		conns[i] = c;
		e->nconns++;
	}
	/* sources make the rings, then destinations open them, then the names go */
	for (unsigned i = 0; i < e->nconns && !ret; i++)
		if (e->conns[i].src)
			ret = map_flow(e, &e->conns[i], true);
	if (!ret)
		ret = e->b.allgather(e->b.xctx, "null: rings made", "", 1, &none);
	fp_rv_blobs_free(&none);
	for (unsigned i = 0; i < e->nconns && !ret; i++)
		if (!e->conns[i].src)
			ret = map_flow(e, &e->conns[i], false);
	if (!ret)
		ret = e->b.allgather(e->b.xctx, "null: rings open", "", 1, &none);
	fp_rv_blobs_free(&none);
	for (unsigned i = 0; i < e->nconns; i++) {
		char name[64];

		shm_name(e, e->conns[i].flow, name, sizeof(name));
		if (e->conns[i].src && e->conns[i].map)
			shm_unlink(name);
	}
	return ret;
}

static int null_ident(const struct fp_conn *c, struct fp_flow_ident *id)
{
	int me = c->e->b.rank;

	memset(id, 0, sizeof(*id));
	snprintf(id->proto, sizeof(id->proto), "null");
	snprintf(id->src_ip, sizeof(id->src_ip), "rank%d", c->src ? me : c->peer);
	snprintf(id->dst_ip, sizeof(id->dst_ip), "rank%d", c->src ? c->peer : me);
	return 0;
}

static void put(struct ring *r, size_t cap, uint64_t at, const void *src, size_t len)
{
	size_t o = (size_t)(at % cap), first = len < cap - o ? len : cap - o;

	memcpy(r->data + o, src, first);
	memcpy(r->data, (const uint8_t *)src + first, len - first);
}

static void get(const struct ring *r, size_t cap, uint64_t at, void *dst, size_t len)
{
	size_t o = (size_t)(at % cap), first = len < cap - o ? len : cap - o;

	memcpy(dst, r->data + o, first);
	memcpy((uint8_t *)dst + first, r->data, len - first);
}

/*
 * The planted faults, at this rank's n-th message: 0 to send it, 1 to drop it, 2 to send it
 * with a byte flipped, or -errno.
 */
static int fault(struct fp_engine *e)
{
	uint64_t n = e->sent++;
	const struct null_opts *o = &e->o;

	if (o->die_at >= 0 && n == (uint64_t)o->die_at)
		_exit(3); /* a rank that dies: no report, no goodbye */
	if (o->interrupt_at >= 0 && n == (uint64_t)o->interrupt_at)
		raise(SIGINT);
	if (o->error_at >= 0 && n == (uint64_t)o->error_at) {
		snprintf(e->b.err, e->b.errlen, "null: planted error at message %llu",
			 (unsigned long long)n);
		return -EIO;
	}
	if (o->drop_at >= 0 && n >= (uint64_t)o->drop_at)
		return 1;
	if (o->dead_at >= 0 && n == (uint64_t)o->dead_at)
		return 3;
	return o->corrupt_at >= 0 && n == (uint64_t)o->corrupt_at ? 2 : 0;
}

static bool broken(const struct fp_conn *c)
{
	return atomic_load_explicit(&c->out->broken, memory_order_relaxed) ||
	       atomic_load_explicit(&c->in->broken, memory_order_relaxed);
}

static int null_tx(struct fp_conn *c, const void *buf, size_t len, unsigned n)
{
	struct fp_engine *e = c->e;
	uint64_t head = atomic_load_explicit(&c->out->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&c->out->tail, memory_order_acquire);
	uint64_t hdr[2] = { e->tx_delay ? now_ns() + e->tx_delay : 0, len };
	unsigned k;

	if (broken(c))
		return FP_ECONN_DEAD;

	for (k = 0; k < n && c->cap - (head - tail) >= HDR + len; k++) {
		int f = e->faulty ? fault(e) : 0;

		if (f < 0 || f == 3) {
			atomic_store_explicit(&c->out->head, head, memory_order_release);
			if (f == 3) {
				atomic_store_explicit(&c->out->broken, 1, memory_order_release);
				atomic_store_explicit(&c->in->broken, 1, memory_order_release);
				snprintf(e->b.err, e->b.errlen,
					 "null: planted broken connection at message %llu",
					 (unsigned long long)e->sent - 1);
				return k ? (int)k : FP_ECONN_DEAD; /* what went counts */
			}
			return f;
		}
		if (f == 1)
			continue;
		put(c->out, c->cap, head, hdr, HDR);
		if (buf)
			put(c->out, c->cap, head + HDR, buf, len);
		if (f == 2 && buf && len) /* the middle byte, as a bad link would */
			c->out->data[(head + HDR + len / 2) % c->cap] ^= 0x5a;
		head += HDR + len;
	}
	atomic_store_explicit(&c->out->head, head, memory_order_release);
	return (int)k;
}

static int null_rx(struct fp_conn *c, void *buf, size_t len, unsigned n)
{
	uint64_t tail = atomic_load_explicit(&c->in->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&c->in->head, memory_order_acquire);
	uint64_t hdr[2], now = 0;
	unsigned k;

	if (broken(c))
		return FP_ECONN_DEAD;

	for (k = 0; k < n && head - tail >= HDR; k++) {
		get(c->in, c->cap, tail, hdr, HDR);
		if (hdr[0] && hdr[0] > (now ? now : (now = now_ns())))
			break; /* not delivered yet */
		if (hdr[1] != len) {
			snprintf(c->e->b.err, c->e->b.errlen,
				 "null: a %llu-byte message where %zu bytes were expected",
				 (unsigned long long)hdr[1], len);
			return -EPROTO;
		}
		if (buf)
			get(c->in, c->cap, tail + HDR, buf, len);
		tail += HDR + len;
	}
	atomic_store_explicit(&c->in->tail, tail, memory_order_release);
	/* all read and the peer closed its end: it ended or failed */
	if (!k && head - tail < HDR && atomic_load_explicit(&c->in->closed, memory_order_acquire))
		return -ECONNRESET;
	return (int)k;
}

/*
 * Bytes this flow moved, as a TCP socket's are (sockets.c): what this end read, and what
 * its peer read of what it sent (a sender's acknowledged bytes). The runner's stall rule
 * reads them, so the null engine's flows grow them as real ones do.
 */
static uint64_t null_moved(const struct fp_conn *c)
{
	return atomic_load_explicit(&c->in->tail, memory_order_acquire) +
	       atomic_load_explicit(&c->out->tail, memory_order_acquire);
}

static int null_wait(struct fp_engine *e, int timeout_ms)
{
	struct timespec ts = { 0, 200000 }; /* nothing to block on: a short nap */

	(void)e;
	if (timeout_ms > 0)
		nanosleep(&ts, NULL);
	return 0;
}

const struct fp_engine_ops fp_null_ops = {
	.name = "null",
	.desc = "in memory between local ranks, with planted faults: tests the runner; "
		"collectives (it carries the ranks' bytes)",
	/* its connect fails as a whole (no conn_error); its flows stall one by one (drop-at);
	 * every message carries the caller's bytes, in order and whole: collectives run on it */
	.flags = FP_ENG_FLOW_FAIL | FP_ENG_CARRY,
	.probe = null_probe,
	.open = null_open,
	.close = null_close,
	.connect = null_connect,
	.ident = null_ident,
	.tx = null_tx,
	.rx = null_rx,
	.wait = null_wait,
	.moved = null_moved,
	.opts = null_opts,
	.cfg_size = sizeof(struct null_opts),
};
