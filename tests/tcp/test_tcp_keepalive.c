/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Keep-alive (RFC 1122 4.2.3.6, RFC 9293 3.8.4): off unless configured;
 * after tcp_keepalive_ms without any segment from the peer, an ACK with
 * seq = SND.UNA - 1 and no data, which the peer must answer; further
 * probes every tcp_keepalive_intvl_ms; after tcp_keepalive_probes
 * unanswered probes the connection is given up (RST, CLOSED -ETIMEDOUT).
 * Anything received restarts the idle period. A connection with data in
 * flight is watched by the retransmission timer, not by keep-alive. The
 * answering side: a probe from the peer gets an ACK. All in simulated time.
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "tcp_frames.h"

#define TICK (100 * 1000ull)		/* the stack's default timer tick */
#define KA_IDLE (10 * SEC)
#define KA_INTVL (1 * SEC)
#define KA_PROBES 3u

static void
ka_cfg(struct tern_config *cfg)
{
	tcfg_default(cfg);
	cfg->tcp_keepalive_ms = 10000;
	cfg->tcp_keepalive_intvl_ms = 1000;
	cfg->tcp_keepalive_probes = KA_PROBES;
}

static struct tcb *
tc_tcb_live(const struct tconn *tc)
{
	struct tcb *tcb = tcp_conn_lookup(tc->s, OUR_IP, tc->lport, PEER_IP, tc->pport);

	assert_non_null(tcb);
	return tcb;
}

/* Advance to absolute time `t` in steps of at most `step`: nothing sent,
 * no event, the connection still there. */
static void
quiet_until(struct tconn *tc, uint64_t t, uint64_t step)
{
	enum tcp_state st = tc_state(tc);

	while (tc->now < t) {
		tc_advance(tc, RTE_MIN(step, t - tc->now));
		tc_out_none(tc);
		tc_no_ev(tc);
		assert_int_equal(tc_state(tc), st);
	}
}

/* A keep-alive probe: ACK only, seq = SND.UNA - 1, acknowledging all the
 * peer sent, no payload. */
static void
check_probe(const struct tconn *tc, const struct parsed_tcp *p)
{
	uint32_t una = tc_tcb_live(tc)->snd.una;

	if (p->tcp.flags != F_ACK || p->tcp.seq != una - 1 || p->len != 0 ||
	    p->tcp.ack != tc->snd_nxt)
		print_error("not a keepalive probe: flags 0x%x seq %u ack %u len %u; "
			    "expected flags 0x%x seq %u (snd.una - 1) ack %u len 0\n",
			    p->tcp.flags, p->tcp.seq, p->tcp.ack, p->len, F_ACK, una - 1,
			    tc->snd_nxt);
	assert_int_equal(p->tcp.flags, F_ACK);
	assert_int_equal(p->tcp.seq, una - 1);
	assert_int_equal(p->tcp.ack, tc->snd_nxt);
	assert_int_equal(p->len, 0);
	/* the probe is below what the peer already has */
	assert_int_equal(tc->rcv_nxt, una);
}

/* Silence up to one tick before `deadline`, then a probe within one tick
 * of it (the wheel runs in 100 us ticks), and nothing else. */
static void
expect_probe_at(struct tconn *tc, uint64_t deadline)
{
	static struct parsed_tcp p[4];
	unsigned int n = 0;

	quiet_until(tc, deadline - 2 * TICK, SEC);
	while (n == 0 && tc->now < deadline + TICK) {
		tc_advance(tc, TICK);
		n = tc_out(tc, p, 4);
	}
	if (n != 1)
		print_error("expected one keepalive probe at %llu ns after the deadline - 2 "
			    "ticks window, got %u segment(s) by %lld ns from the deadline\n",
			    (unsigned long long)(2 * TICK), n,
			    (long long)(tc->now - deadline));
	assert_int_equal(n, 1);
	check_probe(tc, &p[0]);
	tc_no_ev(tc);
	assert_int_equal(tc_state(tc), TCP_ST_ESTABLISHED);
}

/* An ACK from tern for what the peer sent, now or after the delayed-ACK
 * timer. */
static void
ack_soon(struct tconn *tc)
{
	static struct parsed_tcp p;

	if (tc_out(tc, &p, 1) == 0) {
		tc_advance(tc, (uint64_t)tc->cfg.tcp_delack_ms * MS);
		tc_out1(tc, &p);
	}
	tc_expect(&p, F_ACK, tc->rcv_nxt, tc->snd_nxt, 0);
}

/* The connection given up on: a RST at SND.NXT, CLOSED -ETIMEDOUT, the TCB
 * gone, and silence afterwards. */
static void
expect_timeout_abort(struct tconn *tc)
{
	static struct parsed_tcp p;
	struct tern_event ev;
	uint32_t nxt = tc->rcv_nxt;

	tc_out1(tc, &p);
	if (!(p.tcp.flags & F_RST))
		print_error("expected RST, got flags 0x%x seq %u len %u\n", p.tcp.flags,
			    p.tcp.seq, p.len);
	assert_int_equal(p.tcp.flags & ~F_ACK, F_RST);
	assert_int_equal(p.tcp.seq, nxt);
	assert_int_equal(p.len, 0);
	ev = tc_ev_type(tc, TERN_EV_TCP_CLOSED);
	assert_int_equal(ev.status, -ETIMEDOUT);
	assert_int_equal(ev.handle, tc->h);
	tc_no_ev(tc);
	assert_int_equal(tc_state(tc), TCP_ST_CLOSED);
	tc_advance(tc, 100 * SEC);
	tc_out_none(tc);
	tc_no_ev(tc);
}

/* 1. RFC 1122 4.2.3.6: keep-alive MUST default to off. Hours of silence on
 * an idle connection (before and after some traffic) send nothing. */
static void
test_keepalive_off_by_default(void **state)
{
	struct tconn tc;
	uint8_t d[100];

	(void)state;
	tc_init(&tc, NULL);
	assert_int_equal(tc.cfg.tcp_keepalive_ms, 0);
	tc_passive_open(&tc, false);
	quiet_until(&tc, tc.now + 3 * 3600 * SEC, 10 * SEC);
	/* once more after an exchange, and across one long gap */
	tc_fill(d, sizeof(d), 1);
	tc_data(&tc, d, sizeof(d), F_PSH);
	assert_int_equal(tc_ev_type(&tc, TERN_EV_TCP_DATA).len, sizeof(d));
	ack_soon(&tc);
	quiet_until(&tc, tc.now + 2 * 3600 * SEC, 2 * 3600 * SEC);
	quiet_until(&tc, tc.now + 3600 * SEC, 7 * SEC);
	assert_int_equal(tc_state(&tc), TCP_ST_ESTABLISHED);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_KEEPALIVE), 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TIMEOUT), 0);
	tc_fini(&tc);
}

/* 2. Nothing before the idle time; the first probe exactly then; the
 * peer's answer restarts the idle period. */
static void
test_keepalive_first_probe_and_answer(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	uint64_t idle_from, answered;

	(void)state;
	ka_cfg(&cfg);
	tc_init(&tc, &cfg);
	tc_passive_open(&tc, false);
	idle_from = tc.now;			/* the handshake's last ACK */
	quiet_until(&tc, idle_from + KA_IDLE - 2 * TICK, 100 * MS);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_KEEPALIVE), 0);
	expect_probe_at(&tc, idle_from + KA_IDLE);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_KEEPALIVE), 1);
	/* the peer answers with an ACK for what it has (RFC 9293 3.10.7.4) */
	tc_advance(&tc, 200 * MS);
	tc_out_none(&tc);
	answered = tc.now;
	tc_ack(&tc);
	tc_out_none(&tc);			/* nothing owed for a pure ACK */
	/* no probe at idle + intvl, nor anywhere in a full idle period */
	expect_probe_at(&tc, answered + KA_IDLE);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_KEEPALIVE), 2);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TIMEOUT), 0);
	tc_fini(&tc);
}

/* The same after an active open: idle counts from the SYN-ACK. */
static void
test_keepalive_active_open(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	uint64_t idle_from;

	(void)state;
	ka_cfg(&cfg);
	tc_init(&tc, &cfg);
	tc_active_open(&tc, false);
	idle_from = tc.now;
	expect_probe_at(&tc, idle_from + KA_IDLE);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_KEEPALIVE), 1);
	tc_fini(&tc);
}

/* 3. No answer: probes at idle, idle + intvl, idle + 2 intvl; one interval
 * after the last one the connection is given up. */
static void
test_keepalive_unanswered_abort(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	uint64_t d;
	unsigned int i;

	(void)state;
	ka_cfg(&cfg);
	tc_init(&tc, &cfg);
	tc_passive_open(&tc, false);
	d = tc.now + KA_IDLE;
	for (i = 0; i < KA_PROBES; i++) {
		expect_probe_at(&tc, d + i * KA_INTVL);
		assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_KEEPALIVE), i + 1);
	}
	quiet_until(&tc, d + KA_PROBES * KA_INTVL - TICK, 100 * MS);
	assert_int_equal(tc_state(&tc), TCP_ST_ESTABLISHED);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TIMEOUT), 0);
	tc_advance(&tc, TICK);
	if (tc_state(&tc) != TCP_ST_CLOSED)
		tc_advance(&tc, TICK);
	expect_timeout_abort(&tc);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TIMEOUT), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_KEEPALIVE), KA_PROBES);
	tc_fini(&tc);
}

/* An answer to the second probe restarts the count: after a new idle
 * period, three more probes before the connection is given up. */
static void
test_keepalive_answer_restarts_count(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	uint64_t d;
	unsigned int i;

	(void)state;
	ka_cfg(&cfg);
	tc_init(&tc, &cfg);
	tc_passive_open(&tc, false);
	d = tc.now + KA_IDLE;
	expect_probe_at(&tc, d);
	expect_probe_at(&tc, d + KA_INTVL);
	tc_advance(&tc, 500 * MS);
	tc_ack(&tc);
	tc_out_none(&tc);
	d = tc.now + KA_IDLE;
	for (i = 0; i < KA_PROBES; i++)
		expect_probe_at(&tc, d + i * KA_INTVL);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_KEEPALIVE), 2 + KA_PROBES);
	quiet_until(&tc, d + KA_PROBES * KA_INTVL - TICK, 100 * MS);
	tc_advance(&tc, TICK);
	if (tc_state(&tc) != TCP_ST_CLOSED)
		tc_advance(&tc, TICK);
	expect_timeout_abort(&tc);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TIMEOUT), 1);
	tc_fini(&tc);
}

/* 4a. Data from the peer during the idle period pushes the probe back to a
 * full idle period after that data. */
static void
test_keepalive_data_received_defers(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	uint8_t d[100];
	uint64_t t_data;

	(void)state;
	ka_cfg(&cfg);
	tc_init(&tc, &cfg);
	tc_passive_open(&tc, false);
	quiet_until(&tc, tc.now + 6 * SEC, SEC);
	t_data = tc.now;
	tc_fill(d, sizeof(d), 2);
	tc_data(&tc, d, sizeof(d), F_PSH);
	assert_int_equal(tc_ev_type(&tc, TERN_EV_TCP_DATA).len, sizeof(d));
	ack_soon(&tc);
	expect_probe_at(&tc, t_data + KA_IDLE);
	/* and again: a pure ACK (the answer) only, then data after that */
	tc_advance(&tc, 300 * MS);
	tc_ack(&tc);
	tc_out_none(&tc);
	quiet_until(&tc, tc.now + 9 * SEC, SEC);
	t_data = tc.now;
	tc_data(&tc, d, sizeof(d), F_PSH);
	assert_int_equal(tc_ev_type(&tc, TERN_EV_TCP_DATA).len, sizeof(d));
	ack_soon(&tc);
	expect_probe_at(&tc, t_data + KA_IDLE);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_KEEPALIVE), 2);
	tc_fini(&tc);
}

/* 4b. Data sent and acknowledged: the ACK is traffic from the peer, the
 * idle period counts from it (not from our send, RFC 1122: "no data or
 * acknowledgement packets have been received"). */
static void
test_keepalive_data_sent_acked_defers(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	static struct parsed_tcp p;
	uint8_t d[100];
	uint32_t seq;
	uint64_t t_ack;

	(void)state;
	ka_cfg(&cfg);
	tc_init(&tc, &cfg);
	tc_passive_open(&tc, false);
	quiet_until(&tc, tc.now + 3 * SEC, SEC);
	tc_fill(d, sizeof(d), 3);
	seq = tc.rcv_nxt;
	tc_send(&tc, d, sizeof(d));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK | F_PSH, seq, tc.snd_nxt, sizeof(d));
	tc_advance(&tc, 2 * SEC);		/* a slow ACK (RTO is 1 s + ...) */
	/* the RTO may have resent it meanwhile: drain */
	while (tc_out(&tc, &p, 1) > 0)
		assert_int_equal(p.tcp.seq, seq);
	t_ack = tc.now;
	tc_ack(&tc);
	tc_out_none(&tc);
	assert_int_equal(tc_tcb_live(&tc)->snd.una, seq + sizeof(d));
	expect_probe_at(&tc, t_ack + KA_IDLE);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_KEEPALIVE), 1);
	tc_fini(&tc);
}

/* 5. Unacknowledged data: the retransmission timer watches the peer.
 * Throughout the whole backoff, well past the keep-alive idle time and the
 * time keep-alive would have given up, only retransmissions go out, and
 * the connection ends by the RTO's limit. */
static void
test_keepalive_not_with_data_in_flight(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	static struct parsed_tcp p[4];
	uint8_t d[300];
	uint32_t seq;
	uint64_t sent, end;
	unsigned int rexmits = 0, n, i;
	bool closed = false;

	(void)state;
	ka_cfg(&cfg);
	cfg.tcp_rto_init_ms = 1000;
	cfg.tcp_rto_min_ms = 1000;
	cfg.tcp_max_retries = 5;	/* resends at +1, +3, +7, +15, +31 s; abort +63 s */
	tc_init(&tc, &cfg);
	tc_passive_open(&tc, false);
	quiet_until(&tc, tc.now + 5 * SEC, SEC);
	tc_fill(d, sizeof(d), 4);
	seq = tc.rcv_nxt;
	sent = tc.now;
	tc_send(&tc, d, sizeof(d));
	tc_out1(&tc, &p[0]);
	tc_expect(&p[0], F_ACK | F_PSH, seq, tc.snd_nxt, sizeof(d));
	end = sent + 64 * SEC;
	while (tc.now < end && !closed) {
		tc_advance(&tc, 100 * MS);
		n = tc_out(&tc, p, 4);
		assert_true(n <= 1);
		for (i = 0; i < n; i++) {
			if (p[i].tcp.flags & F_RST) {
				closed = true;
				break;
			}
			if (p[i].len == 0)
				print_error("keepalive-like segment at +%llu ms while data is "
					    "in flight: flags 0x%x seq %u\n",
					    (unsigned long long)((tc.now - sent) / MS),
					    p[i].tcp.flags, p[i].tcp.seq);
			assert_int_equal(p[i].tcp.seq, seq);
			assert_int_equal(p[i].len, sizeof(d));
			rexmits++;
		}
		assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_KEEPALIVE), 0);
		if (!closed)
			tc_no_ev(&tc);
	}
	assert_true(closed);
	/* given up by the RTO limit at +63 s, not by keep-alive (+8 s) */
	assert_true(tc.now >= sent + 63 * SEC);
	assert_int_equal(rexmits, 5);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RTO), 5);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_KEEPALIVE), 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TIMEOUT), 1);
	assert_int_equal(tc_ev_type(&tc, TERN_EV_TCP_CLOSED).status, -ETIMEDOUT);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSED);
	tc_fini(&tc);
}

/* 5b. Once the peer finally acknowledges, keep-alive takes over again with
 * the idle period counted from that ACK. */
static void
test_keepalive_resumes_after_rto_recovery(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	static struct parsed_tcp p[4];
	uint8_t d[300];
	uint32_t seq;
	uint64_t sent, t_ack;
	unsigned int n, i;

	(void)state;
	ka_cfg(&cfg);
	cfg.tcp_rto_init_ms = 1000;
	cfg.tcp_rto_min_ms = 1000;
	tc_init(&tc, &cfg);
	tc_passive_open(&tc, false);
	quiet_until(&tc, tc.now + 5 * SEC, SEC);
	tc_fill(d, sizeof(d), 5);
	seq = tc.rcv_nxt;
	sent = tc.now;
	tc_send(&tc, d, sizeof(d));
	tc_out1(&tc, &p[0]);
	/* resends at +1, +3, +7, +15 s; the keep-alive deadline (+5 s) passes */
	while (tc.now < sent + 16 * SEC) {
		tc_advance(&tc, 100 * MS);
		n = tc_out(&tc, p, 4);
		for (i = 0; i < n; i++) {
			assert_int_equal(p[i].tcp.seq, seq);
			assert_int_equal(p[i].len, sizeof(d));
		}
		tc_no_ev(&tc);
	}
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RTO), 4);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_KEEPALIVE), 0);
	t_ack = tc.now;
	tc_ack(&tc);
	tc_out_none(&tc);
	assert_int_equal(tc_tcb_live(&tc)->snd.una, seq + sizeof(d));
	expect_probe_at(&tc, t_ack + KA_IDLE);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_KEEPALIVE), 1);
	tc_fini(&tc);
}

/* The stack loop runs late (a stall of 20 s with the connection idle, past
 * idle + probes * intvl): RFC 1122 4.2.3.6 gives up on a peer only after
 * probes went unanswered; none was sent, so a probe goes out now and the
 * connection stays. */
static void
test_keepalive_late_loop_probes_first(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	static struct parsed_tcp p[4];
	unsigned int n;

	(void)state;
	ka_cfg(&cfg);
	tc_init(&tc, &cfg);
	tc_passive_open(&tc, false);
	tc_advance(&tc, 20 * SEC);
	n = tc_out(&tc, p, 4);
	if (n != 1 || (p[0].tcp.flags & F_RST))
		print_error("after a 20 s stall: %u segment(s), first flags 0x%x; expected "
			    "one keepalive probe (no probe was ever sent)\n", n,
			    n > 0 ? p[0].tcp.flags : 0);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].tcp.flags & F_RST, 0);
	tc_no_ev(&tc);
	assert_int_equal(tc_state(&tc), TCP_ST_ESTABLISHED);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TIMEOUT), 0);
	check_probe(&tc, &p[0]);
	tc_fini(&tc);
}

/* The other side of RFC 1122 4.2.3.6 / RFC 9293 3.10.7.4: a probe from the
 * peer (seq = our RCV.NXT - 1, with or without one garbage octet) is
 * answered with an ACK and delivers nothing. */
static void
test_keepalive_peer_probe_answered(void **state)
{
	struct tconn tc;
	uint8_t junk = 0x5a;

	(void)state;
	tc_init(&tc, NULL);
	tc_passive_open(&tc, false);
	tc_advance(&tc, 30 * SEC);
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = -1));
	tc_expect_ack(&tc, tc.snd_nxt);
	tc_no_ev(&tc);
	tc_advance(&tc, 30 * SEC);
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = -1, .data = &junk, .len = 1));
	tc_expect_ack(&tc, tc.snd_nxt);
	tc_no_ev(&tc);
	assert_int_equal(tc_state(&tc), TCP_ST_ESTABLISHED);
	tc_fini(&tc);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, tc_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_keepalive_off_by_default),
		T(test_keepalive_first_probe_and_answer),
		T(test_keepalive_active_open),
		T(test_keepalive_unanswered_abort),
		T(test_keepalive_answer_restarts_count),
		T(test_keepalive_data_received_defers),
		T(test_keepalive_data_sent_acked_defers),
		T(test_keepalive_not_with_data_in_flight),
		T(test_keepalive_resumes_after_rto_recovery),
		T(test_keepalive_late_loop_probes_first),
		T(test_keepalive_peer_probe_answered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
