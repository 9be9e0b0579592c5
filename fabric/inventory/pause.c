// SPDX-License-Identifier: MIT
/* A pause storm: pause and PFC frames counted twice at idle, settle apart. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dcb.h"
#include "ethnl.h"
#include "fleet.h"

bool fp_pause_rate(const struct fp_pause_count *a, const struct fp_pause_count *b,
		   uint64_t settle_ns, double *rate)
{
	if (!a->known || !b->known || !settle_ns || b->frames < a->frames)
		return false;
	*rate = (double)(b->frames - a->frames) * 1e9 / (double)settle_ns;
	return true;
}

/* the ports whose pause frames count: data netdevs, not RDMA views of them nor loopback */
static bool data_port(const struct fp_port *p)
{
	return !p->rdma && strcmp(p->name, "lo");
}

int fp_pause_sample(struct fp_inventory *inv, const struct fp_pause_src *src,
		    uint64_t settle_ns)
{
	struct fp_pause_count *first;

	if (!settle_ns)
		return 0;
	first = calloc(inv->n ? inv->n : 1, sizeof(*first));
	if (!first)
		return -ENOMEM;
	for (unsigned i = 0; i < inv->n; i++)
		if (data_port(&inv->ports[i]))
			first[i].known = !src->read(src->ctx, &inv->ports[i], &first[i].frames);
	src->wait(src->ctx, settle_ns);
	for (unsigned i = 0; i < inv->n; i++) {
		struct fp_port *p = &inv->ports[i];
		struct fp_pause_count second = { false, 0 };
		double rate;

		if (!data_port(p))
			continue;
		second.known = !src->read(src->ctx, p, &second.frames);
		p->pause_known = fp_pause_rate(&first[i], &second, settle_ns, &rate);
		if (p->pause_known)
			p->pause_idle = rate;
	}
	free(first);
	return 0;
}

bool fp_pause_is_storm(const char *key, const char *value)
{
	const char *s = strrchr(key, ' ');
	char *end;
	double v;

	if (strcmp(s ? s + 1 : key, "pause_idle"))
		return false;
	v = strtod(value, &end);
	return end != value && isfinite(v) && v > 0;
}

/* pause frames (link-level pause, else MAC control frames) plus PFC frames, both ways */
static int live_read(void *ctx, const struct fp_port *p, uint64_t *frames)
{
	struct fp_ethnl_info nl;
	struct fp_dcb d;
	uint64_t n = 0;
	bool known = false;

	(void)ctx;
	fp_ethnl_query(p->name, &nl, NULL, 0);
	if (nl.pause_stats) {
		n += nl.pause_tx + nl.pause_rx;
		known = true;
	} else if (nl.ctrl_stats) {
		n += nl.mac_ctrl_tx + nl.mac_ctrl_rx;
		known = true;
	}
	memset(&d, 0, sizeof(d));
	if (!fp_dcb_query(p->name, &d) && d.has_pfc) {
		n += d.pfc_requests + d.pfc_indications;
		known = true;
	}
	if (!known)
		return -ENODATA;
	*frames = n;
	return 0;
}

static void live_wait(void *ctx, uint64_t ns)
{
	struct timespec t = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };

	(void)ctx;
	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

const struct fp_pause_src *fp_pause_live(void)
{
	static const struct fp_pause_src live = { live_read, live_wait, NULL };

	return &live;
}

int fp_pause_sample_root(struct fp_inventory *inv, const char *root, uint64_t settle_ns)
{
	if (strcmp(root, "/") && root[0])
		return 0;
	return fp_pause_sample(inv, fp_pause_live(), settle_ns);
}
