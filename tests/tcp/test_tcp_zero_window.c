/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unacknowledged data behind a zero window is always watched by a timer.
 * Regression for the case fuzz_tcp_estab found (corpus input
 * tcp_estab/crash-zero-window-sack-skip): after an RTO behind a zero
 * window, snd.nxt goes back to snd.una and the persist timer takes over;
 * duplicate ACKs whose SACK blocks start at snd.una then make the send
 * path skip snd.nxt over the SACKed data without sending anything. The
 * persist branch no longer applies (snd.nxt != snd.una) and nothing was
 * sent to arm the RTO: a connection in FIN-WAIT-1 with data queued and a
 * silent peer was never timed out. Here it must probe or resend, and give
 * up within the retry bound with an RST.
 */
#include <errno.h>

#include "harness.h"
#include "tcp_frames.h"

#define SEG 1448u	/* payload per segment with timestamps (MSS 1460 - 12) */
#define NSEG 4u

/* A zero-window ACK of `ack` from the peer, with one SACK block
 * [left, right) when left != right, and its timestamps. */
static void
zero_wnd_ack(struct tconn *tc, uint32_t ack, uint32_t left, uint32_t right)
{
	struct tseg g = TSEG(.flags = F_ACK, .abs = true, .seq = tc->snd_nxt, .ack = ack,
			     .wnd = TSEG_WND_ZERO, .raw_opts = true);

	g.opts.present = TCP_OPTF_TS;
	g.opts.ts_val = tc->ts_val;
	g.opts.ts_ecr = tc->ts_recent;
	if (left != right) {
		g.opts.present |= TCP_OPTF_SACK;
		g.opts.n_sack = 1;
		g.opts.sack[0].left = left;
		g.opts.sack[0].right = right;
	}
	tc_in(tc, g);
}

/* Unacknowledged data has one of the two timers (lib/tcp/tcp_output.c
 * update_timers). */
static bool
watched(const struct tcb *tcb)
{
	return tcp_timer_is_armed(tcb, TCP_T_RTO) || tcp_timer_is_armed(tcb, TCP_T_PERSIST);
}

/* FIN-WAIT-1 with NSEG segments and the FIN unacknowledged; the peer
 * closes its window (acknowledging nothing) and the RTO fires behind it:
 * nothing can go, the persist timer watches the data. Returns the first
 * data seq. */
static uint32_t
rto_behind_zero_window(struct tconn *tc, uint8_t *d)
{
	static struct parsed_tcp p[16];
	struct tcb *tcb;
	unsigned int i, n;
	uint32_t b;

	tc_init(tc, NULL);
	tc_passive_open(tc, false);
	assert_true(tc->sack_ok);
	assert_true(tc->ts_ok);
	assert_int_equal(tern_tcp_nodelay(tc->c, tc->h, 1), 0);
	tc_fill(d, NSEG * SEG, 71);
	b = tc->rcv_nxt;
	tc_send(tc, d, NSEG * SEG);
	assert_int_equal(tern_tcp_close(tc->c, tc->h), 0);
	tc_run(tc);
	n = tc_out(tc, p, 16);
	assert_int_equal(n, NSEG + 1);		/* the data, then the FIN */
	for (i = 0; i < NSEG; i++)
		tc_expect(&p[i], F_ACK | (i == NSEG - 1 ? F_PSH : 0), b + i * SEG,
			  tc->snd_nxt, SEG);
	tc_expect(&p[NSEG], F_ACK | F_FIN, b + NSEG * SEG, tc->snd_nxt, 0);
	assert_int_equal(tc_state(tc), TCP_ST_FIN_WAIT_1);
	tcb = tc_tcb(tc);

	zero_wnd_ack(tc, b, 0, 0);
	tc_out_none(tc);
	assert_int_equal(tcb->snd.wnd, 0);
	assert_true(tcp_timer_is_armed(tcb, TCP_T_RTO));

	/* the RTO: back to snd.una, but the window has no room for a byte */
	tc_advance(tc, tcp_rto_ns(tc->s, tcb) + MS);
	assert_int_equal(tc_ctr(tc, CTR_TCP_RTO), 1);
	tc_out_none(tc);
	assert_int_equal(tcb->snd.nxt, tcb->snd.una);
	assert_true(tcp_timer_is_armed(tcb, TCP_T_PERSIST));
	assert_false(tcp_timer_is_armed(tcb, TCP_T_RTO));
	return b;
}

/* One segment tern sent once the peer went silent: a resend or a
 * zero-window probe of the data at snd.una (the one byte a probe carries,
 * or whole data from the start), or the final RST. Returns true for the
 * RST. */
static bool
silent_peer_seg(const struct tconn *tc, const struct parsed_tcp *p, uint32_t b,
		const uint8_t *d)
{
	assert_int_equal(p->tcp.ack, tc->snd_nxt);
	if (p->tcp.flags & F_RST) {
		assert_int_equal(p->tcp.flags, F_RST | F_ACK);
		assert_int_equal(p->len, 0);
		return true;
	}
	assert_true(p->tcp.flags & F_ACK);
	assert_int_equal(p->tcp.seq, b);
	assert_true(p->len >= 1 && p->len <= SEG);
	assert_memory_equal(p->payload, d, p->len);
	return false;
}

/* The duplicate ACKs SACK the first two segments with a block from
 * snd.una (a receiver holding them would rather acknowledge them; the
 * fuzzer's peer did this, and tern takes the block): the go-back skips
 * snd.nxt past them with nothing sent. A timer must still watch the
 * data: with the clock running the connection resends or probes snd.una,
 * and with the peer silent it is aborted (one RST, CLOSED with -ETIMEDOUT,
 * every mbuf back) after at most tcp_max_retries + 1 tries, each within
 * tcp_rto_max_ms of the one before. */
static void
test_sack_skip_behind_zero_window_times_out(void **state)
{
	static uint8_t d[NSEG * SEG];
	static struct parsed_tcp p[16];
	unsigned int i, n, sent = 0, rst = 0, tries;
	uint64_t last, gap;
	struct tern_event ev;
	struct tconn tc;
	struct tcb *tcb;
	uint32_t b;

	(void)state;
	b = rto_behind_zero_window(&tc, d);
	tcb = tc_tcb(&tc);
	for (i = 0; i < 3; i++) {
		zero_wnd_ack(&tc, b, b, b + 2 * SEG);
		tc_out_none(&tc);
	}
	/* the case is reached: snd.nxt left snd.una with nothing sent */
	assert_int_equal(tcb->snd.una, b);
	assert_int_equal(tcb->snd.nxt, b + 2 * SEG);
	assert_true(watched(tcb));

	/* the peer stays silent, in steps of 100 ms */
	tries = (unsigned int)tc.cfg.tcp_max_retries + 1;
	gap = (uint64_t)tc.cfg.tcp_rto_max_ms * MS + 100 * MS;
	last = tc.now;
	while (tc_state(&tc) != TCP_ST_CLOSED) {
		assert_true(tc.now - last <= gap);	/* never forgotten */
		tc_advance(&tc, 100 * MS);
		n = tc_out(&tc, p, 16);
		for (i = 0; i < n; i++) {
			assert_int_equal(rst, 0);	/* nothing after the RST */
			if (silent_peer_seg(&tc, &p[i], b, d))
				rst++;
			else
				sent++;
			last = tc.now;
		}
		assert_true(sent <= tries);		/* and bounded */
		if (tc_state(&tc) != TCP_ST_CLOSED)
			assert_true(watched(tc_tcb(&tc)));
	}
	assert_int_equal(rst, 1);
	assert_true(sent >= 1);
	ev = tc_ev_type(&tc, TERN_EV_TCP_CLOSED);
	assert_int_equal(ev.handle, tc.h);
	assert_int_equal(ev.status, -ETIMEDOUT);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TIMEOUT) + tc_ctr(&tc, CTR_TCP_PERSIST_TIMEOUT), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_RST), 1);
	tc_no_ev(&tc);
	tc_out_none(&tc);
	assert_int_equal(harness_pool_in_use(), 0);	/* the queued data went too */
	tc_fini(&tc);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, tc_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_sack_skip_behind_zero_window_times_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
