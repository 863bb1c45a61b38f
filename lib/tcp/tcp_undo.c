/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Undoing a needless congestion response. Two kinds of episode are
 * remembered in tcb->undo: a fast retransmit (tcp_cc_recovery_enter saves
 * cwnd and ssthresh) and a retransmission timeout (tcp_cc_rto saves them,
 * RFC 4015 3.1's pipe_prev as ssthresh, and RFC 3522's RetransmitTS).
 * Detection:
 *   - D-SACK (RFC 3708): output counts the episode's resends
 *     (tcp_undo_resent), tcp_sack.c hands every D-SACK block here
 *     (tcp_undo_dsack); once each resend was reported as a duplicate the
 *     episode was needless. Works for both kinds; the fast retransmit's is
 *     judged at the end of its recovery (tcp_undo_on_exit).
 *   - Timestamps (RFC 3522 3.2, the Eifel detection): the first ACK that
 *     advances snd.una after an RTO (tcp_input_ack.c calls
 *     tcp_undo_eifel) echoes a TSecr older than the timeout's first resend:
 *     the original got there, the timeout was spurious.
 * Response: after a D-SACK, cwnd and ssthresh go back (tcp_cc_undo). After
 * an Eifel detection, RFC 4015 3.2: transmission resumes with new data
 * (snd.nxt = snd.max: the rest of the go-back-N would all be duplicates;
 * with SACK only, see tcp_undo_eifel),
 * cwnd = FlightSize + min(bytes_acked, IW) (no burst), ssthresh =
 * pipe_prev; the RTO backoff is already gone with the new ACK and the
 * ACK's RTT sample (the original's) feeds the estimator as usual.
 */
#include "tcp/tcp_private.h"

void
tcp_undo_resent(struct tcb *tcb)
{
	if (tcb->undo.armed && tcb->undo.retrans < UINT16_MAX)
		tcb->undo.retrans++;
}

static void
undo_now(struct tern_stack *s, struct tcb *tcb)
{
	tcp_cc_undo(tcb);
	stack_ctr_inc(s, tcb->undo.rto ? CTR_TCP_RTO_UNDO_DSACK : CTR_TCP_UNDO_DSACK);
}

void
tcp_undo_on_exit(struct tern_stack *s, struct tcb *tcb)
{
	if (tcb->undo.armed && !tcb->undo.rto && tcb->undo.retrans == 0)
		undo_now(s, tcb);
}

/* A D-SACK for data of the episode: one of its resends was a duplicate
 * (the original got there). When all of them were, the loss was not one:
 * after the recovery (here) or at its end (tcp_undo_on_exit) cwnd and
 * ssthresh go back. A duplicate made by the network counts the same
 * (RFC 3708 5 accepts that). */
void
tcp_undo_dsack(struct tern_stack *s, struct tcb *tcb, uint32_t left, uint32_t right)
{
	if (!tcb->undo.armed || tcb->undo.retrans == 0 ||
	    !seq_geq(left, tcb->undo.una) || !seq_leq(right, tcb->undo.high))
		return;
	if (--tcb->undo.retrans == 0 && !(tcb->flags & TCB_F_FAST_RECOVERY))
		undo_now(s, tcb);
}

/* RFC 3522 3.2 (4): TSecr < RetransmitTS, in the timestamp clock's
 * modular order. An ACK without a timestamp tells nothing (the option is
 * in every segment once negotiated: RFC 7323 3.2). */
static bool
echo_predates_resend(const struct tcb *tcb, const struct tcp_opts *o)
{
	return (o->present & TCP_OPTF_TS) && o->ts_ecr != 0 &&
	       (int32_t)(o->ts_ecr - tcb->undo.rxt_tsval) < 0;
}

bool
tcp_undo_eifel(struct tern_stack *s, struct tcb *tcb, const struct tcp_opts *o,
	       uint32_t acked, bool ece)
{
	if (!tcb->undo.armed || !tcb->undo.eifel)
		return false;
	tcb->undo.eifel = 0;		/* only the first acceptable ACK tells */
	if (!echo_predates_resend(tcb, o)) {
		tcb->undo.armed = 0;	/* the resend repaired a real loss */
		return false;
	}
	/* RFC 4015 3.2 (4): resume with data never sent (the scoreboard
	 * finds any other hole of the window: undo is armed with SACK only,
	 * tcp_cc_rto) */
	tcb->snd.nxt = tcb->snd.max;
	/* losses of this window may still be fast-retransmitted: the
	 * timeout that moved the recovery point is void */
	tcb->recover = tcb->snd.una;
	/* (5): with an ECN-Echo the window stays reduced (RFC 3168) */
	if (!ece)
		tcp_cc_undo_rto(tcb, acked);
	tcb->undo.armed = 0;
	stack_ctr_inc(s, CTR_TCP_RTO_UNDO);
	return true;
}
