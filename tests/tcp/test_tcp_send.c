/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Sending data (RFC 9293 3.8.6, 3.10.2; RFC 6298 retransmission timer;
 * RFC 5681 3.2 fast retransmit; RFC 1122 4.2.3.4 Nagle, 4.2.2.17 zero
 * window probing; RFC 6691 MSS): segmentation within MSS and the peer's
 * window, PSH, retransmission timing and backoff, abort after
 * tcp_max_retries, Nagle on/off, three duplicate ACKs, persist probes, and
 * the send queue limit with ENOBUFS/WRITABLE.
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "tcp_frames.h"

/* RTO tests: rto_min = rto_init, so the handshake's (tiny) RTT sample
 * leaves the RTO at tcp_rto_init_ms. */
static void
rto_cfg(struct tern_config *cfg, uint16_t max_retries)
{
	tcfg_default(cfg);
	cfg->tcp_rto_init_ms = 1000;
	cfg->tcp_rto_min_ms = 1000;
	cfg->tcp_max_retries = max_retries;
}

static void
test_send_10k_segmented(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p[16];
	static uint8_t d[10240], got[10240];
	uint32_t seq, off = 0;
	unsigned int n, i;

	(void)state;
	tc_init(&tc, NULL);
	tc_passive_open(&tc, false);
	assert_int_equal(tern_tcp_nodelay(tc.c, tc.h, 1), 0);
	tc_fill(d, sizeof(d), 21);
	seq = tc.rcv_nxt;
	tc_send(&tc, d, sizeof(d));
	n = tc_out(&tc, p, 16);
	/* RFC 6691: the 12 bytes of TS option come out of the MSS:
	 * 7 x 1448 + 104, all within IW10 */
	assert_int_equal(n, 8);
	for (i = 0; i < n; i++) {
		uint32_t len = i < 7 ? 1448 : 104;

		tc_expect(&p[i], (uint8_t)(F_ACK | (i == 7 ? F_PSH : (p[i].tcp.flags & F_PSH))),
			  seq + off, tc.snd_nxt, len);
		assert_true(p[i].tcp.opts.present & TCP_OPTF_TS);
		memcpy(got + off, p[i].payload, len);
		off += len;
	}
	assert_true(p[7].tcp.flags & F_PSH);
	assert_memory_equal(got, d, sizeof(d));
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_DATA_BYTES), sizeof(d));
	tc_ack(&tc);
	tc_out_none(&tc);
	tc_advance(&tc, 70 * SEC);		/* no timer left behind */
	tc_out_none(&tc);
	tc_no_ev(&tc);
	tc_fini(&tc);
}

/* The peer's MSS option caps the segments (RFC 9293 3.7.1). */
static void
test_send_respects_peer_mss(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p[8];
	static uint8_t d[2500];
	struct tcp_opts o;
	unsigned int n;

	(void)state;
	tc_init(&tc, NULL);
	tc_listen(&tc, 0);
	tc.pport = PEER_PORT;
	memset(&o, 0, sizeof(o));
	o.present = TCP_OPTF_MSS;
	o.mss = 1000;
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = o));
	tc.snd_nxt++;
	tc_out1(&tc, &p[0]);
	tc_ack(&tc);
	tc.h = tc_ev_type(&tc, TERN_EV_TCP_ACCEPTED).handle;
	assert_int_equal(tern_tcp_nodelay(tc.c, tc.h, 1), 0);
	tc_fill(d, sizeof(d), 22);
	tc_send(&tc, d, sizeof(d));
	n = tc_out(&tc, p, 8);
	assert_int_equal(n, 3);
	assert_int_equal(p[0].len, 1000);
	assert_int_equal(p[1].len, 1000);
	assert_int_equal(p[2].len, 500);
	tc_fini(&tc);
}

/* A small peer window bounds what is in flight; ACKs open it again; the
 * bytes arrive intact. */
static void
test_send_within_peer_window(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p[32];
	static uint8_t d[10240], got[10240];
	uint32_t base, rcvd = 0;
	unsigned int rounds = 0;

	(void)state;
	tc_init(&tc, NULL);
	tc.wnd = 1000;				/* 4000 bytes once scaled by 2 */
	tc_passive_open(&tc, false);
	assert_int_equal(tern_tcp_nodelay(tc.c, tc.h, 1), 0);
	tc_fill(d, sizeof(d), 23);
	base = tc.rcv_nxt;
	tc_send(&tc, d, sizeof(d));
	while (rcvd < sizeof(d) && rounds++ < 64) {
		unsigned int n = tc_out(&tc, p, 32), i;
		uint32_t flight = 0;

		for (i = 0; i < n; i++) {
			assert_true(p[i].len <= 1460);
			assert_int_equal(p[i].tcp.seq, base + rcvd + flight);
			memcpy(got + rcvd + flight, p[i].payload, p[i].len);
			flight += p[i].len;
		}
		assert_true(flight <= 4000);
		if (n == 0) {			/* SWS avoidance may wait for a timer */
			tc_advance(&tc, 200 * MS);
			continue;
		}
		rcvd += flight;
		tc_ack(&tc);
	}
	assert_int_equal(rcvd, sizeof(d));
	assert_memory_equal(got, d, sizeof(d));
	tc_fini(&tc);
}

/* RFC 6298 5.4-5.6: retransmit the earliest unacknowledged segment when
 * the RTO fires, doubling it each time; abort after tcp_max_retries with
 * a RST and CLOSED -ETIMEDOUT. */
static void
test_rto_backoff_and_abort(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	static struct parsed_tcp p;
	struct tern_event ev;
	uint8_t d[300];
	uint64_t rto = 1000 * MS;
	uint32_t seq;
	unsigned int i;

	(void)state;
	rto_cfg(&cfg, 4);
	tc_init(&tc, &cfg);
	tc_passive_open(&tc, false);
	tc_fill(d, sizeof(d), 24);
	seq = tc.rcv_nxt;
	tc_send(&tc, d, sizeof(d));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK | F_PSH, seq, tc.snd_nxt, sizeof(d));
	for (i = 0; i < 4; i++) {
		tc_advance(&tc, rto - MS);
		tc_out_none(&tc);
		tc_advance(&tc, MS);
		tc_out1(&tc, &p);
		assert_int_equal(p.tcp.seq, seq);
		assert_int_equal(p.len, sizeof(d));
		assert_memory_equal(p.payload, d, sizeof(d));
		rto *= 2;
	}
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RTO), 4);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_RETRANS), 4);
	tc_advance(&tc, rto - MS);
	tc_out_none(&tc);
	tc_no_ev(&tc);
	tc_advance(&tc, MS);
	tc_out1(&tc, &p);
	assert_int_equal(p.tcp.flags & ~F_ACK, F_RST);
	assert_int_equal(p.tcp.seq, seq + sizeof(d));
	ev = tc_ev_type(&tc, TERN_EV_TCP_CLOSED);
	assert_int_equal(ev.status, -ETIMEDOUT);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSED);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TIMEOUT), 1);
	tc_fini(&tc);
}

/* An ACK of new data restarts the timer and clears the backoff. */
static void
test_rto_restart_after_ack(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	static struct parsed_tcp p;
	uint8_t d[100];
	uint32_t seq;

	(void)state;
	rto_cfg(&cfg, 8);
	tc_init(&tc, &cfg);
	tc_passive_open(&tc, false);
	assert_int_equal(tern_tcp_nodelay(tc.c, tc.h, 1), 0);
	tc_fill(d, sizeof(d), 25);
	seq = tc.rcv_nxt;
	tc_send(&tc, d, 50);
	tc_out1(&tc, &p);
	tc_advance(&tc, 1000 * MS);
	tc_out1(&tc, &p);			/* first retransmission */
	assert_int_equal(p.tcp.seq, seq);
	tc_ack(&tc);				/* acked (Karn: no sample) */
	tc_send(&tc, d + 50, 50);
	tc_out1(&tc, &p);
	assert_int_equal(p.tcp.seq, seq + 50);
	/* RFC 6298 5.7 keeps a backed-off RTO until a valid sample; either
	 * way it is at least rto_init and at most twice that */
	tc_advance(&tc, 1000 * MS - MS);
	tc_out_none(&tc);
	tc_advance(&tc, 1000 * MS + MS);
	tc_out1(&tc, &p);
	assert_int_equal(p.tcp.seq, seq + 50);
	tc_fini(&tc);
}

/* RFC 6298 2.2: the RTT measured on the handshake (100 ms) sets
 * RTO = SRTT + 4 * RTTVAR = 100 + 4 * 50 = 300 ms. */
static void
test_rto_from_handshake_rtt(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	static struct parsed_tcp p;
	uint8_t d[100];
	uint32_t seq;

	(void)state;
	tcfg_default(&cfg);
	cfg.tcp_rto_min_ms = 200;
	tc_init(&tc, &cfg);
	tc_listen(&tc, 0);
	tc.pport = PEER_PORT;
	tc.ws_shift = PEER_WSCALE;
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(&tc)));
	tc.snd_nxt++;
	tc_out1(&tc, &p);
	tc.ts_ok = tc.ws_ok = tc.sack_ok = true;
	tc_advance(&tc, 100 * MS);
	tc_ack(&tc);
	tc.h = tc_ev_type(&tc, TERN_EV_TCP_ACCEPTED).handle;
	tc_fill(d, sizeof(d), 26);
	seq = tc.rcv_nxt;
	tc_send(&tc, d, sizeof(d));
	tc_out1(&tc, &p);
	tc_advance(&tc, 300 * MS - MS);
	tc_out_none(&tc);
	tc_advance(&tc, MS);
	tc_out1(&tc, &p);
	assert_int_equal(p.tcp.seq, seq);
	assert_int_equal(p.len, sizeof(d));
	tc_fini(&tc);
}

/* RFC 1122 4.2.2.17: the zero window is held only while the peer answers
 * the probes; tcp_max_retries unanswered probes in a row abort the
 * connection with a RST and CLOSED -ETIMEDOUT (issue 11 item 4). */
static void
test_persist_gives_up_unanswered(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	static struct parsed_tcp p;
	static uint8_t d[100];
	struct tern_event ev;
	unsigned int probes = 0, i;

	(void)state;
	rto_cfg(&cfg, 3);
	tc_init(&tc, &cfg);
	tc_passive_open(&tc, false);
	tc_in(&tc, TSEG(.flags = F_ACK, .wnd = TSEG_WND_ZERO));
	tc_fill(d, sizeof(d), 31);
	tc_send(&tc, d, sizeof(d));
	tc_out_none(&tc);			/* window 0: nothing goes */
	for (i = 0; i < 20 && tc_state(&tc) != TCP_ST_CLOSED; i++) {
		tc_advance(&tc, (uint64_t)cfg.tcp_rto_max_ms * MS);
		if (tc_out(&tc, &p, 1) == 0)
			continue;
		if (p.tcp.flags & F_RST)
			break;
		probes++;			/* the peer has vanished: no answer */
	}
	assert_true(p.tcp.flags & F_RST);
	assert_int_equal(probes, cfg.tcp_max_retries);
	ev = tc_ev_type(&tc, TERN_EV_TCP_CLOSED);
	assert_int_equal(ev.status, -ETIMEDOUT);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_PERSIST_TIMEOUT), 1);
	tc_fini(&tc);
}

/* RFC 1122 4.2.3.4: with data in flight, a small segment waits for the
 * ACK; with TERN_CMD_TCP_NODELAY it goes at once. */
static void
test_nagle(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;
	uint8_t d[300];
	uint32_t seq;

	(void)state;
	tc_init(&tc, NULL);
	tc_passive_open(&tc, false);
	tc_fill(d, sizeof(d), 27);
	seq = tc.rcv_nxt;
	tc_send(&tc, d, 100);
	tc_out1(&tc, &p);			/* nothing in flight: goes */
	tc_expect(&p, F_ACK | F_PSH, seq, tc.snd_nxt, 100);
	tc_send(&tc, d + 100, 100);
	tc_out_none(&tc);			/* held */
	tc_advance(&tc, 100 * MS);
	tc_out_none(&tc);
	tc_ack(&tc);				/* the ACK releases it */
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK | F_PSH, seq + 100, tc.snd_nxt, 100);
	assert_memory_equal(p.payload, d + 100, 100);
	/* Nagle off: a small segment goes with data in flight */
	assert_int_equal(tern_tcp_nodelay(tc.c, tc.h, 1), 0);
	tc_send(&tc, d + 200, 100);
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK | F_PSH, seq + 200, tc.snd_nxt, 100);
	tc_fini(&tc);
}

/* RFC 5681 3.2: the third duplicate ACK retransmits the missing segment
 * at once (no SACK here: plain duplicate ACKs). */
static void
test_fast_retransmit(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p[8];
	static uint8_t d[5 * 1460];
	uint32_t seq;
	unsigned int i;

	(void)state;
	tc_init(&tc, NULL);
	tc_passive_open(&tc, true);
	assert_int_equal(tern_tcp_nodelay(tc.c, tc.h, 1), 0);
	tc_fill(d, sizeof(d), 28);
	seq = tc.rcv_nxt;
	tc_send(&tc, d, sizeof(d));
	assert_int_equal(tc_out(&tc, p, 8), 5);
	/* segment 1 lost; 2..4 arrive: three duplicate ACKs of `seq` */
	for (i = 0; i < 2; i++) {
		tc_in(&tc, TSEG(.flags = F_ACK, .abs = true, .seq = tc.snd_nxt, .ack = seq));
		tc_out_none(&tc);
	}
	tc_in(&tc, TSEG(.flags = F_ACK, .abs = true, .seq = tc.snd_nxt, .ack = seq));
	tc_out1(&tc, p);
	assert_int_equal(p[0].tcp.seq, seq);
	assert_int_equal(p[0].len, 1460);
	assert_memory_equal(p[0].payload, d, 1460);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_FAST_RETRANS), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_DUPACK), 3);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RTO), 0);
	/* the repair is acknowledged with everything */
	tc_ack(&tc);
	tc_advance(&tc, 10 * SEC);
	tc_out_none(&tc);
	tc_fini(&tc);
}

/* RFC 3042 limited transmit: with cwnd full, the first and the second
 * duplicate ACK each release one new segment; the third retransmits. */
static void
test_limited_transmit(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p[16];
	static uint8_t d[16 * 1448];
	uint32_t seq;

	(void)state;
	tc_init(&tc, NULL);
	tc_passive_open(&tc, false);
	assert_int_equal(tern_tcp_nodelay(tc.c, tc.h, 1), 0);
	tc_fill(d, sizeof(d), 31);
	seq = tc.rcv_nxt;
	tc_send(&tc, d, sizeof(d));
	assert_int_equal(tc_out(&tc, p, 16), 10);	/* IW10 */
	tc_in(&tc, TSEG(.flags = F_ACK, .abs = true, .seq = tc.snd_nxt, .ack = seq));
	tc_out1(&tc, p);
	assert_int_equal(p[0].tcp.seq, seq + 10 * 1448);
	assert_int_equal(p[0].len, 1448);
	tc_in(&tc, TSEG(.flags = F_ACK, .abs = true, .seq = tc.snd_nxt, .ack = seq));
	tc_out1(&tc, p);
	assert_int_equal(p[0].tcp.seq, seq + 11 * 1448);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_LIMITED_TX), 2);
	tc_in(&tc, TSEG(.flags = F_ACK, .abs = true, .seq = tc.snd_nxt, .ack = seq));
	tc_out1(&tc, p);
	assert_int_equal(p[0].tcp.seq, seq);		/* fast retransmit */
	assert_int_equal(tc_ctr(&tc, CTR_TCP_FAST_RETRANS), 1);
	tc_fini(&tc);
}

/* RFC 9293 3.8.6.1 / RFC 1122 4.2.2.17: a zero window is probed with
 * backoff, indefinitely while the peer answers; data resumes when the
 * window opens. */
static void
test_persist_probes(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	static struct parsed_tcp p;
	static uint8_t d[100], got[100];
	uint64_t ivl = 1000 * MS;
	uint32_t una;
	unsigned int i;

	(void)state;
	rto_cfg(&cfg, 3);
	tc_init(&tc, &cfg);
	tc_passive_open(&tc, false);
	una = tc.rcv_nxt;
	tc_in(&tc, TSEG(.flags = F_ACK, .wnd = TSEG_WND_ZERO));
	tc_out_none(&tc);
	tc_fill(d, sizeof(d), 29);
	tc_send(&tc, d, sizeof(d));
	tc_out_none(&tc);			/* window 0: nothing goes */
	for (i = 0; i < 8; i++) {		/* more probes than max_retries */
		if (i < 3) {			/* exact backoff for the first ones */
			tc_advance(&tc, ivl - MS);
			tc_out_none(&tc);
			tc_advance(&tc, MS);
			ivl *= 2;
			tc_out1(&tc, &p);
		} else {
			tc_advance(&tc, (uint64_t)cfg.tcp_rto_max_ms * MS);
			assert_true(tc_out(&tc, &p, 1) >= 1);
		}
		if (p.len == 1) {
			assert_int_equal(p.tcp.seq, una);
			assert_int_equal(p.payload[0], d[0]);
		} else {
			assert_int_equal(p.len, 0);
			assert_int_equal(p.tcp.seq, una - 1);
		}
		tc.rcv_nxt = una;		/* the probe byte is not taken */
		tc_in(&tc, TSEG(.flags = F_ACK, .wnd = TSEG_WND_ZERO));
		tc_out_none(&tc);
		assert_int_equal(tc_state(&tc), TCP_ST_ESTABLISHED);
	}
	assert_true(tc_ctr(&tc, CTR_TCP_TX_ZERO_WND_PROBE) >= 8);
	tc_no_ev(&tc);
	/* the window opens: everything goes */
	tc_in(&tc, TSEG(.flags = F_ACK));
	tc_out1(&tc, &p);
	assert_int_equal(p.tcp.seq, una);
	assert_int_equal(p.len, sizeof(d));
	memcpy(got, p.payload, p.len);
	assert_memory_equal(got, d, sizeof(d));
	tc_fini(&tc);
}

/* tcp_sndbuf: the send that fills the queue raises TERN_EV_TCP_FULL; a
 * send issued before the app saw it is still taken (in order); WRITABLE
 * follows the ACK that empties the queue below half; at twice the limit a
 * send comes back with -ENOBUFS and its chain. */
static void
test_sndbuf_full_writable_refused(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	static struct parsed_tcp p[16];
	static uint8_t d[8192];
	struct tern_event ev;
	struct rte_mbuf *m;

	(void)state;
	tcfg_default(&cfg);
	cfg.tcp_sndbuf = 8192;
	tc_init(&tc, &cfg);
	tc_passive_open(&tc, false);
	assert_int_equal(tern_tcp_nodelay(tc.c, tc.h, 1), 0);
	tc_fill(d, sizeof(d), 30);
	tc_send(&tc, d, sizeof(d));
	assert_int_equal(tc_out(&tc, p, 16), 6);
	ev = tc_ev_type(&tc, TERN_EV_TCP_FULL);
	assert_int_equal(ev.handle, tc.h);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_SND_FULL), 1);
	/* a "blind" send behind the limit is queued, not refused */
	m = tc_mbuf(d, 10);
	assert_int_equal(tern_tcp_send(tc.c, tc.h, m), 0);
	tc_run(&tc);
	tc_no_ev(&tc);
	tc_out1(&tc, p);
	assert_int_equal(p[0].len, 10);
	tc_ack(&tc);
	ev = tc_ev_type(&tc, TERN_EV_TCP_WRITABLE);
	assert_int_equal(ev.len, 8192);
	/* an app ignoring FULL: at twice the limit the chain comes back */
	tc_send(&tc, d, sizeof(d));
	tc_send(&tc, d, sizeof(d));
	m = tc_mbuf(d, 10);
	assert_int_equal(tern_tcp_send(tc.c, tc.h, m), 0);
	tc_run(&tc);
	ev = tc_ev_type(&tc, TERN_EV_TCP_FULL);
	ev = tc_ev(&tc);			/* keeps ev.m: it is ours again */
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -ENOBUFS);
	assert_ptr_equal(ev.m, m);
	assert_int_equal(ev.len, 10);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_SND_REFUSED), 1);
	rte_pktmbuf_free(m);
	tc_fini(&tc);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, tc_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_send_10k_segmented),
		T(test_send_respects_peer_mss),
		T(test_send_within_peer_window),
		T(test_rto_backoff_and_abort),
		T(test_rto_restart_after_ack),
		T(test_rto_from_handshake_rtt),
		T(test_nagle),
		T(test_fast_retransmit),
		T(test_limited_transmit),
		T(test_persist_probes),
		T(test_persist_gives_up_unanswered),
		T(test_sndbuf_full_writable_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
