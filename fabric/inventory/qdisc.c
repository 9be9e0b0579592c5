// SPDX-License-Identifier: MIT
/* Root qdiscs over rtnetlink (linux/rtnetlink.h struct tcmsg, linux/pkt_sched.h tbf). */
#include "qdisc.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "rtnl.h"

/* TCA_OPTIONS of a tbf: TCA_TBF_PARMS (rate in bytes/s), TCA_TBF_RATE64 when it is larger */
static int tbf(const uint8_t *p, size_t len, struct fp_qdisc *q)
{
	size_t off = 0, plen;
	const uint8_t *pl;
	unsigned type;

	while (fp_nla_next(p, len, &off, &type, &pl, &plen)) {
		if (type == TCA_TBF_PARMS) {
			struct tc_tbf_qopt o;

			if (plen < sizeof(o))
				return -EINVAL;
			memcpy(&o, pl, sizeof(o));
			if (!q->rate_bps)
				q->rate_bps = (uint64_t)o.rate.rate * 8;
		} else if (type == TCA_TBF_RATE64) {
			uint64_t r;

			if (plen < sizeof(r))
				return -EINVAL;
			memcpy(&r, pl, sizeof(r));
			q->rate_bps = r * 8;
		}
	}
	return off < len ? -EINVAL : 0;
}

int fp_qdisc_parse(const uint8_t *msg, size_t len, struct fp_qdisc *q, char *err, size_t el)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct tcmsg)), plen;
	const uint8_t *pl, *opts = NULL;
	size_t olen = 0;
	struct nlmsghdr h;
	struct fp_qdisc out;
	struct tcmsg t;
	unsigned type;

	if (len < off) {
		snprintf(err, el, "qdisc answer: %zu bytes, shorter than its headers", len);
		return -EINVAL;
	}
	memcpy(&h, msg, sizeof(h));
	memcpy(&t, msg + NLMSG_HDRLEN, sizeof(t));
	if (h.nlmsg_type != RTM_NEWQDISC || h.nlmsg_len < off || h.nlmsg_len > len) {
		snprintf(err, el, "not a qdisc answer (type %u, length %u of %zu)", h.nlmsg_type,
			 h.nlmsg_len, len);
		return -EINVAL;
	}
	memset(&out, 0, sizeof(out));
	out.ifindex = t.tcm_ifindex;
	out.parent = t.tcm_parent;
	while (fp_nla_next(msg, h.nlmsg_len, &off, &type, &pl, &plen)) {
		if (type == TCA_KIND && plen && plen < sizeof(out.kind))
			memcpy(out.kind, pl,
			       plen); /* NUL-terminated by the kernel, and by memset */
		else if (type == TCA_OPTIONS) {
			opts = pl;
			olen = plen;
		}
	}
	if (off < h.nlmsg_len || (opts && !strcmp(out.kind, "tbf") && tbf(opts, olen, &out))) {
		snprintf(err, el, "qdisc answer: an attribute runs past its end");
		return -EINVAL;
	}
	*q = out;
	return 0;
}

void fp_qdisc_shaping(const struct fp_qdisc *q, char *out, size_t len)
{
	static const char *const shapers[] = { "htb", "hfsc", "cake", "netem", "cbs", "taprio" };

	snprintf(out, len, "none");
	if (!strcmp(q->kind, "tbf")) {
		snprintf(out, len, "tbf %g Mbit/s", (double)q->rate_bps / 1e6);
		return;
	}
	for (size_t i = 0; i < sizeof(shapers) / sizeof(shapers[0]); i++)
		if (!strcmp(q->kind, shapers[i]))
			snprintf(out, len, "%s", q->kind);
}

struct want {
	int ifindex;
	struct fp_qdisc q;
	bool found;
};

static int answer(const uint8_t *msg, size_t len, void *ctx)
{
	struct want *w = ctx;
	struct fp_qdisc q;
	char err[128];

	if (fp_qdisc_parse(msg, len, &q, err, sizeof(err)))
		return -EBADMSG;
	if (q.ifindex == w->ifindex && q.parent == TC_H_ROOT && !w->found) {
		w->q = q;
		w->found = true;
	}
	return 0;
}

int fp_qdisc_query(const char *ifname, char *out, size_t len)
{
	struct {
		struct nlmsghdr h;
		struct tcmsg t;
	} req;
	struct want w = { .ifindex = (int)if_nametoindex(ifname) };
	int ret;

	if (!w.ifindex)
		return -ENOENT;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.t));
	req.h.nlmsg_type = RTM_GETQDISC;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.t.tcm_family = AF_UNSPEC;
	req.t.tcm_ifindex = w.ifindex;
	ret = fp_rtnl_ask(&req, req.h.nlmsg_len, answer, &w);
	if (ret)
		return ret;
	/* the dump lists no root qdisc for a noqueue device (veth): nothing shapes it */
	fp_qdisc_shaping(&w.q, out, len);
	return 0;
}
