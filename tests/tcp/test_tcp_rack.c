/* SPDX-License-Identifier: BSD-3-Clause
 *
 * RACK loss detection (RFC 8985 6) on a SACK connection with timestamps:
 *   - a lost retransmission: the resend of segment 0 is lost; once a
 *     segment sent after it is SACKed and RACK.rtt + reo_wnd passed (6.2
 *     step 5), segment 0 goes again at once, with no RTO;
 *   - reordering within the reorder window: after reordering was seen
 *     (6.2 step 3: a segment never resent delivered below RACK.fack),
 *     three SACKs above a late segment do not make it lost: the reorder
 *     timer is armed (6.3) and the late segment's arrival ends it with
 *     nothing resent; with `rack = 0` the same ACKs make DupThresh resend;
 *   - when the late segment does not come, the reorder timer declares it
 *     lost and the recovery starts from the timer;
 * Tail loss probes (RFC 8985 7, `tlp = 1`): a lost tail found through
 * the probe's SACK without an RTO; a single lost segment repaired by the
 * probe alone (one window reduction); a needless probe (the original
 * was late) changes nothing.
 */
#include <string.h>

#include "harness.h"
#include "tcp_frames.h"

#define SEG 1448u	/* payload per segment with timestamps (MSS 1460 - 12) */

static unsigned int
min(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

/* Established (all options, a 10 ms round trip, `rack` as given),
 * `total` segments queued, the first ten (IW) sent at once; returns base. */
static uint32_t
start_tlp(struct tconn *tc, uint8_t rack, uint8_t tlp, unsigned int total)
{
	static uint8_t d[40 * SEG];
	static struct parsed_tcp p[16];
	struct tern_config cfg;
	uint32_t base;

	tcfg_default(&cfg);
	cfg.tcp_rack = rack;
	cfg.tcp_tlp = tlp;
	tc_init(tc, &cfg);
	tc->rtt = 10 * MS;
	tc_passive_open(tc, false);
	assert_int_equal(tern_tcp_nodelay(tc->c, tc->h, 1), 0);
	assert_true(!!(tc_tcb(tc)->flags & TCB_F_RACK) == !!rack);
	tc_fill(d, total * SEG, 211);
	base = tc->rcv_nxt;
	tc_send(tc, d, total * SEG);
	assert_int_equal(tc_out(tc, p, min(total, 10u)), min(total, 10u));
	return base;
}

static uint32_t
start(struct tconn *tc, uint8_t rack, unsigned int total)
{
	return start_tlp(tc, rack, 0, total);
}

/* What tern sent: `first` (a segment number from base, resent or not)
 * and then only new data, full segments, in order from segment `next`.
 * Returns how many segments went. */
static unsigned int
sent(struct tconn *tc, uint32_t base, uint32_t first, uint32_t next)
{
	static struct parsed_tcp p[32];
	unsigned int i, n = tc_out(tc, p, 32);

	assert_true(n >= 1);
	assert_int_equal(p[0].tcp.seq, base + first * SEG);
	for (i = 0; i < n; i++) {
		assert_int_equal(p[i].len, SEG);
		if (i > 0)
			assert_int_equal(p[i].tcp.seq, base + (next + i - 1) * SEG);
	}
	return n;
}

/* Only new data from segment `next`; returns the next one after it. */
static uint32_t
sent_new(struct tconn *tc, uint32_t base, uint32_t next)
{
	static struct parsed_tcp p[32];
	unsigned int i, n = tc_out(tc, p, 32);

	for (i = 0; i < n; i++) {
		assert_int_equal(p[i].tcp.seq, base + (next + i) * SEG);
		assert_int_equal(p[i].len, SEG);
	}
	return next + n;
}

/* 6.2: the resend of segment 0 is lost. Segment 12, sent after it, is
 * SACKed: segment 0 was sent before it and RACK.rtt (12's RTT) has passed
 * since its resend, reo_wnd being 0 in a recovery with no reordering
 * seen: it goes a third time, no RTO. */
static void
test_rack_lost_retransmission(void **state)
{
	struct tconn tc;
	uint32_t base;

	(void)state;
	base = start(&tc, 1, 30);
	tc_advance(&tc, 10 * MS);
	/* each SACK frees room for one new segment (RFC 6675 5 (3)); segment
	 * 0, sent before the SACKed ones, waits out its reorder window */
	tc_sack_in(&tc, SEG, base, 0, 1, (uint32_t[]){ 1, 2 });
	assert_int_equal(sent_new(&tc, base, 10), 11);
	tc_sack_in(&tc, SEG, base, 0, 1, (uint32_t[]){ 1, 3 });
	assert_int_equal(sent_new(&tc, base, 11), 12);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_FAST_RETRANS), 0);
	/* more than two segments SACKed, no reordering seen: reo_wnd 0, lost */
	tc_sack_in(&tc, SEG, base, 0, 1, (uint32_t[]){ 1, 4 });
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RACK_RECOVERY), 1);
	assert_int_equal(sent(&tc, base, 0, 0), 1);
	tc_advance(&tc, 2 * MS);
	/* pipe: the resend and 9-11; cwnd 5 segments: new segment 12 */
	tc_sack_in(&tc, SEG, base, 0, 1, (uint32_t[]){ 1, 9 });
	assert_int_equal(sent_new(&tc, base, 12), 13);
	tc_advance(&tc, 10 * MS);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RACK_LOST_RXT), 0);
	tc_sack_in(&tc, SEG, base, 0, 1, (uint32_t[]){ 1, 13 });
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RACK_LOST_RXT), 1);
	sent(&tc, base, 0, 13);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RTO), 0);
	/* this one arrives: 0-12 acknowledged, the recovery is over */
	tc_sack_in(&tc, SEG, base, 13, 0, NULL);
	assert_false(tc_tcb(&tc)->flags & TCB_F_FAST_RECOVERY);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RTO), 0);
	tc_fini(&tc);
}

/* Segment 1 overtakes segment 0 (SACKed first), then 0 arrives: it was
 * never resent and lies below RACK.fack, so reordering is seen (6.2 step
 * 3). The ten first segments are acknowledged; returns the next segment
 * to be sent (10 and more went). */
static uint32_t
reordered_once(struct tconn *tc, uint8_t rack, uint32_t *base)
{
	uint32_t next;

	*base = start(tc, rack, 40);
	tc_advance(tc, 10 * MS);
	tc_sack_in(tc, SEG, *base, 0, 1, (uint32_t[]){ 1, 2 });
	assert_int_equal(sent_new(tc, *base, 10), 11);
	tc_sack_in(tc, SEG, *base, 10, 0, NULL);
	assert_true(!!tc_tcb(tc)->rack.reord == !!rack);
	next = sent_new(tc, *base, 11);
	assert_true(next > 14);
	assert_int_equal(tc_ctr(tc, CTR_TCP_FAST_RETRANS), 0);
	return next;
}

/* Three SACKs above segment 10 (11-13), 10 ms later: with reordering
 * seen, reo_wnd is min_RTT / 4 (2.5 ms) even with three SACKed. */
static uint32_t
three_sacks_above_10(struct tconn *tc, uint32_t base, uint32_t next)
{
	tc_advance(tc, 10 * MS);
	tc_sack_in(tc, SEG, base, 10, 1, (uint32_t[]){ 11, 12 });
	next = sent_new(tc, base, next);
	tc_sack_in(tc, SEG, base, 10, 1, (uint32_t[]){ 11, 13 });
	next = sent_new(tc, base, next);
	tc_sack_in(tc, SEG, base, 10, 1, (uint32_t[]){ 11, 14 });
	return next;
}

/* Segment 10 only late: not lost within the reorder window, the timer
 * waits; 10 arrives 1 ms later: nothing was ever resent. */
static void
test_rack_reordering_within_window_not_lost(void **state)
{
	struct tconn tc;
	struct tcb *tcb;
	uint32_t base, next;

	(void)state;
	next = reordered_once(&tc, 1, &base);
	tcb = tc_tcb(&tc);
	next = three_sacks_above_10(&tc, base, next);
	next = sent_new(&tc, base, next);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_FAST_RETRANS), 0);
	assert_true(tcp_timer_is_armed(tcb, TCP_T_RACK));
	assert_true(tcb->timer_ns[TCP_T_RACK] <= tc.now + 3 * MS);
	tc_advance(&tc, 1 * MS);
	tc_sack_in(&tc, SEG, base, 14, 0, NULL);
	sent_new(&tc, base, next);
	assert_false(tcp_timer_is_armed(tcb, TCP_T_RACK));
	tc_advance(&tc, 5 * MS);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_FAST_RETRANS), 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_RETRANS), 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RACK_REO_TIMER), 0);
	tc_fini(&tc);
}

/* The same ACKs without RACK: the third SACK is DupThresh, segment 10 is
 * resent at once. */
static void
test_dupthresh_without_rack_resends(void **state)
{
	struct tconn tc;
	uint32_t base, next;

	(void)state;
	next = reordered_once(&tc, 0, &base);
	three_sacks_above_10(&tc, base, next);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_FAST_RETRANS), 1);
	sent(&tc, base, 10, next);
	tc_fini(&tc);
}

/* Segment 10 never comes: the reorder timer (6.3) finds it lost when its
 * reorder window runs out, the recovery starts and resends it. */
static void
test_rack_reorder_timer_declares_loss(void **state)
{
	struct tconn tc;
	struct tcb *tcb;
	uint32_t base, next;

	(void)state;
	next = reordered_once(&tc, 1, &base);
	tcb = tc_tcb(&tc);
	next = three_sacks_above_10(&tc, base, next);
	next = sent_new(&tc, base, next);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_FAST_RETRANS), 0);
	tc_advance(&tc, tcb->timer_ns[TCP_T_RACK] - tc.now + 1 * MS);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RACK_REO_TIMER), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RACK_RECOVERY), 1);
	assert_true(tcb->flags & TCB_F_FAST_RECOVERY);
	sent(&tc, base, 10, next);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RTO), 0);
	tc_fini(&tc);
}

/* RFC 8985 7: segments 7-9 of 10 lost, the ACKs stop at 7. The PTO
 * (2 * SRTT = 20 ms) comes long before the RTO: the probe resends the
 * last segment (nothing new is queued); its SACK makes RACK find 7 and 8
 * lost (sent before it, RACK.rtt + reo_wnd ago): the recovery resends
 * them, everything is acknowledged, no RTO. */
static void
test_tlp_lost_tail_recovered_without_rto(void **state)
{
	struct tconn tc;
	struct tcb *tcb;
	uint32_t base;

	(void)state;
	base = start_tlp(&tc, 1, 1, 10);
	tcb = tc_tcb(&tc);
	tc_advance(&tc, 10 * MS);
	tc_sack_in(&tc, SEG, base, 7, 0, NULL);
	tc_out_none(&tc);
	assert_true(tcp_timer_is_armed(tcb, TCP_T_TLP));
	assert_int_equal(tcb->timer_ns[TCP_T_TLP], tc.now + 2ull * tcb->rtt.srtt_us * 1000);
	assert_true(tcb->timer_ns[TCP_T_TLP] < tcb->timer_ns[TCP_T_RTO]);
	tc_advance(&tc, tcb->timer_ns[TCP_T_TLP] - tc.now);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TLP_PROBE), 1);
	assert_int_equal(sent(&tc, base, 9, 0), 1);
	tc_advance(&tc, 10 * MS);
	tc_sack_in(&tc, SEG, base, 7, 1, (uint32_t[]){ 9, 10 });
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RACK_RECOVERY), 1);
	assert_int_equal(sent(&tc, base, 7, 8), 2);
	tc_advance(&tc, 10 * MS);
	tc_sack_in(&tc, SEG, base, 10, 0, NULL);
	assert_false(tcb->flags & TCB_F_FAST_RECOVERY);
	tc_out_none(&tc);
	assert_false(tcp_timer_is_armed(tcb, TCP_T_TLP));
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RTO), 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TLP_PROBE), 1);
	tc_fini(&tc);
}

/* 7.2/7.4: only segment 9 is lost. With one segment in flight the PTO
 * adds the peer's delayed ACK and is not later than the RTO: it fires at
 * the RTO's time instead of it. The ACK of the probe (its TSval echoed,
 * no D-SACK) shows it repaired a loss: the window is reduced once
 * (tcp_tlp_recovered), the RTO never fired. */
static void
test_tlp_repairs_single_loss(void **state)
{
	uint32_t base, cwnd0;
	struct tconn tc;
	struct tcb *tcb;

	(void)state;
	base = start_tlp(&tc, 1, 1, 10);
	tcb = tc_tcb(&tc);
	tc_advance(&tc, 10 * MS);
	tc_sack_in(&tc, SEG, base, 9, 0, NULL);
	tc_out_none(&tc);
	cwnd0 = tcb->cwnd;
	assert_int_equal(tcb->timer_ns[TCP_T_TLP], tcb->timer_ns[TCP_T_RTO]);
	tc_advance(&tc, tcb->timer_ns[TCP_T_TLP] - tc.now);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TLP_PROBE), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RTO), 0);
	assert_int_equal(sent(&tc, base, 9, 0), 1);
	assert_true(tcb->timer_ns[TCP_T_RTO] > tc.now);
	tc_advance(&tc, 10 * MS);
	tc_sack_in(&tc, SEG, base, 10, 0, NULL);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TLP_RECOVERED), 1);
	assert_true(tcb->cwnd < cwnd0);
	assert_int_equal(tcb->cwnd, tcb->ssthresh);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RTO), 0);
	tc_fini(&tc);
}

/* 7.4.2: the original of segment 9 was only late: the ACK that covers
 * the probe echoes the original's TSval, then the probe is D-SACKed. No
 * loss: the window stays. */
static void
test_tlp_needless_probe_keeps_window(void **state)
{
	uint32_t base, cwnd0, orig_ts;
	struct tseg g;
	struct tconn tc;
	struct tcb *tcb;

	(void)state;
	base = start_tlp(&tc, 1, 1, 10);
	tcb = tc_tcb(&tc);
	orig_ts = tc.ts_recent;
	tc_advance(&tc, 10 * MS);
	tc_sack_in(&tc, SEG, base, 9, 0, NULL);
	cwnd0 = tcb->cwnd;
	tc_advance(&tc, tcb->timer_ns[TCP_T_TLP] - tc.now);
	assert_int_equal(sent(&tc, base, 9, 0), 1);
	g = TSEG(.flags = F_ACK, .abs = true, .seq = tc.snd_nxt, .ack = base + 10 * SEG,
		 .raw_opts = true);
	g.opts.present = TCP_OPTF_TS;
	g.opts.ts_val = tc.ts_val;
	g.opts.ts_ecr = orig_ts;
	tc_in(&tc, g);
	tc_sack_in(&tc, SEG, base, 10, 1, (uint32_t[]){ 9, 10 });
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TLP_RECOVERED), 0);
	assert_true(tcb->cwnd >= cwnd0);
	tc_fini(&tc);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, tc_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_rack_lost_retransmission),
		T(test_rack_reordering_within_window_not_lost),
		T(test_dupthresh_without_rack_resends),
		T(test_rack_reorder_timer_declares_loss),
		T(test_tlp_lost_tail_recovered_without_rto),
		T(test_tlp_repairs_single_loss),
		T(test_tlp_needless_probe_keeps_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
