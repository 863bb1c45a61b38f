/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern_tcp_info_get(): the snapshot an app reads of its connection, after
 * known events on a connection driven by scripted peer segments: the
 * handshake (IW10, the RFC 6298 estimator from a 100 ms handshake RTT,
 * negotiated options, the peer's scaled window), sending (bytes in flight
 * and unsent, slow start's growth per ACK), three duplicate ACKs (fast
 * recovery flag, ssthresh, inflated cwnd, leaving recovery), a
 * retransmission timeout (backoff, doubled RTO, loss window), and handles
 * that no longer name a connection (-EBADF).
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "tcp_frames.h"

static struct tern_tcp_info
info_of(struct tconn *tc)
{
	struct tern_tcp_info ti;

	memset(&ti, 0xa5, sizeof(ti));
	assert_int_equal(tern_tcp_info_get(tc->s, tc->h, &ti), 0);
	return ti;
}

/* Passive open with the full option set and a handshake RTT of 100 ms. */
static void
open_with_rtt(struct tconn *tc, const struct tern_config *cfg)
{
	static struct parsed_tcp p;

	tc_init(tc, cfg);
	tc_listen(tc, 0);
	tc->pport = PEER_PORT;
	tc->ws_shift = PEER_WSCALE;
	tc_in(tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(tc)));
	tc->snd_nxt++;
	tc_out1(tc, &p);
	tc->ts_ok = tc->ws_ok = tc->sack_ok = true;
	tc_advance(tc, 100 * MS);
	tc_ack(tc);
	tc->h = tc_ev_type(tc, TERN_EV_TCP_ACCEPTED).handle;
}

static void
test_info_after_handshake(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	struct tern_tcp_info ti;

	(void)state;
	tcfg_default(&cfg);
	cfg.tcp_rto_min_ms = 200;
	open_with_rtt(&tc, &cfg);
	ti = info_of(&tc);
	assert_int_equal(ti.state, TERN_TCP_ST_ESTABLISHED);
	assert_string_equal(tern_tcp_state_name(ti.state), "ESTABLISHED");
	/* the peer's MSS option (timestamps take their 12 bytes out of each
	 * segment when it is built, RFC 6691) */
	assert_int_equal(ti.snd_mss, PEER_MSS);
	assert_int_equal(ti.peer_mss, PEER_MSS);
	assert_int_equal(ti.cwnd, 10 * ti.snd_mss);		/* RFC 6928 IW10 */
	assert_int_equal(ti.ssthresh, UINT32_MAX);
	assert_int_equal(ti.snd_wnd, 65535u << PEER_WSCALE);
	assert_int_equal(ti.snd_wscale, PEER_WSCALE);
	assert_int_equal(ti.rcv_wscale, tc.tern_ws);
	assert_int_equal(ti.options, TERN_TCP_INFO_OPT_SACK | TERN_TCP_INFO_OPT_TS |
				     TERN_TCP_INFO_OPT_WSCALE);
	/* RFC 6298 2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR */
	assert_int_equal(ti.srtt_us, 100000);
	assert_int_equal(ti.rttvar_us, 50000);
	assert_int_equal(ti.rto_us, 300000);
	assert_int_equal(ti.inflight, 0);
	assert_int_equal(ti.unsent, 0);
	assert_int_equal(ti.sndq_bytes, 0);
	assert_int_equal(ti.in_recovery, 0);
	assert_int_equal(ti.backoff, 0);
	assert_int_equal(ti.retries, 0);
	assert_int_equal(ti.dupacks, 0);
	assert_int_equal(ti.cc, TERN_TCP_CC_NEWRENO);
	assert_string_equal(ti.cc_name, "newreno");
	assert_int_equal(ti.local_addr, OUR_IP);
	assert_int_equal(ti.remote_addr, PEER_IP);
	assert_int_equal(ti.local_port, LISTEN_PORT);
	assert_int_equal(ti.remote_port, PEER_PORT);
	assert_int_equal(ti.sndbuf, cfg.tcp_sndbuf);
	assert_int_equal(ti.rcvbuf, cfg.tcp_rcvbuf);
	assert_int_equal(ti.rcv_wnd, tc.tern_wnd);
	assert_int_equal(ti.rcv_unread, 0);
	assert_int_equal(ti.rcv_ooo, 0);
	assert_int_equal(ti.last_rx_ns, tc.now);
	assert_int_equal(ti.last_data_tx_ns, 0);
	tc_fini(&tc);
}

/* In flight = sent and not acknowledged; unsent = queued beyond cwnd. */
static void
test_info_inflight_unsent(void **state)
{
	struct tconn tc;
	struct tern_tcp_info ti;
	static struct parsed_tcp p[32];
	static uint8_t d[20000], r[3000];
	uint32_t mss, seg;
	unsigned int n;

	(void)state;
	open_with_rtt(&tc, NULL);
	assert_int_equal(tern_tcp_nodelay(tc.c, tc.h, 1), 0);
	mss = info_of(&tc).snd_mss;
	seg = mss - 12;				/* timestamps in every segment */
	tc_fill(d, sizeof(d), 31);
	tc_send(&tc, d, sizeof(d));
	n = tc_out(&tc, p, 32);
	/* IW10 = 10 * 1460 bytes: ten full segments of 1448 fit, the 120
	 * bytes left of the window are not worth a segment (SWS) */
	assert_int_equal(n, 10);
	ti = info_of(&tc);
	assert_int_equal(ti.cwnd, 10 * mss);
	assert_int_equal(ti.inflight, 10 * seg);
	assert_int_equal(ti.unsent, sizeof(d) - 10 * seg);
	assert_int_equal(ti.sndq_bytes, sizeof(d));
	assert_int_equal(ti.last_data_tx_ns, tc.now);
	assert_int_equal(ti.options & TERN_TCP_INFO_OPT_NODELAY, TERN_TCP_INFO_OPT_NODELAY);
	/* one ACK for all ten: slow start adds L = 2 SMSS (RFC 3465), the
	 * rest of the queue (5520 bytes, within the new window) goes out in
	 * four segments */
	tc_advance(&tc, 10 * MS);
	tc_ack(&tc);
	ti = info_of(&tc);
	assert_int_equal(ti.cwnd, 12 * mss);
	assert_int_equal(ti.ssthresh, UINT32_MAX);
	n = tc_out(&tc, p, 32);
	assert_int_equal(n, 4);
	ti = info_of(&tc);
	assert_int_equal(ti.inflight, sizeof(d) - 10 * seg);
	assert_int_equal(ti.unsent, 0);
	assert_int_equal(ti.sndq_bytes, sizeof(d) - 10 * seg);
	/* received data the app has not credited back */
	tc_fill(r, sizeof(r), 32);
	tc_data(&tc, r, 1000, 0);
	ti = info_of(&tc);
	assert_int_equal(ti.rcv_unread, 1000);
	tc_fini(&tc);
}

/* RFC 5681 3.2 / RFC 6582 on a plain connection (MSS 1460): five
 * segments out, the first lost, three duplicate ACKs. */
static void
test_info_fast_recovery(void **state)
{
	struct tconn tc;
	struct tern_tcp_info ti;
	static struct parsed_tcp p[8];
	static uint8_t d[5 * 1460];
	uint32_t seq;
	unsigned int i;

	(void)state;
	tc_init(&tc, NULL);
	tc_passive_open(&tc, true);
	assert_int_equal(tern_tcp_nodelay(tc.c, tc.h, 1), 0);
	tc_fill(d, sizeof(d), 33);
	seq = tc.rcv_nxt;
	tc_send(&tc, d, sizeof(d));
	assert_int_equal(tc_out(&tc, p, 8), 5);
	for (i = 0; i < 2; i++) {
		tc_in(&tc, TSEG(.flags = F_ACK, .abs = true, .seq = tc.snd_nxt, .ack = seq));
		tc_out_none(&tc);
		ti = info_of(&tc);
		assert_int_equal(ti.in_recovery, 0);
		assert_int_equal(ti.dupacks, i + 1);
	}
	tc_in(&tc, TSEG(.flags = F_ACK, .abs = true, .seq = tc.snd_nxt, .ack = seq));
	tc_out1(&tc, p);
	ti = info_of(&tc);
	assert_int_equal(ti.in_recovery, 1);
	assert_int_equal(ti.dupacks, 3);
	assert_int_equal(ti.inflight, sizeof(d));
	/* ssthresh = max(FlightSize / 2, 2 SMSS); cwnd = ssthresh + 3 SMSS */
	assert_int_equal(ti.ssthresh, sizeof(d) / 2);
	assert_int_equal(ti.cwnd, sizeof(d) / 2 + 3 * 1460);
	/* the full ACK ends recovery: cwnd = min(ssthresh, max(FlightSize,
	 * SMSS) + SMSS) with nothing left in flight (RFC 6582 3.2 step 3) */
	tc_ack(&tc);
	ti = info_of(&tc);
	assert_int_equal(ti.in_recovery, 0);
	assert_int_equal(ti.inflight, 0);
	assert_int_equal(ti.ssthresh, sizeof(d) / 2);
	assert_int_equal(ti.cwnd, 2 * 1460);
	tc_fini(&tc);
}

/* RFC 6298 5.5-5.7 and RFC 5681 3.1: a timeout doubles the RTO and
 * collapses cwnd to one segment. */
static void
test_info_rto(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	struct tern_tcp_info ti;
	static struct parsed_tcp p[8];
	static uint8_t d[3000];

	(void)state;
	tcfg_default(&cfg);
	cfg.tcp_rto_init_ms = 1000;
	cfg.tcp_rto_min_ms = 1000;
	tc_init(&tc, &cfg);
	tc_passive_open(&tc, true);
	assert_int_equal(tern_tcp_nodelay(tc.c, tc.h, 1), 0);
	tc_fill(d, sizeof(d), 34);
	tc_send(&tc, d, sizeof(d));
	assert_int_equal(tc_out(&tc, p, 8), 3);
	ti = info_of(&tc);
	assert_int_equal(ti.rto_us, 1000000);
	tc_advance(&tc, 1000 * MS);
	tc_out1(&tc, p);
	ti = info_of(&tc);
	assert_int_equal(ti.backoff, 1);
	assert_int_equal(ti.retries, 1);
	assert_int_equal(ti.rto_us, 2000000);
	assert_int_equal(ti.cwnd, 1460);
	assert_int_equal(ti.ssthresh, 2 * 1460);	/* max(3000 / 2, 2 SMSS) */
	assert_int_equal(ti.inflight, sizeof(d));
	assert_int_equal(ti.in_recovery, 0);
	tc_fini(&tc);
}

/* Handles carry a generation: once the slot is freed, or reused by a new
 * connection, the old handle is refused; so are other lcores' handles,
 * listeners and made-up ones. */
static void
test_info_stale_handles(void **state)
{
	struct tconn tc;
	struct tern_tcp_info ti;
	uint64_t old;

	(void)state;
	tc_init(&tc, NULL);
	tc_passive_open(&tc, true);
	old = tc.h;
	assert_int_equal(tern_tcp_info_get(tc.s, old, &ti), 0);
	assert_int_equal(tern_tcp_info_get(tc.s, old, NULL), -EINVAL);
	assert_int_equal(tern_tcp_info_get(NULL, old, &ti), -EINVAL);
	assert_int_equal(tern_tcp_info_get(tc.s, old ^ 1, &ti), -EBADF);
	assert_int_equal(tern_tcp_info_get(tc.s, old ^ (1ull << 56), &ti), -EBADF);
	assert_int_equal(tern_tcp_info_get(tc.s, tc.listener, &ti), -EBADF);
	assert_int_equal(tern_tcp_info_get(tc.s, 0, &ti), -EBADF);
	/* abort: RST, TCB freed */
	assert_int_equal(tern_tcp_abort(tc.c, tc.h), 0);
	tc_run(&tc);
	tstack_tx_discard(tc.s);
	tc_ev_type(&tc, TERN_EV_TCP_CLOSED);
	assert_int_equal(tern_tcp_info_get(tc.s, old, &ti), -EBADF);
	/* a new connection takes the same slot with the next generation */
	tc.iss = tc.snd_nxt = PEER_ISS + 100000;
	tc_passive_open(&tc, true);
	assert_int_equal(tc.h >> 32, old >> 32);
	assert_true(tc.h != old);
	assert_int_equal(tern_tcp_info_get(tc.s, old, &ti), -EBADF);
	assert_int_equal(tern_tcp_info_get(tc.s, tc.h, &ti), 0);
	assert_int_equal(ti.state, TERN_TCP_ST_ESTABLISHED);
	tc_fini(&tc);
}

/* TIME-WAIT is held by a record, not the TCB (tcp_timewait.c): the
 * handle goes stale with TERN_EV_TCP_CLOSED, when the app was told the
 * connection is over, while the 4-tuple stays in TIME-WAIT for 2*MSL. */
static void
test_info_time_wait(void **state)
{
	struct tconn tc;
	struct tern_tcp_info ti;

	(void)state;
	tc_init(&tc, NULL);
	tc_to_state(&tc, TCP_ST_TIME_WAIT, false);
	assert_int_equal(tern_tcp_info_get(tc.s, tc.h, &ti), -EBADF);
	assert_int_equal(tc_state(&tc), TCP_ST_TIME_WAIT);
	assert_string_equal(tern_tcp_state_name(TERN_TCP_ST_TIME_WAIT), "TIME-WAIT");
	tc_advance(&tc, 2ull * tc.cfg.tcp_msl_ms * MS + SEC);
	tstack_tx_discard(tc.s);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSED);
	assert_int_equal(tern_tcp_info_get(tc.s, tc.h, &ti), -EBADF);
	assert_string_equal(tern_tcp_state_name(TERN_TCP_ST_COUNT), "?");
	tc_fini(&tc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_info_after_handshake, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(test_info_inflight_unsent, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(test_info_fast_recovery, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(test_info_rto, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(test_info_stale_handles, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(test_info_time_wait, harness_setup,
						harness_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
