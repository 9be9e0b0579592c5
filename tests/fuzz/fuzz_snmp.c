// SPDX-License-Identifier: MIT
/*
 * The SNMP side's parsers: the --switches file (first byte 's'), else a stream of varbinds
 * as the transport hands them over: column, type, OID length, OID, value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../fabric/inventory/snmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fp_snmp_port ports[8];
	char err[256];
	unsigned n = 0;

	if (size && data[0] == 's') {
		struct fp_snmp_switch *sw;

		if (!fp_snmp_switches_parse((const char *)data + 1, size - 1, "fuzz", &sw, &n, err,
					    sizeof(err))) {
			if (!n || sw[0].version < 2 || sw[0].version > 3)
				abort();
			free(sw);
		}
		return 0;
	}
	while (size >= 3) {
		uint32_t oid[32];
		size_t ol = data[2] % 32;
		struct fp_snmp_vb vb = { oid, ol, data[1], 0, NULL, 0 };
		unsigned c = data[0] % (FP_SNMP_NCOLUMNS + 1);

		data += 3, size -= 3;
		for (size_t i = 0; i < ol && size >= 4; i++, data += 4, size -= 4)
			memcpy(&oid[i], data, 4);
		if (size >= 8) {
			memcpy(&vb.num, data, 8);
			data += 8, size -= 8;
		}
		vb.str = (const char *)data, vb.slen = size < 80 ? size : 80;
		if (fp_snmp_apply(c, &vb, ports, &n, 8, err, sizeof(err)) == 0 && n > 8)
			abort();
	}
	return 0;
}
