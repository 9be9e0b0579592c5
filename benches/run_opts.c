// SPDX-License-Identifier: MIT
/* The options of `fabprobe run`: one table, parsed and documented from here. */
#include <stddef.h>
#include <stdint.h>

#include "runner.h"

#define SEC 1000000000ll

const struct fp_opt fp_run_opts[] = {
	FP_RUN_OPT("engine", FP_OPT_STRING, engine, "sockets", 0, 0, NULL, "FABPROBE_ENGINE",
		   "NAME", "transport: sockets, verbs, dpdk (see fabprobe engines)"),
	FP_PATTERN_OPTS("8:1M:x4"),
	FP_RUN_OPT("duration", FP_OPT_DURATION, duration_ns, "0", 0, 3600 * SEC, NULL, NULL, NULL,
		   "time per size and round instead of --iters, e.g. 2s (sized from the warm-up)"),
	FP_RUN_OPT("warmup", FP_OPT_INT, warmup, "100", 0, 1000000000, NULL, NULL, NULL,
		   "untimed messages per flow before each measurement"),
	FP_RUN_OPT("window", FP_OPT_INT, window, "64", 1, 65536, NULL, NULL, NULL,
		   "messages in flight per flow (bandwidth)"),
	FP_RUN_OPT("format", FP_OPT_CHOICE, format, "text", 0, 0, "text|json", NULL, NULL,
		   "what rank 0 prints on stdout"),
	FP_RUN_OPT("timeout", FP_OPT_DURATION, timeout_ns, "60s", SEC / 10, 24 * 3600 * SEC, NULL,
		   "FABPROBE_TIMEOUT", NULL,
		   "longest wait for a peer: rendezvous, set-up, or data without progress"),
	FP_RUN_OPT("interval", FP_OPT_DURATION, interval_ns, "10ms", 1000000, 60 * SEC, NULL, NULL,
		   NULL, "bandwidth sampling interval for the min and peak rates"),
	FP_RUN_OPT("rank", FP_OPT_INT, rank, "0", 0, 65535, NULL, "FABPROBE_RANK", NULL,
		   "this process's rank (default: from the launcher's environment)"),
	FP_RUN_OPT("size", FP_OPT_INT, size, "1", 1, 65536, NULL, "FABPROBE_SIZE", NULL,
		   "number of ranks (default: from the launcher's environment)"),
	FP_RUN_OPT("np", FP_OPT_INT, np, "0", 0, 1024, NULL, NULL, "N",
		   "start N ranks here on loopback (no launcher needed)"),
	FP_RUN_OPT("rendezvous", FP_OPT_STRING, rendezvous, "127.0.0.1:18515", 0, 0, NULL,
		   "FABPROBE_RENDEZVOUS", "HOST:PORT",
		   "where rank 0 listens and the others connect"),
	FP_RUN_OPT("token", FP_OPT_STRING, token, NULL, 0, 0, NULL, "FABPROBE_TOKEN", "STR",
		   "job token (default: the launcher's job id)"),
	FP_RUN_OPT("bind", FP_OPT_STRING, bind, NULL, 0, 0, NULL, "FABPROBE_BIND", "IP",
		   "local data-plane address (default: the one that reaches the rendezvous)"),
	FP_RUN_OPT("hostname", FP_OPT_STRING, hostname, NULL, 0, 0, NULL, "FABPROBE_HOSTNAME",
		   "NAME",
		   "this rank's host name in the results (default: gethostname); the analyzer "
		   "matches it with the topology"),
	FP_RUN_OPT("poll", FP_OPT_CHOICE, poll, "busy", 0, 0, "busy|event", "FABPROBE_POLL", NULL,
		   "busy-poll, or sleep on events so many ranks can share few cores"),
	FP_RUN_OPT("busy-poll-us", FP_OPT_INT, busy_poll_us, "0", 0, 1000000, NULL, NULL, "US",
		   "sockets: SO_BUSY_POLL microseconds"),
	FP_RUN_OPT("pin", FP_OPT_STRING, pin, NULL, 0, 0, NULL, "FABPROBE_PIN", "auto|none|CPUS",
		   "pin each rank to a CPU: auto = local rank's CPU of the allowed set, or a list "
		   "indexed by local rank (default: auto with --np, none under a launcher)"),
	FP_RUN_OPT("pairs-sample", FP_OPT_INT, pairs_sample, "0", 0, INT64_MAX, NULL, NULL, "K",
		   "keep per-flow records for about K sampled flows (0: all); matrices stay whole"),
	FP_RUN_OPT("port", FP_OPT_STRING, port, NULL, 0, 0, NULL, "FABPROBE_PORT", "SPEC",
		   "dpdk: PCI address or vdev (net_memif0,socket=/tmp/m.sock | "
		   "net_af_xdp0,iface=veth0 | net_null0); verbs: device[:port] or netdev"),
	FP_RUN_OPT("eal", FP_OPT_STRING, eal, NULL, 0, 0, NULL, "FABPROBE_EAL", "ARGS",
		   "dpdk: EAL arguments, e.g. '--no-huge -m 256' (also: everything after --)"),
	FP_RUN_OPT("dst-mac", FP_OPT_STRING, dst_mac, NULL, 0, 0, NULL, NULL, "MAC",
		   "dpdk: send every frame to this MAC instead of the resolved next hop"),
	FP_RUN_OPT("rate", FP_OPT_STRING, rate, NULL, 0, 0, NULL, NULL, "RATE",
		   "dpdk: offered load per sending rank, paced: 10G (bit/s on the wire) or 2Mpps; "
		   "default: as fast as the port takes frames"),
	FP_RUN_OPT("check", FP_OPT_BOOL, check, NULL, 0, 0, NULL, NULL, NULL,
		   "verify every payload received (dpdk: UDP checksum and pattern; verbs: "
		   "buffer contents)"),
	FP_RUN_OPT("rfc2544", FP_OPT_STRING, rfc2544, NULL, 0, 0, NULL, NULL, "LOSS",
		   "dpdk: RFC 2544 throughput search per size: the highest rate with loss <= LOSS "
		   "(a fraction 0.001 or a percentage 0.1%)"),
	FP_RUN_OPT("trial", FP_OPT_DURATION, trial_ns, "1s", 10000000, 3600 * SEC, NULL, NULL, NULL,
		   "--rfc2544: length of each trial"),
	FP_RUN_OPT("resolution", FP_OPT_STRING, resolution, "1%", 0, 0, NULL, NULL, "FRAC",
		   "--rfc2544: stop when the rate is known within this fraction of the top rate"),
	FP_RUN_OPT("op", FP_OPT_STRING, op, "write", 0, 0, NULL, NULL, "OP",
		   "verbs: write, write_imm, read or send"),
	FP_RUN_OPT(
		"gid-index", FP_OPT_INT, gid_index, "-1", -1, 255, NULL, NULL, "N",
		"verbs: GID index (default: RoCE v2 with the --bind IPv4, else the first RoCE v2)"),
	FP_RUN_OPT("inline", FP_OPT_INT, inline_size, "64", 0, 4096, NULL, NULL, "BYTES",
		   "verbs: send messages up to this size inline (clipped to the device's limit)"),
	FP_RUN_OPT("cq-mod", FP_OPT_INT, cq_mod, "16", 1, 4096, NULL, NULL, "N",
		   "verbs: signal a completion every N work requests"),
	FP_RUN_OPT("post-list", FP_OPT_INT, post_list, "32", 1, 32, NULL, NULL, "N",
		   "verbs: work requests chained per post (ibv_post_send list)"),
	FP_RUN_OPT("tx-depth", FP_OPT_INT, tx_depth, "128", 1, 65536, NULL, NULL, "N",
		   "verbs: send queue depth per QP"),
	FP_RUN_OPT("cm", FP_OPT_BOOL, cm, NULL, 0, 0, NULL, NULL, NULL,
		   "verbs: connect QPs with rdma_cm instead of the rendezvous (not yet supported)"),
	FP_OPT_END,
};
