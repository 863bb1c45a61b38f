/* SPDX-License-Identifier: BSD-3-Clause
 *
 * ECN on input (RFC 3168 6.1), both roles of a connection. Negotiation:
 * the peer's SYN or SYN-ACK decides whether the connection uses ECN
 * (6.1.1), called from syn_accept() in tcp_input.c once per SYN taken.
 * Data receiver: a segment with CE in its IP header starts the echo
 * (TCB_F_ECN_ECHO: ECE on every ACK we send) and the peer's CWR stops
 * it, CWR first so a segment with both keeps the echo on (6.1.3).
 * Data sender: an ACK with ECE reduces the congestion window through the
 * connection's algorithm (tcp_cc_ecn) at most once per window of data,
 * never while a loss recovery already answers for that window, and asks
 * output for CWR on the next new data segment (TCB_F_ECN_CWR, 6.1.2).
 * Called by tcp_in_ack() in tcp_input_ack.c for every acceptable segment
 * of a synchronized connection, before the ACK moves SND.UNA. Output's
 * half (ECT(0), ECE, CWR on the wire) is in tcp_output_seg.c.
 */
#include <rte_mbuf.h>

#include "tcp/tcp_input.h"
#include "wire/ip4_hdr.h"

#define ECN_SETUP (TCP_FLAG_ECE | TCP_FLAG_CWR)

/* Whether the peer's SYN (no ACK) lets us use ECN: it is an ECN-setup
 * SYN (ECE and CWR), and we accept (passive open: `ecn` on or passive)
 * or, in a simultaneous open, asked as well. */
static bool
syn_wants_ecn(const struct tern_stack *s, const struct tcb *tcb, uint8_t f)
{
	if (f != ECN_SETUP || s->cfg.tcp_ecn == TERN_TCP_ECN_OFF)
		return false;
	return tcb->state != TCP_ST_SYN_SENT || (tcb->flags & TCB_F_ECN_OK);
}

void
tcp_in_ecn_syn(struct tern_stack *s, struct tcb *tcb, const struct seg_in *in)
{
	uint8_t f = in->seg.flags & ECN_SETUP;
	bool ok;

	if (has(in, TCP_FLAG_ACK))
		/* an ECN-setup SYN-ACK (ECE without CWR) counts only as the
		 * answer to our ECN-setup SYN; with both bits, or unasked,
		 * it is ignored */
		ok = (tcb->flags & TCB_F_ECN_OK) && f == TCP_FLAG_ECE;
	else
		ok = syn_wants_ecn(s, tcb, f);
	tcb->flags &= ~(TCB_F_ECN_OK | TCB_F_ECN_ECHO | TCB_F_ECN_CWR);
	if (!ok)
		return;
	tcb->flags |= TCB_F_ECN_OK;
	tcb->ecn_high = tcb->iss;
	/* the active side knows now; the passive one when the ACK of its
	 * SYN-ACK arrives (tcp_in_ecn_established) */
	if (has(in, TCP_FLAG_ACK))
		stack_ctr_inc(s, CTR_TCP_ECN_NEGOTIATED);
}

void
tcp_in_ecn_established(struct tern_stack *s, const struct tcb *tcb)
{
	if (tcb->flags & TCB_F_ECN_OK)
		stack_ctr_inc(s, CTR_TCP_ECN_NEGOTIATED);
}

/* 6.1.3: CWR ends the echo, a CE (re)starts it. The first CE is
 * acknowledged at once, not after the delayed-ACK timer: the sender
 * learns of the congestion one RTT after it happened. */
static void
ecn_receiver(struct tern_stack *s, struct tcb *tcb, const struct seg_in *in)
{
	if (has(in, TCP_FLAG_CWR)) {
		stack_ctr_inc(s, CTR_TCP_RX_CWR);
		tcb->flags &= ~TCB_F_ECN_ECHO;
	}
	if ((in->ip->tos & IP4_ECN_MASK) != IP4_ECN_CE)
		return;
	stack_ctr_inc(s, CTR_TCP_RX_CE);
	if (tcb->flags & TCB_F_ECN_ECHO)
		return;
	tcb->flags |= TCB_F_ECN_ECHO;
	tcp_output_ack_now(s, tcb);
}

/* 6.1.2: once per window of data. ecn_high is snd.max at the last ECE
 * reduction and `recover` at the last loss response (recovery or RTO):
 * an ACK that does not reach past them is about data sent before the
 * window was cut, so its ECE is old news. During a fast recovery the
 * loss response covers the window. */
static bool
ece_is_new(const struct tcb *tcb, uint32_t ack)
{
	return !(tcb->flags & TCB_F_FAST_RECOVERY) && seq_gt(ack, tcb->ecn_high) &&
	       seq_gt(ack, tcb->recover);
}

bool
tcp_in_ecn(struct tern_stack *s, struct tcb *tcb, const struct seg_in *in)
{
	if (!(tcb->flags & TCB_F_ECN_OK))
		return false;
	ecn_receiver(s, tcb, in);
	if (!has(in, TCP_FLAG_ECE))
		return false;
	stack_ctr_inc(s, CTR_TCP_RX_ECE);
	if (!ece_is_new(tcb, in->seg.ack))
		return true;
	tcp_cc_ecn(tcb, in->now);
	tcb->ecn_high = tcb->snd.max;
	tcb->flags |= TCB_F_ECN_CWR;
	stack_ctr_inc(s, CTR_TCP_ECN_REDUCTION);
	return true;
}
