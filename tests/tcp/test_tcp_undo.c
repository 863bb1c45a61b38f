/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Undoing a spurious fast retransmit (RFC 3708 with the response of
 * restoring the congestion state; issue 12 item 12): segment 0 of 10 is
 * only late (reordered), three SACKs make tern resend it and halve its
 * window; when the peer reports the resend as a duplicate (D-SACK, RFC
 * 2883) after the recovery, or in the ACK that ends it, cwnd and ssthresh
 * return to what they were. A real loss (no D-SACK) keeps the reduction,
 * and so does a D-SACK for data outside the episode.
 * Spurious timeouts: the ACKs of ten segments are only late, the RTO
 * resends segment 0. RFC 3522 3.2: the first ACK after it echoes the
 * original's TSval (older than the resend's): RFC 4015 3.2 stops the
 * go-back (new data follows, not segment 5) and restores the window;
 * echoing the resend's TSval is a real loss and changes nothing. Without
 * timestamps, a D-SACK for the resend (RFC 3708) restores the window.
 */
#include <string.h>

#include "harness.h"
#include "tcp_frames.h"

#define SEG 1448u	/* payload per segment with timestamps (MSS 1460 - 12) */

/* Ten segments sent on an established connection (SACK, timestamps);
 * segment 0 late: SACKs of 1, 1-2, 1-3 start a recovery that resends it
 * alone. Returns base (the first data byte); cwnd0, ssthresh0: before. */
static uint32_t
spurious_start(struct tconn *tc, uint32_t *cwnd0, uint32_t *ssthresh0)
{
	static uint8_t d[10 * SEG];
	static struct parsed_tcp p[16];
	struct tcb *tcb;
	uint32_t base;

	tc_init(tc, NULL);
	tc->rtt = 10 * MS;		/* a path with a round trip */
	tc_passive_open(tc, false);
	assert_int_equal(tern_tcp_nodelay(tc->c, tc->h, 1), 0);
	tc_fill(d, sizeof(d), 101);
	base = tc->rcv_nxt;
	tc_send(tc, d, sizeof(d));
	assert_int_equal(tc_out(tc, p, 16), 10);
	tcb = tc_tcb(tc);
	*cwnd0 = tcb->cwnd;
	*ssthresh0 = tcb->ssthresh;
	tc_advance(tc, 10 * MS);	/* a round trip */
	tc_sack_in(tc, SEG, base, 0, 1, (uint32_t[]){ 1, 2 });
	tc_sack_in(tc, SEG, base, 0, 1, (uint32_t[]){ 1, 3 });
	tc_out_none(tc);
	tc_sack_in(tc, SEG, base, 0, 1, (uint32_t[]){ 1, 4 });
	tc_out1(tc, &p[0]);
	tc_expect(&p[0], F_ACK, base, tc->snd_nxt, SEG);
	assert_true(tcb->flags & TCB_F_FAST_RECOVERY);
	assert_true(tcb->cwnd < *cwnd0);
	assert_true(tcb->ssthresh < *cwnd0);
	return base;
}

/* The original arrives: everything acknowledged, the recovery ends with
 * the reduced window; then the resend's D-SACK restores it. */
static void
test_dsack_after_recovery_undoes(void **state)
{
	struct tconn tc;
	uint32_t base, cwnd0, ssthresh0, reduced;
	struct tcb *tcb;

	(void)state;
	base = spurious_start(&tc, &cwnd0, &ssthresh0);
	tcb = tc_tcb(&tc);
	tc_sack_in(&tc, SEG, base, 10, 0, NULL);
	assert_false(tcb->flags & TCB_F_FAST_RECOVERY);
	reduced = tcb->cwnd;
	assert_true(reduced < cwnd0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_UNDO_DSACK), 0);
	/* RFC 2883: the duplicate [0, 1) below the cumulative ACK */
	tc_sack_in(&tc, SEG, base, 10, 1, (uint32_t[]){ 0, 1 });
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_DSACK), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_UNDO_DSACK), 1);
	assert_int_equal(tcb->cwnd, RTE_MAX(cwnd0, reduced));
	assert_int_equal(tcb->ssthresh, ssthresh0);
	/* once only: the same D-SACK again changes nothing */
	tcb->cwnd = reduced;
	tc_sack_in(&tc, SEG, base, 10, 1, (uint32_t[]){ 0, 1 });
	assert_int_equal(tc_ctr(&tc, CTR_TCP_UNDO_DSACK), 1);
	assert_int_equal(tcb->cwnd, reduced);
	tc_fini(&tc);
}

/* Original and resend both reached the peer before it answered: one ACK
 * ends the recovery and reports the duplicate; the undo follows the
 * recovery's end. */
static void
test_dsack_with_full_ack_undoes(void **state)
{
	struct tconn tc;
	uint32_t base, cwnd0, ssthresh0;
	struct tcb *tcb;

	(void)state;
	base = spurious_start(&tc, &cwnd0, &ssthresh0);
	tcb = tc_tcb(&tc);
	tc_sack_in(&tc, SEG, base, 10, 1, (uint32_t[]){ 0, 1 });
	assert_false(tcb->flags & TCB_F_FAST_RECOVERY);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_UNDO_DSACK), 1);
	assert_true(tcb->cwnd >= cwnd0);
	assert_int_equal(tcb->ssthresh, ssthresh0);
	tc_fini(&tc);
}

/* A real loss: the resend filled the hole, no D-SACK comes, the window
 * stays reduced; a D-SACK for data outside the episode (sent after it)
 * undoes nothing either. */
static void
test_real_loss_not_undone(void **state)
{
	static uint8_t more[SEG];
	static struct parsed_tcp p;
	struct tconn tc;
	uint32_t base, cwnd0, ssthresh0, reduced, ssthresh1;
	struct tcb *tcb;

	(void)state;
	base = spurious_start(&tc, &cwnd0, &ssthresh0);
	tcb = tc_tcb(&tc);
	tc_sack_in(&tc, SEG, base, 10, 0, NULL);
	reduced = tcb->cwnd;
	ssthresh1 = tcb->ssthresh;
	tc_fill(more, sizeof(more), 102);
	tc_send(&tc, more, sizeof(more));
	tc_out1(&tc, &p);
	assert_int_equal(p.tcp.seq, base + 10 * SEG);
	tc_sack_in(&tc, SEG, base, 11, 1, (uint32_t[]){ 10, 11 });
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_DSACK), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_UNDO_DSACK), 0);
	assert_int_equal(tcb->ssthresh, ssthresh1);
	assert_true(tcb->cwnd <= reduced + SEG);	/* grew by this ACK at most */
	assert_true(tcb->cwnd < cwnd0);
	tc_fini(&tc);
}

/* An ACK of base + ack_seg segments with SACK blocks (pairs of segment
 * numbers from base), timestamps only when `ts` (TSecr `ecr`). */
static void
ack_in(struct tconn *tc, uint32_t seg, uint32_t base, uint32_t ack_seg, unsigned int n,
       const uint32_t *ab, bool ts, uint32_t ecr)
{
	struct tseg g = TSEG(.flags = F_ACK, .abs = true, .seq = tc->snd_nxt,
			     .ack = base + ack_seg * seg, .raw_opts = true);
	unsigned int i;

	g.opts.present = (ts ? TCP_OPTF_TS : 0) | (n > 0 ? TCP_OPTF_SACK : 0);
	g.opts.ts_val = tc->ts_val;
	g.opts.ts_ecr = ecr;
	g.opts.n_sack = (uint8_t)n;
	for (i = 0; i < n; i++) {
		g.opts.sack[i].left = base + ab[2 * i] * seg;
		g.opts.sack[i].right = base + ab[2 * i + 1] * seg;
	}
	tc_in(tc, g);
}

/* `total` segments queued on an established connection (the peer's SYN
 * options `which`, 0 = all), the first 10 (IW) sent; then their ACKs are
 * late and the RTO resends segment 0 (and the bytes one MSS has room
 * for). Returns base; *orig_ts: TSval of the originals; *cwnd0 and
 * *ssthresh0: before the timeout; *goback: where the resend stopped. */
static uint32_t
rto_start(struct tconn *tc, uint8_t which, uint32_t seg, unsigned int total,
	  uint32_t *orig_ts, uint32_t *cwnd0, uint32_t *ssthresh0, uint32_t *goback)
{
	static uint8_t d[15 * 1460];
	static struct parsed_tcp p[16];
	struct tcp_opts syn;
	struct tcb *tcb;
	unsigned int n;
	uint32_t base;


	tc_init(tc, NULL);
	tc->rtt = 10 * MS;
	if (which == 0) {
		tc_passive_open(tc, false);
	} else {
		syn = tc_syn_opts(tc, which);
		tc_passive_open_opts(tc, &syn);
	}
	assert_int_equal(tern_tcp_nodelay(tc->c, tc->h, 1), 0);
	tc_fill(d, total * seg, 103);
	base = tc->rcv_nxt;
	tc_send(tc, d, total * seg);
	assert_int_equal(tc_out(tc, p, 16), 10);
	assert_int_equal(p[9].tcp.seq, base + 9 * seg);
	*orig_ts = p[0].tcp.opts.ts_val;
	tcb = tc_tcb(tc);
	*cwnd0 = tcb->cwnd;
	*ssthresh0 = tcb->ssthresh;
	tc_advance(tc, tcb->timer_ns[TCP_T_RTO] - tc->now);
	assert_int_equal(tc_ctr(tc, CTR_TCP_RTO), 1);
	/* segment 0, and what one MSS has room for beyond it */
	n = tc_out(tc, p, 16);
	assert_true(n >= 1 && n <= 2);
	tc_expect(&p[0], F_ACK, base, tc->snd_nxt, seg);
	*goback = p[n - 1].tcp.seq + p[n - 1].len;
	assert_int_equal(tcb->cwnd, tcb->mss);		/* RFC 5681 3.1: loss window */
	return base;
}

/* RFC 3522 3.2 / RFC 4015 3.2: the ACK of segments 0-4 echoes the
 * originals' TSval: spurious. Go-back stops (snd.nxt = snd.max), cwnd =
 * FlightSize (5) + min(acked, IW) (5) segments, ssthresh = pipe_prev; the
 * room left goes to new data 10-14, never to 5-9 again. */
static void
test_eifel_spurious_rto_undone(void **state)
{
	static struct parsed_tcp p[16];
	uint32_t base, orig_ts, cwnd0, ssthresh0, goback;
	struct tconn tc;
	struct tcb *tcb;
	unsigned int i, n;
	uint64_t resent;

	(void)state;
	base = rto_start(&tc, 0, SEG, 15, &orig_ts, &cwnd0, &ssthresh0, &goback);
	tcb = tc_tcb(&tc);
	/* the resend's TSval, an RTO (at least rto_min) after the originals' */
	assert_true((int32_t)(tc.ts_recent - orig_ts) >= (int32_t)tc.cfg.tcp_rto_min_ms);
	ack_in(&tc, SEG, base, 5, 0, NULL, true, orig_ts);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RTO_UNDO), 1);
	assert_int_equal(tcb->ssthresh, RTE_MAX(ssthresh0, 10 * SEG));
	assert_int_equal(tcb->cwnd, 10 * SEG);
	n = tc_out(&tc, p, 16);
	assert_int_equal(n, 5);
	for (i = 0; i < n; i++)
		tc_expect(&p[i], F_ACK | (i == 4 ? F_PSH : 0), base + (10 + i) * SEG,
			  tc.snd_nxt, SEG);
	resent = tc_ctr(&tc, CTR_TCP_TX_RETRANS);	/* the timeout's */
	/* the rest of the originals' ACKs: nothing resent, nothing undone twice */
	ack_in(&tc, SEG, base, 15, 0, NULL, true, p[4].tcp.opts.ts_val);
	tc_out_none(&tc);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_RETRANS), resent);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RTO_UNDO), 1);
	tc_fini(&tc);
}

/* The first ACK echoes the resend's TSval: the resend repaired a loss.
 * The window stays the loss window (grown by slow start), go-back goes on
 * with segment 1, and a later old echo undoes nothing. */
static void
test_eifel_real_loss_kept(void **state)
{
	static struct parsed_tcp p[16];
	uint32_t base, orig_ts, cwnd0, ssthresh0, goback;
	struct tconn tc;
	struct tcb *tcb;
	unsigned int n;

	(void)state;
	base = rto_start(&tc, 0, SEG, 10, &orig_ts, &cwnd0, &ssthresh0, &goback);
	tcb = tc_tcb(&tc);
	ack_in(&tc, SEG, base, 1, 0, NULL, true, tc.ts_recent);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RTO_UNDO), 0);
	assert_true(tcb->cwnd <= 2 * tcb->mss);
	assert_true(tcb->ssthresh < ssthresh0);
	n = tc_out(&tc, p, 16);
	assert_true(n >= 1);
	/* the go-back goes on where the timeout's resend stopped */
	assert_int_equal(p[0].tcp.seq, goback);
	assert_true(seq_lt(p[0].tcp.seq, base + 10 * SEG));
	ack_in(&tc, SEG, base, 3, 0, NULL, true, orig_ts);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RTO_UNDO), 0);
	assert_true(tcb->cwnd < cwnd0);
	tc_fini(&tc);
}

/* No timestamps, SACK: the originals' ACK alone tells nothing (no
 * undo); the peer's D-SACK for the resend (RFC 2883, below the cumulative
 * ACK) shows that the timeout's only resend was needless: cwnd and
 * ssthresh back (RFC 3708), once. */
static void
test_dsack_spurious_rto_undone(void **state)
{
	uint32_t base, orig_ts, cwnd0, ssthresh0, goback, seg = PEER_MSS;
	struct tconn tc;
	struct tcb *tcb;

	(void)state;
	base = rto_start(&tc, TCP_OPTF_WSCALE | TCP_OPTF_SACK_PERM, seg, 10, &orig_ts, &cwnd0,
			 &ssthresh0, &goback);
	tcb = tc_tcb(&tc);
	assert_false(tcb->flags & TCB_F_TS_OK);
	ack_in(&tc, seg, base, 10, 0, NULL, false, 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RTO_UNDO), 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RTO_UNDO_DSACK), 0);
	assert_true(tcb->cwnd < cwnd0);
	ack_in(&tc, seg, base, 10, 1, (uint32_t[]){ 0, 1 }, false, 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_DSACK), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RTO_UNDO_DSACK), 1);
	assert_int_equal(tcb->cwnd, cwnd0);
	assert_int_equal(tcb->ssthresh, RTE_MAX(ssthresh0, 10 * seg));
	ack_in(&tc, seg, base, 10, 1, (uint32_t[]){ 0, 1 }, false, 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RTO_UNDO_DSACK), 1);
	tc_out_none(&tc);
	tc_fini(&tc);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, tc_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_dsack_after_recovery_undoes),
		T(test_dsack_with_full_ack_undoes),
		T(test_real_loss_not_undone),
		T(test_eifel_spurious_rto_undone),
		T(test_eifel_real_loss_kept),
		T(test_dsack_spurious_rto_undone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
