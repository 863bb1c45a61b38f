/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for the out-of-order queue (lib/tcp/tcp_reass.c) and
 * tcp_mbuf_cut_front(), without a running stack: a zeroed tern_stack that
 * only lends its counters, the harness pool and a table holding the pool
 * of queues, and a bare TCB whose
 * rcv.nxt the test moves as tcp_input() would. Every byte a segment
 * carries encodes its sequence number and which arrival it came from, so
 * the tests check that each byte comes out once, in order, and from the
 * segment that brought it first. The teardown checks that every mbuf
 * went back to the harness pool and every queue to the reassembly pool.
 */
#include <errno.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include "harness.h"
#include "tcp/tcp_private.h"

#define BASE 1000000u		/* rcv.nxt at the start of every test */

struct fix {
	struct tern_stack *s;
	struct tcp_table *tcp;		/* lends its pool of queues only */
	struct tcb tcb;
};

/* The byte at sequence number `seq` from arrival `tag`. */
static uint8_t
byte_of(uint32_t seq, uint8_t tag)
{
	return (uint8_t)(seq * 7u + tag * 101u);
}

/* A segment of `len` bytes at `seq` from arrival `tag`, in segments of
 * `seg_len` bytes (0 = one segment). */
static struct rte_mbuf *
mk(uint32_t seq, uint32_t len, uint8_t tag, uint16_t seg_len)
{
	static uint8_t buf[16384];
	struct rte_mbuf *m;
	uint32_t i;

	assert_true(len <= sizeof(buf));
	for (i = 0; i < len; i++)
		buf[i] = byte_of(seq + i, tag);
	m = seg_len ? pkt_chain_from_bytes(buf, len, seg_len) : pkt_from_bytes(buf, (uint16_t)len);
	assert_non_null(m);
	return m;
}

/* Check `m` holds [seq, seq + len), each byte from the arrival that
 * tag_at() names for its sequence number. */
static void
check_bytes(const struct rte_mbuf *m, uint32_t seq, uint32_t len,
	    uint8_t (*tag_at)(uint32_t seq))
{
	static uint8_t buf[16384];
	uint32_t i;

	assert_int_equal(rte_pktmbuf_pkt_len(m), len);
	assert_int_equal(pkt_to_bytes(m, buf, sizeof(buf)), len);
	for (i = 0; i < len; i++)
		if (buf[i] != byte_of(seq + i, tag_at(seq + i)))
			fail_msg("byte %u (seq %u): 0x%x, expected tag %u", i, seq + i,
				 buf[i], tag_at(seq + i));
}

static int
fix_setup(void **state)
{
	struct fix *f;

	harness_setup(state);
	f = rte_zmalloc("test_reass", sizeof(*f), RTE_CACHE_LINE_SIZE);
	f->s = rte_zmalloc("test_stack", sizeof(*f->s), RTE_CACHE_LINE_SIZE);
	assert_non_null(f->s);
	f->s->pool = harness_pool();
	f->tcp = rte_zmalloc("test_tcp", sizeof(*f->tcp), RTE_CACHE_LINE_SIZE);
	assert_non_null(f->tcp);
	f->tcp->reass_pool = tcp_reass_pool_create(64, rte_lcore_id(), SOCKET_ID_ANY);
	assert_non_null(f->tcp->reass_pool);
	f->s->tcp = f->tcp;
	f->tcb.rcv.nxt = BASE;
	*state = f;
	return 0;
}

static int
fix_teardown(void **state)
{
	struct fix *f = *state;

	tcp_reass_free(f->s, &f->tcb);
	assert_null(f->tcb.reass);
	assert_true(rte_mempool_full(f->tcp->reass_pool));	/* every queue came back */
	tcp_reass_pool_free(f->tcp->reass_pool);
	rte_free(f->tcp);
	rte_free(f->s);
	rte_free(f);
	return harness_teardown(state);
}

/* Pull everything contiguous at rcv.nxt, advancing it; returns the chain
 * of all pulls (NULL if none). */
static struct rte_mbuf *
pull_all(struct fix *f, uint32_t *total)
{
	struct rte_mbuf *all = NULL, *m;
	uint32_t n;

	*total = 0;
	while ((m = tcp_reass_pull(f->s, &f->tcb, &n)) != NULL) {
		assert_int_equal(rte_pktmbuf_pkt_len(m), n);
		f->tcb.rcv.nxt += n;
		*total += n;
		if (all == NULL)
			all = m;
		else
			assert_int_equal(rte_pktmbuf_chain(all, m), 0);
	}
	return all;
}

static uint8_t tag1(uint32_t seq) { (void)seq; return 1; }

/* seq < BASE+200: arrival 1; [200, 300): arrival 2; then arrival 1 again */
static uint8_t
tag_first_wins(uint32_t seq)
{
	uint32_t off = seq - BASE;

	return off >= 200 && off < 300 ? 2 : 1;
}

static void
test_in_order_after_gap_fills(void **state)
{
	struct fix *f = *state;
	struct rte_mbuf *m;
	uint32_t n;

	assert_int_equal(tcp_reass_insert(f->s, &f->tcb, mk(BASE + 100, 100, 1, 0),
					  BASE + 100, 100), 0);
	assert_non_null(f->tcb.reass);
	assert_int_equal(tcp_reass_bytes(&f->tcb), 100);
	assert_int_equal(f->s->ctr[CTR_TCP_RX_OOO], 1);
	/* the hole at BASE is still open */
	assert_null(tcp_reass_pull(f->s, &f->tcb, &n));
	assert_int_equal(n, 0);
	/* the app got [BASE, BASE + 100) in order */
	f->tcb.rcv.nxt = BASE + 100;
	m = pull_all(f, &n);
	assert_int_equal(n, 100);
	check_bytes(m, BASE + 100, 100, tag1);
	rte_pktmbuf_free(m);
	/* empty: freed */
	assert_null(f->tcb.reass);
	assert_int_equal(tcp_reass_bytes(&f->tcb), 0);
}

static void
test_sorted_and_chained(void **state)
{
	struct fix *f = *state;
	struct rte_mbuf *m;
	uint32_t n;

	/* arrive in reverse order, adjacent */
	tcp_reass_insert(f->s, &f->tcb, mk(BASE + 300, 100, 1, 0), BASE + 300, 100);
	tcp_reass_insert(f->s, &f->tcb, mk(BASE + 200, 100, 1, 0), BASE + 200, 100);
	tcp_reass_insert(f->s, &f->tcb, mk(BASE + 100, 100, 1, 0), BASE + 100, 100);
	assert_int_equal(f->tcb.reass->n, 3);
	assert_int_equal(f->tcb.reass->seg[0].seq, BASE + 100);
	assert_int_equal(f->tcb.reass->seg[2].seq, BASE + 300);
	f->tcb.rcv.nxt = BASE + 100;
	m = tcp_reass_pull(f->s, &f->tcb, &n);
	assert_int_equal(n, 300);		/* one pull, one chain */
	assert_int_equal(m->nb_segs, 3);
	check_bytes(m, BASE + 100, 300, tag1);
	rte_pktmbuf_free(m);
	assert_null(f->tcb.reass);
}

/* A new segment overlapping queued data keeps only the new bytes. */
static void
test_overlap_earlier_bytes_win(void **state)
{
	struct fix *f = *state;
	struct rte_mbuf *m;
	uint32_t n;

	tcp_reass_insert(f->s, &f->tcb, mk(BASE + 200, 100, 2, 0), BASE + 200, 100);
	/* overlaps the head of the queued piece */
	tcp_reass_insert(f->s, &f->tcb, mk(BASE + 100, 150, 1, 0), BASE + 100, 150);
	/* overlaps its tail */
	tcp_reass_insert(f->s, &f->tcb, mk(BASE + 250, 150, 1, 0), BASE + 250, 150);
	assert_int_equal(f->tcb.reass->n, 3);
	assert_int_equal(tcp_reass_bytes(&f->tcb), 300);
	f->tcb.rcv.nxt = BASE + 100;
	m = pull_all(f, &n);
	assert_int_equal(n, 300);
	check_bytes(m, BASE + 100, 300, tag_first_wins);
	rte_pktmbuf_free(m);
}

/* A segment spanning a queued piece fills both holes around it (the
 * second through an indirect clone). */
static void
test_span_fills_two_holes(void **state)
{
	struct fix *f = *state;
	struct rte_mbuf *m;
	uint32_t n;

	tcp_reass_insert(f->s, &f->tcb, mk(BASE + 200, 100, 2, 0), BASE + 200, 100);
	tcp_reass_insert(f->s, &f->tcb, mk(BASE + 50, 350, 1, 0), BASE + 50, 350);
	assert_int_equal(f->tcb.reass->n, 3);
	assert_int_equal(tcp_reass_bytes(&f->tcb), 350);
	f->tcb.rcv.nxt = BASE + 50;
	m = pull_all(f, &n);
	assert_int_equal(n, 350);
	check_bytes(m, BASE + 50, 350, tag_first_wins);
	rte_pktmbuf_free(m);
}

static void
test_duplicate_dropped_and_counted(void **state)
{
	struct fix *f = *state;

	tcp_reass_insert(f->s, &f->tcb, mk(BASE + 100, 200, 1, 0), BASE + 100, 200);
	assert_int_equal(tcp_reass_insert(f->s, &f->tcb, mk(BASE + 150, 50, 2, 0),
					  BASE + 150, 50), 0);
	assert_int_equal(tcp_reass_insert(f->s, &f->tcb, mk(BASE + 100, 200, 2, 0),
					  BASE + 100, 200), 0);
	assert_int_equal(f->s->ctr[CTR_TCP_RX_DUP], 2);
	assert_int_equal(f->tcb.reass->n, 1);
	assert_int_equal(tcp_reass_bytes(&f->tcb), 200);
}

static void
test_full_queue_drops(void **state)
{
	struct fix *f = *state;
	uint32_t i;

	for (i = 0; i < TCP_REASS_MAX; i++)
		assert_int_equal(tcp_reass_insert(f->s, &f->tcb,
						  mk(BASE + 100 + 20 * i, 10, 1, 0),
						  BASE + 100 + 20 * i, 10), 0);
	assert_int_equal(f->tcb.reass->n, TCP_REASS_MAX);
	assert_int_equal(tcp_reass_insert(f->s, &f->tcb, mk(BASE + 10, 10, 1, 0),
					  BASE + 10, 10), -ENOSPC);
	assert_int_equal(f->s->ctr[CTR_TCP_RX_REASS_FULL], 1);
	assert_int_equal(tcp_reass_bytes(&f->tcb), 10 * TCP_REASS_MAX);
	/* a hole between two pieces would take a slot too */
	assert_int_equal(tcp_reass_insert(f->s, &f->tcb, mk(BASE + 110, 10, 1, 0),
					  BASE + 110, 10), -ENOSPC);
}

/* Data that arrived in order meanwhile covers (part of) queued pieces:
 * pull skips and trims them. */
static void
test_pull_trims_below_rcv_nxt(void **state)
{
	struct fix *f = *state;
	struct rte_mbuf *m;
	uint32_t n;

	tcp_reass_insert(f->s, &f->tcb, mk(BASE + 100, 50, 1, 0), BASE + 100, 50);
	tcp_reass_insert(f->s, &f->tcb, mk(BASE + 150, 100, 1, 0), BASE + 150, 100);
	f->tcb.rcv.nxt = BASE + 200;
	m = pull_all(f, &n);
	assert_int_equal(n, 50);
	check_bytes(m, BASE + 200, 50, tag1);
	rte_pktmbuf_free(m);
	assert_int_equal(f->s->ctr[CTR_TCP_RX_DUP], 1);
	assert_null(f->tcb.reass);
}

/* Chained RX mbufs: trimming crosses segment boundaries. */
static void
test_multiseg_overlap(void **state)
{
	struct fix *f = *state;
	struct rte_mbuf *m;
	uint32_t n;

	tcp_reass_insert(f->s, &f->tcb, mk(BASE + 200, 100, 2, 0), BASE + 200, 100);
	tcp_reass_insert(f->s, &f->tcb, mk(BASE + 10, 590, 1, 64), BASE + 10, 590);
	assert_int_equal(tcp_reass_bytes(&f->tcb), 590);
	f->tcb.rcv.nxt = BASE + 130;		/* front of the first piece is old */
	m = pull_all(f, &n);
	assert_int_equal(n, 470);
	check_bytes(m, BASE + 130, 470, tag_first_wins);
	rte_pktmbuf_free(m);
}

static void
test_cut_front_across_segments(void **state)
{
	struct rte_mbuf *m = mk(BASE, 300, 1, 64);

	(void)state;
	m = tcp_mbuf_cut_front(m, 130);		/* two whole segments and 2 bytes */
	assert_int_equal(m->nb_segs, 3);
	check_bytes(m, BASE + 130, 170, tag1);
	m = tcp_mbuf_cut_front(m, 0);
	check_bytes(m, BASE + 130, 170, tag1);
	m = tcp_mbuf_cut_front(m, 170);		/* everything */
	assert_int_equal(rte_pktmbuf_pkt_len(m), 0);
	rte_pktmbuf_free(m);
}

static void
test_free_releases_everything(void **state)
{
	struct fix *f = *state;

	tcp_reass_insert(f->s, &f->tcb, mk(BASE + 100, 50, 1, 32), BASE + 100, 50);
	tcp_reass_insert(f->s, &f->tcb, mk(BASE + 300, 50, 1, 0), BASE + 300, 50);
	assert_int_equal(rte_mempool_in_use_count(f->tcp->reass_pool), 1);
	tcp_reass_free(f->s, &f->tcb);
	assert_null(f->tcb.reass);
	assert_int_equal(harness_pool_in_use(), 0);
	assert_int_equal(rte_mempool_in_use_count(f->tcp->reass_pool), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fix_setup, fix_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_in_order_after_gap_fills),
		T(test_sorted_and_chained),
		T(test_overlap_earlier_bytes_win),
		T(test_span_fills_two_holes),
		T(test_duplicate_dropped_and_counted),
		T(test_full_queue_drops),
		T(test_pull_trims_below_rcv_nxt),
		T(test_multiseg_overlap),
		T(test_cut_front_across_segments),
		T(test_free_releases_everything),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
