// SPDX-License-Identifier: MIT
/* rtnetlink DCB (linux/dcbnl.h): DCB_CMD_IEEE_GET asked and its answer decoded. */
#include "dcb.h"

#include <errno.h>
#include <linux/dcbnl.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "rtnl.h"

#define NTC IEEE_8021QAZ_MAX_TCS

static void list8(char *b, size_t len, const uint8_t *v)
{
	snprintf(b, len, "%u,%u,%u,%u,%u,%u,%u,%u", v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
}

/* struct ieee_pfc: pfc_en is a bit per priority; requests/indications count PFC frames */
static int pfc(const uint8_t *p, size_t len, struct fp_dcb *d)
{
	struct ieee_pfc v;
	size_t n = 0;

	if (len < sizeof(v))
		return -EINVAL;
	memcpy(&v, p, sizeof(v));
	d->pfc[0] = 0;
	for (int i = 0; i < NTC; i++) {
		d->pfc_requests += v.requests[i];
		d->pfc_indications += v.indications[i];
		if (v.pfc_en & (1u << i))
			n += snprintf(d->pfc + n, sizeof(d->pfc) - n, "%s%d", n ? "," : "", i);
	}
	if (!n)
		snprintf(d->pfc, sizeof(d->pfc), "none");
	d->has_pfc = true;
	return 0;
}

static int ets(const uint8_t *p, size_t len, struct fp_dcb *d)
{
	struct ieee_ets v;
	char bw[40], map[40];

	if (len < sizeof(v))
		return -EINVAL;
	memcpy(&v, p, sizeof(v));
	list8(bw, sizeof(bw), v.tc_tx_bw);
	list8(map, sizeof(map), v.prio_tc);
	snprintf(d->ets, sizeof(d->ets), "bw %s prio_tc %s", bw, map);
	return 0;
}

/* DCB_ATTR_IEEE_APP_TABLE: DCB_ATTR_IEEE_APP entries, each a struct dcb_app */
static int apps(const uint8_t *p, size_t len, struct fp_dcb *d)
{
	size_t off = 0, plen;
	const uint8_t *pl;
	unsigned type;
	bool dscp = false;

	while (fp_nla_next(p, len, &off, &type, &pl, &plen)) {
		struct dcb_app a;

		if (type != DCB_ATTR_IEEE_APP)
			continue;
		if (plen < sizeof(a))
			return -EINVAL;
		memcpy(&a, pl, sizeof(a));
		dscp |= a.selector == IEEE_8021QAZ_APP_SEL_DSCP;
	}
	if (off < len)
		return -EINVAL;
	snprintf(d->trust, sizeof(d->trust), "%s", dscp ? "dscp" : "pcp");
	return 0;
}

static int ieee(const uint8_t *p, size_t len, struct fp_dcb *d, char *err, size_t el)
{
	size_t off = 0, plen;
	const uint8_t *pl;
	unsigned type;
	int r = 0;

	while (!r && fp_nla_next(p, len, &off, &type, &pl, &plen)) {
		if (type == DCB_ATTR_IEEE_PFC)
			r = pfc(pl, plen, d);
		else if (type == DCB_ATTR_IEEE_ETS)
			r = ets(pl, plen, d);
		else if (type == DCB_ATTR_IEEE_APP_TABLE)
			r = apps(pl, plen, d);
		if (r)
			snprintf(err, el,
				 "DCB IEEE attribute %u: %zu bytes, too short or malformed", type,
				 plen);
	}
	if (!r && off < len) {
		snprintf(err, el, "DCB IEEE nest: an attribute runs past its end at byte %zu", off);
		r = -EINVAL;
	}
	return r;
}

int fp_dcb_parse(const uint8_t *msg, size_t len, struct fp_dcb *d, char *err, size_t el)
{
	struct nlmsghdr h;
	struct dcbmsg m;
	struct fp_dcb out;
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(m)), plen;
	const uint8_t *pl;
	unsigned type;
	int r = 0;

	if (len < off) {
		snprintf(err, el, "DCB answer: %zu bytes, shorter than its headers", len);
		return -EINVAL;
	}
	memcpy(&h, msg, sizeof(h));
	memcpy(&m, msg + NLMSG_HDRLEN, sizeof(m));
	if (h.nlmsg_type != RTM_GETDCB || m.cmd != DCB_CMD_IEEE_GET) {
		snprintf(err, el, "not a DCB_CMD_IEEE_GET answer (type %u, cmd %u)", h.nlmsg_type,
			 m.cmd);
		return -EINVAL;
	}
	if (h.nlmsg_len < off || h.nlmsg_len > len) {
		snprintf(err, el, "DCB answer: length %u, %zu bytes at hand", h.nlmsg_len, len);
		return -EINVAL;
	}
	memset(&out, 0, sizeof(out));
	while (!r && fp_nla_next(msg, h.nlmsg_len, &off, &type, &pl, &plen))
		if (type == DCB_ATTR_IEEE)
			r = ieee(pl, plen, &out, err, el);
	if (r)
		return r;
	if (off < h.nlmsg_len) {
		snprintf(err, el, "DCB answer: an attribute runs past its end at byte %zu", off);
		return -EINVAL;
	}
	*d = out;
	return 0;
}

static int answer(const uint8_t *msg, size_t len, void *ctx)
{
	char err[128];

	return fp_dcb_parse(msg, len, ctx, err, sizeof(err));
}

int fp_dcb_query(const char *ifname, struct fp_dcb *d)
{
	struct {
		struct nlmsghdr h;
		struct dcbmsg m;
		struct nlattr a;
		char name[IF_NAMESIZE];
	} req;
	size_t nlen = strlen(ifname) + 1;

	if (nlen > sizeof(req.name))
		return -EINVAL;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.m)) + NLA_HDRLEN + NLA_ALIGN(nlen);
	req.h.nlmsg_type = RTM_GETDCB;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.m.dcb_family = AF_UNSPEC;
	req.m.cmd = DCB_CMD_IEEE_GET;
	req.a.nla_type = DCB_ATTR_IFNAME;
	req.a.nla_len = NLA_HDRLEN + nlen;
	memcpy(req.name, ifname, nlen);
	return fp_rtnl_ask(&req, req.h.nlmsg_len, answer, d);
}
