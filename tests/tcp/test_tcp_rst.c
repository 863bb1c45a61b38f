/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Resets and blind-attack mitigations (RFC 9293 3.10.7.4 second/fourth/
 * fifth steps, RFC 5961 sections 3, 4, 5 and 7): a RST exactly at RCV.NXT
 * resets, one elsewhere in the window draws a challenge ACK, one outside
 * is dropped; a SYN on a synchronized connection draws a challenge ACK; an
 * ACK of unsent or too-old data is answered and dropped; challenge ACKs are
 * rate limited; the app's abort sends a RST; a RST in SYN-RECEIVED from a
 * listener frees the TCB without telling anyone.
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "tcp_frames.h"

static void
expect_challenge_ack(struct tconn *tc)
{
	static struct parsed_tcp p;

	tc_out1(tc, &p);
	tc_expect(&p, F_ACK, tc->rcv_nxt, tc->snd_nxt, 0);
}

static void
test_rst_at_rcv_nxt_resets(void **state)
{
	struct tconn tc;
	struct tern_event ev;

	(void)state;
	tc_init(&tc, NULL);
	tc_to_state(&tc, TCP_ST_ESTABLISHED, false);
	tc_in(&tc, TSEG(.flags = F_RST, .no_opts = true));
	tc_out_none(&tc);
	ev = tc_ev_type(&tc, TERN_EV_TCP_CLOSED);
	assert_int_equal(ev.status, -ECONNRESET);
	assert_int_equal(ev.handle, tc.h);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSED);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_RST), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RESETS), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_CLOSED), 1);
	tc_fini(&tc);
}

/* RST|ACK at RCV.NXT resets as well; in CLOSE-WAIT too. */
static void
test_rst_ack_in_close_wait_resets(void **state)
{
	struct tconn tc;

	(void)state;
	tc_init(&tc, NULL);
	tc_to_state(&tc, TCP_ST_CLOSE_WAIT, false);
	tc_in(&tc, TSEG(.flags = F_RST | F_ACK));
	tc_out_none(&tc);
	assert_int_equal(tc_ev_type(&tc, TERN_EV_TCP_CLOSED).status, -ECONNRESET);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSED);
	tc_fini(&tc);
}

static void
test_rst_in_window_challenge_ack(void **state)
{
	struct tconn tc;

	(void)state;
	tc_init(&tc, NULL);
	tc_to_state(&tc, TCP_ST_ESTABLISHED, false);
	tc_in(&tc, TSEG(.flags = F_RST, .dseq = 100, .no_opts = true));
	expect_challenge_ack(&tc);
	tc_no_ev(&tc);
	assert_int_equal(tc_state(&tc), TCP_ST_ESTABLISHED);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_RST_CHALLENGE), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_CHALLENGE_ACK), 1);
	/* the genuine peer answers the challenge with an exact RST */
	tc_in(&tc, TSEG(.flags = F_RST, .no_opts = true));
	assert_int_equal(tc_ev_type(&tc, TERN_EV_TCP_CLOSED).status, -ECONNRESET);
	tc_fini(&tc);
}

static void
test_rst_out_of_window_dropped(void **state)
{
	struct tconn tc;

	(void)state;
	tc_init(&tc, NULL);
	tc_to_state(&tc, TCP_ST_ESTABLISHED, false);
	tc_in(&tc, TSEG(.flags = F_RST, .dseq = 300000, .no_opts = true));
	tc_out_none(&tc);
	tc_in(&tc, TSEG(.flags = F_RST, .dseq = -1000, .no_opts = true));
	tc_out_none(&tc);
	tc_in(&tc, TSEG(.flags = F_RST | F_ACK, .dseq = -1));
	tc_out_none(&tc);
	tc_no_ev(&tc);
	assert_int_equal(tc_state(&tc), TCP_ST_ESTABLISHED);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_RST_BAD), 3);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_RST), 0);
	tc_fini(&tc);
}

/* RFC 5961 4.2: any SYN on a synchronized connection, in window or not. */
static void
test_syn_in_established_challenge_ack(void **state)
{
	struct tconn tc;

	(void)state;
	tc_init(&tc, NULL);
	tc_to_state(&tc, TCP_ST_ESTABLISHED, false);
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(&tc)));
	expect_challenge_ack(&tc);
	tc_in(&tc, TSEG(.flags = F_SYN, .dseq = 5000000, .raw_opts = true,
			.opts = tc_syn_opts_full(&tc)));
	expect_challenge_ack(&tc);
	tc_no_ev(&tc);
	assert_int_equal(tc_state(&tc), TCP_ST_ESTABLISHED);
	/* the in-window one is a challenge ACK proper; the other may be the
	 * out-of-window ACK of the first step, the same segment */
	assert_true(tc_ctr(&tc, CTR_TCP_RX_SYN_CHALLENGE) >= 1);
	assert_true(tc_ctr(&tc, CTR_TCP_TX_CHALLENGE_ACK) >= 1);
	tc_fini(&tc);
}

/* RFC 9293 3.10.7.4 fifth step / RFC 5961 5.2: an ACK of data never sent
 * draws an ACK and the segment (and its data) is dropped. */
static void
test_ack_beyond_snd_max_dropped(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;
	uint8_t d[20];

	(void)state;
	tc_init(&tc, NULL);
	tc_to_state(&tc, TCP_ST_ESTABLISHED, false);
	tc_fill(d, sizeof(d), 7);
	tc_in(&tc, TSEG(.flags = F_ACK | F_PSH, .dack = 1000, .data = d, .len = sizeof(d)));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, tc.snd_nxt, 0);	/* data not taken */
	tc_no_ev(&tc);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_ACK_BAD), 1);
	assert_int_equal(tc_state(&tc), TCP_ST_ESTABLISHED);
	/* resent with a right ACK, it is delivered */
	tc_data(&tc, d, sizeof(d), F_PSH);
	assert_int_equal(tc_ev_type(&tc, TERN_EV_TCP_DATA).len, sizeof(d));
	tc_fini(&tc);
}

/* RFC 5961 5.2: SEG.ACK < SND.UNA - MAX.SND.WND is dropped with an ACK. */
static void
test_ack_too_old_dropped(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;
	uint8_t d[20];

	(void)state;
	tc_init(&tc, NULL);
	tc_to_state(&tc, TCP_ST_ESTABLISHED, false);
	tc_fill(d, sizeof(d), 8);
	tc_in(&tc, TSEG(.flags = F_ACK | F_PSH, .dack = -2000000, .data = d,
			.len = sizeof(d)));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, tc.snd_nxt, 0);
	tc_no_ev(&tc);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_ACK_BAD), 1);
	tc_fini(&tc);
}

/* RFC 5961 7: challenge ACKs are limited per second; the rest are counted
 * and suppressed, and the budget comes back a second later. */
static void
test_challenge_ack_rate_limit(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p[8];
	unsigned int i, sent = 0;

	(void)state;
	tc_init(&tc, NULL);
	tc_to_state(&tc, TCP_ST_ESTABLISHED, false);
	for (i = 0; i < 3 * TCP_CHALLENGE_ACK_PER_S; i++) {
		tc_in(&tc, TSEG(.flags = F_RST, .dseq = 10 + (int32_t)i, .no_opts = true));
		sent += tc_out(&tc, p, 8);
	}
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_RST_CHALLENGE), 3 * TCP_CHALLENGE_ACK_PER_S);
	assert_int_equal(sent, tc_ctr(&tc, CTR_TCP_TX_CHALLENGE_ACK));
	assert_true(sent >= 1 && sent <= TCP_CHALLENGE_ACK_PER_S);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_CHALLENGE_ACK) +
			 tc_ctr(&tc, CTR_TCP_TX_CHALLENGE_LIMIT), 3 * TCP_CHALLENGE_ACK_PER_S);
	assert_int_equal(tc_state(&tc), TCP_ST_ESTABLISHED);
	tc_advance(&tc, SEC);
	tc_in(&tc, TSEG(.flags = F_RST, .dseq = 10, .no_opts = true));
	expect_challenge_ack(&tc);
	tc_fini(&tc);
}

static void
test_abort_sends_rst(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;
	struct tern_event ev;
	uint8_t d[100];
	uint32_t seq;

	(void)state;
	tc_init(&tc, NULL);
	tc_to_state(&tc, TCP_ST_ESTABLISHED, false);
	tc_fill(d, sizeof(d), 9);
	tc_send(&tc, d, sizeof(d));
	tc_out1(&tc, &p);		/* in flight, never acknowledged */
	seq = tc.rcv_nxt;
	assert_int_equal(tern_tcp_abort(tc.c, tc.h), 0);
	tc_run(&tc);
	tc_out1(&tc, &p);
	assert_int_equal(p.tcp.flags & ~F_ACK, F_RST);
	assert_int_equal(p.tcp.seq, seq);
	assert_int_equal(p.len, 0);
	ev = tc_ev_type(&tc, TERN_EV_TCP_CLOSED);
	assert_int_equal(ev.status, -ECONNABORTED);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSED);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_ABORTS), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_CLOSED), 1);
	/* nothing retransmitted afterwards; queued data released */
	tc_advance(&tc, 10 * SEC);
	tc_out_none(&tc);
	tc_no_ev(&tc);
	assert_int_equal(harness_pool_in_use(), 0);
	tc_fini(&tc);
}

/* RFC 9293 3.10.7.4 second step: a RST in SYN-RECEIVED that came from a
 * listener returns it to LISTEN: the TCB is freed, the app never hears. */
static void
test_rst_in_syn_received_frees_quietly(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;

	(void)state;
	tc_init(&tc, NULL);
	tc_listen(&tc, 1);
	tc.pport = PEER_PORT;
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(&tc)));
	tc.snd_nxt++;
	tc_out1(&tc, &p);
	tc_in(&tc, TSEG(.flags = F_RST, .no_opts = true));
	tc_out_none(&tc);
	tc_no_ev(&tc);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSED);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_CLOSED), 1);
	/* the listener (backlog 1) is still there and has room */
	tc.snd_nxt = PEER_ISS + 999;
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(&tc)));
	tc_out1(&tc, &p);
	tc_expect(&p, F_SYN | F_ACK, p.tcp.seq, PEER_ISS + 1000, 0);
	tc_fini(&tc);
}

/* A passive open left in SYN-RECEIVED: the peer's SYN taken, our SYN-ACK
 * out (tc.rcv_nxt = ISS + 1). */
static void
to_syn_received(struct tconn *tc)
{
	static struct parsed_tcp p;

	tc_init(tc, NULL);
	tc_listen(tc, 0);
	tc->pport = PEER_PORT;
	tc_in(tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(tc)));
	tc->snd_nxt++;
	tc_out1(tc, &p);
	tc_expect(&p, F_SYN | F_ACK, p.tcp.seq, tc->snd_nxt, 0);
	tc->ts_ok = true;
}

/* RFC 9293 3.10.7.4 first step, in SYN-RECEIVED: an unacceptable segment
 * (not RST) draws <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, not our SYN-ACK
 * again; a duplicate of the peer's SYN still gets the SYN-ACK (ours may
 * be lost); the handshake then completes. */
static void
test_syn_received_unacceptable_acked(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;
	uint8_t d[20];

	(void)state;
	to_syn_received(&tc);
	tc_fill(d, sizeof(d), 10);
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = 5000000, .data = d, .len = sizeof(d)));
	expect_challenge_ack(&tc);
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = -1));
	expect_challenge_ack(&tc);
	assert_int_equal(tc_state(&tc), TCP_ST_SYN_RECEIVED);
	tc_no_ev(&tc);
	/* the peer's SYN again */
	tc_in(&tc, TSEG(.flags = F_SYN, .dseq = -1, .raw_opts = true,
			.opts = tc_syn_opts_full(&tc)));
	tc_out1(&tc, &p);
	tc_expect(&p, F_SYN | F_ACK, tc.rcv_nxt - 1, tc.snd_nxt, 0);
	tc_ack(&tc);
	tc_ev_type(&tc, TERN_EV_TCP_ACCEPTED);
	assert_int_equal(tc_state(&tc), TCP_ST_ESTABLISHED);
	tc_fini(&tc);
}

/* RFC 5961 3.2 in SYN-RECEIVED: a RST in the window but not at RCV.NXT
 * draws a challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT>; one outside is
 * dropped silently; the exact one then resets. */
static void
test_syn_received_rst_in_window_challenge_ack(void **state)
{
	struct tconn tc;

	(void)state;
	to_syn_received(&tc);
	tc_in(&tc, TSEG(.flags = F_RST, .dseq = 100, .no_opts = true));
	expect_challenge_ack(&tc);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_RST_CHALLENGE), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_CHALLENGE_ACK), 1);
	tc_in(&tc, TSEG(.flags = F_RST, .dseq = 5000000, .no_opts = true));
	tc_out_none(&tc);
	assert_int_equal(tc_state(&tc), TCP_ST_SYN_RECEIVED);
	tc_no_ev(&tc);
	tc_in(&tc, TSEG(.flags = F_RST, .no_opts = true));
	tc_out_none(&tc);
	tc_no_ev(&tc);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSED);
	tc_fini(&tc);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, tc_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_rst_at_rcv_nxt_resets),
		T(test_rst_ack_in_close_wait_resets),
		T(test_rst_in_window_challenge_ack),
		T(test_rst_out_of_window_dropped),
		T(test_syn_in_established_challenge_ack),
		T(test_ack_beyond_snd_max_dropped),
		T(test_ack_too_old_dropped),
		T(test_challenge_ack_rate_limit),
		T(test_abort_sends_rst),
		T(test_rst_in_syn_received_frees_quietly),
		T(test_syn_received_unacceptable_acked),
		T(test_syn_received_rst_in_window_challenge_ack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
