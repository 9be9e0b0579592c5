// SPDX-License-Identifier: MIT
/*
 * Ranks to endpoints by identity (issue 16): a GPU server's ranks share a hostname, each
 * on its own NIC, so only the NIC's identity tells them apart; what cannot be told apart
 * is refused with the rank named, never guessed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../benches/result_read.h"
#include "../../benches/simjob.h"
#include "../../fabric/model/topo.h"
#include "t.h"

#define S 2 /* servers */
#define R 4 /* NICs (rails) each */

/*
 * Two servers of four endpoints, added in reverse so that file order is the wrong answer,
 * each with a device, netdev, port GUID, MAC and IP; a single-NIC host "solo"; a switch.
 */
static void build(struct fp_topo *t)
{
	int sw;

	fp_topo_init(t);
	sw = fp_topo_add_node(t, "leaf", FP_SWITCH, 1);
	for (int i = S * R - 1; i >= 0; i--) {
		char name[32], v[48];
		int n;

		snprintf(name, sizeof(name), "gpu%d.r%d", i / R, i % R);
		n = fp_topo_add_node(t, name, FP_HOST, 0);
		snprintf(v, sizeof(v), "gpu%d", i / R);
		fp_ident_set(&t->nodes[n].id, "host", v);
		snprintf(v, sizeof(v), "mlx5_%d", i % R);
		fp_ident_set(&t->nodes[n].id, "dev", v);
		snprintf(v, sizeof(v), "ibp%ds0", i % R);
		fp_ident_set(&t->nodes[n].id, "ifname", v);
		snprintf(v, sizeof(v), "0x0002c90300%06x", 0x100 + i);
		fp_ident_set(&t->nodes[n].id, "port_guid", v);
		snprintf(v, sizeof(v), "02:00:00:00:00:%02x", i);
		fp_ident_set(&t->nodes[n].id, "mac", v);
		snprintf(v, sizeof(v), "10.0.%d.%d", i % R, i / R + 1);
		fp_ident_set(&t->nodes[n].id, "ip", v);
		t->nodes[n].rail = i % R;
		fp_topo_add_link(t, n, "1", sw, name, 100, FP_MEDIA_DAC);
	}
	fp_topo_add_link(t, fp_topo_add_node(t, "solo", FP_HOST, 0), "1", sw, "solo", 100,
			 FP_MEDIA_DAC);
	fp_topo_index(t);
}

/* rank k is gpu(k/R) NIC k%R, known by one field (or the hostname alone when key is NULL) */
static int map_by(const struct fp_topo *t, const char *key, int *node_of, char *err, size_t el)
{
	struct fp_ident id[S * R];

	memset(id, 0, sizeof(id));
	for (int k = 0; k < S * R; k++) {
		char v[48];

		snprintf(id[k].host, sizeof(id[k].host), "gpu%d", k / R);
		if (!key)
			continue;
		if (!strcmp(key, "dev"))
			snprintf(v, sizeof(v), "mlx5_%d", k % R);
		else if (!strcmp(key, "ifname"))
			snprintf(v, sizeof(v), "ibp%ds0", k % R);
		else if (!strcmp(key, "port_guid"))
			snprintf(v, sizeof(v), "0x0002c90300%06x", 0x100 + k);
		else if (!strcmp(key, "mac"))
			snprintf(v, sizeof(v), "02:00:00:00:00:%02x", k);
		else
			snprintf(v, sizeof(v), "10.0.%d.%d", k % R, k / R + 1);
		fp_ident_set(&id[k], key, v);
	}
	return fp_topo_map(t, id, S * R, node_of, err, el);
}

static bool own_nic(const struct fp_topo *t, const int *node_of)
{
	for (int k = 0; k < S * R; k++) {
		char want[32];

		snprintf(want, sizeof(want), "gpu%d.r%d", k / R, k % R);
		if (node_of[k] < 0 || strcmp(t->nodes[node_of[k]].name, want))
			return false;
	}
	return true;
}

static void test_identity(void)
{
	static const char *const keys[] = { "dev", "ifname", "port_guid", "mac", "ip" };
	struct fp_topo t;
	int node_of[S * R];
	char err[512];

	build(&t);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		memset(node_of, 0xff, sizeof(node_of));
		CHECK(!map_by(&t, keys[i], node_of, err, sizeof(err)) && own_nic(&t, node_of),
		      "8 ranks on 2 servers join their own NIC by %s: %s", keys[i], err);
	}
	/* the hostname alone names 4 NICs: refused, the rank and the reason named */
	CHECK(map_by(&t, NULL, node_of, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "rank 0 (host 'gpu0')") && strstr(err, "several endpoints"),
	      "hostname of a 4-NIC server refused: %s", err);
	/* a host of one endpoint joins by hostname; an unknown one is refused */
	{
		struct fp_ident one[2] = { { .host = "solo" }, { .host = "nowhere" } };

		CHECK(!fp_topo_map(&t, one, 1, node_of, err, sizeof(err)) &&
			      !strcmp(t.nodes[node_of[0]].name, "solo"),
		      "single-NIC host by hostname: %s", err);
		CHECK(fp_topo_map(&t, one, 2, node_of, err, sizeof(err)) == -EINVAL &&
			      strstr(err, "rank 1 (host 'nowhere')") && strstr(err, "no endpoint"),
		      "unknown host refused: %s", err);
	}
	/* two ranks on one NIC cannot be told apart */
	{
		struct fp_ident two[2] = { { .host = "gpu1", .dev = "mlx5_2" },
					   { .host = "gpu1", .dev = "mlx5_2" } };

		CHECK(fp_topo_map(&t, two, 2, node_of, err, sizeof(err)) == -EINVAL &&
			      strstr(err, "ranks 0 and 1 both map to endpoint 'gpu1.r2'"),
		      "two ranks on one endpoint refused: %s", err);
	}
	/* GUIDs and MACs match as numbers, however they are printed */
	{
		struct fp_ident s[2] = { { .host = "gpu0", .port_guid = "0x2C90300000102" },
					 { .host = "gpu1", .mac = "02-00-00-00-00-06" } };

		CHECK(!fp_topo_map(&t, s, 2, node_of, err, sizeof(err)) &&
			      !strcmp(t.nodes[node_of[0]].name, "gpu0.r2") &&
			      !strcmp(t.nodes[node_of[1]].name, "gpu1.r2"),
		      "GUID and MAC in other spellings: %s", err);
	}
	/* a stronger key wins over a weaker one that is ambiguous or wrong */
	{
		struct fp_ident s[1] = { { .host = "gpu0", .ip = "10.0.3.2", .mac = "" } };

		CHECK(!fp_topo_map(&t, s, 1, node_of, err, sizeof(err)) &&
			      !strcmp(t.nodes[node_of[0]].name, "gpu1.r3"),
		      "IP beats an ambiguous hostname: %s",
		      node_of[0] >= 0 ? t.nodes[node_of[0]].name : err);
	}
	fp_topo_destroy(&t);
}

static void test_csv(void)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "rank,endpoint\n0,solo\n", "rank 1 is not named" },
		{ "0,solo\n1,leaf\n", "'leaf' is not an endpoint" },
		{ "0,solo\n0,gpu0.r0\n", "rank 0 is named twice" },
		{ "0,solo\n2,gpu0.r0\n", "rank '2' is not a number from 0 to 1" },
		{ "0,solo\n1,solo\n", "both map to endpoint 'solo'" },
		{ "0 solo\n", "want 'rank,endpoint'" },
	};
	const char *good = "rank,endpoint\n# the GPU node's last NIC\n1,gpu1.r3\r\n0,solo\n";
	struct fp_topo t;
	int node_of[2];
	char err[512];

	build(&t);
	CHECK(!fp_topo_map_csv(&t, good, strlen(good), "m.csv", 2, node_of, err, sizeof(err)) &&
		      !strcmp(t.nodes[node_of[0]].name, "solo") &&
		      !strcmp(t.nodes[node_of[1]].name, "gpu1.r3"),
	      "--map FILE: %s", err);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(fp_topo_map_csv(&t, bad[i].text, strlen(bad[i].text), "m.csv", 2, node_of,
				      err, sizeof(err)) == -EINVAL &&
			      strstr(err, bad[i].want) && !strncmp(err, "m.csv", 5),
		      "map case %zu: '%s'", i, err);
	fp_topo_destroy(&t);
}

/* identities survive the native format, quotes and colons included */
static void test_round_trip(void)
{
	struct fp_topo t, u;
	char err[256], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	build(&t);
	fp_ident_set(&t.nodes[1].id, "pci", "0000:3b:00.0");
	fp_ident_set(&t.nodes[1].id, "guid", "0x0002c90300a0b0c0");
	snprintf(t.nodes[0].note, sizeof(t.nodes[0].note), "SHARP aggregation node");
	fp_topo_write_yaml(&t, f);
	fclose(f);
	fp_topo_init(&u);
	CHECK(!fp_topo_load_yaml(&u, buf, len, "rt.yaml", err, sizeof(err)), "reload: %s", err);
	CHECK(u.nnodes == t.nnodes, "%u nodes", u.nnodes);
	for (unsigned i = 0; i < t.nnodes && i < u.nnodes; i++)
		CHECK(!memcmp(&t.nodes[i].id, &u.nodes[i].id, sizeof(t.nodes[i].id)) &&
			      !strcmp(t.nodes[i].note, u.nodes[i].note),
		      "node %u identity round trip", i);
	CHECK(fp_ident_set(&u.nodes[1].id, "colour", "red") == -ENOENT &&
		      fp_ident_set(&u.nodes[1].id, "mac", "02:00:00:00:00:00:00:00:00") == -ERANGE,
	      "unknown key and overlong value refused");
	free(buf);
	fp_topo_destroy(&u);
	fp_topo_destroy(&t);
}

/* run.json's per-rank identity, read by the one reader and joined by the one mapping */
static void test_run_json(void)
{
	const char *run = "{\"world_size\": 3, \"hosts\": ["
			  "{\"rank\": 0, \"hostname\": \"gpu1\", \"address\": \"0.0.0.0\", "
			  "\"endpoint\": {\"netdev\": \"ibp2s0\", \"device\": \"mlx5_2\"}},"
			  "{\"rank\": 1, \"hostname\": \"gpu0\", \"address\": \"10.0.1.1\"},"
			  "{\"rank\": 2, \"hostname\": \"x\", \"endpoint\": {\"port_guid\": "
			  "\"0x0002c90300000103\", \"mac\": \"02:00:00:00:00:03\", \"pci\": "
			  "\"0000:3b:00.0\"}}], \"results\": []}";
	const char *bad = "{\"world_size\": 1, \"hosts\": [{\"hostname\": \"a\", "
			  "\"endpoint\": {\"mac\": \"02:00:00:00:00:00:00:00:00\"}}], "
			  "\"results\": []}";
	struct fp_result r;
	struct fp_topo t;
	int node_of[3];
	char err[512];

	build(&t);
	CHECK(!fp_result_parse("x/run.json", run, strlen(run), NULL, 0, &t, &r, err, sizeof(err)),
	      "read: %s", err);
	CHECK(!strcmp(r.ident[0].ifname, "ibp2s0") && !strcmp(r.ident[0].dev, "mlx5_2") &&
		      !r.ident[0].ip[0] && !strcmp(r.ident[1].ip, "10.0.1.1") &&
		      !strcmp(r.ident[2].pci, "0000:3b:00.0"),
	      "identity fields read");
	CHECK(!fp_topo_map(&t, r.ident, 3, node_of, err, sizeof(err)) &&
		      !strcmp(t.nodes[node_of[0]].name, "gpu1.r2") &&
		      !strcmp(t.nodes[node_of[1]].name, "gpu0.r1") &&
		      !strcmp(t.nodes[node_of[2]].name, "gpu0.r3"),
	      "ranks joined by device, IP, port GUID: %s", err);
	fp_result_free(&r);
	CHECK(fp_result_parse("x/run.json", bad, strlen(bad), NULL, 0, &t, &r, err, sizeof(err)) ==
			      -EINVAL &&
		      strstr(err, "hosts[0]: endpoint field 'mac'"),
	      "a bad endpoint field named: %s", err);
	fp_topo_destroy(&t);
}

/* past the old cap of 65,536 hosts: 100,000 endpoints, ranks in reverse, each by its IP */
static void test_many(void)
{
	enum { N = 100000 };
	struct fp_ident *id = calloc(N, sizeof(*id));
	int *node_of = malloc(sizeof(*node_of) * N);
	struct fp_topo t;
	char err[512] = "";
	unsigned bad = 0;

	fp_topo_init(&t);
	for (int i = 0; i < N && id && node_of; i++) {
		char name[32], ip[32];
		int n;

		snprintf(name, sizeof(name), "n%d", i);
		snprintf(ip, sizeof(ip), "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		n = fp_topo_add_node(&t, name, FP_HOST, 0);
		fp_ident_set(&t.nodes[n].id, "host", "bigbox");
		fp_ident_set(&t.nodes[n].id, "ip", ip);
		snprintf(id[N - 1 - i].host, sizeof(id[0].host), "bigbox");
		fp_ident_set(&id[N - 1 - i], "ip", ip);
	}
	CHECK(id && node_of && !fp_topo_map(&t, id, N, node_of, err, sizeof(err)),
	      "100,000 ranks: %s", err);
	for (int k = 0; k < N && id && node_of; k++)
		bad += node_of[k] != N - 1 - k;
	CHECK(!bad, "%u of 100,000 ranks on the wrong endpoint", bad);
	free(id);
	free(node_of);
	fp_topo_destroy(&t);
}

/*
 * `fabprobe sim` writes each rank's endpoint identity (hosts[].endpoint) from the topology;
 * read back, with the hostnames taken away, the ranks still join the nodes the sim used.
 */
static void test_sim_identity(void)
{
	char dir[] = "/tmp/fp-topomap.XXXXXX", path[64], out[64], err[512] = "", cmd[96];
	struct fp_sim_cfg c = { .fault_range = "0.3:0.7", .rtt_us = 10 };
	struct fp_sim_job j;
	struct fp_result r;
	struct fp_topo t;
	int node_of[S * R + 1], wrong = 0;
	FILE *f;

	build(&t);
	fp_ident_set(&t.nodes[1].id, "pci", "0000:3b:00.0");
	CHECK(mkdtemp(dir), "mkdtemp");
	snprintf(path, sizeof(path), "%s/t.yaml", dir);
	snprintf(out, sizeof(out), "%s/run", dir);
	f = fopen(path, "w");
	if (f) {
		fp_topo_write_yaml(&t, f);
		fclose(f);
	}
	c.run.sizes.n = 1;
	c.run.sizes.v[0] = 65536;
	c.run.iters = 10;
	c.run.rounds = 1;
	c.run.seed = 1;
	c.run.output = out;
	c.run.results_dir = dir;
	CHECK(!fp_sim_job_run(&j, &c, path, "alltoall", err, sizeof(err)), "sim: %s", err);
	CHECK(!fp_result_load(out, &t, &r, err, sizeof(err)), "read back: %s", err);
	for (int k = 0; k < r.world_size && k <= S * R; k++) {
		const struct fp_ident *want = &j.topo.nodes[j.host_of[k]].id, *got = &r.ident[k];

		wrong += strcmp(got->port_guid, want->port_guid) || strcmp(got->dev, want->dev) ||
			 strcmp(got->ifname, want->ifname) || strcmp(got->mac, want->mac) ||
			 strcmp(got->pci, want->pci) || strcmp(got->ip, want->ip);
		r.ident[k].host[0] = 0; /* only the endpoint fields are left to join by */
	}
	CHECK(r.world_size == S * R + 1 && !wrong, "%d of %d identities differ", wrong,
	      r.world_size);
	/* "solo" has no identity but its name: the join by endpoint fields covers the others */
	CHECK(!fp_topo_map(&t, r.ident, S * R, node_of, err, sizeof(err)), "join: %s", err);
	for (int k = 0; k < S * R && k < r.world_size; k++)
		wrong += strcmp(t.nodes[node_of[k]].name, j.topo.nodes[j.host_of[k]].name) != 0;
	CHECK(!wrong, "%d ranks joined another endpoint than the sim's", wrong);
	fp_result_free(&r);
	fp_sim_job_free(&j);
	fp_topo_destroy(&t);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(!system(cmd), "cleanup");
}

/* no cap on ranks in a schedule: only its 2^32 - 1 flows bound it, with a message */
static void test_no_rank_cap(void)
{
	struct fp_pattern_opts o = { .rounds = 1, .shift = 1, .seed = 1 };
	struct fp_sched s;
	char err[256] = "";

	CHECK(!fp_sched_build(&s, fp_pattern_find("permutation"), 100000, &o, err, sizeof(err)) &&
		      s.nflows == 100000,
	      "100,000 ranks: %s", err);
	fp_sched_destroy(&s);
	CHECK(fp_sched_build(&s, fp_pattern_find("alltoall"), 100000, &o, err, sizeof(err)) ==
			      -E2BIG &&
		      strstr(err, "more than 2^32 - 1 flows"),
	      "alltoall of 100,000 ranks: %s", err);
	fp_sched_destroy(&s);
}

int main(void)
{
	test_sim_identity();
	test_no_rank_cap();
	test_many();
	test_run_json();
	test_identity();
	test_csv();
	test_round_trip();
	return t_done("topo_map");
}
