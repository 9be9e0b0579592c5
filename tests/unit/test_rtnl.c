// SPDX-License-Identifier: MIT
/*
 * The rtnetlink decoders on answers written byte by byte from the uapi headers: DCB
 * (linux/dcbnl.h, as dcbnl_ieee_fill() lays it out; veth has no DCB) and the root qdisc
 * (struct tcmsg, linux/pkt_sched.h's tbf, as tc_fill_qdisc() and tbf_dump() do).
 */
#include <errno.h>
#include <linux/dcbnl.h>
#include <linux/pkt_sched.h>
#include <string.h>

#include "../../fabric/inventory/dcb.h"
#include "../../fabric/inventory/qdisc.h"
#include "t.h"

struct msg {
	uint8_t b[512];
	size_t n;
};

/* netlink is host order: this machine's little-endian, byte by byte */
static void put(struct msg *m, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		m->b[m->n++] = (uint8_t)(v >> (8 * i));
}

static void pad4(struct msg *m)
{
	while (m->n % 4)
		m->b[m->n++] = 0;
}

/* an attribute header: nla_len (u16), nla_type (u16); the length patched in by end_attr */
static size_t attr(struct msg *m, unsigned type)
{
	size_t at = m->n;

	put(m, 0, 2);
	put(m, type, 2);
	return at;
}

static void end_attr(struct msg *m, size_t at)
{
	size_t len = m->n - at;

	m->b[at] = (uint8_t)len;
	m->b[at + 1] = (uint8_t)(len >> 8);
	pad4(m);
}

/* a struct nlmsghdr: length (patched by finish), type, flags, seq 1, pid 0 */
static void nlhdr(struct msg *m, unsigned type, unsigned flags)
{
	memset(m, 0, sizeof(*m));
	put(m, 0, 4);
	put(m, type, 2);
	put(m, flags, 2);
	put(m, 1, 4);
	put(m, 0, 4);
}

static void finish(struct msg *m)
{
	m->b[0] = (uint8_t)m->n;
	m->b[1] = (uint8_t)(m->n >> 8);
}

/* a string attribute, NUL included */
static void str_attr(struct msg *m, unsigned type, const char *s)
{
	size_t a = attr(m, type);

	for (; *s; s++)
		put(m, (uint8_t)*s, 1);
	put(m, 0, 1);
	end_attr(m, a);
}

/* an answer to DCB_CMD_IEEE_GET for eth0: ETS 50/50, PFC on pfc_en, and a DSCP app */
static void answer(struct msg *m, unsigned pfc_en, bool app_table)
{
	size_t ieee, a;

	nlhdr(m, 78, 0); /* RTM_GETDCB */
	/* struct dcbmsg: dcb_family AF_UNSPEC, cmd DCB_CMD_IEEE_GET = 21, dcb_pad */
	put(m, 0, 1);
	put(m, 21, 1);
	put(m, 0, 2);
	str_attr(m, 1, "eth0"); /* DCB_ATTR_IFNAME */
	ieee = attr(m, 13); /* DCB_ATTR_IEEE, nested */
	/* DCB_ATTR_IEEE_ETS = 1: struct ieee_ets, 59 bytes */
	a = attr(m, 1);
	put(m, 0, 1); /* willing */
	put(m, 8, 1); /* ets_cap */
	put(m, 0, 1); /* cbs */
	for (int i = 0; i < 8; i++)
		put(m, i < 2 ? 50 : 0, 1); /* tc_tx_bw */
	for (int i = 0; i < 8; i++)
		put(m, 0, 1); /* tc_rx_bw */
	for (int i = 0; i < 8; i++)
		put(m, i < 2 ? 2 : 0, 1); /* tc_tsa: IEEE_8021QAZ_TSA_ETS */
	for (int i = 0; i < 8; i++)
		put(m, i == 3, 1); /* prio_tc: priority 3 in TC 1 */
	for (int i = 0; i < 24; i++)
		put(m, 0, 1); /* tc_reco_bw, tc_reco_tsa, reco_prio_tc */
	end_attr(m, a);
	/* DCB_ATTR_IEEE_PFC = 2: struct ieee_pfc, 136 bytes */
	a = attr(m, 2);
	put(m, 8, 1);	   /* pfc_cap */
	put(m, pfc_en, 1); /* pfc_en */
	put(m, 0, 1);	   /* mbc */
	put(m, 0, 1);	   /* padding before the u16 */
	put(m, 0, 2);	   /* delay */
	put(m, 0, 2);	   /* padding before the u64 arrays */
	for (int i = 0; i < 8; i++)
		put(m, i == 3 ? 1000 : 0, 8); /* requests */
	for (int i = 0; i < 8; i++)
		put(m, i == 3 ? 5 : 0, 8); /* indications */
	end_attr(m, a);
	if (app_table) {
		size_t t = attr(m, 3); /* DCB_ATTR_IEEE_APP_TABLE, nested */

		a = attr(m, 1); /* DCB_ATTR_IEEE_APP: struct dcb_app */
		put(m, 5, 1);	/* selector IEEE_8021QAZ_APP_SEL_DSCP */
		put(m, 3, 1);	/* priority */
		put(m, 26, 2);	/* protocol: DSCP 26 */
		end_attr(m, a);
		end_attr(m, t);
	}
	end_attr(m, ieee);
	finish(m);
}

/* RTM_NEWQDISC for ifindex 7: a root tbf at rate_Bps (bytes/s), TCA_TBF_RATE64 if rate64 */
static void tbf_answer(struct msg *m, uint32_t rate_Bps, uint64_t rate64)
{
	size_t a, o;

	nlhdr(m, 36, 2); /* RTM_NEWQDISC, NLM_F_MULTI */
	/* struct tcmsg: family, pad, pad, ifindex, handle 0x80010000, parent TC_H_ROOT, info */
	put(m, 0, 1);
	put(m, 0, 1);
	put(m, 0, 2);
	put(m, 7, 4);
	put(m, 0x80010000u, 4);
	put(m, 0xffffffffu, 4);
	put(m, 1, 4);
	str_attr(m, 1, "tbf"); /* TCA_KIND */
	o = attr(m, 2); /* TCA_OPTIONS, nested */
	a = attr(m, 1); /* TCA_TBF_PARMS: struct tc_tbf_qopt, 36 bytes */
	/* rate: cell_log, linklayer, overhead (u16), cell_align (s16), mpu (u16), rate (u32) */
	put(m, 0, 1);
	put(m, 1, 1);
	put(m, 0, 2);
	put(m, 0, 2);
	put(m, 0, 2);
	put(m, rate_Bps, 4);
	for (int i = 0; i < 12; i++) /* peakrate */
		put(m, 0, 1);
	put(m, 1000, 4); /* limit */
	put(m, 8000, 4); /* buffer */
	put(m, 0, 4);	 /* mtu */
	end_attr(m, a);
	if (rate64) {
		a = attr(m, 4); /* TCA_TBF_RATE64 */
		put(m, rate64, 8);
		end_attr(m, a);
	}
	end_attr(m, o);
	finish(m);
}

static void test_qdisc(void)
{
	struct fp_qdisc q;
	struct msg m;
	char err[256], text[32];

	CHECK(sizeof(struct tc_tbf_qopt) == 36, "tc_tbf_qopt is %zu bytes",
	      sizeof(struct tc_tbf_qopt));
	tbf_answer(&m, 12500000, 0); /* 100 Mbit/s */
	CHECK(fp_qdisc_parse(m.b, m.n, &q, err, sizeof(err)) == 0, "tbf: %s", err);
	CHECK(q.ifindex == 7 && q.parent == 0xffffffffu && !strcmp(q.kind, "tbf"), "header");
	fp_qdisc_shaping(&q, text, sizeof(text));
	CHECK(!strcmp(text, "tbf 100 Mbit/s"), "'%s'", text);
	/* above 4 GB/s the u32 saturates and TCA_TBF_RATE64 carries the rate */
	tbf_answer(&m, 0xffffffffu, 50000000000ull);
	CHECK(fp_qdisc_parse(m.b, m.n, &q, err, sizeof(err)) == 0, "rate64: %s", err);
	fp_qdisc_shaping(&q, text, sizeof(text));
	CHECK(!strcmp(text, "tbf 400000 Mbit/s"), "'%s'", text);
	for (size_t n = 0; n < m.n; n++)
		CHECK(fp_qdisc_parse(m.b, n, &q, err, sizeof(err)) == -EINVAL, "truncated at %zu",
		      n);
	/* TCA_TBF_PARMS cut short, the nest's lengths consistent */
	tbf_answer(&m, 12500000, 0);
	m.b[16 + 20 + 8 + 4] = 4 + 20;
	CHECK(fp_qdisc_parse(m.b, m.n, &q, err, sizeof(err)) == -EINVAL, "short tbf parms");
	/* pfifo_fast shapes nothing */
	memset(&q, 0, sizeof(q));
	snprintf(q.kind, sizeof(q.kind), "pfifo_fast");
	fp_qdisc_shaping(&q, text, sizeof(text));
	CHECK(!strcmp(text, "none"), "'%s'", text);
	CHECK(fp_qdisc_query("lo", text, sizeof(text)) == 0 && !strcmp(text, "none"),
	      "lo is not shaped: '%s'", text);
	CHECK(fp_qdisc_query("no-such-dev0", text, sizeof(text)) == -ENOENT, "no device");
}

int main(void)
{
	const uint16_t one = 1;
	struct fp_dcb d;
	struct msg m;
	char err[256];
	int r;

	if (*(const uint8_t *)&one != 1) {
		printf("SKIP: the answers are written little-endian, this host is not\n");
		return 77;
	}
	/* the layout the bytes follow is the header's */
	CHECK(sizeof(struct ieee_ets) == 59, "ieee_ets is %zu bytes", sizeof(struct ieee_ets));
	CHECK(sizeof(struct ieee_pfc) == 136, "ieee_pfc is %zu bytes", sizeof(struct ieee_pfc));
	CHECK(DCB_CMD_IEEE_GET == 21 && DCB_ATTR_IEEE == 13 && DCB_ATTR_IEEE_PFC == 2, "enums");

	answer(&m, 1u << 3, true);
	CHECK(m.n == 252, "message of %zu bytes", m.n);
	r = fp_dcb_parse(m.b, m.n, &d, err, sizeof(err));
	CHECK(r == 0, "parse: %s", err);
	CHECK(!strcmp(d.pfc, "3"), "pfc '%s'", d.pfc);
	CHECK(!strcmp(d.ets, "bw 50,50,0,0,0,0,0,0 prio_tc 0,0,0,1,0,0,0,0"), "ets '%s'", d.ets);
	CHECK(!strcmp(d.trust, "dscp"), "trust '%s'", d.trust);
	CHECK(d.pfc_requests == 1000 && d.pfc_indications == 5, "pfc frames %llu %llu",
	      (unsigned long long)d.pfc_requests, (unsigned long long)d.pfc_indications);

	answer(&m, 0x18, false);
	r = fp_dcb_parse(m.b, m.n, &d, err, sizeof(err));
	CHECK(r == 0 && !strcmp(d.pfc, "3,4"), "two priorities: '%s'", d.pfc);
	CHECK(!d.trust[0], "no APP table: trust unknown, not '%s'", d.trust);
	answer(&m, 0, false);
	r = fp_dcb_parse(m.b, m.n, &d, err, sizeof(err));
	CHECK(r == 0 && !strcmp(d.pfc, "none"), "PFC off: '%s'", d.pfc);

	/* every truncation is an error, never a read past the end */
	answer(&m, 1u << 3, true);
	for (size_t n = 0; n < m.n; n++) {
		memset(&d, 0x5a, sizeof(d));
		r = fp_dcb_parse(m.b, n, &d, err, sizeof(err));
		CHECK(r == -EINVAL && d.pfc[0] == 0x5a, "truncated at %zu: %d", n, r);
	}
	/* a PFC attribute shorter than struct ieee_pfc, lengths consistent around it */
	answer(&m, 1u << 3, false);
	m.b[16 + 4 + 12 + 4 + 64] = 4 + 100;
	r = fp_dcb_parse(m.b, m.n, &d, err, sizeof(err));
	CHECK(r == -EINVAL, "short PFC: %d", r);
	/* not the answer to IEEE_GET */
	answer(&m, 1u << 3, false);
	m.b[17] = 7;
	CHECK(fp_dcb_parse(m.b, m.n, &d, err, sizeof(err)) == -EINVAL, "cmd 7 refused");
	/* the live kernel: lo has no DCB; an error, not a crash or a hang */
	CHECK(fp_dcb_query("lo", &d) < 0, "lo has DCB?");
	test_qdisc();
	return t_done("rtnl");
}
