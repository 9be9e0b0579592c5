// SPDX-License-Identifier: MIT
/*
 * `fabprobe run` itself: refuse bad input before any rank starts (preflight), fork the
 * ranks of --np on loopback, or run this process's rank under a launcher.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run_priv.h"

volatile sig_atomic_t fp_stop;

static void on_signal(int sig)
{
	(void)sig;
	fp_stop = 1;
}

/* --np N: fork the ranks here, on loopback, with a fresh port and token. */
static int run_local(struct fp_run_cfg *cfg, const char *token, bool weak)
{
	pid_t *pids = calloc((size_t)cfg->np, sizeof(*pids));
	char addr[64], tok[64];
	int worst = 0, ret;

	if (!pids)
		return 1;
	if (!(cfg->given >> fp_opts_index(fp_run_opts, "rendezvous") & 1)) {
		/* a port the kernel just handed out is very likely free a moment later */
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in sa = { .sin_family = AF_INET,
					  .sin_addr.s_addr = htonl(0x7f000001) };
		socklen_t sl = sizeof(sa);

		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
		    getsockname(fd, (struct sockaddr *)&sa, &sl)) {
			fprintf(stderr, "fabprobe: --np: no free loopback port: %s\n",
				strerror(errno));
			free(pids);
			return 1;
		}
		close(fd);
		snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(sa.sin_port));
		cfg->rendezvous = addr;
	}
	if (!token) {
		/* a secret nobody else can guess: the ranks are forked here and inherit it */
		unsigned char rnd[16];

		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
			fprintf(stderr, "fabprobe: --np: getrandom: %s\n", strerror(errno));
			free(pids);
			return 1;
		}
		for (size_t i = 0; i < sizeof(rnd); i++)
			snprintf(tok + 2 * i, sizeof(tok) - 2 * i, "%02x", rnd[i]);
		token = tok;
	}
	fflush(NULL);
	for (int r = 1; r < cfg->np; r++) {
		pids[r] = fork();
		if (pids[r] == 0) {
			cfg->quiet = true;
			cfg->format = 0;
			cfg->local_rank = r;
			_exit(fp_run_rank(cfg, r, (int)cfg->np, token, weak));
		}
		if (pids[r] < 0) {
			fprintf(stderr, "fabprobe: fork: %s\n", strerror(errno));
			worst = 1;
			cfg->np = r;
			break;
		}
	}
	cfg->local_rank = 0;
	ret = worst ? 1 : fp_run_rank(cfg, 0, (int)cfg->np, token, weak);
	for (int r = 1; r < cfg->np; r++) {
		int st;

		if (pids[r] > 0 && waitpid(pids[r], &st, 0) == pids[r]) {
			int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 1;

			if (rc > worst)
				worst = rc;
		}
	}
	free(pids);
	return ret > worst ? ret : worst;
}

/* What can be refused before any rank starts: one message, exit 2, from one process. */
static int preflight(struct fp_run_cfg *cfg)
{
	struct fp_engine_ops ops;
	char why[256];
	double v;
	int ret;

	if (!fp_pattern_find(cfg->pattern)) {
		fprintf(stderr, "fabprobe: unknown pattern '%s' (see fabprobe run --help)\n",
			cfg->pattern);
		return 2;
	}
	ret = fp_engine_find(cfg->engine, &ops);
	if (ret) {
		fprintf(stderr, "fabprobe: engine '%s' %s (see fabprobe engines)\n", cfg->engine,
			ret == -ENOSYS ? "is not built in this binary" : "is unknown");
		return 2;
	}
	/* what a collective cannot run with is refused on any host, with a device or not */
	if (fp_pattern_find(cfg->pattern)->measure & FP_MEASURE_COLL &&
	    fp_coll_preflight(cfg, fp_engine_flags(&ops, cfg->engine_cfg)))
		return 2;
	if (ops.probe(why, sizeof(why))) {
		fprintf(stderr, "fabprobe: engine '%s' is not usable here: %s\n", cfg->engine, why);
		return 2;
	}
	if ((fp_engine_flags(&ops, cfg->engine_cfg) & FP_ENG_DGRAM) &&
	    !(cfg->given >> fp_opts_index(fp_run_opts, "sizes") & 1)) {
		/* frame sizes with the FCS, as RFC 2544 lists them for Ethernet; messages of one
		 * packet (verbs UD) up to the path MTU of a RoCE port on 1500-byte Ethernet */
		static const uint64_t rfc[] = { 64, 128, 256, 512, 1024, 1280, 1518 };
		bool pkt = fp_engine_flags(&ops, cfg->engine_cfg) & FP_ENG_PAYLOAD;

		cfg->sizes.n = sizeof(rfc) / sizeof(rfc[0]) - (pkt ? 2 : 0);
		memcpy(cfg->sizes.v, rfc, sizeof(rfc));
	}
	/* engines with a --check of their own (verbs, dpdk) verify payloads where they land;
	 * a collective's floats are checked by the runner, on every engine */
	cfg->count_wrong =
		cfg->check && (fp_pattern_find(cfg->pattern)->measure & FP_MEASURE_COLL ||
			       !(ops.opts && fp_opts_index(ops.opts, "check") >= 0));
	if (cfg->rfc2544 && !(fp_engine_flags(&ops, cfg->engine_cfg) & FP_ENG_DGRAM)) {
		fprintf(stderr, "fabprobe: --rfc2544 needs a frame engine (--engine dpdk)\n");
		return 2;
	}
	if (cfg->rfc2544 && (fp_run_parse_fraction(cfg->rfc2544, &v) ||
			     fp_run_parse_fraction(cfg->resolution, &v) || !(v > 0))) {
		fprintf(stderr,
			"fabprobe: --rfc2544 %s / --resolution %s: want fractions such as 0.001 "
			"or 0.1%%\n",
			cfg->rfc2544, cfg->resolution);
		return 2;
	}
	if (fp_run_numa_check(cfg, why)) {
		fprintf(stderr, "fabprobe: %s\n", why);
		return 2;
	}
	if (cfg->rate && fp_parse_rate(cfg->rate, &v, &v)) {
		fprintf(stderr,
			"fabprobe: --rate '%s': want a rate such as 10G, 2.5Gbps or 1Mpps\n",
			cfg->rate);
		return 2;
	}
	return 0;
}

int fp_run(struct fp_run_cfg *cfg)
{
	struct sigaction sa = { .sa_handler = on_signal };
	char token[256], err[ERR_LEN];
	int rank, size;
	bool weak;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (cfg->nclass)
		return fp_run_classes(cfg);
	if (preflight(cfg) || fp_run_soak_check(cfg))
		return 2;
	if (cfg->np > 0) {
		if (cfg->given >> fp_opts_index(fp_run_opts, "rank") & 1) {
			fprintf(stderr,
				"fabprobe: --np starts every rank itself; do not give --rank\n");
			return 2;
		}
		weak = fp_run_job_token(cfg, token, sizeof(token));
		if (fp_rv_preflight(cfg->rendezvous, 0, (int)cfg->np, err, sizeof(err)))
			goto refuse;
		/* without --token the forked ranks share a fresh random one */
		return run_local(cfg, cfg->token ? token : NULL, cfg->token ? weak : false);
	}
	if (fp_run_who_am_i(cfg, &rank, &size, err)) {
		fprintf(stderr, "fabprobe: %s\n", err);
		return 2;
	}
	weak = fp_run_job_token(cfg, token, sizeof(token));
	if (fp_rv_preflight(cfg->rendezvous, rank, size, err, sizeof(err)))
		goto refuse;
	return fp_run_rank(cfg, rank, size, token, weak);
refuse:
	fprintf(stderr, "fabprobe: %s\n", err);
	return 2;
}
