/* SPDX-License-Identifier: BSD-3-Clause
 *
 * TCP input, fifth step of RFC 9293 3.10.7.4: the ACK field. Acceptable
 * range per RFC 5961 5.2, SYN-RECEIVED -> ESTABLISHED, SND.UNA advance
 * and send-queue release, RTT samples (RFC 6298, RFC 7323 4.1), RTO
 * restart, the congestion-control events (new data acknowledged,
 * duplicate ACKs with limited transmit (RFC 3042), fast retransmit on the
 * third, NewReno recovery with partial and full ACKs (RFC 6582), or with
 * SACK blocks the scoreboard (tcp_sack.c) and RFC 6675's recovery),
 * send-window update (the SND.WL1/WL2 rule) and the closing states whose
 * FIN this ACK covers. ECN's part of an arriving segment (CE, CWR, ECE:
 * tcp_input_ecn.c) runs first. This file decides WHEN (duplicate-ACK count,
 * recovery point); how the window moves is the algorithm's (tcp_cc_view.c ->
 * cc/). Called by tcp_input.c's synchronized-state path; returns a verdict
 * like every step.
 */
#include <errno.h>

#include <rte_mbuf.h>

#include "tcp/tcp_input.h"

/* ---- fifth: ACK ---------------------------------------------------------- */

/* RTT sample (RFC 6298 2): from the timed segment when this ACK covers
 * it (Karn: output never times a resend), otherwise from the echoed
 * timestamp (RFC 7323 4.1; output times nothing but the SYN when
 * timestamps are in use). Returns the sample in ns, 0 when none. */
uint64_t
tcp_in_ack_rtt(struct tern_stack *s, struct tcb *tcb, const struct seg_in *in)
{
	const struct tcp_opts *o = &in->seg.opts;
	uint64_t rtt;
	uint32_t ms;

	if ((tcb->flags & TCB_F_RTT_TIMING) && seq_gt(in->seg.ack, tcb->rtt.seq)) {
		tcb->flags &= ~TCB_F_RTT_TIMING;
		rtt = in->now - tcb->rtt.ts_ns;
		tcp_rtt_sample(s, tcb, rtt);
		return rtt;
	}
	if (!(tcb->flags & TCB_F_TS_OK) || !(o->present & TCP_OPTF_TS) || o->ts_ecr == 0)
		return 0;
	ms = tcp_ts_now(tcb, in->now) - o->ts_ecr;
	if ((int32_t)ms < 0 || ms > s->cfg.tcp_rto_max_ms)
		return 0;
	rtt = (uint64_t)ms * NS_PER_MS;
	tcp_rtt_sample(s, tcb, rtt);
	return rtt;
}

/* RFC 6298 5.2/5.3: restart while data is outstanding, stop when not. */
void
tcp_in_rto_restart(struct tern_stack *s, struct tcb *tcb, uint64_t now)
{
	if (tcb->snd.una == tcb->snd.max)
		tcp_timer_cancel(s, tcb, TCP_T_RTO);
	else
		tcp_timer_arm(s, tcb, TCP_T_RTO, now + tcp_rto_ns(s, tcb));
}

/* RFC 5681 3.2 steps 2-3, RFC 6582 3.2 step 2: three duplicate ACKs. */
/* With SACK information at hand the recovery is RFC 6675's (5, step 4):
 * cwnd = ssthresh, no inflation, and output resends the scoreboard's
 * holes as pipe allows; otherwise RFC 6582's NewReno. Either way the
 * segment at snd.una goes first (FAST_REXMIT). RFC 3168 6.1.2: a loss
 * among data sent before an ECN cut belongs to the window that cut
 * answered for: recovery, but no second cut. */
static void
recovery_enter(struct tern_stack *s, struct tcb *tcb, uint64_t now)
{
	bool sack = (tcb->flags & TCB_F_SACK_OK) && tcb->sb != NULL && tcb->sb->n > 0;
	bool reduced = (tcb->flags & TCB_F_ECN_OK) && seq_lt(tcb->snd.una, tcb->ecn_high);

	tcp_cc_recovery_enter(tcb, now, sack, reduced);
	if (sack && (tcb->flags & TCB_F_RACK))
		stack_ctr_inc(s, CTR_TCP_RACK_RECOVERY);
	tcb->recover = tcb->snd.max;
	tcb->flags |= TCB_F_REXMIT_FAST | TCB_F_FAST_RECOVERY;
	tcb->flags &= ~TCB_F_RTT_TIMING;	/* Karn: the resend is not timed */
	if (sack) {
		tcb->flags |= TCB_F_SACK_RECOVERY;
		tcp_sack_recovery_start(tcb);
		stack_ctr_inc(s, CTR_TCP_SACK_RECOVERY);
	}
	stack_ctr_inc(s, CTR_TCP_FAST_RETRANS);
	tcp_output_schedule(s, tcb);
}

/* Congestion control on a new ACK of `acked` data bytes (snd.una has
 * moved): in recovery the recovery point decides between a full ACK (RFC
 * 6582 3.2 step 3: recovery over) and a partial one (step 5: resend the
 * next hole); otherwise the window grows, unless the ACK carries an
 * ECN-Echo (RFC 3168 6.1.2: never grow on one). */
static void
cwnd_on_ack(struct tern_stack *s, struct tcb *tcb, const struct seg_in *in,
	    uint32_t acked, uint64_t rtt_ns, bool ece)
{
	if (tcb->flags & TCB_F_FAST_RECOVERY) {
		if (seq_geq(in->seg.ack, tcb->recover)) {
			tcp_cc_recovery_exit(tcb, in->now);
			tcb->flags &= ~(TCB_F_FAST_RECOVERY | TCB_F_SACK_RECOVERY);
			tcp_undo_on_exit(s, tcb);
			tcp_rack_recovery_done(tcb);
			tcb->dupacks = 0;
			if (tcb->sb != NULL && tcb->sb->n == 0)
				tcp_sack_free(tcb);
			stack_ctr_inc(s, CTR_TCP_RECOVERY_EXIT);
			return;
		}
		stack_ctr_inc(s, CTR_TCP_PARTIAL_ACK);
		if (tcb->flags & TCB_F_SACK_RECOVERY)
			return;		/* RFC 6675 (B): pipe decides, no deflation */
		tcp_cc_partial_ack(tcb, in->now, acked);
		tcb->flags |= TCB_F_REXMIT_FAST;
		return;
	}
	tcb->dupacks = 0;
	if (acked != 0 && !ece)
		tcp_cc_ack(tcb, in->now, acked, rtt_ns);
}

/* SND.UNA < SEG.ACK =< SND.NXT: bytes acknowledged. */
static void
ack_new(struct tern_stack *s, struct tcb *tcb, const struct seg_in *in, bool ece)
{
	uint32_t ack = in->seg.ack;
	uint32_t data = ack - tcb->snd.una;
	uint64_t rtt_ns;

	if (in->syn_acked)
		data--;
	if ((tcb->flags & TCB_F_FIN_ISSUED) && ack == tcb->snd.max && data > 0)
		data--;				/* our FIN takes no queue byte */
	rtt_ns = tcp_in_ack_rtt(s, tcb, in);
	tcb->snd.una = ack;
	tcb->snd.nxt = seq_max(tcb->snd.nxt, ack);	/* after an RTO rewind */
	tcp_sndq_ack(tcb, data);
	tcb->backoff = 0;
	tcb->retries = 0;
	tcp_in_rto_restart(s, tcb, in->now);
	if (!tcp_undo_eifel(s, tcb, &in->seg.opts, data, ece))
		cwnd_on_ack(s, tcb, in, data, rtt_ns, ece);
	if ((tcb->flags & TCB_F_WANT_WRITABLE) && tcp_snd_space(tcb) >= tcb->sndbuf / 2)
		tcp_ev_writable(s, tcb);
	tcp_output_schedule(s, tcb);
}

/* A duplicate ACK. With SACK in use and blocks present, RFC 6675 2's
 * definition: it SACKs bytes not SACKed before, whatever else it does
 * (even when it also advances snd.una). Otherwise RFC 5681 2's: same ACK,
 * same window, no data, no SYN or FIN, data outstanding. */
static bool
ack_is_dup(const struct tcb *tcb, const struct seg_in *in, uint32_t sacked, bool advanced)
{
	if (tcb->snd.max == tcb->snd.una)
		return false;
	if ((tcb->flags & TCB_F_SACK_OK) && (in->seg.opts.present & TCP_OPTF_SACK))
		return sacked > 0;
	/* a zero window answers our window probes: no loss signal */
	return !advanced && in->seg.ack == tcb->snd.una && in->payload == 0 &&
	       !has(in, TCP_FLAG_SYN | TCP_FLAG_FIN) && in->seg.wnd != 0 &&
	       ((uint32_t)in->seg.wnd << tcb->snd.wscale) == tcb->snd.wnd;
}

/* Whether a loss calls for a recovery. With RACK and a scoreboard, RFC
 * 8985's time rule alone (it plays DupThresh's part while no reordering
 * was seen); otherwise RFC 5681's third duplicate ACK or RFC 6675's
 * IsLost(snd.una). */
static bool
loss_detected(const struct tcb *tcb)
{
	if ((tcb->flags & TCB_F_RACK) && tcb->sb != NULL)
		return tcb->sb->n > 0 && seq_gt(tcp_rack_lost_below(tcb), tcb->snd.una);
	return tcb->dupacks >= 3 || tcp_sack_is_lost_una(tcb);
}

void
tcp_in_loss_detected(struct tern_stack *s, struct tcb *tcb, uint64_t now)
{
	if (tcb->flags & TCB_F_FAST_RECOVERY)
		tcp_output_schedule(s, tcb);
	else if (seq_geq(tcb->snd.una, tcb->recover) && loss_detected(tcb))
		recovery_enter(s, tcb, now);
}

static void
ack_dup(struct tern_stack *s, struct tcb *tcb, const struct seg_in *in)
{
	stack_ctr_inc(s, CTR_TCP_RX_DUPACK);
	if (tcb->dupacks < UINT16_MAX)
		tcb->dupacks++;
	if (tcb->flags & TCB_F_FAST_RECOVERY) {
		/* RFC 5681 3.2 step 4: each one means a segment left the
		 * network; under RFC 6675 pipe already says so */
		if (!(tcb->flags & TCB_F_SACK_RECOVERY))
			tcp_cc_dupack(tcb, in->now);
		else if (!(tcb->flags & TCB_F_RACK) && tcp_sack_head_rxt_lost(tcb)) {
			tcb->flags |= TCB_F_REXMIT_FAST;
			stack_ctr_inc(s, CTR_TCP_SACK_LOST_RXT);
		}
		tcp_output_schedule(s, tcb);
		return;
	}
	/* RFC 6582 3.2 step 2 / RFC 6675 5: not again for losses of an
	 * earlier window (recover is one past the highest sequence number
	 * sent then). RFC 6675 5 (2): the scoreboard may call the first
	 * hole lost before the third duplicate; so may RACK. */
	if (seq_geq(in->seg.ack, tcb->recover) && loss_detected(tcb)) {
		recovery_enter(s, tcb, in->now);
		return;
	}
	/* RFC 3042 / RFC 6675 5 (3): new data may go beyond cwnd
	 * (tcp_output.c's usable window counts these) */
	tcp_output_schedule(s, tcb);
}

/* 3.10.7.4 fifth, ESTABLISHED: the wl1/wl2 rule keeps old segments from
 * reopening the window. */
static void
snd_wnd_update(struct tern_stack *s, struct tcb *tcb, const struct seg_in *in)
{
	uint32_t seq = in->seg.seq, ack = in->seg.ack;
	uint32_t wnd = (uint32_t)in->seg.wnd << tcb->snd.wscale;

	if (seq_lt(ack, tcb->snd.una))
		return;
	if (!seq_lt(tcb->snd.wl1, seq) && !(tcb->snd.wl1 == seq && seq_leq(tcb->snd.wl2, ack)))
		return;
	if (wnd > tcb->snd.wnd)
		tcp_output_schedule(s, tcb);
	tcb->snd.wnd = wnd;
	tcb->snd.wl1 = seq;
	tcb->snd.wl2 = ack;
}

/* SYN-RECEIVED: the ACK of our SYN,ACK completes the handshake. */
static enum in_verdict
ack_syn_received(struct tern_stack *s, struct tcb *tcb, struct seg_in *in)
{
	uint32_t ack = in->seg.ack;

	if (seq_leq(ack, tcb->snd.una) || seq_gt(ack, tcb->snd.max)) {
		in->why = CTR_TCP_RX_ACK_BAD;
		return IN_DROP_RST;
	}
	in->syn_acked = true;
	tcb->snd.wnd = (uint32_t)in->seg.wnd << tcb->snd.wscale;
	tcb->snd.wl1 = in->seg.seq;
	tcb->snd.wl2 = ack;
	if (tcb->retries > 0)
		tcp_cc_init(tcb, in->now, true);	/* RFC 6928 2: SYN,ACK was resent */
	tcp_set_state(s, tcb, TCP_ST_ESTABLISHED);
	tcp_in_ecn_established(s, tcb);
	if (tcb->listener == NULL) {
		tcp_ev_connected(s, tcb);	/* simultaneous open */
		return IN_CONTINUE;
	}
	if (tcb->listener->n_syn > 0)
		tcb->listener->n_syn--;
	tcb->listener = NULL;
	tcp_ev_accepted(s, tcb);
	return IN_CONTINUE;
}

/* Our FIN acknowledged: FIN-WAIT-1, CLOSING and LAST-ACK move on. */
static enum in_verdict
ack_fin_progress(struct tern_stack *s, struct tcb *tcb)
{
	if (!(tcb->flags & TCB_F_FIN_ISSUED) || tcb->snd.una != tcb->snd.max)
		return IN_CONTINUE;
	switch (tcb->state) {
	case TCP_ST_FIN_WAIT_1:
		tcp_set_state(s, tcb, TCP_ST_FIN_WAIT_2);
		break;
	case TCP_ST_CLOSING:
		tcp_set_state(s, tcb, TCP_ST_TIME_WAIT);
		break;
	case TCP_ST_LAST_ACK:
		tcp_conn_close(s, tcb, 0);
		return IN_DONE;
	default:
		break;
	}
	return IN_CONTINUE;
}

enum in_verdict
tcp_in_ack(struct tern_stack *s, struct tcb *tcb, struct seg_in *in)
{
	uint32_t ack = in->seg.ack, sacked = 0;
	enum in_verdict v;
	bool advanced, ece;

	if (!has(in, TCP_FLAG_ACK)) {
		in->why = CTR_TCP_RX_NO_ACK;
		return IN_DROP;
	}
	if (tcb->state == TCP_ST_SYN_RECEIVED) {
		v = ack_syn_received(s, tcb, in);
		if (v != IN_CONTINUE)
			return v;
	}
	/* RFC 5961 5.2: SND.UNA - MAX.SND.WND =< SEG.ACK =< SND.NXT, with the
	 * current window (at least 64 KiB) standing in for MAX.SND.WND */
	if (seq_lt(ack, tcb->snd.una - RTE_MAX(tcb->snd.wnd, TCP_MAX_SND_WND_MIN)) ||
	    seq_gt(ack, tcb->snd.max)) {
		tcp_output_challenge_ack(s, tcb);
		in->why = CTR_TCP_RX_ACK_BAD;
		return IN_DROP;
	}
	/* RFC 3168: before SND.UNA moves, so a reduction sees the flight */
	ece = tcp_in_ecn(s, tcb, in);
	/* RFC 8985 6.2: what this ACK delivered, before the scoreboard and
	 * snd.una forget it; losses once they took it */
	if (tcb->flags & TCB_F_RACK)
		tcp_rack_update(tcb, &in->seg.opts, ack, in->now);
	if (tcb->flags & TCB_F_SACK_OK)
		sacked = tcp_sack_update(s, tcb, &in->seg.opts, ack);
	advanced = seq_gt(ack, tcb->snd.una);
	if (advanced)
		ack_new(s, tcb, in, ece);
	if (tcb->flags & TCB_F_RACK) {
		tcp_rack_detect(s, tcb, in->now);
		tcp_tlp_ack(s, tcb, &in->seg.opts, ack, in->now);
	}
	if (ack_is_dup(tcb, in, sacked, advanced))
		ack_dup(s, tcb, in);
	else if (tcb->flags & TCB_F_RACK)
		tcp_in_loss_detected(s, tcb, in->now);	/* an ACK that advanced */
	snd_wnd_update(s, tcb, in);
	return ack_fin_progress(s, tcb);
}
