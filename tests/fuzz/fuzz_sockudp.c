// SPDX-License-Identifier: MIT
/*
 * What a peer's datagrams do to the sockets engine's UDP receive side (--proto udp): the
 * input is a run of datagrams, each a length byte and that many bytes, taken for one flow
 * in one phase, on a stream whose cookie is COOKIE. The counts must stay consistent: every
 * new frame is counted once, and a datagram without the cookie never counts, or ends the phase.
 */
#include <stdlib.h>

#include "../../fabric/runtime/engines/sock_priv.h"

#define COOKIE 0x0102030405060708ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_conn c = { .udp = true, .flow = 7, .ovh = FP_SOCK_OVH4 };
	uint64_t fresh = 0;

	fp_sock_udp_reset(&c);
	while (size) {
		size_t got = data[0], have = size - 1 < got ? size - 1 : got;
		uint8_t h[FP_SOCK_UHDR] = { 0 };
		uint64_t forged = c.u.st.forged;
		bool end = c.u.st.end_seen;
		int r;

		for (size_t i = 0; i < have && i < sizeof(h); i++)
			h[i] = data[1 + i];
		r = fp_sock_udp_take(&c, COOKIE, h, have, false, FP_SOCK_OVH4 + 20);
		if (c.u.st.forged != forged && (r || c.u.st.end_seen != end))
			abort();
		fresh += (uint64_t)r;
		data += 1 + have;
		size -= 1 + have;
	}
	if (fresh != c.u.st.pkts)
		abort();
	return 0;
}
