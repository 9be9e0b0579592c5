// SPDX-License-Identifier: MIT
/* fabprobe pkt tx|rx: one DPDK port, no peers: meet testpmd and other packet tools. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../core/imix.h"
#include "../core/opts.h"
#include "../fabric/runtime/engine.h"
#include "cli.h"

struct pkt_opts {
	const char *port, *eal, *dst_mac, *ip, *peer_ip, *rate, *sizes;
	int64_t count, queues;
	struct fp_imix mix;
	uint64_t size, duration, idle, linger;
	bool check, tx;
	int format;
};

#define PKT_OPT(n, t, f, d, lo, hi, ch, mv, h)                                                     \
	{                                                                                          \
		n, t, offsetof(struct pkt_opts, f), d, lo, hi, ch, NULL, mv, h                     \
	}
#define SEC 1000000000ll

static const struct fp_opt pkt_tab[] = {
	PKT_OPT("port", FP_OPT_STRING, port, NULL, 0, 0, NULL, "SPEC",
		"PCI address or vdev, e.g. net_memif0,socket=/tmp/m.sock,role=client"),
	PKT_OPT("eal", FP_OPT_STRING, eal, NULL, 0, 0, NULL, "ARGS",
		"EAL arguments (also: everything after --)"),
	PKT_OPT("dst-mac", FP_OPT_STRING, dst_mac, NULL, 0, 0, NULL, "MAC",
		"tx: destination MAC (default: the port's own)"),
	PKT_OPT("ip", FP_OPT_STRING, ip, NULL, 0, 0, NULL, "IPv4",
		"this port's address (tx default 198.18.0.1, rx default 198.18.0.2)"),
	PKT_OPT("peer-ip", FP_OPT_STRING, peer_ip, "198.18.0.2", 0, 0, NULL, "IPv4",
		"tx: destination address"),
	PKT_OPT("count", FP_OPT_INT, count, "0", 0, INT64_MAX, NULL, "N",
		"tx: frames to send (required); rx: stop after N frames (0: no limit)"),
	PKT_OPT("size", FP_OPT_SIZE, size, "64", 64, 9220, NULL, "BYTES",
		"tx: frame size with the FCS"),
	PKT_OPT("sizes", FP_OPT_STRING, sizes, NULL, 0, 0, NULL, "MIX",
		"a frame-size mix instead of --size: imix (64:7,594:4,1518:1) or SIZE:WEIGHT,... "
		"(tx sends it in a fixed interleaved cycle; rx counts frames per size)"),
	PKT_OPT("queues", FP_OPT_INT, queues, "1", 1, FP_PKT_MAXQ, NULL, "N",
		"queue pairs, one lcore each (more lcores than CPUs float over them); tx sends "
		"flow q on queue q, rx counts per queue"),
	PKT_OPT("rate", FP_OPT_STRING, rate, NULL, 0, 0, NULL, "RATE",
		"tx: pace to 10G (bit/s on the wire) or 2Mpps; default unpaced"),
	PKT_OPT("duration", FP_OPT_DURATION, duration, "60s", SEC / 100, 24 * 3600 * SEC, NULL,
		NULL, "rx: the longest wait; tx: stop early"),
	PKT_OPT("idle", FP_OPT_DURATION, idle, "1s", SEC / 1000, 3600 * SEC, NULL, NULL,
		"rx: stop this long after the last frame"),
	PKT_OPT("linger", FP_OPT_DURATION, linger, "0", 0, 3600 * SEC, NULL, NULL,
		"keep the port up this long after printing (a memif peer resets its counters "
		"when we leave)"),
	PKT_OPT("check", FP_OPT_BOOL, check, NULL, 0, 0, NULL, NULL,
		"rx: verify UDP checksums and payloads of fabprobe frames"),
	PKT_OPT("format", FP_OPT_CHOICE, format, "text", 0, 0, "text|json", NULL, "output"),
	FP_OPT_END,
};

static void usage(FILE *f)
{
	fprintf(f, "usage: fabprobe pkt tx|rx --port SPEC [options] [-- EAL args]\n\n"
		   "tx sends --count probe frames, paced with --rate; rx counts every frame that "
		   "arrives\n(fabprobe's own with loss and reordering, and foreign ones) until "
		   "--count, --idle or --duration.\n\noptions:\n");
	fp_opts_help(f, pkt_tab);
}

/* The per-queue and per-size counts, as JSON members or text lines. */
static void print_split(const struct pkt_opts *o, const struct fp_pkt_result *r, bool json)
{
	char mix[256];

	printf(json ? ", \"queues\": [" : "  per queue:");
	for (unsigned q = 0; q < r->nq; q++) {
		if (json)
			printf("%s%llu", q ? ", " : "", (unsigned long long)r->q_frames[q]);
		else
			printf(" q%u %llu", q, (unsigned long long)r->q_frames[q]);
	}
	printf(json ? "]" : "\n");
	if (!o->sizes)
		return;
	/* the parsed mix, not what was typed: digits, ':' and ',' only */
	fp_imix_format(&o->mix, mix, sizeof(mix));
	printf(json ? ", \"mix\": \"%s\", \"sizes\": {" : "  per size (mix %s):", mix);
	for (unsigned k = 0; k < o->mix.n; k++) {
		if (json)
			printf("%s\"%u\": %llu", k ? ", " : "", o->mix.size[k],
			       (unsigned long long)r->size_frames[k]);
		else
			printf(" %u B %llu", o->mix.size[k], (unsigned long long)r->size_frames[k]);
	}
	printf(json ? "}" : "\n");
}

static void print_result(const struct fp_pkt_result *rp, void *arg)
{
	const struct pkt_opts *o = arg;
	const struct fp_pkt_result r = *rp;
	bool tx = o->tx;
	double mpps = r.seconds > 0 ? (double)r.frames / r.seconds / 1e6 : 0;
	double gbps = r.seconds > 0 ? r.wire_bits / r.seconds / 1e9 : 0;

	if (o->format == 1) {
		printf("{\"mode\": \"%s\", \"frames\": %llu, \"bytes\": %llu, \"probe\": %llu, "
		       "\"foreign\": %llu, \"bad\": %llu, \"stale\": %llu, \"lost\": %llu, "
		       "\"reordered\": %llu, \"duplicates\": %llu, \"seconds\": %.6f, "
		       "\"Mpps\": %.4f, \"Gbps\": %.4f",
		       tx ? "tx" : "rx", (unsigned long long)r.frames, (unsigned long long)r.bytes,
		       (unsigned long long)r.probe, (unsigned long long)r.foreign,
		       (unsigned long long)r.bad, (unsigned long long)r.stale,
		       (unsigned long long)r.lost, (unsigned long long)r.reordered,
		       (unsigned long long)r.duplicates, r.seconds, mpps, gbps);
		print_split(o, &r, true);
		printf("}\n");
	} else if (tx) {
		if (o->sizes)
			printf("tx: %llu frames of a size mix", (unsigned long long)r.frames);
		else
			printf("tx: %llu frames of %llu B", (unsigned long long)r.frames,
			       (unsigned long long)o->size);
		printf(" (and 5 end markers per queue) in %.3f s: %.3f Mpps, %.3f Gb/s on the "
		       "wire\n",
		       r.seconds, mpps, gbps);
		print_split(o, &r, false);
	} else {
		printf("rx: %llu frames in %.3f s (%.3f Mpps, %.3f Gb/s of fabprobe frames on the "
		       "wire): fabprobe %llu (lost %llu, reordered %llu, duplicates %llu, stale "
		       "%llu), foreign %llu, bad %llu\n",
		       (unsigned long long)r.frames, r.seconds, mpps, gbps,
		       (unsigned long long)r.probe, (unsigned long long)r.lost,
		       (unsigned long long)r.reordered, (unsigned long long)r.duplicates,
		       (unsigned long long)r.stale, (unsigned long long)r.foreign,
		       (unsigned long long)r.bad);
		print_split(o, &r, false);
	}
	fflush(stdout);
}

int fp_cmd_pkt(int argc, char **argv)
{
	struct pkt_opts o;
	struct fp_pkt_cfg c = { 0 };
	struct fp_pkt_result r;
	const char *pos[1];
	struct fp_engine_ops ops;
	char err[512] = "", eal[4096] = "";
	int npos = 0, nopt = argc, ret;

	/* the frame engine's tool entry: engines without one say -EOPNOTSUPP */
	if (fp_engine_find("dpdk", &ops)) {
		fprintf(stderr, "fabprobe pkt: this binary was built without DPDK (see fabprobe "
				"engines)\n");
		return 2;
	}
	memset(&o, 0, sizeof(o));
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			nopt = i;
			break;
		}
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
	}
	if (fp_opts_parse(pkt_tab, &o, nopt, argv, pos, 1, &npos, NULL, err, sizeof(err))) {
		fprintf(stderr, "fabprobe pkt: %s\n", err);
		return 2;
	}
	if (npos != 1 || (strcmp(pos[0], "tx") && strcmp(pos[0], "rx"))) {
		fprintf(stderr, "fabprobe pkt: say tx or rx (see fabprobe pkt --help)\n");
		return 2;
	}
	if (nopt < argc) {
		if (fp_opts_join(o.eal, argv + nopt + 1, argc - nopt - 1, eal, sizeof(eal))) {
			fprintf(stderr, "fabprobe pkt: the EAL arguments are too long\n");
			return 2;
		}
		o.eal = eal;
	}
	c.tx = o.tx = !strcmp(pos[0], "tx");
	if (c.tx && !o.count) {
		fprintf(stderr, "fabprobe pkt tx: how many frames? --count N\n");
		return 2;
	}
	if (o.rate && fp_parse_rate(o.rate, &c.bps, &c.pps)) {
		fprintf(stderr, "fabprobe pkt: --rate '%s': want 10G, 2.5Gbps or 1Mpps\n", o.rate);
		return 2;
	}
	if (o.sizes && fp_imix_parse(o.sizes, 64, 9220, &o.mix, err, sizeof(err))) {
		fprintf(stderr, "fabprobe pkt: --sizes %s\n", err);
		return 2;
	}
	c.mix = o.sizes ? &o.mix : NULL;
	c.queues = (unsigned)o.queues;
	c.port = o.port;
	c.eal = o.eal;
	c.dst_mac = o.dst_mac;
	c.ip = o.ip ? o.ip : c.tx ? "198.18.0.1" : "198.18.0.2";
	c.peer_ip = o.peer_ip;
	c.count = (uint64_t)o.count;
	c.size = o.size;
	c.duration_ns = o.duration;
	c.idle_ns = o.idle;
	c.check = o.check;
	c.linger_ns = o.linger;
	c.report = print_result;
	c.arg = &o;
	ret = ops.pkt(&c, &r, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "fabprobe pkt: %s\n", err[0] ? err : strerror(-ret));
		return 1;
	}
	return 0;
}
