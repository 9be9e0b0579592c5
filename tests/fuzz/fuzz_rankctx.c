// SPDX-License-Identifier: MIT
/*
 * What rank 0 reads of every other rank's "where I run" record (run_context.c): the
 * ranks[] context and the hosts[].endpoint lines. Whatever arrives, the endpoint keeps only
 * known keys with short printable values, once each, and writes as one JSON object.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../benches/results.h"
#include "../../core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_rank_ctx c = { 0 };
	char *ep = NULL, *out = NULL;
	size_t outlen = 0;
	struct fp_run_data d = { .endpoint = &ep };
	struct fp_json j;
	FILE *f;

	if (fp_run_context_parse(&c, &ep, data, size))
		return 0;
	if (!memchr(c.port, 0, sizeof(c.port)) || !memchr(c.nic_model, 0, sizeof(c.nic_model)) ||
	    !memchr(c.firmware, 0, sizeof(c.firmware)))
		abort();
	for (const char *l = ep; l && *l; l = strchr(l, '\n') + 1) {
		const char *eq = strchr(l, '='), *nl = strchr(l, '\n');

		if (!eq || !nl || eq > nl || nl - eq - 1 > 63 || nl == eq + 1)
			abort();
		for (const char *p = eq + 1; p < nl; p++)
			if ((unsigned char)*p < 0x20)
				abort();
	}
	f = open_memstream(&out, &outlen);
	if (f) {
		fp_json_init(&j, f, false);
		fp_json_obj(&j, NULL);
		fp_results_json_endpoint(&j, &d, 0);
		fp_json_end(&j);
		fclose(f);
		/* an object, braces balanced: { "endpoint": {...} } or {} */
		if (outlen < 2 || out[0] != '{' || out[outlen - 1] != '}')
			abort();
	}
	free(out);
	free(ep);
	return 0;
}
