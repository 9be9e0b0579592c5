// SPDX-License-Identifier: MIT
/* The options of `fabprobe run`: one table, parsed and documented from here. */
#include <stddef.h>
#include <stdint.h>

#include "runner.h"

#define RUN_OPT(n, t, f, d, lo, hi, ch, env, mv, h)                                                \
	{                                                                                          \
		n, t, offsetof(struct fp_run_cfg, f), d, lo, hi, ch, env, mv, h                    \
	}
#define SEC 1000000000ll

const struct fp_opt fp_run_opts[] = {
	RUN_OPT("engine", FP_OPT_STRING, engine, "sockets", 0, 0, NULL, "FABPROBE_ENGINE", "NAME",
		"transport: sockets, verbs, dpdk (see fabprobe engines)"),
	RUN_OPT("sizes", FP_OPT_SIZES, sizes, "8:1M:x4", 0, 0, NULL, NULL, "LIST",
		"message sizes: 8,64,4K or a range 1:1M:x2 or 1K:8K:+1K"),
	RUN_OPT("iters", FP_OPT_INT, iters, "1000", 1, 1000000000, NULL, NULL, NULL,
		"messages per flow and size (ignored with --duration)"),
	RUN_OPT("duration", FP_OPT_DURATION, duration_ns, "0", 0, 3600 * SEC, NULL, NULL, NULL,
		"time per size and round instead of --iters, e.g. 2s (sized from the warm-up)"),
	RUN_OPT("warmup", FP_OPT_INT, warmup, "100", 0, 1000000000, NULL, NULL, NULL,
		"untimed messages per flow before each measurement"),
	RUN_OPT("window", FP_OPT_INT, window, "64", 1, 65536, NULL, NULL, NULL,
		"messages in flight per flow (bandwidth)"),
	RUN_OPT("bidir", FP_OPT_BOOL, bidir, NULL, 0, 0, NULL, NULL, NULL,
		"both directions at once (stream, bisection)"),
	RUN_OPT("output", FP_OPT_STRING, output, NULL, 0, 0, NULL, NULL, "DIR",
		"result folder to create (default results/<run-id>); never overwritten"),
	RUN_OPT("results-dir", FP_OPT_STRING, results_dir, "results", 0, 0, NULL,
		"FABPROBE_RESULTS", "DIR", "parent folder for result folders"),
	RUN_OPT("format", FP_OPT_CHOICE, format, "text", 0, 0, "text|json", NULL, NULL,
		"what rank 0 prints on stdout"),
	RUN_OPT("timeout", FP_OPT_DURATION, timeout_ns, "60s", SEC / 10, 24 * 3600 * SEC, NULL,
		"FABPROBE_TIMEOUT", NULL,
		"longest wait for a peer: rendezvous, set-up, or data without progress"),
	RUN_OPT("interval", FP_OPT_DURATION, interval_ns, "10ms", 1000000, 60 * SEC, NULL, NULL,
		NULL, "bandwidth sampling interval for the min and peak rates"),
	RUN_OPT("rank", FP_OPT_INT, rank, "0", 0, 65535, NULL, "FABPROBE_RANK", NULL,
		"this process's rank (default: from the launcher's environment)"),
	RUN_OPT("size", FP_OPT_INT, size, "1", 1, 65536, NULL, "FABPROBE_SIZE", NULL,
		"number of ranks (default: from the launcher's environment)"),
	RUN_OPT("np", FP_OPT_INT, np, "0", 0, 1024, NULL, NULL, "N",
		"start N ranks here on loopback (no launcher needed)"),
	RUN_OPT("rendezvous", FP_OPT_STRING, rendezvous, "127.0.0.1:18515", 0, 0, NULL,
		"FABPROBE_RENDEZVOUS", "HOST:PORT", "where rank 0 listens and the others connect"),
	RUN_OPT("token", FP_OPT_STRING, token, NULL, 0, 0, NULL, "FABPROBE_TOKEN", "STR",
		"job token (default: the launcher's job id)"),
	RUN_OPT("bind", FP_OPT_STRING, bind, NULL, 0, 0, NULL, "FABPROBE_BIND", "IP",
		"local data-plane address (default: the one that reaches the rendezvous)"),
	RUN_OPT("hostname", FP_OPT_STRING, hostname, NULL, 0, 0, NULL, "FABPROBE_HOSTNAME", "NAME",
		"this rank's host name in the results (default: gethostname); the analyzer "
		"matches it with the topology"),
	RUN_OPT("poll", FP_OPT_CHOICE, poll, "busy", 0, 0, "busy|event", "FABPROBE_POLL", NULL,
		"busy-poll, or sleep on events so many ranks can share few cores"),
	RUN_OPT("busy-poll-us", FP_OPT_INT, busy_poll_us, "0", 0, 1000000, NULL, NULL, "US",
		"sockets: SO_BUSY_POLL microseconds"),
	RUN_OPT("pin", FP_OPT_STRING, pin, NULL, 0, 0, NULL, "FABPROBE_PIN", "auto|none|CPUS",
		"pin each rank to a CPU: auto = local rank's CPU of the allowed set, or a list "
		"indexed by local rank (default: auto with --np, none under a launcher)"),
	RUN_OPT("rounds", FP_OPT_INT, rounds, "4", 1, 100000, NULL, NULL, NULL,
		"permutation, bisection: rounds"),
	RUN_OPT("seed", FP_OPT_INT, seed, "1", 1, INT64_MAX, NULL, NULL, NULL,
		"permutation: seed of round 0 (round r uses seed+r)"),
	RUN_OPT("shift", FP_OPT_INT, shift, "1", -65535, 65535, NULL, NULL, "K",
		"ring: rank i sends to rank i+K"),
	RUN_OPT("root", FP_OPT_INT, root, "0", 0, 65535, NULL, NULL, NULL,
		"incast, broadcast: the root rank"),
	RUN_OPT("rotate", FP_OPT_BOOL, rotate, NULL, 0, 0, NULL, NULL, NULL,
		"incast, broadcast: every rank is root in turn"),
	RUN_OPT("alone", FP_OPT_BOOL, alone, NULL, 0, 0, NULL, NULL, NULL,
		"pairs: measure each pair alone (slow, exact)"),
	RUN_OPT("groups", FP_OPT_STRING, groups, NULL, 0, 0, NULL, NULL, "LABELS",
		"bisection: a group label per rank, e.g. leaf0,leaf0,leaf1,leaf1"),
	RUN_OPT("pairs-sample", FP_OPT_INT, pairs_sample, "0", 0, INT64_MAX, NULL, NULL, "K",
		"keep per-flow records for about K sampled flows (0: all); matrices stay whole"),
	RUN_OPT("port", FP_OPT_STRING, port, NULL, 0, 0, NULL, "FABPROBE_PORT", "SPEC",
		"dpdk: PCI address or vdev (net_memif0,socket=/tmp/m.sock | "
		"net_af_xdp0,iface=veth0 | net_null0); verbs: device[:port] or netdev"),
	RUN_OPT("eal", FP_OPT_STRING, eal, NULL, 0, 0, NULL, "FABPROBE_EAL", "ARGS",
		"dpdk: EAL arguments, e.g. '--no-huge -m 256' (also: everything after --)"),
	RUN_OPT("dst-mac", FP_OPT_STRING, dst_mac, NULL, 0, 0, NULL, NULL, "MAC",
		"dpdk: send every frame to this MAC instead of the resolved next hop"),
	RUN_OPT("rate", FP_OPT_STRING, rate, NULL, 0, 0, NULL, NULL, "RATE",
		"dpdk: offered load per sending rank, paced: 10G (bit/s on the wire) or 2Mpps; "
		"default: as fast as the port takes frames"),
	RUN_OPT("check", FP_OPT_BOOL, check, NULL, 0, 0, NULL, NULL, NULL,
		"verify every payload received (dpdk: UDP checksum and pattern; verbs: "
		"buffer contents)"),
	RUN_OPT("rfc2544", FP_OPT_STRING, rfc2544, NULL, 0, 0, NULL, NULL, "LOSS",
		"dpdk: RFC 2544 throughput search per size: the highest rate with loss <= LOSS "
		"(a fraction 0.001 or a percentage 0.1%)"),
	RUN_OPT("trial", FP_OPT_DURATION, trial_ns, "1s", 10000000, 3600 * SEC, NULL, NULL, NULL,
		"--rfc2544: length of each trial"),
	RUN_OPT("resolution", FP_OPT_STRING, resolution, "1%", 0, 0, NULL, NULL, "FRAC",
		"--rfc2544: stop when the rate is known within this fraction of the top rate"),
	RUN_OPT("quiet", FP_OPT_BOOL, quiet, NULL, 0, 0, NULL, NULL, NULL, "no table or progress"),
	FP_OPT_END,
};
