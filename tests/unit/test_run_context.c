// SPDX-License-Identifier: MIT
/*
 * A rank's "where I run" record as rank 0 reads it (benches/run_context.c) and the
 * hosts[].endpoint object written from it (benches/results_ep.c); and the netdev side of
 * an engine's identity (fabric/runtime/netid.c) on a sysfs fixture and on loopback.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../benches/results.h"
#include "../../core/json.h"
#include "../../fabric/inventory/drvinfo.h"
#include "../../fabric/runtime/netid.h"
#include "t.h"

/* the endpoint object of one record, as run.json writes it */
static char *endpoint_json(const char *rec, struct fp_rank_ctx *c)
{
	char *ep = NULL, *out = NULL;
	size_t n = 0;
	struct fp_run_data d = { .endpoint = &ep };
	struct fp_json j;
	FILE *f = open_memstream(&out, &n);

	memset(c, 0, sizeof(*c));
	CHECK(!fp_run_context_parse(c, &ep, (const uint8_t *)rec, strlen(rec)), "parse");
	fp_json_init(&j, f, false);
	fp_json_obj(&j, NULL);
	fp_results_json_endpoint(&j, &d, 0);
	fp_json_end(&j);
	fclose(f);
	free(ep);
	return out;
}

static void test_record(void)
{
	struct fp_rank_ctx c;
	char *js = endpoint_json("cpu=3\nport=ens1\nmtu=9000\nnic_model=15b3:1021\n"
				 "firmware=28.39\nep.device=mlx5_0\nep.port=1\nep.lid=17\n"
				 "ep.node_guid=0x0002c90300a1b2c3\nep.model=MT4129\nep.mac=aa\n"
				 "ep.mac=bb\nep.bogus=1\nep.ip=a\x01"
				 "b\nep.netdev=\nep.numa_node=x\nep.firmware=28.40\n",
				 &c);

	CHECK(c.valid && c.cpu == 3 && c.mtu == 9000 && !strcmp(c.port, "ens1"), "context");
	/* the engine's model and firmware win over the netdev's */
	CHECK(!strcmp(c.nic_model, "MT4129") && !strcmp(c.firmware, "28.40"), "%s %s", c.nic_model,
	      c.firmware);
	/* known keys once (the first), numbers as numbers, nothing unprintable or empty */
	CHECK(js && !strcmp(js, "{\"endpoint\":{\"device\":\"mlx5_0\",\"port\":1,\"lid\":17,"
				"\"node_guid\":\"0x0002c90300a1b2c3\",\"mac\":\"aa\"}}"),
	      "%s", js);
	free(js);
	js = endpoint_json("cpu=-1\n", &c);
	CHECK(js && !strcmp(js, "{}"), "no endpoint lines, no endpoint: %s", js);
	free(js);
}

static void put(const char *root, const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* a sysfs tree: ens1 on PCI function 0000:3b:00.0 (NUMA node 1), veth0 with no device */
static void fixture(const char *root)
{
	static const char *const dirs[] = {
		"sys",		 "sys/devices",	       "sys/devices/0000:3b:00.0", "sys/class",
		"sys/class/net", "sys/class/net/ens1", "sys/class/net/veth0"
	};
	char path[512];

	for (unsigned i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
		mkdir(path, 0755);
	}
	snprintf(path, sizeof(path), "%s/sys/class/net/ens1/device", root);
	CHECK(!symlink("../../../devices/0000:3b:00.0", path), "symlink");
	put(root, "sys/class/net/ens1/address", "b8:ce:f6:01:02:03\n");
	put(root, "sys/class/net/veth0/address", "02:00:00:00:00:01\n");
	put(root, "sys/devices/0000:3b:00.0/numa_node", "1\n");
	put(root, "sys/devices/0000:3b:00.0/vendor", "0x15b3\n");
	put(root, "sys/devices/0000:3b:00.0/device", "0x1021\n");
}

static void test_netid(void)
{
	char root[] = "/tmp/fp-netid-XXXXXX", buf[512], small[24], cmd[64];
	size_t o = 0;
	struct fp_nicinfo ni;

	CHECK(mkdtemp(root), "mkdtemp");
	fixture(root);
	/* a netdev on PCI: its MAC, PCI address and NUMA node */
	fp_netid_netdev(root, "ens1", buf, sizeof(buf), &o);
	CHECK(!strcmp(buf, "netdev=ens1\nmac=b8:ce:f6:01:02:03\npci=0000:3b:00.0\nnuma_node=1\n"),
	      "%s", buf);
	fp_nicinfo_read(root, "ens1", &ni);
	CHECK(!strcmp(ni.model, "15b3:1021") && !ni.firmware[0], "model %s", ni.model);
	/* a virtual one: no PCI, no model */
	o = 0;
	fp_netid_netdev(root, "veth0", buf, sizeof(buf), &o);
	CHECK(!strcmp(buf, "netdev=veth0\nmac=02:00:00:00:00:01\n"), "%s", buf);
	fp_nicinfo_read(root, "veth0", &ni);
	CHECK(!ni.model[0], "veth model %s", ni.model);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	CHECK(!system(cmd), "cleanup");
	/* a name from a peer never leaves sysfs */
	o = 0;
	buf[0] = 0;
	fp_netid_netdev("", "../../etc", buf, sizeof(buf), &o);
	CHECK(!o && !buf[0], "%s", buf);
	/* loopback: its address is found, it has no MAC */
	o = 0;
	CHECK(fp_netid_of_ip("127.0.0.1", small, sizeof(small)) && !strcmp(small, "lo"), "lo");
	fp_netid_netdev("", "lo", buf, sizeof(buf), &o);
	CHECK(strstr(buf, "ipv4=127.0.0.1\n") && !strstr(buf, "mac="), "%s", buf);
	/* a line that does not fit is left out whole */
	o = 0;
	fp_netid_put(small, sizeof(small), &o, "netdev", "short");
	fp_netid_put(small, sizeof(small), &o, "mac", "00:11:22:33:44:55");
	CHECK(!strcmp(small, "netdev=short\n") && o == 13, "%s", small);
	CHECK(!fp_netid_of_ip("not-an-ip", small, sizeof(small)), "not an address");
}

int main(void)
{
	test_record();
	test_netid();
	return t_done("run_context");
}
