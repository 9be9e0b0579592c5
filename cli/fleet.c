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
#include "../benches/fleet_job.h"
#include "../fabric/model/fleet_read.h"
#include "cli.h"

struct fleet_cfg {
	const char *from, *out;
	int format;
	struct fp_fleet_job job;
};

#define SEC    1000000000ll
#define JOB(f) offsetof(struct fleet_cfg, job.f)

static const struct fp_opt fleet_opts[] = {
	{ "from", FP_OPT_STRING, offsetof(struct fleet_cfg, from), NULL, 0, 0, NULL, NULL, "DIR",
	  "compare the inventory documents (fabprobe inventory --format json) in DIR" },
	{ "out", FP_OPT_STRING, offsetof(struct fleet_cfg, out), NULL, 0, 0, NULL, NULL, "DIR",
	  "also write DIR/fleet.json (a result folder: report and check read it)" },
	{ "format", FP_OPT_CHOICE, offsetof(struct fleet_cfg, format), "text", 0, 0, "text|json",
	  NULL, NULL, "output" },
	/* without --from: one rank per host under the launcher, as for run */
	{ "sysfs-root", FP_OPT_STRING, JOB(root), "/", 0, 0, NULL, NULL, "DIR",
	  "this rank reads sys/ under DIR (fixtures) instead of the live system" },
	{ "hostname", FP_OPT_STRING, JOB(hostname), NULL, 0, 0, NULL, "FABPROBE_HOSTNAME", "NAME",
	  "this rank's host name (default: gethostname)" },
	{ "rank", FP_OPT_INT, JOB(run.rank), "0", 0, 65535, NULL, "FABPROBE_RANK", NULL,
	  "this process's rank (default: from the launcher's environment)" },
	{ "size", FP_OPT_INT, JOB(run.size), "1", 1, 65536, NULL, "FABPROBE_SIZE", NULL,
	  "number of ranks, one per host (default: from the launcher's environment)" },
	{ "rendezvous", FP_OPT_STRING, JOB(run.rendezvous), "127.0.0.1:18515", 0, 0, NULL,
	  "FABPROBE_RENDEZVOUS", "HOST:PORT", "where rank 0 listens and the others connect" },
	{ "token", FP_OPT_STRING, JOB(run.token), NULL, 0, 0, NULL, "FABPROBE_TOKEN", "STR",
	  "job token (default: the launcher's job id)" },
	{ "require-token", FP_OPT_BOOL, JOB(run.require_token), NULL, 0, 0, NULL, NULL, NULL,
	  "refuse to run off loopback with a token guessed from the launcher's job id" },
	{ "settle", FP_OPT_DURATION, JOB(settle_ns), "1s", 0, 3600 * SEC, NULL, NULL, NULL,
	  "count each port's pause/PFC frames twice this far apart at idle (0: off)" },
	{ "timeout", FP_OPT_DURATION, JOB(run.timeout_ns), "60s", SEC / 10, 24 * 3600 * SEC, NULL,
	  "FABPROBE_TIMEOUT", NULL, "longest wait for a peer" },
	FP_OPT_END,
};

static void help(void)
{
	printf("usage: fabprobe fleet --from DIR [options]\n"
	       "       mpirun -np HOSTS --map-by node fabprobe fleet [options]\n\n"
	       "Every host's properties (NIC model, firmware, driver, kernel, MTU, link speed,\n"
	       "PCIe, NUMA, GID types, RoCE ToS, ECN, PFC/ETS/trust) compared: per property the\n"
	       "majority and each group of hosts that differs. MTU, PFC, GID types and ECN must\n"
	       "match (errors); the rest are outliers. Pause frames growing at idle (pause_idle,\n"
	       "sampled --settle apart) are a storm on every host that has them. A property a\n"
	       "host does not report is unknown there, never a mismatch. Without --from, one rank\n"
	       "per host reads its inventory and rank 0 gathers them through the rendezvous and\n"
	       "prints the verdict.\n"
	       "Exit 0: no errors; 1: a must-match property differs; 2: bad input.\n\n"
	       "options:\n");
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
	uint64_t given = 0;
	bool verdict = true;
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
	if (fp_opts_parse(fleet_opts, &c, argc, argv, pos, 0, &np, &given, err, sizeof(err))) {
		fprintf(stderr, "fabprobe fleet: %s\n", err);
		return 2;
	}
	if (c.from) {
		ret = fp_fleet_read_dir(&f, c.from, err, sizeof(err));
	} else {
		/* rank and size as flags: the bits run's launcher logic reads */
		static const char *const who[] = { "rank", "size" };

		for (int k = 0; k < 2; k++)
			if (given >> fp_opts_index(fleet_opts, who[k]) & 1)
				c.job.run.given |= 1ull << fp_opts_index(fp_run_opts, who[k]);
		c.job.run.local_rank = -1;
		ret = fp_fleet_gather(&c.job, &f, &verdict, err, sizeof(err));
		if (!ret && !verdict)
			return 0; /* rank 0 has the verdict */
	}
	if (!ret && c.out)
		ret = write_out(&f, c.out, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "fabprobe fleet: %s\n", err);
		fp_fleet_free(&f);
		/* bad input is 2; a peer that failed or went silent under the launcher is 1 */
		return c.from || ret == -EINVAL || ret == -ENOENT || ret == -EEXIST ? 2 : 1;
	}
	fp_emit_init(&e, stdout, c.format == 1);
	fp_fleet_emit(&f, &e);
	ret = f.mismatch ? 1 : 0;
	fp_fleet_free(&f);
	return ret;
}
