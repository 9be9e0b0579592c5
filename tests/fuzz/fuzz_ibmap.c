// SPDX-License-Identifier: MIT
/* ibnetdiscover's node-name-map (--node-name-map), then a small dump named through it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../fabric/model/topo.h"
#include "topo_round_trip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char dump[] =
	"Switch\t3 \"S-0000000000000010\"\t# \"MF0;sw1:MQM9700/U1\" enhanced port 0 lid 1\n"
	"[1]\t\"H-0000000000000020\"[1](21)\t# \"node1 mlx5_0\" lid 5 4xNDR\n"
	"[2]\t\"H-0000000000000030\"[1](31)\t# \"node1 mlx5_1\" lid 6 4xNDR\n\n"
	"Ca\t1 \"H-0000000000000020\"\t# \"node1 mlx5_0\"\n"
	"[1](21)\t\"S-0000000000000010\"[1]\t# lid 5 lmc 0 \"sw1\" lid 1 4xNDR\n\n"
	"Ca\t1 \"H-0000000000000030\"\t# \"node1 mlx5_1\"\n"
	"[1](31)\t\"S-0000000000000010\"[2]\t# lid 6 lmc 0 \"sw1\" lid 1 4xNDR\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_ib_namemap m;
	struct fp_topo t;
	char err[256];

	fp_ib_namemap_init(&m);
	fp_topo_init(&t);
	if (!fp_ib_namemap_parse(&m, (const char *)data, size, "fuzz", err, sizeof(err))) {
		const char *n = fp_ib_namemap_get(&m, 0x10);

		/* a name the map gives is never empty */
		if (n && !*n)
			abort();
		/* whatever a map names: an error line, or a consistent model that writes back */
		if (!fp_topo_load_ibnet_map(&t, dump, strlen(dump), "dump", &m, err, sizeof(err))) {
			links_in_range(&t);
			round_trip(&t);
		}
	}
	fp_topo_destroy(&t);
	fp_ib_namemap_destroy(&m);
	return 0;
}
