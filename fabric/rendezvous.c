// SPDX-License-Identifier: MIT
#include "rendezvous.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../core/clock.h"
#include "../core/wire.h"

struct fp_rv {
	int rank, size;
	uint64_t token;
	uint64_t timeout_ns;
	uint32_t seq;
	int fd;	  /* rank > 0: to rank 0 */
	int *fds; /* rank 0: fds[r], r >= 1 */
	char addr[256];
	char local_ip[INET6_ADDRSTRLEN];
};

static void say(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

static int ms_left(uint64_t deadline)
{
	uint64_t now = fp_mono_ns();

	if (now >= deadline)
		return 0;
	return (int)((deadline - now) / 1000000 + 1);
}

int fp_rv_split_addr(const char *addr, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *colon;
	size_t hl;

	if (!addr || !*addr)
		return -EINVAL;
	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		hl = (size_t)(close - addr - 1);
		addr++;
		colon = close + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon)
			return -EINVAL;
		hl = (size_t)(colon - addr);
	}
	if (!hl || hl >= hostlen || !colon[1] || strlen(colon + 1) >= portlen)
		return -EINVAL;
	memcpy(host, addr, hl);
	host[hl] = 0;
	strcpy(port, colon + 1);
	for (const char *p = port; *p; p++)
		if (*p < '0' || *p > '9')
			return -EINVAL;
	if (atoi(port) < 1 || atoi(port) > 65535)
		return -EINVAL;
	return 0;
}

static int write_full(int fd, const void *buf, size_t len, uint64_t deadline)
{
	const uint8_t *p = buf;

	while (len) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		ssize_t n;
		int r = poll(&pfd, 1, ms_left(deadline));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			return -ETIMEDOUT;
		n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_full(int fd, void *buf, size_t len, uint64_t deadline)
{
	uint8_t *p = buf;

	while (len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int r = poll(&pfd, 1, ms_left(deadline));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			return -ETIMEDOUT;
		n = recv(fd, p, len, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_msg(struct fp_rv *rv, int fd, uint16_t type, const void *payload, size_t len,
		    uint64_t deadline)
{
	struct fp_rv_hdr h = { .type = type,
			       .rank = (uint32_t)rv->rank,
			       .size = (uint32_t)rv->size,
			       .seq = rv->seq,
			       .len = (uint32_t)len,
			       .token = rv->token };
	uint8_t hdr[FP_RV_HDR_LEN];
	int ret;

	fp_rv_hdr_encode(&h, hdr);
	ret = write_full(fd, hdr, sizeof(hdr), deadline);
	if (!ret && len)
		ret = write_full(fd, payload, len, deadline);
	return ret;
}

/* One whole message; *payload is malloc'd (NULL when empty). */
static int recv_msg(struct fp_rv *rv, int fd, uint32_t max_len, struct fp_rv_hdr *h,
		    uint8_t **payload, uint64_t deadline)
{
	uint8_t hdr[FP_RV_HDR_LEN], *p = NULL;
	int ret;

	*payload = NULL;
	ret = read_full(fd, hdr, sizeof(hdr), deadline);
	if (ret)
		return ret;
	ret = fp_rv_hdr_decode(hdr, sizeof(hdr), rv->token, max_len, h);
	if (ret)
		return ret;
	if (h->len) {
		p = malloc(h->len + 1);
		if (!p)
			return -ENOMEM;
		ret = read_full(fd, p, h->len, deadline);
		if (ret) {
			free(p);
			return ret;
		}
		p[h->len] = 0; /* error texts are printed */
	}
	*payload = p;
	return 0;
}

static const char *why(int ret)
{
	switch (ret) {
	case -EACCES:
		return "wrong job token";
	case -EMSGSIZE:
		return "message larger than the protocol allows";
	case -EPROTO:
		return "not a fabprobe rendezvous message";
	case -ERANGE:
		return "rank or size outside the job";
	case -EBADMSG:
		return "truncated or malformed message";
	case -ECONNRESET:
		return "connection closed (did the process die?)";
	case -ETIMEDOUT:
		return "timed out";
	default:
		return strerror(-ret);
	}
}

static void set_local_ip(struct fp_rv *rv, int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl))
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, rv->local_ip,
			  sizeof(rv->local_ip));
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, rv->local_ip,
			  sizeof(rv->local_ip));
}

static void tune(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int resolve(const char *addr, bool passive, struct addrinfo **res, char *err, size_t errlen)
{
	char host[256], port[16];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = passive ? AI_PASSIVE : 0 };
	int ret;

	if (fp_rv_split_addr(addr, host, sizeof(host), port, sizeof(port))) {
		say(err, errlen, "rendezvous address '%s' is not HOST:PORT", addr);
		return -EINVAL;
	}
	ret = getaddrinfo(host, port, &hints, res);
	if (ret) {
		say(err, errlen, "rendezvous address '%s': %s", addr, gai_strerror(ret));
		return -EHOSTUNREACH;
	}
	return 0;
}

/* ---------- rank 0 ---------- */

static int serve_listen(const char *addr, uint64_t deadline, char *err, size_t errlen)
{
	struct addrinfo *res, *ai;
	int fd = -1, one = 1, ret, saved = 0;

	ret = resolve(addr, true, &res, err, errlen);
	if (ret)
		return ret;
	(void)deadline;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (!bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, 4096))
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		say(err, errlen, "rank 0 cannot listen on rendezvous %s: %s", addr,
		    strerror(saved ? saved : EADDRNOTAVAIL));
		return saved ? -saved : -EADDRNOTAVAIL;
	}
	return fd;
}

static void broadcast_error(struct fp_rv *rv, const char *text)
{
	uint64_t deadline = fp_mono_ns() + 1000000000ull;

	for (int r = 1; r < rv->size; r++)
		if (rv->fds[r] >= 0)
			send_msg(rv, rv->fds[r], FP_RV_ERROR, text, strlen(text), deadline);
}

static int serve_hellos(struct fp_rv *rv, int lfd, uint64_t deadline, char *err, size_t errlen)
{
	int joined = 1;

	while (joined < rv->size) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };
		char peer[INET6_ADDRSTRLEN + 8] = "?";
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct fp_rv_hdr h;
		uint8_t *pl;
		int r, fd, ret;

		r = poll(&pfd, 1, ms_left(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			char missing[256] = "";
			size_t o = 0;

			for (int k = 1; k < rv->size && o < sizeof(missing) - 16; k++)
				if (rv->fds[k] < 0)
					o += (size_t)snprintf(missing + o, sizeof(missing) - o,
							      "%s%d", o ? "," : "", k);
			say(err, errlen,
			    "rendezvous %s: %d of %d ranks joined; missing rank%s %s "
			    "within the timeout",
			    rv->addr, joined, rv->size, rv->size - joined > 1 ? "s" : "", missing);
			return -ETIMEDOUT;
		}
		fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		if (ss.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, peer,
				  sizeof(peer));
		else if (ss.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, peer,
				  sizeof(peer));
		tune(fd);
		/* a stranger gets a few seconds to say hello, not the whole job's patience */
		ret = recv_msg(rv, fd, 0, &h, &pl, fp_mono_ns() + 5000000000ull);
		free(pl);
		if (!ret && h.type != FP_RV_HELLO)
			ret = -EPROTO;
		if (ret) {
			fprintf(stderr, "fabprobe: rendezvous: refused a connection from %s: %s\n",
				peer, why(ret));
			if (ret == -EACCES)
				send_msg(rv, fd, FP_RV_ERROR, "wrong job token", 15,
					 fp_mono_ns() + 1000000000ull);
			close(fd);
			continue;
		}
		if ((int)h.size != rv->size || h.rank == 0) {
			say(err, errlen,
			    "rendezvous: %s says it is rank %u of %u, but this job has "
			    "%d ranks and rank 0 is here",
			    peer, h.rank, h.size, rv->size);
			close(fd);
			return -EINVAL;
		}
		if (rv->fds[h.rank] >= 0) {
			say(err, errlen,
			    "rendezvous: rank %u joined twice (again from %s): two "
			    "processes were given the same rank",
			    h.rank, peer);
			close(fd);
			return -EEXIST;
		}
		rv->fds[h.rank] = fd;
		joined++;
	}
	for (int r = 1; r < rv->size; r++) {
		int ret = send_msg(rv, rv->fds[r], FP_RV_WELCOME, NULL, 0, deadline);

		if (ret) {
			say(err, errlen, "rendezvous: rank %d: %s", r, why(ret));
			return ret;
		}
	}
	return 0;
}

/* ---------- ranks > 0 ---------- */

static int client_connect(struct fp_rv *rv, uint64_t deadline, char *err, size_t errlen)
{
	struct addrinfo *res = NULL, *ai;
	int fd = -1, last = ECONNREFUSED, ret;

	while (fd < 0) {
		if (!res) {
			ret = resolve(rv->addr, false, &res, err, errlen);
			if (ret && fp_mono_ns() >= deadline)
				return ret;
		}
		for (ai = res; ai && fd < 0; ai = ai->ai_next) {
			fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
			if (fd < 0) {
				last = errno;
				continue;
			}
			if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
				break;
			last = errno;
			close(fd);
			fd = -1;
		}
		if (fd >= 0)
			break;
		if (fp_mono_ns() >= deadline) {
			if (res)
				freeaddrinfo(res);
			say(err, errlen,
			    "rank %d cannot reach rendezvous %s within the timeout: %s", rv->rank,
			    rv->addr, strerror(last));
			return -ETIMEDOUT;
		}
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	freeaddrinfo(res);
	tune(fd);
	rv->fd = fd;
	set_local_ip(rv, fd);
	return 0;
}

static int client_hello(struct fp_rv *rv, uint64_t deadline, char *err, size_t errlen)
{
	struct fp_rv_hdr h;
	uint8_t *pl = NULL;
	int ret;

	ret = send_msg(rv, rv->fd, FP_RV_HELLO, NULL, 0, deadline);
	if (!ret)
		ret = recv_msg(rv, rv->fd, 4096, &h, &pl, deadline);
	if (ret == -EACCES) {
		say(err, errlen, "rank %d: rendezvous %s refused us: wrong job token", rv->rank,
		    rv->addr);
	} else if (ret == -ECONNRESET) {
		say(err, errlen,
		    "rank %d: rendezvous %s closed the connection during hello "
		    "(wrong token, duplicate rank or another job?)",
		    rv->rank, rv->addr);
	} else if (ret) {
		say(err, errlen, "rank %d: rendezvous %s hello: %s", rv->rank, rv->addr, why(ret));
	} else if (h.type == FP_RV_ERROR) {
		say(err, errlen, "rank %d: rendezvous %s refused us: %s", rv->rank, rv->addr,
		    pl ? (char *)pl : "");
		ret = -ECONNREFUSED;
	} else if (h.type != FP_RV_WELCOME) {
		say(err, errlen, "rank %d: rendezvous %s answered hello with %s", rv->rank,
		    rv->addr, fp_rv_type_name(h.type));
		ret = -EPROTO;
	}
	free(pl);
	return ret;
}

int fp_rv_open(const struct fp_rv_params *p, struct fp_rv **out, char *err, size_t errlen)
{
	struct fp_rv *rv;
	uint64_t deadline = fp_mono_ns() + p->timeout_ns;
	int ret = -EINVAL, lfd;

	if (p->size < 1 || p->size > FP_RV_MAX_RANKS || p->rank < 0 || p->rank >= p->size) {
		say(err, errlen, "rank %d of size %d is not a valid rank", p->rank, p->size);
		return -EINVAL;
	}
	rv = calloc(1, sizeof(*rv));
	if (!rv)
		return -ENOMEM;
	rv->rank = p->rank;
	rv->size = p->size;
	rv->token = fp_rv_token_digest(p->token);
	rv->timeout_ns = p->timeout_ns;
	rv->fd = -1;
	snprintf(rv->addr, sizeof(rv->addr), "%s", p->addr ? p->addr : "");
	strcpy(rv->local_ip, "127.0.0.1");
	if (p->size == 1)
		goto done;
	if (p->rank) {
		ret = client_connect(rv, deadline, err, errlen);
		if (!ret)
			ret = client_hello(rv, deadline, err, errlen);
		if (ret)
			goto err_free;
		goto done;
	}
	rv->fds = malloc(sizeof(*rv->fds) * (size_t)p->size);
	if (!rv->fds) {
		ret = -ENOMEM;
		goto err_free;
	}
	for (int r = 0; r < p->size; r++)
		rv->fds[r] = -1;
	lfd = serve_listen(rv->addr, deadline, err, errlen);
	if (lfd < 0) {
		ret = lfd;
		goto err_free;
	}
	ret = serve_hellos(rv, lfd, deadline, err, errlen);
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
		broadcast_error(rv, err);
		goto err_free;
	}
done:
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
	if (rv->fd >= 0)
		close(rv->fd);
	if (rv->fds)
		for (int r = 1; r < rv->size; r++)
			if (rv->fds[r] >= 0)
				close(rv->fds[r]);
	free(rv->fds);
	free(rv);
}

const char *fp_rv_local_ip(const struct fp_rv *rv)
{
	return rv->local_ip;
}

/* ---------- collectives ---------- */

struct slot {
	uint8_t hdr[FP_RV_HDR_LEN];
	size_t got;
	struct fp_rv_hdr h;
	uint8_t *data;
	bool done;
};

/* Rank 0 reads one message from every other rank, from whichever is ready first. */
static int collect(struct fp_rv *rv, const char *what, struct slot *s, uint64_t deadline, char *err,
		   size_t errlen)
{
	struct pollfd *pfd = calloc((size_t)rv->size, sizeof(*pfd));
	int *who = calloc((size_t)rv->size, sizeof(*who));
	int left = rv->size - 1, ret = 0;

	if (!pfd || !who) {
		ret = -ENOMEM;
		goto out;
	}
	while (left) {
		int n = 0, r;

		for (int k = 1; k < rv->size; k++) {
			if (s[k].done)
				continue;
			pfd[n].fd = rv->fds[k];
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			who[n++] = k;
		}
		r = poll(pfd, (nfds_t)n, ms_left(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			char late[200] = "";
			size_t o = 0;

			for (int i = 0; i < n && o < sizeof(late) - 16; i++)
				o += (size_t)snprintf(late + o, sizeof(late) - o, "%s%d",
						      o ? "," : "", who[i]);
			say(err, errlen, "%s: rank%s %s did not arrive within the timeout", what,
			    n > 1 ? "s" : "", late);
			ret = -ETIMEDOUT;
			goto out;
		}
		for (int i = 0; i < n; i++) {
			struct slot *sl = &s[who[i]];
			int k = who[i];
			ssize_t got;

			if (!pfd[i].revents)
				continue;
			if (sl->got < FP_RV_HDR_LEN) {
				got = recv(rv->fds[k], sl->hdr + sl->got, FP_RV_HDR_LEN - sl->got,
					   MSG_DONTWAIT);
			} else {
				got = recv(rv->fds[k], sl->data + (sl->got - FP_RV_HDR_LEN),
					   sl->h.len - (sl->got - FP_RV_HDR_LEN), MSG_DONTWAIT);
			}
			if (got < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (got <= 0) {
				say(err, errlen,
				    "%s: rank %d closed its rendezvous connection "
				    "(died or was killed)",
				    what, k);
				ret = -ECONNRESET;
				goto out;
			}
			sl->got += (size_t)got;
			if (sl->got == FP_RV_HDR_LEN) {
				ret = fp_rv_hdr_decode(sl->hdr, FP_RV_HDR_LEN, rv->token,
						       FP_RV_MAX_BLOB, &sl->h);
				if (!ret && (int)sl->h.rank != k)
					ret = -ERANGE;
				if (ret) {
					say(err, errlen, "%s: bad message from rank %d: %s", what,
					    k, why(ret));
					goto out;
				}
				sl->data = malloc(sl->h.len + 1);
				if (!sl->data) {
					ret = -ENOMEM;
					goto out;
				}
			}
			if (sl->got >= FP_RV_HDR_LEN && sl->got == FP_RV_HDR_LEN + sl->h.len) {
				sl->data[sl->h.len] = 0;
				if (sl->h.type == FP_RV_ERROR) {
					say(err, errlen, "rank %d failed: %s", k, sl->data);
					ret = -ECANCELED;
					goto out;
				}
				if (sl->h.type != FP_RV_CONTRIB || sl->h.seq != rv->seq) {
					say(err, errlen,
					    "%s: rank %d is out of step (%s #%u, "
					    "expected contribution #%u)",
					    what, k, fp_rv_type_name(sl->h.type), sl->h.seq,
					    rv->seq);
					ret = -EPROTO;
					goto out;
				}
				sl->done = true;
				left--;
			}
		}
	}
out:
	free(pfd);
	free(who);
	return ret;
}

static int exchange(struct fp_rv *rv, const char *what, const void *mine, size_t len, bool to_all,
		    struct fp_rv_blobs *out, char *err, size_t errlen)
{
	uint64_t deadline = fp_mono_ns() + rv->timeout_ns;
	struct slot *s = NULL;
	uint8_t *res = NULL, *pl = NULL;
	size_t total = 0;
	int ret = 0;

	rv->seq++;
	if (len > FP_RV_MAX_BLOB) {
		say(err, errlen, "%s: %zu bytes is over the rendezvous limit", what, len);
		return -EMSGSIZE;
	}
	if (rv->rank) {
		struct fp_rv_hdr h;

		ret = send_msg(rv, rv->fd, FP_RV_CONTRIB, mine, len, deadline);
		if (!ret)
			ret = recv_msg(rv, rv->fd, FP_RV_MAX_PAYLOAD, &h, &pl, deadline);
		if (ret == -ECONNRESET || ret == -EPIPE) {
			say(err, errlen,
			    "%s: rank 0 (the rendezvous) is gone: it died or ended "
			    "the job",
			    what);
		} else if (ret) {
			say(err, errlen, "%s: waiting for rank 0: %s", what, why(ret));
		} else if (h.type == FP_RV_ERROR) {
			say(err, errlen, "%s", pl ? (char *)pl : "the job was aborted");
			ret = -ECANCELED;
		} else if (h.type != FP_RV_RESULT || h.seq != rv->seq) {
			say(err, errlen, "%s: rank 0 is out of step", what);
			ret = -EPROTO;
		} else if (to_all) {
			ret = fp_rv_blobs_parse(pl, h.len, (uint32_t)rv->size, out);
			if (ret)
				say(err, errlen, "%s: malformed result from rank 0", what);
		}
		free(pl);
		return ret;
	}
	if (rv->size > 1) {
		s = calloc((size_t)rv->size, sizeof(*s));
		if (!s)
			return -ENOMEM;
		ret = collect(rv, what, s, deadline, err, errlen);
		if (ret) {
			broadcast_error(rv, err);
			goto out;
		}
	}
	total = 4 + len;
	for (int k = 1; k < rv->size; k++)
		total += 4 + s[k].h.len;
	if (total > FP_RV_MAX_PAYLOAD) {
		say(err, errlen, "%s: %zu bytes in all is over the rendezvous limit", what, total);
		ret = -EMSGSIZE;
		broadcast_error(rv, err);
		goto out;
	}
	res = malloc(total);
	if (!res) {
		ret = -ENOMEM;
		goto out;
	}
	{
		size_t o = 0;

		for (int k = 0; k < rv->size; k++) {
			const void *b = k ? s[k].data : mine;
			uint32_t l = k ? s[k].h.len : (uint32_t)len;

			fp_put_u32(res + o, l);
			if (l)
				memcpy(res + o + 4, b, l);
			o += 4 + l;
		}
	}
	for (int k = 1; k < rv->size; k++) {
		ret = send_msg(rv, rv->fds[k], FP_RV_RESULT, to_all ? res : NULL,
			       to_all ? total : 0, deadline);
		if (ret) {
			say(err, errlen, "%s: sending to rank %d: %s", what, k, why(ret));
			broadcast_error(rv, err);
			goto out;
		}
	}
	if (out)
		ret = fp_rv_blobs_parse(res, total, (uint32_t)rv->size, out);
out:
	if (s)
		for (int k = 0; k < rv->size; k++)
			free(s[k].data);
	free(s);
	free(res);
	return ret;
}

int fp_rv_allgather(struct fp_rv *rv, const char *what, const void *mine, size_t len,
		    struct fp_rv_blobs *out, char *err, size_t errlen)
{
	return exchange(rv, what, mine, len, true, out, err, errlen);
}

int fp_rv_gather(struct fp_rv *rv, const char *what, const void *mine, size_t len,
		 struct fp_rv_blobs *out, char *err, size_t errlen)
{
	return exchange(rv, what, mine, len, false, rv->rank ? NULL : out, err, errlen);
}

int fp_rv_barrier(struct fp_rv *rv, const char *what, char *err, size_t errlen)
{
	return exchange(rv, what, NULL, 0, false, NULL, err, errlen);
}

void fp_rv_abort(struct fp_rv *rv, const char *text)
{
	uint64_t deadline = fp_mono_ns() + 1000000000ull;
	size_t len = strlen(text);

	if (!rv || rv->size == 1)
		return;
	if (len > 1000)
		len = 1000;
	if (rv->rank == 0) {
		broadcast_error(rv, text);
		return;
	}
	send_msg(rv, rv->fd, FP_RV_ERROR, text, len, deadline);
}

int fp_rv_postmortem(struct fp_rv *rv, uint64_t wait_ns, int *dead, int maxdead, char *report,
		     size_t len)
{
	uint64_t deadline = fp_mono_ns() + wait_ns;
	int ndead = 0, open_ = 0;
	bool *done;

	if (len)
		report[0] = 0;
	if (rv->rank || rv->size < 2)
		return 0;
	done = calloc((size_t)rv->size, sizeof(*done));
	if (!done)
		return 0;
	for (int k = 1; k < rv->size; k++)
		open_ += rv->fds[k] >= 0;
	while (open_ && fp_mono_ns() < deadline) {
		for (int k = 1; k < rv->size; k++) {
			struct pollfd pfd = { .fd = rv->fds[k], .events = POLLIN };
			struct fp_rv_hdr h;
			uint8_t *pl = NULL;
			int ret;

			if (done[k] || rv->fds[k] < 0 || poll(&pfd, 1, 0) <= 0)
				continue;
			ret = recv_msg(rv, rv->fds[k], FP_RV_MAX_PAYLOAD, &h, &pl,
				       fp_mono_ns() + 100 * 1000 * 1000);
			if (!ret && h.type == FP_RV_ERROR) {
				if (len && !report[0])
					snprintf(report, len, "%s", pl ? (char *)pl : "");
				done[k] = true; /* it spoke: not a silent death */
				open_--;
			} else if (ret == -ECONNRESET || (ret && ret != -ETIMEDOUT)) {
				if (ndead < maxdead)
					dead[ndead] = k;
				ndead++;
				done[k] = true;
				open_--;
			}
			free(pl);
		}
		struct timespec ts = { 0, 5 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	free(done);
	return ndead;
}
