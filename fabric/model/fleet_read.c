// SPDX-License-Identifier: MIT
/* Inventory documents into a fleet; a fleet.json's summary back. */
#include "fleet_read.h"

#include <dirent.h>
#include <errno.h>
#include <libfyaml.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/file.h"
#include "jread.h"
#include "yaml.h"

#define MAX_DOC (16u << 20)

/* the "fleet" mapping: string keys to scalar values; anything else is refused */
static int props(struct fp_fleet_host *h, struct fy_node *m, const char *where, char *err,
		 size_t el)
{
	char key[FP_FLEET_KEY], val[FP_FLEET_VAL];
	struct fy_node_pair *pair;
	struct fy_node *v;
	void *it = NULL;

	if (!fy_node_is_mapping(m)) {
		snprintf(err, el, "%s: 'fleet' is not a mapping", where);
		return -EINVAL;
	}
	while ((pair = fy_node_mapping_iterate(m, &it))) {
		if (!fp_jstr(fy_node_pair_key(pair), key, sizeof(key)) || !key[0]) {
			snprintf(err, el,
				 "%s: a fleet property name that is not a string of 1 to %d bytes",
				 where, FP_FLEET_KEY - 1);
			return -EINVAL;
		}
		v = fy_node_pair_value(pair);
		/* a plain null says unknown, as an absent key does */
		if (v && fy_node_is_scalar(v) && fy_node_get_style(v) == FYNS_PLAIN &&
		    fp_jstr(v, val, sizeof(val)) && !strcmp(val, "null"))
			continue;
		if (!fp_jstr(v, val, sizeof(val))) {
			snprintf(err, el, "%s: fleet property '%s': not a string of up to %d bytes",
				 where, key, FP_FLEET_VAL - 1);
			return -EINVAL;
		}
		if (h->n >= FP_FLEET_MAX_PROPS) {
			snprintf(err, el, "%s: more than %d fleet properties", where,
				 FP_FLEET_MAX_PROPS);
			return -EINVAL;
		}
		if (fp_fleet_host_set(h, key, val)) {
			snprintf(err, el, "%s: out of memory", where);
			return -ENOMEM;
		}
	}
	return 0;
}

int fp_fleet_read_doc(struct fp_fleet *f, const char *where, const char *text, size_t len,
		      char *err, size_t el)
{
	struct fy_document *doc;
	struct fy_node *root, *fl;
	char host[64];
	int ret = -EINVAL;

	if (f->nh >= FP_FLEET_MAX_HOSTS) {
		snprintf(err, el, "%s: more than %d hosts", where, FP_FLEET_MAX_HOSTS);
		return -EINVAL;
	}
	doc = fp_yaml_parse(text, len, where, err, el);
	if (!doc)
		return -EINVAL;
	root = fy_document_root(doc);
	fl = fp_jkey(root, "fleet");
	if (!fp_jstr(fp_jkey(root, "host"), host, sizeof(host)) || !fl) {
		snprintf(err, el,
			 "%s: not a fabprobe inventory with fleet properties (no host or fleet)",
			 where);
		goto out;
	}
	ret = fp_fleet_add_host(f, host, err, el);
	if (ret) {
		/* say which file: the error names the host */
		char e2[256];

		snprintf(e2, sizeof(e2), "%s", err);
		snprintf(err, el, "%s: %s", where, e2);
		goto out;
	}
	ret = props(&f->h[f->nh - 1], fl, where, err, el);
	if (ret) { /* no half-read host */
		fp_fleet_host_free(&f->h[--f->nh]);
	}
out:
	fy_document_destroy(doc);
	return ret;
}

static int json_name(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return e->d_name[0] != '.' && n > 5 && !strcmp(e->d_name + n - 5, ".json");
}

int fp_fleet_read_dir(struct fp_fleet *f, const char *dir, char *err, size_t el)
{
	struct dirent **names;
	int n = scandir(dir, &names, json_name, alphasort), ret = 0;

	if (n < 0) {
		int e = errno;

		snprintf(err, el, "%s: %s", dir, strerror(e));
		return -e;
	}
	if (!n) {
		snprintf(err, el, "%s: no inventory documents (*.json) in it", dir);
		ret = -EINVAL;
	}
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX], *text;
		size_t len;

		if (!ret && snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) >=
				    (int)sizeof(path)) {
			snprintf(err, el, "%s: path too long", dir);
			ret = -EINVAL;
		}
		if (!ret) {
			ret = fp_read_file(path, MAX_DOC, &text, &len, err, el);
			if (!ret) {
				ret = fp_fleet_read_doc(f, path, text, len, err, el);
				free(text);
			}
		}
		free(names[i]);
	}
	free(names);
	if (!ret && fp_fleet_compare(f)) {
		snprintf(err, el, "out of memory comparing %u hosts", f->nh);
		ret = -ENOMEM;
	}
	return ret;
}

int fp_fleet_summary_load(const char *path, double *outliers, double *mismatch, char *err,
			  size_t el)
{
	struct fy_document *doc;
	struct fy_node *root;
	double o, m, v;
	char *text;
	size_t len;
	int ret;

	if (access(path, F_OK))
		return -ENOENT;
	ret = fp_read_file(path, MAX_DOC, &text, &len, err, el);
	if (ret)
		return -EINVAL;
	doc = fp_yaml_parse(text, len, path, err, el);
	free(text);
	if (!doc)
		return -EINVAL;
	root = fy_document_root(doc);
	ret = -EINVAL;
	if (!fp_jnum(fp_jkey(root, "schema_version"), &v) || v != 1 ||
	    !fp_jnum(fp_jkey(root, "fleet_outliers"), &o) || o < 0 ||
	    !fp_jnum(fp_jkey(root, "fleet_mismatch"), &m) || m < 0)
		snprintf(err, el, "%s: not a fabprobe fleet.json (schema_version 1)", path);
	else
		ret = 0;
	fy_document_destroy(doc);
	if (!ret) {
		*outliers = o;
		*mismatch = m;
	}
	return ret;
}
