// SPDX-License-Identifier: MIT
/* rtnetlink for the inventory: attributes walked within bounds, one request's answers. */
#include "rtnl.h"

#include <errno.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

bool fp_nla_next(const uint8_t *b, size_t end, size_t *off, unsigned *type, const uint8_t **pl,
		 size_t *plen)
{
	struct nlattr a;

	if (*off + sizeof(a) > end)
		return false;
	memcpy(&a, b + *off, sizeof(a));
	if (a.nla_len < sizeof(a) || *off + a.nla_len > end)
		return false;
	*type = a.nla_type & NLA_TYPE_MASK;
	*pl = b + *off + NLA_HDRLEN;
	*plen = a.nla_len - NLA_HDRLEN;
	*off += NLA_ALIGN(a.nla_len);
	return true;
}

/* one datagram's messages: 1 when the answer is complete, 0 for more, else cb's or -errno */
static int walk(const uint8_t *buf, size_t n, bool dump, fp_rtnl_cb cb, void *ctx)
{
	size_t off = 0;

	while (off + NLMSG_HDRLEN <= n) {
		struct nlmsghdr h;
		int r;

		memcpy(&h, buf + off, sizeof(h));
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > n - off)
			return -EBADMSG;
		if (h.nlmsg_type == NLMSG_DONE)
			return 1;
		if (h.nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr e;

			if (h.nlmsg_len < NLMSG_HDRLEN + sizeof(e))
				return -EBADMSG;
			memcpy(&e, buf + off + NLMSG_HDRLEN, sizeof(e));
			return e.error ? e.error : 1;
		}
		r = cb(buf + off, h.nlmsg_len, ctx);
		if (r)
			return r;
		if (!dump)
			return 1;
		off += NLMSG_ALIGN(h.nlmsg_len);
	}
	return 0;
}

int fp_rtnl_ask(const void *req, size_t len, fp_rtnl_cb cb, void *ctx)
{
	struct timeval tv = { .tv_sec = 1 };
	uint8_t buf[32768];
	struct nlmsghdr h;
	int fd, ret = 0;

	memcpy(&h, req, sizeof(h));
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, req, len, 0) < 0)
		ret = -errno;
	while (!ret) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0) {
			ret = errno == EAGAIN ? -ETIMEDOUT : -errno;
			break;
		}
		ret = walk(buf, (size_t)n, h.nlmsg_flags & NLM_F_DUMP, cb, ctx);
	}
	close(fd);
	return ret == 1 ? 0 : ret;
}
