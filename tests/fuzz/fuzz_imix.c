// SPDX-License-Identifier: MIT
/* The frame-size mix parser (`--sizes imix`, `--sizes 64:7,1518:1`), then its cycle. */
#include <stdint.h>
#include <string.h>

#include "../../core/imix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fp_imix m;
	char s[512], err[256], out[256];
	size_t n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;

	memcpy(s, data, n);
	s[n] = 0;
	if (!fp_imix_parse(s, 64, 9220, &m, err, sizeof(err))) {
		fp_imix_format(&m, out, sizeof(out));
		for (unsigned k = 0; k < m.n; k++)
			(void)fp_imix_count(&m, k, 12345);
		(void)fp_imix_at(&m, 999);
	}
	return 0;
}
