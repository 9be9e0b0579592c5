// SPDX-License-Identifier: MIT
/*
 * The format registry: fp_topo_load() reads the file once, asks each row in order whether
 * the content is its format, and hands the text to the first that says yes. When no row
 * recognises the content, the file name's ending picks the row, so its loader can say what
 * is wrong rather than a generic "not a topology".
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"
#include "topo_format.h"

#define MAX_TOPO_FILE (256u << 20)

/* most specific first: native JSON and YAML carry a marker, lldpctl a key, ibnetdiscover none */
static const struct fp_topo_format *const formats[] = {
	&fp_format_native_json,
	&fp_format_native,
	&fp_format_lldp,
	&fp_format_ibnet,
};

#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

void fp_topo_sanitize(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in && o + 1 < len; in++)
		out[o++] = (isalnum((unsigned char)*in) || *in == '_' || *in == '.' || *in == '-')
				   ? *in
				   : '_';
	out[o] = 0;
}

static bool ends_with_one_of(const char *src, const char *exts)
{
	const char *dot = strrchr(src, '.'), *p = exts;
	size_t n;

	if (!dot || strchr(dot, '/'))
		return false;
	n = strlen(dot);
	while ((p = strstr(p, dot))) {
		if ((p == exts || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

static const struct fp_topo_format *pick(const char *text, size_t len, const char *src)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (formats[i]->sniff(text, len))
			return formats[i];
	for (size_t i = 0; i < NFORMATS; i++)
		if (ends_with_one_of(src, formats[i]->exts))
			return formats[i];
	return NULL;
}

int fp_topo_load_text(struct fp_topo *t, const char *text, size_t len, const char *src, char *err,
		      size_t errlen)
{
	const struct fp_topo_format *f = pick(text, len, src);

	if (!f) {
		snprintf(err, errlen,
			 "%s: not a fabprobe topology, ibnetdiscover output or "
			 "lldpctl -f json output",
			 src);
		return -EINVAL;
	}
	return f->load(t, text, len, src, err, errlen);
}

static int topo_parse(void *t, const char *text, size_t len, const char *path, char *err,
		      size_t errlen)
{
	return fp_topo_load_text(t, text, len, path, err, errlen);
}

int fp_topo_load(struct fp_topo *t, const char *path, char *err, size_t errlen)
{
	return fp_parse_file(path, MAX_TOPO_FILE, topo_parse, t, err, errlen);
}

/* tiers: switches by hop distance from the nearest compute endpoint */
int fp_topo_set_tiers(struct fp_topo *t)
{
	int *q = malloc(sizeof(int) * (t->nnodes + 1)), *d = malloc(sizeof(int) * (t->nnodes + 1));
	int h = 0, tl = 0;

	if (!q || !d) {
		free(q);
		free(d);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < t->nnodes; i++) {
		d[i] = t->nodes[i].kind == FP_HOST ? 0 : -1;
		if (!d[i])
			q[tl++] = (int)i;
	}
	while (h < tl) {
		int u = q[h++];

		for (unsigned k = t->adj_off[u]; k < t->adj_off[u + 1]; k++) {
			int w = fp_link_peer(&t->links[t->adj[k]], u);

			if (d[w] < 0) {
				d[w] = d[u] + 1;
				q[tl++] = w;
			}
		}
	}
	for (unsigned i = 0; i < t->nnodes; i++)
		if (t->nodes[i].kind == FP_SWITCH)
			t->nodes[i].tier = d[i] > 0 && d[i] < 8 ? d[i] : 1;
	free(q);
	free(d);
	return 0;
}
