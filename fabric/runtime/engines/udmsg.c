// SPDX-License-Identifier: MIT
#include "udmsg.h"

#include <string.h>

#include "../../../core/wire.h"

void fp_ud_hdr_put(uint8_t p[FP_UD_HDR], uint8_t kind, uint16_t epoch, uint64_t tag, uint32_t seq)
{
	p[0] = FP_UD_MAGIC;
	p[1] = kind;
	fp_put_u16(p + 2, epoch);
	fp_put_u64(p + 4, tag);
	fp_put_u32(p + 12, seq);
}

/* A datagram's sequence number: new (true), or a duplicate; the window says which, within
 * its reach (UD messages here, sockets UDP frames in sock_udp.c). */
bool fp_seq_track(uint32_t *next, uint64_t win[FP_UD_WIN / 64], uint32_t seq,
		  struct fp_dgram_stats *st)
{
	int32_t ahead = (int32_t)(seq - *next);
	uint64_t *slot = &win[seq / 64 % (FP_UD_WIN / 64)];
	uint64_t bit = 1ull << (seq % 64);

	if (ahead < -FP_UD_WIN) { /* older than the window: late, not known twice */
		st->reordered++;
		return true;
	}
	if (ahead < 0) {
		if (*slot & bit) {
			st->duplicates++;
			return false;
		}
		st->reordered++;
	} else if (ahead >= FP_UD_WIN) {
		memset(win, 0, FP_UD_WIN / 8);
		*next = seq + 1;
	} else {
		while (*next != seq + 1) { /* the skipped ones are unseen so far */
			win[*next / 64 % (FP_UD_WIN / 64)] &= ~(1ull << (*next % 64));
			(*next)++;
		}
	}
	*slot |= bit;
	return true;
}

int fp_ud_take(struct fp_ud_rx *r, uint64_t tag, const uint8_t *buf, size_t got, size_t want)
{
	const uint8_t *h = buf + FP_UD_GRH;

	if (got < FP_UD_GRH + FP_UD_HDR || h[0] != FP_UD_MAGIC || h[1] > FP_UD_END ||
	    fp_get_u64(h + 4) != tag) {
		r->st.forged++; /* reached this QP with its Q_Key, but not from its peer */
		return 0;
	}
	if (fp_get_u16(h + 2) != r->epoch) {
		r->st.stale++;
		return 0;
	}
	if (h[1] == FP_UD_END) {
		r->st.end_seen = true;
		r->st.peer_sent = fp_get_u32(h + 12);
		return 0;
	}
	if (got - FP_UD_GRH != want) {
		r->st.forged++; /* its peer's tag, not the size its peer sends: malformed */
		return 0;
	}
	if (!fp_seq_track(&r->next, r->win, fp_get_u32(h + 12), &r->st))
		return 0;
	r->st.pkts++;
	r->st.bytes += want;
	return 1;
}

void fp_ud_rx_reset(struct fp_ud_rx *r)
{
	uint16_t epoch = r->epoch;

	memset(r, 0, sizeof(*r));
	r->epoch = (uint16_t)(epoch + 1);
}
