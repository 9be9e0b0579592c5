// SPDX-License-Identifier: MIT
/*
 * Hosts after localisation (issue 18): a server whose NICs are all slow is one suspect, the
 * server, not one per NIC or cable; and an endpoint with one cable whose flows are all slow
 * may be its NIC (the host) or that cable: every one of its flows crosses both, so the rates
 * cannot tell them apart, and the suspect says so (fp_suspect.cable).
 */
#include <string.h>

#include "analyze.h"

/* the endpoint a suspect is about: a host suspect's node, or the host end of a cable */
static int endpoint_of(const struct fp_topo *t, const struct fp_suspect *s)
{
	const struct fp_link *l;

	if (s->host)
		return s->node;
	if (s->down || s->link < 0)
		return -1;
	l = &t->links[s->link];
	if (t->nodes[l->a].kind == FP_HOST)
		return l->a;
	return t->nodes[l->b].kind == FP_HOST ? l->b : -1;
}

/* the server an endpoint belongs to ("host" in the topology), NULL when it does not say */
static const char *server_of(const struct fp_topo *t, int e)
{
	return e >= 0 && t->nodes[e].id.host[0] ? t->nodes[e].id.host : NULL;
}

static unsigned server_nics(const struct fp_topo *t, const char *server)
{
	unsigned n = 0;

	for (unsigned i = 0; i < t->nnodes; i++)
		n += t->nodes[i].kind == FP_HOST && !strcmp(t->nodes[i].id.host, server);
	return n;
}

/* the suspects of one server's endpoints become suspect k, a server, when they are all */
static void merge_server(const struct fp_topo *t, struct fp_analysis *a, unsigned k)
{
	const char *srv = server_of(t, endpoint_of(t, &a->s[k]));
	struct fp_suspect m = a->s[k];
	unsigned members = 1, at = 0;
	double health = m.health;

	for (unsigned i = k + 1; i < a->n; i++) {
		const char *o = server_of(t, endpoint_of(t, &a->s[i]));

		if (!o || strcmp(o, srv))
			continue;
		members++;
		health += a->s[i].health;
		m.bad += a->s[i].bad;
		m.total += a->s[i].total;
		if (a->s[i].confidence > m.confidence)
			m.confidence = a->s[i].confidence;
	}
	if (members < 2 || members != server_nics(t, srv))
		return; /* not every NIC: their cables or NICs, each on its own */
	m.host = m.server = true;
	m.node = endpoint_of(t, &a->s[k]);
	m.link = (int)t->adj[t->adj_off[m.node]];
	m.nnics = members;
	m.health = m.q_median = health / members;
	m.votes = m.total ? (double)m.bad / m.total : 0;
	m.ntwins = m.twins_more = 0;
	m.cable = -1;
	for (unsigned i = 0; i < a->n; i++) {
		const char *o = server_of(t, endpoint_of(t, &a->s[i]));

		if (i == k)
			a->s[at++] = m;
		else if (!o || strcmp(o, srv))
			a->s[at++] = a->s[i];
	}
	a->n = at;
}

void fp_analyze_servers(const struct fp_topo *t, struct fp_analysis *a)
{
	for (unsigned k = 0; k < a->n; k++)
		if (server_of(t, endpoint_of(t, &a->s[k])) && !a->s[k].server)
			merge_server(t, a, k);
	for (unsigned k = 0; k < a->n; k++) {
		struct fp_suspect *s = &a->s[k];

		s->cable = -1;
		/* one cable: the NIC and the cable carry the same flows */
		if (s->host && !s->server && t->adj_off[s->node + 1] - t->adj_off[s->node] == 1)
			s->cable = (int)t->adj[t->adj_off[s->node]];
	}
}
