/* SPDX-License-Identifier: BSD-3-Clause
 *
 * TIME-WAIT as compact records (lib/tcp/tcp_timewait.c; RFC 9293 3.10.7.4,
 * RFC 6191, RFC 1337) and a full connection table (issue 11): entering
 * TIME-WAIT frees the TCB slot; the record answers the peer's FIN again
 * with an exact ACK (timestamps echoed), ignores RSTs, lets a newer SYN
 * (timestamp, or ISN without timestamps) reopen the 4-tuple and answers an
 * older one with an ACK; a full record ring recycles its oldest record;
 * record ACKs are rate limited; a SYN that finds every TCB taken gets a
 * counted drop, a RST (tcp.full_rst) or a SYN cookie; and 10x max_conns
 * short connections closed by tern first all succeed.
 * MSL is 100 ms here so that 2*MSL is 200 ms of simulated time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "tcp_frames.h"

#define MSL_MS 100u
#define TWO_MSL (2ull * MSL_MS * MS)

static void
tw_cfg(struct tern_config *cfg)
{
	tcfg_default(cfg);
	cfg->tcp_msl_ms = MSL_MS;
}

/* A passive open from peer port `pport` with every option, then tern
 * closes first: FIN, the peer's ACK, the peer's FIN, our ACK; TIME-WAIT.
 * tc's peer state is this connection's afterwards. */
static void
open_to_time_wait(struct tconn *tc, uint16_t pport)
{
	static struct parsed_tcp p;
	struct tern_event ev;
	uint32_t fin_seq;

	if (tc->listener == 0)
		tc_listen(tc, 0);
	tc->pport = pport;
	tc->iss = tc->snd_nxt = PEER_ISS + pport;
	tc->ws_shift = PEER_WSCALE;
	tc->ts_ok = tc->ws_ok = tc->sack_ok = false;
	tc_in(tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(tc)));
	tc->snd_nxt++;
	tc_out1(tc, &p);
	tc_expect(&p, F_SYN | F_ACK, p.tcp.seq, tc->snd_nxt, 0);
	tc->ts_ok = tc->ws_ok = tc->sack_ok = true;
	tc_ack(tc);
	ev = tc_ev_type(tc, TERN_EV_TCP_ACCEPTED);
	tc->h = ev.handle;
	fin_seq = tc->rcv_nxt;
	assert_int_equal(tern_tcp_close(tc->c, tc->h), 0);
	tc_run(tc);
	tc_out1(tc, &p);
	tc_expect(&p, F_FIN | F_ACK, fin_seq, tc->snd_nxt, 0);
	tc_ack(tc);
	tc_data(tc, NULL, 0, F_FIN);
	tc_out1(tc, &p);
	tc_expect(&p, F_ACK, tc->rcv_nxt, tc->snd_nxt, 0);
	ev = tc_ev_type(tc, TERN_EV_TCP_CLOSED);
	assert_int_equal(ev.status, 0);
	assert_int_equal(tc_state(tc), TCP_ST_TIME_WAIT);
}

/* Entering TIME-WAIT frees the TCB slot: a record holds the 4-tuple,
 * the connection counts as closed only when the record ends. */
static void
test_tw_frees_tcb_slot(void **state)
{
	struct tern_config cfg;
	struct tconn tc;

	(void)state;
	tw_cfg(&cfg);
	tc_init(&tc, &cfg);
	open_to_time_wait(&tc, PEER_PORT);
	assert_int_equal(tc.s->tcp->n_used, 0);
	assert_int_equal(tc.s->tcp->tw.n_live, 1);
	assert_null(tcp_conn_lookup(tc.s, OUR_IP, tc.lport, PEER_IP, tc.pport));
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TIME_WAIT), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_CLOSED), 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_TW_ACK), 1);	/* the FIN's ACK */
	tc_advance(&tc, TWO_MSL);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSED);
	assert_int_equal(tc.s->tcp->tw.n_live, 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_CLOSED), 1);
	tc_out_none(&tc);
	tc_fini(&tc);
}

/* The peer's FIN again: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> with our
 * timestamp clock, the window of the connection, and the FIN's TSval
 * echoed (it covers Last.ACK.sent: TS.Recent moves, RFC 7323 4.3). */
static void
test_tw_refin_exact_ack(void **state)
{
	struct tern_config cfg;
	static struct parsed_tcp p;
	struct tconn tc;
	uint32_t ts_off;

	(void)state;
	tw_cfg(&cfg);
	tc_init(&tc, &cfg);
	open_to_time_wait(&tc, PEER_PORT);
	ts_off = tcp_ts_offset(tc.s, OUR_IP, tc.lport, PEER_IP, tc.pport);
	tc_advance(&tc, 50 * MS);
	tc_in(&tc, TSEG(.flags = F_FIN | F_ACK, .dseq = -1));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, tc.snd_nxt, 0);
	assert_true(p.tcp.opts.present & TCP_OPTF_TS);
	assert_int_equal(p.tcp.opts.ts_ecr, tc.ts_val);
	assert_int_equal(p.tcp.opts.ts_val, (uint32_t)(tc.now / MS) + ts_off);
	assert_true(p.tcp.wnd > 0);
	assert_int_equal(p.tcp.opts.present & ~TCP_OPTF_TS, 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_TW_ACK), 2);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_TIME_WAIT), 1);
	/* 2*MSL runs from the retransmitted FIN */
	tc_advance(&tc, TWO_MSL - MS);
	assert_int_equal(tc_state(&tc), TCP_ST_TIME_WAIT);
	tc_advance(&tc, MS);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSED);
	tc_fini(&tc);
}

/* The peer's FIN again on an older record moves it behind a newer one:
 * the newer one now ends first, the older at its new 2*MSL. */
static void
test_tw_refin_moves_to_tail(void **state)
{
	struct tern_config cfg;
	static struct parsed_tcp p;
	struct tconn tc, first;
	uint64_t t;

	(void)state;
	tw_cfg(&cfg);
	tc_init(&tc, &cfg);
	open_to_time_wait(&tc, PEER_PORT + 1);
	first = tc;
	tc_advance(&tc, 10 * MS);
	open_to_time_wait(&tc, PEER_PORT + 2);
	tc_advance(&tc, 10 * MS);
	first.now = tc.now;
	tc_in(&first, TSEG(.flags = F_FIN | F_ACK, .dseq = -1));
	t = tc.now;
	tc_out1(&first, &p);
	tc_expect(&p, F_ACK, first.rcv_nxt, first.snd_nxt, 0);
	tc_advance(&tc, t - 10 * MS + TWO_MSL - tc.now);	/* the second's end */
	assert_null(tcp_tw_lookup(tc.s, OUR_IP, LISTEN_PORT, PEER_IP, PEER_PORT + 2));
	assert_non_null(tcp_tw_lookup(tc.s, OUR_IP, LISTEN_PORT, PEER_IP, PEER_PORT + 1));
	tc_advance(&tc, t + TWO_MSL - MS - tc.now);
	assert_non_null(tcp_tw_lookup(tc.s, OUR_IP, LISTEN_PORT, PEER_IP, PEER_PORT + 1));
	tc_advance(&tc, MS);
	assert_null(tcp_tw_lookup(tc.s, OUR_IP, LISTEN_PORT, PEER_IP, PEER_PORT + 1));
	assert_int_equal(tc.s->tcp->tw.n_live, 0);
	assert_int_equal(tc.s->tcp->tw.n, 0);	/* the moved record's dead slot went too */
	assert_int_equal(tc_ctr(&tc, CTR_TCP_CLOSED), 2);
	tc_fini(&tc);
}

/* RFC 1337: a RST, even at RCV.NXT, does not end TIME-WAIT; nothing is
 * sent, the drop is counted, the record ends at its time. */
static void
test_tw_rst_ignored(void **state)
{
	struct tern_config cfg;
	struct tconn tc;

	(void)state;
	tw_cfg(&cfg);
	tc_init(&tc, &cfg);
	open_to_time_wait(&tc, PEER_PORT);
	tc_in(&tc, TSEG(.flags = F_RST, .no_opts = true));
	tc_in(&tc, TSEG(.flags = F_RST | F_ACK, .no_opts = true));
	tc_out_none(&tc);
	assert_int_equal(tc_state(&tc), TCP_ST_TIME_WAIT);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_TW_RST), 2);
	/* a bare ACK at RCV.NXT is acceptable and answered by nothing */
	tc_ack(&tc);
	tc_out_none(&tc);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_TIME_WAIT), 1);
	tc_fini(&tc);
}

/* Without timestamps in the SYN, RFC 9293 3.10.7.4: an ISN at or below
 * RCV.NXT gets an ACK and the record stays; a higher one reopens. With
 * them (RFC 6191), the timestamp decides even when the ISN is higher. */
static void
test_tw_syn_isn_and_timestamp(void **state)
{
	struct tern_config cfg;
	static struct parsed_tcp p;
	struct tcp_opts plain = { .present = TCP_OPTF_MSS, .mss = PEER_MSS };
	struct tcp_opts o;
	struct tconn tc;
	uint32_t rcv_nxt_old;

	(void)state;
	tw_cfg(&cfg);
	tc_init(&tc, &cfg);
	open_to_time_wait(&tc, PEER_PORT);
	rcv_nxt_old = tc.snd_nxt;		/* tern's RCV.NXT */
	tc_advance(&tc, 10 * MS);
	/* timestamps: older TSval, higher ISN -> ACK */
	o = tc_syn_opts_full(&tc);
	o.ts_val = tc.ts_val - 100;
	tc_in(&tc, TSEG(.flags = F_SYN, .abs = true, .seq = rcv_nxt_old + 5000,
			.raw_opts = true, .opts = o));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, rcv_nxt_old, 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_TW_SYN_OLD), 1);
	/* no timestamps, ISN below RCV.NXT -> ACK (no options: none in use) */
	tc_in(&tc, TSEG(.flags = F_SYN, .abs = true, .seq = rcv_nxt_old - 10,
			.raw_opts = true, .opts = plain));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, rcv_nxt_old, 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_TW_SYN_OLD), 2);
	assert_int_equal(tc_state(&tc), TCP_ST_TIME_WAIT);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TIME_WAIT_REUSED), 0);
	/* no timestamps, ISN above RCV.NXT -> a new connection */
	tc.snd_nxt = rcv_nxt_old + 100000;
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = plain));
	tc.snd_nxt++;
	tc_out1(&tc, &p);
	tc_expect(&p, F_SYN | F_ACK, p.tcp.seq, tc.snd_nxt, 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TIME_WAIT_REUSED), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_CLOSED), 1);	/* the record */
	assert_int_equal(tc.s->tcp->tw.n_live, 0);
	assert_int_equal(tc_state(&tc), TCP_ST_SYN_RECEIVED);
	tc_fini(&tc);
}

/* tcp.time_wait_max = 2: a third record recycles the oldest one, which
 * is over (CLOSED, counted); the two newest stay, and expire in order. */
static void
test_tw_recycle_oldest(void **state)
{
	struct tern_config cfg;
	struct tconn tc;

	(void)state;
	tw_cfg(&cfg);
	cfg.tcp_time_wait_max = 2;
	tc_init(&tc, &cfg);
	open_to_time_wait(&tc, PEER_PORT + 1);
	tc_advance(&tc, MS);
	open_to_time_wait(&tc, PEER_PORT + 2);
	tc_advance(&tc, MS);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TIME_WAIT_RECYCLED), 0);
	open_to_time_wait(&tc, PEER_PORT + 3);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TIME_WAIT_RECYCLED), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_CLOSED), 1);
	assert_int_equal(tc.s->tcp->tw.n_live, 2);
	assert_int_equal(tc.s->tcp->n_used, 0);
	assert_null(tcp_tw_lookup(tc.s, OUR_IP, LISTEN_PORT, PEER_IP, PEER_PORT + 1));
	assert_non_null(tcp_tw_lookup(tc.s, OUR_IP, LISTEN_PORT, PEER_IP, PEER_PORT + 2));
	assert_non_null(tcp_tw_lookup(tc.s, OUR_IP, LISTEN_PORT, PEER_IP, PEER_PORT + 3));
	/* the older of the two goes first */
	tc_advance(&tc, TWO_MSL - MS);
	assert_null(tcp_tw_lookup(tc.s, OUR_IP, LISTEN_PORT, PEER_IP, PEER_PORT + 2));
	assert_non_null(tcp_tw_lookup(tc.s, OUR_IP, LISTEN_PORT, PEER_IP, PEER_PORT + 3));
	tc_advance(&tc, MS);
	assert_int_equal(tc.s->tcp->tw.n_live, 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_CLOSED), 3);
	tc_fini(&tc);
}

/* A flood of segments to a record draws at most the bucket's ACKs: the
 * rest are counted as limited, no reflection. */
static void
test_tw_ack_rate_limited(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	unsigned int i, sent = 0;
	static struct parsed_tcp p[64];

	(void)state;
	tw_cfg(&cfg);
	tc_init(&tc, &cfg);
	open_to_time_wait(&tc, PEER_PORT);
	for (i = 0; i < 1500; i++) {
		tc_in(&tc, TSEG(.flags = F_ACK, .dseq = 1000));
		sent += tc_out(&tc, p, 64);
	}
	assert_int_equal(sent, tc_ctr(&tc, CTR_TCP_TX_TW_ACK) - 1);
	assert_true(sent <= 1000);
	assert_true(sent >= 900);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_TW_ACK_LIMIT), 1500 - sent);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_TIME_WAIT), 1500);
	/* 100 ms later the bucket holds 100 tokens again */
	tc_advance(&tc, SEC / 10);
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = 1000));
	assert_int_equal(tc_out(&tc, p, 64), 1);
	tc_fini(&tc);
}

/* Fill every TCB with half-open connections (max_conns 16). */
static void
fill_table(struct tconn *tc)
{
	static struct parsed_tcp p[64];
	uint16_t i;

	tc_listen(tc, 0);
	for (i = 0; i < tc->cfg.tcp_max_conns; i++) {
		tc->pport = (uint16_t)(PEER_PORT + 100 + i);
		tc->snd_nxt = PEER_ISS;
		tc_in(tc, TSEG(.flags = F_SYN, .raw_opts = true,
			       .opts = tc_syn_opts_full(tc)));
	}
	tc->pport = 0;			/* any port in tc_out */
	assert_int_equal(tc_out(tc, p, 64), tc->cfg.tcp_max_conns);
	assert_int_equal(tc->s->tcp->n_used, tc->cfg.tcp_max_conns);
	tc->pport = PEER_PORT;
	tc->snd_nxt = PEER_ISS;
}

static void
full_cfg(struct tern_config *cfg, uint8_t cookies, uint8_t rst)
{
	tw_cfg(cfg);
	cfg->tcp_max_conns = 16;
	cfg->tcp_syncookies = cookies;
	cfg->tcp_full_rst = rst;
}

/* A full table and no cookies: a counted drop by default, a RST with
 * tcp.full_rst, a SYN cookie when cookies are on. Never silence without a
 * counter. */
static void
test_full_table_syn(void **state)
{
	struct tern_config cfg;
	static struct parsed_tcp p;
	struct tconn tc;

	(void)state;
	full_cfg(&cfg, TERN_TCP_SYNCOOKIES_OFF, 0);
	tc_init(&tc, &cfg);
	fill_table(&tc);
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(&tc)));
	tc_out_none(&tc);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_NO_TCB), 1);
	tc_fini(&tc);

	full_cfg(&cfg, TERN_TCP_SYNCOOKIES_OFF, 1);
	tc_init(&tc, &cfg);
	fill_table(&tc);
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(&tc)));
	tc_out1(&tc, &p);
	tc_expect(&p, F_RST | F_ACK, 0, PEER_ISS + 1, 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_NO_TCB), 1);
	tc_fini(&tc);

	full_cfg(&cfg, TERN_TCP_SYNCOOKIES_OVERFLOW, 0);
	tc_init(&tc, &cfg);
	fill_table(&tc);
	tc_in(&tc, TSEG(.flags = F_SYN, .raw_opts = true, .opts = tc_syn_opts_full(&tc)));
	tc_out1(&tc, &p);
	tc_expect(&p, F_SYN | F_ACK, p.tcp.seq, PEER_ISS + 1, 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_COOKIE_SENT), 1);
	assert_int_equal(tc.s->tcp->n_used, 16);
	tc_fini(&tc);
}

/* 10x max_conns short connections, tern closing first each time: every
 * one is accepted (TIME-WAIT never holds a TCB), the table and the
 * records return to empty, and the mbuf pool to its baseline. */
static void
test_ten_times_max_conns_close_first(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	uint16_t i;

	(void)state;
	tw_cfg(&cfg);
	cfg.tcp_max_conns = 16;
	tc_init(&tc, &cfg);
	for (i = 0; i < 10 * 16; i++) {
		open_to_time_wait(&tc, (uint16_t)(PEER_PORT + i));
		assert_int_equal(tc.s->tcp->n_used, 0);
		tc_advance(&tc, MS);
	}
	assert_int_equal(tc_ctr(&tc, CTR_TCP_PASSIVE_OPENS), 160);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TIME_WAIT), 160);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_NO_TCB), 0);
	tc_advance(&tc, TWO_MSL);
	tc_out_none(&tc);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_CLOSED), 160);
	assert_int_equal(tc.s->tcp->tw.n_live, 0);
	tc_fini(&tc);
	assert_int_equal(harness_pool_in_use(), 0);
}

/* `text` as an INI file loaded over `c`. */
static int
load_ini(const char *text, struct tern_config *c, char *err, size_t err_len)
{
	char path[] = "/tmp/tern_tw_cfg_XXXXXX";
	int fd = mkstemp(path);
	int rc;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	rc = tern_config_load_ini(c, path, err, err_len);
	unlink(path);
	return rc;
}

/* [tcp] time_wait_max and full_rst: defaults, INI keys, bounds. */
static void
test_tw_config(void **state)
{
	struct tern_config c;
	char err[256];

	(void)state;
	tern_config_defaults(&c);
	assert_int_equal(c.tcp_time_wait_max, 0);	/* as many as max_conns */
	assert_int_equal(c.tcp_full_rst, 0);
	assert_int_equal(load_ini("[tcp]\ntime_wait_max = 100\nfull_rst = 1\n", &c, err,
				  sizeof(err)), 0);
	assert_int_equal(c.tcp_time_wait_max, 100);
	assert_int_equal(c.tcp_full_rst, 1);
	assert_int_not_equal(load_ini("[tcp]\ntime_wait_max = 16777217\n", &c, err,
				      sizeof(err)), 0);
	assert_non_null(strstr(err, "time_wait_max"));
	assert_int_not_equal(load_ini("[tcp]\nfull_rst = 2\n", &c, err, sizeof(err)), 0);
	c.n_ifaces = 1;
	c.iface[0].ip = OUR_IP;
	c.iface[0].prefix_len = 24;
	assert_int_equal(tern_config_validate(&c, err, sizeof(err)), 0);
	c.tcp_time_wait_max = TERN_TIME_WAIT_MAX + 1;
	assert_int_equal(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "time_wait_max"));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, tc_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_tw_frees_tcb_slot),
		T(test_tw_refin_exact_ack),
		T(test_tw_refin_moves_to_tail),
		T(test_tw_rst_ignored),
		T(test_tw_syn_isn_and_timestamp),
		T(test_tw_recycle_oldest),
		T(test_tw_ack_rate_limited),
		T(test_full_table_syn),
		T(test_ten_times_max_conns_close_first),
		cmocka_unit_test(test_tw_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
