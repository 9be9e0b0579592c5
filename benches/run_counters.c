// SPDX-License-Identifier: MIT
/*
 * NIC counters: each rank reads its data-plane port before and after, rank 0 gathers.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "run_priv.h"

/* The netdev that holds a local address: where this rank's data goes out. */
bool fp_run_port_of(const char *ip, char *name, size_t len)
{
	struct ifaddrs *ifa, *i;
	struct in_addr want;
	bool found = false;

	if (inet_pton(AF_INET, ip, &want) != 1 || getifaddrs(&ifa))
		return false;
	for (i = ifa; i && !found; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == want.s_addr) {
			snprintf(name, len, "%s", i->ifa_name);
			found = true;
		}
	freeifaddrs(ifa);
	return found;
}

/* FEC blocks corrected and uncorrectable during the run, where the port reports them. */
static size_t fec_deltas(const struct rank *rk, const char *port, char *out, size_t len)
{
	struct fp_fec now;

	if (!rk->fec0_ok || len < 100 || fp_fec_read("", port, &now) || !now.stats)
		return 0;
	return (size_t)snprintf(
		out, len, "fec_corrected=%llu\nfec_uncorrectable=%llu\n",
		(unsigned long long)(now.corrected >= rk->fec0.corrected
					     ? now.corrected - rk->fec0.corrected
					     : now.corrected),
		(unsigned long long)(now.uncorrectable >= rk->fec0.uncorrectable
					     ? now.uncorrectable - rk->fec0.uncorrectable
					     : now.uncorrectable));
}

/*
 * Counters before and after: each rank reads its data-plane port, and rank 0 gathers the
 * differences for run.json. A counter that went backwards (a driver reset) reads as its
 * new value, the only honest lower bound.
 */
int fp_run_gather_counters(struct rank *rk, const struct fp_port *before, const char *port)
{
	struct fp_port *after = before ? malloc(sizeof(*after)) : NULL;
	struct fp_rv_blobs all = { 0 };
	char blob[4096];
	size_t o = 0;
	int ret;

	blob[0] = 0;
	if (after && !fp_netdev_read("", port, after)) {
		o += (size_t)snprintf(blob, sizeof(blob), "%s\n", port);
		for (unsigned k = 0; k < after->nc && o < sizeof(blob) - 80; k++)
			for (unsigned b = 0; b < before->nc; b++) {
				const struct fp_counter *x = &after->c[k], *y = &before->c[b];

				if (strcmp(x->name, y->name))
					continue;
				o += (size_t)snprintf(
					blob + o, sizeof(blob) - o, "%.47s=%llu\n", x->name,
					(unsigned long long)(x->value >= y->value
								     ? x->value - y->value
								     : x->value));
			}
	}
	free(after);
	if (o)
		o += fec_deltas(rk, port, blob + o, sizeof(blob) - o);
	ret = fp_rv_gather(rk->rv, "counters", blob, o, &all, rk->err, ERR_LEN);
	if (ret || !rk->data)
		return ret;
	for (uint32_t r = 0; r < all.n && (int)r < rk->size; r++) {
		struct fp_ctr_delta *c = &rk->data->ctr[r];
		char *t = strndup((const char *)all.data + all.off[r], all.len[r]), *line,
		     *sv = NULL;

		if (!t)
			continue;
		for (line = strtok_r(t, "\n", &sv); line; line = strtok_r(NULL, "\n", &sv)) {
			char *eq = strchr(line, '=');

			if (!eq && !c->valid) {
				snprintf(c->port, sizeof(c->port), "%.47s", line);
				c->valid = true;
			} else if (eq && c->valid && c->n < 48) {
				*eq = 0;
				snprintf(c->name[c->n], sizeof(c->name[0]), "%.47s", line);
				c->delta[c->n++] = strtoll(eq + 1, NULL, 10);
			}
		}
		free(t);
	}
	fp_rv_blobs_free(&all);
	return 0;
}
