// SPDX-License-Identifier: MIT
/*
 * The local step of a real diagnosis (issue 22): the probed rank's own loopback, one TCP
 * stream over 127.0.0.1 inside the process (a sender thread, this thread receives) for the
 * round's duration. It runs through the host's CPU, memory and kernel but not its NIC or
 * cable, so a slow host is told from its cable; every other rank idles meanwhile.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../core/err.h"
#include "../core/wire.h"
#include "diag_priv.h"

#define LOOP_BUF  (128 * 1024)
#define LOCAL_REC 16 /* u64 bytes, f64 ns */

struct sender {
	struct sockaddr_in to;
	uint64_t ns;
	int err;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* the sender: stream for ns, then close (the receiver sees the end) */
static void *send_loop(void *arg)
{
	struct sender *s = arg;
	char *buf = calloc(1, LOOP_BUF);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timeval tv = { .tv_sec = 2 };
	uint64_t end;

	if (!buf || fd < 0 || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    connect(fd, (struct sockaddr *)&s->to, sizeof(s->to))) {
		s->err = -errno ? -errno : -ENOMEM;
		goto out;
	}
	end = now_ns() + s->ns;
	while (now_ns() < end)
		if (send(fd, buf, LOOP_BUF, MSG_NOSIGNAL) < 0 && errno != EINTR) {
			s->err = -errno;
			break;
		}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

/* receive until the sender closes: what arrived and over how long */
static int recv_all(int lfd, uint64_t *bytes, double *ns)
{
	struct timeval tv = { .tv_sec = 2 };
	char *buf = malloc(LOOP_BUF);
	int fd = accept(lfd, NULL, NULL);
	uint64_t t0 = now_ns(), t1 = t0;
	ssize_t r = 0;

	if (!buf || fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		r = -1;
		goto out;
	}
	while ((r = recv(fd, buf, LOOP_BUF, 0)) > 0 || (r < 0 && errno == EINTR)) {
		*bytes += r > 0 ? (uint64_t)r : 0;
		t1 = now_ns();
	}
	*ns = (double)(t1 - t0);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return r < 0 ? -EIO : 0;
}

int fp_diag_loopback(uint64_t ns, uint64_t *bytes, double *took, char *err, size_t el)
{
	struct sender s = { .to = { .sin_family = AF_INET }, .ns = ns };
	socklen_t sl = sizeof(s.to);
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ret = 0;
	pthread_t th;
	struct timeval tv = { .tv_sec = 2 };

	*bytes = 0;
	*took = 0;
	s.to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* bounded: accept gives up when the sender never connects */
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(lfd, (struct sockaddr *)&s.to, sizeof(s.to)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&s.to, &sl) ||
	    pthread_create(&th, NULL, send_loop, &s)) {
		if (lfd >= 0)
			close(lfd);
		return fp_say(err, el, "diagnose: loopback probe: %s", strerror(errno)), -EIO;
	}
	ret = recv_all(lfd, bytes, took);
	pthread_join(th, NULL);
	close(lfd);
	if (ret || s.err)
		return fp_say(err, el, "diagnose: loopback probe: %s",
			      strerror(s.err ? -s.err : EIO)),
		       -EIO;
	return 0;
}

/* every rank: the probed one streams over its loopback, all report; rank 0 keeps its */
int fp_diag_local_run(struct fp_drun *x, uint32_t who, uint64_t ns)
{
	struct rank *rk = &x->rk;
	struct fp_rv_blobs all = { 0 };
	uint8_t rec[LOCAL_REC] = { 0 };
	uint64_t bytes = 0;
	double took = 0;
	char why[256];
	int ret;

	/* a probe that failed reports nothing moved (rank 0 says so), and no one waits */
	if ((uint32_t)rk->rank == who && fp_diag_loopback(ns, &bytes, &took, why, sizeof(why)))
		fprintf(stderr, "fabprobe diagnose: rank %d: %s\n", rk->rank, why);
	fp_put_u64(rec, bytes);
	fp_put_f64(rec + 8, took);
	ret = fp_rv_gather(rk->rv, "diagnose: a loopback probe", rec, sizeof(rec), &all, rk->err,
			   ERR_LEN);
	if (!ret && rk->rank == 0 && who < all.n && all.len[who] == LOCAL_REC) {
		x->loop_bytes = fp_get_u64(all.data + all.off[who]);
		x->loop_ns = fp_get_f64(all.data + all.off[who] + 8);
	}
	fp_rv_blobs_free(&all);
	return ret;
}
