// SPDX-License-Identifier: MIT
/*
 * FEC statistics from an ETHTOOL_MSG_FEC_GET reply (Documentation/networking/ethtool-netlink.rst,
 * "FEC_GET"): ETHTOOL_A_FEC_ACTIVE (u32, a link mode bit) and the ETHTOOL_A_FEC_STATS nest,
 * whose ETHTOOL_A_FEC_STAT_CORRECTED / _UNCORR are u64 arrays: the total, then one value per
 * lane. Decoded here byte by byte, without libmnl, so fixtures and the fuzzer drive the same
 * code as the live query.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ethnl.h"
#include "fec.h"

#define NLMSG_HDR  16 /* struct nlmsghdr */
#define GENL_HDR   4  /* struct genlmsghdr */
#define NLA_HDR	   4  /* struct nlattr: u16 len, u16 type */
#define NLA_F_MASK 0x3fff
/* uapi linux/ethtool_netlink.h and linux/ethtool.h, stable ABI */
#define A_FEC_ACTIVE	 4
#define A_FEC_STATS	 5
#define A_STAT_CORRECTED 2
#define A_STAT_UNCORR	 3
#define MODE_FEC_RS	 50
#define MODE_FEC_BASER	 51
#define MODE_FEC_LLRS	 74
#define MODE_FEC_NONE	 49

static uint16_t u16le(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v)); /* netlink is host order */
	return v;
}

static uint32_t u32h(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The next attribute in [*p, end): its type and payload, or false at the end or when bad. */
static int next_attr(const uint8_t **p, const uint8_t *end, unsigned *type, const uint8_t **pl,
		     size_t *plen)
{
	size_t left = (size_t)(end - *p), len, step;

	if (left < NLA_HDR)
		return left ? -EBADMSG : 0;
	len = u16le(*p);
	if (len < NLA_HDR || len > left)
		return -EBADMSG;
	*type = u16le(*p + 2) & NLA_F_MASK;
	*pl = *p + NLA_HDR;
	*plen = len - NLA_HDR;
	step = (len + 3) & ~(size_t)3;
	*p += step < left ? step : left;
	return 1;
}

/* A u64 array statistic: the total, then lanes. */
static void stat_array(const uint8_t *pl, size_t plen, uint64_t *total, uint64_t *lanes,
		       unsigned *nl)
{
	size_t n = plen / 8;

	memcpy(total, pl, sizeof(*total));
	for (size_t i = 1; i < n && i <= FP_FEC_LANES; i++)
		memcpy(&lanes[i - 1], pl + 8 * i, sizeof(uint64_t));
	if (n - 1 > *nl)
		*nl = n - 1 > FP_FEC_LANES ? FP_FEC_LANES : (unsigned)(n - 1);
}

static int stats_nest(const uint8_t *p, const uint8_t *end, struct fp_fec *f)
{
	const uint8_t *pl;
	size_t plen;
	unsigned type;
	int r;

	while ((r = next_attr(&p, end, &type, &pl, &plen)) > 0) {
		if (type != A_STAT_CORRECTED && type != A_STAT_UNCORR)
			continue;
		if (plen < 8 || plen % 8)
			return -EBADMSG;
		if (type == A_STAT_CORRECTED)
			stat_array(pl, plen, &f->corrected, f->lane_corrected, &f->lanes);
		else
			stat_array(pl, plen, &f->uncorrectable, f->lane_uncorrectable, &f->lanes);
		f->stats = true;
	}
	return r;
}

int fp_fec_parse(const void *msg, size_t len, struct fp_fec *f)
{
	const uint8_t *m = msg, *p, *end, *pl;
	struct fp_fec out = { .active = "unknown" };
	unsigned type;
	size_t plen, mlen;
	int r;

	if (len < NLMSG_HDR + GENL_HDR)
		return -EBADMSG;
	mlen = u32h(m);
	if (mlen < NLMSG_HDR + GENL_HDR || mlen > len)
		return -EBADMSG;
	p = m + NLMSG_HDR + GENL_HDR;
	end = m + mlen;
	while ((r = next_attr(&p, end, &type, &pl, &plen)) > 0) {
		if (type == A_FEC_ACTIVE) {
			uint32_t bit;

			if (plen != 4)
				return -EBADMSG;
			bit = u32h(pl);
			snprintf(out.active, sizeof(out.active), "%s",
				 bit == MODE_FEC_RS	 ? "RS"
				 : bit == MODE_FEC_BASER ? "BaseR"
				 : bit == MODE_FEC_LLRS	 ? "LLRS"
				 : bit == MODE_FEC_NONE	 ? "off"
							 : "other");
		} else if (type == A_FEC_STATS && (r = stats_nest(pl, pl + plen, &out)) < 0) {
			return r;
		}
	}
	if (r < 0)
		return r;
	*f = out;
	return 0;
}

int fp_fec_read(const char *root, const char *ifname, struct fp_fec *f)
{
	uint8_t buf[4096];
	char path[4200];
	ssize_t n;
	int fd;

	if (strchr(ifname, '/') || !ifname[0])
		return -EINVAL;
	if (!root[0] || !strcmp(root, "/")) {
		struct fp_ethnl_info info;

		fp_ethnl_query(ifname, &info, NULL, 0);
		if (info.fec_err)
			return info.fec_err;
		memset(f, 0, sizeof(*f));
		snprintf(f->active, sizeof(f->active), "%s", info.fec_active);
		f->stats = info.fec_stats;
		f->corrected = info.fec_corrected;
		f->uncorrectable = info.fec_uncorrectable;
		return 0;
	}
	snprintf(path, sizeof(path), "%s/ethtool/%s/fec_get.bin", root, ifname);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return -EIO;
	return fp_fec_parse(buf, (size_t)n, f);
}
