// SPDX-License-Identifier: MIT
/* fabprobe inventory: this host's ports, modules, PCIe and NUMA, or a fixture's. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/file.h"
#include "../core/opts.h"
#include "../fabric/inventory/eeprom.h"
#include "../fabric/inventory/inventory.h"
#include "cli.h"

struct inv_cfg {
	const char *root, *eeprom, *port, *host;
	int format;
};

static const struct fp_opt inv_opts[] = {
	{ "sysfs-root", FP_OPT_STRING, offsetof(struct inv_cfg, root), "/", 0, 0, NULL, NULL, "DIR",
	  "read sys/ under DIR instead of the live system (fixtures, dumps from elsewhere)" },
	{ "eeprom-file", FP_OPT_STRING, offsetof(struct inv_cfg, eeprom), NULL, 0, 0, NULL, NULL,
	  "FILE", "decode a module EEPROM: raw bytes or `ethtool -m DEV hex on` text" },
	{ "port", FP_OPT_STRING, offsetof(struct inv_cfg, port), NULL, 0, 0, NULL, NULL, "NAME",
	  "with --eeprom-file: the port the module sits in" },
	{ "hostname", FP_OPT_STRING, offsetof(struct inv_cfg, host), NULL, 0, 0, NULL,
	  "FABPROBE_HOSTNAME", "NAME",
	  "the host name to record (the analyzer matches it with the topology)" },
	{ "format", FP_OPT_CHOICE, offsetof(struct inv_cfg, format), "text", 0, 0, "text|json",
	  NULL, NULL, "output" },
	FP_OPT_END,
};

#define MAX_IMG 4096

int fp_cmd_inventory(int argc, char **argv)
{
	struct inv_cfg c;
	struct fp_inventory inv;
	char err[512];
	const char *pos[2];
	int np = 0;

	memset(&c, 0, sizeof(c));
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: fabprobe inventory [options]\n\nPorts (netdevs and RDMA), "
			       "their "
			       "counters, PCIe links and NUMA nodes, and pluggable modules.\n\n"
			       "options:\n");
			fp_opts_help(stdout, inv_opts);
			return 0;
		}
	if (fp_opts_parse(inv_opts, &c, argc, argv, pos, 0, &np, NULL, err, sizeof(err))) {
		fprintf(stderr, "fabprobe inventory: %s\n", err);
		return 2;
	}
	if (fp_inventory_read(c.root, &inv, err, sizeof(err))) {
		fprintf(stderr, "fabprobe inventory: %s\n", err);
		return 2;
	}
	if (c.host)
		snprintf(inv.host, sizeof(inv.host), "%s", c.host);
	if (c.eeprom) {
		uint8_t img[MAX_IMG];
		struct fp_port *p = NULL;
		char *text;
		size_t len, ilen;

		int ret = fp_read_file_bin(c.eeprom, 1 << 20, &text, &len, err, sizeof(err));

		if (!ret) {
			ret = fp_module_read_hex(text, len, img, sizeof(img), &ilen, err,
						 sizeof(err));
			free(text);
		}
		if (ret) {
			fprintf(stderr, "fabprobe inventory: %s: %s\n", c.eeprom, err);
			fp_inventory_free(&inv);
			return 2;
		}
		for (unsigned i = 0; c.port && i < inv.n; i++)
			if (!strcmp(inv.ports[i].name, c.port))
				p = &inv.ports[i];
		if (c.port && !p) {
			fprintf(stderr, "fabprobe inventory: no port '%s' here\n", c.port);
			fp_inventory_free(&inv);
			return 2;
		}
		if (!p) {
			/* a module on its own: a port named after the file */
			struct fp_port *n = realloc(inv.ports, sizeof(*n) * (inv.n + 1));

			if (!n) {
				fp_inventory_free(&inv);
				return 2;
			}
			inv.ports = n;
			p = &n[inv.n++];
			memset(p, 0, sizeof(*p));
			snprintf(p->name, sizeof(p->name), "module");
			snprintf(p->state, sizeof(p->state), "file");
			p->pcie.numa_node = -1;
		}
		if (fp_module_decode(img, ilen, &p->module, err, sizeof(err))) {
			fprintf(stderr, "fabprobe inventory: %s: %s\n", c.eeprom, err);
			fp_inventory_free(&inv);
			return 2;
		}
		p->has_module = true;
	}
	fp_inventory_check(&inv);
	if (c.format == 1)
		fp_inventory_json(&inv, stdout);
	else
		fp_inventory_print(&inv, stdout);
	fp_inventory_free(&inv);
	return 0;
}
