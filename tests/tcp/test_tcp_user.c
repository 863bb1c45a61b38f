/* SPDX-License-Identifier: BSD-3-Clause
 *
 * User calls before the handshake completes (RFC 9293 3.10.4 CLOSE and
 * 3.10.5 ABORT in SYN-SENT). tern_tcp_connect's handle arrives at once in
 * TERN_EV_TCP_CONNECTING, so an app can give up on a pending connect:
 * CLOSE and ABORT in SYN-SENT delete the TCB without sending anything,
 * queued sends are dropped, the SYN is not retransmitted, and a SYN-ACK
 * that arrives afterwards meets the CLOSED state's rule (RFC 9293
 * 3.10.7.1): <SEQ=SEG.ACK><CTL=RST>. The mbuf pool returns to its
 * baseline (tc_teardown).
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "tcp_frames.h"

/* connect from OUR_ACTIVE_PORT, the CONNECTING event and the SYN; returns
 * tern's ISS */
static uint32_t
connect_syn_sent(struct tconn *tc, uint64_t cookie)
{
	struct parsed_tcp p;

	tc->lport = OUR_ACTIVE_PORT;
	tc->pport = PEER_LISTEN_PORT;
	assert_int_equal(tern_tcp_connect(tc->c, PEER_IP, PEER_LISTEN_PORT,
					  OUR_ACTIVE_PORT, cookie), 0);
	tc_run(tc);
	tc_connecting(tc, cookie);
	tc_out1(tc, &p);
	tc_expect(&p, F_SYN, p.tcp.seq, 0, 0);
	assert_int_equal(tc_state(tc), TCP_ST_SYN_SENT);
	tc_no_ev(tc);
	return p.tcp.seq;
}

/* After the TCB is gone: minutes of silence (no SYN retransmission), then
 * the SYN-ACK the peer sent for it gets <SEQ=SEG.ACK><CTL=RST>, and the
 * app hears nothing more. */
static void
gone_then_synack_reset(struct tconn *tc, uint32_t iss)
{
	struct parsed_tcp p;
	unsigned int i;

	assert_int_equal(tc_state(tc), TCP_ST_CLOSED);
	assert_int_equal(tc->s->tcp->n_used, 0);
	for (i = 0; i < 130; i++) {		/* past every SYN backoff (63 s) */
		tc_advance(tc, SEC);
		tc_out_none(tc);
	}
	tc_no_ev(tc);
	tc_in(tc, TSEG(.flags = F_SYN | F_ACK, .abs = true, .seq = PEER_ISS,
		       .ack = iss + 1, .raw_opts = true, .opts = tc_syn_opts_full(tc)));
	tc_out1(tc, &p);
	tc_expect(&p, F_RST, iss + 1, 0, 0);
	tc_no_ev(tc);
	assert_int_equal(tc->s->tcp->n_used, 0);
}

/* CLOSE in SYN-SENT: the TCB is deleted, TERN_EV_TCP_CLOSED (status 0)
 * with the same handle and cookie, nothing on the wire. */
static void
test_close_in_syn_sent(void **state)
{
	struct tconn tc;
	struct tern_event ev;
	uint64_t h;
	uint32_t iss;

	(void)state;
	tc_init(&tc, NULL);
	iss = connect_syn_sent(&tc, 0x51);
	h = tc.h;
	tc_advance(&tc, 100 * MS);		/* before the first RTO */
	tc_out_none(&tc);
	assert_int_equal(tern_tcp_close(tc.c, h), 0);
	tc_run(&tc);
	tc_out_none(&tc);
	ev = tc_ev_type(&tc, TERN_EV_TCP_CLOSED);
	assert_int_equal(ev.status, 0);
	assert_true(ev.handle == h);
	assert_int_equal(ev.cookie, 0x51);
	assert_int_equal(ev.addr, PEER_IP);
	assert_int_equal(ev.peer_port, PEER_LISTEN_PORT);
	gone_then_synack_reset(&tc, iss);
	/* the handle is stale now */
	assert_int_equal(tern_tcp_close(tc.c, h), 0);
	tc_run(&tc);
	ev = tc_ev_type(&tc, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EBADF);
	tc_fini(&tc);
}

/* ABORT in SYN-SENT: deleted as well, status -ECONNABORTED, no RST (there
 * is no synchronized peer to reset). */
static void
test_abort_in_syn_sent(void **state)
{
	struct tconn tc;
	struct tern_event ev;
	uint32_t iss;

	(void)state;
	tc_init(&tc, NULL);
	iss = connect_syn_sent(&tc, 0x52);
	assert_int_equal(tern_tcp_abort(tc.c, tc.h), 0);
	tc_run(&tc);
	tc_out_none(&tc);
	ev = tc_ev_type(&tc, TERN_EV_TCP_CLOSED);
	assert_int_equal(ev.status, -ECONNABORTED);
	assert_true(ev.handle == tc.h);
	assert_int_equal(ev.cookie, 0x52);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_ABORTS), 1);
	gone_then_synack_reset(&tc, iss);
	tc_fini(&tc);
}

/* Data sent in SYN-SENT is queued (RFC 9293 3.10.2); a CLOSE there drops
 * it with the TCB: its mbufs go back to the pool (checked by teardown). */
static void
test_close_in_syn_sent_drops_queued_data(void **state)
{
	static uint8_t buf[3000];
	struct tconn tc;
	struct tern_event ev;
	uint32_t iss;

	(void)state;
	tc_init(&tc, NULL);
	iss = connect_syn_sent(&tc, 0x53);
	tc_fill(buf, sizeof(buf), 7);
	tc_send(&tc, buf, sizeof(buf));
	tc_out_none(&tc);			/* nothing before the handshake */
	tc_no_ev(&tc);
	assert_int_equal(tern_tcp_close(tc.c, tc.h), 0);
	tc_run(&tc);
	tc_out_none(&tc);
	ev = tc_ev_type(&tc, TERN_EV_TCP_CLOSED);
	assert_int_equal(ev.status, 0);
	gone_then_synack_reset(&tc, iss);
	tc_fini(&tc);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, tc_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_close_in_syn_sent),
		T(test_abort_in_syn_sent),
		T(test_close_in_syn_sent_drops_queued_data),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
