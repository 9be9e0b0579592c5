// SPDX-License-Identifier: MIT
#include "file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int fp_read_file_bin(const char *path, size_t max, char **out, size_t *len, char *err,
		     size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf;
	size_t n;
	int ret;

	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		ret = -EINVAL;
		goto close;
	}
	if ((unsigned long long)st.st_size > max) {
		snprintf(err, errlen, "%s: %lld bytes, more than the %zu this reader takes", path,
			 (long long)st.st_size, max);
		ret = -EFBIG;
		goto close;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory for %lld bytes", path,
			 (long long)st.st_size);
		ret = -ENOMEM;
		goto close;
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		free(buf);
		ret = -EIO;
		goto close;
	}
	buf[n] = 0;
	*out = buf;
	*len = n;
	ret = 0;
close:
	fclose(f);
	return ret;
}

int fp_read_file(const char *path, size_t max, char **out, size_t *len, char *err, size_t errlen)
{
	char *buf;
	size_t n;
	int ret = fp_read_file_bin(path, max, &buf, &n, err, errlen);

	if (ret)
		return ret;
	if (strlen(buf) != n) {
		snprintf(err, errlen, "%s: binary data (a NUL byte at offset %zu)", path,
			 strlen(buf));
		free(buf);
		return -EINVAL;
	}
	*out = buf;
	*len = n;
	return 0;
}

int fp_parse_file(const char *path, size_t max, fp_text_parse_fn parse, void *arg, char *err,
		  size_t errlen)
{
	char *text;
	size_t len;
	int ret = fp_read_file(path, max, &text, &len, err, errlen);

	if (ret)
		return ret;
	ret = parse(arg, text, len, path, err, errlen);
	free(text);
	return ret;
}

bool fp_read_line(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "r");
	bool ok;

	out[0] = 0;
	if (!f)
		return false;
	ok = fgets(out, (int)len, f) != NULL;
	if (!ok)
		out[0] = 0;
	out[strcspn(out, "\n")] = 0;
	fclose(f);
	return ok;
}
