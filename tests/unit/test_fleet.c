// SPDX-License-Identifier: MIT
/* Fleet comparison: majorities, groups of outliers, must-match errors, unknowns, output. */
#include <errno.h>
#include <string.h>

#include "../../fabric/inventory/fleet.h"
#include "t.h"

static struct fp_fleet_host *host(struct fp_fleet *f, const char *name)
{
	char err[128];

	if (fp_fleet_add_host(f, name, err, sizeof(err)))
		abort();
	return &f->h[f->nh - 1];
}

static const struct fp_fleet_diff *diff(const struct fp_fleet *f, const char *key,
					const char *value)
{
	for (unsigned i = 0; i < f->nd; i++)
		if (!strcmp(f->d[i].key, key) && !strcmp(f->d[i].value, value))
			return &f->d[i];
	return NULL;
}

/* ten hosts: h3 on old firmware, h7 at MTU 1500, h5 reports no ECN (unknown) */
static void ten(struct fp_fleet *f)
{
	char name[8];

	memset(f, 0, sizeof(*f));
	for (int i = 0; i < 10; i++) {
		struct fp_fleet_host *h;

		snprintf(name, sizeof(name), "h%d", i);
		h = host(f, name);
		fp_fleet_host_set(h, "mlx5_0/1 firmware", i == 3 ? "28.39.1002" : "28.40.1000");
		fp_fleet_host_set(h, "eth0 mtu", i == 7 ? "1500" : "9000");
		if (i != 5)
			fp_fleet_host_set(h, "eth0 ecn", "np 3 rp 3");
	}
}

static char *emit(const struct fp_fleet *f, bool json, size_t *len)
{
	struct fp_emit e;
	char *buf = NULL;
	FILE *m = open_memstream(&buf, len);

	fp_emit_init(&e, m, json);
	fp_fleet_emit(f, &e);
	fclose(m);
	return buf;
}

static void test_ten(void)
{
	struct fp_fleet f;
	const struct fp_fleet_diff *d;
	char *text, *json;
	size_t len;

	ten(&f);
	CHECK(fp_fleet_compare(&f) == 0, "compare");
	CHECK(f.nprops == 3 && f.nd == 2, "%u properties, %u findings", f.nprops, f.nd);
	CHECK(f.outliers == 2 && f.mismatch == 1, "outliers %u mismatch %u", f.outliers,
	      f.mismatch);
	d = diff(&f, "mlx5_0/1 firmware", "28.39.1002");
	CHECK(d && d->count == 1 && d->known == 10 && !d->error &&
		      !strcmp(f.h[d->hosts[0]].name, "h3"),
	      "firmware outlier h3");
	CHECK(d && !strcmp(d->majority, "28.40.1000"), "firmware majority");
	d = diff(&f, "eth0 mtu", "1500");
	CHECK(d && d->error && d->count == 1 && !strcmp(f.h[d->hosts[0]].name, "h7"),
	      "MTU error h7");
	CHECK(!diff(&f, "eth0 ecn", "np 3 rp 3"), "unknown ECN on h5 is not a mismatch");
	text = emit(&f, false, &len);
	CHECK(strstr(text, "error: 1 of 10 hosts: eth0 mtu 1500, others 9000\n  hosts: h7\n"), "%s",
	      text);
	CHECK(strstr(text,
		     "outlier: 1 of 10 hosts: mlx5_0/1 firmware 28.39.1002, others 28.40.1000"),
	      "%s", text);
	CHECK(strstr(text, "action: update the NIC firmware to 28.40.1000"), "%s", text);
	/* errors come first */
	CHECK(strstr(text, "error:") < strstr(text, "outlier:"), "%s", text);
	json = emit(&f, true, &len);
	CHECK(strstr(json, "\"fleet_mismatch\": 1") && strstr(json, "\"fleet_outliers\": 2"), "%s",
	      json);
	CHECK(strstr(json, "\"property\": \"eth0 mtu\",\n      \"value\": \"1500\",\n      "
			   "\"majority\": \"9000\",\n      \"hosts\": [\n        \"h7\"\n      ]"),
	      "%s", json);
	free(text);
	free(json);
	fp_fleet_free(&f);
}

/* three values: the largest group is the majority, each other group is named */
static void test_groups(void)
{
	static const char *const fw[] = { "A", "C", "C", "A", "B", "C", "A", "C", "C", "C" };
	struct fp_fleet f;
	const struct fp_fleet_diff *a, *b;
	char name[8];

	memset(&f, 0, sizeof(f));
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "n%02d", i);
		fp_fleet_host_set(host(&f, name), "fw", fw[i]);
	}
	CHECK(fp_fleet_compare(&f) == 0, "compare");
	a = diff(&f, "fw", "A");
	b = diff(&f, "fw", "B");
	CHECK(f.nd == 2 && a && b && a->count == 3 && b->count == 1, "groups");
	CHECK(a && !strcmp(a->majority, "C") && !strcmp(f.h[a->hosts[0]].name, "n00") &&
		      !strcmp(f.h[a->hosts[1]].name, "n03") &&
		      !strcmp(f.h[a->hosts[2]].name, "n06"),
	      "group A names n00 n03 n06");
	CHECK(f.outliers == 4 && f.mismatch == 0, "outliers %u", f.outliers);
	fp_fleet_free(&f);

	/* a tie: the smaller value is the majority, so the verdict is the same every time */
	memset(&f, 0, sizeof(f));
	fp_fleet_host_set(host(&f, "x"), "kernel", "6.2");
	fp_fleet_host_set(host(&f, "y"), "kernel", "6.1");
	CHECK(fp_fleet_compare(&f) == 0 && f.nd == 1 && !strcmp(f.d[0].majority, "6.1") &&
		      !strcmp(f.d[0].value, "6.2"),
	      "tie");
	fp_fleet_free(&f);
}

static void test_input(void)
{
	struct fp_fleet f;
	char err[128];

	memset(&f, 0, sizeof(f));
	CHECK(fp_fleet_add_host(&f, "a", err, sizeof(err)) == 0, "a");
	CHECK(fp_fleet_add_host(&f, "a", err, sizeof(err)) == -EEXIST && strstr(err, "twice"),
	      "a twice: %s", err);
	CHECK(fp_fleet_add_host(&f, "b\033[2J", err, sizeof(err)) == -EINVAL, "control");
	CHECK(fp_fleet_add_host(&f, "", err, sizeof(err)) == -EINVAL, "empty");
	fp_fleet_host_set(&f.h[0], "k", "v\033x");
	CHECK(!strcmp(f.h[0].p[0].value, "v?x"), "scrubbed: %s", f.h[0].p[0].value);
	CHECK(fp_fleet_compare(&f) == 0 && f.nd == 0 && f.outliers == 0, "one host agrees");
	fp_fleet_free(&f);
	memset(&f, 0, sizeof(f));
	CHECK(fp_fleet_compare(&f) == 0 && f.nprops == 0, "no hosts");
	fp_fleet_free(&f);
	CHECK(fp_fleet_must_match("eth0 mtu") && fp_fleet_must_match("ens1 pfc") &&
		      fp_fleet_must_match("mlx5_0/1 gid_types") && !fp_fleet_must_match("kernel"),
	      "must-match");
}

/* an inventory's properties: what is known, and nothing for what is not */
static void test_props(void)
{
	struct fp_port ports[3];
	struct fp_inventory inv;
	struct fp_fleet_host h;
	const char *want[][2] = {
		{ "kernel", "6.1.0-13-amd64" },
		{ "ens1 mtu", "9000" },
		{ "ens1 pcie", "8 GT/s x8 (max 16 GT/s x16)" },
		{ "ens1 numa_node", "1" },
		{ "ens1 pfc", "3" },
		{ "mlx5_0/1 firmware", "28.40.1000" },
		{ "mlx5_0/1 gid_types", "IB/RoCE v1,RoCE v2" },
		{ "mlx5_0/1 ipv4_gid", "yes" },
		{ "mlx5_0/1 roce_tos", "106" },
	};

	memset(&inv, 0, sizeof(inv));
	memset(ports, 0, sizeof(ports));
	memset(&h, 0, sizeof(h));
	inv.ports = ports;
	inv.n = 3;
	snprintf(inv.kernel, sizeof(inv.kernel), "6.1.0-13-amd64");
	snprintf(ports[0].name, sizeof(ports[0].name), "lo");
	ports[0].mtu = 65536;
	snprintf(ports[1].name, sizeof(ports[1].name), "ens1");
	ports[1].mtu = 9000;
	ports[1].pcie = (struct fp_pcie){ .present = true,
					  .speed_gts = 8,
					  .max_speed_gts = 16,
					  .width = 8,
					  .max_width = 16,
					  .numa_node = 1 };
	snprintf(ports[1].dcb.pfc, sizeof(ports[1].dcb.pfc), "3");
	snprintf(ports[2].name, sizeof(ports[2].name), "mlx5_0/1");
	ports[2].rdma = true;
	ports[2].roce_tos = 106;
	ports[2].ipv4_gid = true;
	snprintf(ports[2].fw_ver, sizeof(ports[2].fw_ver), "28.40.1000");
	snprintf(ports[2].gid_types, sizeof(ports[2].gid_types), "IB/RoCE v1,RoCE v2");
	CHECK(fp_fleet_host_props(&inv, &h) == 0, "props");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		bool found = false;

		for (unsigned j = 0; j < h.n; j++)
			found |= !strcmp(h.p[j].key, want[i][0]) &&
				 !strcmp(h.p[j].value, want[i][1]);
		CHECK(found, "%s = %s", want[i][0], want[i][1]);
	}
	for (unsigned j = 0; j < h.n; j++) {
		CHECK(strncmp(h.p[j].key, "lo ", 3), "lo is not compared: %s", h.p[j].key);
		CHECK(!strstr(h.p[j].key, "ecn") && !strstr(h.p[j].key, "ets") &&
			      !strstr(h.p[j].key, "driver"),
		      "unknown is absent: %s", h.p[j].key);
	}
	fp_fleet_host_free(&h);

	/* where a rank may run against the NIC's local CPUs "0-3,8-11" */
	{
		static const int all[] = { 1, 9 }, some[] = { 3, 4 }, none[] = { 4, 12, 100 };
		const struct {
			const int *cpus;
			unsigned n;
			const char *want;
		} cases[] = { { all, 2, "all near the NIC" },
			      { some, 2, "some near the NIC" },
			      { none, 3, "none near the NIC" } };

		snprintf(ports[1].pcie.cpus, sizeof(ports[1].pcie.cpus), "0-3,8-11");
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			memset(&h, 0, sizeof(h));
			CHECK(fp_fleet_host_affinity(&inv, cases[i].cpus, cases[i].n, &h) == 0 &&
				      h.n == 1 && !strcmp(h.p[0].key, "ens1 rank_cpus") &&
				      !strcmp(h.p[0].value, cases[i].want),
			      "case %zu: %s", i, h.n ? h.p[0].value : "nothing");
			fp_fleet_host_free(&h);
		}
	}
}


static const char *value_of(const struct fp_fleet_host *h, const char *key)
{
	for (unsigned i = 0; i < h->n; i++)
		if (!strcmp(h->p[i].key, key))
			return h->p[i].value;
	return NULL;
}

/* the rule on two counts 0.5 s apart: growth, none, a counter missing, a counter reset */
static void test_pause_rate(void)
{
	const struct fp_pause_count c100 = { true, 100 }, c150 = { true, 150 },
				    none = { false, 0 }, c7 = { true, 7 };
	double r = -1;

	CHECK(fp_pause_rate(&c100, &c150, 500000000u, &r) && r == 100, "growth: %g", r);
	CHECK(fp_pause_rate(&c150, &c150, 500000000u, &r) && r == 0, "no growth: %g", r);
	r = -1;
	CHECK(!fp_pause_rate(&none, &c150, 500000000u, &r) && r == -1, "first missing");
	CHECK(!fp_pause_rate(&c100, &none, 500000000u, &r) && r == -1, "second missing");
	CHECK(!fp_pause_rate(&c150, &c7, 500000000u, &r) && r == -1, "went back: a reset");
	CHECK(!fp_pause_rate(&c100, &c150, 0, &r) && r == -1, "settle 0: off");
	CHECK(fp_pause_is_storm("eth0 pause_idle", "0.5 frames/s") &&
		      !fp_pause_is_storm("eth0 pause_idle", "0 frames/s") &&
		      !fp_pause_is_storm("eth0 pause_idle", "nan frames/s") &&
		      !fp_pause_is_storm("eth0 pause_idle", "junk") &&
		      !fp_pause_is_storm("eth0 mtu", "9000"),
	      "storm values");
}

/* a fake NIC: counters per port that the wait between samples moves */
struct fake_nic {
	const char *name[4];
	uint64_t frames[4];
	int64_t step[4]; /* added by the wait */
	bool missing[4];
	unsigned reads, waits;
	uint64_t waited;
};

static int fake_read(void *ctx, const struct fp_port *p, uint64_t *frames)
{
	struct fake_nic *n = ctx;

	n->reads++;
	for (int i = 0; i < 4; i++)
		if (!strcmp(n->name[i], p->name)) {
			if (n->missing[i])
				return -ENODATA;
			*frames = n->frames[i];
			return 0;
		}
	abort(); /* a port the sampler should not have read */
}

static void fake_wait(void *ctx, uint64_t ns)
{
	struct fake_nic *n = ctx;

	n->waits++;
	n->waited += ns;
	for (int i = 0; i < 4; i++)
		n->frames[i] += (uint64_t)n->step[i];
}

static void test_pause_sample(void)
{
	struct fake_nic nic = { .name = { "storm", "quiet", "nostats", "reset" },
				.frames = { 1000, 5, 0, 900000 },
				.step = { 250, 0, 0, -899990 },
				.missing = { false, false, true, false } };
	const struct fp_pause_src src = { fake_read, fake_wait, &nic };
	const char *names[] = { "lo", "storm", "quiet", "nostats", "reset", "mlx5_0/1" };
	struct fp_port ports[6];
	struct fp_inventory inv;
	struct fp_fleet_host h;
	const char *v;

	memset(&inv, 0, sizeof(inv));
	memset(ports, 0, sizeof(ports));
	memset(&h, 0, sizeof(h));
	for (int i = 0; i < 6; i++)
		snprintf(ports[i].name, sizeof(ports[i].name), "%s", names[i]);
	ports[5].rdma = true;
	inv.ports = ports;
	inv.n = 6;
	CHECK(fp_pause_sample(&inv, &src, 0) == 0 && nic.reads == 0 && nic.waits == 0,
	      "settle 0 reads nothing");
	CHECK(fp_pause_sample(&inv, &src, 500000000u) == 0, "sample");
	CHECK(nic.waits == 1 && nic.waited == 500000000u && nic.reads == 8,
	      "two reads of four data ports around one wait: %u reads", nic.reads);
	CHECK(ports[1].pause_known && ports[1].pause_idle == 500, "storm %g", ports[1].pause_idle);
	CHECK(ports[2].pause_known && ports[2].pause_idle == 0, "quiet %g", ports[2].pause_idle);
	CHECK(!ports[3].pause_known, "no counter: unknown");
	CHECK(!ports[4].pause_known, "a counter reset: unknown, not a storm");
	CHECK(!ports[0].pause_known && !ports[5].pause_known, "lo and RDMA ports not sampled");
	CHECK(fp_fleet_host_props(&inv, &h) == 0, "props");
	v = value_of(&h, "storm pause_idle");
	CHECK(v && !strcmp(v, "500 frames/s"), "storm: %s", v ? v : "absent");
	v = value_of(&h, "quiet pause_idle");
	CHECK(v && !strcmp(v, "0 frames/s"), "quiet: %s", v ? v : "absent");
	CHECK(!value_of(&h, "nostats pause_idle") && !value_of(&h, "reset pause_idle"),
	      "unknown is absent");
	fp_fleet_host_free(&h);
}

/* four hosts: a and b storm at different rates, c is quiet, d has no counter */
static void test_storm(void)
{
	static const char *const rate[] = { "40 frames/s", "3 frames/s", "0 frames/s", NULL };
	struct fp_fleet f;
	const struct fp_fleet_diff *a, *b;
	size_t len;
	char *text;

	memset(&f, 0, sizeof(f));
	for (int i = 0; i < 4; i++) {
		char name[2] = { (char)('a' + i), 0 };
		struct fp_fleet_host *h = host(&f, name);

		fp_fleet_host_set(h, "eth0 mtu", "9000");
		if (rate[i])
			fp_fleet_host_set(h, "eth0 pause_idle", rate[i]);
	}
	CHECK(fp_fleet_compare(&f) == 0, "compare");
	a = diff(&f, "eth0 pause_idle", "40 frames/s");
	b = diff(&f, "eth0 pause_idle", "3 frames/s");
	CHECK(f.nd == 2 && a && b, "one finding per storming group: %u", f.nd);
	CHECK(a && a->storm && !a->error && a->count == 1 && a->known == 3 && a->hosts[0] == 0,
	      "a storms");
	CHECK(b && b->storm && b->hosts[0] == 1 && !strcmp(b->majority, "0 frames/s"), "b storms");
	CHECK(!diff(&f, "eth0 pause_idle", "0 frames/s"), "quiet is no finding");
	CHECK(f.outliers == 2 && f.mismatch == 0, "outliers %u mismatch %u", f.outliers,
	      f.mismatch);
	text = emit(&f, false, &len);
	CHECK(strstr(text, "storm: 1 of 3 hosts: eth0 pause_idle 40 frames/s, expected 0 frames/s "
			   "at idle (unknown on 1)\n  hosts: a\n  action: pause storm: frames at "
			   "idle; check the peer switch port's PFC watchdog and the host's flow "
			   "control\n"),
	      "text: %s", text);
	free(text);
	fp_fleet_free(&f);

	/* every host storming is still a storm on every host */
	memset(&f, 0, sizeof(f));
	for (int i = 0; i < 3; i++) {
		char name[2] = { (char)('a' + i), 0 };

		fp_fleet_host_set(host(&f, name), "eth0 pause_idle", "7 frames/s");
	}
	CHECK(fp_fleet_compare(&f) == 0 && f.nd == 1 && f.d[0].storm && f.d[0].count == 3 &&
		      f.outliers == 3,
	      "a storm on every host: %u findings", f.nd);
	fp_fleet_free(&f);
}

int main(void)
{
	test_ten();
	test_groups();
	test_input();
	test_props();
	test_pause_rate();
	test_pause_sample();
	test_storm();
	return t_done("fleet");
}
