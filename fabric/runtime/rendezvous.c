// SPDX-License-Identifier: MIT
/* The rendezvous: preflight, open (rank 0 serves, the others join), close. */
#include "rv_priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../core/clock.h"
#include "../../core/err.h"

/* Every address the rendezvous name resolves to is a loopback one. */
static bool on_loopback(const char *addr)
{
	struct addrinfo *res, *ai;
	char err[8];
	bool lo = true;

	if (fp_rv_resolve(addr, false, &res, err, sizeof(err)))
		return false;
	for (ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			lo &= (ntohl(((struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr) >> 24) ==
			      127;
		else if (ai->ai_family == AF_INET6)
			lo &= IN6_IS_ADDR_LOOPBACK(
				&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr);
		else
			lo = false;
	}
	freeaddrinfo(res);
	return lo;
}

int fp_rv_preflight(const char *addr, int rank, int size, char *err, size_t errlen)
{
	char host[256], port[16];
	struct rlimit rl;
	rlim_t need = (rlim_t)size + 64; /* a socket per rank, the listener, stdio, engines */

	if (!addr || fp_rv_split_addr(addr, host, sizeof(host), port, sizeof(port))) {
		fp_say(err, errlen, "rendezvous address '%s' is not HOST:PORT or [V6]:PORT",
		       addr ? addr : "");
		return -EINVAL;
	}
	if (rank || size < 2 || getrlimit(RLIMIT_NOFILE, &rl))
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		fp_say(err, errlen,
		       "rank 0 of %d ranks needs %llu file descriptors but may open only %llu; as "
		       "root: ulimit -Hn %llu && ulimit -n %llu (or LimitNOFILE= / nofile in "
		       "/etc/security/limits.conf)",
		       size, (unsigned long long)need, (unsigned long long)rl.rlim_cur,
		       (unsigned long long)need, (unsigned long long)need);
		return -EMFILE;
	}
	return 0;
}

int fp_rv_open(const struct fp_rv_params *p, struct fp_rv **out, char *err, size_t errlen)
{
	struct fp_rv *rv;
	uint64_t deadline = fp_mono_ns() + p->timeout_ns;
	int ret = -EINVAL, lfd;

	if (p->size < 1 || p->size > FP_RV_MAX_RANKS || p->rank < 0 || p->rank >= p->size) {
		fp_say(err, errlen, "rank %d of size %d is not a valid rank", p->rank, p->size);
		return -EINVAL;
	}
	rv = calloc(1, sizeof(*rv));
	if (!rv)
		return -ENOMEM;
	rv->rank = p->rank;
	rv->size = p->size;
	rv->timeout_ns = p->timeout_ns;
	rv->stop = p->stop;
	rv->up.fd = -1;
	snprintf(rv->addr, sizeof(rv->addr), "%s", p->addr ? p->addr : "");
	strcpy(rv->local_ip, "127.0.0.1");
	rv->token = strdup(p->token ? p->token : "");
	if (!rv->token) {
		ret = -ENOMEM;
		goto err_free;
	}
	/* rank 0's job nonce (a rank > 0 takes it from WELCOME) */
	if (getrandom(rv->job_nonce, sizeof(rv->job_nonce), 0) != sizeof(rv->job_nonce)) {
		ret = -EIO;
		goto err_free;
	}
	if (p->size == 1)
		goto done;
	ret = fp_rv_preflight(rv->addr, p->rank, p->size, err, errlen);
	if (ret)
		goto err_free;
	if (p->weak_token && !on_loopback(rv->addr)) {
		if (p->require_token) {
			fp_say(err, errlen,
			       "rank %d: the job token is the launcher's job id, which anyone can "
			       "guess, and the rendezvous %s is off loopback: give --token or "
			       "FABPROBE_TOKEN a secret",
			       p->rank, rv->addr);
			ret = -EPERM; /* the runner: a usage error, exit 2 */
			goto err_free;
		}
		fprintf(stderr,
			"fabprobe: warning: rank %d: the job token is the launcher's job id, which "
			"anyone on the network can guess; set --token or FABPROBE_TOKEN to a "
			"secret\n",
			p->rank);
		rv->weak = true;
	}
	if (p->rank) {
		/*
		 * A rank 0 with more strangers waiting than it can hold closes one, maybe us
		 * before or after its challenge: that is worth another try, within the deadline.
		 */
		do {
			if (rv->up.fd >= 0) {
				struct timespec ts = { 0, 100 * 1000 * 1000 };

				close(rv->up.fd);
				memset(&rv->up, 0, sizeof(rv->up)); /* no key, no counters */
				rv->up.fd = -1;
				nanosleep(&ts, NULL);
			}
			ret = fp_rv_client_connect(rv, deadline, err, errlen);
			if (!ret)
				ret = fp_rv_client_hello(rv, deadline, err, errlen);
		} while (ret == -EAGAIN && !fp_rv_stopped(rv) && fp_mono_ns() < deadline);
		if (ret == -EAGAIN)
			ret = -ECONNRESET;
		if (ret)
			goto err_free;
		goto done;
	}
	rv->conns = calloc((size_t)p->size, sizeof(*rv->conns));
	if (!rv->conns) {
		ret = -ENOMEM;
		goto err_free;
	}
	for (int r = 0; r < p->size; r++)
		rv->conns[r].fd = -1;
	lfd = fp_rv_serve_listen(rv->addr, err, errlen);
	if (lfd < 0) {
		ret = lfd;
		goto err_free;
	}
	ret = fp_rv_serve_hellos(rv, lfd, deadline, err, errlen);
	if (!ret) {
		/* the address rank 0 can be reached on is the one it listens on */
		char host[256], port[16];

		if (!fp_rv_split_addr(rv->addr, host, sizeof(host), port, sizeof(port)) &&
		    strlen(host) < sizeof(rv->local_ip) && strcmp(host, "0.0.0.0") &&
		    strcmp(host, "::"))
			strcpy(rv->local_ip, host);
	}
	close(lfd);
	if (ret) {
		fp_rv_broadcast_error(rv, err);
		goto err_free;
	}
done:
	fp_rv_proof(rv->token, "data", rv->job_nonce, rv->job_nonce, 0, (uint32_t)rv->size,
		    rv->data_key);
	*out = rv;
	return 0;
err_free:
	fp_rv_close(rv);
	return ret;
}

void fp_rv_close(struct fp_rv *rv)
{
	if (!rv)
		return;
	if (rv->up.fd >= 0)
		close(rv->up.fd);
	if (rv->conns)
		for (int r = 1; r < rv->size; r++)
			if (rv->conns[r].fd >= 0)
				close(rv->conns[r].fd);
	if (rv->token)
		memset(rv->token, 0, strlen(rv->token));
	free(rv->token);
	free(rv->conns);
	memset(rv, 0, sizeof(*rv));
	free(rv);
}

bool fp_rv_auth_weak(const struct fp_rv *rv)
{
	return rv->weak;
}

const uint8_t *fp_rv_data_key(const struct fp_rv *rv)
{
	return rv->data_key;
}

const char *fp_rv_local_ip(const struct fp_rv *rv)
{
	return rv->local_ip;
}
