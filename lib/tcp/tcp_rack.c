/* SPDX-License-Identifier: BSD-3-Clause
 *
 * RACK, time-based loss detection (RFC 8985 6), on connections that use
 * SACK (TCB_F_RACK). A segment is lost once a segment sent after it was
 * delivered and more than RACK.rtt + reo_wnd passed since it was sent;
 * that replaces RFC 6675's DupThresh rule (tcp_sack.c asks
 * tcp_rack_lost_below()), and also finds lost retransmissions and lost
 * segments above the highest SACKed one.
 * Who calls what: tcp_output_seg.c records every data segment sent
 * (tcp_rack_sent: the send-time map in tcb->rack, one entry per output
 * pass); tcp_input_ack.c, for every acceptable ACK, calls tcp_rack_update
 * before the scoreboard and snd.una move (what this ACK delivered, step 2
 * and 3 of 6.2) and tcp_rack_detect after (steps 4 and 5: reo_wnd, the
 * losses, the reorder timer); tcp_timer.c runs tcp_rack_detect again when
 * the reorder timer fires (6.3); tcp_sack.c reports D-SACKs
 * (tcp_rack_dsack, reo_wnd adaptation) and the recovery's end.
 * Decisions: the map is coarse (TCP_RACK_MAP ranges; a merged range keeps
 * its earliest and latest send: deliveries count with the earliest, loss
 * candidates with the latest), so a loss is declared at most one merged
 * range late, never early. The tail loss probes that feed RACK a late
 * delivery are tcp_tlp.c's. Loss is kept as one sequence number, lost_end: unSACKed data
 * below it is lost, unless resent since (below HighRxt); a lost
 * retransmission is resent again when it is at snd.una (as the
 * DupThresh path's tcp_sack_head_rxt_lost, which RACK replaces). A
 * retransmitted segment's delivery is ignored when it came sooner than
 * min_RTT after the resend, or when the ACK echoes a timestamp older than
 * the resend (6.2 step 2: it may be the original's).
 * RACK.min_RTT is the smallest sample of the connection (no window).
 */
#include "tcp/tcp_private.h"

#define RACK_DUP_THRESH 3u
#define RACK_REO_PERSIST 16u	/* RFC 8985 6.2 step 4 */
#define RACK_REO_MULT_MAX 255u

static uint32_t
now_us(uint64_t now_ns)
{
	return (uint32_t)(now_ns / NS_PER_US);
}

/* a after b on the 32-bit microsecond clock */
static bool
us_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* RFC 8985 6.2 RACK_sent_after(t1, seq1, t2, seq2). */
static bool
sent_after(uint32_t t1, uint32_t seq1, uint32_t t2, uint32_t seq2)
{
	return us_after(t1, t2) || (t1 == t2 && seq_gt(seq1, seq2));
}

/* End of map entry i. */
static uint32_t
map_end(const struct tcb *tcb, unsigned int i)
{
	return i + 1 < tcb->rack.n ? tcb->rack.seq[i + 1] : tcb->snd.max;
}

/* Merge the two neighbours whose times are closest (keeping the later),
 * until the map has room for one more. */
static void
map_compact(struct tcp_rack *r)
{
	while (r->n >= TCP_RACK_MAP) {
		unsigned int i, best = 0;
		uint32_t d, best_d = UINT32_MAX;

		for (i = 0; i + 1 < r->n; i++) {
			d = us_after(r->us[i + 1], r->us[i]) ? r->us[i + 1] - r->us[i] :
							       r->us[i] - r->us[i + 1];
			if (d < best_d) {
				best_d = d;
				best = i;
			}
		}
		if (us_after(r->us[best + 1], r->us[best]))
			r->us[best] = r->us[best + 1];
		if (us_after(r->us_lo[best], r->us_lo[best + 1]))
			r->us_lo[best] = r->us_lo[best + 1];
		if (r->rxt & (1u << (best + 1)))
			r->rxt |= (uint8_t)(1u << best);
		for (i = best + 1; i + 1 < r->n; i++) {
			r->seq[i] = r->seq[i + 1];
			r->us[i] = r->us[i + 1];
			r->us_lo[i] = r->us_lo[i + 1];
		}
		/* bits above best + 1 move down by one */
		r->rxt = (uint8_t)((r->rxt & ((1u << (best + 1)) - 1)) |
				   ((r->rxt >> 1) & ~((1u << (best + 1)) - 1)));
		r->n--;
	}
}

static void
map_push(struct tcp_rack *r, uint32_t seq, uint32_t lo, uint32_t us, bool rexmit)
{
	if (r->n > 0 && r->us[r->n - 1] == us && r->us_lo[r->n - 1] == lo &&
	    ((r->rxt >> (r->n - 1)) & 1u) == (rexmit ? 1u : 0u))
		return;			/* the same pass: the last entry grows */
	map_compact(r);
	r->seq[r->n] = seq;
	r->us[r->n] = us;
	r->us_lo[r->n] = lo;
	r->rxt = (uint8_t)((r->rxt & ~(1u << r->n)) | ((rexmit ? 1u : 0u) << r->n));
	r->n++;
}

/* [seq, end) was sent again at `us`: rebuild the map with that range as
 * one entry (the entries around it keep their times). */
static void
map_set(struct tcb *tcb, uint32_t seq, uint32_t end, uint32_t us)
{
	struct tcp_rack *r = &tcb->rack, old = *r;
	bool inserted = false;
	unsigned int i;

	r->n = 0;
	r->rxt = 0;
	for (i = 0; i < old.n; i++) {
		uint32_t s = old.seq[i], e = i + 1 < old.n ? old.seq[i + 1] : tcb->snd.max;
		bool x = (old.rxt >> i) & 1u;

		if (seq_lt(s, seq))
			map_push(r, s, old.us_lo[i], old.us[i], x);	/* before it */
		if (!inserted && seq_lt(s, end) && seq_gt(e, seq)) {
			map_push(r, seq, us, us, true);		/* the range */
			inserted = true;
		}
		if (seq_lt(seq_max(s, end), e))
			map_push(r, seq_max(s, end), old.us_lo[i], old.us[i], x);
								/* after it */
	}
	if (!inserted)
		map_push(r, seq, us, us, true);
}

void
tcp_rack_sent(struct tcb *tcb, uint32_t seq, uint32_t end, uint64_t now, bool rexmit)
{
	struct tcp_rack *r = &tcb->rack;
	uint32_t us = now_us(now);

	if (r->n == 0) {
		/* a new flight: nothing of it is lost or delivered yet */
		seq = seq_min(seq, tcb->snd.una);
		r->lost_end = seq;
		if (!r->valid)
			r->fack = seq;
	}
	if (r->n == 0 || !seq_lt(seq, tcb->snd.max)) {
		map_push(r, seq, us, us, rexmit);
		return;
	}
	map_set(tcb, seq, end, us);
}

/* Forget what snd.una covers. */
static void
map_prune(struct tcb *tcb)
{
	struct tcp_rack *r = &tcb->rack;
	unsigned int k = 0, i;

	if (tcb->snd.una == tcb->snd.max) {
		r->n = 0;
		r->rxt = 0;
		return;
	}
	while (k + 1 < r->n && seq_leq(r->seq[k + 1], tcb->snd.una))
		k++;
	if (k > 0) {
		for (i = 0; i + k < r->n; i++) {
			r->seq[i] = r->seq[i + k];
			r->us[i] = r->us[i + k];
			r->us_lo[i] = r->us_lo[i + k];
		}
		r->n = (uint8_t)(r->n - k);
		r->rxt = (uint8_t)(r->rxt >> k);
	}
	if (r->n > 0 && seq_lt(r->seq[0], tcb->snd.una))
		r->seq[0] = tcb->snd.una;
}

/* 6.2 step 2: the ACK's timestamp echo predates the resend at `t` (us,
 * `now_ns` is now): what it reports may be the original's delivery. */
static bool
echo_before(const struct tcb *tcb, const struct tcp_opts *o, uint32_t t, uint32_t now,
	    uint64_t now_ns)
{
	uint64_t age_ns = (uint64_t)(now - t) * NS_PER_US;

	if (!(tcb->flags & TCB_F_TS_OK) || !(o->present & TCP_OPTF_TS) || o->ts_ecr == 0 ||
	    age_ns > now_ns)
		return false;
	return (int32_t)(o->ts_ecr - tcp_ts_now(tcb, now_ns - age_ns)) < 0;
}

/* RFC 8985 6.2 steps 2 and 3 for the delivered range [a, b). Parts the
 * scoreboard holds already were taken into account when SACKed. */
static void
deliver(struct tcb *tcb, const struct tcp_opts *o, uint32_t a, uint32_t b, uint64_t now_ns,
	uint32_t fack)
{
	uint32_t now = now_us(now_ns);
	struct tcp_rack *r = &tcb->rack;
	unsigned int i;

	for (i = 0; i < r->n; i++) {
		uint32_t x = seq_max(a, r->seq[i]), y = seq_min(b, map_end(tcb, i));
		uint32_t t = r->us_lo[i], rtt = now - t;	/* the earliest: never
								 * makes others look older */
		bool rexmit = (r->rxt >> i) & 1u;

		if (!seq_lt(x, y) || tcp_sack_sacked_in(tcb, x, y) == y - x)
			continue;
		if (rexmit && (rtt < r->min_rtt_us || echo_before(tcb, o, t, now, now_ns)))
			continue;	/* maybe the original's delivery */
		if (!rexmit && (r->min_rtt_us == 0 || rtt < r->min_rtt_us))
			r->min_rtt_us = RTE_MAX(rtt, 1u);
		if (!rexmit && r->valid && seq_lt(x, fack) &&
		    tcp_sack_sacked_in(tcb, x, seq_min(y, fack)) < seq_min(y, fack) - x)
			r->reord = 1;	/* step 3: a hole below fack filled, never resent */
		if (!r->valid || sent_after(t, y, r->xmit_us, r->end_seq)) {
			r->xmit_us = t;
			r->end_seq = y;
			r->rtt_us = rtt;
			r->valid = 1;
		}
		if (seq_gt(y, r->fack))
			r->fack = y;
	}
}

void
tcp_rack_update(struct tcb *tcb, const struct tcp_opts *o, uint32_t ack, uint64_t now)
{
	uint32_t fack = tcb->rack.valid ? tcb->rack.fack : tcb->snd.una;
	uint8_t k;

	if (seq_gt(ack, tcb->snd.una) && seq_leq(ack, tcb->snd.max))
		deliver(tcb, o, tcb->snd.una, ack, now, fack);
	if (!(o->present & TCP_OPTF_SACK))
		return;
	for (k = 0; k < o->n_sack; k++) {
		uint32_t left = o->sack[k].left, right = o->sack[k].right;

		if (!seq_lt(left, right) || seq_gt(right, tcb->snd.max) ||
		    !seq_gt(right, seq_max(ack, tcb->snd.una)))
			continue;	/* D-SACK, old news or bogus */
		deliver(tcb, o, seq_max(left, seq_max(ack, tcb->snd.una)), right, now, fack);
	}
}

void
tcp_rack_dsack(struct tcb *tcb)
{
	struct tcp_rack *r = &tcb->rack;

	/* RFC 8985 6.2 step 4: one step per round trip */
	if (r->reo_persist != 0 && seq_lt(tcb->snd.una, r->dsack_round))
		return;
	r->dsack_round = tcb->snd.max;
	if (r->reo_mult < RACK_REO_MULT_MAX)
		r->reo_mult = (uint8_t)(RTE_MAX(r->reo_mult, 1u) + 1u);
	r->reo_persist = RACK_REO_PERSIST;
}

void
tcp_rack_recovery_done(struct tcb *tcb)
{
	struct tcp_rack *r = &tcb->rack;

	if (r->reo_persist != 0 && --r->reo_persist == 0)
		r->reo_mult = 1;
}

/* RFC 8985 6.2 step 4, RACK_update_reo_wnd: 0 while no reordering was
 * seen and the DupThresh rule would call the loss anyway (in recovery,
 * or DupThresh segments SACKed: as RFC 6675's IsLost, more than
 * (DupThresh - 1) * SMSS bytes); else min_RTT / 4 per step, at most
 * SRTT. */
static uint32_t
reo_wnd(const struct tcb *tcb)
{
	const struct tcp_rack *r = &tcb->rack;
	uint32_t w, base = r->min_rtt_us != 0 ? r->min_rtt_us : tcb->rtt.srtt_us;

	if (!r->reord && ((tcb->flags & TCB_F_FAST_RECOVERY) ||
			  (tcb->sb != NULL && tcb->sb->bytes > (RACK_DUP_THRESH - 1) * tcb->mss)))
		return 0;
	w = base / 4 * RTE_MAX(r->reo_mult, 1u);
	return tcb->rtt.srtt_us != 0 ? RTE_MIN(w, tcb->rtt.srtt_us) : w;
}

/* Step 5 for the unSACKed piece [a, b): each map entry in it is lost
 * or pending. Returns the longest wait left (us) of a pending one. */
static uint32_t
detect_piece(struct tern_stack *s, struct tcb *tcb, uint32_t a, uint32_t b, uint32_t now,
	     uint32_t reo)
{
	struct tcp_rack *r = &tcb->rack;
	uint32_t wait = 0;
	unsigned int i;

	for (i = 0; i < r->n; i++) {
		uint32_t x = seq_max(a, r->seq[i]), y = seq_min(b, map_end(tcb, i));
		int32_t left;

		if (!seq_lt(x, y) || !sent_after(r->xmit_us, r->end_seq, r->us[i], y))
			continue;
		left = (int32_t)(r->us[i] + r->rtt_us + reo - now);
		if (left > 0) {
			wait = RTE_MAX(wait, (uint32_t)left);
			continue;
		}
		if (seq_gt(y, r->lost_end)) {
			r->lost_end = y;
			stack_ctr_inc(s, CTR_TCP_RACK_LOST);
		}
		/* the resend of snd.una lost again: resent once more (a lost
		 * resend above it gets its turn when it is the head) */
		if ((tcb->flags & TCB_F_SACK_RECOVERY) && x == tcb->snd.una &&
		    seq_lt(x, tcb->sb->high_rxt) && ((r->rxt >> i) & 1u) &&
		    !(tcb->flags & TCB_F_REXMIT_FAST)) {
			tcb->flags |= TCB_F_REXMIT_FAST;
			stack_ctr_inc(s, CTR_TCP_RACK_LOST_RXT);
		}
	}
	return wait;
}

/* Every unSACKed piece of the flight, in sequence order. */
static uint32_t
detect_all(struct tern_stack *s, struct tcb *tcb, uint32_t now, uint32_t reo)
{
	const struct tcp_scoreboard *sb = tcb->sb;
	uint32_t start = tcb->snd.una, wait = 0;
	uint16_t k;

	for (k = 0; sb != NULL && k < sb->n; k++) {
		wait = RTE_MAX(wait, detect_piece(s, tcb, start, sb->r[k].left, now, reo));
		start = sb->r[k].right;
	}
	if (seq_lt(start, tcb->snd.max))
		wait = RTE_MAX(wait, detect_piece(s, tcb, start, tcb->snd.max, now, reo));
	return wait;
}

void
tcp_rack_detect(struct tern_stack *s, struct tcb *tcb, uint64_t now)
{
	struct tcp_rack *r = &tcb->rack;
	uint32_t wait = 0;

	map_prune(tcb);
	if (seq_lt(r->lost_end, tcb->snd.una))
		r->lost_end = tcb->snd.una;
	if (r->valid && r->n > 0 && tcb->sb != NULL && tcb->sb->n > 0)
		wait = detect_all(s, tcb, now_us(now), reo_wnd(tcb));
	if (wait == 0) {
		tcp_timer_cancel(s, tcb, TCP_T_RACK);
		return;
	}
	/* 6.3: wake up when the last pending one would be lost */
	tcp_timer_arm(s, tcb, TCP_T_RACK, now + (uint64_t)wait * NS_PER_US);
}

bool
tcp_rack_timeout(struct tern_stack *s, struct tcb *tcb, uint64_t now)
{
	uint32_t before = tcb->rack.lost_end;

	stack_ctr_inc(s, CTR_TCP_RACK_REO_TIMER);
	tcp_rack_detect(s, tcb, now);
	return seq_gt(tcb->rack.lost_end, before);
}
