/* SPDX-License-Identifier: MIT */
/*
 * Topology file formats: one registry row per format, each row in the file that reads it.
 * A new importer is one file that defines its row, plus that row in topo_format.c's table.
 * Shared by the loaders only; users call fp_topo_load() (topo.h).
 */
#ifndef FP_TOPO_FORMAT_H
#define FP_TOPO_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

struct fp_topo;

struct fp_topo_format {
	const char *name;
	const char *exts; /* file name endings that name it, blank-separated: ".yaml .yml" */
	/* does the content look like this format? cheap and conservative */
	bool (*sniff)(const char *text, size_t len);
	/* replace *t with what text holds: 0 or -errno with "src:line: what" in err */
	int (*load)(struct fp_topo *t, const char *text, size_t len, const char *src, char *err,
		    size_t errlen);
};

extern const struct fp_topo_format fp_format_native, fp_format_native_json, fp_format_lldp,
	fp_format_ibnet;

/*
 * The native loader's two readers alone, for tests that compare them: fp_topo_load_yaml()
 * streams events, and reads a document tree only when the event reader steps aside
 * (-EAGAIN: a rare shape, or an error whose message the tree reader gives).
 */
int fp_topo_load_yaml_events(struct fp_topo *t, const char *text, size_t len, const char *src,
			     char *err, size_t errlen);
int fp_topo_load_yaml_tree(struct fp_topo *t, const char *text, size_t len, const char *src,
			   char *err, size_t errlen);
/* a keyed (per-process) hash of a NUL-terminated string: the loaders' hash tables */
uint64_t fp_name_hash(const char *s);
/* a name fit for the model: letters, digits, '_', '.', '-'; anything else becomes '_' */
void fp_topo_sanitize(const char *in, char *out, size_t len);
/*
 * Importers' tiers: each switch's hop distance from the nearest host (leaf 1, spine 2,
 * core 3), after fp_topo_index(). 0 or -ENOMEM.
 */
int fp_topo_set_tiers(struct fp_topo *t);
/* s inside a double-quoted YAML scalar: quotes, backslashes and controls escaped */
void fp_topo_put_escaped(FILE *f, const char *s);

#endif
