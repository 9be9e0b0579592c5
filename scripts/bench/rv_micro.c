// SPDX-License-Identifier: MIT
/*
 * Benchmark, not a test (scripts/bench/micro): the rendezvous of N local ranks alone. Rank 0
 * (this process) listens, N-1 forked ranks connect, prove the token and join; then one
 * allgather of a 160-byte hello (as a run's first) and a barrier. Prints the seconds from the
 * first fork to the end of the barrier on rank 0: what the rendezvous costs before any
 * engine, sysfs read or result file.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../fabric/runtime/rendezvous.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int one_rank(int rank, int n, const char *addr)
{
	struct fp_rv_params p = { .rank = rank,
				  .size = n,
				  .addr = addr,
				  .token = "rv-micro-token",
				  .timeout_ns = 120000000000ull };
	struct fp_rv_blobs all = { 0 };
	unsigned char hello[160] = { 0 };
	struct fp_rv *rv;
	char err[256];
	int ret = fp_rv_open(&p, &rv, err, sizeof(err));

	if (!ret)
		ret = fp_rv_allgather(rv, "hello", hello, sizeof(hello), &all, err, sizeof(err));
	fp_rv_blobs_free(&all);
	if (!ret)
		ret = fp_rv_barrier(rv, "done", err, sizeof(err));
	if (ret)
		fprintf(stderr, "rv_micro: rank %d: %s\n", rank, err);
	fp_rv_close(rv);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1024, fd = socket(AF_INET, SOCK_STREAM, 0), bad = 0;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t sl = sizeof(sa);
	char addr[64], err[256];
	double t0;

	if (n < 2 || fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl)) {
		fprintf(stderr, "rv_micro: want N >= 2 and a free loopback port\n");
		return 2;
	}
	close(fd);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(sa.sin_port));
	if (fp_rv_preflight(addr, 0, n, err, sizeof(err))) {
		fprintf(stderr, "rv_micro: %s\n", err);
		return 2;
	}
	t0 = now_s();
	for (int r = 1; r < n; r++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(one_rank(r, n, addr));
		if (pid < 0) {
			perror("rv_micro: fork");
			return 1;
		}
	}
	bad = one_rank(0, n, addr);
	printf("rv_ranks %d\nrv_s %.3f\n", n, now_s() - t0);
	for (int st; wait(&st) > 0;)
		bad |= !WIFEXITED(st) || WEXITSTATUS(st);
	return bad;
}
