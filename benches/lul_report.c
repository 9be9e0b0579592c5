// SPDX-License-Identifier: MIT
/*
 * classes.json: per class the usual statistics (from its own run.json), for a latency class
 * its percentiles idle and loaded, their ratio, and the bloat matrix (per pair, one-way p99
 * loaded minus idle) that shows a hot link or queue as a band. Schema: results/README.md.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json.h"
#include "lul_report.h"
#include "result_read.h"

struct side {
	bool ok;
	struct fp_result r;
	const struct fp_rsize *z;
};

static void load(const char *top, const char *prefix, const struct fp_class *c, struct side *s)
{
	char dir[4400], err[512];

	memset(s, 0, sizeof(*s));
	snprintf(dir, sizeof(dir), "%s/%s%s", top, prefix, c->name);
	if (fp_result_load(dir, NULL, &s->r, err, sizeof(err))) {
		fp_result_free(&s->r);
		memset(&s->r, 0, sizeof(s->r));
		return;
	}
	s->ok = true;
	s->z = fp_result_size(&s->r, c->size);
}

static void json_side(struct fp_json *j, const char *key, const char *dir, const struct side *s,
		      int code)
{
	static const char *const lat[FP_RLAT_N] = { "p50_us", "p99_us", "p99_9_us", "max_us",
						    "mean_us" };

	fp_json_obj(j, key);
	fp_json_str(j, "dir", dir);
	fp_json_str(j, "status", !s->ok ? "missing" : s->r.status);
	fp_json_i64(j, "exit", code);
	for (int k = 0; s->z && k < FP_RLAT_N; k++)
		if (!isnan(s->z->lat[k]))
			fp_json_num(j, lat[k], s->z->lat[k]);
	if (s->z && s->z->has_bw && !isnan(s->z->bw[FP_RBW_AGG]))
		fp_json_num(j, "aggregate_Gbps", s->z->bw[FP_RBW_AGG]);
	fp_json_end(j);
}

/* the bloat list in classes.json and bloat_NAME.csv; m is world x world */
static int bloat(struct fp_json *j, const char *top, const struct fp_class *c,
		 const struct side *idle, const struct side *loaded, int world, double *m)
{
	char path[4400];
	struct fp_afile a;
	int pairs = fp_bloat_matrix(&idle->r, &loaded->r, c->size, m, world);

	/* no matrix for these runs (too many ranks, or a world that does not match): the
	 * class's other figures still stand, so say why there is none and go on */
	if (pairs == -EINVAL) {
		fp_json_null(j, "bloat");
		fp_json_str(j, "bloat_skipped",
			    idle->r.world_size != world || loaded->r.world_size != world
				    ? "the idle or loaded run's world_size is not the run's"
				    : "no bloat matrix below 2 or above 4096 ranks");
		return 0;
	}
	if (pairs < 0)
		return pairs;
	fp_json_arr(j, "bloat");
	for (int s = 0; s < world; s++)
		for (int d = s + 1; d < world; d++) {
			double b = m[(size_t)s * (size_t)world + (size_t)d];

			if (isnan(b))
				continue;
			fp_json_obj(j, NULL);
			fp_json_i64(j, "src", s);
			fp_json_i64(j, "dst", d);
			fp_json_num(j, "bloat_p99_us", b);
			fp_json_end(j);
		}
	fp_json_end(j);
	snprintf(path, sizeof(path), "%s/bloat_%s.csv", top, c->name);
	if (fp_afile_open(&a, path))
		return -errno;
	/* gnuplot `matrix columnheaders rowheaders`: ranks, NaN where a pair has none */
	fprintf(a.f, "rank");
	for (int d = 0; d < world; d++)
		fprintf(a.f, ",%d", d);
	fputc('\n', a.f);
	for (int s = 0; s < world; s++) {
		fprintf(a.f, "%d", s);
		for (int d = 0; d < world; d++) {
			double v = m[(size_t)s * (size_t)world + (size_t)d];

			if (isnan(v))
				fprintf(a.f, ",nan");
			else
				fprintf(a.f, ",%.3f", v);
		}
		fputc('\n', a.f);
	}
	return fp_afile_commit(&a);
}

static int one_class(struct fp_json *j, const char *top, const struct fp_class *c,
		     const int code[2], int world, double *m, bool quiet)
{
	bool lat = fp_class_is_latency(c);
	struct side idle, loaded;
	char dir[64];
	int ret = 0;

	load(top, "", c, &loaded);
	if (lat)
		load(top, "idle-", c, &idle);
	fp_json_obj(j, NULL);
	fp_json_str(j, "name", c->name);
	fp_json_str(j, "pattern", c->pattern);
	fp_json_u64(j, "size", c->size);
	if (c->dscp >= 0)
		fp_json_i64(j, "dscp", c->dscp);
	else
		fp_json_null(j, "dscp");
	fp_json_str(j, "kind", lat ? "latency" : "bulk");
	if (lat) {
		snprintf(dir, sizeof(dir), "idle-%s", c->name);
		json_side(j, "idle", dir, &idle, code[0]);
	}
	json_side(j, "loaded", c->name, &loaded, code[1]);
	if (lat && idle.z && loaded.z && idle.z->lat[FP_RLAT_P99] > 0)
		fp_json_num(j, "p99_ratio", loaded.z->lat[FP_RLAT_P99] / idle.z->lat[FP_RLAT_P99]);
	if (lat && idle.ok && loaded.ok)
		ret = bloat(j, top, c, &idle, &loaded, world, m);
	fp_json_end(j);
	if (!quiet && lat)
		printf("%-12s latency  p99 idle %10.2f us  loaded %10.2f us\n", c->name,
		       idle.z ? idle.z->lat[FP_RLAT_P99] : NAN,
		       loaded.z ? loaded.z->lat[FP_RLAT_P99] : NAN);
	else if (!quiet)
		printf("%-12s bulk     %10.3f Gb/s\n", c->name,
		       loaded.z && loaded.z->has_bw ? loaded.z->bw[FP_RBW_AGG] : NAN);
	fp_result_free(&loaded.r);
	if (lat)
		fp_result_free(&idle.r);
	return ret;
}

int fp_lul_report(const char *top, const struct fp_class *cls, unsigned n,
		  int codes[2][FP_CLASS_MAX], int world, bool quiet)
{
	char path[4200];
	struct fp_afile a;
	struct fp_json j;
	double *m = malloc((size_t)world * (size_t)world * sizeof(*m));
	bool ok = true;
	int ret = 0;

	for (unsigned i = 0; i < n; i++)
		ok &= !codes[0][i] && !codes[1][i];
	snprintf(path, sizeof(path), "%s/classes.json", top);
	if (!m || fp_afile_open(&a, path)) {
		fprintf(stderr, "fabprobe: cannot write %s: %s\n", path,
			strerror(m ? errno : ENOMEM));
		free(m);
		return -EIO;
	}
	fp_json_init(&j, a.f, true);
	fp_json_obj(&j, NULL);
	fp_json_u64(&j, "schema_version", 1);
	fp_json_str(&j, "kind", "classes");
	fp_json_str(&j, "status", ok ? "complete" : "failed");
	fp_json_i64(&j, "world_size", world);
	fp_json_arr(&j, "classes");
	for (unsigned i = 0; i < n && !ret; i++) {
		int code[2] = { codes[0][i], codes[1][i] };

		ret = one_class(&j, top, &cls[i], code, world, m, quiet);
	}
	fp_json_end(&j);
	fp_json_end(&j);
	fputc('\n', a.f);
	free(m);
	if (ret || fp_afile_commit(&a)) {
		if (ret)
			fp_afile_abort(&a);
		fprintf(stderr, "fabprobe: cannot write %s: %s\n", path,
			strerror(ret ? -ret : errno));
		return -EIO;
	}
	if (!quiet)
		fprintf(stderr, "fabprobe: results in %s\n", top);
	return 0;
}
