/* SPDX-License-Identifier: MIT */
/* Reading parsed JSON/YAML (libfyaml) defensively: NULL-safe lookups, bounded copies. */
#ifndef FP_JREAD_H
#define FP_JREAD_H

#include <stdbool.h>
#include <stddef.h>

/* libfyaml's node: its users include <libfyaml.h> themselves; this header does not export it */
struct fy_node;

/* the value of key k in mapping m, NULL when m is not a mapping or has no such key */
struct fy_node *fp_jkey(struct fy_node *m, const char *k);
/* a scalar as a finite number */
bool fp_jnum(struct fy_node *n, double *out);
/* a scalar copied into buf (NUL-terminated), NULL when it does not fit */
const char *fp_jstr(struct fy_node *n, char *buf, size_t len);

#endif
