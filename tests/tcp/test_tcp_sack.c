/* SPDX-License-Identifier: BSD-3-Clause
 *
 * SACK (RFC 2018, RFC 6675, RFC 2883). First the scoreboard on its own
 * (tcp_sack.c on a TCB that is only numbers): recording and merging
 * blocks with the exact bytes newly SACKed, pruning by the cumulative ACK,
 * D-SACK and bogus blocks, IsLost, pipe, NextSeg rules 1, 3 and 4, the
 * go-back skip and overflow. Then on a connection driven by scripted
 * segments: a recovery that resends only the holes with cwnd = ssthresh,
 * a lost resend of snd.una sent again, the go-back after an RTO skipping
 * SACKed data, and the receiver's D-SACK blocks.
 */
#include <string.h>

#include "harness.h"
#include "tcp_frames.h"

#define SEG 1448u	/* payload per segment with timestamps (MSS 1460 - 12) */

/* ---- the scoreboard alone ---------------------------------------------- */

static void
fake_tcb(struct tcb *t, uint32_t una, uint32_t max, uint16_t mss)
{
	memset(t, 0, sizeof(*t));
	t->snd.una = una;
	t->snd.max = max;
	t->snd.nxt = max;
	t->mss = mss;
	t->flags = TCB_F_SACK_OK;
}

/* Blocks as they would arrive in an ACK (first block first). */
static uint32_t
upd(struct tconn *tc, struct tcb *t, uint32_t ack, unsigned int n, const uint32_t *lr)
{
	struct tcp_opts o;
	unsigned int i;

	memset(&o, 0, sizeof(o));
	o.present = TCP_OPTF_SACK;
	o.n_sack = (uint8_t)n;
	for (i = 0; i < n; i++) {
		o.sack[i].left = lr[2 * i];
		o.sack[i].right = lr[2 * i + 1];
	}
	return tcp_sack_update(tc->s, t, &o, ack);
}

static void
test_scoreboard_record_merge_prune(void **state)
{
	struct tconn tc;
	struct tcb t;
	uint32_t room;

	(void)state;
	tc_init(&tc, NULL);
	fake_tcb(&t, 1000, 2000, 100);
	assert_int_equal(upd(&tc, &t, 1000, 1, (uint32_t[]){ 1200, 1300 }), 100);
	assert_non_null(t.sb);
	assert_int_equal(t.sb->n, 1);
	/* a new block first, the known one after it: only the new bytes count */
	assert_int_equal(upd(&tc, &t, 1000, 2, (uint32_t[]){ 1400, 1500, 1200, 1300 }), 100);
	assert_int_equal(t.sb->n, 2);
	/* the gap between them fills: one range, 100 new bytes */
	assert_int_equal(upd(&tc, &t, 1000, 1, (uint32_t[]){ 1300, 1400 }), 100);
	assert_int_equal(t.sb->n, 1);
	assert_int_equal(t.sb->r[0].left, 1200);
	assert_int_equal(t.sb->r[0].right, 1500);
	assert_int_equal(t.sb->bytes, 300);
	/* overlapping on both sides */
	assert_int_equal(upd(&tc, &t, 1000, 1, (uint32_t[]){ 1150, 1550 }), 100);
	assert_int_equal(t.sb->bytes, 400);
	assert_int_equal(upd(&tc, &t, 1000, 1, (uint32_t[]){ 1600, 1700 }), 100);
	assert_int_equal(tcp_sack_sacked_in(&t, 1000, 2000), 500);
	assert_int_equal(tcp_sack_sacked_in(&t, 1400, 1650), 200);
	/* go-back skip: inside a range -> its end; before one -> room to it */
	assert_int_equal(tcp_sack_skip(&t, 1350, &room), 1550);
	assert_int_equal(room, 50);
	assert_int_equal(tcp_sack_skip(&t, 1100, &room), 1100);
	assert_int_equal(room, 50);
	assert_int_equal(tcp_sack_skip(&t, 1650, &room), 1700);
	assert_int_equal(room, UINT32_MAX);
	/* the cumulative ACK covers the first range and stops in a hole */
	assert_int_equal(upd(&tc, &t, 1580, 0, NULL), 0);
	assert_int_equal(t.sb->n, 1);
	assert_int_equal(t.sb->bytes, 100);
	t.snd.una = 1580;
	/* an ACK into SACKed data: the peer reneged, forget it all */
	assert_int_equal(upd(&tc, &t, 1650, 0, NULL), 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_SACK_RENEGE), 1);
	assert_null(t.sb);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_DSACK), 0);
	tc_fini(&tc);
}

static void
test_scoreboard_dsack_and_bogus(void **state)
{
	struct tconn tc;
	struct tcb t;

	(void)state;
	tc_init(&tc, NULL);
	fake_tcb(&t, 1000, 2000, 100);
	assert_int_equal(upd(&tc, &t, 1000, 1, (uint32_t[]){ 1200, 1500 }), 300);
	/* RFC 2883: below the cumulative ACK */
	assert_int_equal(upd(&tc, &t, 1000, 2, (uint32_t[]){ 900, 1000, 1200, 1500 }), 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_DSACK), 1);
	/* inside the second block: a duplicate of SACKed data, not a new range */
	assert_int_equal(upd(&tc, &t, 1000, 2, (uint32_t[]){ 1250, 1300, 1200, 1500 }), 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_DSACK), 2);
	assert_int_equal(t.sb->n, 1);
	/* beyond what was sent, and empty: ignored and counted */
	assert_int_equal(upd(&tc, &t, 1000, 2, (uint32_t[]){ 1900, 2100, 1700, 1700 }), 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_SACK_BAD), 2);
	assert_int_equal(t.sb->n, 1);
	assert_int_equal(t.sb->bytes, 300);
	tcp_sack_free(&t);
	tc_fini(&tc);
}

static void
test_scoreboard_islost_pipe_nextseg(void **state)
{
	struct tconn tc;
	struct tcb t;
	uint32_t seq, len;

	(void)state;
	tc_init(&tc, NULL);
	/* one range of 1 MSS: not enough to call the hole below it lost */
	fake_tcb(&t, 1000, 2000, 100);
	upd(&tc, &t, 1000, 1, (uint32_t[]){ 1100, 1200 });
	assert_false(tcp_sack_is_lost_una(&t));
	tcp_sack_recovery_start(&t);
	assert_false(tcp_sack_next_lost(&t, 100, &seq, &len));
	assert_true(tcp_sack_next_unsacked(&t, 100, &seq, &len));	/* rule 3 */
	assert_int_equal(seq, 1000);
	assert_int_equal(len, 100);
	/* hole 100 + tail 800, nothing lost */
	assert_int_equal(tcp_sack_pipe(&t), 900);
	/* three ranges above it: lost whatever their size */
	upd(&tc, &t, 1000, 2, (uint32_t[]){ 1300, 1310, 1500, 1510 });
	assert_true(tcp_sack_is_lost_una(&t));
	/* holes: [1000,1100) lost (3 ranges above), [1200,1300) not (2 ranges,
	 * 20 bytes), [1310,1500) not; tail [1510,2000) */
	assert_int_equal(tcp_sack_pipe(&t), 100 + 190 + 490);
	tcp_sack_free(&t);

	/* more than 2 MSS SACKed above: lost */
	fake_tcb(&t, 1000, 2000, 100);
	upd(&tc, &t, 1000, 1, (uint32_t[]){ 1200, 1500 });
	assert_true(tcp_sack_is_lost_una(&t));
	tcp_sack_recovery_start(&t);
	assert_int_equal(tcp_sack_pipe(&t), 500);	/* lost hole 0, tail 500 */
	assert_true(tcp_sack_next_lost(&t, 150, &seq, &len));
	assert_int_equal(seq, 1000);
	assert_int_equal(len, 150);
	t.sb->high_rxt = 1150;				/* resent [1000,1150) */
	assert_int_equal(tcp_sack_pipe(&t), 650);
	assert_true(tcp_sack_next_lost(&t, 150, &seq, &len));
	assert_int_equal(seq, 1150);
	assert_int_equal(len, 50);
	t.sb->high_rxt = 1200;
	assert_false(tcp_sack_next_lost(&t, 150, &seq, &len));
	assert_false(tcp_sack_next_unsacked(&t, 150, &seq, &len));
	/* rule 4 waits until snd.una passes RescueRxt */
	tcp_sack_resent(&t, 1000);
	t.sb->rescue_rxt = 1150;
	assert_false(tcp_sack_rescue(&t, 100, &seq, &len));
	upd(&tc, &t, 1160, 0, NULL);
	t.snd.una = 1160;
	assert_true(tcp_sack_rescue(&t, 100, &seq, &len));
	assert_int_equal(seq, 1900);			/* ends at the highest byte */
	assert_int_equal(len, 100);
	tcp_sack_free(&t);
	tc_fini(&tc);
}

static void
test_scoreboard_overflow(void **state)
{
	struct tconn tc;
	struct tcb t;
	uint32_t i;

	(void)state;
	tc_init(&tc, NULL);
	fake_tcb(&t, 0, 100000, 100);
	for (i = 0; i <= TCP_SACK_MAX; i++)
		upd(&tc, &t, 0, 1, (uint32_t[]){ i * 100 + 10, i * 100 + 20 });
	assert_int_equal(t.sb->n, TCP_SACK_MAX);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_SACK_OVERFLOW), 1);
	assert_int_equal(t.sb->r[TCP_SACK_MAX - 1].left, (TCP_SACK_MAX - 1) * 100 + 10);
	/* a lower one pushes the highest out: never claim more than told */
	assert_int_equal(upd(&tc, &t, 0, 1, (uint32_t[]){ 1, 2 }), 1);
	assert_int_equal(t.sb->n, TCP_SACK_MAX);
	assert_int_equal(t.sb->r[0].left, 1);
	assert_int_equal(t.sb->r[TCP_SACK_MAX - 1].left, (TCP_SACK_MAX - 2) * 100 + 10);
	assert_int_equal(t.sb->bytes, 1 + (TCP_SACK_MAX - 1) * 10);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_SACK_OVERFLOW), 2);
	tcp_sack_free(&t);
	tc_fini(&tc);
}

/* Random ACKs with random (often bogus) blocks against a byte map of what
 * the peer SACKed, across the 2^32 wrap: after every ACK the scoreboard
 * holds exactly the SACKed bytes above the cumulative ACK, as sorted,
 * disjoint, non-adjacent ranges inside (snd.una, snd.max], and the
 * queries stay inside what was sent. Blocks are whole 100-byte units of a
 * 4000-byte window, so at most 20 ranges: no overflow, an exact model. */
#define PROP_WIN 4000u
#define PROP_UNIT 100u

static uint64_t
prop_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void
prop_check(const struct tcb *t, const bool *sacked, uint32_t base)
{
	const struct tcp_scoreboard *sb = t->sb;
	uint32_t bytes = 0, i, seq, len, room;
	uint16_t k;

	for (i = 0; i < PROP_WIN; i++) {
		uint32_t b = base + i;
		bool in = false;

		for (k = 0; sb != NULL && k < sb->n; k++)
			in |= seq_in(b, sb->r[k].left, sb->r[k].right);
		assert_int_equal(in, sacked[i] && seq_geq(b, t->snd.una) &&
				     seq_lt(b, t->snd.max));
	}
	if (sb == NULL)
		return;
	for (k = 0; k < sb->n; k++) {
		assert_true(seq_lt(sb->r[k].left, sb->r[k].right));
		assert_true(seq_geq(sb->r[k].left, t->snd.una));
		assert_true(seq_leq(sb->r[k].right, t->snd.max));
		if (k > 0)
			assert_true(seq_lt(sb->r[k - 1].right, sb->r[k].left));
		bytes += sb->r[k].right - sb->r[k].left;
	}
	assert_int_equal(bytes, sb->bytes);
	assert_true(tcp_sack_pipe(t) <= 2 * (t->snd.max - t->snd.una));
	if (tcp_sack_next_lost(t, 150, &seq, &len) ||
	    tcp_sack_next_unsacked(t, 150, &seq, &len)) {
		assert_true(len > 0 && len <= 150);
		assert_true(seq_geq(seq, t->snd.una) && seq_leq(seq + len, t->snd.max));
	}
	seq = tcp_sack_skip(t, t->snd.una, &room);
	assert_true(seq_geq(seq, t->snd.una) && seq_leq(seq, t->snd.max));
}

static void
test_scoreboard_random_blocks_vs_model(void **state)
{
	static bool sacked[PROP_WIN], cur[PROP_WIN];
	uint32_t base = UINT32_MAX - 1500, round, u;
	uint64_t x = 0x5ac5ac5ac5ull;
	struct tconn tc;
	struct tcb t;

	(void)state;
	tc_init(&tc, NULL);
	for (round = 0; round < 2000; round++) {
		fake_tcb(&t, base, base + PROP_WIN, PROP_UNIT);
		memset(sacked, 0, sizeof(sacked));
		for (u = 0; u < 40; u++) {
			uint32_t blocks[8], n, k, ack, l, from;
			uint64_t renege = tc_ctr(&tc, CTR_TCP_SACK_RENEGE);

			/* the peer acknowledges up to 2 units more and SACKs some
			 * of what lies anywhere: stale, straddling, inverted or
			 * beyond what was sent */
			ack = t.snd.una + (uint32_t)(prop_rand(&x) % 3) * PROP_UNIT;
			if (seq_gt(ack, t.snd.max))
				ack = t.snd.max;
			n = (uint32_t)(prop_rand(&x) % 5);
			memset(cur, 0, sizeof(cur));
			for (k = 0; k < n; k++) {
				uint32_t a = (uint32_t)(prop_rand(&x) % 44) * PROP_UNIT;

				blocks[2 * k] = base + a;
				blocks[2 * k + 1] = base + a + (uint32_t)(prop_rand(&x) % 6) * PROP_UNIT;
				if (prop_rand(&x) % 16 == 0)
					blocks[2 * k + 1] = base + a - PROP_UNIT;	/* inverted */
			}
			for (k = 0; k < n; k++) {
				uint32_t left = blocks[2 * k], right = blocks[2 * k + 1];

				if (k == 0 && (seq_leq(right, ack) ||
					       (n >= 2 && seq_geq(left, blocks[2]) &&
						seq_leq(right, blocks[3]))))
					continue;	/* RFC 2883: a duplicate report */
				if (!seq_lt(left, right) || !seq_gt(right, ack) ||
				    seq_gt(right, t.snd.max))
					continue;
				from = seq_max(left, ack);
				for (l = from - base; l < right - base; l++)
					cur[l] = true;
			}
			upd(&tc, &t, ack, n, blocks);
			t.snd.una = seq_max(t.snd.una, ack);
			/* reneging (an ACK into SACKed data) clears what was
			 * known before this ACK's blocks */
			if (tc_ctr(&tc, CTR_TCP_SACK_RENEGE) != renege)
				memset(sacked, 0, sizeof(sacked));
			for (l = 0; l < PROP_WIN; l++)
				sacked[l] |= cur[l];
			prop_check(&t, sacked, base);
		}
		tcp_sack_free(&t);
		base += 977;
	}
	assert_true(tc_ctr(&tc, CTR_TCP_RX_SACK_BAD) > 0);
	assert_true(tc_ctr(&tc, CTR_TCP_RX_DSACK) > 0);
	assert_true(tc_ctr(&tc, CTR_TCP_SACK_RENEGE) > 0);
	tc_fini(&tc);
}

/* ---- on a connection --------------------------------------------------- */

/* An established connection (full options: SACK, timestamps) that sent
 * `nseg` segments of `d`, all of them asserted; returns the first seq. */
static uint32_t
sent_segments(struct tconn *tc, uint8_t *d, unsigned int nseg, struct parsed_tcp *p)
{
	struct tern_config cfg;
	uint32_t seq;

	/* RFC 6675's own rules (DupThresh, IsLost), in zero simulated time:
	 * RACK off (`rack = 0`); test_tcp_rack checks RFC 8985's */
	tcfg_default(&cfg);
	cfg.tcp_rack = 0;
	tc_init(tc, &cfg);
	tc_passive_open(tc, false);
	assert_true(tc->sack_ok);
	assert_int_equal(tern_tcp_nodelay(tc->c, tc->h, 1), 0);
	tc_fill(d, nseg * SEG, 61);
	seq = tc->rcv_nxt;
	tc_send(tc, d, nseg * SEG);
	assert_int_equal(tc_out(tc, p, 16), nseg);
	return seq;
}

static void
expect_resend(struct tconn *tc, uint32_t base, uint32_t segno, const uint8_t *d)
{
	struct parsed_tcp p;

	tc_out1(tc, &p);
	assert_int_equal(p.tcp.seq, base + segno * SEG);
	assert_int_equal(p.len, SEG);
	assert_memory_equal(p.payload, d + segno * SEG, SEG);
}

/* Segments 0 and 5 of 10 lost. The third duplicate ACK resends segment 0
 * only, cwnd = ssthresh = FlightSize / 2 (no inflation); segment 5 goes by
 * rule 3 once pipe leaves room; SACKed segments are never resent; the ACK
 * of everything ends the recovery without an RTO. */
static void
test_sack_recovery_resends_holes(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p[16];
	static uint8_t d[10 * SEG];
	struct tern_tcp_info info;
	struct tcb *tcb;
	uint32_t b;

	(void)state;
	b = sent_segments(&tc, d, 10, p);
	tcb = tc_tcb(&tc);
	tc_sack_in(&tc, SEG, b, 0, 1, (uint32_t[]){ 1, 2 });
	tc_out_none(&tc);
	tc_sack_in(&tc, SEG, b, 0, 1, (uint32_t[]){ 1, 3 });
	tc_out_none(&tc);
	tc_sack_in(&tc, SEG, b, 0, 1, (uint32_t[]){ 1, 4 });
	expect_resend(&tc, b, 0, d);
	assert_true(tcb->flags & TCB_F_SACK_RECOVERY);
	assert_int_equal(tcb->ssthresh, 10 * SEG / 2);
	assert_int_equal(tcb->cwnd, tcb->ssthresh);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_SACK_RECOVERY), 1);
	assert_int_equal(tern_tcp_info_get(tc.s, tc.h, &info), 0);
	assert_int_equal(info.sack_recovery, 1);
	assert_int_equal(info.sacked, 3 * SEG);
	assert_int_equal(info.pipe, 7 * SEG);		/* resent 1 + tail 6 */
	assert_int_equal(rte_mempool_in_use_count(tc.s->tcp->sack_pool), 1);
	/* pipe: resent 1 + tail 6 segments > cwnd 5: nothing */
	tc_sack_in(&tc, SEG, b, 0, 1, (uint32_t[]){ 1, 5 });
	tc_out_none(&tc);
	tc_sack_in(&tc, SEG, b, 0, 2, (uint32_t[]){ 6, 7, 1, 5 });
	tc_out_none(&tc);
	/* pipe = 1 (resent) + 1 (hole 5, not lost yet) + 2 (tail) = 4: room
	 * for one; nothing new is queued, so rule 3 resends segment 5 */
	tc_sack_in(&tc, SEG, b, 0, 2, (uint32_t[]){ 6, 8, 1, 5 });
	expect_resend(&tc, b, 5, d);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_SACK_REXMIT), 1);
	tc_sack_in(&tc, SEG, b, 0, 2, (uint32_t[]){ 6, 10, 1, 5 });
	tc_out_none(&tc);
	/* the resent segment 0 arrives: partial ACK up to the hole, no rescue
	 * (segment 5 was resent already), no deflation */
	tc_sack_in(&tc, SEG, b, 5, 1, (uint32_t[]){ 6, 10 });
	tc_out_none(&tc);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_PARTIAL_ACK), 1);
	assert_int_equal(tcb->cwnd, 10 * SEG / 2);
	tc_sack_in(&tc, SEG, b, 10, 0, NULL);
	assert_false(tcb->flags & (TCB_F_SACK_RECOVERY | TCB_F_FAST_RECOVERY));
	assert_null(tcb->sb);
	assert_true(rte_mempool_full(tc.s->tcp->sack_pool));	/* the scoreboard is back */
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RECOVERY_EXIT), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_RETRANS), 2);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_SACK_RESCUE), 0);
	tc_advance(&tc, 10 * SEC);
	tc_out_none(&tc);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RTO), 0);
	tc_fini(&tc);
}

/* The resend of segment 0 is lost too. New data sent after it is SACKed;
 * once more than 2 segments of it are, segment 0 goes again (no RTO). */
static void
test_sack_lost_resend_detected(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p[16];
	static uint8_t d[10 * SEG], more[6 * SEG];
	uint32_t b;
	unsigned int k;

	(void)state;
	b = sent_segments(&tc, d, 10, p);
	tc_sack_in(&tc, SEG, b, 0, 1, (uint32_t[]){ 1, 2 });
	tc_sack_in(&tc, SEG, b, 0, 1, (uint32_t[]){ 1, 3 });
	assert_int_equal(tc_out(&tc, p, 16), 0);
	tc_sack_in(&tc, SEG, b, 0, 1, (uint32_t[]){ 1, 4 });
	expect_resend(&tc, b, 0, d);
	tc_fill(more, sizeof(more), 62);
	tc_send(&tc, more, sizeof(more));
	tc_out_none(&tc);			/* pipe 7 segments > cwnd 5 */
	/* 4..9 arrive: pipe falls to the resent segment; cwnd 5 -> 4 new ones
	 * (segments 10..13) by rule 2 */
	tc_sack_in(&tc, SEG, b, 0, 1, (uint32_t[]){ 1, 10 });
	assert_int_equal(tc_out(&tc, p, 16), 4);
	for (k = 0; k < 4; k++)
		assert_int_equal(p[k].tcp.seq, b + (10 + k) * SEG);
	/* 10 and 11 SACKed: not yet more than 2 segments after the resend */
	tc_sack_in(&tc, SEG, b, 0, 1, (uint32_t[]){ 1, 12 });
	assert_int_equal(tc_ctr(&tc, CTR_TCP_SACK_LOST_RXT), 0);
	assert_int_equal(tc_out(&tc, p, 16), 2);	/* 14, 15: the rest of `more` */
	assert_int_equal(p[0].tcp.seq, b + 14 * SEG);
	tc_sack_in(&tc, SEG, b, 0, 1, (uint32_t[]){ 1, 13 });
	assert_int_equal(tc_ctr(&tc, CTR_TCP_SACK_LOST_RXT), 1);
	assert_true(tc_out(&tc, p, 16) >= 1);
	assert_int_equal(p[0].tcp.seq, b);
	assert_memory_equal(p[0].payload, d, SEG);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RTO), 0);
	tc_fini(&tc);
}

/* Segments 0 and 9 (the tail) lost. The partial ACK of the resent 0
 * leaves nothing SACKed; rule 4 resends the tail at once (no RTO). */
static void
test_sack_rescue_tail(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p[16];
	static uint8_t d[10 * SEG];
	uint32_t b;

	(void)state;
	b = sent_segments(&tc, d, 10, p);
	tc_sack_in(&tc, SEG, b, 0, 1, (uint32_t[]){ 1, 9 });	/* IsLost: recovery now */
	expect_resend(&tc, b, 0, d);
	assert_int_equal(tc_out(&tc, p, 16), 0);
	tc_sack_in(&tc, SEG, b, 9, 0, NULL);
	expect_resend(&tc, b, 9, d);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_SACK_RESCUE), 1);
	tc_sack_in(&tc, SEG, b, 10, 0, NULL);
	tc_out_none(&tc);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RTO), 0);
	tc_fini(&tc);
}

/* Answers to zero-window probes repeat the ACK with a zero window: they
 * are not duplicate ACKs and never start a recovery. */
static void
test_zero_window_acks_not_dupacks(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p[16];
	static uint8_t d[3 * SEG];
	unsigned int i;
	uint32_t b;

	(void)state;
	b = sent_segments(&tc, d, 3, p);
	for (i = 0; i < 4; i++)
		tc_in(&tc, TSEG(.flags = F_ACK, .abs = true, .seq = tc.snd_nxt, .ack = b,
				.wnd = TSEG_WND_ZERO));
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_DUPACK), 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_FAST_RETRANS), 0);
	tc_fini(&tc);
}

/* RFC 6675 5 (3): before the recovery, each SACKed segment makes room
 * for a new one (the flight is what is not SACKed). */
static void
test_sack_limited_transmit_by_pipe(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p[16];
	static uint8_t d[10 * SEG], more[4 * SEG];
	uint32_t b;

	(void)state;
	b = sent_segments(&tc, d, 10, p);
	tc_fill(more, sizeof(more), 64);
	tc_send(&tc, more, sizeof(more));
	tc_out_none(&tc);			/* cwnd full */
	tc_sack_in(&tc, SEG, b, 0, 1, (uint32_t[]){ 1, 2 });
	tc_out1(&tc, p);
	assert_int_equal(p[0].tcp.seq, b + 10 * SEG);
	assert_memory_equal(p[0].payload, more, SEG);
	tc_sack_in(&tc, SEG, b, 0, 1, (uint32_t[]){ 1, 3 });
	tc_out1(&tc, p);
	assert_int_equal(p[0].tcp.seq, b + 11 * SEG);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_FAST_RETRANS), 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_DUPACK), 2);
	/* the recovery halves cwnd, not the 12 segments out (SACK-freed
	 * room does not soften the reduction) */
	tc_sack_in(&tc, SEG, b, 0, 1, (uint32_t[]){ 1, 4 });
	expect_resend(&tc, b, 0, d);
	assert_int_equal(tc_tcb(&tc)->snd.max - b, 12 * SEG);
	assert_int_equal(tc_tcb(&tc)->ssthresh, 10 * 1460 / 2);
	tc_fini(&tc);
}

/* Payload bytes of segments p[0..n) below `limit`; fails for any at or
 * above it. */
static uint32_t
resent_below(const struct parsed_tcp *p, unsigned int n, uint32_t limit)
{
	uint32_t bytes = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		assert_true(seq_leq(p[i].tcp.seq + p[i].len, limit));
		bytes += p[i].len;
	}
	return bytes;
}

/* RFC 6675 5.1: after an RTO the go-back resends the holes and skips
 * what the peer SACKed. */
static void
test_rto_go_back_skips_sacked(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p[16];
	static uint8_t d[10 * SEG];
	uint32_t b, resent;
	unsigned int n;

	(void)state;
	b = sent_segments(&tc, d, 10, p);
	/* 2..9 SACKed in one ACK: enough to call 0..1 lost at once */
	tc_sack_in(&tc, SEG, b, 0, 1, (uint32_t[]){ 2, 10 });
	assert_int_equal(tc_out(&tc, p, 16), 2);
	assert_int_equal(p[0].tcp.seq, b);
	assert_int_equal(p[1].tcp.seq, b + SEG);
	/* both resends lost: the RTO; cwnd is one MSS, the go-back resends
	 * segment 0 (and what the MSS has room for beyond a segment) */
	tc_advance(&tc, 3 * SEC);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RTO), 1);
	n = tc_out(&tc, p, 16);
	assert_true(n >= 1);
	assert_int_equal(p[0].tcp.seq, b);
	assert_int_equal(p[0].len, SEG);
	resent = resent_below(p, n, b + 2 * SEG);
	tc_sack_in(&tc, SEG, b, 1, 1, (uint32_t[]){ 2, 10 });
	n = tc_out(&tc, p, 16);
	resent += resent_below(p, n, b + 2 * SEG);
	/* 2..9 never again: exactly the two holes' bytes went */
	assert_int_equal(resent, 2 * SEG);
	tc_sack_in(&tc, SEG, b, 10, 0, NULL);
	tc_out_none(&tc);
	tc_fini(&tc);
}

/* RFC 2883: data received twice is reported as the first SACK block of
 * the next ACK, once; a partial duplicate reports the duplicate part. */
static void
test_dsack_sent_for_duplicates(void **state)
{
	struct tconn tc;
	struct parsed_tcp p;
	static uint8_t d[300];
	uint32_t seq;

	(void)state;
	tc_init(&tc, NULL);
	tc_passive_open(&tc, false);
	tc_fill(d, sizeof(d), 63);
	seq = tc.snd_nxt;
	tc_data(&tc, d, 100, F_PSH);
	tc_advance(&tc, 500 * MS);		/* the delayed ACK */
	tc_expect_ack(&tc, seq + 100);
	tc_in(&tc, TSEG(.flags = F_ACK, .abs = true, .seq = seq, .ack = tc.rcv_nxt,
			.data = d, .len = 100));
	tc_out1(&tc, &p);
	assert_int_equal(p.tcp.ack, seq + 100);
	assert_true(p.tcp.opts.present & TCP_OPTF_SACK);
	assert_int_equal(p.tcp.opts.n_sack, 1);
	assert_int_equal(p.tcp.opts.sack[0].left, seq);
	assert_int_equal(p.tcp.opts.sack[0].right, seq + 100);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_DSACK), 1);
	/* half old, half new: the old half is reported, the new half taken */
	tc_in(&tc, TSEG(.flags = F_ACK, .abs = true, .seq = seq + 50, .ack = tc.rcv_nxt,
			.data = d + 50, .len = 100));
	tc_out1(&tc, &p);
	assert_int_equal(p.tcp.ack, seq + 150);
	assert_int_equal(p.tcp.opts.n_sack, 1);
	assert_int_equal(p.tcp.opts.sack[0].left, seq + 50);
	assert_int_equal(p.tcp.opts.sack[0].right, seq + 100);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_DSACK), 2);
	tc_ev_type(&tc, TERN_EV_TCP_DATA);
	tc_ev_type(&tc, TERN_EV_TCP_DATA);
	/* next in-order data: no SACK block any more */
	tc.snd_nxt = seq + 150;
	tc_data(&tc, d + 150, 100, F_PSH);
	tc_advance(&tc, 500 * MS);
	tc_out1(&tc, &p);
	assert_int_equal(p.tcp.ack, seq + 250);
	assert_false(p.tcp.opts.present & TCP_OPTF_SACK);
	tc_fini(&tc);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, tc_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_scoreboard_record_merge_prune),
		T(test_scoreboard_dsack_and_bogus),
		T(test_scoreboard_islost_pipe_nextseg),
		T(test_scoreboard_overflow),
		T(test_scoreboard_random_blocks_vs_model),
		T(test_sack_recovery_resends_holes),
		T(test_sack_lost_resend_detected),
		T(test_sack_limited_transmit_by_pipe),
		T(test_sack_rescue_tail),
		T(test_zero_window_acks_not_dupacks),
		T(test_rto_go_back_skips_sacked),
		T(test_dsack_sent_for_duplicates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
