/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Text on a SYN or SYN-ACK (RFC 9293 3.10.7.2 LISTEN and 3.10.7.3
 * SYN-SENT; issue 12 item 8): it is acknowledged at once and queued for
 * delivery once the connection is established, bounded by the window.
 * Passive: the SYN-ACK acknowledges the data, the app gets ACCEPTED and
 * then the data when the handshake completes (before any data riding on
 * the completing ACK). Active: the data on a SYN-ACK follows CONNECTED,
 * and a FIN with it closes the peer's side. With SYN cookies nothing is
 * kept for a SYN, so its data is not taken (not acknowledged, counted);
 * the peer sends it again after the handshake. Peers with and without
 * window scaling, timestamps and SACK.
 */
#include <string.h>

#include "harness.h"
#include "tcp_frames.h"

static uint8_t d[2000];

static const uint8_t peers[] = {
	0,
	TCP_OPTF_TS,
	TCP_OPTF_WSCALE | TCP_OPTF_SACK_PERM | TCP_OPTF_TS,
};

/* One DATA event for tc->h holding `len` bytes equal to `want`. */
static void
expect_data(struct tconn *tc, const uint8_t *want, uint32_t len)
{
	static uint8_t got[2000];
	struct tern_event ev = tc_ev(tc);

	assert_int_equal(ev.type, TERN_EV_TCP_DATA);
	assert_int_equal(ev.handle, tc->h);
	assert_int_equal(ev.len, len);
	assert_int_equal(pkt_to_bytes(ev.m, got, sizeof(got)), len);
	assert_memory_equal(got, want, len);
	rte_pktmbuf_free(ev.m);
}

/* The peer's SYN with `len` bytes of text to our listener; returns our
 * SYN-ACK, checked to acknowledge `acked` of them. */
static void
syn_with_data(struct tconn *tc, uint8_t which, uint16_t len, uint32_t acked,
	      struct parsed_tcp *p)
{
	struct tcp_opts o;

	tc_listen(tc, 0);
	tc->pport = PEER_PORT;
	o = tc_syn_opts(tc, which);
	tc->ws_shift = (which & TCP_OPTF_WSCALE) ? PEER_WSCALE : 0;
	tc_in(tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = o, .data = d, .len = len));
	tc->snd_nxt += 1 + len;
	tc_out1(tc, p);
	tc_expect(p, F_SYN | F_ACK, p->tcp.seq, tc->iss + 1 + acked, 0);
	tc->ws_ok = (which & TCP_OPTF_WSCALE) != 0;
	tc->sack_ok = (which & TCP_OPTF_SACK_PERM) != 0;
	tc->ts_ok = (which & TCP_OPTF_TS) != 0;
	if (!tc->ws_ok)
		tc->tern_ws = 0;
	/* a cookie keeps no state at all */
	assert_int_equal(tc_state(tc), tc->cfg.tcp_syncookies == TERN_TCP_SYNCOOKIES_ALWAYS ?
			 TCP_ST_CLOSED : TCP_ST_SYN_RECEIVED);
	tc_no_ev(tc);			/* nothing before the handshake is done */
}

/* The peer's ACK of our SYN-ACK: ACCEPTED, then the SYN's text. */
static void
complete(struct tconn *tc)
{
	struct tern_event ev;

	tc_ack(tc);
	ev = tc_ev_type(tc, TERN_EV_TCP_ACCEPTED);
	tc->h = ev.handle;
	assert_int_equal(tc_state(tc), TCP_ST_ESTABLISHED);
}

/* 3.10.7.2: 200 bytes on a SYN are acknowledged by the SYN-ACK, kept
 * through SYN-RECEIVED and handed over right after ACCEPTED; no segment
 * beyond the SYN-ACK is needed; the stream goes on after them. */
static void
passive(uint8_t which)
{
	struct tconn tc;
	static struct parsed_tcp p;

	tc_init(&tc, NULL);
	syn_with_data(&tc, which, 200, 200, &p);
	assert_int_equal(p.tcp.wnd, 65535);	/* unscaled; 200 of 256 KiB held */
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_SYN_DATA), 1);
	complete(&tc);
	expect_data(&tc, d, 200);
	tc_no_ev(&tc);
	tc_out_none(&tc);
	/* the stream continues right after the SYN's text */
	tc_data(&tc, d + 200, 100, F_PSH);
	expect_data(&tc, d + 200, 100);
	tc_advance(&tc, (uint64_t)tc.cfg.tcp_delack_ms * MS);
	tc_expect_ack(&tc, PEER_ISS + 1 + 300);
	tc_fini(&tc);
}

static void
test_passive_syn_data_delivered_after_accept(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(peers); i++)
		passive(peers[i]);
}

/* The ACK that completes the handshake carries data too: the SYN's text
 * is delivered first. */
static void
test_passive_syn_data_then_data_on_ack(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;
	struct tern_event ev;

	(void)state;
	tc_init(&tc, NULL);
	syn_with_data(&tc, TCP_OPTF_TS | TCP_OPTF_SACK_PERM, 100, 100, &p);
	tc_in(&tc, TSEG(.flags = F_ACK | F_PSH, .data = d + 100, .len = 50));
	tc.snd_nxt += 50;
	ev = tc_ev_type(&tc, TERN_EV_TCP_ACCEPTED);
	tc.h = ev.handle;
	expect_data(&tc, d, 100);
	expect_data(&tc, d + 100, 50);
	tc_no_ev(&tc);
	tc_advance(&tc, (uint64_t)tc.cfg.tcp_delack_ms * MS);
	tc_expect_ack(&tc, PEER_ISS + 1 + 150);
	tc_fini(&tc);
}

/* Bounded by the window: a 1000-byte buffer takes 1000 of 1400 bytes; the
 * SYN-ACK acknowledges those and offers a zero window. The app reads them
 * and the window reopens; the rest comes again. */
static void
test_passive_syn_data_bounded_by_window(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	static struct parsed_tcp p;

	(void)state;
	tcfg_default(&cfg);
	cfg.tcp_rcvbuf = 1000;
	tc_init(&tc, &cfg);
	syn_with_data(&tc, 0, 1400, 1000, &p);
	assert_int_equal(p.tcp.wnd, 0);
	tc.snd_nxt = PEER_ISS + 1 + 1000;	/* the peer learns what was taken */
	complete(&tc);
	expect_data(&tc, d, 1000);
	assert_int_equal(tern_tcp_recvd(tc.c, tc.h, 1000), 0);
	tc_run(&tc);
	tc_out1(&tc, &p);			/* the window update */
	tc_expect(&p, F_ACK, tc.rcv_nxt, PEER_ISS + 1001, 0);
	assert_int_equal(p.tcp.wnd, 1000);
	tc_data(&tc, d + 1000, 400, F_PSH);
	expect_data(&tc, d + 1000, 400);
	tc_fini(&tc);
}

/* A reset before the handshake completes: the held text goes with the
 * half-open connection (the mbuf pool check in teardown proves it). */
static void
test_passive_syn_data_freed_on_reset(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;

	(void)state;
	tc_init(&tc, NULL);
	syn_with_data(&tc, TCP_OPTF_TS, 300, 300, &p);
	tc_in(&tc, TSEG(.flags = F_RST, .no_opts = true));
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSED);
	tc_no_ev(&tc);
	tc_out_none(&tc);
	tc_fini(&tc);
}

/* SYN cookies keep nothing: the data on a SYN answered with a cookie is
 * not acknowledged (counted); the peer's ACK completes the connection and
 * the data sent again is delivered (what Linux does as well). */
static void
test_syn_data_with_cookie_not_taken(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	static struct parsed_tcp p;
	struct tern_event ev;

	(void)state;
	tcfg_default(&cfg);
	cfg.tcp_syncookies = TERN_TCP_SYNCOOKIES_ALWAYS;
	tc_init(&tc, &cfg);
	syn_with_data(&tc, TCP_OPTF_TS | TCP_OPTF_SACK_PERM | TCP_OPTF_WSCALE, 200, 0, &p);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_SYN_DATA_COOKIE), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_SYN_DATA), 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_COOKIE_SENT), 1);
	assert_int_equal(tc.s->tcp->n_used, 0);
	/* the peer resends its text with the ACK that returns the cookie */
	tc.snd_nxt = PEER_ISS + 1;
	tc_data(&tc, d, 200, F_PSH);
	ev = tc_ev_type(&tc, TERN_EV_TCP_ACCEPTED);
	tc.h = ev.handle;
	expect_data(&tc, d, 200);
	tc_advance(&tc, (uint64_t)tc.cfg.tcp_delack_ms * MS);
	tc_expect_ack(&tc, PEER_ISS + 1 + 200);
	tc_fini(&tc);
}

/* Our SYN, then the peer's SYN-ACK with `len` bytes and `flags` (F_FIN). */
static void
synack_with_data(struct tconn *tc, uint8_t which, uint16_t len, uint8_t flags)
{
	static struct parsed_tcp p;
	struct tcp_opts o;

	tc->lport = OUR_ACTIVE_PORT;
	tc->pport = PEER_LISTEN_PORT;
	assert_int_equal(tern_tcp_connect(tc->c, PEER_IP, PEER_LISTEN_PORT,
					  OUR_ACTIVE_PORT, 0xc0), 0);
	tc_run(tc);
	tc_connecting(tc, 0xc0);
	tc_out1(tc, &p);
	tc_expect(&p, F_SYN, p.tcp.seq, 0, 0);
	o = tc_syn_opts(tc, which);
	tc->ws_shift = (which & TCP_OPTF_WSCALE) ? PEER_WSCALE : 0;
	tc_in(tc, TSEG(.flags = (uint8_t)(F_SYN | F_ACK | flags), .raw_opts = true, .opts = o,
		       .data = d, .len = len));
	tc->ws_ok = (which & TCP_OPTF_WSCALE) != 0;
	tc->sack_ok = (which & TCP_OPTF_SACK_PERM) != 0;
	tc->ts_ok = (which & TCP_OPTF_TS) != 0;
	if (!tc->ws_ok)
		tc->tern_ws = 0;
}

/* 3.10.7.3: ESTABLISHED, then "continue processing at the sixth step":
 * the text is delivered after CONNECTED and acknowledged by the ACK that
 * completes the handshake; a FIN with it is taken too (CLOSE-WAIT). */
static void
active(uint8_t which, uint8_t flags)
{
	struct tconn tc;
	static struct parsed_tcp p;
	struct tern_event ev;
	uint32_t fin = (flags & F_FIN) ? 1 : 0;

	tc_init(&tc, NULL);
	synack_with_data(&tc, which, 300, flags);
	tc.snd_nxt += 1 + 300 + fin;
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.irs + 1, PEER_ISS + 1 + 300 + fin, 0);
	ev = tc_ev_type(&tc, TERN_EV_TCP_CONNECTED);
	tc.h = ev.handle;
	expect_data(&tc, d, 300);
	if (fin) {
		tc_ev_type(&tc, TERN_EV_TCP_PEER_CLOSED);
		assert_int_equal(tc_state(&tc), TCP_ST_CLOSE_WAIT);
	} else {
		assert_int_equal(tc_state(&tc), TCP_ST_ESTABLISHED);
	}
	tc_no_ev(&tc);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_SYN_DATA), 1);
	tc_fini(&tc);
}

static void
test_active_synack_data(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(peers); i++) {
		active(peers[i], 0);
		active(peers[i], F_FIN);
	}
}

/* Bounded by the window our SYN offered (1000 bytes): the rest of the
 * SYN-ACK's text is cut, and its FIN with it (it comes again). */
static void
test_active_synack_data_bounded_by_window(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	static struct parsed_tcp p;
	struct tern_event ev;

	(void)state;
	tcfg_default(&cfg);
	cfg.tcp_rcvbuf = 1000;
	tc_init(&tc, &cfg);
	synack_with_data(&tc, TCP_OPTF_TS, 1400, F_FIN);
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.irs + 1, PEER_ISS + 1 + 1000, 0);
	assert_int_equal(p.tcp.wnd, 0);
	ev = tc_ev_type(&tc, TERN_EV_TCP_CONNECTED);
	tc.h = ev.handle;
	expect_data(&tc, d, 1000);
	tc_no_ev(&tc);
	assert_int_equal(tc_state(&tc), TCP_ST_ESTABLISHED);
	tc_fini(&tc);
}

/* Simultaneous open (RFC 9293 figure 8) with 100 bytes on the peer's
 * SYN: our SYN-ACK acknowledges them (the window our SYN offered bounds
 * them) and they follow CONNECTED, whether the handshake ends with the
 * peer's SYN-ACK (`crossed`) or with its plain ACK of ours. */
static void
simultaneous(bool crossed)
{
	struct tconn tc;
	static struct parsed_tcp p;
	struct tern_event ev;
	uint32_t iss;

	tc_init(&tc, NULL);
	tc.lport = OUR_ACTIVE_PORT;
	tc.pport = PEER_LISTEN_PORT;
	tc.ws_shift = PEER_WSCALE;
	assert_int_equal(tern_tcp_connect(tc.c, PEER_IP, PEER_LISTEN_PORT,
					  OUR_ACTIVE_PORT, 5), 0);
	tc_run(&tc);
	tc_connecting(&tc, 5);
	tc_out1(&tc, &p);
	iss = p.tcp.seq;
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(&tc),
			.data = d, .len = 100));
	tc_out1(&tc, &p);
	tc_expect(&p, F_SYN | F_ACK, iss, PEER_ISS + 1 + 100, 0);
	assert_int_equal(tc_state(&tc), TCP_ST_SYN_RECEIVED);
	tc_no_ev(&tc);
	tc.ws_ok = tc.ts_ok = tc.sack_ok = true;
	if (crossed) {
		tc_in(&tc, TSEG(.flags = F_SYN | F_ACK, .raw_opts = true,
				.opts = tc_syn_opts_full(&tc)));
		tc_out(&tc, &p, 1);		/* at most a pure ACK */
	} else {
		tc.snd_nxt += 1 + 100;
		tc_ack(&tc);
		tc_out_none(&tc);
	}
	assert_int_equal(tc_state(&tc), TCP_ST_ESTABLISHED);
	ev = tc_ev_type(&tc, TERN_EV_TCP_CONNECTED);
	tc.h = ev.handle;
	expect_data(&tc, d, 100);
	tc_no_ev(&tc);
	tc_fini(&tc);
}

static void
test_simultaneous_open_syn_data(void **state)
{
	(void)state;
	simultaneous(true);
	simultaneous(false);
}

static int
setup(void **state)
{
	tc_fill(d, sizeof(d), 91);
	return harness_setup(state);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, tc_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_passive_syn_data_delivered_after_accept),
		T(test_passive_syn_data_then_data_on_ack),
		T(test_passive_syn_data_bounded_by_window),
		T(test_passive_syn_data_freed_on_reset),
		T(test_syn_data_with_cookie_not_taken),
		T(test_active_synack_data),
		T(test_active_synack_data_bounded_by_window),
		T(test_simultaneous_open_syn_data),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
