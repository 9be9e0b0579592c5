// SPDX-License-Identifier: MIT
/* fabprobe fleet: every host's inventory compared, and the hosts that differ named. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/json.h"
#include "../core/opts.h"
#include "../fabric/model/fleet_read.h"
#include "cli.h"

struct fleet_cfg {
	const char *from, *out;
	int format;
};

static const struct fp_opt fleet_opts[] = {
	{ "from", FP_OPT_STRING, offsetof(struct fleet_cfg, from), NULL, 0, 0, NULL, NULL, "DIR",
	  "compare the inventory documents (fabprobe inventory --format json) in DIR" },
	{ "out", FP_OPT_STRING, offsetof(struct fleet_cfg, out), NULL, 0, 0, NULL, NULL, "DIR",
	  "also write DIR/fleet.json (a result folder: report and check read it)" },
	{ "format", FP_OPT_CHOICE, offsetof(struct fleet_cfg, format), "text", 0, 0, "text|json",
	  NULL, NULL, "output" },
	FP_OPT_END,
};

static void help(void)
{
	printf("usage: fabprobe fleet --from DIR [options]\n\n"
	       "Every host's properties (NIC model, firmware, driver, kernel, MTU, link speed,\n"
	       "PCIe, NUMA, GID types, RoCE ToS, ECN, PFC/ETS/trust) compared: per property the\n"
	       "majority and each group of hosts that differs. MTU, PFC, GID types and ECN must\n"
	       "match (errors); the rest are outliers. A property a host does not report is\n"
	       "unknown there, never a mismatch. Exit 0: no errors; 1: a must-match property\n"
	       "differs; 2: bad input.\n\noptions:\n");
	fp_opts_help(stdout, fleet_opts);
}

/* DIR/fleet.json, atomically, never over an existing one */
static int write_out(const struct fp_fleet *f, const char *dir, char *err, size_t el)
{
	char path[PATH_MAX];
	struct fp_afile a;
	struct fp_emit e;
	int ret;

	if (mkdir(dir, 0777) && errno != EEXIST) {
		snprintf(err, el, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	if (snprintf(path, sizeof(path), "%s/fleet.json", dir) >= (int)sizeof(path)) {
		snprintf(err, el, "%s: path too long", dir);
		return -ENAMETOOLONG;
	}
	if (!access(path, F_OK)) {
		snprintf(err, el, "%s exists: a result is never overwritten", path);
		return -EEXIST;
	}
	ret = fp_afile_open(&a, path);
	if (ret) {
		snprintf(err, el, "%s: %s", path, strerror(-ret));
		return ret;
	}
	fp_emit_init(&e, a.f, true);
	fp_fleet_emit(f, &e);
	ret = fp_afile_commit(&a);
	if (ret)
		snprintf(err, el, "%s: %s", path, strerror(-ret));
	return ret;
}

int fp_cmd_fleet(int argc, char **argv, char **full, int fullc)
{
	struct fleet_cfg c;
	struct fp_fleet f;
	struct fp_emit e;
	const char *pos[1];
	char err[512];
	int np = 0, ret;

	(void)full;
	(void)fullc;
	memset(&c, 0, sizeof(c));
	memset(&f, 0, sizeof(f));
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			help();
			return 0;
		}
	if (fp_opts_parse(fleet_opts, &c, argc, argv, pos, 0, &np, NULL, err, sizeof(err))) {
		fprintf(stderr, "fabprobe fleet: %s\n", err);
		return 2;
	}
	if (!c.from) {
		fprintf(stderr, "fabprobe fleet: which hosts? --from DIR of inventory documents\n");
		return 2;
	}
	ret = fp_fleet_read_dir(&f, c.from, err, sizeof(err));
	if (!ret && c.out)
		ret = write_out(&f, c.out, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "fabprobe fleet: %s\n", err);
		fp_fleet_free(&f);
		return 2;
	}
	fp_emit_init(&e, stdout, c.format == 1);
	fp_fleet_emit(&f, &e);
	ret = f.mismatch ? 1 : 0;
	fp_fleet_free(&f);
	return ret;
}
