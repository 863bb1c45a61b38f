/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Receiving data (RFC 9293 3.8.6, 3.10.7.4 first/seventh steps, RFC 1122
 * 4.2.3.2 delayed ACK, RFC 5681 4.2, RFC 2018, RFC 7323 5 PAWS): in-order
 * delivery with zero copy, delayed and immediate ACKs, out-of-order data
 * held and delivered once the hole is filled, duplicates and overlaps
 * trimmed, out-of-window segments, old timestamps, and the receive window
 * as flow control (closing as the app holds data, zero window, reopening
 * with TERN_CMD_TCP_RECVD and a window update).
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "tcp_frames.h"

/* Take every pending event; all must be DATA. Concatenate into `buf`;
 * returns the byte count. */
static uint32_t
collect(struct tconn *tc, uint8_t *buf, uint32_t cap)
{
	struct tern_event ev;
	uint32_t total = 0;

	while (tern_chan_recv(tc->c, &ev, 1) == 1) {
		uint32_t n;

		assert_int_equal(ev.type, TERN_EV_TCP_DATA);
		assert_int_equal(ev.len, rte_pktmbuf_pkt_len(ev.m));
		assert_true(total + ev.len <= cap);
		n = pkt_to_bytes(ev.m, buf + total, cap - total);
		assert_int_equal(n, ev.len);
		total += n;
		rte_pktmbuf_free(ev.m);
	}
	return total;
}

static bool
has_sack(const struct parsed_tcp *p, uint32_t left, uint32_t right)
{
	unsigned int i;

	for (i = 0; i < p->tcp.opts.n_sack; i++)
		if (p->tcp.opts.sack[i].left == left && p->tcp.opts.sack[i].right == right)
			return true;
	return false;
}

static void
small_rcvbuf_cfg(struct tern_config *cfg)
{
	tcfg_default(cfg);
	cfg->tcp_rcvbuf = 8192;		/* shift 0: the field is the window */
}

static void
test_in_order_zero_copy(void **state)
{
	struct tconn tc;
	struct tern_event ev;
	struct rte_mbuf *m;
	uint8_t d[500];
	uint16_t off;

	(void)state;
	tc_init(&tc, NULL);
	tc_passive_open(&tc, false);
	tc_fill(d, sizeof(d), 11);
	m = tc_build(&tc, TSEG(.flags = F_ACK | F_PSH, .data = d, .len = sizeof(d)));
	off = m->data_off;
	tstack_rx(tc.s, m, tc.now);
	tc.snd_nxt += sizeof(d);
	ev = tc_ev(&tc);
	assert_int_equal(ev.type, TERN_EV_TCP_DATA);
	assert_int_equal(ev.handle, tc.h);
	assert_int_equal(ev.len, sizeof(d));
	assert_ptr_equal(ev.m, m);			/* the very frame */
	{
		struct tcp_opts o = { .present = TCP_OPTF_TS };

		assert_int_equal(ev.m->data_off, off + ETH_HDR_LEN + IP4_HDR_LEN +
				 TCP_HDR_LEN + tcp_opts_len(&o));
	}
	assert_int_equal(rte_pktmbuf_pkt_len(ev.m), sizeof(d));
	assert_memory_equal(rte_pktmbuf_mtod(ev.m, void *), d, sizeof(d));
	rte_pktmbuf_free(ev.m);
	tc_fini(&tc);
}

/* RFC 1122 4.2.3.2 / RFC 9293 3.8.6.3: one small segment is ACKed after
 * the delayed-ACK timer, not at once. */
static void
test_delayed_ack(void **state)
{
	struct tconn tc;
	uint64_t dl;
	uint8_t d[100];

	(void)state;
	tc_init(&tc, NULL);
	tc_passive_open(&tc, false);
	dl = (uint64_t)tc.cfg.tcp_delack_ms * MS;
	tc_fill(d, sizeof(d), 12);
	tc_data(&tc, d, sizeof(d), F_PSH);
	assert_int_equal(tc_ev_type(&tc, TERN_EV_TCP_DATA).len, sizeof(d));
	tc_out_none(&tc);
	tc_advance(&tc, dl - MS);
	tc_out_none(&tc);
	tc_advance(&tc, MS);
	tc_expect_ack(&tc, tc.snd_nxt);
	tc_advance(&tc, 10 * dl);
	tc_out_none(&tc);
	tc_fini(&tc);
}

/* Every second full-sized segment is ACKed at once (RFC 9293 3.8.6.3). */
static void
test_two_full_segments_ack_now(void **state)
{
	struct tconn tc;
	static uint8_t d[2 * PEER_MSS];
	static uint8_t got[2 * PEER_MSS];

	(void)state;
	tc_init(&tc, NULL);
	tc_passive_open(&tc, true);		/* no options: full = 1460 bytes */
	tc_fill(d, sizeof(d), 13);
	tc_data(&tc, d, PEER_MSS, 0);
	tc_out_none(&tc);
	tc_data(&tc, d + PEER_MSS, PEER_MSS, 0);
	tc_expect_ack(&tc, tc.snd_nxt);
	assert_int_equal(collect(&tc, got, sizeof(got)), sizeof(d));
	assert_memory_equal(got, d, sizeof(d));
	tc_fini(&tc);
}

/* Out of order: immediate duplicate ACK with a SACK block (RFC 5681 4.2,
 * RFC 2018 4); the data waits; the hole filled -> everything in order and
 * an immediate ACK. */
static void
test_out_of_order_then_fill(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;
	static uint8_t d[3000], got[3000];
	uint32_t base;

	(void)state;
	tc_init(&tc, NULL);
	tc_passive_open(&tc, false);
	tc_fill(d, sizeof(d), 14);
	base = tc.snd_nxt;
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = 1000, .data = d + 1000, .len = 1000));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, base, 0);
	assert_true(p.tcp.opts.present & TCP_OPTF_SACK);
	assert_true(p.tcp.opts.n_sack >= 1);
	assert_int_equal(p.tcp.opts.sack[0].left, base + 1000);
	assert_int_equal(p.tcp.opts.sack[0].right, base + 2000);
	tc_no_ev(&tc);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_OOO), 1);
	/* a second island, after a second hole: the newest block first */
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = 2500, .data = d + 2500, .len = 500));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, base, 0);
	assert_int_equal(p.tcp.opts.n_sack, 2);
	assert_true(has_sack(&p, base + 2500, base + 3000));
	assert_true(has_sack(&p, base + 1000, base + 2000));
	/* fill the first hole */
	tc_in(&tc, TSEG(.flags = F_ACK, .data = d, .len = 1000));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, base + 2000, 0);
	assert_int_equal(p.tcp.opts.n_sack, 1);
	assert_int_equal(p.tcp.opts.sack[0].left, base + 2500);
	assert_int_equal(collect(&tc, got, sizeof(got)), 2000);
	assert_memory_equal(got, d, 2000);
	/* and the second */
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = 2000, .data = d + 2000, .len = 500));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, base + 3000, 0);
	assert_int_equal(p.tcp.opts.present & TCP_OPTF_SACK, 0);
	assert_int_equal(collect(&tc, got, sizeof(got)), 1000);
	assert_memory_equal(got, d + 2000, 1000);
	tc_fini(&tc);
}

/* RFC 2018 4: the first SACK block MUST cover the segment that triggered
 * the ACK (unless it advanced the ACK); the others repeat the most recent
 * blocks. */
static void
test_sack_first_block_is_latest(void **state)
{
	struct tconn tc;
	static struct parsed_tcp p;
	static uint8_t d[5000];
	uint32_t base;

	(void)state;
	tc_init(&tc, NULL);
	tc_passive_open(&tc, false);
	tc_fill(d, sizeof(d), 31);
	base = tc.snd_nxt;
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = 3000, .data = d, .len = 500));
	tc_out1(&tc, &p);
	assert_int_equal(p.tcp.opts.sack[0].left, base + 3000);
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = 1000, .data = d, .len = 500));
	tc_out1(&tc, &p);
	assert_int_equal(p.tcp.opts.n_sack, 2);
	assert_int_equal(p.tcp.opts.sack[0].left, base + 1000);
	assert_int_equal(p.tcp.opts.sack[0].right, base + 1500);
	assert_int_equal(p.tcp.opts.sack[1].left, base + 3000);
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = 4000, .data = d, .len = 500));
	tc_out1(&tc, &p);
	assert_int_equal(p.tcp.opts.n_sack, 3);
	assert_int_equal(p.tcp.opts.sack[0].left, base + 4000);
	assert_int_equal(p.tcp.opts.sack[1].left, base + 1000);
	assert_int_equal(p.tcp.opts.sack[2].left, base + 3000);
	tc_fini(&tc);
}

/* Duplicates are ACKed and not delivered; overlaps are trimmed so every
 * byte is delivered once. */
static void
test_duplicate_and_overlap_trimmed(void **state)
{
	struct tconn tc;
	static uint8_t d[400], got[400];
	uint32_t base;

	(void)state;
	tc_init(&tc, NULL);
	tc_passive_open(&tc, false);
	tc_fill(d, sizeof(d), 15);
	base = tc.snd_nxt;
	tc_data(&tc, d, 100, 0);
	assert_int_equal(collect(&tc, got, sizeof(got)), 100);
	/* [50, 150): only [100, 150) is new */
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = -50, .data = d + 50, .len = 100));
	tc.snd_nxt = base + 150;
	assert_int_equal(collect(&tc, got, sizeof(got)), 50);
	assert_memory_equal(got, d + 100, 50);
	tstack_tx_discard(tc.s);
	/* an entire duplicate: immediate ACK, nothing delivered */
	tc_in(&tc, TSEG(.flags = F_ACK, .abs = true, .seq = base, .ack = tc.rcv_nxt,
			.data = d, .len = 100));
	tc_expect_ack(&tc, base + 150);
	tc_no_ev(&tc);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_DUP), 1);
	/* out of order overlapping both the queue and new space */
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = 100, .data = d + 250, .len = 100));
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = 50, .data = d + 200, .len = 100));
	tstack_tx_discard(tc.s);
	tc_no_ev(&tc);
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = -10, .data = d + 140, .len = 70));
	assert_int_equal(collect(&tc, got, sizeof(got)), 200);
	assert_memory_equal(got, d + 150, 200);
	tc_fini(&tc);
}

/* A segment beyond the window: ACK and drop (RFC 9293 3.10.7.4 first). */
static void
test_out_of_window_acked(void **state)
{
	struct tconn tc;
	uint8_t d[100];

	(void)state;
	tc_init(&tc, NULL);
	tc_passive_open(&tc, false);
	tc_fill(d, sizeof(d), 16);
	tc_in(&tc, TSEG(.flags = F_ACK, .dseq = 300000, .data = d, .len = sizeof(d)));
	tc_expect_ack(&tc, tc.snd_nxt);
	tc_no_ev(&tc);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_OUT_OF_WND), 1);
	tc_fini(&tc);
}

/* RFC 7323 5.3: a TSval older than TS.Recent is dropped with an ACK. */
static void
test_paws_old_tsval_dropped(void **state)
{
	struct tconn tc;
	uint8_t d[100];

	(void)state;
	tc_init(&tc, NULL);
	tc_passive_open(&tc, false);
	tc_fill(d, sizeof(d), 17);
	tc.ts_val += 100;
	tc_data(&tc, d, 10, 0);
	assert_int_equal(tc_ev_type(&tc, TERN_EV_TCP_DATA).len, 10);
	tstack_tx_discard(tc.s);
	tc_in(&tc, TSEG(.flags = F_ACK, .data = d, .len = sizeof(d), .tsval = tc.ts_val - 50));
	tc_expect_ack(&tc, tc.snd_nxt);
	tc_no_ev(&tc);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_PAWS), 1);
	/* the same bytes with a current TSval are taken */
	tc_data(&tc, d, sizeof(d), 0);
	assert_int_equal(tc_ev_type(&tc, TERN_EV_TCP_DATA).len, sizeof(d));
	tc_fini(&tc);
}

/* Flow control: the window is rcvbuf minus what the app holds; zero when
 * full; a probe is answered with window 0 and not taken; TERN_CMD_TCP_RECVD
 * reopens it with a window update. */
static void
test_receive_window_closes_and_reopens(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	static struct parsed_tcp p;
	static uint8_t d[8192], got[8192];
	uint32_t sent = 0;

	(void)state;
	small_rcvbuf_cfg(&cfg);
	tc_init(&tc, &cfg);
	tc_passive_open(&tc, true);
	tc_fill(d, sizeof(d), 18);
	while (sent < sizeof(d)) {
		uint16_t n = (uint16_t)RTE_MIN(sizeof(d) - sent, (uint32_t)PEER_MSS);

		tc_data(&tc, d + sent, n, 0);
		sent += n;
		tc_out(&tc, &p, 1);
	}
	tc_advance(&tc, (uint64_t)cfg.tcp_delack_ms * MS);
	tc_out(&tc, &p, 1);
	/* the latest ACK covers everything and advertises a zero window */
	assert_int_equal(p.tcp.ack, tc.snd_nxt);
	assert_int_equal(p.tcp.wnd, 0);
	assert_int_equal(collect(&tc, got, sizeof(got)), sizeof(d));
	assert_memory_equal(got, d, sizeof(d));
	/* a 1-byte probe into the zero window: ACK, window 0, not taken */
	tc_in(&tc, TSEG(.flags = F_ACK, .data = d, .len = 1));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, tc.snd_nxt, 0);
	assert_int_equal(p.tcp.wnd, 0);
	tc_no_ev(&tc);
	/* the app consumes: a window update goes out */
	assert_int_equal(tern_tcp_recvd(tc.c, tc.h, sizeof(d)), 0);
	tc_run(&tc);
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, tc.snd_nxt, 0);
	assert_int_equal(p.tcp.wnd, 8192);
	tc_fini(&tc);
}

/* The advertised window follows the bytes the app has not credited. */
static void
test_receive_window_tracks_unread(void **state)
{
	struct tern_config cfg;
	struct tconn tc;
	static struct parsed_tcp p;
	static uint8_t d[3000], got[3000];

	(void)state;
	small_rcvbuf_cfg(&cfg);
	tc_init(&tc, &cfg);
	tc_passive_open(&tc, true);
	tc_fill(d, sizeof(d), 19);
	tc_data(&tc, d, 1460, 0);
	tc_data(&tc, d + 1460, 1460, 0);
	tc_out1(&tc, &p);
	assert_int_equal(p.tcp.wnd, 8192 - 2920);
	assert_int_equal(collect(&tc, got, sizeof(got)), 2920);
	assert_int_equal(tern_tcp_recvd(tc.c, tc.h, 2920), 0);
	tc_run(&tc);
	tc_out1(&tc, &p);			/* window update: >= 1 MSS opened */
	assert_int_equal(p.tcp.wnd, 8192);
	tc_fini(&tc);
}

/* Data with FIN: data first, then PEER_CLOSED. */
static void
test_data_with_fin(void **state)
{
	struct tconn tc;
	static uint8_t d[200], got[200];
	struct tern_event ev;

	(void)state;
	tc_init(&tc, NULL);
	tc_passive_open(&tc, false);
	tc_fill(d, sizeof(d), 20);
	tc_data(&tc, d, sizeof(d), F_FIN | F_PSH);
	ev = tc_ev(&tc);
	assert_int_equal(ev.type, TERN_EV_TCP_DATA);
	assert_int_equal(pkt_to_bytes(ev.m, got, sizeof(got)), sizeof(d));
	assert_memory_equal(got, d, sizeof(d));
	rte_pktmbuf_free(ev.m);
	tc_ev_type(&tc, TERN_EV_TCP_PEER_CLOSED);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSE_WAIT);
	tc_fini(&tc);
}

/* RFC 5681 4.2, RFC 9293 3.10.7.4: a bare FIN beyond a hole arrives out of
 * order; it draws an immediate duplicate ACK <SEQ=SND.NXT><ACK=RCV.NXT>
 * that tells the sender where the hole is, with and without SACK. The FIN
 * is not taken (the connection stays ESTABLISHED, no event); after the
 * hole is filled, the FIN sent again closes the peer's side. */
static void
fin_beyond_hole(bool plain)
{
	struct tconn tc;
	static struct parsed_tcp p;
	static uint8_t d[500];
	uint32_t base;

	tc_init(&tc, NULL);
	tc_passive_open(&tc, plain);
	tc_fill(d, sizeof(d), 21);
	base = tc.snd_nxt;
	tc_in(&tc, TSEG(.flags = F_FIN | F_ACK, .dseq = sizeof(d)));
	tc_out1(&tc, &p);
	tc_expect(&p, F_ACK, tc.rcv_nxt, base, 0);
	tc_no_ev(&tc);
	assert_int_equal(tc_state(&tc), TCP_ST_ESTABLISHED);
	assert_int_equal(tc_ctr(&tc, CTR_TCP_RX_FIN_OOO), 1);
	/* the hole filled, then the FIN again */
	tc_data(&tc, d, sizeof(d), F_PSH);
	assert_int_equal(tc_ev_type(&tc, TERN_EV_TCP_DATA).len, sizeof(d));
	tc_data(&tc, NULL, 0, F_FIN);
	tc_ev_type(&tc, TERN_EV_TCP_PEER_CLOSED);
	assert_int_equal(tc_state(&tc), TCP_ST_CLOSE_WAIT);
	tc_fini(&tc);
}

static void
test_fin_beyond_hole_dup_ack(void **state)
{
	(void)state;
	fin_beyond_hole(false);
	fin_beyond_hole(true);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, tc_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_in_order_zero_copy),
		T(test_delayed_ack),
		T(test_two_full_segments_ack_now),
		T(test_out_of_order_then_fill),
		T(test_sack_first_block_is_latest),
		T(test_duplicate_and_overlap_trimmed),
		T(test_out_of_window_acked),
		T(test_paws_old_tsval_dropped),
		T(test_receive_window_closes_and_reopens),
		T(test_receive_window_tracks_unread),
		T(test_data_with_fin),
		T(test_fin_beyond_hole_dup_ack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
