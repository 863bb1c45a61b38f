/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Property tests for lib/wire/'s checksums, seeded and reproducible
 * (WIRE_SEED=<n> in the environment replays a run; the seed in use is
 * printed): cksum_raw against a naive RFC 1071 byte-pair sum at every
 * alignment and length up to 2048; cksum_mbuf over chains cut at every
 * offset; RFC 1624 incremental updates against recomputation; and the
 * checksum-offload contract (pre-loaded pseudo-header sum completed the
 * way a NIC does equals the software checksum). The header round trips
 * are test_wire_roundtrip.c's.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_mbuf.h>

#include "harness.h"

#include "core/counters.h"
#include "wire/cksum.h"
#include "wire/ip4_hdr.h"
#include "wire/tcp_hdr.h"
#include "wire/udp_hdr.h"

#include "wire_rng.h"

static uint32_t
rand_ip(struct rng *r)
{
	return 0xc6120000u | rng_below(r, 0x20000);	/* 198.18.0.0/15 */
}

/* ---------------------------------------------------------- checksums */

/* RFC 1071 by the book: big-endian byte pairs, odd byte padded. */
static uint16_t
naive_sum(const uint8_t *p, size_t len)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint16_t
fold_net(uint32_t sum)
{
	return rte_be_to_cpu_16(cksum_fold(sum));
}

static void
test_cksum_raw_vs_naive(void **state)
{
	struct rng r = rng_for(6);
	size_t big = 1u << 20;
	uint8_t *buf = malloc(2048 + 64);
	uint8_t *large = malloc(big);
	unsigned int off, len;

	(void)state;
	assert_non_null(buf);
	assert_non_null(large);
	rng_fill(&r, buf, 2048 + 64);
	for (off = 0; off < 16; off++) {
		for (len = 0; len <= 2048; len++) {
			uint32_t init = rng_u32(&r);
			uint16_t want = naive_sum(buf + off, len);
			uint32_t s;

			assert_int_equal(fold_net(cksum_raw(buf + off, len, 0)), want);
			s = (uint32_t)want + fold_net(init);
			assert_int_equal(fold_net(cksum_raw(buf + off, len, init)),
					 cksum_fold(s));
		}
	}
	/* All ones everywhere: the accumulators' worst case for carries. */
	memset(large, 0xff, big);
	for (len = big - 9; len <= big; len++)
		assert_int_equal(fold_net(cksum_raw(large, len, 0xffffffffu)),
				 cksum_fold(naive_sum(large, len) + 0xffffu));
	rng_fill(&r, large, big);
	assert_int_equal(fold_net(cksum_raw(large + 1, big - 1, 0)),
			 naive_sum(large + 1, big - 1));
	free(buf);
	free(large);
}

/* Summing an even prefix then the rest continues the same word pairing. */
static void
test_cksum_raw_continuation(void **state)
{
	struct rng r = rng_for(7);
	uint8_t buf[301];
	unsigned int k;

	(void)state;
	rng_fill(&r, buf, sizeof(buf));
	for (k = 0; k <= sizeof(buf); k += 2)
		assert_int_equal(cksum_fold(cksum_raw(buf + k, sizeof(buf) - k,
						      cksum_raw(buf, k, 0))),
				 cksum_fold(cksum_raw(buf, sizeof(buf), 0)));
}

/* Compare cksum_mbuf on chain `m` with the flat sum for every offset
 * (to the end, and a random length); frees `m`, then asserts. */
static void
check_chain_sums(struct rte_mbuf *m, const uint8_t *flat, uint32_t len,
		 struct rng *r)
{
	uint32_t off, n, bad_off = UINT32_MAX, bad_len = 0;

	for (off = 0; off <= len && bad_off == UINT32_MAX; off++) {
		n = (off & 1) ? len - off : rng_below(r, len - off + 1);
		if (cksum_fold(cksum_mbuf(m, off, n)) !=
		    cksum_fold(cksum_raw(flat + off, n, 0))) {
			bad_off = off;
			bad_len = n;
		}
		n = len - off;
		if (cksum_fold(cksum_mbuf(m, off, n)) !=
		    cksum_fold(cksum_raw(flat + off, n, 0))) {
			bad_off = off;
			bad_len = n;
		}
	}
	rte_pktmbuf_free(m);
	if (bad_off != UINT32_MAX)
		fail_msg("cksum_mbuf(off %u, len %u) differs from the flat sum",
			 bad_off, bad_len);
}

static void
test_cksum_mbuf_splits(void **state)
{
	struct rng r = rng_for(8);
	uint8_t data[301];
	uint32_t cuts[2], i, j, seg;
	struct rte_mbuf *m;

	(void)state;
	rng_fill(&r, data, sizeof(data));
	/* Two segments, cut at every offset (odd ones included). */
	for (i = 0; i <= sizeof(data); i++) {
		cuts[0] = i;
		m = chain_at(data, sizeof(data), cuts, 1);
		check_chain_sums(m, data, sizeof(data), &r);
	}
	/* Three segments, every pair of cuts over a shorter packet. */
	for (i = 0; i <= 67; i++) {
		for (j = i; j <= 67; j++) {
			cuts[0] = i;
			cuts[1] = j;
			m = chain_at(data, 67, cuts, 2);
			check_chain_sums(m, data, 67, &r);
		}
	}
	/* Equal segments of every size, the way a NIC scatters a frame. */
	for (seg = 1; seg <= 64; seg++) {
		m = pkt_chain_from_bytes(data, sizeof(data), (uint16_t)seg);
		check_chain_sums(m, data, sizeof(data), &r);
	}
}

/* A random 20-byte IPv4 header with a correct checksum. */
static void
rand_ip_hdr(struct rng *r, uint8_t *h)
{
	rng_fill(r, h, IP4_HDR_LEN);
	h[0] = 0x45;
	memset(h + 10, 0, 2);
	memcpy(h + 10, &(uint16_t){ cksum_ip4_hdr(h, IP4_HDR_LEN) }, 2);
}

/* The option-less header's five-word sum (cksum_ip4_hdr20_sum, used by
 * ip4_hdr_parse and ip4_hdr_emit) against the book: the checksum it
 * stores is the naive sum's complement with the field zeroed, whatever
 * the field held; a header carrying it verifies, and any one flipped bit
 * fails (a 16-bit one's complement sum sees every single-bit error). */
static void
test_cksum_ip4_hdr20(void **state)
{
	struct rng r = rng_for(11);
	uint8_t h[IP4_HDR_LEN], z[IP4_HDR_LEN];
	unsigned int i, bit;
	uint16_t want, got;
	struct ip4_hdr_v v;

	(void)state;
	for (i = 0; i < ROUNDS; i++) {
		rng_fill(&r, h, sizeof(h));
		h[0] = 0x45;
		h[2] = 0;
		h[3] = IP4_HDR_LEN;		/* total length: the header alone */
		memcpy(z, h, sizeof(z));
		memset(z + 10, 0, 2);
		want = (uint16_t)~naive_sum(z, sizeof(z));
		got = cksum_ip4_hdr(h, IP4_HDR_LEN);	/* the field ignored */
		assert_int_equal(rte_be_to_cpu_16(got), want);
		memcpy(h + 10, &got, 2);
		assert_int_equal(cksum_fold(cksum_ip4_hdr20_sum(h)), 0xffff);
		assert_int_equal(ip4_hdr_parse(h, sizeof(h), true, &v), CTR_NONE);
		bit = rng_below(&r, 8 * IP4_HDR_LEN);
		if (bit < 8 || (bit >= 16 && bit < 32))
			continue;	/* version/IHL and total length: other checks */
		h[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(ip4_hdr_parse(h, sizeof(h), true, &v), CTR_IP_RX_BAD_CSUM);
	}
	/* emit fills the same checksum */
	v = (struct ip4_hdr_v){ .hdr_len = IP4_HDR_LEN, .tos = 0x10, .total_len = 1500,
				.id = 0x1234, .frag = 0x4000, .ttl = 64, .proto = 6,
				.src = 0xc6120001u, .dst = 0xc6120002u };
	ip4_hdr_emit(h, &v, true);
	memcpy(z, h, sizeof(z));
	memset(z + 10, 0, 2);
	memcpy(&got, h + 10, 2);
	assert_int_equal(rte_be_to_cpu_16(got), (uint16_t)~naive_sum(z, sizeof(z)));
}

static void
test_cksum_update_ip(void **state)
{
	struct rng r = rng_for(9);
	uint8_t h[IP4_HDR_LEN];
	unsigned int i;

	(void)state;
	for (i = 0; i < ROUNDS; i++) {
		unsigned int w = 2 * rng_below(&r, 10);
		uint16_t ck, o16, n16 = (uint16_t)rng_u32(&r);
		uint32_t o32, n32 = rng_u32(&r);

		if (w == 10)
			continue;	/* the checksum field itself */
		rand_ip_hdr(&r, h);
		memcpy(&ck, h + 10, 2);
		memcpy(&o16, h + w, 2);
		memcpy(h + w, &n16, 2);
		ck = cksum_update16(ck, o16, n16);
		assert_int_equal(ck, cksum_ip4_hdr(h, IP4_HDR_LEN));
		memcpy(h + 10, &ck, 2);
		/* Source or destination address (NAT-style rewrite). */
		w = (i & 1) ? 12 : 16;
		memcpy(&o32, h + w, 4);
		memcpy(h + w, &n32, 4);
		ck = cksum_update32(ck, o32, n32);
		assert_int_equal(ck, cksum_ip4_hdr(h, IP4_HDR_LEN));
		/* No change, no change. */
		assert_int_equal(cksum_update16(ck, n16, n16), ck);
	}
}

/* An L4 packet at `off` 0 (no IP header in the buffer): UDP or TCP with
 * a random payload; returns its length. */
static uint16_t
rand_l4(struct rng *r, uint8_t proto, uint8_t *b, uint16_t cap)
{
	uint16_t len;

	if (proto == IP4_PROTO_UDP) {
		struct udp_hdr_v u = { (uint16_t)rng_u32(r), (uint16_t)rng_u32(r), 0, 0 };

		len = (uint16_t)(UDP_HDR_LEN + rng_below(r, cap - UDP_HDR_LEN));
		rng_fill(r, b, len);
		u.len = len;
		udp_hdr_emit(b, &u);
		return len;
	} else {
		struct tcp_seg s;
		uint8_t hl;

		rng_fill(r, &s, sizeof(s));
		rand_opts(r, &s.opts, rng_below(r, 0x20));
		s.cksum = 0;
		len = (uint16_t)(TCP_HDR_MAX + rng_below(r, cap - TCP_HDR_MAX));
		rng_fill(r, b, len);
		hl = tcp_hdr_emit(b, &s);
		assert_true(hl <= TCP_HDR_MAX);
		return len;
	}
}

static void
test_cksum_update_l4(void **state)
{
	struct rng r = rng_for(10);
	uint8_t b[600];
	unsigned int i;

	(void)state;
	for (i = 0; i < ROUNDS / 10; i++) {
		uint32_t src = rand_ip(&r), dst = rand_ip(&r), nsrc = rand_ip(&r);
		uint16_t len = rand_l4(&r, IP4_PROTO_TCP, b, sizeof(b));
		struct rte_mbuf *m = chain_random(&r, b, len);
		uint16_t ck = cksum_l4_ip4(m, 0, len, src, dst, IP4_PROTO_TCP);
		uint32_t oseq, nseq = rng_u32(&r);
		uint16_t want;

		rte_pktmbuf_free(m);
		/* The sequence number changes (a retransmission rebuilt). */
		memcpy(&oseq, b + 4, 4);
		memcpy(b + 4, &nseq, 4);
		ck = cksum_update32(ck, oseq, nseq);
		/* The pseudo-header's source address changes. */
		ck = cksum_update32(ck, rte_cpu_to_be_32(src), rte_cpu_to_be_32(nsrc));
		m = chain_random(&r, b, len);
		want = cksum_l4_ip4(m, 0, len, nsrc, dst, IP4_PROTO_TCP);
		rte_pktmbuf_free(m);
		assert_int_equal(ck, want);
	}
}

/* The offload contract: with the pseudo-header sum folded into the
 * checksum field, a NIC summing the L4 bytes produces the same packet as
 * cksum_l4_ip4 in software. */
static void
offload_case(struct rng *r, uint8_t proto)
{
	uint8_t sw[1400], hw[1400];
	uint32_t src = rand_ip(r), dst = rand_ip(r);
	uint16_t len = rand_l4(r, proto, sw, sizeof(sw));
	uint32_t field = proto == IP4_PROTO_UDP ? 6 : 16;
	struct rte_mbuf *m;
	uint16_t c;
	int ok;

	memset(sw + field, 0, 2);
	memcpy(hw, sw, len);
	m = chain_random(r, sw, len);
	c = cksum_l4_ip4(m, 0, len, src, dst, proto);
	rte_pktmbuf_free(m);
	if (proto == IP4_PROTO_UDP && c == 0)
		c = 0xffff;
	memcpy(sw + field, &c, 2);

	c = cksum_fold(cksum_pseudo_ip4(src, dst, proto, len));
	memcpy(hw + field, &c, 2);
	m = chain_random(r, hw, len);
	c = (uint16_t)~cksum_fold(cksum_mbuf(m, 0, len));	/* the NIC */
	rte_pktmbuf_free(m);
	if (proto == IP4_PROTO_UDP && c == 0)
		c = 0xffff;
	memcpy(hw + field, &c, 2);

	m = chain_random(r, hw, len);
	ok = cksum_l4_ip4_ok(m, 0, len, src, dst, proto);
	rte_pktmbuf_free(m);
	assert_memory_equal(sw, hw, len);
	assert_true(ok);
}

static void
test_cksum_offload_equiv(void **state)
{
	struct rng r = rng_for(11);
	unsigned int i;

	(void)state;
	for (i = 0; i < ROUNDS / 10; i++) {
		offload_case(&r, IP4_PROTO_UDP);
		offload_case(&r, IP4_PROTO_TCP);
	}
}
/* Every test runs with the harness's EAL and mbuf-leak check. */
#define WIRE_TEST(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, harness_teardown)
int
main(void)
{
	const struct CMUnitTest tests[] = {
		WIRE_TEST(test_cksum_raw_vs_naive),
		WIRE_TEST(test_cksum_raw_continuation),
		WIRE_TEST(test_cksum_mbuf_splits),
		WIRE_TEST(test_cksum_ip4_hdr20),
		WIRE_TEST(test_cksum_update_ip),
		WIRE_TEST(test_cksum_update_l4),
		WIRE_TEST(test_cksum_offload_equiv),
	};

	printf("wire_cksum: WIRE_SEED=0x%llx\n", (unsigned long long)base_seed());
	return cmocka_run_group_tests_name("wire_cksum", tests, NULL, NULL);
}
