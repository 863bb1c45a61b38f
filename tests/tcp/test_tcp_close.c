/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Connection termination (RFC 9293 3.6, 3.10.4, 3.10.7.4 sixth/eighth
 * steps): active close through FIN-WAIT-1/2 and TIME-WAIT held for exactly
 * 2*MSL, passive close through CLOSE-WAIT/LAST-ACK, simultaneous close
 * through CLOSING, the combined FIN+ACK, a retransmitted FIN in TIME-WAIT,
 * half-close in both directions, the orphaned FIN-WAIT-2 timeout, data
 * after close (RFC 1122 4.2.2.13), the app events and the TCB accounting.
 * MSL is 100 ms here so that 2*MSL is 200 ms of simulated time.
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "tcp_frames.h"

#define MSL_MS 100u
#define TWO_MSL (2ull * MSL_MS * MS)

static void
close_cfg(struct tern_config *cfg)
{
	tcfg_default(cfg);
	cfg->tcp_msl_ms = MSL_MS;
	cfg->tcp_fin_wait2_ms = 500;
}

static void
init(struct tconn *tc)
{
	struct tern_config cfg;

	close_cfg(&cfg);
	tc_init(tc, &cfg);
}

/* The peer's FIN in FIN-WAIT-2: ACKed (at once or after the delayed-ACK
 * timer), TIME-WAIT entered when it arrived. Returns that time. */
static uint64_t
peer_fin_in_fin_wait_2(struct tconn *tc)
{
	static struct parsed_tcp p;
	uint64_t t;

	tc_data(tc, NULL, 0, F_FIN);
	t = tc->now;
	assert_int_equal(tc_state(tc), TCP_ST_TIME_WAIT);
	if (tc_out(tc, &p, 1) == 0) {
		tc_advance(tc, (uint64_t)tc->cfg.tcp_delack_ms * MS);
		tc_out1(tc, &p);
	}
	tc_expect(&p, F_ACK, tc->rcv_nxt, tc->snd_nxt, 0);
	return t;
}

/* TIME-WAIT entered at `t` ends at exactly t + 2*MSL. */
static void
expect_time_wait_until(struct tconn *tc, uint64_t t)
{
	uint64_t closed = tc_ctr(tc, CTR_TCP_CLOSED);

	assert_true(tc->now < t + TWO_MSL);
	tc_advance(tc, t + TWO_MSL - MS - tc->now);
	assert_int_equal(tc_state(tc), TCP_ST_TIME_WAIT);
	assert_int_equal(tc_ctr(tc, CTR_TCP_CLOSED), closed);
	tc_advance(tc, MS);
	assert_int_equal(tc_state(tc), TCP_ST_CLOSED);
	assert_int_equal(tc_ctr(tc, CTR_TCP_CLOSED), closed + 1);
	tc_out_none(tc);
	tc_no_ev(tc);			/* CLOSED was sent on entering TIME-WAIT */
}

static void
test_active_close_time_wait_2msl(void **state)
{
	struct tconn tc;
	struct tern_event ev;
	uint64_t t;

	(void)state;
	init(&tc);
	tc_to_state(&tc, TCP_ST_FIN_WAIT_2, false);
	t = peer_fin_in_fin_wait_2(&tc);
	ev = tc_ev_type(&tc, TERN_EV_TCP_CLOSED);
	assert_int_equal(ev.status, 0);
	assert_int_equal(ev.handle, tc.h);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TIME_WAIT), 1);
	expect_time_wait_until(&tc, t);
	tc_fini(&tc);
}

static void
test_passive_close(void **state)
{
	struct tconn tc;
	struct tern_event ev;

	(void)state;
	init(&tc);
	tc_to_state(&tc, TCP_ST_LAST_ACK, false);
	tc_ack(&tc);
	tc_out_none(&tc);
	ev = tc_ev_type(&tc, TERN_EV_TCP_CLOSED);
	assert_int_equal(ev.status, 0);
	assert_int_equal(ev.handle, tc.h);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSED);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_CLOSED), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TIME_WAIT), 0);
	tc_fini(&tc);
}

/* LAST-ACK: our FIN is retransmitted by the RTO until acknowledged. */
static void
test_last_ack_fin_retransmitted(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;
	uint32_t fin_seq;

	(void)state;
	init(&tc);
	tc_to_state(&tc, TCP_ST_LAST_ACK, false);
	fin_seq = tc.rcv_nxt - 1;
	tc_advance(&tc, 10 * SEC);	/* beyond any RTO the handshake allows */
	assert_true(tc_out(&tc, &p, 1) >= 1);
	tc_expect(&p, F_FIN | F_ACK, fin_seq, tc.snd_nxt, 0);
	assert_int_equal(tc_state(&tc), TCP_ST_LAST_ACK);
	tc_ack(&tc);
	tc_ev_type(&tc, TERN_EV_TCP_CLOSED);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSED);
	tc_fini(&tc);
}

static void
test_simultaneous_close(void **state)
{
	struct tconn tc;
	struct tern_event ev;
	uint64_t t;

	(void)state;
	init(&tc);
	tc_to_state(&tc, TCP_ST_CLOSING, false);
	tc_ack(&tc);			/* now our FIN is acknowledged */
	t = tc.now;
	tc_out_none(&tc);
	assert_int_equal(tc_state(&tc), TCP_ST_TIME_WAIT);
	ev = tc_ev_type(&tc, TERN_EV_TCP_CLOSED);
	assert_int_equal(ev.status, 0);
	expect_time_wait_until(&tc, t);
	tc_fini(&tc);
}

/* FIN-WAIT-1 receiving FIN+ACK of our FIN goes straight to TIME-WAIT. */
static void
test_fin_wait_1_fin_ack_combined(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;
	uint64_t t;

	(void)state;
	init(&tc);
	tc_to_state(&tc, TCP_ST_FIN_WAIT_1, false);
	tc_data(&tc, NULL, 0, F_FIN);
	t = tc.now;
	assert_int_equal(tc_state(&tc), TCP_ST_TIME_WAIT);
	if (tc_out(&tc, &p, 1) == 0) {
		tc_advance(&tc, (uint64_t)tc.cfg.tcp_delack_ms * MS);
		tc_out1(&tc, &p);
	}
	tc_expect(&p, F_ACK, tc.rcv_nxt, tc.snd_nxt, 0);
	assert_int_equal(tc_ev_type(&tc, TERN_EV_TCP_CLOSED).status, 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TIME_WAIT), 1);
	expect_time_wait_until(&tc, t);
	tc_fini(&tc);
}

/* RFC 9293 3.10.7.4: a retransmitted FIN in TIME-WAIT is acknowledged and
 * restarts the 2*MSL timeout. */
static void
test_time_wait_refin_restarts(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;
	uint64_t t;

	(void)state;
	init(&tc);
	tc_to_state(&tc, TCP_ST_FIN_WAIT_2, false);
	peer_fin_in_fin_wait_2(&tc);
	tc_ev_type(&tc, TERN_EV_TCP_CLOSED);
	tc_advance(&tc, 150 * MS);
	assert_int_equal(tc_state(&tc), TCP_ST_TIME_WAIT);
	tc_in(&tc, TSEG(.flags = F_FIN | F_ACK, .dseq = -1));
	t = tc.now;
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, tc.snd_nxt, 0);
	expect_time_wait_until(&tc, t);
	tc_fini(&tc);
}

/* RFC 9293 3.10.7.4 first step: in TIME-WAIT, a segment that is not the
 * next expected one (RCV.NXT is past the peer's FIN, so nothing after it
 * is acceptable), in the window or beyond it, is answered with
 * <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and dropped; TIME-WAIT stays and its
 * 2*MSL deadline does not move. A RST beyond the window stays silent. */
static void
test_time_wait_unacceptable_acked(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;
	uint8_t d[10];
	uint64_t t;

	(void)state;
	init(&tc);
	tc_to_state(&tc, TCP_ST_FIN_WAIT_2, false);
	t = peer_fin_in_fin_wait_2(&tc);
	tc_ev_type(&tc, TERN_EV_TCP_CLOSED);
	tc_fill(d, sizeof(d), 3);
	/* data in the window but after RCV.NXT */
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = 100, .data = d, .len = sizeof(d)));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, tc.snd_nxt, 0);
	/* a bare ACK in the window after RCV.NXT */
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = 1000));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, tc.snd_nxt, 0);
	/* beyond the window */
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = 5000000, .data = d, .len = sizeof(d)));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, tc.snd_nxt, 0);
	/* a RST beyond the window: silently */
	tc_in(&tc, TSEG(.flags = F_RST, .dseq = 5000000, .no_opts = true));
	tc_out_none(&tc);
	tc_no_ev(&tc);
	assert_int_equal(tc_state(&tc), TCP_ST_TIME_WAIT);
	expect_time_wait_until(&tc, t);
	tc_fini(&tc);
}

/* After TIME-WAIT the 4-tuple is free: the same peer port opens again. */
static void
test_same_tuple_after_time_wait(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;

	(void)state;
	init(&tc);
	tc_to_state(&tc, TCP_ST_TIME_WAIT, false);
	tc_advance(&tc, TWO_MSL);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSED);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_CLOSED), 1);
	tc.snd_nxt = PEER_ISS + 100000;
	tc.ts_val += 1000;
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(&tc)));
	tc.snd_nxt++;
	tc_out1(&tc, &p);
	tc_expect(&p, F_SYN | F_ACK, p.tcp.seq, tc.snd_nxt, 0);
	tc_ack(&tc);
	tc_ev_type(&tc, TERN_EV_TCP_ACCEPTED);
	assert_int_equal(tc_state(&tc), TCP_ST_ESTABLISHED);
	tc_fini(&tc);
}

/* RFC 6191: a SYN with a newer timestamp takes the 4-tuple over from
 * TIME-WAIT at once (what keeps --close load from stalling on reused
 * ports); one with an older timestamp is answered by a challenge ACK and
 * TIME-WAIT stays. */
static void
test_time_wait_reused_by_newer_syn(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;

	uint32_t ts_offset;

	(void)state;
	init(&tc);
	tc_to_state(&tc, TCP_ST_TIME_WAIT, false);
	ts_offset = tcp_ts_offset(tc.s, OUR_IP, tc.lport, PEER_IP, tc.pport);
	tc_advance(&tc, 10 * MS);
	/* an old incarnation's SYN: older timestamp */
	tc.ts_val -= 1000;
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(&tc)));
	tc_out1(&tc, &p);
	assert_false(p.tcp.flags & F_SYN);	/* not a SYN-ACK */
	assert_int_equal(tc_state(&tc), TCP_ST_TIME_WAIT);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TIME_WAIT_REUSED), 0);
	/* a new incarnation: newer timestamp, later ISN */
	tc.ts_val += 2000;
	tc.snd_nxt = PEER_ISS + 100000;
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(&tc)));
	tc.snd_nxt++;
	tc_out1(&tc, &p);
	tc_expect(&p, F_SYN | F_ACK, p.tcp.seq, tc.snd_nxt, 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TIME_WAIT_REUSED), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_CLOSED), 1);	/* the old TCB */
	tc_ack(&tc);
	tc_ev_type(&tc, TERN_EV_TCP_ACCEPTED);
	assert_int_equal(tc_state(&tc), TCP_ST_ESTABLISHED);
	/* RFC 7323 7.1: the same 4-tuple keeps its timestamp offset, so our
	 * clock runs ahead of the old incarnation's on the peer's side too */
	assert_int_equal(tcp_conn_lookup(tc.s, OUR_IP, tc.lport, PEER_IP, tc.pport)->ts.offset,
			 ts_offset);
	tc_fini(&tc);
}

/* Half-close: after tern_tcp_shutdown the peer's data is still delivered. */
static void
test_shutdown_then_peer_data_delivered(void **state)
{
	struct tconn tc;
	struct tern_event ev;
	uint8_t d[300];

	(void)state;
	init(&tc);
	tc_to_state(&tc, TCP_ST_FIN_WAIT_2, true);
	tc_fill(d, sizeof(d), 4);
	tc_data(&tc, d, sizeof(d), F_PSH);
	ev = tc_ev(&tc);
	assert_int_equal(ev.type, TERN_EV_TCP_DATA);
	assert_int_equal(ev.len, sizeof(d));
	assert_int_equal(rte_pktmbuf_pkt_len(ev.m), sizeof(d));
	assert_memory_equal(rte_pktmbuf_mtod(ev.m, void *), d, sizeof(d));
	rte_pktmbuf_free(ev.m);
	assert_int_equal(tern_tcp_recvd(tc.c, tc.h, sizeof(d)), 0);
	tc_advance(&tc, (uint64_t)tc.cfg.tcp_delack_ms * MS);
	{
		static struct parsed_tcp p[4];
		unsigned int n = tc_out(&tc, p, 4);

		assert_true(n >= 1);
		tc_expect(&p[n - 1], F_ACK, tc.rcv_nxt, tc.snd_nxt, 0);
	}
	assert_int_equal(tc_state(&tc), TCP_ST_FIN_WAIT_2);
	/* not orphaned: FIN-WAIT-2 does not time out */
	tc_advance(&tc, 2ull * tc.cfg.tcp_fin_wait2_ms * MS);
	assert_int_equal(tc_state(&tc), TCP_ST_FIN_WAIT_2);
	tc_no_ev(&tc);
	peer_fin_in_fin_wait_2(&tc);
	tc_ev_type(&tc, TERN_EV_TCP_PEER_CLOSED);
	assert_int_equal(tc_ev_type(&tc, TERN_EV_TCP_CLOSED).status, 0);
	tc_fini(&tc);
}

/* Peer half-close: PEER_CLOSED, then tern still sends. */
static void
test_peer_half_close_then_send(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;
	uint8_t d[200];
	uint32_t seq;

	(void)state;
	init(&tc);
	tc_to_state(&tc, TCP_ST_CLOSE_WAIT, false);
	tc_fill(d, sizeof(d), 5);
	seq = tc.rcv_nxt;
	tc_send(&tc, d, sizeof(d));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK | F_PSH, seq, tc.snd_nxt, sizeof(d));
	assert_memory_equal(p.payload, d, sizeof(d));
	tc_ack(&tc);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSE_WAIT);
	assert_int_equal(tern_tcp_close(tc.c, tc.h), 0);
	tc_run(&tc);
	tc_out1(&tc, &p);
	tc_expect(&p, F_FIN | F_ACK, seq + sizeof(d), tc.snd_nxt, 0);
	assert_int_equal(tc_state(&tc), TCP_ST_LAST_ACK);
	tc_ack(&tc);
	assert_int_equal(tc_ev_type(&tc, TERN_EV_TCP_CLOSED).status, 0);
	tc_fini(&tc);
}

/* Data queued before close goes first, the FIN follows it. */
static void
test_close_sends_queued_data_then_fin(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p[4];
	uint8_t d[100];
	uint32_t seq;
	unsigned int n;

	(void)state;
	init(&tc);
	tc_to_state(&tc, TCP_ST_ESTABLISHED, false);
	tc_fill(d, sizeof(d), 6);
	seq = tc.rcv_nxt;
	assert_int_equal(tern_tcp_send(tc.c, tc.h, tc_mbuf(d, sizeof(d))), 0);
	assert_int_equal(tern_tcp_close(tc.c, tc.h), 0);
	tc_run(&tc);
	n = tc_out(&tc, p, 4);
	assert_true(n == 1 || n == 2);
	if (n == 1) {
		tc_expect(&p[0], F_ACK | F_PSH | F_FIN, seq, tc.snd_nxt, sizeof(d));
	} else {
		tc_expect(&p[0], F_ACK | F_PSH, seq, tc.snd_nxt, sizeof(d));
		tc_expect(&p[1], F_ACK | F_FIN, seq + sizeof(d), tc.snd_nxt, 0);
	}
	assert_int_equal(tc.rcv_nxt, seq + sizeof(d) + 1);
	assert_int_equal(tc_state(&tc), TCP_ST_FIN_WAIT_1);
	tc_fini(&tc);
}

static void
test_orphan_fin_wait_2_timeout(void **state)
{
	struct tconn tc;
	uint64_t t;

	(void)state;
	init(&tc);
	tc_to_state(&tc, TCP_ST_FIN_WAIT_2, false);
	t = tc.now;
	tc_advance(&tc, 500 * MS - MS);
	assert_int_equal(tc_state(&tc), TCP_ST_FIN_WAIT_2);
	tc_no_ev(&tc);
	tc_advance(&tc, t + 500 * MS - tc.now);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSED);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_FIN_WAIT_2_TIMEOUT), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_CLOSED), 1);
	tc_ev_type(&tc, TERN_EV_TCP_CLOSED);
	tstack_tx_discard(tc.s);
	tc_fini(&tc);
}

/* RFC 1122 4.2.2.13: data arriving after the app closed is answered with
 * a RST; the connection is gone. */
static void
test_data_after_close_resets(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;
	uint8_t d[10] = { 0 };
	uint32_t seq;

	(void)state;
	init(&tc);
	tc_to_state(&tc, TCP_ST_FIN_WAIT_2, false);
	seq = tc.rcv_nxt;
	tc_data(&tc, d, sizeof(d), F_PSH);
	tc_out1(&tc, &p);
	assert_int_equal(p.tcp.flags & ~F_ACK, F_RST);
	assert_int_equal(p.tcp.seq, seq);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSED);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_DATA_AFTER_FIN), 1);
	tc_ev_type(&tc, TERN_EV_TCP_CLOSED);
	tc_fini(&tc);
}

/* Commands on a handle whose connection is over are rejected (-EBADF)
 * and their mbufs freed. */
static void
test_stale_handle_after_closed(void **state)
{
	struct tconn tc;
	struct tern_event ev;
	uint8_t d[10] = { 0 };

	(void)state;
	init(&tc);
	tc_to_state(&tc, TCP_ST_LAST_ACK, false);
	tc_ack(&tc);
	tc_ev_type(&tc, TERN_EV_TCP_CLOSED);
	assert_int_equal(tern_tcp_send(tc.c, tc.h, tc_mbuf(d, sizeof(d))), 0);
	tc_run(&tc);
	ev = tc_ev(&tc);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EBADF);
	assert_null(ev.m);
	assert_int_equal(tern_tcp_close(tc.c, tc.h), 0);
	tc_run(&tc);
	assert_int_equal(tc_ev_type(&tc, TERN_EV_CMD_ERROR).status, -EBADF);
	tc_out_none(&tc);
	assert_int_equal(harness_pool_in_use(), 0);
	tc_fini(&tc);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, tc_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_active_close_time_wait_2msl),
		T(test_passive_close),
		T(test_last_ack_fin_retransmitted),
		T(test_simultaneous_close),
		T(test_fin_wait_1_fin_ack_combined),
		T(test_time_wait_refin_restarts),
		T(test_time_wait_unacceptable_acked),
		T(test_same_tuple_after_time_wait),
		T(test_time_wait_reused_by_newer_syn),
		T(test_shutdown_then_peer_data_delivered),
		T(test_peer_half_close_then_send),
		T(test_close_sends_queued_data_then_fin),
		T(test_orphan_fin_wait_2_timeout),
		T(test_data_after_close_resets),
		T(test_stale_handle_after_closed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
