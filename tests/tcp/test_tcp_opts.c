/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Per-connection options (tern_tcp_setopt, TERN_CMD_TCP_SETOPT), each seen
 * on the wire where it shows: the MSS option value and the window of the
 * SYN and SYN-ACK (receive buffer, RFC 9293 3.7.1, RFC 7323 2.2), the IPv4
 * TOS and TTL of every segment, the send space the app is given, the
 * keep-alive probes' times (RFC 9293 3.8.4) and the user timeout's abort
 * (RFC 5482, RFC 9293 3.8.3 R2), with the injectable clock. Channel
 * defaults (handle 0) apply to the channel's later connects and listens;
 * a listener's options to the connections it accepts. Refusals come back
 * as TERN_EV_CMD_ERROR with the command's cookie.
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "tcp_frames.h"

#define TICK (100 * 1000ull)		/* the stack's default timer tick */

static void
setopt(struct tconn *tc, uint64_t h, enum tern_tcp_opt opt, uint32_t v)
{
	assert_int_equal(tern_tcp_setopt(tc->c, h, opt, v, 0x77), 0);
}

static void
setopt_fails(struct tconn *tc, uint64_t h, enum tern_tcp_opt opt, uint32_t v, int err)
{
	struct tern_event ev;

	assert_int_equal(tern_tcp_setopt(tc->c, h, opt, v, 0x78), 0);
	tc_run(tc);
	ev = tc_ev_type(tc, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, err);
	assert_int_equal(ev.cookie, 0x78);
}

static struct tcb *
tc_tcb_live(const struct tconn *tc)
{
	struct tcb *tcb = tcp_conn_lookup(tc->s, OUR_IP, tc->lport, PEER_IP, tc->pport);

	assert_non_null(tcb);
	return tcb;
}

/* Channel defaults shape the active open: the SYN offers MSS 1000 and a
 * window of 8192 with shift 0 (8192 needs no scaling), carries TOS 0xb8
 * (DSCP EF) and TTL 7; so does the ACK of the handshake; the send MSS is
 * min(1000, the peer's 1460); CONNECTED gives the 4096-byte send buffer. */
static void
test_channel_defaults_shape_the_syn(void **state)
{
	struct tconn tc;
	struct parsed_tcp p;
	struct tern_event ev;

	(void)state;
	tc_init(&tc, NULL);
	setopt(&tc, 0, TERN_TCP_OPT_RCVBUF, 8192);
	setopt(&tc, 0, TERN_TCP_OPT_SNDBUF, 4096);
	setopt(&tc, 0, TERN_TCP_OPT_MAXSEG, 1000);
	setopt(&tc, 0, TERN_TCP_OPT_TOS, 0xb8);
	setopt(&tc, 0, TERN_TCP_OPT_TTL, 7);
	tc.lport = OUR_ACTIVE_PORT;
	tc.pport = PEER_LISTEN_PORT;
	assert_int_equal(tern_tcp_connect(tc.c, PEER_IP, PEER_LISTEN_PORT,
					  OUR_ACTIVE_PORT, 0x61), 0);
	tc_run(&tc);
	tc_connecting(&tc, 0x61);
	tc_out1(&tc, &p);
	tc_expect(&p, F_SYN, p.tcp.seq, 0, 0);
	assert_int_equal(p.tcp.opts.mss, 1000);
	assert_int_equal(p.tcp.wnd, 8192);
	assert_true(p.tcp.opts.present & TCP_OPTF_WSCALE);
	assert_int_equal(p.tcp.opts.wscale, 0);
	assert_int_equal(p.ip.tos, 0xb8);
	assert_int_equal(p.ip.ttl, 7);
	tc.ws_shift = PEER_WSCALE;
	tc_in(&tc, TSEG(.flags = F_SYN | F_ACK, .raw_opts = true,
			.opts = tc_syn_opts_full(&tc)));
	tc.snd_nxt++;
	tc.ws_ok = tc.sack_ok = tc.ts_ok = true;
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.irs + 1, tc.snd_nxt, 0);
	assert_int_equal(p.tcp.wnd, 8192);	/* shift 0: the buffer itself */
	assert_int_equal(p.ip.tos, 0xb8);
	assert_int_equal(p.ip.ttl, 7);
	ev = tc_ev_type(&tc, TERN_EV_TCP_CONNECTED);
	assert_int_equal(ev.snd_space, 4096);
	assert_int_equal(tc_tcb_live(&tc)->mss, 1000);
	tc_fini(&tc);
}

/* Without options the SYN is the stack's: MTU - 40, tcp_rcvbuf, TOS 0,
 * TTL 64 (a control for the test above). */
static void
test_no_options_stack_defaults(void **state)
{
	struct tconn tc;
	struct parsed_tcp p;

	(void)state;
	tc_init(&tc, NULL);
	tc.lport = OUR_ACTIVE_PORT;
	tc.pport = PEER_LISTEN_PORT;
	assert_int_equal(tern_tcp_connect(tc.c, PEER_IP, PEER_LISTEN_PORT,
					  OUR_ACTIVE_PORT, 0x62), 0);
	tc_run(&tc);
	tc_connecting(&tc, 0x62);
	tc_out1(&tc, &p);
	assert_int_equal(p.tcp.opts.mss, 1460);
	assert_int_equal(p.tcp.wnd, RTE_MIN(tc.cfg.tcp_rcvbuf, 65535u));
	assert_int_equal(p.ip.tos, 0);
	assert_int_equal(p.ip.ttl, 64);
	tc_fini(&tc);
}

/* A listener's options reach the SYN-ACK and the accepted connection; the
 * channel defaults changed after the listen do not. */
static void
test_listener_options_inherited(void **state)
{
	struct tconn tc;
	struct parsed_tcp p;
	struct tern_event ev;
	struct tcb *tcb;

	(void)state;
	tc_init(&tc, NULL);
	setopt(&tc, 0, TERN_TCP_OPT_TTL, 9);	/* before the listen: taken */
	tc_listen(&tc, 0);
	setopt(&tc, 0, TERN_TCP_OPT_TOS, 0x04);	/* after it: not taken */
	setopt(&tc, tc.listener, TERN_TCP_OPT_MAXSEG, 536);
	setopt(&tc, tc.listener, TERN_TCP_OPT_RCVBUF, 20000);
	setopt(&tc, tc.listener, TERN_TCP_OPT_SNDBUF, 3000);
	setopt(&tc, tc.listener, TERN_TCP_OPT_TOS, 0x28);
	setopt(&tc, tc.listener, TERN_TCP_OPT_KEEPALIVE, 1);
	setopt(&tc, tc.listener, TERN_TCP_OPT_USER_TIMEOUT_MS, 1234);
	tc_run(&tc);
	tc_no_ev(&tc);
	tc.pport = PEER_PORT;
	tc.ws_shift = PEER_WSCALE;
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(&tc)));
	tc.snd_nxt++;
	tc_out1(&tc, &p);
	tc_expect(&p, F_SYN | F_ACK, p.tcp.seq, tc.iss + 1, 0);
	assert_int_equal(p.tcp.opts.mss, 536);
	assert_int_equal(p.tcp.wnd, 20000);
	assert_int_equal(p.tcp.opts.wscale, 0);
	assert_int_equal(p.ip.tos, 0x28);
	assert_int_equal(p.ip.ttl, 9);
	tc.ws_ok = tc.sack_ok = tc.ts_ok = true;
	tc_ack(&tc);
	ev = tc_ev_type(&tc, TERN_EV_TCP_ACCEPTED);
	assert_int_equal(ev.snd_space, 3000);
	tcb = tc_tcb_live(&tc);
	assert_int_equal(tcb->mss, 536);
	assert_int_equal(tcb->rcvbuf, 20000);
	assert_int_equal(tcb->ka_on, 1);
	assert_int_equal(tcb->uto_ms, 1234);
	tc_fini(&tc);
}

/* TOS and TTL change on a live connection: the next segment carries them. */
static void
test_tos_ttl_on_established(void **state)
{
	static uint8_t buf[100];
	struct tconn tc;
	struct parsed_tcp p;

	(void)state;
	tc_init(&tc, NULL);
	tc_passive_open(&tc, false);
	setopt(&tc, tc.h, TERN_TCP_OPT_TOS, 0x10);
	setopt(&tc, tc.h, TERN_TCP_OPT_TTL, 200);
	tc_send(&tc, buf, sizeof(buf));
	tc_out1(&tc, &p);
	assert_int_equal(p.len, sizeof(buf));
	assert_int_equal(p.ip.tos, 0x10);
	assert_int_equal(p.ip.ttl, 200);
	tc_ack(&tc);				/* (Nagle would hold the next one) */
	setopt(&tc, tc.h, TERN_TCP_OPT_TTL, 0);	/* back to the default */
	tc_send(&tc, buf, sizeof(buf));
	tc_out1(&tc, &p);
	assert_int_equal(p.ip.ttl, 64);
	tc_fini(&tc);
}

/* A receive buffer raised on a live connection is advertised at once: the
 * window update moves the right edge to the new size (shift 2, as the
 * default buffer chose). */
static void
test_rcvbuf_grow_advertised(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	struct parsed_tcp p;

	(void)state;
	tcfg_default(&cfg);
	cfg.tcp_rcvbuf = 65536;		/* shift 1 */
	tc_init(&tc, &cfg);
	tc_passive_open(&tc, false);
	setopt(&tc, tc.h, TERN_TCP_OPT_RCVBUF, 100000);
	tc_run(&tc);
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, tc.snd_nxt, 0);
	assert_int_equal((uint32_t)p.tcp.wnd << tc_tcb_live(&tc)->rcv.wscale, 100000);
	tc_fini(&tc);
}

/* A send buffer set on a live connection moves where TERN_EV_TCP_FULL is
 * raised (4096 instead of tcp_sndbuf), and raising it again while the app
 * holds gives TERN_EV_TCP_WRITABLE at once with the new space. */
static void
test_sndbuf_live(void **state)
{
	static uint8_t d[4096];
	static struct parsed_tcp p[8];
	struct tconn tc;
	struct tern_event ev;

	(void)state;
	tc_init(&tc, NULL);
	tc_passive_open(&tc, false);
	setopt(&tc, tc.h, TERN_TCP_OPT_NODELAY, 1);
	setopt(&tc, tc.h, TERN_TCP_OPT_SNDBUF, 4096);
	tc_send(&tc, d, sizeof(d));
	assert_int_equal(tc_out(&tc, p, 8), 3);
	ev = tc_ev_type(&tc, TERN_EV_TCP_FULL);
	assert_true(ev.handle == tc.h);
	setopt(&tc, tc.h, TERN_TCP_OPT_SNDBUF, 65536);
	tc_run(&tc);
	ev = tc_ev_type(&tc, TERN_EV_TCP_WRITABLE);
	assert_int_equal(ev.snd_space, 65536 - 4096);
	assert_int_equal(tc_tcb_live(&tc)->sndbuf, 65536);
	tc_fini(&tc);
}

/* Keep-alive switched on for one connection of a stack where it is off:
 * probes at idle + 5 s, then every 1 s; after 2 unanswered ones the
 * connection is given up (RST, CLOSED -ETIMEDOUT) at idle + 7 s. */
static void
test_keepalive_per_connection(void **state)
{
	struct tconn tc;
	struct parsed_tcp p;
	struct tern_event ev;
	uint64_t t0, deadline;
	unsigned int k, n;

	(void)state;
	tc_init(&tc, NULL);
	assert_int_equal(tc.cfg.tcp_keepalive_ms, 0);
	tc_passive_open(&tc, false);
	t0 = tc.now;			/* the last segment from the peer */
	setopt(&tc, tc.h, TERN_TCP_OPT_KEEPIDLE_MS, 5000);
	setopt(&tc, tc.h, TERN_TCP_OPT_KEEPINTVL_MS, 1000);
	setopt(&tc, tc.h, TERN_TCP_OPT_KEEPCNT, 2);
	setopt(&tc, tc.h, TERN_TCP_OPT_KEEPALIVE, 1);
	tc_run(&tc);
	tc_out_none(&tc);
	for (k = 0; k < 2; k++) {
		deadline = t0 + 5 * SEC + k * SEC;
		tc_advance(&tc, deadline - TICK - tc.now);
		tc_out_none(&tc);
		for (n = 0; n == 0 && tc.now < deadline + 2 * TICK;) {
			tc_advance(&tc, TICK);
			n = tc_out(&tc, &p, 1);
		}
		assert_int_equal(n, 1);
		tc_expect(&p, F_ACK, tc.rcv_nxt - 1, tc.snd_nxt, 0);
		tc_no_ev(&tc);
	}
	deadline = t0 + 7 * SEC;
	tc_advance(&tc, deadline - TICK - tc.now);
	tc_out_none(&tc);
	tc_no_ev(&tc);
	tc_advance(&tc, 2 * TICK);
	tc_out1(&tc, &p);
	assert_int_equal(p.tcp.flags & ~F_ACK, F_RST);
	ev = tc_ev_type(&tc, TERN_EV_TCP_CLOSED);
	assert_int_equal(ev.status, -ETIMEDOUT);
	tc_fini(&tc);
}

/* Keep-alive switched off again: no probe ever. */
static void
test_keepalive_off_again(void **state)
{
	struct tconn tc;
	unsigned int i;

	(void)state;
	tc_init(&tc, NULL);
	tc_passive_open(&tc, false);
	setopt(&tc, tc.h, TERN_TCP_OPT_KEEPIDLE_MS, 1000);
	setopt(&tc, tc.h, TERN_TCP_OPT_KEEPALIVE, 1);
	setopt(&tc, tc.h, TERN_TCP_OPT_KEEPALIVE, 0);
	tc_run(&tc);
	for (i = 0; i < 20; i++) {
		tc_advance(&tc, SEC);
		tc_out_none(&tc);
	}
	tc_no_ev(&tc);
	tc_fini(&tc);
}

/* User timeout 2500 ms (RFC 5482): data left unacknowledged is resent on
 * the RTO's backoff, and at 2500 ms after it was sent the connection is
 * aborted (RST, CLOSED -ETIMEDOUT), long before tcp_max_retries (8). */
static void
test_user_timeout_aborts(void **state)
{
	static uint8_t buf[200];
	struct tconn tc;
	struct parsed_tcp p;
	struct tern_event ev;
	unsigned int rexmits = 0, n;
	uint64_t t0;

	(void)state;
	tc_init(&tc, NULL);
	tc_passive_open(&tc, false);
	setopt(&tc, tc.h, TERN_TCP_OPT_USER_TIMEOUT_MS, 2500);
	tc_send(&tc, buf, sizeof(buf));
	t0 = tc.now;
	tc_out1(&tc, &p);
	assert_int_equal(p.len, sizeof(buf));
	for (;;) {
		tc_advance(&tc, MS);
		n = tc_out(&tc, &p, 1);
		if (n == 1 && (p.tcp.flags & F_RST))
			break;
		if (n == 1) {
			assert_int_equal(p.len, sizeof(buf));
			rexmits++;
		}
		assert_true(tc.now - t0 <= 2500 * MS);
	}
	/* RTO 200 ms (no RTT sample in simulated time): resends at 200, 600
	 * and 1400 ms; the next would be at 3000, the user timeout first */
	assert_int_equal(rexmits, 3);
	assert_true(tc.now - t0 >= 2500 * MS);
	assert_true(tc.now - t0 <= 2500 * MS + MS);
	ev = tc_ev_type(&tc, TERN_EV_TCP_CLOSED);
	assert_int_equal(ev.status, -ETIMEDOUT);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSED);
	tc_fini(&tc);
}

/* Refusals: unknown option, values out of range, MSS once the SYN is out,
 * a stale or foreign handle; each with the command's cookie. */
static void
test_setopt_refusals(void **state)
{
	struct tconn tc;

	(void)state;
	tc_init(&tc, NULL);
	setopt_fails(&tc, 0, (enum tern_tcp_opt)99, 1, -ENOPROTOOPT);
	setopt_fails(&tc, 0, TERN_TCP_OPT_NONE, 1, -ENOPROTOOPT);
	setopt_fails(&tc, 0, TERN_TCP_OPT_RCVBUF, 100, -EINVAL);
	setopt_fails(&tc, 0, TERN_TCP_OPT_SNDBUF, (1u << 30) + 1, -EINVAL);
	setopt_fails(&tc, 0, TERN_TCP_OPT_MAXSEG, 47, -EINVAL);
	setopt_fails(&tc, 0, TERN_TCP_OPT_KEEPCNT, 0, -EINVAL);
	setopt_fails(&tc, 0, TERN_TCP_OPT_KEEPIDLE_MS, 0, -EINVAL);
	setopt_fails(&tc, 0, TERN_TCP_OPT_TOS, 256, -EINVAL);
	setopt_fails(&tc, 0, TERN_TCP_OPT_CC, TERN_TCP_CC_COUNT, -EINVAL);
	setopt_fails(&tc, 0x1234ull << 32, TERN_TCP_OPT_TTL, 1, -EBADF);
	tc_passive_open(&tc, false);
	setopt_fails(&tc, tc.h, TERN_TCP_OPT_MAXSEG, 1000, -EISCONN);
	tc_no_ev(&tc);
	tc_fini(&tc);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, tc_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_channel_defaults_shape_the_syn),
		T(test_no_options_stack_defaults),
		T(test_listener_options_inherited),
		T(test_tos_ttl_on_established),
		T(test_rcvbuf_grow_advertised),
		T(test_sndbuf_live),
		T(test_keepalive_per_connection),
		T(test_keepalive_off_again),
		T(test_user_timeout_aborts),
		T(test_setopt_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
