/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Private to TCP input (tcp_input.c, tcp_input_ack.c, tcp_input_ecn.c):
 * the arriving segment as the RFC 9293 3.10.7 steps see it, the verdicts
 * they return, and the steps that live in tcp_input_ack.c and
 * tcp_input_ecn.c. Not for other modules.
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

/* ---- tcp_input_ecn.c ---- */
/* The peer's SYN or SYN-ACK, as it is taken: ECN in use or not (RFC 3168
 * 6.1.1). Our ISS must be known. */
void tcp_in_ecn_syn(struct tern_stack *s, struct tcb *tcb, const struct seg_in *in);
/* A passive open reached ESTABLISHED: count it if it uses ECN. */
void tcp_in_ecn_established(struct tern_stack *s, const struct tcb *tcb);
/* An acceptable segment of a synchronized connection, before its ACK is
 * processed: CWR and CE received (6.1.3), the reaction to ECE (6.1.2).
 * Returns true when the ACK carries ECE on an ECN connection: the window
 * must not grow on it. */
bool tcp_in_ecn(struct tern_stack *s, struct tcb *tcb, const struct seg_in *in);

/* ---- tcp_timewait.c ---- */
/* A segment to TIME-WAIT record `tw` (the TCB table had no connection):
 * IN_CONTINUE when a new SYN ended the record (the listener takes it),
 * IN_DROP otherwise (in->why set; any ACK it deserved is staged). */
struct tcp_tw;
enum in_verdict tcp_tw_input(struct tern_stack *s, struct tcp_tw *tw, struct seg_in *in);

#endif
