// SPDX-License-Identifier: MIT
/*
 * The --switches file and the SNMP varbind decoder. Columns by numeric OID: IF-MIB
 * (RFC 2863: ifTable 1.3.6.1.2.1.2.2.1, ifXTable 1.3.6.1.2.1.31.1.1.1) and EtherLike-MIB
 * (RFC 3635: dot3StatsTable 1.3.6.1.2.1.10.7.2.1). Outside input: every field checked.
 */
#include "snmp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IFT  1, 3, 6, 1, 2, 1, 2, 2, 1
#define IFX  1, 3, 6, 1, 2, 1, 31, 1, 1, 1
#define DOT3 1, 3, 6, 1, 2, 1, 10, 7, 2, 1

static const struct {
	const char *name;
	uint32_t oid[11];
	size_t len;
	int type;
} col[FP_SNMP_NCOLUMNS] = {
	[FP_SNMP_HC_IN_OCTETS] = { "ifHCInOctets", { IFX, 6 }, 11, FP_ASN_COUNTER64 },
	[FP_SNMP_HC_OUT_OCTETS] = { "ifHCOutOctets", { IFX, 10 }, 11, FP_ASN_COUNTER64 },
	[FP_SNMP_IN_ERRORS] = { "ifInErrors", { IFT, 14 }, 10, FP_ASN_COUNTER32 },
	[FP_SNMP_IN_DISCARDS] = { "ifInDiscards", { IFT, 13 }, 10, FP_ASN_COUNTER32 },
	[FP_SNMP_OUT_DISCARDS] = { "ifOutDiscards", { IFT, 19 }, 10, FP_ASN_COUNTER32 },
	[FP_SNMP_OPER_STATUS] = { "ifOperStatus", { IFT, 8 }, 10, FP_ASN_INTEGER },
	[FP_SNMP_LAST_CHANGE] = { "ifLastChange", { IFT, 9 }, 10, FP_ASN_TIMETICKS },
	[FP_SNMP_FCS_ERRORS] = { "dot3StatsFCSErrors", { DOT3, 3 }, 11, FP_ASN_COUNTER32 },
	[FP_SNMP_SYMBOL_ERRORS] = { "dot3StatsSymbolErrors", { DOT3, 18 }, 11, FP_ASN_COUNTER32 },
	[FP_SNMP_HC_IN_UCAST] = { "ifHCInUcastPkts", { IFX, 7 }, 11, FP_ASN_COUNTER64 },
	[FP_SNMP_HC_IN_MCAST] = { "ifHCInMulticastPkts", { IFX, 8 }, 11, FP_ASN_COUNTER64 },
	[FP_SNMP_HC_IN_BCAST] = { "ifHCInBroadcastPkts", { IFX, 9 }, 11, FP_ASN_COUNTER64 },
	[FP_SNMP_NCTR] = { "ifName", { IFX, 1 }, 11, FP_ASN_OCTET_STR },
	[FP_SNMP_NCTR + 1] = { "ifDescr", { IFT, 2 }, 10, FP_ASN_OCTET_STR },
};

const char *fp_snmp_ctr_name(unsigned i)
{
	return i < FP_SNMP_NCOLUMNS ? col[i].name : "?";
}

bool fp_snmp_ctr_is32(unsigned i)
{
	return i < FP_SNMP_NCTR && col[i].type == FP_ASN_COUNTER32;
}

uint64_t fp_snmp_delta(unsigned i, uint64_t now, uint64_t before)
{
	if (now >= before)
		return now - before;
	/* a Counter32 wraps at 2^32 (RFC 2578, 7.1.6); a Counter64 going back was reset */
	return fp_snmp_ctr_is32(i) && before <= UINT32_MAX ? now + (1ull << 32) - before : now;
}

size_t fp_snmp_column(unsigned c, const uint32_t **oid)
{
	*oid = col[c].oid;
	return col[c].len;
}

static const char *type_name(int t)
{
	switch (t) {
	case FP_ASN_INTEGER:
		return "INTEGER";
	case FP_ASN_OCTET_STR:
		return "OCTET STRING";
	case FP_ASN_COUNTER32:
		return "Counter32";
	case FP_ASN_GAUGE32:
		return "Gauge32";
	case FP_ASN_TIMETICKS:
		return "TimeTicks";
	case FP_ASN_COUNTER64:
		return "Counter64";
	}
	return "another type";
}

int fp_snmp_apply(unsigned c, const struct fp_snmp_vb *vb, struct fp_snmp_port *ports, unsigned *n,
		  unsigned max, char *err, size_t el)
{
	struct fp_snmp_port *p = NULL;
	uint32_t idx;

	if (c >= FP_SNMP_NCOLUMNS || vb->oidlen != col[c].len + 1 ||
	    memcmp(vb->oid, col[c].oid, col[c].len * sizeof(uint32_t)))
		return 1;
	idx = vb->oid[col[c].len];
	if (vb->type != col[c].type) {
		snprintf(err, el, "%s.%u is %s, expected %s", col[c].name, idx, type_name(vb->type),
			 type_name(col[c].type));
		return -EPROTO;
	}
	if (idx < 1 || idx > 0x7fffffff) {
		snprintf(err, el, "%s.%u: ifIndex out of range", col[c].name, idx);
		return -EPROTO;
	}
	if (vb->type == FP_ASN_COUNTER32 && vb->num > UINT32_MAX) {
		snprintf(err, el, "%s.%u: a Counter32 of %llu", col[c].name, idx,
			 (unsigned long long)vb->num);
		return -EPROTO;
	}
	for (unsigned i = 0; i < *n && !p; i++)
		if (ports[i].ifindex == (int)idx)
			p = &ports[i];
	if (!p) {
		if (*n >= max)
			return -ENOSPC;
		p = &ports[(*n)++];
		memset(p, 0, sizeof(*p));
		p->ifindex = (int)idx;
	}
	if (c == FP_SNMP_NCTR || c == FP_SNMP_NCTR + 1) {
		char *dst = c == FP_SNMP_NCTR ? p->name : p->descr;
		size_t k = vb->slen < sizeof(p->name) - 1 ? vb->slen : sizeof(p->name) - 1;

		for (size_t i = 0; i < k; i++) /* printable only: it is printed and matched */
			dst[i] = vb->str[i] >= 0x20 && vb->str[i] < 0x7f ? vb->str[i] : '?';
		dst[k] = 0;
		return 0;
	}
	p->v[c] = vb->num;
	p->have |= 1u << c;
	return 0;
}

/* "key=value" at w: copy the value if the key matches */
static bool kv(const char *w, const char *key, char *out, size_t len)
{
	size_t k = strlen(key);

	if (strncmp(w, key, k) || w[k] != '=')
		return false;
	snprintf(out, len, "%s", w + k + 1);
	return true;
}

/* "SHA:secret" into proto and pass; proto one of the allowed */
static bool proto_pass(const char *v, const char *const *allowed, char *proto, size_t pl,
		       char *pass, size_t pal)
{
	const char *c = strchr(v, ':');

	if (!c || (size_t)(c - v) >= pl || strlen(c + 1) < 8 || strlen(c + 1) >= pal)
		return false;
	snprintf(proto, pl, "%.*s", (int)(c - v), v);
	snprintf(pass, pal, "%s", c + 1);
	for (; *allowed; allowed++)
		if (!strcmp(proto, *allowed))
			return true;
	return false;
}

static int parse_line(char *line, int ln, const char *src, struct fp_snmp_switch *s, char *err,
		      size_t el)
{
	static const char *const auths[] = { "MD5", "SHA", NULL }, *const privs[] = { "DES", "AES",
										      NULL };
	char *w[8], *sv = NULL, val[128];
	int nw = 0;

	for (char *t = strtok_r(line, " \t", &sv); t; t = strtok_r(NULL, " \t", &sv)) {
		if (nw == 8)
			goto bad;
		w[nw++] = t;
	}
	memset(s, 0, sizeof(*s));
	s->line = ln;
	if (nw < 4 || strlen(w[0]) >= sizeof(s->name) || strlen(w[1]) >= sizeof(s->addr))
		goto bad;
	snprintf(s->name, sizeof(s->name), "%s", w[0]);
	snprintf(s->addr, sizeof(s->addr), "%s", w[1]);
	if (!strcmp(w[2], "v2c") && nw == 4 &&
	    kv(w[3], "community", s->community, sizeof(s->community)) && s->community[0]) {
		s->version = 2;
		return 0;
	}
	if (strcmp(w[2], "v3") || !kv(w[3], "user", s->user, sizeof(s->user)) || !s->user[0])
		goto bad;
	s->version = 3;
	for (int i = 4; i < nw; i++) {
		if (kv(w[i], "auth", val, sizeof(val)) && !s->auth_proto[0] &&
		    proto_pass(val, auths, s->auth_proto, sizeof(s->auth_proto), s->auth_pass,
			       sizeof(s->auth_pass)))
			continue;
		if (kv(w[i], "priv", val, sizeof(val)) && s->auth_proto[0] && !s->priv_proto[0] &&
		    proto_pass(val, privs, s->priv_proto, sizeof(s->priv_proto), s->priv_pass,
			       sizeof(s->priv_pass)))
			continue;
		goto bad;
	}
	return 0;
bad:
	snprintf(err, el,
		 "%s:%d: expected NAME ADDRESS v2c community=STR, or NAME ADDRESS v3 user=U "
		 "[auth=MD5|SHA:PASS [priv=DES|AES:PASS]] (passwords of 8 or more)",
		 src, ln);
	return -EINVAL;
}

/* a comment starts with # at the line's start or after blank space: pa#ss is a password */
static void cut_comment(char *line)
{
	for (char *h = strchr(line, '#'); h; h = strchr(h + 1, '#'))
		if (h == line || h[-1] == ' ' || h[-1] == '\t') {
			*h = 0;
			return;
		}
}

int fp_snmp_switches_parse(const char *text, size_t len, const char *src,
			   struct fp_snmp_switch **out, unsigned *n, char *err, size_t el)
{
	struct fp_snmp_switch *sw = NULL;
	unsigned cnt = 0, cap = 0;
	size_t o = 0;
	int ln = 0, ret = 0;

	while (o < len && !ret) {
		const char *nl = memchr(text + o, '\n', len - o);
		size_t l = nl ? (size_t)(nl - (text + o)) : len - o;
		char line[512];

		ln++;
		if (l >= sizeof(line) || memchr(text + o, 0, l)) {
			snprintf(err, el, "%s:%d: line too long or not text", src, ln);
			ret = -EINVAL;
			break;
		}
		memcpy(line, text + o, l);
		line[l] = 0;
		o += l + 1;
		cut_comment(line);
		if (!line[strspn(line, " \t\r")])
			continue;
		if (cnt == cap) {
			struct fp_snmp_switch *g = realloc(sw, sizeof(*g) * (cap ? 2 * cap : 8));

			if (!g) {
				ret = -ENOMEM;
				break;
			}
			sw = g;
			cap = cap ? 2 * cap : 8;
		}
		line[strcspn(line, "\r")] = 0;
		ret = parse_line(line, ln, src, &sw[cnt], err, el);
		for (unsigned i = 0; !ret && i < cnt; i++)
			if (!strcmp(sw[i].name, sw[cnt].name)) {
				snprintf(err, el, "%s:%d: switch %s appears twice", src, ln,
					 sw[i].name);
				ret = -EINVAL;
			}
		cnt += !ret;
	}
	if (!ret && !cnt) {
		snprintf(err, el, "%s: no switches", src);
		ret = -EINVAL;
	}
	if (ret) {
		free(sw);
		return ret;
	}
	*out = sw;
	*n = cnt;
	return 0;
}
