/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Private to TCP input (tcp_input.c and tcp_input_ack.c): the arriving
 * segment as the RFC 9293 3.10.7 steps see it, the verdicts they return,
 * and the steps that live in tcp_input_ack.c. Not for other modules.
 */
#ifndef TERN_TCP_INPUT_H
#define TERN_TCP_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/tcp_private.h"
#include "wire/tcp_hdr.h"

/* RFC 5961 5.2 MAX.SND.WND stand-in floor (the TCB keeps no maximum). */
#define TCP_MAX_SND_WND_MIN 65535u

/* What a step decided; acted on in verdict_apply() only. */
enum in_verdict {
	IN_CONTINUE = 0,	/* go on with the next step */
	IN_DONE,		/* segment consumed (its TCB may be gone) */
	IN_DROP,		/* drop, count in->why */
	IN_DROP_ACK,		/* drop, count in->why, ACK now */
	IN_DROP_RST,		/* drop, count in->why, RST in reply (3.10.7.1) */
};

/* One arriving segment while it is being processed. */
struct seg_in {
	struct tcp_seg seg;		/* parsed header, host order */
	struct rte_mbuf *m;		/* starts at the TCP header; NULL once handed on */
	const struct ip4_hdr_v *ip;
	uint64_t now;
	uint32_t payload;		/* data bytes as received */
	uint32_t seq;			/* first accepted data byte */
	uint32_t len;			/* accepted data bytes (trimmed to the window) */
	uint32_t off;			/* offset of that byte from the TCP header */
	uint16_t iface;
	bool fin;			/* FIN present and inside the window */
	bool syn_acked;			/* this ACK covers our SYN */
	unsigned int why;		/* counter of a drop verdict */
};

static inline bool
has(const struct seg_in *in, uint8_t flags)
{
	return (in->seg.flags & flags) != 0;
}

/* SEG.LEN of RFC 9293: data plus SYN plus FIN. */
static inline uint32_t
seg_space(const struct seg_in *in)
{
	return in->payload + (has(in, TCP_FLAG_SYN) ? 1 : 0) + (has(in, TCP_FLAG_FIN) ? 1 : 0);
}

/* ---- tcp_input_ack.c ---- */
/* Fifth step of 3.10.7.4: check the ACK field. */
enum in_verdict tcp_in_ack(struct tern_stack *s, struct tcb *tcb, struct seg_in *in);
/* RFC 6298 RTT sample from this ACK, if it yields one (ns, 0 = none). */
uint64_t tcp_in_ack_rtt(struct tern_stack *s, struct tcb *tcb, const struct seg_in *in);
/* Restart the RTO while data is outstanding, stop it when all is acked. */
void tcp_in_rto_restart(struct tern_stack *s, struct tcb *tcb, uint64_t now);

/* ---- tcp_timewait.c ---- */
/* A segment to TIME-WAIT record `tw` (the TCB table had no connection):
 * IN_CONTINUE when a new SYN ended the record (the listener takes it),
 * IN_DROP otherwise (in->why set; any ACK it deserved is staged). */
struct tcp_tw;
enum in_verdict tcp_tw_input(struct tern_stack *s, struct tcp_tw *tw, struct seg_in *in);

#endif
