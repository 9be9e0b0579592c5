// SPDX-License-Identifier: MIT
/*
 * The verbs engine's UD datagrams (--transport ud): what a receive buffer (GRH, then the
 * message) is counted as. A data message of this epoch with this QP's tag and the phase's
 * size is new once, then a duplicate; one out of order is counted as reordered; an end
 * message gives the sender's count; a wrong tag, a wrong magic or kind, or a buffer too short
 * to hold a header is forged and dropped; an older epoch is stale; a wrong length is forged,
 * not counted; reset starts a new epoch with zeroed counters.
 */
#include <string.h>

#include "../../fabric/runtime/engines/udmsg.h"
#include "t.h"

#define TAG  0x1122334455667788ull
#define SIZE 256

static size_t msg(uint8_t *b, uint8_t kind, uint16_t epoch, uint64_t tag, uint32_t seq)
{
	memset(b, 0xEE, FP_UD_GRH); /* whatever the device wrote there */
	fp_ud_hdr_put(b + FP_UD_GRH, kind, epoch, tag, seq);
	for (size_t i = FP_UD_HDR; i < SIZE; i++)
		b[FP_UD_GRH + i] = fp_payload_byte(i);
	return FP_UD_GRH + (kind == FP_UD_END ? FP_UD_HDR : SIZE);
}

int main(void)
{
	static uint8_t b[FP_UD_GRH + SIZE + 8];
	struct fp_ud_rx r;
	size_t n;

	memset(&r, 0, sizeof(r));
	fp_ud_rx_reset(&r);
	CHECK(r.epoch == 1 && r.st.pkts == 0, "reset: epoch %u", r.epoch);
	n = msg(b, FP_UD_DATA, 1, TAG, 0);
	CHECK(fp_ud_take(&r, TAG, b, n, SIZE) == 1 && r.st.pkts == 1 && r.st.bytes == SIZE,
	      "a data message counts once");
	CHECK(fp_ud_take(&r, TAG, b, n, SIZE) == 0 && r.st.duplicates == 1 && r.st.pkts == 1,
	      "the same again is a duplicate");
	n = msg(b, FP_UD_DATA, 1, TAG, 3);
	CHECK(fp_ud_take(&r, TAG, b, n, SIZE) == 1 && r.st.pkts == 2, "seq 3 after a gap");
	n = msg(b, FP_UD_DATA, 1, TAG, 2);
	CHECK(fp_ud_take(&r, TAG, b, n, SIZE) == 1 && r.st.reordered == 1, "seq 2 late: reordered");
	/* a stranger: the QP's Q_Key right, the tag not */
	n = msg(b, FP_UD_DATA, 1, TAG ^ 1, 4);
	CHECK(fp_ud_take(&r, TAG, b, n, SIZE) == 0 && r.st.forged == 1 && r.st.pkts == 3,
	      "a wrong tag is forged");
	n = msg(b, FP_UD_DATA, 1, TAG, 4);
	b[FP_UD_GRH] = 0xFC;
	CHECK(fp_ud_take(&r, TAG, b, n, SIZE) == 0 && r.st.forged == 2, "a wrong magic is forged");
	n = msg(b, FP_UD_DATA, 1, TAG, 4);
	b[FP_UD_GRH + 1] = 7;
	CHECK(fp_ud_take(&r, TAG, b, n, SIZE) == 0 && r.st.forged == 3, "an unknown kind");
	for (size_t got = 0; got < FP_UD_GRH + FP_UD_HDR; got++)
		CHECK(fp_ud_take(&r, TAG, b, got, SIZE) == 0, "%zu bytes hold no header", got);
	CHECK(r.st.forged == 3 + FP_UD_GRH + FP_UD_HDR && r.st.pkts == 3, "short ones forged");
	n = msg(b, FP_UD_DATA, 0, TAG, 9);
	CHECK(fp_ud_take(&r, TAG, b, n, SIZE) == 0 && r.st.stale == 1, "an older epoch is stale");
	n = msg(b, FP_UD_DATA, 1, TAG, 9);
	CHECK(fp_ud_take(&r, TAG, b, n - 1, SIZE) == 0 &&
		      fp_ud_take(&r, TAG, b, n + 1, SIZE) == 0 && r.st.pkts == 3 &&
		      r.st.forged == 5 + FP_UD_GRH + FP_UD_HDR,
	      "a message of another size is not counted, and counted malformed");
	n = msg(b, FP_UD_END, 1, TAG, 42);
	CHECK(fp_ud_take(&r, TAG, b, n, SIZE) == 0 && r.st.end_seen && r.st.peer_sent == 42,
	      "the end message says how many were sent");
	n = msg(b, FP_UD_DATA, 1, TAG, 5000);
	CHECK(fp_ud_take(&r, TAG, b, n, SIZE) == 1 && r.st.pkts == 4, "far ahead: a new window");
	n = msg(b, FP_UD_DATA, 1, TAG, 1);
	CHECK(fp_ud_take(&r, TAG, b, n, SIZE) == 1 && r.st.reordered == 2,
	      "behind the window: late, counted");
	fp_ud_rx_reset(&r);
	CHECK(r.epoch == 2 && r.st.pkts == 0 && !r.st.end_seen && r.st.forged == 0, "reset");
	n = msg(b, FP_UD_DATA, 1, TAG, 0);
	CHECK(fp_ud_take(&r, TAG, b, n, SIZE) == 0 && r.st.stale == 1, "the last phase's: stale");
	return t_done("udmsg");
}
