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

int main(void)
{
	test_ten();
	test_groups();
	test_input();
	test_props();
	return t_done("fleet");
}
