/* SPDX-License-Identifier: BSD-3-Clause
 *
 * ECN (RFC 3168) on connections driven by scripted peer segments, every
 * segment checked to the flag and to the IP header's ECN field.
 * Negotiation (6.1.1): an ECN-setup SYN (ECE and CWR) accepted by `on`
 * and `passive`, refused by `off` and by a SYN cookie; our SYN asks only
 * with `on`, a resent SYN gives ECN up; a SYN-ACK with ECE counts only as
 * the answer to our asking, and never with CWR too. Sender (6.1.2,
 * 6.1.4-6.1.6): ECT(0) on new data only (no pure ACK, SYN, retransmission
 * or window probe); an ECE cuts cwnd once per window through the
 * algorithm, never grows it, and CWR goes on the next new data; a loss in
 * the window an ECE already answered for is recovered without a second
 * cut. Receiver (6.1.3): CE is acknowledged at once with ECE, and ECE
 * stays on every ACK until the peer's CWR. An app's TOS keeps its DSCP,
 * never its ECN bits. Plus the algorithms' on_ecn on a bare view, and the
 * `[tcp] ecn` key.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "tcp_frames.h"
#include "wire/cksum.h"

#define F_ECE TCP_FLAG_ECE
#define F_CWR TCP_FLAG_CWR
#define SEG 1448u	/* payload per segment with timestamps (MSS 1460 - 12) */

static uint8_t
ecn_of(const struct parsed_tcp *p)
{
	return p->ip.tos & IP4_ECN_MASK;
}

static uint8_t
info_ecn(struct tconn *tc)
{
	struct tern_tcp_info ti;

	assert_int_equal(tern_tcp_info_get(tc->s, tc->h, &ti), 0);
	return ti.ecn;
}

/* A segment from the peer whose IP header carries ECN codepoint `ecn`
 * (the header checksum fixed: routers that mark CE do the same). */
static void
in_ecn(struct tconn *tc, struct tseg seg, uint8_t ecn)
{
	struct rte_mbuf *m = tc_build(tc, seg);
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, ETH_HDR_LEN);
	uint16_t ck;

	ip[1] = (uint8_t)((ip[1] & ~IP4_ECN_MASK) | ecn);
	ip[10] = ip[11] = 0;
	ck = cksum_ip4_hdr(ip, IP4_HDR_LEN);
	memcpy(ip + 10, &ck, sizeof(ck));
	tstack_rx(tc->s, m, tc->now);
}

/* In-order data from the peer with ECN codepoint `ecn` and extra TCP
 * flags (F_CWR). */
static void
data_ecn(struct tconn *tc, const void *d, uint16_t len, uint8_t ecn, uint8_t flags)
{
	in_ecn(tc, TSEG(.flags = (uint8_t)(F_ACK | flags), .data = d, .len = len), ecn);
	tc->snd_nxt += len;
}

static struct tern_config
cfg_ecn(uint8_t mode)
{
	struct tern_config cfg;

	tcfg_default(&cfg);
	cfg.tcp_ecn = mode;
	return cfg;
}

/* Passive open with full options; the peer's SYN carries `syn_extra`
 * (ECE, CWR). Returns the SYN-ACK's flags (never ECN-capable). */
static uint8_t
passive_open(struct tconn *tc, const struct tern_config *cfg, uint8_t syn_extra)
{
	struct parsed_tcp p;

	tc_init(tc, cfg);
	tc_listen(tc, 0);
	tc->pport = PEER_PORT;
	tc->ws_shift = PEER_WSCALE;
	tc_in(tc, TSEG(.flags = (uint8_t)(F_SYN | syn_extra), .raw_opts = true,
		       .opts = tc_syn_opts_full(tc)));
	tc->snd_nxt++;
	tc_out1(tc, &p);
	assert_int_equal(ecn_of(&p), IP4_ECN_NOT_ECT);
	tc->ts_ok = tc->ws_ok = tc->sack_ok = true;
	tc_ack(tc);
	tc_out_none(tc);
	tc->h = tc_ev_type(tc, TERN_EV_TCP_ACCEPTED).handle;
	assert_int_equal(tc_state(tc), TCP_ST_ESTABLISHED);
	return p.tcp.flags;
}

/* Active open; the peer's SYN-ACK carries `synack_extra`. Returns our
 * SYN's flags. The ACK of the handshake is asserted plain. */
static uint8_t
active_open(struct tconn *tc, const struct tern_config *cfg, uint8_t synack_extra)
{
	struct parsed_tcp syn, p;

	tc_init(tc, cfg);
	tc->lport = OUR_ACTIVE_PORT;
	tc->pport = PEER_LISTEN_PORT;
	assert_int_equal(tern_tcp_connect(tc->c, PEER_IP, PEER_LISTEN_PORT,
					  OUR_ACTIVE_PORT, 0xc0), 0);
	tc_run(tc);
	tc_connecting(tc, 0xc0);
	tc_out1(tc, &syn);
	assert_int_equal(ecn_of(&syn), IP4_ECN_NOT_ECT);
	tc->ws_shift = PEER_WSCALE;
	tc_in(tc, TSEG(.flags = (uint8_t)(F_SYN | F_ACK | synack_extra), .raw_opts = true,
		       .opts = tc_syn_opts_full(tc)));
	tc->snd_nxt++;
	tc->ts_ok = tc->ws_ok = tc->sack_ok = true;
	tc_out1(tc, &p);
	tc_expect(&p, F_ACK, tc->irs + 1, tc->snd_nxt, 0);
	assert_int_equal(ecn_of(&p), IP4_ECN_NOT_ECT);
	tc->h = tc_ev_type(tc, TERN_EV_TCP_CONNECTED).handle;
	return syn.tcp.flags;
}

/* The app sends one small segment: its flags (ACK|PSH plus ECN's) and
 * ECN field; the peer acknowledges it. */
static void
expect_data_ecn(struct tconn *tc, uint8_t flags, uint8_t ecn)
{
	static const uint8_t d[100];
	struct parsed_tcp p;

	tc_send(tc, d, sizeof(d));
	tc_out1(tc, &p);
	tc_expect(&p, (uint8_t)(F_ACK | F_PSH | flags), p.tcp.seq, tc->snd_nxt, sizeof(d));
	assert_int_equal(ecn_of(&p), ecn);
	tc_ack(tc);
	tc_out_none(tc);
}

/* ---- negotiation (6.1.1) ------------------------------------------------- */

/* `passive` (the default) and `on` accept an ECN-setup SYN with an
 * ECN-setup SYN-ACK (ECE, not CWR); new data then goes out ECT(0). */
static void
test_ecn_passive_and_on_accept(void **state)
{
	static const uint8_t modes[] = { TERN_TCP_ECN_PASSIVE, TERN_TCP_ECN_ON };
	struct tern_config def;
	struct tconn tc;
	unsigned int i;

	(void)state;
	tcfg_default(&def);
	assert_int_equal(def.tcp_ecn, TERN_TCP_ECN_PASSIVE);
	for (i = 0; i < RTE_DIM(modes); i++) {
		struct tern_config cfg = cfg_ecn(modes[i]);

		assert_int_equal(passive_open(&tc, &cfg, F_ECE | F_CWR), F_SYN | F_ACK | F_ECE);
		assert_int_equal(tc_ctr(&tc, CTR_TCP_ECN_NEGOTIATED), 1);
		assert_int_equal(info_ecn(&tc), TERN_TCP_INFO_ECN_OK);
		expect_data_ecn(&tc, 0, IP4_ECN_ECT0);
		assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_ECT), 1);
		tc_fini(&tc);
	}
}

/* Refused: `off`; a SYN with ECE alone (not ECN-setup); a SYN cookie's
 * SYN-ACK (nothing is kept to remember it by). No ECE in the SYN-ACK, no
 * ECT(0) on data, and the peer's ECE and CE are ignored. */
static void
test_ecn_passive_refusals(void **state)
{
	static const uint8_t d[100];
	struct tern_config off = cfg_ecn(TERN_TCP_ECN_OFF), dflt = cfg_ecn(TERN_TCP_ECN_PASSIVE);
	struct tern_config cookie = cfg_ecn(TERN_TCP_ECN_ON);
	const struct {
		const struct tern_config *cfg;
		uint8_t syn_extra;
	} cases[] = { { &off, F_ECE | F_CWR }, { &dflt, F_ECE }, { &dflt, F_CWR },
		      { &cookie, F_ECE | F_CWR } };
	struct parsed_tcp p;
	struct tconn tc;
	unsigned int i;

	(void)state;
	cookie.tcp_syncookies = TERN_TCP_SYNCOOKIES_ALWAYS;
	for (i = 0; i < RTE_DIM(cases); i++) {
		uint32_t cwnd;

		assert_int_equal(passive_open(&tc, cases[i].cfg, cases[i].syn_extra),
				 F_SYN | F_ACK);
		assert_int_equal(info_ecn(&tc), 0);
		expect_data_ecn(&tc, 0, IP4_ECN_NOT_ECT);
		/* CE on the peer's data: no echo */
		data_ecn(&tc, d, sizeof(d), IP4_ECN_CE, 0);
		tc_advance(&tc, (uint64_t)tc.cfg.tcp_delack_ms * MS);
		tc_out1(&tc, &p);
		tc_expect(&p, F_ACK, tc.rcv_nxt, tc.snd_nxt, 0);
		/* ECE from the peer: no reduction */
		cwnd = tc_tcb(&tc)->cwnd;
		tc_in(&tc, TSEG(.flags = F_ACK | F_ECE));
		assert_int_equal(tc_tcb(&tc)->cwnd, cwnd);
		assert_int_equal(tc_ctr(&tc, CTR_TCP_ECN_NEGOTIATED), 0);
		assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_CE), 0);
		assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_ECE), 0);
		assert_int_equal(tc_ctr(&tc, CTR_TCP_ECN_REDUCTION), 0);
		assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_ECE), 0);
		assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_ECT), 0);
		tc_fini(&tc);
	}
}

/* `on` asks with ECE|CWR and takes the ECN-setup SYN-ACK. */
static void
test_ecn_active_on_negotiates(void **state)
{
	struct tern_config cfg = cfg_ecn(TERN_TCP_ECN_ON);
	struct tconn tc;

	(void)state;
	assert_int_equal(active_open(&tc, &cfg, F_ECE), F_SYN | F_ECE | F_CWR);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_ECN_NEGOTIATED), 1);
	assert_int_equal(info_ecn(&tc), TERN_TCP_INFO_ECN_OK);
	expect_data_ecn(&tc, 0, IP4_ECN_ECT0);
	tc_fini(&tc);
}

/* No ECN on an active open when: the peer refuses (no ECE); its SYN-ACK
 * has ECE and CWR (not ECN-setup, 6.1.1); we did not ask (`passive`,
 * `off`) whatever its SYN-ACK says. */
static void
test_ecn_active_refused_or_unasked(void **state)
{
	const struct {
		uint8_t mode;
		uint8_t synack_extra;
		uint8_t syn_flags;
	} cases[] = {
		{ TERN_TCP_ECN_ON, 0, F_SYN | F_ECE | F_CWR },
		{ TERN_TCP_ECN_ON, F_ECE | F_CWR, F_SYN | F_ECE | F_CWR },
		{ TERN_TCP_ECN_PASSIVE, F_ECE, F_SYN },
		{ TERN_TCP_ECN_OFF, F_ECE, F_SYN },
	};
	struct tconn tc;
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(cases); i++) {
		struct tern_config cfg = cfg_ecn(cases[i].mode);

		assert_int_equal(active_open(&tc, &cfg, cases[i].synack_extra),
				 cases[i].syn_flags);
		assert_int_equal(tc_ctr(&tc, CTR_TCP_ECN_NEGOTIATED), 0);
		assert_int_equal(info_ecn(&tc), 0);
		expect_data_ecn(&tc, 0, IP4_ECN_NOT_ECT);
		tc_fini(&tc);
	}
}

/* 6.1.1.1: the ECN-setup SYN may be what a middlebox drops; the resent
 * SYN is plain, and having sent it we must not use ECN even if the
 * SYN-ACK then says yes. */
static void
test_ecn_syn_resent_without_ecn(void **state)
{
	struct tern_config cfg = cfg_ecn(TERN_TCP_ECN_ON);
	struct parsed_tcp p;
	struct tconn tc;

	(void)state;
	tc_init(&tc, &cfg);
	tc.lport = OUR_ACTIVE_PORT;
	tc.pport = PEER_LISTEN_PORT;
	assert_int_equal(tern_tcp_connect(tc.c, PEER_IP, PEER_LISTEN_PORT,
					  OUR_ACTIVE_PORT, 0xc0), 0);
	tc_run(&tc);
	tc_connecting(&tc, 0xc0);
	tc_out1(&tc, &p);
	tc_expect(&p, F_SYN | F_ECE | F_CWR, tc.irs, 0, 0);
	tc_advance(&tc, (uint64_t)cfg.tcp_rto_init_ms * MS);
	tc_out1(&tc, &p);
	tc_expect(&p, F_SYN, tc.irs, 0, 0);
	tc.ws_shift = PEER_WSCALE;
	tc_in(&tc, TSEG(.flags = F_SYN | F_ACK | F_ECE, .raw_opts = true,
			.opts = tc_syn_opts_full(&tc)));
	tc.snd_nxt++;
	tc.ts_ok = tc.ws_ok = tc.sack_ok = true;
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.irs + 1, tc.snd_nxt, 0);
	tc.h = tc_ev_type(&tc, TERN_EV_TCP_CONNECTED).handle;
	assert_int_equal(info_ecn(&tc), 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_ECN_NEGOTIATED), 0);
	expect_data_ecn(&tc, 0, IP4_ECN_NOT_ECT);
	tc_fini(&tc);
}

/* ---- receiver (6.1.3) ------------------------------------------------------ */

/* CE is acknowledged at once with ECE; every ACK (and our data) carries
 * ECE until a segment with CWR; CWR with CE in the same segment keeps it
 * on. */
static void
test_ecn_ce_echoed_until_cwr(void **state)
{
	static const uint8_t d[100], out[100];
	struct parsed_tcp p;
	struct tconn tc;

	(void)state;
	passive_open(&tc, NULL, F_ECE | F_CWR);
	/* ECT(0) data without CE: delayed ACK as usual, no ECE */
	data_ecn(&tc, d, sizeof(d), IP4_ECN_ECT0, 0);
	tc_out_none(&tc);
	tc_advance(&tc, (uint64_t)tc.cfg.tcp_delack_ms * MS);
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, tc.snd_nxt, 0);
	/* CE: ACK at once, with ECE, itself not ECN-capable */
	data_ecn(&tc, d, sizeof(d), IP4_ECN_CE, 0);
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK | F_ECE, tc.rcv_nxt, tc.snd_nxt, 0);
	assert_int_equal(ecn_of(&p), IP4_ECN_NOT_ECT);
	assert_int_equal(info_ecn(&tc), TERN_TCP_INFO_ECN_OK | TERN_TCP_INFO_ECN_ECHO);
	/* no CE now, but still no CWR: ECE on the (delayed, every second
	 * segment) ACKs and on our data */
	data_ecn(&tc, d, sizeof(d), IP4_ECN_ECT0, 0);
	tc_out_none(&tc);
	data_ecn(&tc, d, sizeof(d), IP4_ECN_ECT0, 0);
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK | F_ECE, tc.rcv_nxt, tc.snd_nxt, 0);
	tc_send(&tc, out, sizeof(out));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK | F_PSH | F_ECE, p.tcp.seq, tc.snd_nxt, sizeof(out));
	assert_int_equal(ecn_of(&p), IP4_ECN_ECT0);
	tc_ack(&tc);
	tc_out_none(&tc);
	/* the peer's CWR ends the echo */
	data_ecn(&tc, d, sizeof(d), IP4_ECN_ECT0, F_CWR);
	tc_advance(&tc, (uint64_t)tc.cfg.tcp_delack_ms * MS);
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, tc.snd_nxt, 0);
	assert_int_equal(info_ecn(&tc), TERN_TCP_INFO_ECN_OK);
	/* CWR and CE together: CWR first, then the new CE (6.1.3) */
	data_ecn(&tc, d, sizeof(d), IP4_ECN_CE, F_CWR);
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK | F_ECE, tc.rcv_nxt, tc.snd_nxt, 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_CE), 2);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_CWR), 2);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_ECE), 4);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_ECN_REDUCTION), 0);
	tc_fini(&tc);
}

/* ---- sender (6.1.2, 6.1.4-6.1.6) ------------------------------------------- */

/* An ECN connection (passive open) that sent `nseg` full segments of `d`
 * (`total` bytes queued); every one ECT(0). Returns the first seq. */
static uint32_t
sent_ect(struct tconn *tc, const struct tern_config *cfg, uint8_t *d, uint32_t total,
	 unsigned int nseg)
{
	static struct parsed_tcp p[16];
	uint32_t seq;
	unsigned int i;

	passive_open(tc, cfg, F_ECE | F_CWR);
	assert_int_equal(tern_tcp_nodelay(tc->c, tc->h, 1), 0);
	tc_fill(d, total, 77);
	seq = tc->rcv_nxt;
	tc_send(tc, d, total);
	assert_int_equal(tc_out(tc, p, 16), nseg);
	for (i = 0; i < nseg; i++) {
		assert_int_equal(p[i].tcp.seq, seq + i * SEG);
		assert_int_equal(p[i].len, SEG);
		assert_int_equal(p[i].tcp.flags & (F_ECE | F_CWR), 0);
		assert_int_equal(ecn_of(&p[i]), IP4_ECN_ECT0);
	}
	return seq;
}

static void
ack_to(struct tconn *tc, uint32_t ack, uint8_t extra)
{
	tc_in(tc, TSEG(.flags = (uint8_t)(F_ACK | extra), .abs = true, .seq = tc->snd_nxt,
		       .ack = ack));
}

/* IW10 out, the peer echoes a CE: one cut to half the flight (NewReno),
 * no growth on ECE ACKs, no second cut for ECEs of the same window; the
 * first new segment after the cut carries CWR (and only it); an ECE for
 * data sent after the cut is a new window and cuts again. Nothing is
 * retransmitted. */
static void
test_ecn_ece_cuts_once_per_window(void **state)
{
	static uint8_t d[20 * SEG];
	struct parsed_tcp p[4];
	struct tconn tc;
	struct tcb *tcb;
	uint32_t b, ss;

	(void)state;
	b = sent_ect(&tc, NULL, d, sizeof(d), 10);
	tcb = tc_tcb(&tc);
	assert_int_equal(tcb->cwnd, 10 * 1460);
	tc_advance(&tc, 10 * MS);
	/* ECE on the ACK of two segments: FlightSize 10 segments -> 5 */
	ack_to(&tc, b + 2 * SEG, F_ECE);
	assert_int_equal(tcb->ssthresh, 5 * SEG);
	assert_int_equal(tcb->cwnd, 5 * SEG);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_ECN_REDUCTION), 1);
	assert_int_equal(info_ecn(&tc), TERN_TCP_INFO_ECN_OK | TERN_TCP_INFO_ECN_CWR);
	tc_out_none(&tc);			/* 8 segments in flight > cwnd */
	/* more ECEs for the same window: no cut, no growth */
	ack_to(&tc, b + 4 * SEG, F_ECE);
	assert_int_equal(tcb->cwnd, 5 * SEG);
	tc_out_none(&tc);
	ack_to(&tc, b + 6 * SEG, F_ECE);
	assert_int_equal(tcb->cwnd, 5 * SEG);
	assert_int_equal(tcb->ssthresh, 5 * SEG);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_ECN_REDUCTION), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_ECE), 3);
	/* room for one segment: new data, ECT(0), with CWR */
	tc_out1(&tc, p);
	tc_expect(p, F_ACK | F_CWR, b + 10 * SEG, tc.snd_nxt, SEG);
	assert_int_equal(ecn_of(p), IP4_ECN_ECT0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_CWR), 1);
	assert_int_equal(info_ecn(&tc), TERN_TCP_INFO_ECN_OK);
	/* a plain ACK: congestion avoidance (no growth yet), two more
	 * segments, ECT(0) without CWR */
	ack_to(&tc, b + 8 * SEG, 0);
	assert_int_equal(tcb->cwnd, 5 * SEG);
	assert_int_equal(tc_out(&tc, p, 4), 2);
	tc_expect(&p[0], F_ACK, b + 11 * SEG, tc.snd_nxt, SEG);
	tc_expect(&p[1], F_ACK, b + 12 * SEG, tc.snd_nxt, SEG);
	assert_int_equal(ecn_of(&p[0]), IP4_ECN_ECT0);
	assert_int_equal(ecn_of(&p[1]), IP4_ECN_ECT0);
	/* an ECE for the segment after the cut: a new window, a new cut
	 * from min(FlightSize, cwnd) = 5 segments */
	ack_to(&tc, b + 11 * SEG, F_ECE);
	ss = RTE_MAX(5 * SEG / 2, 2u * tcb->mss);
	assert_int_equal(tcb->ssthresh, ss);
	assert_int_equal(tcb->cwnd, ss);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_ECN_REDUCTION), 2);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_RETRANS), 0);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_FAST_RETRANS), 0);
	tc_fini(&tc);
}

/* CUBIC: the ECE cut is beta = 0.7 of the flight, cwnd = ssthresh. */
static void
test_ecn_ece_cubic(void **state)
{
	static uint8_t d[10 * SEG];
	struct tern_config cfg;
	struct tconn tc;
	struct tcb *tcb;
	uint32_t b;

	(void)state;
	tcfg_default(&cfg);
	cfg.tcp_cc = TERN_TCP_CC_CUBIC;
	b = sent_ect(&tc, &cfg, d, sizeof(d), 10);
	tcb = tc_tcb(&tc);
	ack_to(&tc, b + SEG, F_ECE);
	assert_int_equal(tcb->ssthresh, 10 * SEG * 7 / 10);
	assert_int_equal(tcb->cwnd, 10 * SEG * 7 / 10);
	assert_int_equal(tcb->cc.cubic.w_max, 10 * 1460);
	tc_fini(&tc);
}

/* Retransmissions (fast and after an RTO) and zero-window probes are
 * never ECN-capable (6.1.5, 6.1.6); a FIN alone neither (no data). */
static void
test_ecn_no_ect_on_resends_and_probes(void **state)
{
	static uint8_t d[5 * SEG];
	static const uint8_t more[10];
	static struct parsed_tcp q[4];
	struct parsed_tcp p;
	struct tconn tc;
	uint32_t b;
	int i;

	(void)state;
	b = sent_ect(&tc, NULL, d, sizeof(d), 5);
	for (i = 0; i < 3; i++)
		ack_to(&tc, b, 0);
	tc_out1(&tc, &p);			/* fast retransmit */
	tc_expect(&p, F_ACK, b, tc.snd_nxt, SEG);
	assert_int_equal(ecn_of(&p), IP4_ECN_NOT_ECT);
	/* RTO: the go-back resend of one SMSS (1460: a 1448-byte segment
	 * and the 12 bytes after it) */
	tc_advance(&tc, 2 * SEC);
	assert_int_equal(tc_out(&tc, q, 4), 2);
	tc_expect(&q[0], F_ACK, b, tc.snd_nxt, SEG);
	tc_expect(&q[1], F_ACK, b + SEG, tc.snd_nxt, 1460 - SEG);
	assert_int_equal(ecn_of(&q[0]), IP4_ECN_NOT_ECT);
	assert_int_equal(ecn_of(&q[1]), IP4_ECN_NOT_ECT);
	/* everything acknowledged, window closed; new data waits for the
	 * persist timer's probe */
	tc_in(&tc, TSEG(.flags = F_ACK, .abs = true, .seq = tc.snd_nxt, .ack = b + sizeof(d),
			.wnd = TSEG_WND_ZERO));
	tc_out_none(&tc);
	tc_send(&tc, more, sizeof(more));
	tc_out_none(&tc);
	tc_advance(&tc, 3 * SEC);
	tc_out1(&tc, &p);
	assert_int_equal(p.len, 1);
	assert_int_equal(p.tcp.seq, b + sizeof(d));
	assert_int_equal(ecn_of(&p), IP4_ECN_NOT_ECT);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_ZERO_WND_PROBE), 1);
	/* the window opens: the data is new (ECT(0)) beyond the probe byte */
	tc_in(&tc, TSEG(.flags = F_ACK, .abs = true, .seq = tc.snd_nxt, .ack = b + sizeof(d) + 1));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK | F_PSH, b + sizeof(d) + 1, tc.snd_nxt, sizeof(more) - 1);
	assert_int_equal(ecn_of(&p), IP4_ECN_ECT0);
	tc_ack(&tc);
	/* the FIN alone */
	assert_int_equal(tern_tcp_shutdown(tc.c, tc.h), 0);
	tc_run(&tc);
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK | F_FIN, b + sizeof(d) + sizeof(more), tc.snd_nxt, 0);
	assert_int_equal(ecn_of(&p), IP4_ECN_NOT_ECT);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_ECT), 6);
	tc_fini(&tc);
}

/* A loss among the data an ECE cut already answered for: fast
 * retransmit (RFC 5681), but no second cut in that window (6.1.2 "once
 * per window for a series of dropped and/or CE packets"). */
static void
test_ecn_loss_in_cut_window(void **state)
{
	static uint8_t d[10 * SEG];
	struct parsed_tcp p;
	struct tconn tc;
	struct tcb *tcb;
	uint32_t b;
	int i;

	(void)state;
	b = sent_ect(&tc, NULL, d, sizeof(d), 10);
	tcb = tc_tcb(&tc);
	ack_to(&tc, b + 4 * SEG, F_ECE);
	assert_int_equal(tcb->ssthresh, 5 * SEG);
	tc_out_none(&tc);
	/* segment 4 lost: duplicate ACKs, still echoing the CE */
	for (i = 0; i < 2; i++) {
		ack_to(&tc, b + 4 * SEG, F_ECE);
		tc_out_none(&tc);
	}
	ack_to(&tc, b + 4 * SEG, F_ECE);
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, b + 4 * SEG, tc.snd_nxt, SEG);
	assert_int_equal(ecn_of(&p), IP4_ECN_NOT_ECT);
	assert_true(tcb->flags & TCB_F_FAST_RECOVERY);
	/* without the rule: ssthresh = FlightSize (6 segments) / 2 */
	assert_int_equal(tcb->ssthresh, 5 * SEG);
	assert_int_equal(tcb->cwnd, 5 * SEG);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_ECN_REDUCTION), 1);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_FAST_RETRANS), 1);
	tc_fini(&tc);
}

/* An app's TOS (TERN_TCP_OPT_TOS) keeps its DSCP; the ECN field is the
 * transport's (RFC 3168 5): ECT(0) on new data of an ECN connection,
 * Not-ECT everywhere else, whatever the app put in those two bits. */
static void
test_ecn_field_is_not_the_apps(void **state)
{
	static const uint8_t d[100];
	struct tern_config off = cfg_ecn(TERN_TCP_ECN_OFF);
	struct parsed_tcp p;
	struct tconn tc;
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		bool ecn = i == 0;

		passive_open(&tc, ecn ? NULL : &off, F_ECE | F_CWR);
		/* DSCP EF (0xb8) with CE set by the app */
		assert_int_equal(tern_tcp_setopt(tc.c, tc.h, TERN_TCP_OPT_TOS, 0xbb, 0x77), 0);
		tc_run(&tc);
		tc_no_ev(&tc);
		tc_send(&tc, d, sizeof(d));
		tc_out1(&tc, &p);
		assert_int_equal(p.len, sizeof(d));
		assert_int_equal(p.ip.tos, ecn ? 0xb8 | IP4_ECN_ECT0 : 0xb8);
		data_ecn(&tc, d, sizeof(d), IP4_ECN_NOT_ECT, 0);
		tc_advance(&tc, (uint64_t)tc.cfg.tcp_delack_ms * MS);
		tc_out1(&tc, &p);
		tc_expect(&p, F_ACK, tc.rcv_nxt, tc.snd_nxt, 0);
		assert_int_equal(p.ip.tos, 0xb8);
		tc_fini(&tc);
	}
}

/* ---- the algorithms and the config key ------------------------------------- */

static void
test_ecn_cc_ops(void **state)
{
	union tcp_cc_priv priv;
	struct tcp_cc_view v = { .cwnd = 20000, .ssthresh = UINT32_MAX, .mss = 1000,
				 .flight = 20000, .now_ns = SEC, .priv = &priv };

	(void)state;
	memset(&priv, 0, sizeof(priv));
	tcp_cc_newreno.on_ecn(&v);
	assert_int_equal(v.ssthresh, 10000);
	assert_int_equal(v.cwnd, 10000);
	/* at the loss window: ssthresh floors at 2 SMSS, cwnd never grows */
	v.cwnd = 1000;
	v.flight = 1000;
	tcp_cc_newreno.on_ecn(&v);
	assert_int_equal(v.ssthresh, 2000);
	assert_int_equal(v.cwnd, 1000);
	memset(&priv, 0, sizeof(priv));
	v.cwnd = 20000;
	v.flight = 20000;
	v.ssthresh = UINT32_MAX;
	priv.cubic.epoch_ns = 1;
	tcp_cc_cubic.on_ecn(&v);
	assert_int_equal(v.ssthresh, 14000);
	assert_int_equal(v.cwnd, 14000);
	assert_int_equal(priv.cubic.w_max, 20000);
	assert_int_equal(priv.cubic.epoch_ns, 0);
}

static int
load(struct tern_config *c, const char *text, char *err, size_t len)
{
	char path[] = "/tmp/tern_ecn_XXXXXX";
	int fd = mkstemp(path), rc;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	rc = tern_config_load_ini(c, path, err, len);
	unlink(path);
	return rc;
}

static void
test_ecn_config(void **state)
{
	struct tern_config c;
	char err[256];

	(void)state;
	tstack_config(&c);
	assert_int_equal(load(&c, "[tcp]\necn = on\n", err, sizeof(err)), 0);
	assert_int_equal(c.tcp_ecn, TERN_TCP_ECN_ON);
	assert_int_equal(load(&c, "[tcp]\necn = off\n", err, sizeof(err)), 0);
	assert_int_equal(c.tcp_ecn, TERN_TCP_ECN_OFF);
	assert_int_equal(load(&c, "[tcp]\necn = passive\n", err, sizeof(err)), 0);
	assert_int_equal(c.tcp_ecn, TERN_TCP_ECN_PASSIVE);
	assert_int_equal(load(&c, "[tcp]\necn = 1\n", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "[tcp] ecn = 1: bad value (off, on or passive)"));
	assert_int_equal(tern_config_validate(&c, err, sizeof(err)), 0);
	c.tcp_ecn = TERN_TCP_ECN_COUNT;
	assert_int_equal(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "ecn"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ecn_passive_and_on_accept, harness_setup,
						tc_teardown),
		cmocka_unit_test_setup_teardown(test_ecn_passive_refusals, harness_setup,
						tc_teardown),
		cmocka_unit_test_setup_teardown(test_ecn_active_on_negotiates, harness_setup,
						tc_teardown),
		cmocka_unit_test_setup_teardown(test_ecn_active_refused_or_unasked,
						harness_setup, tc_teardown),
		cmocka_unit_test_setup_teardown(test_ecn_syn_resent_without_ecn, harness_setup,
						tc_teardown),
		cmocka_unit_test_setup_teardown(test_ecn_ce_echoed_until_cwr, harness_setup,
						tc_teardown),
		cmocka_unit_test_setup_teardown(test_ecn_ece_cuts_once_per_window,
						harness_setup, tc_teardown),
		cmocka_unit_test_setup_teardown(test_ecn_ece_cubic, harness_setup,
						tc_teardown),
		cmocka_unit_test_setup_teardown(test_ecn_no_ect_on_resends_and_probes,
						harness_setup, tc_teardown),
		cmocka_unit_test_setup_teardown(test_ecn_loss_in_cut_window, harness_setup,
						tc_teardown),
		cmocka_unit_test_setup_teardown(test_ecn_field_is_not_the_apps, harness_setup,
						tc_teardown),
		cmocka_unit_test(test_ecn_cc_ops),
		cmocka_unit_test_setup_teardown(test_ecn_config, harness_setup,
						harness_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
