// SPDX-License-Identifier: MIT
/*
 * The analyzer's evidence on a small fabric: physical rules on a link's own fields, the
 * action a suspect calls for, and the findings of a host inventory (PCIe, FEC, optics).
 */
#include <stdlib.h>
#include <string.h>

#include "../../benches/simrun.h"
#include "../../fabric/model/analyze_evidence.h"
#include "t.h"

static void test_rules(struct fp_topo *t)
{
	int l = fp_link_lookup(t, "leaf0-spine0");
	struct fp_link *k = &t->links[l];
	char buf[400];

	fp_link_rules(k, buf, sizeof(buf));
	CHECK(!buf[0], "a healthy link has no finding: '%s'", buf);
	k->trained_gbps = k->gbps / 2;
	k->trained_lanes = k->lanes / 2;
	fp_link_rules(k, buf, sizeof(buf));
	CHECK(strstr(buf, "trained at 50 of 100 Gb/s") && strstr(buf, "trained x2 of x4 lanes"),
	      "trained below capability: '%s'", buf);
	CHECK(buf[strlen(buf) - 1] != ' ', "no trailing separator: '%s'", buf);
	k->trained_gbps = 0;
	k->trained_lanes = 0;
	k->media = FP_MEDIA_DAC;
	k->length_m = 4; /* 25G lanes: a passive DAC reaches 5 m */
	fp_link_rules(k, buf, sizeof(buf));
	CHECK(!buf[0], "4 m DAC at 25G per lane is within reach: '%s'", buf);
	k->length_m = 6;
	fp_link_rules(k, buf, sizeof(buf));
	CHECK(strstr(buf, "past the 5 m reach"), "6 m DAC at 25G per lane: '%s'", buf);
}

static void test_action(struct fp_topo *t)
{
	struct fp_suspect s = { .link = fp_link_lookup(t, "leaf1-spine1") };
	char buf[300], ln[160];

	t->links[s.link].media = FP_MEDIA_AOC;
	fp_link_name(t, s.link, ln, sizeof(ln));
	CHECK(!strcmp(ln, "leaf1:p3 <-> spine1:p1") || strstr(ln, "leaf1:") == ln, "link name '%s'",
	      ln);
	fp_suspect_action(t, &s, buf, sizeof(buf));
	CHECK(strstr(buf, "replace the AOC ") && strstr(buf, ln), "AOC action: '%s'", buf);
	s.host = true;
	s.node = fp_topo_find(t, "h3");
	s.link = fp_link_lookup(t, "h3-leaf1");
	fp_suspect_action(t, &s, buf, sizeof(buf));
	CHECK(strstr(buf, "check host h3"), "host action: '%s'", buf);
}

static const char inv[] =
	"{\"host\": \"h2\", \"ports\": [{\"name\": \"%s\","
	" \"pcie\": {\"width\": 8, \"max_width\": 16, \"speed_gts\": 16, \"max_speed_gts\": 16},"
	" \"ethtool\": {\"fec_uncorrectable\": 3},"
	" \"module\": {\"flags\": \"\", \"lanes_dom\": ["
	"{\"rx_power_mw\": {\"value\": 1.0, \"low_alarm\": 0.1}},"
	"{\"rx_power_mw\": {\"value\": 0.12, \"low_alarm\": 0.1}}]}}]}";

static void test_inventory(struct fp_topo *t)
{
	struct fp_findings *fs = calloc(1, sizeof(*fs));
	int l = fp_link_lookup(t, "h2-leaf1"), h = fp_topo_find(t, "h2");
	const struct fp_link *k = &t->links[l];
	char text[1024], err[256];
	bool pcie = false, fec = false, alarm = false, spread = false;

	snprintf(text, sizeof(text), inv, k->a == h ? k->pa : k->pb);
	CHECK(!fp_inventory_rules_text(t, "inv", text, strlen(text), fs, err, sizeof(err)),
	      "inventory: %s", err);
	for (unsigned i = 0; i < fs->n; i++) {
		const struct fp_finding *f = &fs->f[i];

		CHECK(f->node == h, "finding about h2: %d", f->node);
		pcie |= f->link == -1 && strstr(f->text, "PCIe x8") != NULL;
		fec |= f->link == l && strstr(f->text, "3 uncorrectable FEC") != NULL;
		alarm |= f->link == l && strstr(f->text, "lane 2 is 0.8 dB") != NULL;
		spread |= f->link == l && strstr(f->text, "spreads 9.2 dB") != NULL;
	}
	CHECK(fs->n == 4 && pcie && fec && alarm && spread,
	      "%u findings: pcie %d fec %d alarm %d spread %d", fs->n, pcie, fec, alarm, spread);
	fs->n = 0;
	snprintf(text, sizeof(text), "{\"host\": \"spine0\", \"ports\": []}");
	CHECK(fp_inventory_rules_text(t, "inv", text, strlen(text), fs, err, sizeof(err)) == -22 &&
		      strstr(err, "not a host of the topology"),
	      "a switch is not a host: %s", err);
	CHECK(fp_inventory_rules_text(t, "inv", "[1,2", 4, fs, err, sizeof(err)) == -22,
	      "broken JSON");
	for (unsigned i = 0; i < FP_MAX_FINDINGS + 5; i++)
		fp_findings_add(fs, h, -1, "finding %u", i);
	CHECK(fs->n == FP_MAX_FINDINGS && fs->more == 5,
	      "findings are bounded, the rest counted: %u listed, %u more", fs->n, fs->more);
	free(fs);
}

/* one SNMP link end: node, port, its counters */
static int snmp_end(char *b, size_t n, const struct fp_topo *t, const char *lk, int side,
		    const char *ctrs)
{
	const struct fp_link *k = &t->links[fp_link_lookup(t, lk)];

	return snprintf(b, n,
			"{\"node\":\"%s\",\"port\":\"%s\",\"status\":\"ok\",\"counters\":{%s}}",
			t->nodes[side ? k->b : k->a].name, side ? k->pb : k->pa, ctrs);
}

static bool found(const struct fp_findings *fs, const char *a, const char *b)
{
	for (unsigned i = 0; i < fs->n; i++)
		if (strstr(fs->f[i].text, a) && (!b || strstr(fs->f[i].text, b)))
			return true;
	return false;
}

/* Ethernet switch ports over SNMP, 10 s apart: FCS errors per frame, discards congestion */
static void test_snmp_rules(struct fp_topo *t)
{
	struct fp_findings *fs = calloc(1, sizeof(*fs));
	static const char *const before[] = {
		"\"ifHCInOctets\":0,\"ifHCInUcastPkts\":0,\"dot3StatsFCSErrors\":0",
		"\"ifHCInOctets\":0,\"ifHCInUcastPkts\":0,\"dot3StatsFCSErrors\":0",
		"\"ifHCInOctets\":0,\"ifInDiscards\":100,\"ifOutDiscards\":4294967290",
		"\"ifHCInOctets\":0,\"ifInErrors\":0,\"ifLastChange\":5",
	};
	static const char *const after[] = {
		/* 12 bad frames in a million of 1000 octets: 1.2e-5, limit 8e-9 */
		"\"ifHCInOctets\":1000000000,\"ifHCInUcastPkts\":999000,\"ifHCInMulticastPkts\":"
		"1000,\"dot3StatsFCSErrors\":12",
		/* one in 1e12 frames: within the limit */
		"\"ifHCInOctets\":64000000000000,\"ifHCInUcastPkts\":1000000000000,"
		"\"dot3StatsFCSErrors\":1",
		/* discards, one a Counter32 that wrapped: 500 + 11 */
		"\"ifHCInOctets\":5,\"ifInDiscards\":600,\"ifOutDiscards\":5",
		/* no EtherLike-MIB: ifInErrors, no frames at all; and the link changed state */
		"\"ifHCInOctets\":0,\"ifInErrors\":3,\"ifLastChange\":900",
	};
	static const char *const lk[] = { "leaf0-spine0", "leaf0-spine0", "leaf1-spine1",
					  "leaf1-spine1" };
	char doc[4096], err[256];
	size_t o;

	o = (size_t)snprintf(doc, sizeof(doc), "{\"source\":\"snmp\",\"snapshots\":[");
	for (int s = 0; s < 2; s++) {
		o += (size_t)snprintf(doc + o, sizeof(doc) - o, "%s{\"time_ms\":%d,\"ends\":[",
				      s ? "," : "", s * 10000);
		for (int i = 0; i < 4; i++) {
			o += (size_t)snprintf(doc + o, sizeof(doc) - o, "%s", i ? "," : "");
			o += (size_t)snmp_end(doc + o, sizeof(doc) - o, t, lk[i], i % 2,
					      s ? after[i] : before[i]);
		}
		o += (size_t)snprintf(doc + o, sizeof(doc) - o, "]}");
	}
	snprintf(doc + o, sizeof(doc) - o, "]}");
	CHECK(!fp_inventory_rules_text(t, "fc.json", doc, strlen(doc), fs, err, sizeof(err)),
	      "SNMP document: %s", err);
	for (unsigned i = 0; i < fs->n; i++)
		printf("  %s\n", fs->f[i].text);
	CHECK(found(fs, "leaf0:", "12 dot3StatsFCSErrors in 1e+06 frames") &&
		      found(fs, "1.2e-05 per frame, above the 8.0e-09", "bad cable"),
	      "FCS errors judged per frame");
	CHECK(!found(fs, "spine0:", NULL), "one FCS error in 1e12 frames is within the limit");
	CHECK(found(fs, "leaf1:", "congestion, not a cable: 511 discards"),
	      "discards are congestion, a Counter32 wrap counted");
	CHECK(!found(fs, "leaf1:", "bad cable"), "discards are never a cable");
	CHECK(found(fs, "spine1:", "3 ifInErrors in 0 frames") && found(fs, "spine1:", "flapping"),
	      "ifInErrors without EtherLike; ifLastChange moved");
	CHECK(fs->n == 4, "%u SNMP findings", fs->n);
	free(fs);
}

/* host counters that grew in a run: errors per frame, drops are congestion */
static void test_host_counters(void)
{
	char b[200];

	CHECK(!fp_host_counter_judge("rx_dropped", 500, 1000, 1e6, b, sizeof(b)) && !b[0],
	      "rx_dropped is congestion, never by itself a physical finding");
	CHECK(!fp_host_counter_judge("rx_missed_errors", 5, 1000, 1e6, b, sizeof(b)),
	      "missed frames are congestion");
	CHECK(fp_host_counter_judge("rx_crc_errors", 12, 1e6, 1e9, b, sizeof(b)) &&
		      strstr(b, "1.2e-05 per frame, above the 8.0e-09"),
	      "CRC errors above the limit: '%s'", b);
	CHECK(!fp_host_counter_judge("rx_crc_errors", 1, 1e12, 1e15, b, sizeof(b)),
	      "one CRC error in 1e12 frames is within the limit");
	CHECK(fp_host_counter_judge("carrier_changes", 2, 1e6, 1e9, b, sizeof(b)) &&
		      strstr(b, "flapping"),
	      "carrier changes: '%s'", b);
	CHECK(fp_host_counter_judge("rx_crc_errors", 3, -1, -1, b, sizeof(b)) &&
		      strstr(b, "no frame count"),
	      "no frames known: '%s'", b);
	CHECK(fp_frame_error_limit(0, 0) == 1e-12 * 512, "64-octet floor");
}

/* measured octets against the simulator's ECMP split: a hot spot and its starved twin */
static void test_link_loads(struct fp_topo *t)
{
	struct fp_findings *fs = calloc(1, sizeof(*fs));
	unsigned l1 = (unsigned)fp_link_lookup(t, "leaf0-spine0");
	unsigned l2 = (unsigned)fp_link_lookup(t, "leaf0-spine1"), links[2] = { l1, l2 };
	double prob[2] = { 0.5, 0.5 };
	struct fp_obs o[10];

	for (int i = 0; i < 10; i++)
		o[i] = (struct fp_obs){ .np = 2, .link = links, .prob = prob };
	fs->measured[l1] = fs->measured[l2] = true;
	fs->octets[l1] = 520e6, fs->octets[l2] = 480e6;
	fp_link_load_rules(t, o, 10, fs);
	CHECK(fs->n == 0, "52/48 against an even split is within the noise: %u", fs->n);
	fs->octets[l1] = 900e6, fs->octets[l2] = 100e6;
	fp_link_load_rules(t, o, 10, fs);
	CHECK(fs->n == 2 && fs->f[0].link == (int)l1 && fs->f[1].link == (int)l2, "%u findings",
	      fs->n);
	CHECK(found(fs,
		    "carried 90.0% of the measured links' octets, where the simulator puts "
		    "50.0%",
		    "hot spot"),
	      "hot spot");
	CHECK(found(fs, "carried 10.0%", "routing or ECMP hashing"), "less than its share");
	fs->n = 0;
	fp_link_load_rules(t, o, 0, fs);
	CHECK(fs->n == 0, "no flows, no judgement");
	free(fs);
}

int main(void)
{
	struct fp_gen_opts g = { .hosts_per_leaf = 2,
				 .leaves = 2,
				 .spines = 2,
				 .host_gbps = 100,
				 .fabric_gbps = 100,
				 .lanes = 4 };
	struct fp_topo t;
	char err[128];

	CHECK(!fp_gen_leaf_spine(&t, &g, err, sizeof(err)), "gen: %s", err);
	test_rules(&t);
	test_action(&t);
	test_inventory(&t);
	test_snmp_rules(&t);
	test_host_counters();
	test_link_loads(&t);
	CHECK(fp_host_link(&t, fp_topo_find(&t, "h0"), "nosuch") == fp_link_lookup(&t, "h0-leaf0"),
	      "a host with one link: that link");
	fp_topo_destroy(&t);
	return t_done("analyze_evidence");
}
