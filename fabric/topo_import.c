// SPDX-License-Identifier: MIT
/* Importers: ibnetdiscover and lldpctl -f json (see fp_topo_load_*). */
#include <errno.h>
#include <stdio.h>

#include "topo.h"

int fp_topo_load_ibnet(struct fp_topo *t, const char *text, size_t len, const char *src, char *err,
		       size_t errlen)
{
	(void)t;
	(void)text;
	(void)len;
	snprintf(err, errlen, "%s: the ibnetdiscover importer is not written yet", src);
	return -ENOTSUP;
}

int fp_topo_load_lldp(struct fp_topo *t, const char *const *texts, const size_t *lens, unsigned n,
		      const char *src, char *err, size_t errlen)
{
	(void)t;
	(void)texts;
	(void)lens;
	(void)n;
	snprintf(err, errlen, "%s: the lldpctl importer is not written yet", src);
	return -ENOTSUP;
}
