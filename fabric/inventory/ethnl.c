// SPDX-License-Identifier: MIT
#include "ethnl.h"
#include "fec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fp_config.h"

#if HAVE_MNL
#include <libmnl/libmnl.h>
#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <time.h>

struct nl {
	struct mnl_socket *s;
	uint16_t family;
	unsigned seq, port;
	char buf[16384];
};

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *a;

	mnl_attr_for_each(a, nlh,
			  sizeof(struct genlmsghdr)) if (mnl_attr_get_type(a) ==
								 CTRL_ATTR_FAMILY_ID &&
							 !mnl_attr_validate(a, MNL_TYPE_U16)) *
		(uint16_t *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

/* Send one request and run cb over the answer. -errno from the kernel when it refuses. */
static int transact(struct nl *n, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	int ret;

	if (mnl_socket_sendto(n->s, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	while ((ret = (int)mnl_socket_recvfrom(n->s, n->buf, sizeof(n->buf))) > 0) {
		ret = mnl_cb_run(n->buf, (size_t)ret, nlh->nlmsg_seq, n->port, cb, data);
		if (ret <= MNL_CB_STOP)
			break;
	}
	return ret < 0 ? -errno : 0;
}

static struct nlmsghdr *request(struct nl *n, char *buf, uint16_t type, uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++n->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = type == GENL_ID_CTRL ? 1 : ETHTOOL_GENL_VERSION;
	return nlh;
}

static void header(struct nlmsghdr *nlh, uint16_t attr, const char *ifname, uint32_t flags)
{
	struct nlattr *h = mnl_attr_nest_start(nlh, attr);

	mnl_attr_put_strz(nlh, ETHTOOL_A_HEADER_DEV_NAME, ifname);
	if (flags)
		mnl_attr_put_u32(nlh, ETHTOOL_A_HEADER_FLAGS, flags);
	mnl_attr_nest_end(nlh, h);
}

/* a verbose bitset: every listed bit is a supported mode, "100000baseCR4/Full" */
static void modes(const struct nlattr *set, struct fp_ethnl_info *info)
{
	const struct nlattr *bits = NULL, *a, *b, *f;

	mnl_attr_for_each_nested(a, set) if (mnl_attr_get_type(a) == ETHTOOL_A_BITSET_BITS) bits =
		a;
	if (!bits)
		return;
	mnl_attr_for_each_nested(b, bits) mnl_attr_for_each_nested(
		f, b) if (mnl_attr_get_type(f) == ETHTOOL_A_BITSET_BIT_NAME &&
			  !mnl_attr_validate(f, MNL_TYPE_NUL_STRING))
	{
		double mbps = strtod(mnl_attr_get_str(f), NULL);

		if (mbps > 0) {
			info->nsupported++;
			if (mbps / 1000 > info->max_supported_gbps)
				info->max_supported_gbps = mbps / 1000;
		}
	}
}

static int linkmodes_cb(const struct nlmsghdr *nlh, void *data)
{
	struct fp_ethnl_info *info = data;
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
	{
		switch (mnl_attr_get_type(a)) {
		case ETHTOOL_A_LINKMODES_SPEED:
			if (!mnl_attr_validate(a, MNL_TYPE_U32) &&
			    mnl_attr_get_u32(a) != (uint32_t)-1)
				info->speed_gbps = mnl_attr_get_u32(a) / 1000.0;
			break;
		case ETHTOOL_A_LINKMODES_LANES:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				info->lanes = mnl_attr_get_u32(a);
			break;
		case ETHTOOL_A_LINKMODES_OURS:
			modes(a, info);
			break;
		}
	}
	return MNL_CB_OK;
}

/* The reply's own decoder (fec.c), which fixtures and the fuzzer drive too. */
static int fec_cb(const struct nlmsghdr *nlh, void *data)
{
	struct fp_ethnl_info *info = data;
	struct fp_fec f;

	if (fp_fec_parse(nlh, nlh->nlmsg_len, &f))
		return MNL_CB_ERROR;
	snprintf(info->fec_active, sizeof(info->fec_active), "%s", f.active);
	info->fec_stats = f.stats;
	info->fec_corrected = f.corrected;
	info->fec_uncorrectable = f.uncorrectable;
	return MNL_CB_OK;
}

static int linkstate_cb(const struct nlmsghdr *nlh, void *data)
{
	/* the extended state says why a link is down (IEEE-style causes, linux/ethtool.h) */
	static const char *const names[] = { "autoneg",
					     "link training failure",
					     "logical mismatch",
					     "bad signal integrity",
					     "no cable",
					     "cable issue",
					     "EEPROM issue",
					     "calibration failure",
					     "power budget exceeded",
					     "overheat",
					     "module" };
	struct fp_ethnl_info *info = data;
	struct nlattr *a;

	mnl_attr_for_each(a, nlh,
			  sizeof(struct genlmsghdr)) if (mnl_attr_get_type(a) ==
								 ETHTOOL_A_LINKSTATE_EXT_STATE &&
							 !mnl_attr_validate(a, MNL_TYPE_U8))
	{
		uint8_t v = mnl_attr_get_u8(a);

		info->ext_state_known = true;
		snprintf(info->ext_state, sizeof(info->ext_state), "%s",
			 v < sizeof(names) / sizeof(names[0]) ? names[v] : "other");
	}
	return MNL_CB_OK;
}

/* one statistic: a nest holding a single u64 whose type is its index in the group */
static void stat_of(const struct nlattr *st, uint32_t grp, struct fp_ethnl_info *info)
{
	const struct nlattr *v;

	mnl_attr_for_each_nested(v, st)
	{
		uint64_t val;

		if (mnl_attr_get_payload_len(v) != sizeof(val))
			continue;
		memcpy(&val, mnl_attr_get_payload(v), sizeof(val));
		if (grp == ETHTOOL_STATS_ETH_PHY &&
		    mnl_attr_get_type(v) == ETHTOOL_A_STATS_ETH_PHY_5_SYM_ERR)
			info->symbol_errors = val;
		else if (grp == ETHTOOL_STATS_ETH_MAC &&
			 mnl_attr_get_type(v) == ETHTOOL_A_STATS_ETH_MAC_6_FCS_ERR)
			info->fcs_errors = val;
		else if (grp == ETHTOOL_STATS_ETH_MAC &&
			 mnl_attr_get_type(v) == ETHTOOL_A_STATS_ETH_MAC_7_ALIGN_ERR)
			info->alignment_errors = val;
		else if (grp == ETHTOOL_STATS_ETH_CTRL &&
			 mnl_attr_get_type(v) == ETHTOOL_A_STATS_ETH_CTRL_3_TX)
			info->mac_ctrl_tx = val, info->ctrl_stats = true;
		else if (grp == ETHTOOL_STATS_ETH_CTRL &&
			 mnl_attr_get_type(v) == ETHTOOL_A_STATS_ETH_CTRL_4_RX)
			info->mac_ctrl_rx = val, info->ctrl_stats = true;
	}
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct fp_ethnl_info *info = data;
	struct nlattr *a, *g;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
	{
		uint32_t grp = UINT32_MAX;

		if (mnl_attr_get_type(a) != ETHTOOL_A_STATS_GRP)
			continue;
		mnl_attr_for_each_nested(g, a) if (mnl_attr_get_type(g) == ETHTOOL_A_STATS_GRP_ID &&
						   !mnl_attr_validate(g, MNL_TYPE_U32)) grp =
			mnl_attr_get_u32(g);
		mnl_attr_for_each_nested(g, a) if (mnl_attr_get_type(g) == ETHTOOL_A_STATS_GRP_STAT)
		{
			stat_of(g, grp, info);
			info->std_stats = true;
		}
	}
	return MNL_CB_OK;
}

/* ETHTOOL_A_PAUSE_STATS: the pause frames sent and received (ethtool -I -a) */
static int pause_cb(const struct nlmsghdr *nlh, void *data)
{
	struct fp_ethnl_info *info = data;
	struct nlattr *a, *v;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
	{
		if (mnl_attr_get_type(a) != ETHTOOL_A_PAUSE_STATS)
			continue;
		mnl_attr_for_each_nested(v, a)
		{
			uint64_t val;

			if (mnl_attr_get_payload_len(v) != sizeof(val))
				continue;
			memcpy(&val, mnl_attr_get_payload(v), sizeof(val));
			if (mnl_attr_get_type(v) == ETHTOOL_A_PAUSE_STAT_TX_FRAMES)
				info->pause_tx = val, info->pause_stats = true;
			else if (mnl_attr_get_type(v) == ETHTOOL_A_PAUSE_STAT_RX_FRAMES)
				info->pause_rx = val, info->pause_stats = true;
		}
	}
	return MNL_CB_OK;
}

struct page {
	uint8_t *dst;
	size_t len, got;
};

static int eeprom_cb(const struct nlmsghdr *nlh, void *data)
{
	struct page *pg = data;
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) if (mnl_attr_get_type(a) ==
								 ETHTOOL_A_MODULE_EEPROM_DATA)
	{
		size_t n = mnl_attr_get_payload_len(a);

		if (n > pg->len)
			n = pg->len;
		memcpy(pg->dst, mnl_attr_get_payload(a), n);
		pg->got = n;
	}
	return MNL_CB_OK;
}

static int read_page(struct nl *n, const char *ifname, uint8_t i2c, uint8_t page, uint32_t off,
		     uint8_t *dst)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = request(n, buf, n->family, ETHTOOL_MSG_MODULE_EEPROM_GET);
	struct page pg = { dst, 128, 0 };
	int ret;

	header(nlh, ETHTOOL_A_MODULE_EEPROM_HEADER, ifname, 0);
	mnl_attr_put_u32(nlh, ETHTOOL_A_MODULE_EEPROM_OFFSET, off);
	mnl_attr_put_u32(nlh, ETHTOOL_A_MODULE_EEPROM_LENGTH, 128);
	mnl_attr_put_u8(nlh, ETHTOOL_A_MODULE_EEPROM_PAGE, page);
	mnl_attr_put_u8(nlh, ETHTOOL_A_MODULE_EEPROM_BANK, 0);
	mnl_attr_put_u8(nlh, ETHTOOL_A_MODULE_EEPROM_I2C_ADDRESS, i2c);
	ret = transact(n, nlh, eeprom_cb, &pg);
	return ret ? ret : pg.got == 128 ? 0 : -EIO;
}

static void module(struct nl *n, const char *ifname, struct fp_ethnl_info *info, uint8_t *img,
		   size_t max)
{
	int ret;

	if (max < 768) {
		info->module_err = -ENOSPC;
		return;
	}
	memset(img, 0, 768);
	ret = read_page(n, ifname, 0x50, 0, 0, img);
	if (!ret)
		ret = read_page(n, ifname, 0x50, 0, 128, img + 128);
	info->module_err = ret;
	if (ret)
		return;
	info->module_len = 256;
	switch (img[0]) {
	case 0x03: /* SFF-8472: diagnostics at the second address */
		if (!read_page(n, ifname, 0x51, 0, 0, img + 256) &&
		    !read_page(n, ifname, 0x51, 0, 128, img + 384))
			info->module_len = 512;
		break;
	case 0x0c:
	case 0x0d:
	case 0x11: /* SFF-8636: thresholds on page 03h */
		if (!read_page(n, ifname, 0x50, 3, 128, img + 512))
			info->module_len = 640;
		break;
	default: /* CMIS: pages 01h, 02h, 10h, 11h unless the memory is flat */
		if (!(img[2] & 0x80) && !read_page(n, ifname, 0x50, 1, 128, img + 256) &&
		    !read_page(n, ifname, 0x50, 2, 128, img + 384) &&
		    !read_page(n, ifname, 0x50, 0x10, 128, img + 512) &&
		    !read_page(n, ifname, 0x50, 0x11, 128, img + 640))
			info->module_len = 768;
	}
}

int fp_ethnl_query(const char *ifname, struct fp_ethnl_info *info, uint8_t *img, size_t max)
{
	struct nl *np = calloc(1, sizeof(*np));
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	memset(info, 0, sizeof(*info));
	info->linkmodes_err = info->fec_err = info->module_err = -ENOTSUP;
	info->linkstate_err = info->stats_err = info->pause_err = -ENOTSUP;
	if (!np)
		return -ENOMEM;
	np->s = mnl_socket_open(NETLINK_GENERIC);
	if (!np->s) {
		ret = -errno;
		free(np);
		return ret;
	}
	if (mnl_socket_bind(np->s, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	np->port = mnl_socket_get_portid(np->s);
	np->seq = (unsigned)time(NULL);
	nlh = request(np, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, ETHTOOL_GENL_NAME);
	ret = transact(np, nlh, family_cb, &np->family);
	if (!ret && !np->family)
		ret = -ENOENT;
	if (ret)
		goto out;
	nlh = request(np, buf, np->family, ETHTOOL_MSG_LINKMODES_GET);
	header(nlh, ETHTOOL_A_LINKMODES_HEADER, ifname, 0);
	info->linkmodes_err = transact(np, nlh, linkmodes_cb, info);
	nlh = request(np, buf, np->family, ETHTOOL_MSG_FEC_GET);
	header(nlh, ETHTOOL_A_FEC_HEADER, ifname, ETHTOOL_FLAG_STATS);
	info->fec_err = transact(np, nlh, fec_cb, info);
	nlh = request(np, buf, np->family, ETHTOOL_MSG_LINKSTATE_GET);
	header(nlh, ETHTOOL_A_LINKSTATE_HEADER, ifname, 0);
	info->linkstate_err = transact(np, nlh, linkstate_cb, info);
	nlh = request(np, buf, np->family, ETHTOOL_MSG_PAUSE_GET);
	header(nlh, ETHTOOL_A_PAUSE_HEADER, ifname, ETHTOOL_FLAG_STATS);
	info->pause_err = transact(np, nlh, pause_cb, info);
	/* the standard IEEE 802.3 groups: PHY symbol errors, MAC FCS and alignment errors, MAC
	 * control frames */
	{
		struct nlattr *set, *bits, *bit;

		nlh = request(np, buf, np->family, ETHTOOL_MSG_STATS_GET);
		header(nlh, ETHTOOL_A_STATS_HEADER, ifname, 0);
		set = mnl_attr_nest_start(nlh, ETHTOOL_A_STATS_GROUPS);
		mnl_attr_put(nlh, ETHTOOL_A_BITSET_NOMASK, 0, NULL);
		bits = mnl_attr_nest_start(nlh, ETHTOOL_A_BITSET_BITS);
		for (uint32_t grp = ETHTOOL_STATS_ETH_PHY; grp <= ETHTOOL_STATS_ETH_CTRL; grp++) {
			bit = mnl_attr_nest_start(nlh, ETHTOOL_A_BITSET_BITS_BIT);
			mnl_attr_put_u32(nlh, ETHTOOL_A_BITSET_BIT_INDEX, grp);
			mnl_attr_put(nlh, ETHTOOL_A_BITSET_BIT_VALUE, 0, NULL);
			mnl_attr_nest_end(nlh, bit);
		}
		mnl_attr_nest_end(nlh, bits);
		mnl_attr_nest_end(nlh, set);
		info->stats_err = transact(np, nlh, stats_cb, info);
	}
	if (img)
		module(np, ifname, info, img, max);
out:
	mnl_socket_close(np->s);
	free(np);
	return ret;
}
#else
int fp_ethnl_query(const char *ifname, struct fp_ethnl_info *info, uint8_t *img, size_t max)
{
	(void)ifname;
	(void)img;
	(void)max;
	memset(info, 0, sizeof(*info));
	info->linkmodes_err = info->fec_err = info->module_err = -ENOTSUP;
	info->linkstate_err = info->stats_err = info->pause_err = -ENOTSUP;
	return -ENOTSUP;
}
#endif
