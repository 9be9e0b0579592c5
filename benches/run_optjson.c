// SPDX-License-Identifier: MIT
/*
 * Every option of a run in run.json, the runner's and the chosen engine's, read back from
 * the same tables that parsed them: a reader later needs --op, --gid-index or --rate without
 * parsing command_line. Durations are in seconds under NAME_s; the job token is never written.
 */
#include <stdio.h>
#include <string.h>

#include "../core/json.h"
#include "runner.h"

/* The CHOICE option's value: the idx-th of "a|b|c". */
static void choice(const char *choices, int idx, char *out, size_t len)
{
	const char *p = choices;

	for (int i = 0; i < idx && p; i++) {
		p = strchr(p, '|');
		p = p ? p + 1 : NULL;
	}
	if (!p || idx < 0) {
		snprintf(out, len, "%d", idx);
		return;
	}
	snprintf(out, len, "%.*s", (int)strcspn(p, "|"), p);
}

static void one(struct fp_json *j, const struct fp_opt *o, const unsigned char *base)
{
	const void *v = base + o->off;
	char key[64], buf[64];

	switch (o->type) {
	case FP_OPT_BOOL:
		fp_json_bool(j, o->name, *(const bool *)v);
		break;
	case FP_OPT_INT:
		fp_json_i64(j, o->name, *(const int64_t *)v);
		break;
	case FP_OPT_SIZE:
		fp_json_u64(j, o->name, *(const uint64_t *)v);
		break;
	case FP_OPT_SIZES: {
		const struct fp_sizes *s = v;

		fp_json_arr(j, o->name);
		for (unsigned i = 0; i < s->n; i++)
			fp_json_u64(j, NULL, s->v[i]);
		fp_json_end(j);
		break;
	}
	case FP_OPT_DURATION:
		snprintf(key, sizeof(key), "%s_s", o->name);
		fp_json_num(j, key, (double)*(const uint64_t *)v / 1e9);
		break;
	case FP_OPT_STRING:
		if (!strcmp(o->name, "token") && *(const char *const *)v)
			fp_json_str(j, o->name, "***");
		else
			fp_json_str(j, o->name, *(const char *const *)v);
		break;
	case FP_OPT_CHOICE:
		choice(o->choices, *(const int *)v, buf, sizeof(buf));
		fp_json_str(j, o->name, buf);
		break;
	}
}

void fp_run_json_options(struct fp_json *j, const struct fp_run_cfg *cfg)
{
	struct fp_engine_ops ops;

	fp_json_obj(j, "run");
	for (const struct fp_opt *o = fp_run_opts; o->name; o++)
		one(j, o, (const unsigned char *)cfg);
	fp_json_end(j);
	fp_json_obj(j, "engine");
	if (!fp_engine_find(cfg->engine, &ops) && ops.opts)
		for (const struct fp_opt *o = ops.opts; o->name; o++)
			one(j, o, cfg->engine_cfg);
	fp_json_end(j);
}
