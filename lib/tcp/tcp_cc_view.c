/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Congestion control, the TCB side: the one place where a TCB meets the
 * algorithms of cc/. Each function builds the narrow view (cwnd,
 * ssthresh, MSS, FlightSize, now, SRTT, private area) from the TCB, runs
 * one op of the connection's algorithm and stores cwnd and ssthresh back.
 * Called by tcp_input.c / tcp_input_ack.c (establishment, ACKs, duplicate
 * ACKs, recovery), tcp_input_ecn.c (ECN-Echo), tcp_timer.c (RTO),
 * tcp_output.c (idle restart), tcp_user.c (per-connection selection)
 * and tcp_undo.c (the undo of a spurious fast retransmit or timeout,
 * whose baseline recovery entry and tcp_cc_rto save);
 * they decide when, cc/ decides how much.
 */
#include <errno.h>
#include <string.h>

#include <rte_debug.h>

#include "tcp/tcp_private.h"

static const struct tcp_cc_ops *
cc_ops(const struct tcb *tcb)
{
	const struct tcp_cc_ops *ops = tcp_cc_ops_get(tcb->cc_algo);

	return ops != NULL ? ops : tcp_cc_ops_get(TCP_CC_NEWRENO);
}

static void
view_of(struct tcp_cc_view *v, struct tcb *tcb, uint64_t now)
{
	v->cwnd = tcb->cwnd;
	v->ssthresh = tcb->ssthresh;
	v->mss = tcb->mss;
	v->flight = tcb->snd.max - tcb->snd.una;
	v->now_ns = now;
	v->srtt_us = tcb->rtt.srtt_us;
	v->priv = &tcb->cc;
}

static void
view_done(struct tcb *tcb, const struct tcp_cc_view *v)
{
	RTE_ASSERT(v->cwnd >= 1 && v->cwnd <= TCP_CC_CWND_MAX);
	tcb->cwnd = v->cwnd;
	tcb->ssthresh = v->ssthresh;
}

void
tcp_cc_init(struct tcb *tcb, uint64_t now, bool syn_lost)
{
	struct tcp_cc_view v;

	view_of(&v, tcb, now);
	cc_ops(tcb)->init(&v);
	if (syn_lost)
		tcp_cc_loss_window(&v);
	view_done(tcb, &v);
}

int
tcp_cc_select(struct tcb *tcb, unsigned int algo)
{
	if (tcp_cc_ops_get(algo) == NULL)
		return -EINVAL;
	if (algo != tcb->cc_algo) {
		tcb->cc_algo = (uint8_t)algo;
		memset(&tcb->cc, 0, sizeof(tcb->cc));
	}
	return 0;
}

void
tcp_cc_ack(struct tcb *tcb, uint64_t now, uint32_t acked, uint64_t rtt_ns)
{
	struct tcp_cc_view v;
	uint64_t rtt_us = rtt_ns / NS_PER_US;

	view_of(&v, tcb, now);
	cc_ops(tcb)->on_ack(&v, acked, rtt_us > UINT32_MAX ? UINT32_MAX : (uint32_t)rtt_us);
	view_done(tcb, &v);
}

/* RFC 6675 5 (4.2): a SACK-based recovery counts what is in the network
 * with pipe, so the window is ssthresh itself, without RFC 5681's
 * three-segment inflation. Decision: the reduction starts from
 * min(FlightSize, cwnd), as Linux does, not from FlightSize alone: with
 * SACK the flight includes SACKed data and what SACK-freed room let out
 * beyond cwnd (RFC 6675 5 (3)), and counting it made every loss event
 * cost less than the algorithm's beta (interop_loss: twice the kernel
 * CUBIC flow's share of a bottleneck). Without SACK, NewReno keeps RFC
 * 5681's FlightSize (limited transmit adds at most 2 segments).
 * After an ECN reduction in the same window (`reduced`) ssthresh already
 * holds the reduced window: only the recovery's own cwnd is set, ssthresh
 * (SACK) or ssthresh plus the three segments that left (RFC 5681 3.2
 * step 3), never above what it was. */
void
tcp_cc_recovery_enter(struct tcb *tcb, uint64_t now, bool sack, bool reduced)
{
	struct tcp_cc_view v;

	/* RFC 3708: what to restore if D-SACKs show every resend of this
	 * episode was needless (tcp_sack.c); they need SACK */
	tcb->undo.armed = (tcb->flags & TCB_F_SACK_OK) != 0;
	tcb->undo.rto = 0;
	tcb->undo.eifel = 0;
	tcb->undo.cwnd = tcb->cwnd;
	tcb->undo.ssthresh = tcb->ssthresh;
	tcb->undo.una = tcb->snd.una;
	tcb->undo.high = tcb->snd.max;
	tcb->undo.retrans = 0;
	view_of(&v, tcb, now);
	if (reduced) {
		v.cwnd = RTE_MIN(v.cwnd, sack ? v.ssthresh : v.ssthresh + 3 * v.mss);
		view_done(tcb, &v);
		return;
	}
	if (sack)
		v.flight = RTE_MIN(v.flight, tcb->cwnd);
	cc_ops(tcb)->enter_recovery(&v);
	if (sack)
		v.cwnd = v.ssthresh;
	view_done(tcb, &v);
}

void
tcp_cc_dupack(struct tcb *tcb, uint64_t now)
{
	struct tcp_cc_view v;

	view_of(&v, tcb, now);
	cc_ops(tcb)->on_dupack(&v);
	view_done(tcb, &v);
}

void
tcp_cc_partial_ack(struct tcb *tcb, uint64_t now, uint32_t acked)
{
	struct tcp_cc_view v;

	view_of(&v, tcb, now);
	cc_ops(tcb)->on_partial_ack(&v, acked);
	view_done(tcb, &v);
}

void
tcp_cc_recovery_exit(struct tcb *tcb, uint64_t now)
{
	struct tcp_cc_view v;

	view_of(&v, tcb, now);
	cc_ops(tcb)->on_exit_recovery(&v);
	view_done(tcb, &v);
}

/* RFC 4015 3.1 (1): the first timeout of an episode keeps what an
 * undo restores: cwnd, pipe_prev = max(FlightSize, ssthresh), and RFC
 * 3522's RetransmitTS, the TSval of the resend output sends in this
 * iteration (the ms clock of `now`). Detection by timestamps (Eifel) or
 * D-SACK; later timeouts of the episode keep the first's. Decision: only
 * with SACK. Without it, the undone window either re-sends the whole
 * flight in the go-back or, the go-back stopped, leaves the window's
 * other holes to NewReno's one per round trip: the sim grid's nosack
 * NewReno cells lost 18-30% (loss_2, loss_5) either way. */
static void
undo_rto_arm(struct tcb *tcb, uint64_t now)
{
	tcb->undo.armed = (tcb->flags & TCB_F_SACK_OK) != 0;
	tcb->undo.rto = 1;
	tcb->undo.eifel = (tcb->flags & TCB_F_TS_OK) != 0;
	tcb->undo.rxt_tsval = tcp_ts_now(tcb, now);
	tcb->undo.cwnd = tcb->cwnd;
	tcb->undo.ssthresh = RTE_MAX(tcb->ssthresh, tcb->snd.max - tcb->snd.una);
	tcb->undo.una = tcb->snd.una;
	tcb->undo.high = tcb->snd.max;
	tcb->undo.retrans = 0;
}

void
tcp_cc_rto(struct tcb *tcb, uint64_t now, bool first)
{
	struct tcp_cc_view v;

	if (first)
		undo_rto_arm(tcb, now);
	view_of(&v, tcb, now);
	if (first)
		cc_ops(tcb)->on_rto(&v);
	else
		tcp_cc_loss_window(&v);
	view_done(tcb, &v);
}

void
tcp_cc_undo(struct tcb *tcb)
{
	tcb->cwnd = RTE_MAX(tcb->cwnd, tcb->undo.cwnd);
	tcb->ssthresh = RTE_MAX(tcb->ssthresh, tcb->undo.ssthresh);
	tcb->undo.armed = 0;
}

void
tcp_cc_undo_rto(struct tcb *tcb, uint32_t acked)
{
	uint32_t iw = TCP_CC_IW_SEGS * (uint32_t)tcb->mss;
	uint64_t cwnd = (uint64_t)(tcb->snd.max - tcb->snd.una) + RTE_MIN(acked, iw);

	if (cwnd < tcb->cwnd)
		cwnd = tcb->cwnd;
	tcb->cwnd = (uint32_t)RTE_MIN(cwnd, (uint64_t)TCP_CC_CWND_MAX);
	tcb->ssthresh = RTE_MAX(tcb->ssthresh, tcb->undo.ssthresh);
}

void
tcp_cc_loss_repaired(struct tcb *tcb, uint64_t now)
{
	struct tcp_cc_view v;

	view_of(&v, tcb, now);
	v.flight = RTE_MIN(v.flight, tcb->cwnd);
	cc_ops(tcb)->enter_recovery(&v);
	v.cwnd = v.ssthresh;
	view_done(tcb, &v);
}

void
tcp_cc_after_idle(struct tcb *tcb, uint64_t now)
{
	struct tcp_cc_view v;

	view_of(&v, tcb, now);
	cc_ops(tcb)->after_idle(&v);
	view_done(tcb, &v);
}

/* RFC 3168 6.1.2 "as in the response to a dropped packet": the
 * reduction starts from min(FlightSize, cwnd), as a SACK recovery's does
 * (above), so an ACK-clocked flow halves what it had in flight. */
void
tcp_cc_ecn(struct tcb *tcb, uint64_t now)
{
	struct tcp_cc_view v;

	view_of(&v, tcb, now);
	v.flight = RTE_MIN(v.flight, tcb->cwnd);
	cc_ops(tcb)->on_ecn(&v);
	view_done(tcb, &v);
}

const char *
tcp_cc_name(const struct tcb *tcb)
{
	return cc_ops(tcb)->name;
}
