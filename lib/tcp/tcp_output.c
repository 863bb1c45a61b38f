/* SPDX-License-Identifier: BSD-3-Clause
 *
 * TCP output: what a connection sends, decided once per loop iteration.
 * Input, app commands and timers only set TCB flags and call
 * tcp_output_schedule(), which puts the TCB once on the stack's output
 * list; tcp_output_run(), last in the iteration, takes each TCB off the
 * list and builds what its state and flags call for: SYN / SYN-ACK,
 * retransmissions, tail loss probes (RFC 8985 7, tcp_tlp.c decides when),
 * window probes, keepalives, data up to the usable
 * window (swnd = min(cwnd, rwnd), plus RFC 3042 limited transmit; Nagle,
 * sender SWS avoidance), the FIN, and a pure ACK when one is still owed.
 * Before sending after an idle period longer than the RTO the congestion
 * control restarts its window (RFC 5681 4.1, tcp_cc_view.c).
 * tcp_output_seg.c builds the frames.
 */
#include <errno.h>

#include "tcp/tcp_output_seg.h"

/* Staged frames free before a TCB is served (an ACK, a few segments). */
#define TCP_OUTPUT_ROOM 16u

void
tcp_output_schedule(struct tern_stack *s, struct tcb *tcb)
{
	struct tcp_table *t = s->tcp;

	if (tcb->flags & TCB_F_TX_QUEUED)
		return;
	tcb->flags |= TCB_F_TX_QUEUED;
	tcb->tx_next = NULL;
	if (t->tx_head == NULL)
		t->tx_tail = &t->tx_head;
	*t->tx_tail = tcb;
	t->tx_tail = &tcb->tx_next;
}

void
tcp_output_ack_now(struct tern_stack *s, struct tcb *tcb)
{
	tcb->flags |= TCB_F_ACK_NOW;
	tcp_output_schedule(s, tcb);
}

/* RFC 5961 7: at most TCP_CHALLENGE_ACK_PER_S challenge ACKs per second
 * per stack, from a bucket holding up to one second of them. */
void
tcp_output_challenge_ack(struct tern_stack *s, struct tcb *tcb)
{
	if (!token_bucket_take(&s->tcp->challenge, s->now_ns)) {
		stack_ctr_inc(s, CTR_TCP_TX_CHALLENGE_LIMIT);
		return;
	}
	stack_ctr_inc(s, CTR_TCP_TX_CHALLENGE_ACK);
	tcp_output_ack_now(s, tcb);
}

/* Sequence numbers and the send queue. Byte 0 of the send queue (the first
 * unacknowledged byte) has sequence number snd.una, or snd.una + 1 while
 * our SYN is unacknowledged (SYN-SENT,
 * SYN-RECEIVED: snd.una == iss); call that seq0. Queue offset
 * of sequence number x is x - seq0. With `bytes` queued, our FIN (once the
 * app shut the write side: TCB_F_FIN_PENDING, which stays set) occupies
 * seq0 + bytes, right after the last byte; TCB_F_FIN_ISSUED says it was
 * given that number (snd.max covers it), and it is acknowledged when
 * snd.una == snd.max. Input removes acknowledged data with tcp_sndq_ack(),
 * counting neither SYN nor FIN. snd.nxt is where new transmission goes on;
 * it only moves back after an RTO (go-back to snd.una); snd.max is the
 * highest sequence number ever sent + 1, and includes a zero-window probe
 * byte that was sent beyond the window without moving snd.nxt.
 */
static uint32_t
data_seq0(const struct tcb *tcb)
{
	/* our SYN is acknowledged in every synchronized state */
	return tcp_state_is_synced(tcb->state) ? tcb->snd.una : tcb->snd.una + 1;
}

static bool
fin_acked(const struct tcb *tcb)
{
	return (tcb->flags & TCB_F_FIN_ISSUED) && tcb->snd.una == tcb->snd.max;
}

/* The FIN belongs at seq0 + bytes and is not acknowledged yet. */
static bool
fin_due(const struct tcb *tcb)
{
	return (tcb->flags & TCB_F_FIN_PENDING) && !fin_acked(tcb);
}

static uint32_t
unsent_bytes(const struct tcb *tcb)
{
	uint32_t off = tcb->snd.nxt - data_seq0(tcb);

	return off < tcb->sndq.bytes ? tcb->sndq.bytes - off : 0;
}

static void
rto_arm_if_idle(struct tern_stack *s, struct tcb *tcb)
{
	if (!tcp_timer_is_armed(tcb, TCP_T_RTO))
		tcp_timer_arm(s, tcb, TCP_T_RTO, s->now_ns + tcp_rto_ns(s, tcb));
}

/* Sequence bookkeeping after `tx` went out at snd.nxt: advance, time one
 * segment at a time (Karn: never a retransmission; not needed with
 * timestamps), and make sure the RTO watches what is in flight. */
static void
sent_at_nxt(struct tern_stack *s, struct tcb *tcb, const struct tcp_tx *tx)
{
	uint32_t end = tx->seq + tx->len + ((tx->flags & TCP_FLAG_FIN) ? 1 : 0);

	if (tx->rexmit) {
		if ((tcb->flags & TCB_F_RTT_TIMING) && seq_in(tcb->rtt.seq, tx->seq, end))
			tcb->flags &= ~TCB_F_RTT_TIMING;
	} else if (!(tcb->flags & (TCB_F_TS_OK | TCB_F_RTT_TIMING))) {
		tcb->flags |= TCB_F_RTT_TIMING;
		tcb->rtt.seq = tx->seq;
		tcb->rtt.ts_ns = s->now_ns;
	}
	if (tx->flags & TCP_FLAG_FIN)
		tcb->flags |= TCB_F_FIN_ISSUED;
	if (tx->len > 0)
		tcb->last_tx_ns = s->now_ns;
	tcb->snd.nxt = end;
	if (seq_gt(end, tcb->snd.max))
		tcb->snd.max = end;
	rto_arm_if_idle(s, tcb);
}

/* SYN-RECEIVED, our SYN-ACK already out: an ACK asked for by input (an
 * unacceptable segment, a challenge ACK) is <SEQ=SND.NXT><ACK=RCV.NXT>
 * (RFC 9293 3.10.7.4 first step, RFC 5961 3.2), not the SYN-ACK again. */
static void
output_syn_received_ack(struct tern_stack *s, struct tcb *tcb)
{
	struct tcp_tx tx = { .seq = tcb->snd.nxt, .flags = TCP_FLAG_ACK };
	struct tcp_opts o;

	tcb->flags &= ~TCB_F_OUT_MASK;
	tcp_output_opts(s, tcb, &o);
	tcp_output_xmit(s, tcb, &tx, &o);
}

/* SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED), seq = iss. Sent the first
 * time, after an RTO, and in SYN-RECEIVED when input asks for it again
 * (TCB_F_SYNACK_AGAIN: a duplicate SYN, or the SYN of a simultaneous
 * open). The first send claims the SYN's sequence number even if no mbuf
 * was free: the RTO resends it like a lost one. */
static void
output_syn(struct tern_stack *s, struct tcb *tcb)
{
	bool first = !(tcb->flags & TCB_F_SYN_ISSUED);
	bool synack = tcb->state == TCP_ST_SYN_RECEIVED;
	struct tcp_tx tx = { .seq = tcb->iss, .flags = TCP_FLAG_SYN, .rexmit = !first };
	struct tcp_opts o;

	if (!first && !(tcb->flags & TCB_F_REXMIT_RTO) &&
	    !(synack && (tcb->flags & TCB_F_SYNACK_AGAIN))) {
		if (synack && (tcb->flags & TCB_F_ACK_NOW))
			output_syn_received_ack(s, tcb);
		tcb->flags &= ~TCB_F_OUT_MASK;
		return;
	}
	tcb->flags &= ~TCB_F_OUT_MASK;
	if (synack) {
		tx.flags |= TCP_FLAG_ACK;
		tcb->rcv.adv = tcb->rcv.nxt;	/* first window offered */
	}
	tcp_output_syn_opts(s, tcb, &o);
	if (first) {
		tcb->flags |= TCB_F_SYN_ISSUED | TCB_F_RTT_TIMING;
		tcb->rtt.seq = tcb->iss;
		tcb->rtt.ts_ns = s->now_ns;
		tcb->snd.nxt = tcb->iss + 1;
		tcb->snd.max = seq_max(tcb->snd.max, tcb->iss + 1);
	} else {
		tcb->flags &= ~TCB_F_RTT_TIMING;	/* Karn */
	}
	tcp_output_xmit(s, tcb, &tx, &o);
	rto_arm_if_idle(s, tcb);
}

/* Payload bytes per segment: the MSS less the options every segment
 * carries (RFC 9293 3.7.1), within what one mbuf holds when needed. */
static uint32_t
seg_max(const struct tern_stack *s, const struct tcb *tcb, const struct tcp_opts *o)
{
	uint32_t olen = tcp_opts_len(o);
	uint32_t mss = tcb->mss > olen + 1 ? tcb->mss - olen : 1;

	return RTE_MIN(mss, tcp_output_room(s, tcb));
}

/* RFC 3042 limited transmit: the first and the second duplicate ACK
 * (outside recovery) each let one more segment of new data out beyond
 * cwnd; cwnd itself does not change. Never for resends after an RTO. */
static uint32_t
limited_transmit(const struct tcb *tcb)
{
	if (tcb->dupacks == 0 || tcb->dupacks > 2 || (tcb->flags & TCB_F_FAST_RECOVERY) ||
	    tcb->snd.nxt != tcb->snd.max || tcb->sb != NULL)
		return 0;	/* with a scoreboard the flight shrinks instead */
	return (uint32_t)tcb->dupacks * tcb->mss;
}

/* What cwnd is compared with: pipe (RFC 6675 SetPipe) in a SACK recovery,
 * otherwise the bytes sent from snd.una to snd.nxt less those the peer
 * SACKed (RFC 6675 5 (3) before a recovery, the go-back after an RTO). */
static uint32_t
in_flight(const struct tcb *tcb)
{
	uint32_t flight = tcb->snd.nxt - tcb->snd.una;

	if (tcb->flags & TCB_F_SACK_RECOVERY)
		return tcp_sack_pipe(tcb);
	if (tcb->sb != NULL)
		flight -= tcp_sack_sacked_in(tcb, tcb->snd.una, tcb->snd.nxt);
	return flight;
}

/* swnd = min(cwnd, rwnd): room under cwnd for what is in flight, and room
 * in the peer's window for the sequence space from snd.una. */
static uint32_t
usable_window(const struct tcb *tcb)
{
	uint32_t cwnd = tcb->cwnd + limited_transmit(tcb), flight = in_flight(tcb);
	uint32_t seq_used = tcb->snd.nxt - tcb->snd.una;
	uint32_t c_room = cwnd > flight ? cwnd - flight : 0;
	uint32_t r_room = tcb->snd.wnd > seq_used ? tcb->snd.wnd - seq_used : 0;

	return RTE_MIN(c_room, r_room);
}

/* RFC 5681 4.1: no data sent for longer than the RTO and nothing in
 * flight: the ACK clock is gone, restart the window before sending.
 * last_tx_ns is then moved to now so that the restart happens once. */
static void
idle_restart(struct tern_stack *s, struct tcb *tcb)
{
	if (tcb->last_tx_ns == 0 || tcb->snd.una != tcb->snd.max || unsent_bytes(tcb) == 0 ||
	    s->now_ns - tcb->last_tx_ns <= tcp_rto_ns(s, tcb))
		return;
	tcp_cc_after_idle(tcb, s->now_ns);
	tcb->last_tx_ns = s->now_ns;
	stack_ctr_inc(s, CTR_TCP_IDLE_RESTART);
}

/* Nagle (RFC 9293 3.7.4) and sender SWS avoidance (3.8.6.2.1) for a piece
 * of `len` bytes out of `unsent`. The fraction Fs = 1/2 is taken of the
 * current send window (the maximum the peer ever offered is not kept).
 * With nothing in flight a window-limited piece goes at once: no ACK is
 * coming to wake us, and a zero window is the persist timer's job. */
static bool
may_send(const struct tcb *tcb, uint32_t len, uint32_t unsent, uint32_t max)
{
	bool idle = tcb->snd.nxt == tcb->snd.una;

	if (seq_lt(tcb->snd.nxt, tcb->snd.max))
		return true;		/* resending after an RTO */
	if (len >= max)
		return true;
	if (len == unsent)
		return idle || (tcb->flags & (TCB_F_NODELAY | TCB_F_FIN_PENDING));
	return idle || len >= tcb->snd.wnd / 2;
}

/* Going back after an RTO, data the peer SACKed is not sent again: move
 * snd.nxt past it. Returns the bytes up to the next SACKed range. */
static uint32_t
go_back_skip(struct tcb *tcb)
{
	uint32_t room = UINT32_MAX;

	if (tcb->sb != NULL && seq_lt(tcb->snd.nxt, tcb->snd.max)) {
		tcb->snd.nxt = seq_min(tcp_sack_skip(tcb, tcb->snd.nxt, &room), tcb->snd.max);
		if (tcb->snd.nxt == tcb->snd.max)
			room = UINT32_MAX;
	}
	return room;
}

/* New data (and after an RTO, old data again) from snd.nxt, then the FIN.
 * PSH marks the segment that empties the queue, which also carries the
 * FIN when it is due. Returns -ENOMEM when it ran out of mbufs. */
static int
send_data(struct tern_stack *s, struct tcb *tcb, const struct tcp_opts *o)
{
	uint32_t max = seg_max(s, tcb, o), seq0 = data_seq0(tcb);

	idle_restart(s, tcb);
	for (;;) {
		uint32_t room = RTE_MIN(go_back_skip(tcb), max);
		uint32_t unsent = unsent_bytes(tcb);
		uint32_t wnd = RTE_MIN(usable_window(tcb), room);
		uint32_t len = RTE_MIN(unsent, wnd);
		struct tcp_tx tx = { .seq = tcb->snd.nxt, .off = tcb->snd.nxt - seq0,
				     .len = len, .flags = TCP_FLAG_ACK,
				     .rexmit = seq_lt(tcb->snd.nxt, tcb->snd.max) };

		if (len == 0 || !may_send(tcb, len, unsent, max))
			break;
		if (len == unsent) {
			tx.flags |= TCP_FLAG_PSH;
			if (fin_due(tcb))
				tx.flags |= TCP_FLAG_FIN;
		}
		if (tcp_output_xmit(s, tcb, &tx, o) != 0)
			return -ENOMEM;
		if (tx.rexmit)
			tcp_undo_resent(tcb);	/* the go-back after an RTO */
		else if (tcb->snd.nxt + len - tcb->snd.una > tcb->cwnd)
			stack_ctr_inc(s, CTR_TCP_LIMITED_TX);
		sent_at_nxt(s, tcb, &tx);
	}
	if (fin_due(tcb) && tcb->snd.nxt == seq0 + tcb->sndq.bytes) {
		struct tcp_tx tx = { .seq = tcb->snd.nxt, .flags = TCP_FLAG_ACK | TCP_FLAG_FIN,
				     .rexmit = seq_lt(tcb->snd.nxt, tcb->snd.max) };

		if (tcp_output_xmit(s, tcb, &tx, o) != 0)
			return -ENOMEM;
		sent_at_nxt(s, tcb, &tx);
	}
	return 0;
}

/* Resend sequence space [seq, seq + len) of what was sent before (snd.nxt
 * stays): the data in it, at most one segment, and our FIN when the range
 * reaches it. *used = sequence space sent (0: nothing was left to send). */
static int
resend_range(struct tern_stack *s, struct tcb *tcb, const struct tcp_opts *o,
	     uint32_t seq, uint32_t len, uint32_t *used)
{
	uint32_t seq0 = data_seq0(tcb), bytes = tcb->sndq.bytes;
	uint32_t off = seq - seq0;
	struct tcp_tx tx = { .seq = seq, .off = off, .flags = TCP_FLAG_ACK, .rexmit = true };
	bool fin = (tcb->flags & TCB_F_FIN_ISSUED) && fin_due(tcb);

	*used = 0;
	if (off < bytes) {
		uint32_t piece = RTE_MIN(bytes - off, len);

		tx.len = RTE_MIN(piece, seg_max(s, tcb, o));
	}
	if (off + tx.len == bytes) {
		tx.flags |= TCP_FLAG_PSH;
		if (fin && len > tx.len)
			tx.flags |= TCP_FLAG_FIN;
	}
	if (tx.len == 0 && !(tx.flags & TCP_FLAG_FIN))
		return 0;
	if ((tcb->flags & TCB_F_RTT_TIMING) && seq_in(tcb->rtt.seq, tx.seq,
						      tx.seq + tx.len + 1))
		tcb->flags &= ~TCB_F_RTT_TIMING;	/* Karn */
	if (tcp_output_xmit(s, tcb, &tx, o) != 0)
		return -ENOMEM;
	tcp_undo_resent(tcb);
	*used = tx.len + ((tx.flags & TCP_FLAG_FIN) ? 1 : 0);
	return 0;
}

/* RFC 5681 3.2 step 2 / RFC 6675 5 (4.3): resend one segment at snd.una;
 * snd.nxt stays. In a SACK recovery it is the first of HighRxt's. */
static int
fast_rexmit(struct tern_stack *s, struct tcb *tcb, const struct tcp_opts *o)
{
	uint32_t used;
	int rc;

	if (tcb->snd.nxt == tcb->snd.una)
		return 0;		/* nothing in flight any more */
	rc = resend_range(s, tcb, o, tcb->snd.una, tcb->snd.max - tcb->snd.una, &used);
	if (rc == 0 && used > 0 && (tcb->flags & TCB_F_SACK_RECOVERY)) {
		if (!seq_gt(tcb->sb->high_rxt, tcb->snd.una))
			tcb->sb->rescue_rxt = tcb->snd.una + used;	/* 4.3 */
		tcb->sb->high_rxt = seq_max(tcb->sb->high_rxt, tcb->snd.una + used);
		tcp_sack_resent(tcb, tcb->snd.una);
	}
	return rc;
}

/* RFC 6675 5 (C): while cwnd - pipe >= 1 SMSS (`smss`: the payload a
 * segment carries with this connection's options). */
static bool
pipe_allows(const struct tcb *tcb, uint32_t smss)
{
	return (uint64_t)tcp_sack_pipe(tcb) + smss <= tcb->cwnd;
}

/* Resend a hole piece NextSeg chose (rules 1 and 3): HighRxt moves past
 * it. Returns -ENOMEM, 0 when nothing was left to send, 1 when sent. */
static int
sack_resend_hole(struct tern_stack *s, struct tcb *tcb, const struct tcp_opts *o,
		 uint32_t seq, uint32_t len)
{
	uint32_t used;

	if (resend_range(s, tcb, o, seq, len, &used) != 0)
		return -ENOMEM;
	if (used == 0)
		return 0;
	tcb->sb->high_rxt = seq + used;
	tcp_sack_resent(tcb, seq);
	stack_ctr_inc(s, CTR_TCP_SACK_REXMIT);
	return 1;
}

/* NextSeg rule 1: resend the holes the scoreboard deems lost, from
 * HighRxt up, while pipe allows. */
static int
sack_resend_lost(struct tern_stack *s, struct tcb *tcb, const struct tcp_opts *o)
{
	uint32_t max = seg_max(s, tcb, o), seq, len;
	int rc = 1;

	while (rc == 1 && pipe_allows(tcb, max) && tcp_sack_next_lost(tcb, max, &seq, &len))
		rc = sack_resend_hole(s, tcb, o, seq, len);
	return rc < 0 ? rc : 0;
}

/* NextSeg rules 3 and 4, when neither a lost hole (rule 1) nor new data
 * (rule 2: nothing queued, or the peer's window, Nagle or sender SWS held
 * it back) used the room pipe leaves: unSACKed holes not yet deemed lost,
 * then once per recovery the rescue resend of the highest unSACKed
 * segment. */
static int
sack_resend_rest(struct tern_stack *s, struct tcb *tcb, const struct tcp_opts *o)
{
	uint32_t max = seg_max(s, tcb, o), seq, len, used;
	int rc = 1;

	while (rc == 1 && pipe_allows(tcb, max) && tcp_sack_next_unsacked(tcb, max, &seq, &len))
		rc = sack_resend_hole(s, tcb, o, seq, len);
	if (rc < 0)
		return rc;
	if (rc == 0 || !pipe_allows(tcb, max) || !tcp_sack_rescue(tcb, max, &seq, &len))
		return 0;
	if (resend_range(s, tcb, o, seq, len, &used) != 0)
		return -ENOMEM;
	tcb->sb->rescue_rxt = tcb->recover;
	stack_ctr_inc(s, CTR_TCP_SACK_RESCUE);
	return 0;
}

/* RFC 8985 7.3: the tail loss probe, whatever cwnd says: one segment of
 * new data when the peer's window has room for it, else the last segment
 * sent (with our FIN when that is last) again. */
static int
send_tlp(struct tern_stack *s, struct tcb *tcb, const struct tcp_opts *o)
{
	uint32_t max = seg_max(s, tcb, o), unsent = unsent_bytes(tcb), seq0 = data_seq0(tcb);
	uint32_t seq_used = tcb->snd.nxt - tcb->snd.una, end = seq0 + tcb->sndq.bytes, used;
	uint32_t r_room = tcb->snd.wnd > seq_used ? tcb->snd.wnd - seq_used : 0;

	if (tcb->snd.una == tcb->snd.max || (tcb->flags & TCB_F_FAST_RECOVERY))
		return 0;
	if (unsent > 0 && tcb->snd.nxt == tcb->snd.max && r_room >= RTE_MIN(unsent, max)) {
		struct tcp_tx tx = { .seq = tcb->snd.nxt, .off = tcb->snd.nxt - seq0,
				     .len = RTE_MIN(unsent, max), .flags = TCP_FLAG_ACK };

		if (tx.len == unsent) {
			tx.flags |= TCP_FLAG_PSH;
			if (fin_due(tcb))
				tx.flags |= TCP_FLAG_FIN;
		}
		if (tcp_output_xmit(s, tcb, &tx, o) != 0)
			return -ENOMEM;
		sent_at_nxt(s, tcb, &tx);
		tcp_tlp_sent(s, tcb, false, s->now_ns);
		return 0;
	}
	/* the last data segment (end: one past the last byte queued), or
	 * the FIN alone when no data is left */
	end = seq_max(end, tcb->snd.una);
	end -= RTE_MIN(max, end - tcb->snd.una);
	if (resend_range(s, tcb, o, end, tcb->snd.max - end, &used) != 0)
		return -ENOMEM;
	if (used > 0)
		tcp_tlp_sent(s, tcb, true, s->now_ns);
	return 0;
}

/* Persist timer fired (RFC 9293 3.8.6.1): one byte beyond the zero window,
 * or, with nothing queued, an ACK the peer must answer. */
static int
send_probe(struct tern_stack *s, struct tcb *tcb, const struct tcp_opts *o)
{
	struct tcp_tx tx = { .seq = tcb->snd.una - 1, .flags = TCP_FLAG_ACK };
	int rc;

	if (unsent_bytes(tcb) > 0 && tcb->snd.wnd == 0 &&
	    tcb->snd.nxt == tcb->snd.una) {
		tx.seq = tcb->snd.nxt;
		tx.off = tcb->snd.nxt - data_seq0(tcb);
		tx.len = 1;
	} else if (tcb->sndq.bytes != 0) {
		return 0;		/* the window opened: plain sending */
	}
	rc = tcp_output_xmit(s, tcb, &tx, o);
	if (rc == 0) {
		stack_ctr_inc(s, CTR_TCP_TX_ZERO_WND_PROBE);
		if (tx.len > 0 && seq_gt(tx.seq + 1, tcb->snd.max))
			tcb->snd.max = tx.seq + 1;
	}
	return rc;
}

/* RFC 1122 4.2.3.6: an ACK for an old sequence number, which the peer
 * must answer with an ACK. */
static int
send_keepalive(struct tern_stack *s, struct tcb *tcb, const struct tcp_opts *o)
{
	struct tcp_tx tx = { .seq = tcb->snd.una - 1, .flags = TCP_FLAG_ACK };
	int rc = tcp_output_xmit(s, tcb, &tx, o);

	if (rc == 0) {
		stack_ctr_inc(s, CTR_TCP_TX_KEEPALIVE);
		tcb->ka_probes++;
	}
	return rc;
}

/* Receiver SWS avoidance (RFC 9293 3.8.6.2.2) for window updates: only
 * when the window opens from zero or by a worthwhile amount. */
static bool
window_update_worth(const struct tcb *tcb)
{
	uint32_t cur = tcp_rcv_offered(tcb), wnd = tcp_rcv_window(tcb);

	if (wnd <= cur)
		return false;
	return cur == 0 || wnd - cur >= 2u * tcb->mss || wnd - cur >= tcb->rcvbuf / 2;
}

/* Timers that follow from what is now outstanding: the persist timer
 * replaces the RTO while data waits behind a zero window with nothing in
 * flight; keepalive is armed lazily; a failed send retries on DELACK. */
static void
update_timers(struct tern_stack *s, struct tcb *tcb, bool stalled)
{
	uint64_t now = s->now_ns;

	if (unsent_bytes(tcb) > 0 && tcb->snd.wnd == 0 && tcb->snd.nxt == tcb->snd.una) {
		tcp_timer_cancel(s, tcb, TCP_T_RTO);
		if (!tcp_timer_is_armed(tcb, TCP_T_PERSIST))
			tcp_timer_arm(s, tcb, TCP_T_PERSIST, now + tcp_rto_ns(s, tcb));
	} else if (tcp_timer_is_armed(tcb, TCP_T_PERSIST)) {
		tcp_timer_cancel(s, tcb, TCP_T_PERSIST);
		tcb->backoff = 0;	/* it was the probes' backoff, not the RTO's */
	}
	/* Whatever is unacknowledged is watched by one of the two: snd.nxt
	 * can leave snd.una without a segment going out (going back past
	 * SACKed data behind a zero window), and then neither sending nor
	 * the persist branch above arms a timer (found by fuzz_tcp_estab). */
	if (tcb->snd.una != tcb->snd.max && !tcp_timer_is_armed(tcb, TCP_T_PERSIST))
		rto_arm_if_idle(s, tcb);
	if (tcb->flags & TCB_F_TLP_ON)
		tcp_tlp_arm(s, tcb, now);
	if (tcb->ka_on && tcb->state != TCP_ST_TIME_WAIT &&
	    !tcp_timer_is_armed(tcb, TCP_T_KEEPALIVE))
		tcp_timer_arm(s, tcb, TCP_T_KEEPALIVE, tcb->idle_since_ns +
			      (uint64_t)tcb->ka_idle_ms * NS_PER_MS);
	if ((stalled || (tcb->flags & TCB_F_ACK_DELAYED)) &&
	    !tcp_timer_is_armed(tcb, TCP_T_DELACK))
		tcp_timer_arm(s, tcb, TCP_T_DELACK,
			      now + (uint64_t)s->cfg.tcp_delack_ms * NS_PER_MS);
}

/* ESTABLISHED and every later state. Requests are served in order of
 * urgency; data goes out whenever the windows allow it; a pure ACK only
 * when no other segment carried it. */
static void
output_synced(struct tern_stack *s, struct tcb *tcb)
{
	uint32_t req = tcb->flags & TCB_F_OUT_MASK, high;
	struct tcp_opts o;
	bool stalled = false;

	tcb->flags &= ~(TCB_F_OUT_MASK & ~TCB_F_ACK_NOW);
	if (req & TCB_F_REXMIT_RTO)
		tcb->snd.nxt = tcb->snd.una;	/* RFC 6298 5.4: go back */
	if (seq_lt(tcb->snd.nxt, tcb->snd.una))
		tcb->snd.nxt = tcb->snd.una;
	tcp_output_opts(s, tcb, &o);
	if (tcb->dsack_left != tcb->dsack_right) {
		/* RFC 2883: reported once, by the segments of this pass */
		tcb->dsack_left = tcb->dsack_right;
		stack_ctr_inc(s, CTR_TCP_TX_DSACK);
	}
	if (req & TCB_F_REXMIT_FAST)
		stalled |= fast_rexmit(s, tcb, &o) != 0;
	if (!stalled && (tcb->flags & TCB_F_SACK_RECOVERY))
		stalled = sack_resend_lost(s, tcb, &o) != 0;
	if (req & TCB_F_PROBE)
		stalled |= send_probe(s, tcb, &o) != 0;
	if (req & TCB_F_KEEPALIVE)
		stalled |= send_keepalive(s, tcb, &o) != 0;
	if (!stalled && (req & TCB_F_TLP))
		stalled = send_tlp(s, tcb, &o) != 0;
	high = tcb->snd.max;
	if (!stalled)
		stalled = send_data(s, tcb, &o) != 0;
	if (!stalled && (tcb->flags & TCB_F_SACK_RECOVERY) && tcb->snd.max == high)
		stalled = sack_resend_rest(s, tcb, &o) != 0;
	if (!stalled && ((tcb->flags & TCB_F_ACK_NOW) ||
			 ((req & TCB_F_WND_UPDATE) && window_update_worth(tcb)))) {
		struct tcp_tx tx = { .seq = tcb->snd.nxt, .flags = TCP_FLAG_ACK };

		stalled = tcp_output_xmit(s, tcb, &tx, &o) != 0;
	}
	update_timers(s, tcb, stalled);
}

/* App abort, or a timer gave up: RST (not in SYN-SENT, where nothing is
 * synchronized, nor in TIME-WAIT), then the connection is gone. */
static void
output_reset(struct tern_stack *s, struct tcb *tcb)
{
	int status = tcb->close_status != 0 ? tcb->close_status : -ECONNABORTED;

	if (tcb->state >= TCP_ST_SYN_RECEIVED && tcb->state != TCP_ST_TIME_WAIT) {
		struct tcp_tx tx = { .seq = tcb->snd.nxt,
				     .flags = TCP_FLAG_RST | TCP_FLAG_ACK };
		struct tcp_opts o;

		tcp_output_opts(s, tcb, &o);
		o.present &= (uint8_t)~TCP_OPTF_SACK;
		if (tcp_output_xmit(s, tcb, &tx, &o) == 0)
			stack_ctr_inc(s, CTR_TCP_TX_RST);
	}
	tcp_conn_close(s, tcb, status);
}

static void
output_tcb(struct tern_stack *s, struct tcb *tcb)
{
	if (tcb->flags & TCB_F_SEND_RST) {
		output_reset(s, tcb);
		return;
	}
	switch (tcb->state) {
	case TCP_ST_CLOSED:
	case TCP_ST_LISTEN:
		tcb->flags &= ~TCB_F_OUT_MASK;
		break;
	case TCP_ST_SYN_SENT:
	case TCP_ST_SYN_RECEIVED:
		output_syn(s, tcb);
		break;
	default:
		output_synced(s, tcb);
		break;
	}
}

bool
tcp_output_run(struct tern_stack *s)
{
	struct tcp_table *t = s->tcp;
	struct tcb *tcb;

	/* Unlinked before it is served: a TCB freed while being served
	 * (abort) is no longer on the list, and one scheduled again goes to
	 * the tail. */
	while ((tcb = t->tx_head) != NULL) {
		/* the port's queue stays full (the peer reads slower than we
		 * write): the rest waits on the list for the next iteration;
		 * building it now would only drop it and cost the peer an RTO */
		if (!stack_tx_room(s, tcb->iface, TCP_OUTPUT_ROOM)) {
			stack_ctr_inc(s, CTR_TCP_TX_HELD);
			return true;
		}
		t->tx_head = tcb->tx_next;
		if (t->tx_head == NULL)
			t->tx_tail = &t->tx_head;
		tcb->tx_next = NULL;
		tcb->flags &= ~TCB_F_TX_QUEUED;
		output_tcb(s, tcb);
	}
	return false;
}
