// SPDX-License-Identifier: MIT
/* The rendezvous at ranks > 0: connect within the deadline, prove the token, check rank 0. */
#include "rv_priv.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../core/clock.h"
#include "../../core/err.h"
#include "../../core/sha256.h"

/*
 * connect() on a non-blocking socket, bounded by the deadline and the stop flag: a blocking
 * one waits out the kernel's SYN retries (minutes) when the far end drops them. 0 or errno.
 */
static int connect_within(const struct fp_rv *rv, int fd, const struct addrinfo *ai,
			  uint64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t sl = sizeof(int);
	int e = 0, r;

	if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
		return 0;
	if (errno != EINPROGRESS)
		return errno;
	r = fp_rv_wait_fds(rv, &pfd, 1, deadline);
	if (r < 0)
		return r == -ETIMEDOUT ? ETIMEDOUT : -r;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl))
		return errno;
	return e;
}

int fp_rv_client_connect(struct fp_rv *rv, uint64_t deadline, char *err, size_t errlen)
{
	struct addrinfo *res = NULL, *ai;
	int fd = -1, last = ECONNREFUSED, ret;

	ret = fp_rv_resolve(rv->addr, false, &res, err, errlen);
	while (fd < 0) {
		if (ret == -EINVAL)
			return ret; /* not an address: no amount of waiting helps */
		for (ai = res; ai && fd < 0; ai = ai->ai_next) {
			fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
				    ai->ai_protocol);
			if (fd < 0) {
				last = errno;
				continue;
			}
			last = connect_within(rv, fd, ai, deadline);
			if (!last)
				break;
			close(fd);
			fd = -1;
		}
		if (fd >= 0)
			break;
		if (fp_rv_stopped(rv) || fp_mono_ns() >= deadline) {
			if (res)
				freeaddrinfo(res);
			char cause[256];

			snprintf(cause, sizeof(cause), "%s", ret ? err : strerror(last));
			fp_say(err, errlen, "rank %d cannot reach rendezvous %s %s: %s", rv->rank,
			       rv->addr,
			       fp_rv_stopped(rv) ? "before a signal stopped it"
						 : "within the timeout",
			       cause);
			return fp_rv_stopped(rv) ? -EINTR : -ETIMEDOUT;
		}
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		if (!res)
			ret = fp_rv_resolve(rv->addr, false, &res, err, errlen);
	}
	freeaddrinfo(res);
	fp_rv_tune(fd);
	rv->up.fd = fd;
	fp_rv_set_local_ip(rv, fd);
	return 0;
}

/* One handshake message from rank 0, of this type and with a payload of len bytes. */
static int client_expect(struct fp_rv *rv, uint16_t type, uint8_t *out, uint32_t len,
			 uint64_t deadline, char *err, size_t errlen)
{
	struct fp_rv_hdr h;
	uint8_t *pl = NULL;
	int ret = fp_rv_recv_msg(rv, &rv->up, 4096, &h, &pl,
				 deadline); /* an error text, or a nonce */

	if (!ret && h.type == FP_RV_ERROR)
		ret = rv->up.keyed ? -ECANCELED : -EACCES;
	if (!ret && (h.type != type || h.len != len))
		ret = -EPROTO;
	if (!ret)
		memcpy(out, pl, len);
	if (ret == -EACCES)
		fp_say(err, errlen, "rank %d: rendezvous %s refused us: wrong job token", rv->rank,
		       rv->addr);
	else if (ret == -ECANCELED)
		fp_say(err, errlen, "rank %d: rendezvous %s ended the job: %s", rv->rank, rv->addr,
		       (char *)pl);
	else if (ret == -ECONNRESET)
		fp_say(err, errlen,
		       "rank %d: rendezvous %s closed the connection during hello (duplicate rank, "
		       "another job, or too many connections waiting?)",
		       rv->rank, rv->addr);
	else if (ret == -EKEYREJECTED || (ret == -EPROTO && type == FP_RV_WELCOME))
		fp_say(err, errlen,
		       "rank %d: rendezvous %s could not prove it holds the job token: it is not "
		       "this job's rank 0",
		       rv->rank, rv->addr);
	else if (ret)
		fp_say(err, errlen, "rank %d: rendezvous %s hello: %s", rv->rank, rv->addr,
		       fp_rv_why(ret));
	free(pl);
	return ret;
}

int fp_rv_client_hello(struct fp_rv *rv, uint64_t deadline, char *err, size_t errlen)
{
	uint8_t np[FP_RV_NONCE_LEN], n0[FP_RV_NONCE_LEN], mine[FP_SHA256_LEN];
	uint8_t theirs[FP_RV_WELCOME_LEN];
	uint32_t r = (uint32_t)rv->rank, s = (uint32_t)rv->size;
	int ret;

	if (getrandom(np, sizeof(np), 0) != sizeof(np))
		return -EIO;
	ret = fp_rv_send_msg(rv, &rv->up, FP_RV_HELLO, np, sizeof(np), deadline);
	if (!ret)
		ret = client_expect(rv, FP_RV_CHALLENGE, n0, sizeof(n0), deadline, err, errlen);
	else
		fp_say(err, errlen, "rank %d: rendezvous %s hello: %s", rv->rank, rv->addr,
		       fp_rv_why(ret));
	if (ret == -ECONNRESET || ret == -EPIPE)
		return -EAGAIN; /* closed before it said anything: try again */
	if (ret)
		return ret;
	fp_rv_proof(rv->token, "peer", n0, np, r, s, mine);
	ret = fp_rv_send_msg(rv, &rv->up, FP_RV_AUTH, mine, sizeof(mine), deadline);
	if (ret) {
		fp_say(err, errlen, "rank %d: rendezvous %s hello: %s", rv->rank, rv->addr,
		       fp_rv_why(ret));
		return ret;
	}
	fp_rv_proof(rv->token, "session", n0, np, r, s, rv->up.key);
	rv->up.keyed = true;
	ret = client_expect(rv, FP_RV_WELCOME, theirs, sizeof(theirs), deadline, err, errlen);
	if (ret == -ECONNRESET)
		return -EAGAIN; /* a rank 0 under a flood may close us after its challenge */
	if (ret)
		return ret;
	fp_rv_proof(rv->token, "root", n0, np, r, s, mine);
	if (!fp_ct_equal(mine, theirs, sizeof(mine))) {
		fp_say(err, errlen,
		       "rank %d: rendezvous %s could not prove it holds the job token: it is not "
		       "this job's rank 0",
		       rv->rank, rv->addr);
		return -EKEYREJECTED;
	}
	memcpy(rv->job_nonce, theirs + sizeof(mine), sizeof(rv->job_nonce));
	return 0;
}
