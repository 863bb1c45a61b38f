/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Connection establishment (RFC 9293 3.5, 3.10.7.2-3, RFC 7323 options,
 * RFC 6298 5 backoff for SYN/SYN-ACK): passive and active open with and
 * without options, simultaneous open, SYN-ACK and SYN retransmission with
 * exponential backoff and give-up, refused connects, the backlog, and the
 * RSTs sent for segments that find no connection (3.10.7.1).
 * Every test drives a stack on a virtual interface through the peer view
 * of tests/harness/tcp_frames.h, in simulated time.
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "tcp_frames.h"

/* ---- passive open -------------------------------------------------------- */

static void
test_passive_open_full_options(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;
	uint8_t d[10];
	uint32_t tsval;

	(void)state;
	tc_init(&tc, NULL);
	tc_passive_open(&tc, false);
	/* RFC 7323 2.3: a shift that lets the whole buffer be advertised */
	assert_true(tc.tern_ws <= TCP_WSCALE_MAX);
	assert_true((tc.cfg.tcp_rcvbuf >> tc.tern_ws) <= 65535u);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_PASSIVE_OPENS), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_ESTABLISHED), 1);
	/* after the handshake: TS on every segment, window scaled */
	tc_fill(d, sizeof(d), 1);
	tsval = tc.ts_val;
	tc_data(&tc, d, sizeof(d), F_PSH);
	tc_ev_type(&tc, TERN_EV_TCP_DATA);
	tc_advance(&tc, (uint64_t)tc.cfg.tcp_delack_ms * MS);
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.irs + 1, tc.snd_nxt, 0);
	assert_true(p.tcp.opts.present & TCP_OPTF_TS);
	assert_int_equal(p.tcp.opts.ts_ecr, tsval);	/* TS.Recent, RFC 7323 4.3 */
	assert_int_equal(p.tcp.opts.present & (TCP_OPTF_MSS | TCP_OPTF_WSCALE |
					       TCP_OPTF_SACK_PERM), 0);
	/* 10 bytes delivered and not credited */
	assert_int_equal((uint32_t)p.tcp.wnd << tc.tern_ws,
			 ((tc.cfg.tcp_rcvbuf - 10) >> tc.tern_ws) << tc.tern_ws);
	tc_fini(&tc);
}

static void
test_passive_open_no_options(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;
	uint8_t d[10];

	(void)state;
	tc_init(&tc, NULL);
	tc_passive_open(&tc, true);
	tc_fill(d, sizeof(d), 2);
	tc_data(&tc, d, sizeof(d), F_PSH);
	tc_ev_type(&tc, TERN_EV_TCP_DATA);
	tc_advance(&tc, (uint64_t)tc.cfg.tcp_delack_ms * MS);
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.irs + 1, tc.snd_nxt, 0);
	assert_int_equal(p.tcp.opts.present, 0);	/* no TS without agreement */
	assert_int_equal(p.tcp.hdr_len, TCP_HDR_LEN);
	/* no scaling: the raw field is the window, capped at 65535; the 10
	 * bytes the app holds do not move the right edge (RFC 9293 3.8.6.2.2:
	 * only by min(RCV.BUFF/2, MSS) or more), so the edge stays put */
	assert_int_equal(p.tcp.wnd, 65535 - sizeof(d));
	tc_fini(&tc);
}

/* RFC 7323 2.2/3.2: options only count when both SYNs carry them. Peer
 * offers timestamps alone. */
static void
test_passive_open_ts_only(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;
	struct tcp_opts o;

	(void)state;
	tc_init(&tc, NULL);
	tc_listen(&tc, 0);
	tc.pport = PEER_PORT;
	memset(&o, 0, sizeof(o));
	o.present = TCP_OPTF_MSS | TCP_OPTF_TS;
	o.mss = 1200;
	o.ts_val = 777;
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = o));
	tc.snd_nxt++;
	tc_out1(&tc, &p);
	tc_expect(&p, F_SYN | F_ACK, p.tcp.seq, PEER_ISS + 1, 0);
	assert_true(p.tcp.opts.present & TCP_OPTF_TS);
	assert_int_equal(p.tcp.opts.ts_ecr, 777);
	assert_int_equal(p.tcp.opts.present & (TCP_OPTF_WSCALE | TCP_OPTF_SACK_PERM), 0);
	tc_fini(&tc);
}

/* A SYN that also carries FIN opens nothing: no SYN-ACK, no connection,
 * a counted drop (Linux does the same; issue 12 item 5). */
static void
test_listen_syn_fin_dropped(void **state)
{
	struct tconn tc;

	(void)state;
	tc_init(&tc, NULL);
	tc_listen(&tc, 0);
	tc.pport = PEER_PORT;
	tc_in(&tc, TSEG(.flags = F_SYN | F_FIN, .raw_opts = true, .opts = tc_syn_opts_full(&tc)));
	tc_out_none(&tc);
	tc_no_ev(&tc);
	assert_int_equal(tern_stats_get(tc.s, CTR_TCP_RX_SYN_FIN), 1);
	assert_int_equal(tern_stats_get(tc.s, CTR_TCP_PASSIVE_OPENS), 0);
	assert_null(tcp_conn_lookup(tc.s, OUR_IP, LISTEN_PORT, PEER_IP, PEER_PORT));
	/* the listener still works */
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(&tc)));
	assert_non_null(tcp_conn_lookup(tc.s, OUR_IP, LISTEN_PORT, PEER_IP, PEER_PORT));
	tc_fini(&tc);
}

static void
test_passive_open_bad_ack_in_syn_received(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;
	uint32_t iss;

	(void)state;
	tc_init(&tc, NULL);
	tc_listen(&tc, 0);
	tc.pport = PEER_PORT;
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(&tc)));
	tc.snd_nxt++;
	tc_out1(&tc, &p);
	iss = p.tcp.seq;
	tc.ts_ok = true;
	/* RFC 9293 3.10.7.4 fifth: unacceptable ACK in SYN-RECEIVED ->
	 * <SEQ=SEG.ACK><CTL=RST>, the connection stays */
	tc_in(&tc, TSEG(.flags = F_ACK, .abs = true, .seq = PEER_ISS + 1, .ack = iss + 1000));
	tc_out1(&tc, &p);
	tc_expect(&p, F_RST, iss + 1000, 0, 0);
	assert_int_equal(tc_state(&tc), TCP_ST_SYN_RECEIVED);
	tc_no_ev(&tc);
	/* the right ACK still completes it */
	tc_ack(&tc);
	tc_ev_type(&tc, TERN_EV_TCP_ACCEPTED);
	assert_int_equal(tc_state(&tc), TCP_ST_ESTABLISHED);
	tc_fini(&tc);
}

/* ---- active open ------------------------------------------------------------ */

static void
test_active_open(void **state)
{
	struct tconn tc;

	(void)state;
	tc_init(&tc, NULL);
	tc_active_open(&tc, false);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_ACTIVE_OPENS), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_ESTABLISHED), 1);
	tc_fini(&tc);
}

static void
test_active_open_plain_peer(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;
	uint8_t d[100];

	(void)state;
	tc_init(&tc, NULL);
	tc_active_open(&tc, true);
	/* no TS agreed: our data carries no options at all */
	assert_int_equal(tern_tcp_nodelay(tc.c, tc.h, 1), 0);
	tc_fill(d, sizeof(d), 3);
	tc_send(&tc, d, sizeof(d));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK | F_PSH, tc.irs + 1, tc.snd_nxt, sizeof(d));
	assert_int_equal(p.tcp.opts.present, 0);
	assert_memory_equal(p.payload, d, sizeof(d));
	tc_fini(&tc);
}

/* RFC 9293 3.10.7.3: an ACK outside (ISS, SND.NXT] in SYN-SENT gets
 * <SEQ=SEG.ACK><CTL=RST>, the connection stays in SYN-SENT. */
static void
test_syn_sent_bad_ack_gets_rst(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;

	(void)state;
	tc_init(&tc, NULL);
	tc.lport = OUR_ACTIVE_PORT;
	tc.pport = PEER_LISTEN_PORT;
	assert_int_equal(tern_tcp_connect(tc.c, PEER_IP, PEER_LISTEN_PORT,
					  OUR_ACTIVE_PORT, 1), 0);
	tc_run(&tc);
	tc_connecting(&tc, 1);
	tc_out1(&tc, &p);
	tc_expect(&p, F_SYN, p.tcp.seq, 0, 0);
	tc_in(&tc, TSEG(.flags = F_SYN | F_ACK, .dack = 5, .raw_opts = true,
			.opts = tc_syn_opts_full(&tc)));
	tc_out1(&tc, &p);
	tc_expect(&p, F_RST, tc.irs + 6, 0, 0);
	assert_int_equal(tc_state(&tc), TCP_ST_SYN_SENT);
	tc_no_ev(&tc);
	/* a RST with an unacceptable ACK is dropped (no RST for a RST) */
	tc_in(&tc, TSEG(.flags = F_RST | F_ACK, .dack = 7, .no_opts = true));
	tc_out_none(&tc);
	/* a RST without ACK in SYN-SENT is dropped */
	tc_in(&tc, TSEG(.flags = F_RST, .no_opts = true));
	tc_out_none(&tc);
	assert_int_equal(tc_state(&tc), TCP_ST_SYN_SENT);
	tc_no_ev(&tc);
	tc_fini(&tc);
}

static void
test_connect_refused(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;
	struct tern_event ev;

	(void)state;
	tc_init(&tc, NULL);
	tc.lport = OUR_ACTIVE_PORT;
	tc.pport = PEER_LISTEN_PORT;
	assert_int_equal(tern_tcp_connect(tc.c, PEER_IP, PEER_LISTEN_PORT,
					  OUR_ACTIVE_PORT, 0xabc), 0);
	tc_run(&tc);
	tc_connecting(&tc, 0xabc);
	tc_out1(&tc, &p);
	tc_in(&tc, TSEG(.flags = F_RST | F_ACK, .abs = true, .seq = 0, .ack = tc.irs + 1,
			.no_opts = true));
	tc_out_none(&tc);
	ev = tc_ev_type(&tc, TERN_EV_TCP_CLOSED);
	assert_int_equal(ev.status, -ECONNREFUSED);
	assert_int_equal(ev.cookie, 0xabc);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSED);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_REFUSED), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_CLOSED), 1);
	tc_fini(&tc);
}

/* A connect from an explicit local port whose 4-tuple is in use is
 * refused with -EADDRINUSE; the connection holding the 4-tuple keeps its
 * table entry (a second insert would repoint it to the new TCB). */
static void
test_connect_explicit_port_in_use(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;
	struct tern_event ev;
	struct tcb *first;

	(void)state;
	tc_init(&tc, NULL);
	tc.lport = OUR_ACTIVE_PORT;
	tc.pport = PEER_LISTEN_PORT;
	assert_int_equal(tern_tcp_connect(tc.c, PEER_IP, PEER_LISTEN_PORT,
					  OUR_ACTIVE_PORT, 1), 0);
	tc_run(&tc);
	tc_connecting(&tc, 1);
	tc_out1(&tc, &p);
	tc_expect(&p, F_SYN, p.tcp.seq, 0, 0);
	first = tcp_conn_lookup(tc.s, OUR_IP, OUR_ACTIVE_PORT, PEER_IP, PEER_LISTEN_PORT);
	assert_non_null(first);
	assert_int_equal(tern_tcp_connect(tc.c, PEER_IP, PEER_LISTEN_PORT,
					  OUR_ACTIVE_PORT, 2), 0);
	tc_run(&tc);
	tc_out_none(&tc);
	ev = tc_ev_type(&tc, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EADDRINUSE);
	assert_int_equal(ev.cookie, 2);
	assert_ptr_equal(tcp_conn_lookup(tc.s, OUR_IP, OUR_ACTIVE_PORT, PEER_IP,
					 PEER_LISTEN_PORT), first);
	assert_int_equal(tc.s->tcp->n_used, 1);
	assert_int_equal(tc_state(&tc), TCP_ST_SYN_SENT);
	/* another destination port from the same local port is a new 4-tuple */
	assert_int_equal(tern_tcp_connect(tc.c, PEER_IP, PEER_LISTEN_PORT + 1,
					  OUR_ACTIVE_PORT, 3), 0);
	tc_run(&tc);
	tc.pport = PEER_LISTEN_PORT + 1;
	tc_connecting(&tc, 3);
	tc_out1(&tc, &p);
	tc_expect(&p, F_SYN, p.tcp.seq, 0, 0);
	assert_int_equal(tc.s->tcp->n_used, 2);
	tc_fini(&tc);
}

/* RFC 6298 5.5 backoff for the SYN, then give up: CLOSED -ETIMEDOUT. */
static void
test_connect_timeout_backoff(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	static struct parsed_tcp p;
	struct tern_event ev;
	uint64_t rto, t0;
	uint32_t iss;
	unsigned int i;

	(void)state;
	tcfg_default(&cfg);
	cfg.tcp_syn_retries = 3;
	tc_init(&tc, &cfg);
	rto = (uint64_t)cfg.tcp_rto_init_ms * MS;
	tc.lport = OUR_ACTIVE_PORT;
	tc.pport = PEER_LISTEN_PORT;
	assert_int_equal(tern_tcp_connect(tc.c, PEER_IP, PEER_LISTEN_PORT,
					  OUR_ACTIVE_PORT, 9), 0);
	tc_run(&tc);
	tc_connecting(&tc, 9);
	tc_out1(&tc, &p);
	iss = p.tcp.seq;
	t0 = tc.now;
	for (i = 0; i < 3; i++) {
		tc_advance(&tc, rto - MS);
		tc_out_none(&tc);
		tc_advance(&tc, MS);
		tc_out1(&tc, &p);
		tc_expect(&p, F_SYN, iss, 0, 0);
		assert_true(p.tcp.opts.present & TCP_OPTF_MSS);
		rto *= 2;
	}
	assert_int_equal(tc.now - t0, 7 * SEC);
	tc_advance(&tc, rto - MS);
	tc_out_none(&tc);
	tc_no_ev(&tc);
	tc_advance(&tc, MS);
	tc_out_none(&tc);		/* nothing to reset */
	ev = tc_ev_type(&tc, TERN_EV_TCP_CLOSED);
	assert_int_equal(ev.status, -ETIMEDOUT);
	assert_int_equal(ev.cookie, 9);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSED);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_SYN_TIMEOUT), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_CLOSED), 1);
	tc_fini(&tc);
}

/* RFC 9293 figure 8: both sides send SYN, both answer SYN-ACK. */
static void
test_simultaneous_open(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;
	struct tern_event ev;
	uint32_t iss;
	unsigned int n;

	(void)state;
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
	/* the peer's SYN crosses ours */
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(&tc)));
	tc_out1(&tc, &p);
	tc_expect(&p, F_SYN | F_ACK, iss, PEER_ISS + 1, 0);
	assert_true(p.tcp.opts.present & TCP_OPTF_MSS);
	assert_true(p.tcp.opts.present & TCP_OPTF_TS);
	assert_int_equal(tc_state(&tc), TCP_ST_SYN_RECEIVED);
	tc_no_ev(&tc);
	/* the peer's SYN-ACK */
	tc_in(&tc, TSEG(.flags = F_SYN | F_ACK, .raw_opts = true,
			.opts = tc_syn_opts_full(&tc)));
	tc.snd_nxt++;
	tc.ws_ok = tc.ts_ok = tc.sack_ok = true;
	n = tc_out(&tc, &p, 1);
	if (n == 1 && p.tcp.flags != F_ACK)
		print_error("after the peer's SYN-ACK: flags 0x%x seq %u ack %u, state %s\n",
			    p.tcp.flags, p.tcp.seq, p.tcp.ack, tcp_state_name(tc_state(&tc)));
	/* RFC 9293 fig. 8 line 6: ESTABLISHED; our SYN-ACK is already on its
	 * way, so at most a pure ACK goes out, never another SYN */
	assert_int_equal(tc_state(&tc), TCP_ST_ESTABLISHED);
	assert_true(n <= 1);
	if (n == 1)
		tc_expect(&p, F_ACK, iss + 1, PEER_ISS + 1, 0);
	ev = tc_ev_type(&tc, TERN_EV_TCP_CONNECTED);
	assert_int_equal(ev.cookie, 5);
	tc.h = ev.handle;
	/* and data flows */
	{
		uint8_t d[3] = { 1, 2, 3 };

		tc_data(&tc, d, 3, F_PSH);
		ev = tc_ev(&tc);
		assert_int_equal(ev.type, TERN_EV_TCP_DATA);
		assert_int_equal(ev.len, 3);
		rte_pktmbuf_free(ev.m);
	}
	tc_fini(&tc);
}

/* ---- SYN-ACK retransmission ------------------------------------------------ */

static void
test_synack_retransmit_backoff_and_giveup(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	static struct parsed_tcp p;
	uint64_t rto;
	uint32_t iss;
	unsigned int i;

	(void)state;
	tcfg_default(&cfg);
	cfg.tcp_synack_retries = 3;
	tc_init(&tc, &cfg);
	tc_listen(&tc, 0);
	tc.pport = PEER_PORT;
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(&tc)));
	tc.snd_nxt++;
	tc_out1(&tc, &p);
	iss = p.tcp.seq;
	rto = (uint64_t)cfg.tcp_rto_init_ms * MS;
	for (i = 0; i < 3; i++) {
		tc_advance(&tc, rto - MS);
		tc_out_none(&tc);
		tc_advance(&tc, MS);
		tc_out1(&tc, &p);
		tc_expect(&p, F_SYN | F_ACK, iss, PEER_ISS + 1, 0);
		assert_int_equal(p.tcp.opts.mss, 1460);
		rto *= 2;
	}
	tc_advance(&tc, rto - MS);
	tc_out_none(&tc);
	assert_int_equal(tc_state(&tc), TCP_ST_SYN_RECEIVED);
	tc_advance(&tc, MS);
	tc_out1(&tc, &p);
	assert_int_equal(p.tcp.flags & ~F_ACK, F_RST);
	assert_int_equal(p.tcp.seq, iss + 1);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSED);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_SYNACK_TIMEOUT), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_CLOSED), 1);
	tc_no_ev(&tc);			/* the app never knew it */
	/* the listener took the slot back: a new SYN is answered */
	tc.snd_nxt = PEER_ISS + 5000;
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(&tc)));
	tc_out1(&tc, &p);
	tc_expect(&p, F_SYN | F_ACK, p.tcp.seq, PEER_ISS + 5001, 0);
	tc_fini(&tc);
}

/* ---- backlog ------------------------------------------------------------------ */

/* tcp.syncookies = off: a SYN beyond the backlog is dropped (counted). */
static void
test_backlog_full_drops_syn(void **state)
{
	struct tern_config cfg;
	struct tconn tc, b;
	static struct parsed_tcp p;

	(void)state;
	tcfg_default(&cfg);
	cfg.tcp_syncookies = TERN_TCP_SYNCOOKIES_OFF;
	tc_init(&tc, &cfg);
	tc_listen(&tc, 1);
	tc.pport = PEER_PORT;
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(&tc)));
	tc.snd_nxt++;
	tc_out1(&tc, &p);
	tc.ts_ok = tc.ws_ok = tc.sack_ok = true;

	b = tc;
	b.pport = PEER_PORT + 1;
	b.snd_nxt = PEER_ISS + 77;
	tc_in(&b, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(&b)));
	tc_out_none(&b);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_BACKLOG), 1);
	assert_int_equal(tc_state(&b), TCP_ST_CLOSED);

	/* once the first is established, the slot is free again */
	tc_ack(&tc);
	tc_ev_type(&tc, TERN_EV_TCP_ACCEPTED);
	tc_in(&b, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(&b)));
	tc_out1(&b, &p);
	tc_expect(&p, F_SYN | F_ACK, p.tcp.seq, PEER_ISS + 78, 0);
	assert_int_equal(tc_state(&b), TCP_ST_SYN_RECEIVED);
	tc_fini(&tc);
}

/* ---- segments for no connection (RFC 9293 3.10.7.1) ------------------------- */

static void
test_closed_port_rst(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;
	uint8_t d[5] = { 1, 2, 3, 4, 5 };

	(void)state;
	tc_init(&tc, NULL);
	tc.lport = 81;
	tc.pport = PEER_PORT;
	/* SYN: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, SYN counts */
	tc_in(&tc, TSEG(.flags = F_SYN, .abs = true, .seq = 1000,
			.raw_opts = true, .opts = tc_syn_opts_full(&tc)));
	tc_out1(&tc, &p);
	tc_expect(&p, F_RST | F_ACK, 0, 1001, 0);
	assert_int_equal(p.tcp.opts.present, 0);
	/* data + FIN without ACK: ack covers the data and the FIN */
	tc_in(&tc, TSEG(.flags = F_FIN, .abs = true, .seq = 2000, .data = d, .len = 5));
	tc_out1(&tc, &p);
	tc_expect(&p, F_RST | F_ACK, 0, 2006, 0);
	/* an ACK segment: <SEQ=SEG.ACK><CTL=RST> */
	tc_in(&tc, TSEG(.flags = F_ACK, .abs = true, .seq = 3000, .ack = 0xfffffff0,
			.data = d, .len = 5));
	tc_out1(&tc, &p);
	tc_expect(&p, F_RST, 0xfffffff0, 0, 0);
	/* never a RST for a RST */
	tc_in(&tc, TSEG(.flags = F_RST, .abs = true, .seq = 4000));
	tc_out_none(&tc);
	tc_in(&tc, TSEG(.flags = F_RST | F_ACK, .abs = true, .seq = 4000, .ack = 5));
	tc_out_none(&tc);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_NO_CONN), 5);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_RST), 3);
	tc_fini(&tc);
}

/* A listener answers anything but a SYN as a closed port would for an ACK,
 * and ignores a RST (RFC 9293 3.10.7.2). */
static void
test_listener_non_syn(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;

	(void)state;
	tc_init(&tc, NULL);
	tc_listen(&tc, 0);
	tc.pport = PEER_PORT;
	tc_in(&tc, TSEG(.flags = F_ACK, .abs = true, .seq = 10, .ack = 12345));
	tc_out1(&tc, &p);
	tc_expect(&p, F_RST, 12345, 0, 0);
	tc_in(&tc, TSEG(.flags = F_RST, .abs = true, .seq = 10));
	tc_out_none(&tc);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSED);
	tc_no_ev(&tc);
	tc_fini(&tc);
}

/* A checksum error is dropped and counted, never answered. */
static void
test_bad_checksum_dropped(void **state)
{
	struct tconn tc;
	struct rte_mbuf *m;
	uint8_t *b;

	(void)state;
	tc_init(&tc, NULL);
	tc_listen(&tc, 0);
	tc.pport = PEER_PORT;
	m = tc_build(&tc, TSEG(.flags = F_SYN, .raw_opts = true,
			       .opts = tc_syn_opts_full(&tc)));
	b = rte_pktmbuf_mtod(m, uint8_t *);
	b[ETH_HDR_LEN + IP4_HDR_LEN + 4] ^= 0x01;	/* seq, not the checksum */
	tstack_rx(tc.s, m, tc.now);
	tc_out_none(&tc);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_BAD_CSUM), 1);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSED);
	tc_fini(&tc);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, tc_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_passive_open_full_options),
		T(test_passive_open_no_options),
		T(test_passive_open_ts_only),
		T(test_listen_syn_fin_dropped),
		T(test_passive_open_bad_ack_in_syn_received),
		T(test_active_open),
		T(test_active_open_plain_peer),
		T(test_syn_sent_bad_ack_gets_rst),
		T(test_connect_refused),
		T(test_connect_explicit_port_in_use),
		T(test_connect_timeout_backoff),
		T(test_simultaneous_open),
		T(test_synack_retransmit_backoff_and_giveup),
		T(test_backlog_full_drops_syn),
		T(test_closed_port_rst),
		T(test_listener_non_syn),
		T(test_bad_checksum_dropped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
