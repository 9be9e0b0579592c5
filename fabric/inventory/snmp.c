// SPDX-License-Identifier: MIT
/*
 * Reading a switch's port counters over SNMP (net-snmp's single-session API): one GETNEXT
 * walk per column, numeric OIDs only. A timeout is "no answer" (SNMPv2c drops a wrong
 * community silently, so it looks the same); a bad answer in one column is named and the
 * other columns are still read.
 */
#include "snmp.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fp_config.h"

#if HAVE_SNMP
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

static void lib_init(void)
{
	/* no snmp.conf, no persistent files, no MIB files: numeric OIDs, our own messages */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_WARNINGS, 0);
	snmp_disable_log();
	/* Debian ships no MIB files: without this the parser lists every module it misses */
	setenv("MIBS", "", 1);
	setenv("MIBDIRS", "", 1);
	init_snmp("fabprobe");
}

static int v3_keys(struct snmp_session *s, const struct fp_snmp_switch *sw)
{
	s->securityName = (char *)sw->user;
	s->securityNameLen = strlen(sw->user);
	s->securityLevel = !sw->auth_proto[0]	? SNMP_SEC_LEVEL_NOAUTH
			   : !sw->priv_proto[0] ? SNMP_SEC_LEVEL_AUTHNOPRIV
						: SNMP_SEC_LEVEL_AUTHPRIV;
	if (!sw->auth_proto[0])
		return 0;
	s->securityAuthProto = (oid *)(!strcmp(sw->auth_proto, "MD5") ? usmHMACMD5AuthProtocol
								      : usmHMACSHA1AuthProtocol);
	s->securityAuthProtoLen = USM_AUTH_PROTO_MD5_LEN; /* both are 10 sub-ids */
	s->securityAuthKeyLen = USM_AUTH_KU_LEN;
	if (generate_Ku(s->securityAuthProto, (u_int)s->securityAuthProtoLen,
			(const u_char *)sw->auth_pass, strlen(sw->auth_pass), s->securityAuthKey,
			&s->securityAuthKeyLen) != SNMPERR_SUCCESS)
		return -EINVAL;
	if (!sw->priv_proto[0])
		return 0;
	s->securityPrivProto = (oid *)(!strcmp(sw->priv_proto, "DES") ? usmDESPrivProtocol
								      : usmAESPrivProtocol);
	s->securityPrivProtoLen = USM_PRIV_PROTO_DES_LEN;
	s->securityPrivKeyLen = USM_PRIV_KU_LEN;
	return generate_Ku(s->securityAuthProto, (u_int)s->securityAuthProtoLen,
			   (const u_char *)sw->priv_pass, strlen(sw->priv_pass),
			   s->securityPrivKey, &s->securityPrivKeyLen) == SNMPERR_SUCCESS
		       ? 0
		       : -EINVAL;
}

/* the varbind as our decoder takes it; false when its OID does not fit */
static bool normalise(const struct variable_list *v, uint32_t *o, struct fp_snmp_vb *vb)
{
	if (v->name_length > 64)
		return false;
	for (size_t i = 0; i < v->name_length; i++) {
		if (v->name[i] > UINT32_MAX)
			return false;
		o[i] = (uint32_t)v->name[i];
	}
	*vb = (struct fp_snmp_vb){ .oid = o, .oidlen = v->name_length, .type = v->type };
	if (v->type == ASN_COUNTER64 && v->val.counter64)
		vb->num = (uint64_t)v->val.counter64->high << 32 | v->val.counter64->low;
	else if (v->type == ASN_OCTET_STR)
		vb->str = (const char *)v->val.string, vb->slen = v->val_len;
	else if (v->val.integer)
		vb->num = v->type == ASN_INTEGER ? (uint64_t)(int64_t)*v->val.integer
						 : (uint64_t)(unsigned long)*v->val.integer;
	return true;
}

/* walk column c: 0, 1 bad answer (named in err), or -ETIMEDOUT/-EIO */
static int walk(void *ss, const struct fp_snmp_switch *sw, unsigned c, struct fp_snmp_port *ports,
		unsigned *n, unsigned max, char *err, size_t el)
{
	const uint32_t *col;
	size_t len = fp_snmp_column(c, &col);
	oid cur[MAX_OID_LEN];

	for (size_t i = 0; i < len; i++)
		cur[i] = col[i];
	for (unsigned step = 0; step <= max; step++) {
		struct snmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GETNEXT), *resp = NULL;
		struct fp_snmp_vb vb;
		uint32_t o[64];
		int st, r;

		snmp_add_null_var(pdu, cur, len);
		st = snmp_sess_synch_response(ss, pdu, &resp);
		if (st != STAT_SUCCESS || !resp) {
			snprintf(err, el, "%s (%s): %s", sw->name, sw->addr,
				 st == STAT_TIMEOUT ? "no answer (down, unreachable, or a wrong "
						      "community or user)"
						    : "SNMP error");
			if (resp)
				snmp_free_pdu(resp);
			return st == STAT_TIMEOUT ? -ETIMEDOUT : -EIO;
		}
		if (resp->errstat != SNMP_ERR_NOERROR || !resp->variables ||
		    resp->variables->type == SNMP_ENDOFMIBVIEW ||
		    resp->variables->type == SNMP_NOSUCHOBJECT ||
		    resp->variables->type == SNMP_NOSUCHINSTANCE ||
		    !normalise(resp->variables, o, &vb)) {
			snmp_free_pdu(resp);
			return 0;
		}
		r = fp_snmp_apply(c, &vb, ports, n, max, err, el);
		len = resp->variables->name_length;
		memcpy(cur, resp->variables->name, len * sizeof(oid));
		snmp_free_pdu(resp);
		if (r == 1 || r == -ENOSPC)
			return 0;
		if (r < 0)
			return 1;
	}
	return 0;
}

int fp_snmp_read(const struct fp_snmp_switch *sw, int timeout_ms, int retries,
		 struct fp_snmp_port *ports, unsigned *n, unsigned max, char *err, size_t el)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct snmp_session s;
	char bad[256] = "";
	void *ss;
	int ret = 0;

	pthread_once(&once, lib_init);
	*n = 0;
	snmp_sess_init(&s);
	s.peername = (char *)sw->addr;
	s.timeout = (long)timeout_ms * 1000;
	s.retries = retries;
	if (sw->version == 2) {
		s.version = SNMP_VERSION_2c;
		s.community = (u_char *)sw->community;
		s.community_len = strlen(sw->community);
	} else {
		s.version = SNMP_VERSION_3;
		if (v3_keys(&s, sw)) {
			snprintf(err, el, "%s: cannot derive the SNMPv3 keys", sw->name);
			return -EINVAL;
		}
	}
	ss = snmp_sess_open(&s);
	if (!ss) {
		snprintf(err, el, "%s: no answer: cannot reach %s", sw->name, sw->addr);
		return -EHOSTUNREACH;
	}
	/* names first, so that ports exist in ifIndex order, then the counters */
	for (unsigned c = FP_SNMP_NCOLUMNS; c-- > 0;) {
		char e[256];
		int r = walk(ss, sw, c, ports, n, max, e, sizeof(e));

		if (r < 0) {
			snprintf(err, el, "%s", e);
			ret = r;
			break;
		}
		if (r == 1 && !bad[0]) /* named; the other columns still count */
			snprintf(bad, sizeof(bad), "%s", e);
	}
	snmp_sess_close(ss);
	if (ret < 0)
		return ret;
	if (bad[0]) {
		snprintf(err, el, "%s: bad answer: %s", sw->name, bad);
		return -EPROTO;
	}
	return 0;
}

#else

int fp_snmp_read(const struct fp_snmp_switch *sw, int timeout_ms, int retries,
		 struct fp_snmp_port *ports, unsigned *n, unsigned max, char *err, size_t el)
{
	(void)sw;
	(void)timeout_ms;
	(void)retries;
	(void)ports;
	(void)max;
	*n = 0;
	snprintf(err, el, "built without net-snmp (meson -Dsnmp=enabled, libsnmp-dev)");
	return -ENOTSUP;
}
#endif
