/* SPDX-License-Identifier: BSD-3-Clause
 *
 * SYN cookies (RFC 4987 3.6) and the bounds on SYN-ACKs (issue 11): a full
 * backlog answers with a cookie and keeps nothing; the returning ACK (with
 * and without timestamps, window scale, SACK, with data) creates the
 * connection in ESTABLISHED with the options the cookie kept; forged,
 * stale (two slots old) and foreign (other 4-tuple, other ISN) cookies are
 * counted drops answered with a RST; `always` mode keeps no half-open
 * state; half-open entries of a listener under pressure are not
 * retransmitted, and the per-stack SYN-ACK retransmission budget holds.
 * Drives a stack on a virtual interface through tests/harness/tcp_frames.h
 * in simulated time; every test ends with no TCB left and the mbuf pool
 * back at its level (tc_teardown).
 */
#include <string.h>

#include "harness.h"
#include "tcp_frames.h"

#define FILL_PORT 39000		/* the peer port whose SYN fills a backlog of 1 */

/* A listener with backlog 1, full: one SYN-RECEIVED entry from FILL_PORT. */
static void
listen_full(struct tconn *tc)
{
	struct tconn f;
	static struct parsed_tcp p;

	tc_listen(tc, 1);
	f = *tc;
	f.pport = FILL_PORT;
	tc_in(&f, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(&f)));
	tc_out1(&f, &p);
	tc_expect(&p, F_SYN | F_ACK, p.tcp.seq, PEER_ISS + 1, 0);
	assert_int_equal(tc->s->tcp->n_used, 1);
	tc->pport = PEER_PORT;
	tc->snd_nxt = PEER_ISS + 500;
}

/* The peer's SYN with options `o`; returns our SYN-ACK (a cookie), checked
 * to answer it, and leaves the peer's view ready for its ACK. */
static void
syn_for_cookie(struct tconn *tc, const struct tcp_opts *o, struct parsed_tcp *p)
{
	uint32_t used = tc->s->tcp->n_used;
	uint64_t sent = tc_ctr(tc, CTR_TCP_COOKIE_SENT);

	tc_in(tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = *o));
	tc->snd_nxt++;
	tc_out1(tc, p);
	tc_expect(p, F_SYN | F_ACK, p->tcp.seq, tc->snd_nxt, 0);
	/* nothing kept */
	assert_int_equal(tc->s->tcp->n_used, used);
	assert_int_equal(tc_state(tc), TCP_ST_CLOSED);
	assert_int_equal(tc_ctr(tc, CTR_TCP_COOKIE_SENT), sent + 1);
	assert_int_equal(p->tcp.wnd, RTE_MIN(tc->cfg.tcp_rcvbuf, 65535u));
	tc->ts_ok = (p->tcp.opts.present & TCP_OPTF_TS) != 0;
	tc->ws_ok = (p->tcp.opts.present & TCP_OPTF_WSCALE) != 0;
	tc->sack_ok = (p->tcp.opts.present & TCP_OPTF_SACK_PERM) != 0;
	tc->ws_shift = tc->ws_ok ? o->wscale : 0;
}

static const struct tcb *
tcb_of(const struct tconn *tc)
{
	const struct tcb *tcb = tcp_conn_lookup(tc->s, OUR_IP, tc->lport, PEER_IP, tc->pport);

	assert_non_null(tcb);
	return tcb;
}

/* The ACK of a cookie: ESTABLISHED at once, the app told. */
static void
ack_cookie(struct tconn *tc)
{
	struct tern_event ev;

	tc_ack(tc);
	tc_out_none(tc);
	ev = tc_ev_type(tc, TERN_EV_TCP_ACCEPTED);
	assert_int_equal(ev.cookie, 0x11);
	assert_int_equal(ev.port, tc->pport);
	tc->h = ev.handle;
	assert_int_equal(tc_state(tc), TCP_ST_ESTABLISHED);
}

/* Data both ways, then an abort: the connection works and goes. */
static void
exchange_and_abort(struct tconn *tc)
{
	static struct parsed_tcp p;
	uint8_t d[100];

	tc_fill(d, sizeof(d), 7);
	tc_data(tc, d, sizeof(d), F_PSH);
	tc_ev_type(tc, TERN_EV_TCP_DATA);
	assert_int_equal(tern_tcp_nodelay(tc->c, tc->h, 1), 0);
	tc_send(tc, d, sizeof(d));
	tc_out1(tc, &p);
	tc_expect(&p, F_ACK | F_PSH, tc->irs + 1, tc->snd_nxt, sizeof(d));
	assert_int_equal((p.tcp.opts.present & TCP_OPTF_TS) != 0, tc->ts_ok);
	assert_int_equal(tern_tcp_abort(tc->c, tc->h), 0);
	tc_run(tc);
	tc_out1(tc, &p);
	assert_true(p.tcp.flags & F_RST);
	tc_ev_type(tc, TERN_EV_TCP_CLOSED);
}

/* Free what listen_full left: the filler entry (RST by abort of the
 * listener's half-open entries is not sent: they go quietly). */
static void
drop_filler(struct tconn *tc)
{
	assert_int_equal(tern_tcp_unlisten(tc->c, tc->listener), 0);
	tc_run(tc);
	tc_out(tc, NULL, 0);
	assert_int_equal(tc->s->tcp->n_used, 0);
}

/* ---- the cookie round trip ---------------------------------------------- */

static void
test_cookie_full_options(void **state)
{
	static struct parsed_tcp p;
	struct tcp_opts o;
	const struct tcb *tcb;
	struct tconn tc;

	(void)state;
	tc_init(&tc, NULL);
	listen_full(&tc);
	o = tc_syn_opts_full(&tc);
	syn_for_cookie(&tc, &o, &p);
	assert_int_equal(p.tcp.opts.mss, 1460);
	assert_true(p.tcp.opts.present & TCP_OPTF_WSCALE);
	assert_true(p.tcp.opts.present & TCP_OPTF_SACK_PERM);
	assert_true(p.tcp.opts.present & TCP_OPTF_TS);
	assert_int_equal(p.tcp.opts.ts_ecr, tc.ts_val);
	/* TSval keeps the peer's shift and SACK-permitted in its low bits */
	assert_int_equal(p.tcp.opts.ts_val & 0x1f, 0x10 | PEER_WSCALE);
	ack_cookie(&tc);
	tcb = tcb_of(&tc);
	assert_int_equal(tcb->mss, 1460);
	assert_int_equal(tcb->snd.wscale, PEER_WSCALE);
	assert_int_equal(tcb->rcv.wscale, tc.tern_ws);
	assert_true(tcb->rcv.wscale > 0);
	assert_int_equal(tcb->flags & (TCB_F_WS_OK | TCB_F_SACK_OK | TCB_F_TS_OK),
			 TCB_F_WS_OK | TCB_F_SACK_OK | TCB_F_TS_OK);
	assert_int_equal(tcb->ts.recent, tc.ts_val);
	assert_int_equal(tcb->snd.wnd, 65535u << PEER_WSCALE);
	assert_int_equal(tcb->iss, tc.irs);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_COOKIE_OK), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_PASSIVE_OPENS), 2);
	exchange_and_abort(&tc);
	drop_filler(&tc);
	tc_fini(&tc);
}

/* Without timestamps there is nowhere to keep window scale and SACK: the
 * SYN-ACK offers MSS alone, and the MSS comes back from the ISS. */
static void
test_cookie_no_timestamps(void **state)
{
	static struct parsed_tcp p;
	struct tcp_opts o;
	const struct tcb *tcb;
	struct tconn tc;

	(void)state;
	tc_init(&tc, NULL);
	listen_full(&tc);
	o = tc_syn_opts_full(&tc);
	o.present &= ~TCP_OPTF_TS;
	o.mss = 1400;
	syn_for_cookie(&tc, &o, &p);
	assert_int_equal(p.tcp.opts.present, TCP_OPTF_MSS);
	ack_cookie(&tc);
	tcb = tcb_of(&tc);
	assert_int_equal(tcb->mss, 1400);
	assert_int_equal(tcb->flags & (TCB_F_WS_OK | TCB_F_SACK_OK | TCB_F_TS_OK), 0);
	assert_int_equal(tcb->snd.wscale, 0);
	assert_int_equal(tcb->rcv.wscale, 0);
	exchange_and_abort(&tc);
	drop_filler(&tc);
	tc_fini(&tc);
}

/* Timestamps without window scale or SACK; and an MSS between table
 * entries rounds down (1300 -> 1220). */
static void
test_cookie_ts_only(void **state)
{
	static struct parsed_tcp p;
	struct tcp_opts o;
	const struct tcb *tcb;
	struct tconn tc;

	(void)state;
	tc_init(&tc, NULL);
	listen_full(&tc);
	memset(&o, 0, sizeof(o));
	o.present = TCP_OPTF_MSS | TCP_OPTF_TS;
	o.mss = 1300;
	o.ts_val = tc.ts_val;
	syn_for_cookie(&tc, &o, &p);
	assert_int_equal(p.tcp.opts.present, TCP_OPTF_MSS | TCP_OPTF_TS);
	ack_cookie(&tc);
	tcb = tcb_of(&tc);
	assert_int_equal(tcb->mss, 1220);
	assert_int_equal(tcb->flags & (TCB_F_WS_OK | TCB_F_SACK_OK | TCB_F_TS_OK), TCB_F_TS_OK);
	exchange_and_abort(&tc);
	drop_filler(&tc);
	tc_fini(&tc);
}

/* No options at all: RFC 9293's default MSS. */
static void
test_cookie_no_options(void **state)
{
	static struct parsed_tcp p;
	struct tcp_opts o;
	struct tconn tc;

	(void)state;
	tc_init(&tc, NULL);
	listen_full(&tc);
	memset(&o, 0, sizeof(o));
	syn_for_cookie(&tc, &o, &p);
	ack_cookie(&tc);
	assert_int_equal(tcb_of(&tc)->mss, 536);
	exchange_and_abort(&tc);
	drop_filler(&tc);
	tc_fini(&tc);
}

/* The pure ACK was lost: the peer's first data segment carries the cookie
 * back, and its data is delivered after the accept. */
static void
test_cookie_ack_with_data(void **state)
{
	static struct parsed_tcp p;
	struct tcp_opts o;
	struct tern_event ev;
	struct tconn tc;
	uint8_t d[20];

	(void)state;
	tc_init(&tc, NULL);
	listen_full(&tc);
	o = tc_syn_opts_full(&tc);
	syn_for_cookie(&tc, &o, &p);
	tc_fill(d, sizeof(d), 3);
	tc_data(&tc, d, sizeof(d), F_PSH);
	ev = tc_ev_type(&tc, TERN_EV_TCP_ACCEPTED);
	tc.h = ev.handle;
	ev = tc_ev(&tc);
	assert_int_equal(ev.type, TERN_EV_TCP_DATA);
	assert_int_equal(ev.len, sizeof(d));
	rte_pktmbuf_free(ev.m);
	assert_int_equal(tcb_of(&tc)->rcv.nxt, tc.snd_nxt);
	assert_int_equal(tern_tcp_abort(tc.c, tc.h), 0);
	tc_run(&tc);
	tc_out(&tc, NULL, 0);
	tc_ev_type(&tc, TERN_EV_TCP_CLOSED);
	drop_filler(&tc);
	tc_fini(&tc);
}

/* ---- rejected cookies --------------------------------------------------- */

/* A rejected cookie ACK: <SEQ=SEG.ACK><CTL=RST>, counted, nothing made. */
static void
expect_rejected(struct tconn *tc, struct tseg seg, uint64_t bad)
{
	static struct parsed_tcp p;
	uint32_t used = tc->s->tcp->n_used;
	uint32_t ack;

	tc_in(tc, seg);
	tc_out1(tc, &p);
	ack = seg.abs ? seg.ack : tc->rcv_nxt + (uint32_t)seg.dack;
	tc_expect(&p, F_RST, ack, 0, 0);
	assert_int_equal(tc_ctr(tc, CTR_TCP_COOKIE_BAD), bad);
	assert_int_equal(tc_ctr(tc, CTR_TCP_COOKIE_OK), 0);
	assert_int_equal(tc->s->tcp->n_used, used);
	tc_no_ev(tc);
}

static void
test_cookie_forged(void **state)
{
	static struct parsed_tcp p;
	struct tcp_opts o;
	struct tconn tc, other;

	(void)state;
	tc_init(&tc, NULL);
	listen_full(&tc);
	o = tc_syn_opts_full(&tc);
	syn_for_cookie(&tc, &o, &p);
	/* a flipped MAC bit, the MSS index changed, the parity changed */
	expect_rejected(&tc, TSEG(.flags = F_ACK, .dack = 0x100), 1);
	expect_rejected(&tc, TSEG(.flags = F_ACK, .dack = 1), 2);
	expect_rejected(&tc, TSEG(.flags = F_ACK, .dack = 8), 3);
	/* another 4-tuple (peer port) and another peer ISN */
	other = tc;
	other.pport = PEER_PORT + 1;
	expect_rejected(&other, TSEG(.flags = F_ACK), 4);
	expect_rejected(&tc, TSEG(.flags = F_ACK, .dseq = 1), 5);
	/* a TSecr from the future */
	tc.ts_recent += 1000;
	expect_rejected(&tc, TSEG(.flags = F_ACK), 6);
	tc.ts_recent -= 1000;
	/* the real one still works */
	ack_cookie(&tc);
	exchange_and_abort(&tc);
	drop_filler(&tc);
	tc_fini(&tc);
}

/* A cookie is good in its slot and the next (64-128 s), not two slots on. */
static void
test_cookie_slots(void **state)
{
	static struct parsed_tcp p;
	struct tcp_opts o;
	struct tconn tc;
	uint64_t end;

	(void)state;
	tc_init(&tc, NULL);
	/* start 1 s before a slot ends */
	end = (tc.now / TCP_COOKIE_SLOT_NS + 1) * TCP_COOKIE_SLOT_NS;
	tc_advance(&tc, end - SEC - tc.now);
	listen_full(&tc);
	o = tc_syn_opts_full(&tc);
	syn_for_cookie(&tc, &o, &p);
	/* two slots later: 65 s on (within the two slots after the
	 * listener's last cookie, so the ACK is checked) */
	tc_advance(&tc, 2 * SEC);
	tc_out_none(&tc);		/* the filler is shed, no SYN-ACK */
	tc_advance(&tc, TCP_COOKIE_SLOT_NS - SEC);
	tc.ts_val += 65000;
	expect_rejected(&tc, TSEG(.flags = F_ACK), 1);
	tc_fini(&tc);

	/* one slot later is fine */
	tc_init(&tc, NULL);
	end = (tc.now / TCP_COOKIE_SLOT_NS + 1) * TCP_COOKIE_SLOT_NS;
	tc_advance(&tc, end - SEC - tc.now);
	listen_full(&tc);
	o = tc_syn_opts_full(&tc);
	syn_for_cookie(&tc, &o, &p);
	tc_advance(&tc, 2 * SEC);
	tc_out(&tc, NULL, 0);		/* the filler is shed, no SYN-ACK */
	ack_cookie(&tc);
	exchange_and_abort(&tc);
	assert_int_equal(tern_tcp_unlisten(tc.c, tc.listener), 0);
	tc_run(&tc);
	assert_int_equal(tc.s->tcp->n_used, 0);
	tc_fini(&tc);
}

/* No cookie sent lately: an ACK to a listener is the plain LISTEN case. */
static void
test_no_cookie_check_without_pressure(void **state)
{
	static struct parsed_tcp p;
	struct tconn tc;

	(void)state;
	tc_init(&tc, NULL);
	tc_listen(&tc, 0);
	tc.pport = PEER_PORT;
	tc_in(&tc, TSEG(.flags = F_ACK, .abs = true, .seq = 10, .ack = 12345));
	tc_out1(&tc, &p);
	tc_expect(&p, F_RST, 12345, 0, 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_LISTEN_BAD), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_COOKIE_BAD), 0);
	tc_fini(&tc);
}

/* ---- always ---------------------------------------------------------------- */

static void
test_cookie_always(void **state)
{
	static struct parsed_tcp p;
	struct tern_config cfg;
	struct tcp_opts o;
	struct tconn tc;

	(void)state;
	tcfg_default(&cfg);
	cfg.tcp_syncookies = TERN_TCP_SYNCOOKIES_ALWAYS;
	tc_init(&tc, &cfg);
	tc_listen(&tc, 0);
	tc.pport = PEER_PORT;
	o = tc_syn_opts_full(&tc);
	syn_for_cookie(&tc, &o, &p);
	assert_int_equal(tc.s->tcp->n_used, 0);
	/* nothing kept, nothing resent */
	tc_advance(&tc, 10 * SEC);
	tc_out_none(&tc);
	/* the SYN again: another cookie SYN-ACK */
	tc.snd_nxt--;
	syn_for_cookie(&tc, &o, &p);
	ack_cookie(&tc);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_COOKIE_SENT), 2);
	exchange_and_abort(&tc);
	assert_int_equal(tc.s->tcp->n_used, 0);
	tc_fini(&tc);
}

/* ---- SYN-ACK bounds ------------------------------------------------------- */

/* While the listener sends cookies its half-open entries are not
 * retransmitted: they go at their first timeout. */
static void
test_synack_shed_under_pressure(void **state)
{
	static struct parsed_tcp p;
	struct tcp_opts o;
	struct tconn tc;

	(void)state;
	tc_init(&tc, NULL);
	listen_full(&tc);
	o = tc_syn_opts_full(&tc);
	syn_for_cookie(&tc, &o, &p);
	tc_advance(&tc, (uint64_t)tc.cfg.tcp_rto_init_ms * MS);
	tc_out_none(&tc);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_SYNACK_SHED), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_RETRANS), 0);
	assert_int_equal(tc.s->tcp->n_used, 0);
	tc_no_ev(&tc);
	/* the backlog has room again: a new SYN gets a real entry */
	tc.pport = PEER_PORT + 2;
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = o));
	tc_out1(&tc, &p);
	assert_int_equal(tc_state(&tc), TCP_ST_SYN_RECEIVED);
	tc_fini(&tc);
}

/* tcp.synack_rexmit_per_s bounds what all listeners resend. */
static void
test_synack_budget(void **state)
{
	static struct parsed_tcp p[4];
	struct tern_config cfg;
	struct tcp_opts o;
	struct tconn tc;

	(void)state;
	tcfg_default(&cfg);
	cfg.tcp_synack_rexmit_per_s = 1;
	tc_init(&tc, &cfg);
	tc_listen(&tc, 0);
	o = tc_syn_opts_full(&tc);
	tc.pport = PEER_PORT;
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = o));
	tc_out1(&tc, &p[0]);
	tc.pport = PEER_PORT + 1;
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = o));
	tc_out1(&tc, &p[0]);
	tc.pport = 0;			/* both peers' segments below */
	tc_advance(&tc, (uint64_t)tc.cfg.tcp_rto_init_ms * MS);
	assert_int_equal(tc_out(&tc, p, 4), 1);
	assert_int_equal(p[0].tcp.flags, F_SYN | F_ACK);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_SYNACK_BUDGET), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_RETRANS), 1);
	/* both backed off: the next round 2 s later, one token again */
	tc_advance(&tc, 2 * (uint64_t)tc.cfg.tcp_rto_init_ms * MS);
	assert_int_equal(tc_out(&tc, p, 4), 1);
	tc_fini(&tc);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, tc_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cookie_full_options),
		T(test_cookie_no_timestamps),
		T(test_cookie_ts_only),
		T(test_cookie_no_options),
		T(test_cookie_ack_with_data),
		T(test_cookie_forged),
		T(test_cookie_slots),
		T(test_no_cookie_check_without_pressure),
		T(test_cookie_always),
		T(test_synack_shed_under_pressure),
		T(test_synack_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
