// SPDX-License-Identifier: MIT
/* The rendezvous collectives: allgather, gather, barrier, abort, post-mortem. */
#include "rv_priv.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "../../core/clock.h"
#include "../../core/err.h"
#include "../../core/wire.h"

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
			pfd[n].fd = rv->conns[k].fd;
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			who[n++] = k;
		}
		r = fp_rv_wait_fds(rv, pfd, (nfds_t)n, deadline);
		if (r == -EINTR) {
			fp_say(err, errlen, "%s: interrupted by a signal", what);
			ret = r;
			goto out;
		}
		if (r <= 0) {
			char late[200] = "";
			size_t o = 0;

			for (int i = 0; i < n && o < sizeof(late) - 16; i++)
				o += (size_t)snprintf(late + o, sizeof(late) - o, "%s%d",
						      o ? "," : "", who[i]);
			fp_say(err, errlen, "%s: rank%s %s did not arrive within the timeout", what,
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
				got = recv(rv->conns[k].fd, sl->hdr + sl->got,
					   FP_RV_HDR_LEN - sl->got, MSG_DONTWAIT);
			} else {
				got = recv(rv->conns[k].fd, sl->data + (sl->got - FP_RV_HDR_LEN),
					   sl->h.len - (sl->got - FP_RV_HDR_LEN), MSG_DONTWAIT);
			}
			if (got < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (got <= 0) {
				fp_say(err, errlen,
				       "%s: rank %d closed its rendezvous connection "
				       "(died or was killed)",
				       what, k);
				ret = -ECONNRESET;
				goto out;
			}
			sl->got += (size_t)got;
			if (sl->got == FP_RV_HDR_LEN) {
				ret = fp_rv_hdr_decode(sl->hdr, FP_RV_HDR_LEN, FP_RV_MAX_BLOB,
						       &sl->h);
				if (!ret && (int)sl->h.rank != k)
					ret = -ERANGE;
				if (ret) {
					fp_say(err, errlen, "%s: bad message from rank %d: %s",
					       what, k, fp_rv_why(ret));
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
				if (!fp_rv_opened(rv, &rv->conns[k], sl->hdr, sl->data,
						  sl->h.len)) {
					fp_say(err, errlen,
					       "%s: bad message on rank %d's connection: %s", what,
					       k, fp_rv_why(-EKEYREJECTED));
					ret = -EKEYREJECTED;
					goto out;
				}
				if (sl->h.type == FP_RV_ERROR) {
					fp_say(err, errlen, "rank %d failed: %s", k, sl->data);
					ret = -ECANCELED;
					goto out;
				}
				if (sl->h.type != FP_RV_CONTRIB || sl->h.seq != rv->seq) {
					fp_say(err, errlen,
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

/* A half-sent message leaves its stream unreadable: the far end had better see it closed. */
static void cut(struct fp_rv_conn *c)
{
	c->broken = true;
	shutdown(c->fd, SHUT_RDWR);
}

/*
 * Rank 0: one RESULT to every other rank, written to whichever connection has room, so that
 * no rank waits while rank 0 blocks on a slow reader (1,024 local ranks share two cores; in
 * turn, each would cost a scheduling round). The payload is hashed once for all. *bad: the
 * rank an error is about.
 */
static int distribute(struct fp_rv *rv, const uint8_t *payload, size_t len, uint64_t deadline,
		      int *bad)
{
	struct pollfd *pfd = calloc((size_t)rv->size, sizeof(*pfd));
	uint8_t(*hdr)[FP_RV_HDR_LEN] = calloc((size_t)rv->size, sizeof(*hdr));
	size_t *sent = calloc((size_t)rv->size, sizeof(*sent));
	int *who = calloc((size_t)rv->size, sizeof(*who));
	uint8_t digest[FP_SHA256_LEN];
	int left = 0, ret = 0;

	if (!pfd || !hdr || !sent || !who) {
		ret = -ENOMEM;
		goto out;
	}
	fp_rv_digest(payload, len, digest);
	for (int k = 1; k < rv->size && !ret; k++) {
		*bad = k;
		if (rv->conns[k].fd < 0 || rv->conns[k].broken)
			ret = -ECONNRESET;
		else
			fp_rv_seal(rv, &rv->conns[k], FP_RV_RESULT, 0, payload, len, digest,
				   hdr[k]);
		left++;
	}
	while (!ret && left) {
		int n = 0, r;

		for (int k = 1; k < rv->size; k++) {
			if (sent[k] == FP_RV_HDR_LEN + len)
				continue;
			pfd[n] = (struct pollfd){ .fd = rv->conns[k].fd, .events = POLLOUT };
			who[n++] = k;
		}
		r = fp_rv_wait_fds(rv, pfd, (nfds_t)n, deadline);
		if (r < 0) {
			*bad = who[0];
			ret = r;
			break;
		}
		for (int i = 0; i < n && !ret; i++) {
			int k = who[i];
			struct iovec iov[2];
			struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 0 };
			ssize_t w;

			if (!pfd[i].revents)
				continue;
			if (sent[k] < FP_RV_HDR_LEN)
				iov[mh.msg_iovlen++] =
					(struct iovec){ hdr[k] + sent[k], FP_RV_HDR_LEN - sent[k] };
			if (len) {
				size_t at = sent[k] > FP_RV_HDR_LEN ? sent[k] - FP_RV_HDR_LEN : 0;

				iov[mh.msg_iovlen++] =
					(struct iovec){ (void *)(payload + at), len - at };
			}
			w = sendmsg(rv->conns[k].fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (w < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (w < 0) {
				*bad = k;
				ret = -errno;
				break;
			}
			sent[k] += (size_t)w;
			if (sent[k] == FP_RV_HDR_LEN + len) {
				rv->conns[k].tx += rv->conns[k].keyed;
				left--;
			}
		}
	}
	for (int k = 1; ret && sent && k < rv->size; k++)
		if (sent[k] && sent[k] < FP_RV_HDR_LEN + len)
			cut(&rv->conns[k]);
out:
	free(pfd);
	free(hdr);
	free(sent);
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
	int ret = 0, bad = 0;

	rv->seq++;
	if (len > FP_RV_MAX_BLOB) {
		fp_say(err, errlen, "%s: %zu bytes is over the rendezvous limit", what, len);
		return -EMSGSIZE;
	}
	if (rv->rank) {
		struct fp_rv_hdr h;

		ret = fp_rv_send_msg(rv, &rv->up, FP_RV_CONTRIB, mine, len, deadline);
		if (!ret)
			ret = fp_rv_recv_msg(rv, &rv->up, FP_RV_MAX_PAYLOAD, &h, &pl, deadline);
		if (ret == -ECONNRESET || ret == -EPIPE) {
			fp_say(err, errlen,
			       "%s: rank 0 (the rendezvous) is gone: it died or ended "
			       "the job",
			       what);
		} else if (ret) {
			fp_say(err, errlen, "%s: waiting for rank 0: %s", what, fp_rv_why(ret));
		} else if (h.type == FP_RV_ERROR) {
			fp_say(err, errlen, "%s", pl ? (char *)pl : "the job was aborted");
			ret = -ECANCELED;
		} else if (h.type != FP_RV_RESULT || h.seq != rv->seq) {
			fp_say(err, errlen, "%s: rank 0 is out of step", what);
			ret = -EPROTO;
		} else if (to_all) {
			ret = fp_rv_blobs_parse(pl, h.len, (uint32_t)rv->size, out);
			if (ret)
				fp_say(err, errlen, "%s: malformed result from rank 0", what);
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
			fp_rv_broadcast_error(rv, err);
			goto out;
		}
	}
	total = 4 + len;
	for (int k = 1; k < rv->size; k++)
		total += 4 + s[k].h.len;
	if (total > FP_RV_MAX_PAYLOAD) {
		fp_say(err, errlen, "%s: %zu bytes in all is over the rendezvous limit", what,
		       total);
		ret = -EMSGSIZE;
		fp_rv_broadcast_error(rv, err);
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
	ret = distribute(rv, to_all ? res : NULL, to_all ? total : 0, deadline, &bad);
	if (ret) {
		fp_say(err, errlen, "%s: sending to rank %d: %s", what, bad, fp_rv_why(ret));
		fp_rv_broadcast_error(rv, err);
		goto out;
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
	size_t len = strlen(text);

	if (!rv || rv->size == 1)
		return;
	if (len > 1000)
		len = 1000;
	if (rv->rank == 0) {
		fp_rv_broadcast_error(rv, text);
		return;
	}
	fp_rv_last_words(rv, &rv->up, text, len);
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
		open_ += rv->conns[k].fd >= 0;
	while (open_ && fp_mono_ns() < deadline) {
		for (int k = 1; k < rv->size; k++) {
			struct pollfd pfd = { .fd = rv->conns[k].fd, .events = POLLIN };
			struct fp_rv_hdr h;
			uint8_t *pl = NULL;
			int ret;

			if (done[k] || rv->conns[k].fd < 0 || poll(&pfd, 1, 0) <= 0)
				continue;
			ret = fp_rv_recv_msg(rv, &rv->conns[k], FP_RV_MAX_PAYLOAD, &h, &pl,
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
