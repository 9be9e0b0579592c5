// SPDX-License-Identifier: MIT
/*
 * The SNMP side (issue 23): the --switches file (v2c, v3, and each bad line named), the
 * varbind decoder (columns by numeric OID, a wrong type named, the walk's end seen), and
 * counter differences (a Counter32 wraps at 2^32, a Counter64 going back was reset).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../fabric/inventory/snmp.h"
#include "t.h"

static int parse(const char *text, struct fp_snmp_switch **sw, unsigned *n, char *err)
{
	return fp_snmp_switches_parse(text, strlen(text), "sw.txt", sw, n, err, 256);
}

static void switches(void)
{
	struct fp_snmp_switch *sw = NULL;
	unsigned n = 0;
	char err[256];

	CHECK(!parse("# lab switches\nleaf1 10.0.0.1 v2c community=public\n\n"
		     "spine1 udp:10.0.0.2:161 v3 user=mon auth=SHA:secret123 priv=AES:secret456 # "
		     "x\n",
		     &sw, &n, err),
	      "%s", err);
	CHECK(n == 2 && sw[0].version == 2 && !strcmp(sw[0].community, "public"), "v2c");
	CHECK(sw[1].version == 3 && !strcmp(sw[1].user, "mon") &&
		      !strcmp(sw[1].auth_proto, "SHA") && !strcmp(sw[1].auth_pass, "secret123") &&
		      !strcmp(sw[1].priv_proto, "AES") && sw[1].line == 4,
	      "v3");
	free(sw);
	CHECK(!parse("#c\nleaf1 10.0.0.1 v3 user=u#1 auth=SHA:pa#ssword1 priv=AES:#secret456\t#x\n",
		     &sw, &n, err),
	      "%s", err);
	CHECK(n == 1 && !strcmp(sw[0].user, "u#1") && !strcmp(sw[0].auth_pass, "pa#ssword1") &&
		      !strcmp(sw[0].priv_pass, "#secret456"),
	      "# inside a word is not a comment");
	free(sw);
	static const char *const bad[] = {
		"leaf1 10.0.0.1 v2c\n",				 /* no community */
		"leaf1 10.0.0.1 v1 community=x\n",		 /* no v1 */
		"leaf1 10.0.0.1 v3 user=u auth=SHA:short\n",	 /* password under 8 */
		"leaf1 10.0.0.1 v3 user=u priv=AES:secret456\n", /* priv without auth */
		"leaf1 10.0.0.1 v3 user=u auth=XYZ:secret123\n", /* unknown protocol */
		"a 1 v2c community=x\na 2 v2c community=y\n",	 /* twice */
		"# nothing\n",					 /* no switches */
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		CHECK(parse(bad[i], &sw, &n, err) == -EINVAL && strstr(err, "sw.txt"), "bad %u: %s",
		      i, err);
		CHECK(!strstr(err, "short") && !strstr(err, "secret"), "no password in %s", err);
	}
}

static void varbinds(void)
{
	struct fp_snmp_port ports[4];
	unsigned n = 0;
	char err[256] = "";
	uint32_t in_err[] = { 1, 3, 6, 1, 2, 1, 2, 2, 1, 14, 7 };
	uint32_t name[] = { 1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1, 7 };
	uint32_t hc[] = { 1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6, 7 };
	uint32_t next[] = { 1, 3, 6, 1, 2, 1, 2, 2, 1, 15, 1 };
	struct fp_snmp_vb vb = { in_err, 11, FP_ASN_COUNTER32, 42, NULL, 0 };

	CHECK(fp_snmp_apply(FP_SNMP_IN_ERRORS, &vb, ports, &n, 4, err, sizeof(err)) == 0, "%s",
	      err);
	CHECK(n == 1 && ports[0].ifindex == 7 && ports[0].v[FP_SNMP_IN_ERRORS] == 42 &&
		      ports[0].have == 1u << FP_SNMP_IN_ERRORS,
	      "ifInErrors.7");
	vb = (struct fp_snmp_vb){ name, 12, FP_ASN_OCTET_STR, 0, "swp\0007", 5 };
	CHECK(fp_snmp_apply(FP_SNMP_NCTR, &vb, ports, &n, 4, err, sizeof(err)) == 0, "ifName");
	CHECK(n == 1 && !strcmp(ports[0].name, "swp?7"), "ifName kept printable: %s",
	      ports[0].name);
	vb = (struct fp_snmp_vb){ hc, 12, FP_ASN_COUNTER32, 5, NULL, 0 };
	CHECK(fp_snmp_apply(FP_SNMP_HC_IN_OCTETS, &vb, ports, &n, 4, err, sizeof(err)) == -EPROTO &&
		      !strcmp(err, "ifHCInOctets.7 is Counter32, expected Counter64"),
	      "wrong type named: %s", err);
	vb = (struct fp_snmp_vb){ next, 11, FP_ASN_COUNTER32, 1, NULL, 0 };
	CHECK(fp_snmp_apply(FP_SNMP_IN_ERRORS, &vb, ports, &n, 4, err, sizeof(err)) == 1,
	      "the next column ends the walk");
	vb = (struct fp_snmp_vb){ in_err, 11, FP_ASN_COUNTER32, 1ull << 33, NULL, 0 };
	CHECK(fp_snmp_apply(FP_SNMP_IN_ERRORS, &vb, ports, &n, 4, err, sizeof(err)) == -EPROTO,
	      "a Counter32 above 2^32");
	in_err[10] = 0;
	vb = (struct fp_snmp_vb){ in_err, 11, FP_ASN_COUNTER32, 1, NULL, 0 };
	CHECK(fp_snmp_apply(FP_SNMP_IN_ERRORS, &vb, ports, &n, 4, err, sizeof(err)) == -EPROTO,
	      "ifIndex 0");
	for (uint32_t i = 1; i <= 4; i++) {
		in_err[10] = 100 + i;
		vb = (struct fp_snmp_vb){ in_err, 11, FP_ASN_COUNTER32, 1, NULL, 0 };
		fp_snmp_apply(FP_SNMP_IN_ERRORS, &vb, ports, &n, 4, err, sizeof(err));
	}
	CHECK(n == 4, "bounded at max: %u", n);
}

static void deltas(void)
{
	CHECK(fp_snmp_delta(FP_SNMP_IN_ERRORS, 5, 4294967290u) == 11, "Counter32 wrap");
	CHECK(fp_snmp_delta(FP_SNMP_HC_IN_OCTETS, 5, 4294967290u) == 5, "Counter64 reset");
	CHECK(fp_snmp_delta(FP_SNMP_IN_ERRORS, 9, 4) == 5, "growth");
	CHECK(fp_snmp_ctr_is32(FP_SNMP_FCS_ERRORS) && !fp_snmp_ctr_is32(FP_SNMP_HC_OUT_OCTETS),
	      "widths");
}

int main(void)
{
	switches();
	varbinds();
	deltas();
	return t_done("snmp");
}
