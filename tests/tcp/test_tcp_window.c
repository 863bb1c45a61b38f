/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The receive window as one clamped RCV.WND (RFC 9293 3.8.6.2.2 and
 * 3.10.7.4, RFC 1122 4.2.3.3, RFC 7323 2.3 and 2.4; issue 12 item 1):
 * free buffer space is offered only up to what the header can carry
 * (65535 << Rcv.Wind.Shift, 65535 without window scaling); the right edge
 * moves only by min(RCV.BUFF/2, MSS) or more, in ACKs and in window
 * updates alike; a segment beyond the edge actually advertised is
 * unacceptable (ACKed and dropped; a RST there is dropped silently); the
 * advertised edge never moves left. Each case runs against peers with and
 * without window scaling, timestamps and SACK; the default receive buffer
 * (256 KiB) is larger than 65535.
 */
#include <string.h>

#include "harness.h"
#include "tcp_frames.h"

/* The peers: their SYN options beyond MSS. */
static const uint8_t peers[] = {
	0,						/* MSS only */
	TCP_OPTF_TS,					/* timestamps, no scaling */
	TCP_OPTF_SACK_PERM,				/* SACK, no scaling */
	TCP_OPTF_WSCALE,				/* scaling only */
	TCP_OPTF_WSCALE | TCP_OPTF_SACK_PERM | TCP_OPTF_TS,
};

static void
open_with(struct tconn *tc, const struct tern_config *cfg, uint8_t which)
{
	struct tcp_opts o;

	tc_init(tc, cfg);
	o = tc_syn_opts(tc, which);
	tc_passive_open_opts(tc, &o);
}

/* Our shift as it applies to the window field (0 without scaling). */
static uint8_t
tern_shift(const struct tconn *tc)
{
	return tc->ws_ok ? tc->tern_ws : 0;
}

/* The right edge a segment from tern advertises: SEG.ACK + SEG.WND. */
static uint32_t
edge_of(const struct tconn *tc, const struct parsed_tcp *p)
{
	return p->tcp.ack + ((uint32_t)p->tcp.wnd << tern_shift(tc));
}

/* The delayed ACK, after its timer. */
static void
delayed_ack(struct tconn *tc, struct parsed_tcp *p)
{
	tc_out_none(tc);
	tc_advance(tc, (uint64_t)tc->cfg.tcp_delack_ms * MS);
	tc_out1(tc, p);
	tc_expect(p, F_ACK, tc->rcv_nxt, tc->snd_nxt, 0);
}

static void
recvd(struct tconn *tc, uint32_t n)
{
	assert_int_equal(tern_tcp_recvd(tc->c, tc->h, n), 0);
	tc_run(tc);
}

/* Receiver SWS avoidance with the clamp: the handshake offered
 * min(RCV.BUFF, 65535 << shift). Data the app holds or credits back in
 * amounts below one MSS moves the right edge neither in ACKs nor in window
 * updates; once the free space the header can carry exceeds the edge by an
 * MSS the edge moves. Without scaling the clamp (65535) is what lets the
 * edge move at 1504 bytes; with scaling the buffer is what limits it. */
static void
sws_edge(uint8_t which)
{
	struct tconn tc;
	static struct parsed_tcp p;
	static uint8_t d[1504];
	uint32_t base, e0, max;

	open_with(&tc, NULL, which);
	max = 65535u << tern_shift(&tc);
	base = tc.snd_nxt;
	e0 = base + RTE_MIN(tc.cfg.tcp_rcvbuf, max);
	tc_fill(d, sizeof(d), 71);
	/* 1000 bytes held by the app: the edge stays */
	tc_data(&tc, d, 1000, F_PSH);
	assert_int_equal(tc_ev_type(&tc, TERN_EV_TCP_DATA).len, 1000);
	delayed_ack(&tc, &p);
	assert_int_equal(edge_of(&tc, &p), e0);
	/* credited back: the edge could move by 1000 < MSS; no update */
	recvd(&tc, 1000);
	tc_out_none(&tc);
	/* 304 more: still below an MSS beyond the edge */
	tc_data(&tc, d + 1000, 304, F_PSH);
	assert_int_equal(tc_ev_type(&tc, TERN_EV_TCP_DATA).len, 304);
	delayed_ack(&tc, &p);
	assert_int_equal(edge_of(&tc, &p), e0);
	/* 200 more: 1504 bytes received; free space (buffer less the 504 the
	 * app holds) clamped to the field reaches 1504 >= MSS past the edge
	 * without scaling; with scaling the buffer keeps it where it is */
	tc_data(&tc, d + 1304, 200, F_PSH);
	assert_int_equal(tc_ev_type(&tc, TERN_EV_TCP_DATA).len, 200);
	delayed_ack(&tc, &p);
	if (tc.ws_ok)
		assert_int_equal(edge_of(&tc, &p), e0);
	else
		assert_int_equal(edge_of(&tc, &p), base + 1504 + 65535);
	/* the last 504 credited: the edge would move by at most 1504, less
	 * than two MSS and half the buffer: no window update */
	recvd(&tc, 504);
	tc_out_none(&tc);
	tc_fini(&tc);
}

static void
test_sws_edge_moves_by_mss(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(peers); i++)
		sws_edge(peers[i]);
}

/* RFC 9293 3.10.7.4 first step against the edge advertised: a segment
 * starting at it is not acceptable (ACK, dropped, no SACK block for it);
 * one straddling it is trimmed to the part inside; a RST beyond it is
 * dropped without a word (RFC 5961 3.2), one inside (not at RCV.NXT)
 * draws a challenge ACK. */
static void
acceptability(uint8_t which)
{
	struct tconn tc;
	static struct parsed_tcp p;
	static uint8_t d[100];
	uint32_t base, e;

	open_with(&tc, NULL, which);
	base = tc.snd_nxt;
	e = base + RTE_MIN(tc.cfg.tcp_rcvbuf, 65535u << tern_shift(&tc));
	tc_fill(d, sizeof(d), 72);
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = (int32_t)(e - base), .data = d, .len = 100));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, base, 0);
	assert_int_equal(p.tcp.opts.present & TCP_OPTF_SACK, 0);
	assert_int_equal(edge_of(&tc, &p), e);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_OUT_OF_WND), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_OOO), 0);
	/* straddling: its first 50 bytes are inside and held */
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = (int32_t)(e - base - 50), .data = d,
			.len = 100));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, base, 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_OOO), 1);
	if (tc.sack_ok) {
		assert_int_equal(p.tcp.opts.n_sack, 1);
		assert_int_equal(p.tcp.opts.sack[0].left, e - 50);
		assert_int_equal(p.tcp.opts.sack[0].right, e);
	}
	assert_int_equal(edge_of(&tc, &p), e);	/* held data shrinks nothing */
	/* RSTs: beyond the edge silently, inside with a challenge ACK */
	tc_in(&tc, TSEG(.flags = F_RST, .dseq = (int32_t)(e - base + 10), .no_opts = true));
	tc_out_none(&tc);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_RST_BAD), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_CHALLENGE_ACK), 0);
	tc_in(&tc, TSEG(.flags = F_RST, .dseq = (int32_t)(e - base - 1), .no_opts = true));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, base, 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_CHALLENGE_ACK), 1);
	assert_int_equal(tc_state(&tc), TCP_ST_ESTABLISHED);
	tc_no_ev(&tc);
	tc_fini(&tc);
}

static void
test_beyond_advertised_edge_unacceptable(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(peers); i++)
		acceptability(peers[i]);
}

/* RCV.WND is what was advertised, not what could be: with an 8 KiB
 * buffer, 1460 bytes credited back open the window by less than a
 * window update is worth, so none goes out and the edge the peer knows
 * stays. A segment at that edge is still unacceptable; the ACK that
 * answers it advertises the wider window, and then the same segment is
 * taken. */
static void
pending_window(uint8_t which)
{
	struct tern_config cfg;
	struct tconn tc;
	static struct parsed_tcp p;
	static uint8_t d[1460];
	uint32_t base, e0;

	tcfg_default(&cfg);
	cfg.tcp_rcvbuf = 8192;		/* shift 0 */
	open_with(&tc, &cfg, which);
	base = tc.snd_nxt;
	e0 = base + 8192;
	tc_fill(d, sizeof(d), 73);
	tc_data(&tc, d, sizeof(d), F_PSH);
	assert_int_equal(tc_ev_type(&tc, TERN_EV_TCP_DATA).len, sizeof(d));
	recvd(&tc, sizeof(d));
	tc_out_none(&tc);		/* 1460 < 2 MSS and < RCV.BUFF / 2 */
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = (int32_t)(e0 - tc.snd_nxt), .data = d,
			.len = 100));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, tc.snd_nxt, 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_OUT_OF_WND), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_OOO), 0);
	assert_int_equal(edge_of(&tc, &p), tc.snd_nxt + 8192);
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = (int32_t)(e0 - tc.snd_nxt), .data = d,
			.len = 100));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, tc.snd_nxt, 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_OOO), 1);
	tc_no_ev(&tc);
	tc_fini(&tc);
}

static void
test_unadvertised_window_not_acceptable(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(peers); i++)
		pending_window(peers[i]);
}

/* RFC 7323 2.4, RFC 9293 3.8.6.2.2: the right edge never moves left. A
 * buffer that is not a multiple of the scale unit (70001 bytes, shift 1)
 * filled by odd-sized segments the app never reads: every ACK's edge is
 * at or beyond the one before (rounding goes up, never down), out-of-order
 * data does not pull it back, and every byte up to the last edge
 * advertised is taken, until the window is zero. */
static void
test_edge_never_moves_left(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	static struct parsed_tcp p[8];
	static uint8_t d[1001];
	uint32_t base, edge, got = 0;
	unsigned int n = 0, i;

	(void)state;
	tcfg_default(&cfg);
	cfg.tcp_rcvbuf = 70001;
	open_with(&tc, &cfg, TCP_OPTF_WSCALE | TCP_OPTF_SACK_PERM | TCP_OPTF_TS);
	assert_int_equal(tc.tern_ws, 1);
	base = tc.snd_nxt;
	edge = base + 65535;		/* the SYN-ACK's, unscaled */
	tc_fill(d, sizeof(d), 74);
	/* an island first: the free space it leaves (69000) is more than an
	 * MSS past the SYN-ACK's edge, so the edge moves right */
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = 60000, .data = d, .len = 1001));
	tc_out1(&tc, &p[0]);
	assert_int_equal(edge_of(&tc, &p[0]), base + 69000);
	edge = base + 69000;
	while (seq_lt(tc.snd_nxt, edge)) {
		uint16_t len = (uint16_t)RTE_MIN(edge - tc.snd_nxt, (uint32_t)sizeof(d));
		struct tern_event ev;

		tc_data(&tc, d, len, 0);
		tc_advance(&tc, (uint64_t)cfg.tcp_delack_ms * MS);
		n = tc_out(&tc, p, RTE_DIM(p));
		assert_true(n >= 1);
		for (i = 0; i < n; i++) {
			assert_true(seq_geq(edge_of(&tc, &p[i]), edge));
			edge = edge_of(&tc, &p[i]);
		}
		while (tern_chan_recv(tc.c, &ev, 1) == 1) {
			assert_int_equal(ev.type, TERN_EV_TCP_DATA);
			got += ev.len;
			rte_pktmbuf_free(ev.m);
		}
	}
	/* everything up to the last edge was taken; the window is closed */
	assert_int_equal(tc.snd_nxt, edge);
	assert_int_equal(got, edge - base);
	assert_int_equal(p[n - 1].tcp.wnd, 0);
	/* the edge stopped 1001 bytes short of the buffer (less than an MSS
	 * to gain) and crept by rounding only: at most a unit per ACK */
	assert_true(edge - base >= 69000);
	assert_true(edge - base < 69000 + 100);
	tc_fini(&tc);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, tc_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_sws_edge_moves_by_mss),
		T(test_beyond_advertised_edge_unacceptable),
		T(test_unadvertised_window_not_acceptable),
		T(test_edge_never_moves_left),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
