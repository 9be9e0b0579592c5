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
#include <sys/select.h>

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
	/* with every handler off, net-snmp logs to stderr ("Created directory:
	 * /var/lib/snmp/cert_indexes" on a machine's first use): one that drops it all */
	snmp_disable_log();
	netsnmp_register_loghandler(NETSNMP_LOGHANDLER_NONE, LOG_DEBUG);
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
	s->securityPrivProto =
		(oid *)(!strcmp(sw->priv_proto, "DES") ? usmDESPrivProtocol : usmAESPrivProtocol);
	s->securityPrivProtoLen = USM_PRIV_PROTO_DES_LEN;
	s->securityPrivKeyLen = USM_PRIV_KU_LEN;
	return generate_Ku(s->securityAuthProto, (u_int)s->securityAuthProtoLen,
			   (const u_char *)sw->priv_pass, strlen(sw->priv_pass), s->securityPrivKey,
			   &s->securityPrivKeyLen) == SNMPERR_SUCCESS
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

/*
 * One switch's walk as a state machine on net-snmp's asynchronous single-session API, so
 * that one thread keeps up to `parallel` switches in flight: column c from its OID prefix,
 * one GETNEXT at a time. Names first (the last columns), so ports exist in ifIndex order.
 */
struct job {
	const struct fp_snmp_switch *sw;
	struct fp_snmp_answer *a;
	void *ss;
	unsigned c, step;
	oid cur[MAX_OID_LEN];
	size_t len;
	bool done;
	char bad[200];
};

static void finish(struct job *j, int ret, const char *what)
{
	j->done = true;
	j->a->ret = ret;
	if (ret == -EPROTO)
		snprintf(j->a->err, sizeof(j->a->err), "%s: bad answer: %s", j->sw->name, j->bad);
	else if (ret)
		snprintf(j->a->err, sizeof(j->a->err), "%s (%s): %s", j->sw->name, j->sw->addr,
			 what);
}

static int on_reply(int op, struct snmp_session *s, int reqid, struct snmp_pdu *pdu, void *magic);

static void ask(struct job *j)
{
	struct snmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GETNEXT);

	snmp_add_null_var(pdu, j->cur, j->len);
	if (!snmp_sess_async_send(j->ss, pdu, on_reply, j)) {
		snmp_free_pdu(pdu);
		finish(j, -EIO, "cannot send (SNMP error)");
	}
}

/* the next column's walk, or the end: 0, or -EPROTO when a column was bad */
static void next_column(struct job *j)
{
	const uint32_t *col;

	if (j->c == 0) {
		finish(j, j->bad[0] ? -EPROTO : 0, NULL);
		return;
	}
	j->c--;
	j->step = 0;
	j->len = fp_snmp_column(j->c, &col);
	for (size_t i = 0; i < j->len; i++)
		j->cur[i] = col[i];
	ask(j);
}

static void take(struct job *j, const struct snmp_pdu *resp)
{
	const struct variable_list *v = resp->variables;
	struct fp_snmp_vb vb;
	char e[200];
	uint32_t o[64];
	int r;

	if (resp->errstat != SNMP_ERR_NOERROR || !v || v->type == SNMP_ENDOFMIBVIEW ||
	    v->type == SNMP_NOSUCHOBJECT || v->type == SNMP_NOSUCHINSTANCE ||
	    !normalise(v, o, &vb) || j->step++ >= j->a->max) {
		next_column(j);
		return;
	}
	r = fp_snmp_apply(j->c, &vb, j->a->ports, &j->a->n, j->a->max, e, sizeof(e));
	if (r < 0 && r != -ENOSPC && !j->bad[0]) /* named; the other columns still count */
		snprintf(j->bad, sizeof(j->bad), "%s", e);
	if (r) {
		next_column(j);
		return;
	}
	j->len = v->name_length;
	memcpy(j->cur, v->name, j->len * sizeof(oid));
	ask(j);
}

static int on_reply(int op, struct snmp_session *s, int reqid, struct snmp_pdu *pdu, void *magic)
{
	struct job *j = magic;

	(void)s;
	(void)reqid;
	if (j->done)
		return 1;
	if (op == NETSNMP_CALLBACK_OP_TIMED_OUT)
		finish(j, -ETIMEDOUT,
		       j->sw->version == 3 ? "no answer (down, unreachable, or a wrong user)"
					   : "no answer (down, unreachable, or a wrong community)");
	else if (op == NETSNMP_CALLBACK_OP_SEC_ERROR ||
		 (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && pdu &&
		  pdu->command == SNMP_MSG_REPORT)) {
		char why[200];

		/* SNMPv3 reports (RFC 3414, 3.2): a wrong password is usmStatsWrongDigests */
		snprintf(why, sizeof(why), "refused: %s (a wrong SNMPv3 user or password?)",
			 pdu ? snmp_api_errstring(snmpv3_get_report_type(pdu)) : "security error");
		finish(j, -EACCES, why);
	} else if (op == NETSNMP_CALLBACK_OP_SEND_FAILED)
		finish(j, -EIO, "cannot send (SNMP error)");
	else if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && pdu)
		take(j, pdu);
	return 1;
}

static bool start(struct job *j, int timeout_ms, int retries)
{
	struct snmp_session s;

	j->a->n = 0;
	j->a->ret = 0;
	j->a->err[0] = 0;
	snmp_sess_init(&s);
	s.peername = (char *)j->sw->addr;
	s.timeout = (long)timeout_ms * 1000;
	s.retries = retries;
	if (j->sw->version == 2) {
		s.version = SNMP_VERSION_2c;
		s.community = (u_char *)j->sw->community;
		s.community_len = strlen(j->sw->community);
	} else {
		s.version = SNMP_VERSION_3;
		if (v3_keys(&s, j->sw)) {
			finish(j, -EINVAL, "cannot derive the SNMPv3 keys");
			return false;
		}
	}
	/* SNMPv3 discovers the agent's engine ID here, one request within the timeout */
	j->ss = snmp_sess_open(&s);
	if (!j->ss) {
		finish(j, -EHOSTUNREACH, "no answer: cannot reach it");
		return false;
	}
	j->c = FP_SNMP_NCOLUMNS;
	next_column(j);
	return true;
}

/* wait for the jobs in flight: one select over their sockets, or their timeouts */
static void pump(struct job *jobs, unsigned nj)
{
	struct timeval tv = { 1, 0 };
	int maxfd = 0, block = 1;
	fd_set fds;

	FD_ZERO(&fds);
	for (unsigned i = 0; i < nj; i++)
		if (jobs[i].ss && !jobs[i].done)
			snmp_sess_select_info(jobs[i].ss, &maxfd, &fds, &tv, &block);
	if (block) /* nothing outstanding has a timeout: never wait for ever */
		tv = (struct timeval){ 1, 0 };
	if (select(maxfd, &fds, NULL, NULL, &tv) > 0)
		for (unsigned i = 0; i < nj; i++)
			if (jobs[i].ss && !jobs[i].done)
				snmp_sess_read(jobs[i].ss, &fds);
	/*
	 * Always, not only when select timed out: while other switches answer, select keeps
	 * returning early and a silent switch's retries and timeout would never run.
	 */
	for (unsigned i = 0; i < nj; i++)
		if (jobs[i].ss && !jobs[i].done)
			snmp_sess_timeout(jobs[i].ss);
}

int fp_snmp_read_all(const struct fp_snmp_switch *sw, unsigned nsw, const struct fp_snmp_opts *o,
		     struct fp_snmp_answer *a)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	unsigned par = o->parallel < 1		      ? 1
		       : o->parallel > FD_SETSIZE / 4 ? FD_SETSIZE / 4
						      : o->parallel;
	unsigned next = 0, live = 0;
	struct job *jobs = calloc(nsw + 1, sizeof(*jobs));

	if (!jobs)
		return -ENOMEM;
	pthread_once(&once, lib_init);
	for (unsigned i = 0; i < nsw; i++)
		jobs[i] = (struct job){ .sw = &sw[i], .a = &a[i] };
	while (next < nsw || live) {
		unsigned busy = 0;

		for (; next < nsw && live < par; next++)
			live += start(&jobs[next], o->timeout_ms, o->retries);
		for (unsigned i = 0; i < next; i++)
			if (jobs[i].ss && jobs[i].done) {
				snmp_sess_close(jobs[i].ss);
				jobs[i].ss = NULL;
				live--;
			} else
				busy += jobs[i].ss != NULL;
		if (busy)
			pump(jobs, next);
	}
	free(jobs);
	return 0;
}

#else

int fp_snmp_read_all(const struct fp_snmp_switch *sw, unsigned nsw, const struct fp_snmp_opts *o,
		     struct fp_snmp_answer *a)
{
	(void)sw;
	(void)o;
	for (unsigned i = 0; i < nsw; i++) {
		a[i].n = 0;
		a[i].ret = -ENOTSUP;
		snprintf(a[i].err, sizeof(a[i].err),
			 "built without net-snmp (meson -Dsnmp=enabled, libsnmp-dev)");
	}
	return -ENOTSUP;
}
#endif
