// SPDX-License-Identifier: MIT
/*
 * The analyzer's evidence: physical rules on a link's own state, findings from host
 * inventories, names of links and the action a suspect calls for.
 */
#include "analyze_evidence.h"

#include <errno.h>
#include <libfyaml.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../inventory/inventory.h"
#include "../inventory/snmp.h"
#include "ber.h"
#include "jread.h"
#include "yaml.h"

/* Physical rules that the topology's own fields can show. */
void fp_link_rules(const struct fp_link *l, char *buf, size_t len)
{
	double reach = fp_copper_reach_m(l->media, l->lane_gbps);
	size_t o = 0;

	buf[0] = 0;
	if (l->trained_gbps > 0 && l->trained_gbps < l->gbps)
		o += (size_t)snprintf(buf + o, len - o, "trained at %g of %g Gb/s; ",
				      l->trained_gbps, l->gbps);
	if (l->trained_lanes > 0 && l->trained_lanes < l->lanes && o < len)
		o += (size_t)snprintf(buf + o, len - o, "trained x%d of x%d lanes; ",
				      l->trained_lanes, l->lanes);
	if (reach > 0 && l->length_m > reach && o < len)
		o += (size_t)snprintf(buf + o, len - o,
				      "%s of %g m is past the %g m reach of "
				      "copper at %g Gb/s per lane (IEEE 802.3 CR PMDs); ",
				      fp_media_name(l->media), l->length_m, reach, l->lane_gbps);
	if (o >= 2 && o < len)
		buf[o - 2] = 0; /* the last "; " */
}

void fp_link_name(const struct fp_topo *t, int l, char *buf, size_t len)
{
	const struct fp_link *k = &t->links[l];

	snprintf(buf, len, "%s:%s <-> %s:%s", t->nodes[k->a].name, k->pa, t->nodes[k->b].name,
		 k->pb);
}

void fp_suspect_action(const struct fp_topo *t, const struct fp_suspect *s, char *buf, size_t len)
{
	char ln[160];

	fp_link_name(t, s->link, ln, sizeof(ln));
	if (s->host) {
		snprintf(buf, len,
			 "check host %s: its NIC (PCIe width and speed, NUMA, firmware, "
			 "error counters) and its cable %s",
			 t->nodes[s->node].name, ln);
		return;
	}
	const struct fp_link *l = &t->links[s->link];

	if (l->media == FP_MEDIA_OPTIC)
		snprintf(buf, len, "clean or replace the optics of %s (%s), then the fibre", ln,
			 l->xcvr[0] ? l->xcvr : "transceiver");
	else if (l->media == FP_MEDIA_UNKNOWN)
		snprintf(buf, len, "reseat, then replace the cable %s", ln);
	else
		snprintf(buf, len, "reseat, then replace the %s %s", fp_media_name(l->media), ln);
	for (char *p = buf; *p; p++)
		if (p > buf + 16 && p[-1] == ' ' && p[0] >= 'a' && p[0] <= 'z' &&
		    !strncmp(p - 4, "the ", 4) &&
		    (!strncmp(p, "aoc", 3) || !strncmp(p, "dac", 3) || !strncmp(p, "acc", 3) ||
		     !strncmp(p, "aec", 3)))
			for (int i = 0; i < 3; i++)
				p[i] = (char)(p[i] - 32);
}

/* Links the topology itself shows to be wrong, that no measurement named: counted apart. */
bool fp_analysis_names_link(const struct fp_analysis *a, unsigned l)
{
	for (unsigned i = 0; i < a->n; i++)
		if (!a->s[i].host && a->s[i].link == (int)l)
			return true;
	return false;
}

void fp_findings_add(struct fp_findings *fs, int node, int link, const char *fmt, ...)
{
	va_list ap;

	if (fs->n >= FP_MAX_FINDINGS) {
		fs->more++;
		return;
	}
	fs->f[fs->n].node = node;
	fs->f[fs->n].link = link;
	va_start(ap, fmt);
	vsnprintf(fs->f[fs->n].text, sizeof(fs->f[0].text), fmt, ap);
	va_end(ap);
	fs->n++;
}

/* the host's link that ends in this port name, else its only link */
int fp_host_link(const struct fp_topo *t, int h, const char *port)
{
	int only = -1, n = 0;

	for (unsigned k = t->adj_off[h]; k < t->adj_off[h + 1]; k++) {
		const struct fp_link *l = &t->links[t->adj[k]];

		if (!strcmp(l->a == h ? l->pa : l->pb, port))
			return (int)t->adj[k];
		only = (int)t->adj[k];
		n++;
	}
	return n == 1 ? only : -1;
}

/* the topology link that ends in node:port */
static int end_link(const struct fp_topo *t, const char *node, const char *port)
{
	int n = fp_topo_find(t, node);

	for (unsigned k = 0; n >= 0 && k < t->nlinks; k++) {
		const struct fp_link *l = &t->links[k];

		if ((l->a == n && !strcmp(l->pa, port)) || (l->b == n && !strcmp(l->pb, port)))
			return (int)k;
	}
	return -1;
}

/* counter k of a fabric-counters end, 0 when absent */
static double ctr(struct fy_node *end, const char *k)
{
	double v = 0;

	fp_jnum(fp_jkey(fp_jkey(end, "counters"), k), &v);
	return v;
}

/* the same link end in an earlier snapshot, when it answered there */
static struct fy_node *end_in(struct fy_node *snap, const char *node, const char *port)
{
	struct fy_node *ends = fp_jkey(snap, "ends"), *e;
	char n[64], p[32], st[16];
	void *it = NULL;

	while (ends && (e = fy_node_sequence_iterate(ends, &it)))
		if (fp_jstr(fp_jkey(e, "node"), n, sizeof(n)) && !strcmp(n, node) &&
		    fp_jstr(fp_jkey(e, "port"), p, sizeof(p)) && !strcmp(p, port) &&
		    fp_jstr(fp_jkey(e, "status"), st, sizeof(st)) && !strcmp(st, "ok"))
			return e;
	return NULL;
}

/* growth from a to b; a counter that went backwards was reset and reads as its new value */
static double grew(struct fy_node *a, struct fy_node *b, const char *k)
{
	return ctr(b, k) >= ctr(a, k) ? ctr(b, k) - ctr(a, k) : ctr(b, k);
}

/*
 * The bit error ratio objective of IEEE 802.3 for 10 Gb/s and faster PHYs (and 1000BASE-X):
 * 1e-12. A frame with one bad bit fails its FCS, so a frame error ratio is judged against
 * 1e-12 x the bits of a mean frame (octets / frames, at least 64 octets).
 */
#define FP_ETH_BER 1e-12

double fp_frame_error_limit(double octets, double frames)
{
	double mean = frames > 0 ? octets / frames : 0;

	return FP_ETH_BER * 8 * (mean > 64 ? mean : 64);
}

/* drops, discards, missed frames, ring and FIFO overruns: a queue that was full */
static bool is_congestion(const char *name)
{
	static const char *const words[] = { "drop", "discard",	  "missed", "over",
					     "fifo", "nohandler", NULL };

	for (unsigned i = 0; words[i]; i++)
		if (strstr(name, words[i]))
			return true;
	return false;
}

bool fp_host_counter_judge(const char *name, double delta, double frames, double octets, char *buf,
			   size_t len)
{
	double lim, fer;

	buf[0] = 0;
	if (delta <= 0 || is_congestion(name))
		return false;
	if (!strcmp(name, "carrier_changes") || strstr(name, "link_down") ||
	    strstr(name, "recovery")) {
		snprintf(buf, len, "%s grew by %.0f during the run: a flapping link", name, delta);
		return true;
	}
	if (frames < 0) { /* no frame counter beside it: a count, said to be one */
		snprintf(buf, len,
			 "%s grew by %.0f during the run (no frame count to judge a rate)", name,
			 delta);
		return true;
	}
	lim = fp_frame_error_limit(octets, frames);
	fer = delta / (frames + delta);
	if (fer <= lim)
		return false;
	snprintf(buf, len,
		 "%s grew by %.0f in %.0f frames during the run, %.1e per frame, above the %.1e "
		 "that IEEE 802.3's 1e-12 BER allows",
		 name, delta, frames, fer, lim);
	return true;
}

/* growth of SNMP counter i from a to b: a Counter32 that went backwards wrapped */
static double sgrew(struct fy_node *a, struct fy_node *b, unsigned i)
{
	double x = ctr(a, fp_snmp_ctr_name(i)), y = ctr(b, fp_snmp_ctr_name(i));

	if (x < 0 || y < 0 || x > 1.8e19 || y > 1.8e19)
		return 0;
	return (double)fp_snmp_delta(i, (uint64_t)y, (uint64_t)x);
}

static bool has(struct fy_node *end, unsigned i)
{
	return fp_jkey(fp_jkey(end, "counters"), fp_snmp_ctr_name(i)) != NULL;
}

/*
 * An Ethernet switch port over SNMP, first snapshot a against last e: FCS errors per frame
 * received (ifHCIn{Ucast,Multicast,Broadcast}Pkts; ifInErrors when the switch has no
 * EtherLike-MIB), symbol errors as a BER against lanes x lane rate x time, a state change
 * (ifLastChange) a flapping link; discards are congestion, never a cable.
 */
static void snmp_end_rules(struct fp_findings *fs, struct fy_node *a, struct fy_node *e, double dt,
			   int h, int link, int lanes, double lane, const char *node,
			   const char *port)
{
	char why[400];
	double ber;
	unsigned ec = has(e, FP_SNMP_FCS_ERRORS) ? FP_SNMP_FCS_ERRORS : FP_SNMP_IN_ERRORS;
	double bad = sgrew(a, e, ec), frames = 0, octets = sgrew(a, e, FP_SNMP_HC_IN_OCTETS);
	double sym = sgrew(a, e, FP_SNMP_SYMBOL_ERRORS);
	double disc = sgrew(a, e, FP_SNMP_IN_DISCARDS) + sgrew(a, e, FP_SNMP_OUT_DISCARDS);

	for (unsigned i = FP_SNMP_HC_IN_UCAST; i <= FP_SNMP_HC_IN_BCAST; i++)
		frames += sgrew(a, e, i);
	if (bad > 0) {
		double lim = fp_frame_error_limit(octets, frames), fer = bad / (frames + bad);

		if (fer > lim)
			fp_findings_add(fs, h, link,
					"%s:%s: %g %s in %g frames received in %.1f s, %.1e per "
					"frame, above the %.1e that IEEE 802.3's 1e-12 BER allows: "
					"a bad cable or optic",
					node, port, bad, fp_snmp_ctr_name(ec), frames, dt, fer,
					lim);
	}
	if (fp_ber_judge("symbol errors", sym, lanes, lane, dt, false, &ber, why, sizeof(why)))
		fp_findings_add(fs, h, link, "%s:%s: %s: a bad cable or optic", node, port, why);
	if (has(a, FP_SNMP_LAST_CHANGE) && has(e, FP_SNMP_LAST_CHANGE) &&
	    ctr(a, "ifLastChange") != ctr(e, "ifLastChange"))
		fp_findings_add(fs, h, link,
				"%s:%s: the link changed state in the %.1f s (ifLastChange): a "
				"flapping cable",
				node, port, dt);
	if (disc > 0)
		fp_findings_add(fs, h, link,
				"%s:%s: congestion, not a cable: %g discards in %.1f s", node, port,
				disc, dt);
}

/*
 * The switches' own counters (fabprobe fabric-counters --format json), first snapshot
 * against last. Symbol errors are judged as a bit error ratio against what the link could
 * carry in the interval, lanes x lane rate x time, as ibdiagnet computes BER (never against
 * traffic: PMA data counters also count MADs), limit 1e-12 (IBTA vol 2); link downs and
 * error recoveries point at the cable; discards and XmitWait are congestion, never a cable.
 */
static void fabric_counter_rules(const struct fp_topo *t, struct fy_node *snaps,
				 struct fp_findings *fs)
{
	int n = fy_node_sequence_item_count(snaps);
	struct fy_node *first = fy_node_sequence_get_by_index(snaps, 0);
	struct fy_node *last = fy_node_sequence_get_by_index(snaps, n - 1), *e;
	double t0 = 0, t1 = 0, dt;
	void *it = NULL;

	/* time_ms as fabric-counters writes it; time in seconds from other tools */
	if (fp_jnum(fp_jkey(first, "time_ms"), &t0) && fp_jnum(fp_jkey(last, "time_ms"), &t1))
		t0 /= 1000, t1 /= 1000;
	else
		fp_jnum(fp_jkey(first, "time"), &t0), fp_jnum(fp_jkey(last, "time"), &t1);
	dt = n > 1 ? t1 - t0 : 0;
	struct fy_node *ends = fp_jkey(last, "ends");

	while (ends && fy_node_is_sequence(ends) && (e = fy_node_sequence_iterate(ends, &it))) {
		char node[64], port[32], st[16], why[128], bw[400];
		struct fy_node *a;
		int link;

		if (!fp_jstr(fp_jkey(e, "node"), node, sizeof(node)) ||
		    !fp_jstr(fp_jkey(e, "port"), port, sizeof(port)) ||
		    !fp_jstr(fp_jkey(e, "status"), st, sizeof(st)) ||
		    (link = end_link(t, node, port)) < 0)
			continue;
		const struct fp_link *l = &t->links[link];
		/* the bits it could carry as trained: a link down to x1 still counts its errors */
		int lanes = l->trained_lanes > 0 ? l->trained_lanes : l->lanes > 0 ? l->lanes : 1;
		int h = fp_topo_find(t, node);
		double lane = l->lane_gbps > 0 ? l->lane_gbps : l->gbps / lanes;

		if (strcmp(st, "ok")) {
			bool w = fp_jstr(fp_jkey(e, "why"), why, sizeof(why)) && why[0];

			fp_findings_add(fs, h, link, "%s:%s: switch-side counters: %s%s%s%s", node,
					port,
					!strcmp(st, "down") ? "the port is down" : "did not answer",
					w ? " (" : "", w ? why : "", w ? ")" : "");
			continue;
		}

		a = dt > 0 ? end_in(first, node, port) : NULL;
		if (!a) {
			if (ctr(e, "SymbolErrorCounter") > 0)
				fp_findings_add(
					fs, h, link,
					"%s:%s: %g symbol errors since the counters were "
					"cleared (one snapshot: no interval to judge a rate; "
					"fabric-counters --watch)",
					node, port, ctr(e, "SymbolErrorCounter"));
			continue;
		}
		if (has(e, FP_SNMP_HC_IN_OCTETS) || has(e, FP_SNMP_IN_ERRORS)) {
			snmp_end_rules(fs, a, e, dt, h, link, lanes, lane, node, port);
			if (link < FP_MAX_LOAD_LINKS && !fs->measured[link] &&
			    has(e, FP_SNMP_HC_IN_OCTETS) && has(e, FP_SNMP_HC_OUT_OCTETS) &&
			    has(a, FP_SNMP_HC_IN_OCTETS) && has(a, FP_SNMP_HC_OUT_OCTETS)) {
				fs->octets[link] = sgrew(a, e, FP_SNMP_HC_IN_OCTETS) +
						   sgrew(a, e, FP_SNMP_HC_OUT_OCTETS);
				fs->measured[link] = true;
			}
			continue;
		}
		double sym = grew(a, e, "SymbolErrorCounter"), ber;
		double flap =
			grew(a, e, "LinkDownedCounter") + grew(a, e, "LinkErrorRecoveryCounter");
		double disc = grew(a, e, "PortXmitDiscards"), wait = grew(a, e, "PortXmitWait");

		/* PortCounters count what FEC left: judged against the limit after FEC */
		if (fp_ber_judge("symbol errors", sym, lanes, lane, dt, false, &ber, bw,
				 sizeof(bw)))
			fp_findings_add(fs, h, link, "%s:%s: %s: a bad cable or optic", node, port,
					bw);
		if (flap > 0)
			fp_findings_add(
				fs, h, link,
				"%s:%s: the link went down or retrained %g times in %.1f s: "
				"a flapping cable",
				node, port, flap, dt);
		if (disc > 0 || wait > 0)
			fp_findings_add(
				fs, h, link,
				"%s:%s: congestion, not a cable: %g transmit discards and %g "
				"XmitWait ticks in %.1f s",
				node, port, disc, wait, dt);
	}
}

void fp_link_load_rules(const struct fp_topo *t, const struct fp_obs *o, unsigned n,
			struct fp_findings *fs)
{
	unsigned nl = t->nlinks < FP_MAX_LOAD_LINKS ? t->nlinks : FP_MAX_LOAD_LINKS;
	double *pred = calloc(nl + 1, sizeof(*pred)), sp = 0, sm = 0;
	char ln[200];

	if (!pred)
		return;
	for (unsigned i = 0; i < n; i++)
		for (unsigned k = 0; k < o[i].np; k++)
			if (o[i].link[k] < nl)
				pred[o[i].link[k]] += o[i].prob[k];
	for (unsigned l = 0; l < nl; l++)
		if (fs->measured[l]) {
			sp += pred[l];
			sm += fs->octets[l];
		}
	for (unsigned l = 0; sp > 0 && sm > 0 && l < nl; l++) {
		double p = pred[l] / sp, m = fs->octets[l] / sm;

		if (!fs->measured[l] || (m >= 0.75 * p && m <= 1.33 * p))
			continue;
		fp_link_name(t, (int)l, ln, sizeof(ln));
		fp_findings_add(fs, t->links[l].a, (int)l,
				"%s: carried %.1f%% of the measured links' octets, where the "
				"simulator puts %.1f%% of the run's flows: %s",
				ln, 100 * m, 100 * p,
				m < p ? "less than its share, routing or ECMP hashing sends them "
					"elsewhere"
				      : "a hot spot, more than the run's flows put on it");
	}
	free(pred);
}

/*
 * Rules on one inventory (fabprobe inventory --format json). Thresholds: PCIe against the
 * device's own maximum; RX power within 3 dB of the module's own low alarm; lanes more
 * than 3 dB apart (a dirty connector loses power on some fibres only); any uncorrectable
 * FEC block; module alarm or warning flags.
 */
int fp_inventory_rules_text(const struct fp_topo *t, const char *path, const char *text, size_t len,
			    struct fp_findings *fs, char *err, size_t el)
{
	char host[64], name[64], buf[256];
	struct fy_document *doc;
	struct fy_node *ports, *p;
	void *it = NULL;
	int h, ret;

	doc = fp_yaml_parse(text, len, path, err, el);
	if (!doc)
		return -EINVAL;
	ret = -EINVAL;
	ports = fp_jkey(fy_document_root(doc), "snapshots");
	if (ports && fy_node_is_sequence(ports) && fy_node_sequence_item_count(ports) > 0) {
		fabric_counter_rules(t, ports, fs); /* fabprobe fabric-counters */
		ret = 0;
		goto out;
	}
	if (!fp_jstr(fp_jkey(fy_document_root(doc), "host"), host, sizeof(host)) ||
	    !(ports = fp_jkey(fy_document_root(doc), "ports")) || !fy_node_is_sequence(ports)) {
		snprintf(err, el, "%s: not a fabprobe inventory (no host or ports)", path);
		goto out;
	}
	h = fp_topo_find(t, host);
	if (h < 0 || t->nodes[h].kind != FP_HOST) {
		snprintf(err, el,
			 "%s: host '%s' is not a host of the topology (fabprobe inventory "
			 "--hostname NAME)",
			 path, host);
		goto out;
	}
	while ((p = fy_node_sequence_iterate(ports, &it))) {
		struct fy_node *pc = fp_jkey(p, "pcie"), *m = fp_jkey(p, "module"), *e;
		double w, mw, sp, msp, v;
		int link;

		if (!fp_jstr(fp_jkey(p, "name"), name, sizeof(name)))
			continue;
		link = fp_host_link(t, h, name);
		if (pc && fp_jnum(fp_jkey(pc, "width"), &w) &&
		    fp_jnum(fp_jkey(pc, "max_width"), &mw) &&
		    fp_jnum(fp_jkey(pc, "speed_gts"), &sp) &&
		    fp_jnum(fp_jkey(pc, "max_speed_gts"), &msp) && (w < mw || sp < msp))
			fp_findings_add(fs, h, -1,
					"%s: PCIe x%g at %g GT/s, below its own x%g at %g GT/s: "
					"reseat the NIC or move it to a full slot",
					name, w, sp, mw, msp);
		e = fp_jkey(p, "ethtool");
		if (e && fp_jnum(fp_jkey(e, "fec_uncorrectable"), &v) && v > 0)
			fp_findings_add(fs, h, link,
					"%s: %g uncorrectable FEC blocks (any is too many)", name,
					v);
		if (!m || link < 0)
			continue;
		{
			struct fy_node *lanes = fp_jkey(m, "lanes_dom"), *ln;
			void *li = NULL;
			double lo = 1e9, hi = -1e9, worst = 1e9;
			int lane = 0, worst_lane = 0;

			while (lanes && (ln = fy_node_sequence_iterate(lanes, &li))) {
				struct fy_node *rx = fp_jkey(ln, "rx_power_mw");
				double val, la, dbm;

				lane++;
				if (!fp_jnum(fp_jkey(rx, "value"), &val))
					continue;
				dbm = val > 0 ? 10 * log10(val) : -40;
				lo = fmin(lo, dbm);
				hi = fmax(hi, dbm);
				if (fp_jnum(fp_jkey(rx, "low_alarm"), &la) && la > 0 &&
				    dbm - 10 * log10(la) < worst) {
					worst = dbm - 10 * log10(la);
					worst_lane = lane;
				}
			}
			if (worst < 3)
				fp_findings_add(
					fs, h, link,
					"%s: module RX power on lane %d is %.1f dB from its "
					"low alarm (the module's own threshold; 3 dB margin rule)",
					name, worst_lane, worst);
			if (hi - lo > 3)
				fp_findings_add(fs, h, link,
						"%s: module RX power spreads %.1f dB across lanes "
						"(> 3 dB: a dirty connector or a bad fibre)",
						name, hi - lo);
			if (fp_jstr(fp_jkey(m, "flags"), buf, sizeof(buf)) && buf[0])
				fp_findings_add(fs, h, link, "%s: module flags: %s", name, buf);
		}
	}
	ret = 0;
out:
	fy_document_destroy(doc);
	return ret;
}

struct rules_arg {
	const struct fp_topo *t;
	struct fp_findings *fs;
};

static int rules_parse(void *arg, const char *text, size_t len, const char *path, char *err,
		       size_t el)
{
	const struct rules_arg *a = arg;

	return fp_inventory_rules_text(a->t, path, text, len, a->fs, err, el);
}

int fp_inventory_rules(const struct fp_topo *t, const char *path, struct fp_findings *fs, char *err,
		       size_t el)
{
	struct rules_arg a = { t, fs };

	return fp_parse_file(path, 16u << 20, rules_parse, &a, err, el);
}

unsigned fp_physical_count(const struct fp_topo *t, const struct fp_analysis *a)
{
	char rl[400];
	unsigned n = 0;

	for (unsigned l = 0; l < t->nlinks; l++) {
		fp_link_rules(&t->links[l], rl, sizeof(rl));
		n += rl[0] && !fp_analysis_names_link(a, l);
	}
	return n;
}
