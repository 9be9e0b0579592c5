// SPDX-License-Identifier: MIT
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void fp_json_init(struct fp_json *j, FILE *f, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty = pretty;
	j->first[0] = true;
}

static void put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void indent(struct fp_json *j)
{
	if (!j->pretty)
		return;
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

static void item(struct fp_json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (j->depth)
		indent(j);
	if (key) {
		put_str(j->f, key);
		fputs(j->pretty ? ": " : ":", j->f);
	}
}

static void open_(struct fp_json *j, const char *key, char c)
{
	item(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < FP_JSON_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
	j->close[j->depth] = c == '{' ? '}' : ']';
}

void fp_json_obj(struct fp_json *j, const char *key)
{
	open_(j, key, '{');
}

void fp_json_arr(struct fp_json *j, const char *key)
{
	open_(j, key, '[');
}

void fp_json_end(struct fp_json *j)
{
	bool empty = j->first[j->depth];
	char c = j->close[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (!empty)
		indent(j);
	fputc(c, j->f);
	if (!j->depth && j->pretty)
		fputc('\n', j->f);
}

void fp_json_str(struct fp_json *j, const char *key, const char *v)
{
	if (!v) {
		fp_json_null(j, key);
		return;
	}
	item(j, key);
	put_str(j->f, v);
}

void fp_json_u64(struct fp_json *j, const char *key, uint64_t v)
{
	item(j, key);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void fp_json_i64(struct fp_json *j, const char *key, int64_t v)
{
	item(j, key);
	fprintf(j->f, "%lld", (long long)v);
}

void fp_json_num(struct fp_json *j, const char *key, double v)
{
	item(j, key);
	if (isfinite(v))
		fprintf(j->f, "%.10g", v);
	else
		fputs("null", j->f);
}

void fp_json_bool(struct fp_json *j, const char *key, bool v)
{
	item(j, key);
	fputs(v ? "true" : "false", j->f);
}

void fp_json_null(struct fp_json *j, const char *key)
{
	item(j, key);
	fputs("null", j->f);
}

void fp_emit_init(struct fp_emit *e, FILE *f, bool json)
{
	memset(e, 0, sizeof(*e));
	e->f = f;
	e->json = json;
	fp_json_init(&e->j, f, true);
}

void fp_emit_obj(struct fp_emit *e, const char *key)
{
	if (e->json)
		fp_json_obj(&e->j, key);
}

void fp_emit_arr(struct fp_emit *e, const char *key)
{
	if (e->json)
		fp_json_arr(&e->j, key);
}

void fp_emit_end(struct fp_emit *e)
{
	if (e->json)
		fp_json_end(&e->j);
}

void fp_emit_str(struct fp_emit *e, const char *key, const char *fmt, const char *v)
{
	if (e->json && key)
		fp_json_str(&e->j, key, v);
	else if (!e->json && fmt)
		fprintf(e->f, fmt, v ? v : "");
}

void fp_emit_num(struct fp_emit *e, const char *key, const char *fmt, double v)
{
	if (e->json && key)
		fp_json_num(&e->j, key, v);
	else if (!e->json && fmt)
		fprintf(e->f, fmt, v);
}

void fp_emit_i64(struct fp_emit *e, const char *key, const char *fmt, int64_t v)
{
	if (e->json && key)
		fp_json_i64(&e->j, key, v);
	else if (!e->json && fmt)
		fprintf(e->f, fmt, (long long)v);
}

void fp_emit_bool(struct fp_emit *e, const char *key, bool v)
{
	if (e->json)
		fp_json_bool(&e->j, key, v);
}

void fp_emit_text(struct fp_emit *e, const char *fmt, ...)
{
	va_list ap;

	if (e->json)
		return;
	va_start(ap, fmt);
	vfprintf(e->f, fmt, ap);
	va_end(ap);
}

int fp_afile_open(struct fp_afile *a, const char *path)
{
	int fd;

	memset(a, 0, sizeof(*a));
	if (snprintf(a->path, sizeof(a->path), "%s", path) >= (int)sizeof(a->path))
		return -ENAMETOOLONG;
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;

	/*
	 * Not mkstemp(3): its 0600 would need a forced chmod. Created 0666 here, the file
	 * gets what the user's umask allows, like any file a tool writes.
	 */
	fd = -1;
	for (unsigned try = 0; fd < 0 && try < 100; try++) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (snprintf(a->tmp, sizeof(a->tmp), "%.*s.%s.tmp%d.%lx", dirlen, path,
			     slash ? slash + 1 : path, (int)getpid(),
			     (unsigned long)ts.tv_nsec ^ try) >= (int)sizeof(a->tmp))
			return -ENAMETOOLONG;
		fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0 && errno != EEXIST)
			return -errno;
	}
	if (fd < 0)
		return -EEXIST;
	a->f = fdopen(fd, "w");
	if (!a->f) {
		int e = -errno;

		close(fd);
		unlink(a->tmp);
		return e;
	}
	return 0;
}

int fp_afile_commit(struct fp_afile *a)
{
	int ret = 0;

	if (!a->f)
		return -EBADF;
	if (fflush(a->f) || ferror(a->f) || fsync(fileno(a->f)))
		ret = errno ? -errno : -EIO;
	if (fclose(a->f) && !ret)
		ret = -errno;
	a->f = NULL;
	if (!ret && rename(a->tmp, a->path))
		ret = -errno;
	if (ret)
		unlink(a->tmp);
	return ret;
}

void fp_afile_abort(struct fp_afile *a)
{
	if (!a->f)
		return;
	fclose(a->f);
	a->f = NULL;
	unlink(a->tmp);
}
