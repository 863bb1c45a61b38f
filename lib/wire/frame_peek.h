/* SPDX-License-Identifier: BSD-3-Clause
 *
 * One look at a received frame's headers, before any validation: what
 * kind of frame it is and, for TCP, UDP and ICMP errors, the 4-tuple of
 * the flow it belongs to. The roof uses it once per frame to decide which
 * lcore owns the frame (steering) and to give the TCP table its bulk
 * lookup keys and signatures. It trusts nothing and promises nothing:
 * each layer's parser still validates its own header. Pure; no mbufs.
 */
#ifndef TERN_FRAME_PEEK_H
#define TERN_FRAME_PEEK_H

#include <stdint.h>

enum frame_kind {
	FRAME_OTHER = 0,		/* owned by whoever received it */
	FRAME_ARP,			/* every lcore should learn from it */
	FRAME_TCP,			/* tuple: the segment's own */
	FRAME_UDP,			/* tuple: the datagram's own */
	FRAME_ICMP_ERR,			/* tuple: the flow the quoted datagram belongs to */
	FRAME_KIND_COUNT
};

/* Host order, in the receive direction: remote is the sender of the frame
 * (for an ICMP error: the destination of the datagram we sent). */
struct frame_tuple {
	uint32_t raddr;
	uint32_t laddr;
	uint16_t rport;
	uint16_t lport;
	uint8_t proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t kind;			/* enum frame_kind */
	uint32_t hash;			/* the flow's hash: left to the caller */
};

/* Classify the `len` bytes of an Ethernet frame at `frame`; fills `t`
 * (t->kind always; the rest for TCP, UDP and ICMP errors quoting TCP or
 * UDP). Fragments and malformed headers are FRAME_OTHER. */
void frame_peek(const uint8_t *frame, uint32_t len, struct frame_tuple *t);

#endif
