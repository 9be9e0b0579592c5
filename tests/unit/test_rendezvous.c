// SPDX-License-Identifier: MIT
/*
 * The rendezvous: the live protocol between forked ranks on loopback: allgather, gather,
 * a wrong token, a duplicate rank, a missing rank, a rank that dies, garbage from a stranger.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../core/clock.h"
#include "../../core/wire.h"
#include "../../fabric/runtime/rendezvous.h"
#include "t.h"

#define MS 1000000ull

static char addr[64];

static void new_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	close(fd);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(sa.sin_port));
}

static int open_rank(int rank, int size, const char *token, uint64_t timeout, struct fp_rv **rv,
		     char *err)
{
	struct fp_rv_params p = {
		.rank = rank, .size = size, .addr = addr, .token = token, .timeout_ns = timeout
	};

	return fp_rv_open(&p, rv, err, 256);
}

/* A child rank: open, allgather its rank as text, gather, barrier; exit 0 when all is right. */
static int child(int rank, int size)
{
	struct fp_rv *rv;
	struct fp_rv_blobs b = { 0 };
	char err[256], mine[32];
	int ret;

	if (open_rank(rank, size, "job", 5000 * MS, &rv, err))
		return 10;
	snprintf(mine, sizeof(mine), "rank-%d", rank);
	ret = fp_rv_allgather(rv, "t", mine, strlen(mine) + 1, &b, err, sizeof(err));
	if (ret || b.n != (uint32_t)size)
		return 11;
	for (int r = 0; r < size; r++) {
		snprintf(mine, sizeof(mine), "rank-%d", r);
		if (strcmp((char *)b.data + b.off[r], mine))
			return 12;
	}
	fp_rv_blobs_free(&b);
	if (fp_rv_gather(rv, "g", "x", 1, NULL, err, sizeof(err)))
		return 13;
	if (fp_rv_barrier(rv, "b", err, sizeof(err)))
		return 14;
	fp_rv_close(rv);
	return 0;
}

static int wait_child(pid_t p)
{
	int st;

	if (waitpid(p, &st, 0) != p)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void test_allgather(int size)
{
	pid_t kids[16];
	int rc;

	new_port();
	for (int r = 1; r < size; r++) {
		kids[r] = fork();
		if (!kids[r])
			_exit(child(r, size));
	}
	rc = child(0, size);
	CHECK(rc == 0, "rank 0 of %d: %d", size, rc);
	for (int r = 1; r < size; r++) {
		rc = wait_child(kids[r]);
		CHECK(rc == 0, "rank %d of %d exited %d", r, size, rc);
	}
}

static void test_wrong_token(void)
{
	struct fp_rv *rv;
	char err[256];
	pid_t k;
	int ret, rc;

	new_port();
	k = fork();
	if (!k) {
		int r = open_rank(1, 2, "other-job", 3000 * MS, &rv, err);

		_exit(r && strstr(err, "wrong job token") ? 0 : 1);
	}
	ret = open_rank(0, 2, "job", 1500 * MS, &rv, err);
	CHECK(ret == -ETIMEDOUT && strstr(err, "missing rank 1"), "rank 0: %d %s", ret, err);
	rc = wait_child(k);
	CHECK(rc == 0, "the stranger was told: %d", rc);
}

static void test_duplicate(void)
{
	struct fp_rv *rv;
	char err[256];
	pid_t k[2];
	int ret;

	new_port();
	for (int i = 0; i < 2; i++) {
		k[i] = fork();
		if (!k[i])
			_exit(open_rank(1, 3, "job", 3000 * MS, &rv, err) ? 0 : 1);
	}
	ret = open_rank(0, 3, "job", 3000 * MS, &rv, err);
	CHECK(ret == -EEXIST && strstr(err, "rank 1 joined twice"), "duplicate: %d %s", ret, err);
	for (int i = 0; i < 2; i++)
		CHECK(wait_child(k[i]) == 0, "duplicate rank %d ended with an error", i);
}

static void test_unreachable(void)
{
	struct fp_rv *rv;
	char err[256];
	uint64_t t0 = fp_mono_ns();
	int ret;

	new_port(); /* nothing listens there */
	ret = open_rank(1, 2, "job", 500 * MS, &rv, err);
	CHECK(ret == -ETIMEDOUT && strstr(err, "cannot reach rendezvous"), "unreachable: %s", err);
	CHECK(fp_mono_ns() - t0 < 5000 * MS, "gave up within the timeout");
	snprintf(addr, sizeof(addr), "not-an-address");
	ret = open_rank(1, 2, "job", 500 * MS, &rv, err);
	CHECK(ret == -EINVAL && strstr(err, "HOST:PORT"), "malformed address: %s", err);
}

static void test_dead_peer(void)
{
	struct fp_rv *rv;
	char err[256];
	pid_t k;
	int ret;

	new_port();
	k = fork();
	if (!k) {
		if (open_rank(1, 2, "job", 3000 * MS, &rv, err))
			_exit(1);
		_exit(0); /* dies without a word */
	}
	ret = open_rank(0, 2, "job", 3000 * MS, &rv, err);
	CHECK(!ret, "open: %s", err);
	if (ret)
		return;
	ret = fp_rv_barrier(rv, "barrier", err, sizeof(err));
	CHECK(ret == -ECONNRESET && strstr(err, "rank 1 closed"), "dead peer: %s", err);
	fp_rv_close(rv);
	wait_child(k);

	/* a rank that reports its own failure: rank 0 says who and why */
	new_port();
	k = fork();
	if (!k) {
		if (open_rank(1, 2, "job", 3000 * MS, &rv, err))
			_exit(1);
		fp_rv_abort(rv, "rank 1: my NIC caught fire");
		fp_rv_close(rv);
		_exit(0);
	}
	ret = open_rank(0, 2, "job", 3000 * MS, &rv, err);
	ret = ret ? ret : fp_rv_barrier(rv, "barrier", err, sizeof(err));
	CHECK(ret == -ECANCELED && strstr(err, "caught fire"), "abort relayed: %s", err);
	fp_rv_close(rv);
	wait_child(k);
}

/*
 * A rank stopped by a signal before a send, then saying why: rank 0 reads its words, not an
 * authentication failure (red-team finding 4: the unsent message used up a counter).
 */
static void test_stopped_farewell(void)
{
	static volatile sig_atomic_t stop;
	struct fp_rv_params p = {
		.rank = 1, .size = 2, .addr = addr, .token = "job", .timeout_ns = 3000 * MS
	};
	struct fp_rv *rv;
	char err[256];
	pid_t k;
	int ret;

	new_port();
	k = fork();
	if (!k) {
		p.stop = &stop;
		if (fp_rv_open(&p, &rv, err, sizeof(err)))
			_exit(1);
		stop = 1;
		ret = fp_rv_barrier(rv, "barrier", err, sizeof(err));
		fp_rv_abort(rv, "rank 1: interrupted by a signal");
		fp_rv_close(rv);
		_exit(ret == -EINTR ? 0 : 2);
	}
	ret = open_rank(0, 2, "job", 3000 * MS, &rv, err);
	ret = ret ? ret : fp_rv_barrier(rv, "barrier", err, sizeof(err));
	CHECK(ret == -ECANCELED && strstr(err, "interrupted by a signal"),
	      "the stopped rank's farewell: %s", err);
	fp_rv_close(rv);
	CHECK(wait_child(k) == 0, "the stopped rank's barrier ends with -EINTR");
}

/* A stranger sends garbage, a truncated header, an oversized one: rank 0 carries on. */
static void test_garbage(void)
{
	pid_t k;
	int ret;

	new_port();
	k = fork();
	if (!k) {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		char host[64], port[16];
		uint8_t hdr[FP_RV_HDR_LEN];
		struct fp_rv_hdr h = {
			.type = FP_RV_HELLO, .rank = 1, .size = 2, .len = 0xffffffffu
		};

		fp_rv_split_addr(addr, host, sizeof(host), port, sizeof(port));
		sa.sin_port = htons((uint16_t)atoi(port));
		inet_pton(AF_INET, host, &sa.sin_addr);
		for (int i = 0; i < 3; i++) {
			int fd = socket(AF_INET, SOCK_STREAM, 0);

			while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
				usleep(20000);
			if (i == 0)
				(void)!write(fd, "GET / HTTP/1.0\r\n\r\nxxxxxxxxxxxxxx", 32);
			if (i == 1)
				(void)!write(fd, "FPRV", 4);
			if (i == 2) {
				fp_rv_hdr_encode(&h, hdr);
				(void)!write(fd, hdr, sizeof(hdr));
			}
			close(fd);
		}
		/* then the real rank 1 */
		_exit(child(1, 2));
	}
	ret = child(0, 2);
	CHECK(ret == 0, "rank 0 survived the garbage: %d", ret);
	CHECK(wait_child(k) == 0, "rank 1 after the garbage");
}

/* A guessable token: refused off loopback with --require-token, fine on loopback. */
static void test_weak_token(void)
{
	struct fp_rv_params p = { .rank = 1,
				  .size = 2,
				  .addr = "192.0.2.1:9",
				  .token = "SLURM_JOB_ID=12",
				  .timeout_ns = 300 * MS,
				  .weak_token = true,
				  .require_token = true };
	struct fp_rv *rv;
	char err[256];
	int ret;

	ret = fp_rv_open(&p, &rv, err, sizeof(err));
	CHECK(ret == -EPERM && strstr(err, "guess"), "weak token off loopback: %d %s", ret, err);
	new_port();
	p.addr = addr; /* loopback: nobody else can reach it, so no refusal for the token */
	ret = fp_rv_open(&p, &rv, err, sizeof(err));
	CHECK(ret == -ETIMEDOUT && strstr(err, "cannot reach"), "weak token on loopback: %s", err);
}

/* Rank 0 raises its fd limit to the hard one, and refuses a job that cannot fit in that. */
static void test_fd_budget(void)
{
	struct rlimit old, rl;
	char err[256];

	getrlimit(RLIMIT_NOFILE, &old);
	if (old.rlim_max < 512 || old.rlim_max == RLIM_INFINITY) {
		printf("fd budget: skipped, the hard limit is %llu\n",
		       (unsigned long long)old.rlim_max);
		return;
	}
	rl = old;
	rl.rlim_cur = 256;
	setrlimit(RLIMIT_NOFILE, &rl);
	CHECK(!fp_rv_preflight("127.0.0.1:9", 0, 300, err, sizeof(err)), "fits: %s", err);
	getrlimit(RLIMIT_NOFILE, &rl);
	CHECK(rl.rlim_cur == old.rlim_max, "soft limit raised to %llu",
	      (unsigned long long)rl.rlim_cur);
	CHECK(fp_rv_preflight("127.0.0.1:9", 0, (int)old.rlim_max, err, sizeof(err)) == -EMFILE &&
		      strstr(err, "ulimit -Hn"),
	      "does not fit: %s", err);
	CHECK(!fp_rv_preflight("127.0.0.1:9", 1, (int)old.rlim_max, err, sizeof(err)),
	      "only rank 0 holds a socket per rank");
	CHECK(fp_rv_preflight("garbage", 1, 2, err, sizeof(err)) == -EINVAL, "garbage address");
	setrlimit(RLIMIT_NOFILE, &old);
}

/* Out of descriptors while strangers queue: the wait ends with an error, at once. */
static void test_emfile(void)
{
	uint64_t t0;
	pid_t k;
	int rc;

	new_port();
	k = fork();
	if (!k) {
		struct rlimit rl = { 80, 80 };
		struct fp_rv *rv;
		char err[256];
		int ret;

		if (setrlimit(RLIMIT_NOFILE, &rl))
			_exit(3);
		while (dup(0) >= 0 && dup(0) < 72) /* the job's own descriptors, nearly all */
			;
		ret = open_rank(0, 2, "job", 20000 * MS, &rv, err);
		_exit(ret == -EMFILE && strstr(err, "ran out of file descriptors") ? 0 : 1);
	}
	t0 = fp_mono_ns();
	{
		struct sockaddr_in sa = { .sin_family = AF_INET,
					  .sin_addr.s_addr = htonl(0x7f000001) };
		char host[64], port[16];
		int fds[40], st;
		pid_t done = 0;

		fp_rv_split_addr(addr, host, sizeof(host), port, sizeof(port));
		sa.sin_port = htons((uint16_t)atoi(port));
		for (int i = 0; i < 40; i++) {
			fds[i] = socket(AF_INET, SOCK_STREAM, 0);
			while (!done && connect(fds[i], (struct sockaddr *)&sa, sizeof(sa)) &&
			       fp_mono_ns() - t0 < 5000 * MS) {
				usleep(20000);
				done = waitpid(k, &st, WNOHANG);
			}
		}
		if (done == k)
			rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
		else
			rc = wait_child(k);
		for (int i = 0; i < 40; i++)
			close(fds[i]);
	}
	CHECK(rc == 0, "EMFILE ends the wait: %d", rc);
	CHECK(fp_mono_ns() - t0 < 10000 * MS, "and not at the timeout");
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_allgather(2);
	test_allgather(5);
	test_wrong_token();
	test_duplicate();
	test_unreachable();
	test_dead_peer();
	test_stopped_farewell();
	test_garbage();
	test_weak_token();
	test_fd_budget();
	test_emfile();
	return t_done("rendezvous");
}
