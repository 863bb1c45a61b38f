/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Undoing a spurious fast retransmit (RFC 3708 with the response of
 * restoring the congestion state; issue 12 item 12): segment 0 of 10 is
 * only late (reordered), three SACKs make tern resend it and halve its
 * window; when the peer reports the resend as a duplicate (D-SACK, RFC
 * 2883) after the recovery, or in the ACK that ends it, cwnd and ssthresh
 * return to what they were. A real loss (no D-SACK) keeps the reduction,
 * and so does a D-SACK for data outside the episode.
 */
#include <string.h>

#include "harness.h"
#include "tcp_frames.h"

#define SEG 1448u	/* payload per segment with timestamps (MSS 1460 - 12) */

static struct tcb *
tc_tcb(const struct tconn *tc)
{
	return tcp_conn_lookup(tc->s, OUR_IP, tc->lport, PEER_IP, tc->pport);
}

/* An ACK from the peer of base + ack_seg segments with SACK blocks (pairs
 * of segment numbers from base) and its timestamps. */
static void
sack_in(struct tconn *tc, uint32_t base, uint32_t ack_seg, unsigned int n, const uint32_t *ab)
{
	struct tseg g = TSEG(.flags = F_ACK, .abs = true, .seq = tc->snd_nxt,
			     .ack = base + ack_seg * SEG, .raw_opts = true);
	unsigned int i;

	g.opts.present = TCP_OPTF_TS | (n > 0 ? TCP_OPTF_SACK : 0);
	g.opts.ts_val = tc->ts_val;
	g.opts.ts_ecr = tc->ts_recent;
	g.opts.n_sack = (uint8_t)n;
	for (i = 0; i < n; i++) {
		g.opts.sack[i].left = base + ab[2 * i] * SEG;
		g.opts.sack[i].right = base + ab[2 * i + 1] * SEG;
	}
	tc_in(tc, g);
}

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
	tc_passive_open(tc, false);
	assert_int_equal(tern_tcp_nodelay(tc->c, tc->h, 1), 0);
	tc_fill(d, sizeof(d), 101);
	base = tc->rcv_nxt;
	tc_send(tc, d, sizeof(d));
	assert_int_equal(tc_out(tc, p, 16), 10);
	tcb = tc_tcb(tc);
	*cwnd0 = tcb->cwnd;
	*ssthresh0 = tcb->ssthresh;
	sack_in(tc, base, 0, 1, (uint32_t[]){ 1, 2 });
	sack_in(tc, base, 0, 1, (uint32_t[]){ 1, 3 });
	tc_out_none(tc);
	sack_in(tc, base, 0, 1, (uint32_t[]){ 1, 4 });
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
	sack_in(&tc, base, 10, 0, NULL);
	assert_false(tcb->flags & TCB_F_FAST_RECOVERY);
	reduced = tcb->cwnd;
	assert_true(reduced < cwnd0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_UNDO_DSACK), 0);
	/* RFC 2883: the duplicate [0, 1) below the cumulative ACK */
	sack_in(&tc, base, 10, 1, (uint32_t[]){ 0, 1 });
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_DSACK), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_UNDO_DSACK), 1);
	assert_int_equal(tcb->cwnd, RTE_MAX(cwnd0, reduced));
	assert_int_equal(tcb->ssthresh, ssthresh0);
	/* once only: the same D-SACK again changes nothing */
	tcb->cwnd = reduced;
	sack_in(&tc, base, 10, 1, (uint32_t[]){ 0, 1 });
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
	sack_in(&tc, base, 10, 1, (uint32_t[]){ 0, 1 });
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
	sack_in(&tc, base, 10, 0, NULL);
	reduced = tcb->cwnd;
	ssthresh1 = tcb->ssthresh;
	tc_fill(more, sizeof(more), 102);
	tc_send(&tc, more, sizeof(more));
	tc_out1(&tc, &p);
	assert_int_equal(p.tcp.seq, base + 10 * SEG);
	sack_in(&tc, base, 11, 1, (uint32_t[]){ 10, 11 });
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_DSACK), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_UNDO_DSACK), 0);
	assert_int_equal(tcb->ssthresh, ssthresh1);
	assert_true(tcb->cwnd <= reduced + SEG);	/* grew by this ACK at most */
	assert_true(tcb->cwnd < cwnd0);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
