/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The SACK blocks tern sends (RFC 2018 section 4, RFC 2883 section 4;
 * issue 12 item 7), segment by segment: the first block holds the segment
 * that triggered the ACK; the next ones repeat the blocks reported most
 * recently, most recent first (not sorted by sequence number); with more
 * islands than fit (4 blocks, 3 with timestamps) the newest are kept and
 * the triggering block is never left out; a block that grew or merged is
 * reported as it is now; an ACK that advanced RCV.NXT leads with the most
 * recent block still above it. A duplicate of out-of-order data already
 * held draws a D-SACK: the duplicate range first, then the block holding
 * it; a partial duplicate reports its duplicate part; data arriving in
 * order over bytes already held reports the overlap.
 */
#include <string.h>

#include "harness.h"
#include "tcp_frames.h"

static uint8_t d[10000];

/* Peer data [a, b) relative to base (the peer's first data byte). */
static void
island(struct tconn *tc, uint32_t base, uint32_t a, uint32_t b)
{
	tc_in(tc, TSEG(.flags = F_ACK, .abs = true, .seq = base + a, .ack = tc->rcv_nxt,
		       .data = d + a, .len = (uint16_t)(b - a)));
}

/* Exactly one ACK of base + ack with the blocks `lr` (pairs relative to
 * base), as many as fit: 4, or 3 with timestamps. */
static void
expect_blocks(struct tconn *tc, uint32_t base, uint32_t ack, unsigned int n,
	      const uint32_t *lr)
{
	static struct parsed_tcp p;
	unsigned int fit = tc->ts_ok ? 3 : 4, i;

	tc_out1(tc, &p);
	tc_expect(&p, F_ACK, tc->rcv_nxt, base + ack, 0);
	n = RTE_MIN(n, fit);
	if (p.tcp.opts.n_sack != n) {
		for (i = 0; i < p.tcp.opts.n_sack; i++)
			print_error("block %u: [%u, %u)\n", i, p.tcp.opts.sack[i].left - base,
				    p.tcp.opts.sack[i].right - base);
	}
	assert_int_equal(p.tcp.opts.n_sack, n);
	assert_int_equal(!!(p.tcp.opts.present & TCP_OPTF_SACK), n > 0);
	for (i = 0; i < n; i++) {
		if (p.tcp.opts.sack[i].left != base + lr[2 * i] ||
		    p.tcp.opts.sack[i].right != base + lr[2 * i + 1])
			print_error("block %u: [%u, %u), expected [%u, %u)\n", i,
				    p.tcp.opts.sack[i].left - base,
				    p.tcp.opts.sack[i].right - base, lr[2 * i], lr[2 * i + 1]);
		assert_int_equal(p.tcp.opts.sack[i].left, base + lr[2 * i]);
		assert_int_equal(p.tcp.opts.sack[i].right, base + lr[2 * i + 1]);
	}
}

/* Free the data events the app got (delivery is test_tcp_data's). */
static void
drain(struct tconn *tc)
{
	struct tern_event ev;
	unsigned int n = 0;

	while (tern_chan_recv(tc->c, &ev, 1) == 1) {
		assert_int_equal(ev.type, TERN_EV_TCP_DATA);
		rte_pktmbuf_free(ev.m);
		n++;
	}
	assert_true(n > 0);
}

#define BLOCKS(...) (sizeof((uint32_t[]){ __VA_ARGS__ }) / 8), ((uint32_t[]){ __VA_ARGS__ })

static void
blocks_order(uint8_t which)
{
	struct tconn tc;
	struct tcp_opts o;
	uint32_t b;

	tc_init(&tc, NULL);
	o = tc_syn_opts(&tc, which);
	tc_passive_open_opts(&tc, &o);
	assert_true(tc.sack_ok);
	b = tc.snd_nxt;
	/* 1..5 islands, arriving out of sequence order */
	island(&tc, b, 3000, 3100);
	expect_blocks(&tc, b, 0, BLOCKS(3000, 3100));
	island(&tc, b, 1000, 1100);
	expect_blocks(&tc, b, 0, BLOCKS(1000, 1100, 3000, 3100));
	island(&tc, b, 5000, 5100);
	expect_blocks(&tc, b, 0, BLOCKS(5000, 5100, 1000, 1100, 3000, 3100));
	island(&tc, b, 2000, 2100);
	expect_blocks(&tc, b, 0, BLOCKS(2000, 2100, 5000, 5100, 1000, 1100, 3000, 3100));
	island(&tc, b, 4000, 4100);
	expect_blocks(&tc, b, 0, BLOCKS(4000, 4100, 2000, 2100, 5000, 5100, 1000, 1100));
	/* the first hole filled: the ACK advances past island 1000, so no
	 * block leads for the segment; the recent ones follow, then the
	 * island that was not among them (3000) where there is room */
	island(&tc, b, 0, 1000);
	drain(&tc);
	expect_blocks(&tc, b, 1100, BLOCKS(4000, 4100, 2000, 2100, 5000, 5100, 3000, 3100));
	/* [2100, 3000) joins 2000 and 3000: the merged block leads */
	island(&tc, b, 2100, 3000);
	expect_blocks(&tc, b, 1100, BLOCKS(2000, 3100, 4000, 4100, 5000, 5100));
	/* RFC 2883 4: 4000 again, whole: the duplicate, then its block */
	island(&tc, b, 4000, 4100);
	expect_blocks(&tc, b, 1100, BLOCKS(4000, 4100, 4000, 4100, 2000, 3100, 5000, 5100));
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_DSACK), 1);
	/* [4950, 5050): half new, half held: the held half is the D-SACK,
	 * the (grown) block holding it second */
	island(&tc, b, 4950, 5050);
	expect_blocks(&tc, b, 1100, BLOCKS(5000, 5050, 4950, 5100, 4000, 4100, 2000, 3100));
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_DSACK), 2);
	/* in order over the head of a held block: [2000, 2050) came twice;
	 * the ACK jumps to 3100 and the islands above follow the D-SACK */
	island(&tc, b, 1100, 2050);
	drain(&tc);
	expect_blocks(&tc, b, 3100, BLOCKS(2000, 2050, 4950, 5100, 4000, 4100));
	assert_int_equal(tc_ctr(&tc, CTR_TCP_TX_DSACK), 3);
	/* in order again: no D-SACK any more, the islands as they are */
	island(&tc, b, 3100, 3200);
	drain(&tc);
	expect_blocks(&tc, b, 3200, BLOCKS(4950, 5100, 4000, 4100));
	tc_fini(&tc);
}

static void
test_sack_blocks_sack_only(void **state)
{
	(void)state;
	blocks_order(TCP_OPTF_SACK_PERM);
	blocks_order(TCP_OPTF_SACK_PERM | TCP_OPTF_WSCALE);
}

static void
test_sack_blocks_with_timestamps(void **state)
{
	(void)state;
	blocks_order(TCP_OPTF_SACK_PERM | TCP_OPTF_TS);
	blocks_order(TCP_OPTF_SACK_PERM | TCP_OPTF_TS | TCP_OPTF_WSCALE);
}

/* Many islands, each arriving once, lowest first: every ACK's first
 * block is the newest island (never left out for lower ones, RFC 2018's
 * MUST), the others the ones that arrived just before it. */
static void
many_islands(uint8_t which)
{
	struct tconn tc;
	struct tcp_opts o;
	uint32_t b, k;

	tc_init(&tc, NULL);
	o = tc_syn_opts(&tc, which);
	tc_passive_open_opts(&tc, &o);
	b = tc.snd_nxt;
	for (k = 1; k <= 9; k++) {
		uint32_t lr[8], i;

		island(&tc, b, k * 1000, k * 1000 + 10);
		for (i = 0; i < 4 && i < k; i++) {
			lr[2 * i] = (k - i) * 1000;
			lr[2 * i + 1] = (k - i) * 1000 + 10;
		}
		expect_blocks(&tc, b, 0, i, lr);
	}
	tc_fini(&tc);
}

static void
test_sack_blocks_many_islands(void **state)
{
	(void)state;
	many_islands(TCP_OPTF_SACK_PERM);
	many_islands(TCP_OPTF_SACK_PERM | TCP_OPTF_TS);
}

static int
setup(void **state)
{
	tc_fill(d, sizeof(d), 81);
	return harness_setup(state);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, tc_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_sack_blocks_sack_only),
		T(test_sack_blocks_with_timestamps),
		T(test_sack_blocks_many_islands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
