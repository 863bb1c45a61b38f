/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Tail Loss Probe (RFC 8985 7), on RACK connections with `[tcp] tlp = 1`
 * (TCB_F_TLP_ON). When
 * the ACKs stop with data outstanding and no recovery going on, a probe
 * timeout (PTO, about two round trips) comes long before the RTO: one
 * segment goes out, new data if the peer's window has room, else the last
 * segment sent again. Its ACK (or SACK) gives RACK a delivered segment
 * sent after the tail, so a lost tail is found and repaired by the fast
 * recovery instead of an RTO.
 * Who calls what: tcp_output.c arms the PTO at the end of every output
 * pass while data is outstanding (tcp_tlp_arm, 7.2) and sends the probe
 * when the timer asked for it (TCB_F_TLP, tcp_tlp_sent); tcp_timer.c
 * runs tcp_tlp_timeout; tcp_input_ack.c gives every acceptable ACK to
 * tcp_tlp_ack (7.4: was a loss repaired by the probe alone?).
 * Decisions: one probe per tail (a new one only once an ACK ended the
 * episode); the probe's own ACK is told from the original's by its
 * timestamp echo when timestamps are in use (as Eifel does), else by a
 * D-SACK for the probe in that ACK; a probe that repaired a loss reduces
 * the window once, as a recovery that ends at once would (7.4.2).
 */
#include "tcp/tcp_private.h"

/* RFC 8985 7.2 WCDelAckT: the peer's delayed ACK, worst case. */
#define TLP_MAX_ACK_DELAY_NS (200ull * NS_PER_MS)

void
tcp_tlp_arm(struct tern_stack *s, struct tcb *tcb, uint64_t now)
{
	uint64_t pto, rto = tcb->timer_ns[TCP_T_RTO];
	uint32_t flight = tcb->snd.max - tcb->snd.una;

	if (flight == 0 || tcb->rack.tlp_on || tcb->rtt.srtt_us == 0 || tcb->backoff != 0 ||
	    (tcb->flags & TCB_F_FAST_RECOVERY)) {
		tcp_timer_cancel(s, tcb, TCP_T_TLP);
		return;
	}
	pto = 2ull * tcb->rtt.srtt_us * NS_PER_US;
	if (flight <= tcb->mss)
		pto += TLP_MAX_ACK_DELAY_NS;	/* the ACK of a lone segment waits */
	/* 7.2: never after the RTO; at its deadline the probe goes instead
	 * (TCP_T_TLP runs first) and the RTO waits one more RTO */
	tcp_timer_arm(s, tcb, TCP_T_TLP, rto != 0 && now + pto > rto ? rto : now + pto);
}

bool
tcp_tlp_timeout(struct tern_stack *s, struct tcb *tcb, uint64_t now)
{
	if (!(tcb->flags & TCB_F_TLP_ON) || tcb->rack.tlp_on || tcb->snd.una == tcb->snd.max ||
	    (tcb->flags & TCB_F_FAST_RECOVERY) || tcb->backoff != 0)
		return false;
	tcb->flags |= TCB_F_TLP;
	tcp_output_schedule(s, tcb);
	/* 7.3: the RTO watches the probe (set again when it is sent) */
	tcp_timer_arm(s, tcb, TCP_T_RTO, now + tcp_rto_ns(s, tcb));
	return true;
}

void
tcp_tlp_sent(struct tern_stack *s, struct tcb *tcb, bool rexmit, uint64_t now)
{
	tcb->rack.tlp_on = 1;
	tcb->rack.tlp_rexmit = rexmit;
	tcb->rack.tlp_end = tcb->snd.max;
	tcb->rack.tlp_tsval = tcp_ts_now(tcb, now);
	tcp_timer_cancel(s, tcb, TCP_T_TLP);
	/* 7.3: the RTO watches the probe */
	tcp_timer_arm(s, tcb, TCP_T_RTO, now + tcp_rto_ns(s, tcb));
	stack_ctr_inc(s, CTR_TCP_TLP_PROBE);
}

/* The ACK reports the probe itself as a duplicate (RFC 2883): the first
 * block, ending at the probe's end. */
static bool
probe_dsacked(const struct tcb *tcb, const struct tcp_opts *o, uint32_t ack)
{
	const struct tcp_sack_block *b = o->sack;

	if (!(o->present & TCP_OPTF_SACK) || o->n_sack == 0)
		return false;
	return b[0].right == tcb->rack.tlp_end &&
	       (seq_leq(b[0].right, ack) ||
		(o->n_sack >= 2 && seq_geq(b[0].left, b[1].left) && seq_leq(b[0].right, b[1].right)));
}

/* The ACK was made by the original, not by the probe: its TSecr is older
 * than the probe's TSval. */
static bool
acks_original(const struct tcb *tcb, const struct tcp_opts *o)
{
	return (tcb->flags & TCB_F_TS_OK) && (o->present & TCP_OPTF_TS) && o->ts_ecr != 0 &&
	       (int32_t)(o->ts_ecr - tcb->rack.tlp_tsval) < 0;
}

void
tcp_tlp_ack(struct tern_stack *s, struct tcb *tcb, const struct tcp_opts *o, uint32_t ack,
	    uint64_t now)
{
	if (!tcb->rack.tlp_on)
		return;
	if (tcb->flags & TCB_F_FAST_RECOVERY) {
		tcb->rack.tlp_on = 0;		/* the recovery repairs and responds */
		return;
	}
	if (probe_dsacked(tcb, o, ack)) {
		tcb->rack.tlp_on = 0;		/* 7.4.2: both got there */
		return;
	}
	if (seq_lt(ack, tcb->rack.tlp_end))
		return;			/* the probe is not acknowledged yet */
	tcb->rack.tlp_on = 0;
	if (!tcb->rack.tlp_rexmit || acks_original(tcb, o))
		return;			/* no loss the probe alone repaired */
	/* 7.4.2: the probe repaired a loss: the congestion response */
	tcp_cc_loss_repaired(tcb, now);
	stack_ctr_inc(s, CTR_TCP_TLP_RECOVERED);
}
