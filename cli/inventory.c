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
#include "../fabric/inventory/fleet.h"
#include "../fabric/inventory/inventory.h"
#include "cli.h"

struct inv_cfg {
	const char *root, *eeprom, *port, *host;
	int format;
	uint64_t settle_ns;
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
	{ "settle", FP_OPT_DURATION, offsetof(struct inv_cfg, settle_ns), "0", 0,
	  3600 * 1000000000ll, NULL, NULL, NULL,
	  "count pause/PFC frames twice this far apart at idle: fleet's pause_idle (0: off)" },
	FP_OPT_END,
};

#define MAX_IMG 4096

/* eth2 before eth10: names in version order, so a listing reads like the hardware */
static int port_cmp(const void *a, const void *b)
{
	return strverscmp(((const struct fp_port *)a)->name, ((const struct fp_port *)b)->name);
}

static bool unsupported(int err)
{
	return err == -EOPNOTSUPP || err == -ENOTSUP;
}

/* The ethtool results worth a line: nothing when every query is unsupported (virtual ports). */
static void print_ethnl(const struct fp_port *p, FILE *f)
{
	const struct fp_ethnl_info *nl = &p->nl;
	char part[3][160] = { "", "", "" };
	const char *sep = "";

	if (!p->ethnl)
		return;
	if (!nl->linkmodes_err)
		snprintf(part[0], sizeof(part[0]), "%u modes supported, fastest %g Gb/s",
			 nl->nsupported, nl->max_supported_gbps);
	else if (!unsupported(nl->linkmodes_err))
		snprintf(part[0], sizeof(part[0]), "link modes: %s", strerror(-nl->linkmodes_err));
	if (!nl->fec_err)
		snprintf(part[1], sizeof(part[1]), "FEC %s, %llu corrected, %llu uncorrectable",
			 nl->fec_active, (unsigned long long)nl->fec_corrected,
			 (unsigned long long)nl->fec_uncorrectable);
	else if (!unsupported(nl->fec_err))
		snprintf(part[1], sizeof(part[1]), "FEC: %s", strerror(-nl->fec_err));
	if (nl->module_err && !unsupported(nl->module_err))
		snprintf(part[2], sizeof(part[2]), "module: %s", strerror(-nl->module_err));
	if (!*part[0] && !*part[1] && !*part[2])
		return;
	fprintf(f, "  ethtool: ");
	for (int i = 0; i < 3; i++) {
		if (*part[i]) {
			fprintf(f, "%s%s", sep, part[i]);
			sep = "; ";
		}
	}
	fputc('\n', f);
}

/*
 * The text table: ports sorted by name, "-" for what is unknown (no speed, no NUMA node),
 * a virtual port on one line (not three "Operation not supported" under it).
 */
static void inv_print(const struct fp_inventory *inv, FILE *f)
{
	unsigned rdma = 0, mods = 0;

	fprintf(f, "%-16s %-10s %8s %-8s %-14s %-5s %s\n", "port", "state", "Gb/s", "media", "pcie",
		"numa", "errors");
	for (unsigned i = 0; i < inv->n; i++) {
		const struct fp_port *p = &inv->ports[i];
		uint64_t errs = 0;
		char pci[32] = "virtual", sp[16] = "-", numa[16] = "-";

		for (unsigned k = 0; k < p->nc; k++)
			if (fp_counter_is_error(p->c[k].name))
				errs += p->c[k].value;
		if (p->pcie.present)
			snprintf(pci, sizeof(pci), "x%d/%g GT/s", p->pcie.width, p->pcie.speed_gts);
		if (p->speed_gbps > 0)
			snprintf(sp, sizeof(sp), "%g", p->speed_gbps);
		if (p->pcie.numa_node >= 0)
			snprintf(numa, sizeof(numa), "%d", p->pcie.numa_node);
		fprintf(f, "%-16s %-10s %8s %-8s %-14s %-5s %llu\n", p->name,
			*p->state ? p->state : "-", sp,
			p->has_module ? fp_media_name(p->module.media) : "-", pci, numa,
			(unsigned long long)errs);
		print_ethnl(p, f);
		if (p->has_module)
			fp_module_print(&p->module, f);
		rdma += p->rdma;
		mods += p->has_module;
	}
	if (!inv->n)
		fprintf(f, "(no network ports)\n");
	if (!rdma)
		fprintf(f, "RDMA: no devices (nothing under sys/class/infiniband)\n");
	if (!mods)
		fprintf(f, "modules: none read (give a dump with --eeprom-file)\n");
	for (unsigned i = 0; i < inv->nwarn; i++)
		fprintf(f, "warning: %s\n", inv->warn[i]);
}

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
	if (fp_pause_sample_root(&inv, c.root, c.settle_ns)) {
		fprintf(stderr, "fabprobe inventory: out of memory sampling pause counters\n");
		fp_inventory_free(&inv);
		return 1;
	}
	if (c.eeprom) {
		uint8_t img[MAX_IMG];
		struct fp_port *p = NULL;
		char *text;
		size_t len, ilen;

		int ret = fp_read_file_bin(c.eeprom, 1 << 20, &text, &len, err, sizeof(err));

		if (ret) {
			/* the reader's message already names the file */
			fprintf(stderr, "fabprobe inventory: %s\n", err);
			fp_inventory_free(&inv);
			return 2;
		}
		ret = fp_module_read_hex(text, len, img, sizeof(img), &ilen, err, sizeof(err));
		free(text);
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
	if (inv.n > 1)
		qsort(inv.ports, inv.n, sizeof(*inv.ports), port_cmp);
	fp_inventory_check(&inv);
	if (c.format == 1)
		fp_inventory_json(&inv, stdout);
	else
		inv_print(&inv, stdout);
	fp_inventory_free(&inv);
	return 0;
}
