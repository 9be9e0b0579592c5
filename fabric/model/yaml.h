/* SPDX-License-Identifier: MIT */
/* libfyaml behind one door: quiet parsing, errors as "src:line: message", text checked first. */
#ifndef FP_YAML_H
#define FP_YAML_H

#include <libfyaml.h>
#include <stddef.h>

/*
 * Text fit for libfyaml: no NUL byte, valid UTF-8 (RFC 3629). 0, or -EINVAL with
 * "src: what, at offset N" in err. Some invalid bytes send libfyaml 0.7 into an endless loop.
 */
int fp_yaml_text_ok(const char *text, size_t len, const char *src, char *err, size_t errlen);
/*
 * A copy of text with line breaks as YAML reads them (CR LF and a lone CR are LF), which
 * libfyaml frees with the document or parser; NULL when out of memory. *len is updated.
 */
char *fp_yaml_copy(const char *text, size_t *len);
/* A diagnostics object that collects errors quietly; NULL when out of memory. */
struct fy_diag *fp_yaml_diag(void);
/* The first collected error as "src:line: message" (or fallback when there is none). */
void fp_yaml_diag_error(struct fy_diag *diag, const char *src, const char *fallback, char *err,
			size_t errlen);
/*
 * Parse YAML or JSON into a document tree, quietly: NULL with "src:line: message" in err on
 * a syntax error. The document keeps its own copy of text.
 */
struct fy_document *fp_yaml_parse(const char *text, size_t len, const char *src, char *err,
				  size_t errlen);

#endif
