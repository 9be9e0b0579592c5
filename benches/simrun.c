// SPDX-License-Identifier: MIT
#include "simrun.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/err.h"
#include "../core/opts.h"
#include "results.h"

double fp_sim_gauss(uint64_t *st)
{
	double u1 = ((double)(fp_rand_next(st) >> 11) + 0.5) / 9007199254740992.0;
	double u2 = ((double)(fp_rand_next(st) >> 11) + 0.5) / 9007199254740992.0;

	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

int fp_simulate_round(struct fp_router *r, const struct fp_sim_net *net, const struct fp_sched *s,
		      uint32_t round, const int *host_of, uint64_t seed, unsigned samples,
		      double *rate, unsigned *paths, unsigned *hops)
{
	uint32_t e0 = s->rstart[round], n = s->rstart[round + 1] - e0;
	int *src = malloc(sizeof(int) * (n ? n : 1)), *dst = malloc(sizeof(int) * (n ? n : 1));
	unsigned *path = paths ? paths : malloc(sizeof(unsigned) * FP_SIM_MAXHOPS * (n ? n : 1));
	unsigned *hp = hops ? hops : malloc(sizeof(unsigned) * (n ? n : 1));
	double *tmp = malloc(sizeof(double) * (n ? n : 1));
	struct fp_sim_flows fl = { .n = n, .path = path, .hops = hp };
	int ret = -ENOMEM;

	if (!src || !dst || !path || !hp || !tmp)
		goto out;
	for (uint32_t i = 0; i < n; i++) {
		const struct fp_flow *f = &s->flows[s->rflows[e0 + i]];

		src[i] = host_of[f->src];
		dst[i] = host_of[f->dst];
		rate[i] = 0;
	}
	fl.src = src;
	fl.dst = dst;
	if (!samples)
		samples = 1;
	for (unsigned k = 0; k < samples; k++) {
		ret = fp_sim_paths(r, &fl, seed + k * 7919 + (uint64_t)round * 104729, NULL);
		if (!ret)
			ret = fp_sim_maxmin(net, &fl, tmp);
		if (ret)
			goto out;
		for (uint32_t i = 0; i < n; i++)
			rate[i] += tmp[i] / samples;
	}
	ret = 0;
out:
	free(src);
	free(dst);
	if (!paths)
		free(path);
	if (!hops)
		free(hp);
	free(tmp);
	return ret;
}

int fp_sim_endpoints(const struct fp_topo *t, const int *host_of, int n, char ***out)
{
	char **ep = calloc(n > 0 ? (size_t)n : 1, sizeof(*ep));

	if (!ep)
		return -ENOMEM;
	for (int k = 0; k < n; k++) {
		const struct fp_ident *id = &t->nodes[host_of[k]].id;
		const char *const f[][2] = {
			{ "netdev", id->ifname },  { "device", id->dev },
			{ "node_guid", id->guid }, { "port_guid", id->port_guid },
			{ "mac", id->mac },	   { "ip", id->ip },
			{ "pci", id->pci }
		};

		/* a value the run.json reader would not take back is left out */
		for (unsigned i = 0; i < sizeof(f) / sizeof(f[0]); i++)
			if (f[i][1][0] && fp_endpoint_add(&ep[k], f[i][0], f[i][1]) == -ENOMEM) {
				fp_endpoints_free(ep, (size_t)n);
				return -ENOMEM;
			}
	}
	*out = ep;
	return 0;
}

int fp_link_lookup(const struct fp_topo *t, const char *spec)
{
	int l = fp_topo_link_find(t, spec, NULL, 0);

	return l < 0 ? -1 : l;
}

/* a fault that takes a value (down and blackhole do not) */
static bool valued(enum fp_fault_kind k)
{
	return k != FP_FAULT_DOWN && k != FP_FAULT_BLACKHOLE;
}

int fp_faults_parse(const struct fp_topo *t, const char *spec, struct fp_fault *f, unsigned max,
		    unsigned *n, char *err, size_t el)
{
	char buf[4096], lerr[512], *save = NULL, *item;

	*n = 0;
	if (!spec || !*spec)
		return 0;
	if (strlen(spec) >= sizeof(buf))
		return fp_say(err, el, "--faults is too long");
	strcpy(buf, spec);
	for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *kind = item, *what = strchr(item, ':'), *val = NULL;
		struct fp_fault x = { .link = -1, .host = -1, .value = 0 };

		if (*n >= max) {
			fp_say(err, el, "--faults: at most %u faults", max);
			return -E2BIG;
		}
		if (!what)
			return fp_say(err, el, "--faults: '%s' is not KIND:LINK[:VALUE]", item);
		*what++ = 0;
		val = strrchr(what, ':');
		if (val)
			*val++ = 0;
		if (!strcmp(kind, "slowhost")) {
			x.kind = FP_FAULT_SLOWHOST;
			x.host = fp_topo_find(t, what);
			if (x.host < 0 || t->nodes[x.host].kind != FP_HOST)
				return fp_say(err, el, "--faults: no host '%s'", what);
		} else {
			if (!strcmp(kind, "degrade"))
				x.kind = FP_FAULT_DEGRADE;
			else if (!strcmp(kind, "loss"))
				x.kind = FP_FAULT_LOSS;
			else if (!strcmp(kind, "down"))
				x.kind = FP_FAULT_DOWN;
			else if (!strcmp(kind, "blackhole"))
				x.kind = FP_FAULT_BLACKHOLE;
			else
				return fp_say(
					err, el,
					"--faults: '%s' is not degrade, loss, down, blackhole "
					"or slowhost",
					kind);
			/* down and blackhole take no value: a last ':' is the port of a:pa-b:pb */
			if (!valued(x.kind) && val)
				val[-1] = ':';
			x.link = fp_topo_link_find(t, what, lerr, sizeof(lerr));
			if (!valued(x.kind) && val && x.link == -ENOENT) {
				val[-1] = 0;
				x.link = fp_topo_link_find(t, what, lerr, sizeof(lerr));
			}
			if (x.link < 0)
				return fp_say(err, el, "--faults: %s", lerr);
			if (!valued(x.kind))
				val = NULL;
		}
		if (valued(x.kind)) {
			if (!val)
				return fp_say(err, el, "--faults: %s needs a value (%s)", kind,
					      x.kind == FP_FAULT_LOSS ? "loss probability"
								      : "fraction left");
			if (fp_parse_num(val, 0, 1, &x.value))
				return fp_say(err, el, "--faults: %s value '%s' must be in 0..1",
					      kind, val);
			if (x.kind == FP_FAULT_LOSS && x.value >= 1)
				return fp_say(err, el,
					      "--faults: loss %s: a link that passes nothing is "
					      "blackhole:LINK",
					      val);
		}
		f[(*n)++] = x;
	}
	return 0;
}
