/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The fault injection filter (lib/netif/netif_fault.c) on a real ethdev: a
 * net_ring port whose RX ring the test fills and whose TX ring it reads.
 * Frames are ICMP echo requests carrying a 32-bit sequence number. Counts
 * are checked exactly against a reference model written here from the
 * documented generator contract (netif_fault.h: splitmix64 seeding,
 * xorshift64*, one draw per enabled fault per frame), and against
 * statistical bounds a broken filter cannot meet by accident. Corruption
 * must be caught by the stack's checksums frame for frame; rate limiting
 * runs on an injected clock (s->now_ns); every held frame is freed with
 * the stack (the harness checks the mbuf pool after each test). The rig
 * (port, stack, frames in and out) is fault_rig.c's.
 */
#include <string.h>

#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "harness.h"
#include "frames.h"
#include "wire/cksum.h"
#include "wire/wire_io.h"
#include "core/stack_private.h"
#include "netif/netif_private.h"
#include "netif/netif_fault.h"
#include "fault_rig.h"

#define T0 (1000ull * 1000000000ull)
#define US 1000ull

/* ---- reference model of the generator contract ------------------------- */

struct ref {
	uint64_t x;
};

static void
ref_init(struct ref *r, uint64_t seed, uint16_t port, bool tx)
{
	uint64_t z = seed ^ (uint64_t)port << 48 ^ (uint64_t)rte_lcore_id() << 8 ^ (tx ? 1 : 0);

	z += 0x9e3779b97f4a7c15ull;		/* splitmix64 */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	r->x = z != 0 ? z : 1;
}

static uint32_t
ref_below(struct ref *r, uint32_t n)
{
	r->x ^= r->x >> 12;			/* xorshift64* */
	r->x ^= r->x << 25;
	r->x ^= r->x >> 27;
	return (uint32_t)((((r->x * 0x2545f4914f6cdd1dull) >> 32) * n) >> 32);
}

static bool
ref_chance(struct ref *r, uint32_t ppm)
{
	return ppm != 0 && ref_below(r, 1000000) < ppm;
}

/* ---- tests ---------------------------------------------------------------- */

static void
test_off_by_default(void **state)
{
	struct tern_fault_conf fc = fault_conf();
	struct rig r;
	uint32_t seqs[300], k;

	(void)state;
	fc.dir = TERN_FAULT_RX | TERN_FAULT_TX;		/* a direction alone is not a fault */
	rig_up(&r, &fc);
	assert_null(r.s->iface[0].fault_rx);
	assert_null(r.s->iface[0].fault_tx);
	assert_int_equal(run_rx(&r, 300, seqs, RTE_DIM(seqs)), 300);
	for (k = 0; k < 300; k++)
		assert_int_equal(seqs[k], k);
	rig_down(&r);
}

/* Random drop on RX and TX: exact counts from the reference model, order
 * kept; drop = 1 loses everything, 1 ppm (almost) nothing, 0.1 about 10%. */
static void
check_drop(uint32_t ppm, bool tx, uint32_t n, uint32_t lo, uint32_t hi)
{
	static uint32_t seqs[20000];
	struct tern_fault_conf fc = fault_conf();
	uint32_t got, k, expect = 0, prev = 0;
	struct ref ref;
	struct rig r;

	fc.drop_ppm = ppm;
	fc.dir = tx ? TERN_FAULT_TX : TERN_FAULT_RX;
	rig_up(&r, &fc);
	assert_non_null(tx ? r.s->iface[0].fault_tx : r.s->iface[0].fault_rx);
	ref_init(&ref, fc.seed, (uint16_t)r.port, tx);
	for (k = 0; k < n; k++)
		expect += ref_chance(&ref, ppm);
	got = tx ? run_tx(&r, n, seqs, RTE_DIM(seqs)) : run_rx(&r, n, seqs, RTE_DIM(seqs));
	print_message("drop %u ppm %s: %u of %u lost (model %u)\n", ppm, tx ? "tx" : "rx",
		      n - got, n, expect);
	assert_int_equal(n - got, expect);
	assert_int_equal(ctr(&r, CTR_FAULT_DROP), expect);
	assert_true(expect >= lo && expect <= hi);
	for (k = 0; k < got; k++) {
		assert_true(k == 0 || seqs[k] > prev);
		prev = seqs[k];
	}
	rig_down(&r);
}

static void
test_drop(void **state)
{
	(void)state;
	check_drop(1000000, false, 2000, 2000, 2000);
	check_drop(1, false, 2000, 0, 1);
	check_drop(100000, false, 10000, 800, 1200);
	check_drop(100000, true, 10000, 800, 1200);
}

/* Bursts: with a fixed length every run of lost frames is a multiple of
 * it; with geometric lengths the mean is close to burst_len. */
static void
check_burst(bool fixed)
{
	static uint32_t seqs[20000];
	struct tern_fault_conf fc = fault_conf();
	const uint32_t n = 20000, len = 8;
	uint32_t got, k, expect = 0, bursts = 0, left = 0, run = 0, prev = 0;
	bool in = false;
	struct ref ref;
	struct rig r;

	fc.burst_ppm = 10000;
	fc.burst_len = len;
	fc.burst_fixed = fixed;
	rig_up(&r, &fc);
	ref_init(&ref, fc.seed, (uint16_t)r.port, false);
	for (k = 0; k < n; k++) {
		if (!in && ref_chance(&ref, fc.burst_ppm)) {
			in = true;
			left = len;
			bursts++;
		}
		if (!in)
			continue;
		expect++;
		if (fixed ? --left == 0 : ref_chance(&ref, 1000000 / len))
			in = false;
	}
	got = run_rx(&r, n, seqs, RTE_DIM(seqs));
	print_message("burst %s: %u bursts, %u lost of %u (model %u)\n",
		      fixed ? "fixed" : "geometric", (unsigned int)ctr(&r, CTR_FAULT_BURST),
		      n - got, n, expect);
	assert_int_equal(n - got, expect);
	assert_int_equal(ctr(&r, CTR_FAULT_BURST_DROP), expect);
	assert_int_equal(ctr(&r, CTR_FAULT_BURST), bursts);
	assert_true(bursts >= 100);
	if (fixed) {
		/* the last burst may be cut short by the end of the stream */
		for (k = 0; k <= got; k++) {
			uint32_t next = k < got ? seqs[k] : n;

			run = next - (k == 0 ? 0 : prev + 1);
			assert_true(run % len == 0 || k == got);
			prev = next;
		}
	} else {
		assert_true(expect >= 6 * bursts && expect <= 10 * bursts);
	}
	rig_down(&r);
}

static void
test_burst(void **state)
{
	(void)state;
	check_burst(true);
	check_burst(false);
}

/* Duplicates: copies (a different mbuf, same bytes) right behind the
 * original; count as the model says. */
static void
test_dup(void **state)
{
	struct tern_fault_conf fc = fault_conf();
	const uint32_t n = 4000;
	uint32_t k, expect = 0, dups = 0, next = 0;
	struct rte_mbuf *pkts[32];
	struct ref ref;
	struct rig r;
	uint16_t got;

	(void)state;
	fc.dup_ppm = 50000;
	rig_up(&r, &fc);
	ref_init(&ref, fc.seed, (uint16_t)r.port, false);
	for (k = 0; k < n; k++)
		expect += ref_chance(&ref, fc.dup_ppm);
	for (k = 0; k < n; k++) {
		uint16_t j;

		assert_int_equal(rte_ring_enqueue(r.rx, mk(&r, k, 0)), 0);
		got = netif_rx(r.s, 0, pkts, RTE_DIM(pkts));
		assert_true(got == 1 || got == 2);
		assert_int_equal(seq_of(pkts[0]), next++);
		if (got == 2) {
			dups++;
			assert_ptr_not_equal(pkts[0], pkts[1]);
			assert_int_equal(rte_mbuf_refcnt_read(pkts[1]), 1);
			assert_int_equal(rte_pktmbuf_pkt_len(pkts[0]), rte_pktmbuf_pkt_len(pkts[1]));
			assert_memory_equal(rte_pktmbuf_mtod(pkts[0], void *),
					    rte_pktmbuf_mtod(pkts[1], void *),
					    rte_pktmbuf_pkt_len(pkts[0]));
		}
		for (j = 0; j < got; j++)
			rte_pktmbuf_free(pkts[j]);
	}
	print_message("dup: %u of %u (model %u)\n", dups, n, expect);
	assert_int_equal(dups, expect);
	assert_int_equal(ctr(&r, CTR_FAULT_DUP), expect);
	assert_true(dups >= 140 && dups <= 260);
	rig_down(&r);
}

/* Reference of reorder by count: a held frame comes out right after the
 * k-th frame that passed after it (a hold area of NETIF_FAULT_HOLD). */
static uint32_t
ref_reorder(struct ref *ref, uint32_t ppm, uint32_t k_later, uint32_t n, uint32_t *out,
	    uint32_t *n_held_out)
{
	uint32_t held[NETIF_FAULT_HOLD], left[NETIF_FAULT_HOLD], nh = 0, got = 0, k, j;

	for (k = 0; k < n; k++) {
		if (ref_chance(ref, ppm) && nh < NETIF_FAULT_HOLD) {
			held[nh] = k;
			left[nh++] = k_later;
			continue;
		}
		out[got++] = k;
		for (j = 0; j < nh;) {
			if (--left[j] > 0) {
				j++;
				continue;
			}
			out[got++] = held[j];
			memmove(&held[j], &held[j + 1], (nh - j - 1) * sizeof(held[0]));
			memmove(&left[j], &left[j + 1], (nh - j - 1) * sizeof(left[0]));
			nh--;
		}
	}
	*n_held_out = nh;
	return got;
}

/* Reorder by count: frames come out in exactly the order the reference
 * says (each held one right after the third later frame), every frame
 * once; the last held ones stay until more frames follow. */
static void
test_reorder_count(void **state)
{
	static uint32_t seqs[4000], want[4000];
	struct tern_fault_conf fc = fault_conf();
	const uint32_t n = 3000;
	uint32_t got, k, late = 0, nwant, still;
	struct ref ref;
	struct rig r;

	(void)state;
	fc.reorder_ppm = 50000;
	fc.reorder_pkts = 3;
	fc.reorder_us = 0;
	rig_up(&r, &fc);
	ref_init(&ref, fc.seed, (uint16_t)r.port, false);
	nwant = ref_reorder(&ref, fc.reorder_ppm, fc.reorder_pkts, n, want, &still);
	got = run_rx(&r, n, seqs, RTE_DIM(seqs));
	assert_int_equal(got, nwant);
	assert_int_equal(netif_fault_held(r.s->iface[0].fault_rx), still);
	assert_int_equal(got + still, n);
	for (k = 0; k < got; k++) {
		assert_int_equal(seqs[k], want[k]);
		late += k > 0 && seqs[k] < seqs[k - 1];
	}
	print_message("reorder: %u held, %u arrived after a later frame\n",
		      (unsigned int)ctr(&r, CTR_FAULT_REORDER), late);
	assert_true(ctr(&r, CTR_FAULT_REORDER) >= 100 && ctr(&r, CTR_FAULT_REORDER) <= 200);
	assert_true(late >= 100);
	rig_down(&r);
}

/* Reorder by time on the injected clock, and the bound of the hold area. */
static void
test_reorder_time(void **state)
{
	struct tern_fault_conf fc = fault_conf();
	uint32_t seqs[64], k;
	struct rig r;

	(void)state;
	fc.reorder_ppm = 1000000;
	fc.reorder_pkts = 0;
	fc.reorder_us = 100;
	rig_up(&r, &fc);
	r.s->now_ns = T0;
	for (k = 0; k < 4; k++)
		assert_int_equal(rte_ring_enqueue(r.rx, mk(&r, k, 0)), 0);
	assert_int_equal(rx_drain(&r, seqs, RTE_DIM(seqs)), 0);
	r.s->now_ns = T0 + 100 * US - 1;
	assert_int_equal(rx_drain(&r, seqs, RTE_DIM(seqs)), 0);
	r.s->now_ns = T0 + 100 * US;
	assert_int_equal(rx_drain(&r, seqs, RTE_DIM(seqs)), 4);
	for (k = 0; k < 4; k++)
		assert_int_equal(seqs[k], k);
	/* more than the hold area: the overflow passes straight through */
	for (k = 0; k < NETIF_FAULT_HOLD + 4; k++)
		assert_int_equal(rte_ring_enqueue(r.rx, mk(&r, 100 + k, 0)), 0);
	assert_int_equal(rx_drain(&r, seqs, RTE_DIM(seqs)), 4);
	assert_int_equal(seqs[0], 100 + NETIF_FAULT_HOLD);
	assert_int_equal(netif_fault_held(r.s->iface[0].fault_rx), NETIF_FAULT_HOLD);
	r.s->now_ns = T0 + 200 * US;
	assert_int_equal(rx_drain(&r, seqs, RTE_DIM(seqs)), NETIF_FAULT_HOLD);
	assert_int_equal(ctr(&r, CTR_FAULT_REORDER), 4 + NETIF_FAULT_HOLD);
	rig_down(&r);
}

static uint64_t
corrupt_caught(const struct rig *r)
{
	return ctr(r, CTR_IP_RX_BAD_VERSION) + ctr(r, CTR_IP_RX_BAD_IHL) +
	       ctr(r, CTR_IP_RX_BAD_LEN) + ctr(r, CTR_IP_RX_BAD_CSUM) +
	       ctr(r, CTR_ICMP_RX_TRUNC) + ctr(r, CTR_ICMP_RX_BAD_CSUM);
}

/* The stack learns the peer (bypassing the filter); its ARP reply is
 * discarded so that it is not part of any count. */
static void
prime_arp(struct rig *r)
{
	struct arp_pkt a = { .op = ARP_OP_REQUEST, .sha = peer_mac, .spa = PEER_IP,
			     .tpa = OUR_IP };
	struct rte_mbuf *m;
	struct rte_ether_addr bcast;

	memset(&bcast, 0xff, sizeof(bcast));
	m = frame_arp(&bcast, &peer_mac, &a);
	tern_stack_input(r->s, 0, &m, 1, r->s->now_ns);
	assert_int_equal(tstack_tx_discard(r->s), 1);
}

/* Corruption on RX: every flipped bit is caught by a checksum (or a header
 * check), frame for frame; every other request is answered. */
static void
test_corrupt_rx_caught(void **state)
{
	struct tern_fault_conf fc = fault_conf();
	const uint32_t n = 2000;
	uint32_t k, sent = 0, expect = 0, replies = 0;
	struct ref ref;
	struct rig r;

	(void)state;
	fc.corrupt_ppm = 200000;
	rig_up(&r, &fc);
	prime_arp(&r);
	ref_init(&ref, fc.seed, (uint16_t)r.port, false);
	for (k = 0; k < n; k++) {
		if (ref_chance(&ref, fc.corrupt_ppm)) {
			expect++;
			ref_below(&ref, (20 + 8 + 4) * 8);	/* the bit */
		}
	}
	while (sent < n) {
		uint32_t b = RTE_MIN(n - sent, BATCH);
		uint32_t seqs[BATCH * 2];

		for (k = 0; k < b; k++) {
			struct rte_mbuf *m = mk(&r, sent + k, 0);

			/* as a NIC with RX checksum offload would mark it: the
			 * filter must withdraw the verdict of a frame it damages */
			m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
			assert_int_equal(rte_ring_enqueue(r.rx, m), 0);
		}
		sent += b;
		while (rte_ring_count(r.rx) > 0)
			tern_stack_poll(r.s);
		tern_stack_poll(r.s);
		replies += tx_ring_take(&r, seqs, RTE_DIM(seqs));
	}
	print_message("corrupt rx: %u of %u (model %u), caught %u, replies %u\n",
		      (unsigned int)ctr(&r, CTR_FAULT_CORRUPT), n, expect,
		      (unsigned int)corrupt_caught(&r), replies);
	assert_int_equal(ctr(&r, CTR_FAULT_CORRUPT), expect);
	assert_int_equal(corrupt_caught(&r), expect);
	assert_int_equal(ctr(&r, CTR_ICMP_RX_ECHO), n - expect);
	assert_int_equal(replies, n - expect);
	assert_true(expect >= 300 && expect <= 500);
	rig_down(&r);
}

/* Corruption on TX: the frames on the wire fail their checksums exactly as
 * often as the filter says it flipped a bit. */
static void
test_corrupt_tx(void **state)
{
	struct tern_fault_conf fc = fault_conf();
	const uint32_t n = 1000;
	uint32_t k, sent = 0, expect = 0, bad = 0, good = 0;
	struct ref ref;
	struct rig r;

	(void)state;
	fc.corrupt_ppm = 300000;
	fc.dir = TERN_FAULT_TX;
	rig_up(&r, &fc);
	prime_arp(&r);
	ref_init(&ref, fc.seed, (uint16_t)r.port, true);
	for (k = 0; k < n; k++) {
		if (ref_chance(&ref, fc.corrupt_ppm)) {
			expect++;
			ref_below(&ref, (20 + 8 + 4) * 8);
		}
	}
	while (sent < n) {
		uint32_t b = RTE_MIN(n - sent, BATCH);
		struct rte_mbuf *in[BATCH];
		void *m;

		for (k = 0; k < b; k++)
			in[k] = mk(&r, sent + k, 0);
		tern_stack_input(r.s, 0, in, (uint16_t)b, r.s->now_ns);
		sent += b;
		netif_tx_flush(r.s, 0);
		while (rte_ring_dequeue(r.tx, &m) == 0) {
			struct parsed p;

			if (frame_parse(m, &p) != 0 || !p.ip_cksum_ok || !p.l4_cksum_ok)
				bad++;
			else
				good++;
			rte_pktmbuf_free(m);
		}
	}
	print_message("corrupt tx: %u of %u (model %u), %u fail their checksums\n",
		      (unsigned int)ctr(&r, CTR_FAULT_CORRUPT), n, expect, bad);
	assert_int_equal(ctr(&r, CTR_FAULT_CORRUPT), expect);
	assert_int_equal(bad, expect);
	assert_int_equal(good + bad, n);
	rig_down(&r);
}

/* A frame that left its checksums to the NIC (offload flags, pseudo-header
 * sum in the UDP field) gets them in software before the flip: the frame
 * on the wire is the correct frame with exactly one bit changed, and the
 * stack's own reference to the frame is left intact. */
static void
test_corrupt_tx_offload(void **state)
{
	struct tern_fault_conf fc = fault_conf();
	struct frame_ip f = frame_ip_default();
	uint8_t payload[300], want[512], out[512], before[512];
	struct rig r;
	uint32_t k, len, i;

	(void)state;
	fc.corrupt_ppm = 1000000;
	fc.dir = TERN_FAULT_TX;
	rig_up(&r, &fc);
	for (k = 0; k < 64; k++) {
		struct rte_mbuf *m;
		uint8_t *p;
		uint32_t flips = 0, where = 0;
		void *o = NULL;

		memset(payload, (int)k, sizeof(payload));
		m = frame_udp(&f, 1000, (uint16_t)(2000 + k), payload,
			      (uint16_t)(100 + k), 0);
		len = pkt_to_bytes(m, want, sizeof(want));
		p = rte_pktmbuf_mtod(m, uint8_t *);
		wire_wr16_raw(p + 14 + 10, 0);
		wire_wr16_raw(p + 14 + 20 + 6, cksum_fold(cksum_pseudo_ip4(f.src, f.dst,
					IP4_PROTO_UDP, (uint16_t)(len - 34))));
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
			       RTE_MBUF_F_TX_UDP_CKSUM;
		m->l2_len = 14;
		m->l3_len = 20;
		/* the stack may still hold the frame's data (send queue): the
		 * flip must land in a copy */
		len = pkt_to_bytes(m, before, sizeof(before));
		rte_mbuf_refcnt_update(m, 1);
		stack_tx(r.s, 0, m);
		netif_tx_flush(r.s, 0);
		assert_int_equal(pkt_to_bytes(m, out, sizeof(out)), len);
		assert_memory_equal(out, before, len);
		rte_pktmbuf_free(m);
		assert_int_equal(rte_ring_dequeue(r.tx, &o), 0);
		assert_int_equal(pkt_to_bytes(o, out, sizeof(out)), len);
		assert_int_equal(((struct rte_mbuf *)o)->ol_flags &
				 (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK), 0);
		rte_pktmbuf_free(o);
		for (i = 0; i < len; i++) {
			if (out[i] != want[i]) {
				flips += (uint32_t)__builtin_popcount(out[i] ^ want[i]);
				where = i;
			}
		}
		assert_int_equal(flips, 1);
		assert_true(where >= 14 && where < len);
	}
	assert_int_equal(ctr(&r, CTR_FAULT_CORRUPT), 64);
	rig_down(&r);
}

/* The bottleneck on an injected clock: 8 Mbit/s is one byte per us; a
 * queue of 4 KiB takes four 1000-byte frames, the rest are tail drops;
 * departures are 1000 us apart, back to back, never early. */
static void
test_rate_limit(void **state)
{
	struct tern_fault_conf fc = fault_conf();
	const uint16_t extra = 1000 - SEQ_OFF - 4;
	uint32_t seqs[16], k;
	struct rig r;

	(void)state;
	fc.rate_bps = 8000000;
	fc.queue_kb = 4;
	fc.dir = TERN_FAULT_RX | TERN_FAULT_TX;
	rig_up(&r, &fc);
	r.s->now_ns = T0;
	for (k = 0; k < 10; k++) {
		struct rte_mbuf *m = mk(&r, k, extra);

		assert_int_equal(rte_pktmbuf_pkt_len(m), 1000);
		stack_tx(r.s, 0, m);
	}
	netif_tx_flush(r.s, 0);
	assert_int_equal(rte_ring_count(r.tx), 0);
	assert_int_equal(ctr(&r, CTR_FAULT_QUEUE_DROP), 6);
	for (k = 1; k <= 4; k++) {
		r.s->now_ns = T0 + k * 1000 * US - 1;
		netif_tx_flush(r.s, 0);
		assert_int_equal(rte_ring_count(r.tx), k - 1);
		r.s->now_ns = T0 + k * 1000 * US;
		netif_tx_flush(r.s, 0);
		assert_int_equal(rte_ring_count(r.tx), k);
	}
	assert_int_equal(tx_ring_take(&r, seqs, RTE_DIM(seqs)), 4);
	for (k = 0; k < 4; k++)
		assert_int_equal(seqs[k], k);
	/* an idle link: the next frame takes its own 1000 us from now */
	r.s->now_ns = T0 + 50000 * US;
	stack_tx(r.s, 0, mk(&r, 50, extra));
	netif_tx_flush(r.s, 0);
	r.s->now_ns += 999 * US;
	netif_tx_flush(r.s, 0);
	assert_int_equal(rte_ring_count(r.tx), 0);
	r.s->now_ns += 1 * US;
	netif_tx_flush(r.s, 0);
	assert_int_equal(tx_ring_take(&r, seqs, RTE_DIM(seqs)), 1);
	/* the RX side has its own queue and clock */
	r.s->now_ns = T0 + 100000 * US;
	for (k = 0; k < 3; k++)
		assert_int_equal(rte_ring_enqueue(r.rx, mk(&r, 60 + k, extra)), 0);
	assert_int_equal(rx_drain(&r, seqs, RTE_DIM(seqs)), 0);
	r.s->now_ns += 2000 * US;
	assert_int_equal(rx_drain(&r, seqs, RTE_DIM(seqs)), 2);
	assert_int_equal(seqs[0], 60);
	assert_int_equal(seqs[1], 61);
	assert_int_equal(ctr(&r, CTR_FAULT_QUEUE_DROP), 6);
	rig_down(&r);		/* frame 62 is still queued: freed with the stack */
}

/* Frames everywhere inside both filters when the stack goes away: all of
 * them go back to the pool (harness_teardown checks the baseline). */
static void
test_held_frames_freed(void **state)
{
	struct tern_fault_conf fc = fault_conf();
	struct rte_mbuf *pkts[2];
	struct rig r;
	uint32_t k;

	(void)state;
	fc.dir = TERN_FAULT_RX | TERN_FAULT_TX;
	fc.rate_bps = 1000000;
	fc.reorder_ppm = 1000000;
	fc.reorder_pkts = 0;
	fc.reorder_us = 1000000;
	rig_up(&r, &fc);
	r.s->now_ns = T0;
	for (k = 0; k < 24; k++)
		assert_int_equal(rte_ring_enqueue(r.rx, mk(&r, k, 0)), 0);
	while (rte_ring_count(r.rx) > 0)
		assert_int_equal(netif_rx(r.s, 0, pkts, 2), 0);	/* all queued */
	r.s->now_ns = T0 + 500000 * US;				/* all departed: */
	assert_int_equal(netif_rx(r.s, 0, pkts, 2), 2);		/* 16 held, 8 out */
	rte_pktmbuf_free_bulk(pkts, 2);
	for (k = 0; k < 5; k++)
		assert_int_equal(rte_ring_enqueue(r.rx, mk(&r, 100 + k, 0)), 0);
	assert_int_equal(netif_rx(r.s, 0, pkts, 2), 2);		/* 2 of them queued */
	rte_pktmbuf_free_bulk(pkts, 2);
	for (k = 0; k < 5; k++)
		stack_tx(r.s, 0, mk(&r, 200 + k, 0));
	netif_tx_flush(r.s, 0);
	assert_int_equal(rte_ring_count(r.tx), 0);
	assert_int_equal(netif_fault_held(r.s->iface[0].fault_rx), 16 + 4 + 2);
	assert_int_equal(netif_fault_held(r.s->iface[0].fault_tx), 5);
	assert_int_equal(rte_ring_count(r.rx), 3);
	assert_true(harness_pool_in_use() >= 22 + 5 + 3);
	rig_down(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_off_by_default, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(test_drop, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_burst, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_dup, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_reorder_count, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(test_reorder_time, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_rx_caught, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_tx, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_tx_offload, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(test_held_frames_freed, harness_setup,
						harness_teardown),
	};

	harness_eal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
