/* SPDX-License-Identifier: MIT */
/* A small streaming JSON writer: the emitter behind run.json and --format json. */
#ifndef FP_JSON_H
#define FP_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define FP_JSON_DEPTH 32

struct fp_json {
	FILE *f;
	int depth;
	bool first[FP_JSON_DEPTH];
	char close[FP_JSON_DEPTH];
	bool pretty;
};

void fp_json_init(struct fp_json *j, FILE *f, bool pretty);
/* key may be NULL inside arrays */
void fp_json_obj(struct fp_json *j, const char *key);
void fp_json_arr(struct fp_json *j, const char *key);
void fp_json_end(struct fp_json *j);
void fp_json_str(struct fp_json *j, const char *key, const char *v);
void fp_json_u64(struct fp_json *j, const char *key, uint64_t v);
void fp_json_i64(struct fp_json *j, const char *key, int64_t v);
/* non-finite numbers become null: JSON has no NaN */
void fp_json_num(struct fp_json *j, const char *key, double v);
void fp_json_bool(struct fp_json *j, const char *key, bool v);
void fp_json_null(struct fp_json *j, const char *key);

/*
 * One emitter for text and JSON, as ethtool's print_*(PRINT_ANY, key, fmt, value): each
 * call names the JSON key and the text format of one value. In JSON mode the key and value
 * are written, in text mode the format; a NULL key or format leaves the value out of that
 * mode (the format of fp_emit_i64 takes a long long). Objects and arrays are JSON only.
 */
struct fp_emit {
	struct fp_json j;
	FILE *f;
	bool json;
};

void fp_emit_init(struct fp_emit *e, FILE *f, bool json);
void fp_emit_obj(struct fp_emit *e, const char *key);
void fp_emit_arr(struct fp_emit *e, const char *key);
void fp_emit_end(struct fp_emit *e);
void fp_emit_str(struct fp_emit *e, const char *key, const char *fmt, const char *v);
void fp_emit_num(struct fp_emit *e, const char *key, const char *fmt, double v);
void fp_emit_i64(struct fp_emit *e, const char *key, const char *fmt, int64_t v);
void fp_emit_bool(struct fp_emit *e, const char *key, bool v); /* JSON only */
/* text only */
void fp_emit_text(struct fp_emit *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Atomic files: write to a temporary name in the same folder, then fsync and rename(2), so
 * a reader sees the old file or the whole new one, never a part.
 */
struct fp_afile {
	FILE *f;
	char tmp[4096];
	char path[4096];
};

int fp_afile_open(struct fp_afile *a, const char *path);
int fp_afile_commit(struct fp_afile *a);
void fp_afile_abort(struct fp_afile *a);

#endif
