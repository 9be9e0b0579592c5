// SPDX-License-Identifier: MIT
#include "yaml.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Offset of the first byte that breaks UTF-8 (RFC 3629), or len when it is all valid. */
static size_t utf8_bad(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i], n;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return i;
		}
		if (len - i <= n)
			return i;
		for (unsigned k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		/* overlong, surrogate or beyond U+10FFFF */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += n + 1;
	}
	return len;
}

int fp_yaml_text_ok(const char *text, size_t len, const char *src, char *err, size_t errlen)
{
	const char *nul = memchr(text, 0, len);
	size_t bad;

	if (nul) {
		snprintf(err, errlen, "%s: binary data (a NUL byte at offset %zu)", src,
			 (size_t)(nul - text));
		return -EINVAL;
	}
	bad = utf8_bad((const unsigned char *)text, len);
	if (bad < len) {
		snprintf(err, errlen, "%s: not UTF-8 text (invalid byte 0x%02x at offset %zu)", src,
			 (unsigned char)text[bad], bad);
		return -EINVAL;
	}
	return 0;
}

/* libfyaml 0.7.12 leaks a buffer on CRs inside a multi-line quoted scalar: give it LFs. */
char *fp_yaml_copy(const char *text, size_t *len)
{
	char *copy = malloc(*len + 1);
	size_t o = 0;

	if (!copy)
		return NULL;
	for (size_t i = 0; i < *len; i++) {
		if (text[i] == '\r') {
			copy[o++] = '\n';
			i += i + 1 < *len && text[i + 1] == '\n';
		} else {
			copy[o++] = text[i];
		}
	}
	copy[o] = 0;
	*len = o;
	return copy;
}

struct fy_diag *fp_yaml_diag(void)
{
	struct fy_diag_cfg dcfg;
	struct fy_diag *diag;

	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = NULL;
	diag = fy_diag_create(&dcfg);
	if (diag)
		fy_diag_set_collect_errors(diag, true);
	return diag;
}

void fp_yaml_diag_error(struct fy_diag *diag, const char *src, const char *fallback, char *err,
			size_t errlen)
{
	void *it = NULL;
	struct fy_diag_error *e = fy_diag_errors_iterate(diag, &it);

	snprintf(err, errlen, "%s:%d: %s", src, e ? e->line + 1 : 0,
		 e && e->msg ? e->msg : fallback);
}

struct fy_document *fp_yaml_parse(const char *text, size_t len, const char *src, char *err,
				  size_t errlen)
{
	struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG };
	struct fy_document *doc;
	struct fy_diag *diag;
	char *copy;

	if (fp_yaml_text_ok(text, len, src, err, errlen))
		return NULL;
	diag = fp_yaml_diag();
	/* the document points into its input: it gets its own copy, which it frees */
	copy = diag ? fp_yaml_copy(text, &len) : NULL;
	if (!copy) {
		fy_diag_destroy(diag);
		snprintf(err, errlen, "%s: out of memory", src);
		return NULL;
	}
	cfg.diag = diag;
	errno = 0;
	doc = fy_document_build_from_malloc_string(&cfg, copy, len);
	if (!doc && errno == ENOMEM) /* a tree several times the text's size: not a syntax error */
		snprintf(err, errlen, "%s: out of memory reading it (%zu bytes)", src, len);
	else if (!doc)
		fp_yaml_diag_error(diag, src, "not valid YAML or JSON", err, errlen);
	fy_diag_destroy(diag);
	return doc;
}
