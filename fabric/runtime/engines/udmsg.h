/* SPDX-License-Identifier: MIT */
/*
 * The verbs engine's UD datagrams (--transport ud), apart from libibverbs so they can be
 * tested and fuzzed alone. A UD message is one packet of at most the path MTU; it starts
 * with a 16-byte header (little-endian, as core/wire.h), and byte i >= 16 of it is
 * fp_payload_byte(i):
 *   0 magic u8 (0xFD)  1 kind u8 (0 data, 1 end)  2 epoch u16  4 tag u64  12 seq u32
 * The tag is the receiving QP's, random, handed out over the rendezvous next to its QPN and
 * Q_Key: a datagram without it (another job, a stranger who guessed the Q_Key) is dropped and
 * counted as forged. An end message carries in seq how many data messages the sender sent
 * in this epoch. A receive buffer starts with the 40 bytes of GRH the device writes there;
 * the message follows it.
 */
#ifndef FP_UDMSG_H
#define FP_UDMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../engine.h"

#define FP_UD_GRH   40
#define FP_UD_HDR   16
#define FP_UD_MAGIC 0xFD
#define FP_UD_DATA  0
#define FP_UD_END   1
#define FP_UD_WIN   1024 /* a message this far behind the newest is only "reordered" */

/* A flow's datagram counters on its receiving end, for one epoch. */
struct fp_ud_rx {
	uint16_t epoch; /* bumped by reset() on both ends: messages of old phases are stale */
	uint32_t next;	/* one past the newest sequence number seen */
	uint64_t win[FP_UD_WIN / 64];
	struct fp_dgram_stats st;
};

bool fp_seq_track(uint32_t *next, uint64_t win[FP_UD_WIN / 64], uint32_t seq,
		  struct fp_dgram_stats *st);

void fp_ud_hdr_put(uint8_t p[FP_UD_HDR], uint8_t kind, uint16_t epoch, uint64_t tag, uint32_t seq);

/*
 * One received buffer: got bytes (GRH included) of which the message should be want bytes.
 * Counts it in r and returns 1 for a new data message of this epoch, else 0 (an end message,
 * a stale, forged, duplicate or malformed one). Never reads past got.
 */
int fp_ud_take(struct fp_ud_rx *r, uint64_t tag, const uint8_t *buf, size_t got, size_t want);

/* A new epoch: the counters zeroed, the epoch advanced. */
void fp_ud_rx_reset(struct fp_ud_rx *r);

#endif
