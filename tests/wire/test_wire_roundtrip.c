/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Property tests for lib/wire/, seeded and reproducible (WIRE_SEED=<n> in
 * the environment replays a run; the seed in use is printed): random
 * parse/emit round trips of every header including every combination of
 * TCP options; and truncated or garbage input at every length, in
 * exact-size heap buffers so that AddressSanitizer sees any read past the
 * end. The checksums are test_wire_cksum.c's.
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

#include "wire/arp_hdr.h"
#include "wire/cksum.h"
#include "core/counters.h"
#include "wire/eth_hdr.h"
#include "wire/icmp_hdr.h"
#include "wire/ip4_hdr.h"
#include "wire/tcp_hdr.h"
#include "wire/udp_hdr.h"
#include "vectors.h"

#include "wire_rng.h"

#define CANARY 0xa5u
#define BUF_LEN 128u
#define OPT_SPACE 40u

static void
check_untouched(const uint8_t *buf, size_t from)
{
	size_t i;

	for (i = from; i < BUF_LEN; i++)
		if (buf[i] != CANARY)
			fail_msg("emit wrote byte %zu, beyond its %zu bytes", i, from);
}

/* ------------------------------------------------------ header round trips */

static void
test_rt_eth_arp(void **state)
{
	struct rng r = rng_for(1);
	uint8_t buf[BUF_LEN];
	unsigned int i;

	(void)state;
	for (i = 0; i < ROUNDS; i++) {
		struct eth_hdr_v e, e2;
		struct arp_pkt a, a2;

		rng_fill(&r, &e, sizeof(e));
		memset(buf, CANARY, sizeof(buf));
		eth_hdr_emit(buf, &e);
		check_untouched(buf, ETH_HDR_LEN);
		assert_int_equal(eth_hdr_parse(buf, ETH_HDR_LEN, &e2), CTR_NONE);
		assert_memory_equal(&e2.dst, &e.dst, 6);
		assert_memory_equal(&e2.src, &e.src, 6);
		assert_int_equal(e2.type, e.type);

		memset(&a, 0, sizeof(a));
		rng_fill(&r, &a.sha, 6);
		rng_fill(&r, &a.tha, 6);
		a.op = 1 + (i & 1);
		a.spa = rng_u32(&r);
		a.tpa = rng_u32(&r);
		memset(buf, CANARY, sizeof(buf));
		arp_pkt_emit(buf, &a);
		check_untouched(buf, ARP_PKT_LEN);
		assert_int_equal(arp_pkt_parse(buf, ARP_PKT_LEN, &a2), CTR_NONE);
		assert_int_equal(a2.op, a.op);
		assert_memory_equal(&a2.sha, &a.sha, 6);
		assert_int_equal(a2.spa, a.spa);
		assert_memory_equal(&a2.tha, &a.tha, 6);
		assert_int_equal(a2.tpa, a.tpa);
	}
}

static void
check_ip_equal(const struct ip4_hdr_v *a, const struct ip4_hdr_v *b)
{
	assert_int_equal(a->hdr_len, b->hdr_len);
	assert_int_equal(a->tos, b->tos);
	assert_int_equal(a->total_len, b->total_len);
	assert_int_equal(a->id, b->id);
	assert_int_equal(a->frag, b->frag);
	assert_int_equal(a->ttl, b->ttl);
	assert_int_equal(a->proto, b->proto);
	assert_int_equal(a->src, b->src);
	assert_int_equal(a->dst, b->dst);
}

static void
test_rt_ip4(void **state)
{
	struct rng r = rng_for(2);
	uint8_t buf[BUF_LEN];
	unsigned int i;

	(void)state;
	for (i = 0; i < ROUNDS; i++) {
		struct ip4_hdr_v h, h2;
		uint32_t avail;

		rng_fill(&r, &h, sizeof(h));
		h.hdr_len = IP4_HDR_LEN;
		h.total_len = (uint16_t)(IP4_HDR_LEN + rng_below(&r, BUF_LEN - IP4_HDR_LEN));
		avail = h.total_len + rng_below(&r, BUF_LEN - h.total_len + 1);
		memset(buf, CANARY, sizeof(buf));
		ip4_hdr_emit(buf, &h, true);
		check_untouched(buf, IP4_HDR_LEN);
		assert_int_equal(ip4_hdr_parse(buf, avail, true, &h2), CTR_NONE);
		check_ip_equal(&h, &h2);
		assert_int_equal(ip4_hdr_is_fragment(&h2),
				 (h.frag & (IP4_FLAG_MF | IP4_FRAG_OFF_MASK)) != 0);
		/* Offload: no checksum; trusted parse works, verified fails
		 * unless the right checksum happened to be zero. */
		memset(buf, CANARY, sizeof(buf));
		ip4_hdr_emit(buf, &h, false);
		check_untouched(buf, IP4_HDR_LEN);
		assert_int_equal(ip4_hdr_parse(buf, avail, false, &h2), CTR_NONE);
		check_ip_equal(&h, &h2);
		assert_int_equal(ip4_hdr_parse(buf, avail, true, &h2),
				 cksum_ip4_hdr(buf, IP4_HDR_LEN) == 0 ?
				 CTR_NONE : CTR_IP_RX_BAD_CSUM);
	}
}

static void
test_rt_udp(void **state)
{
	struct rng r = rng_for(3);
	uint8_t buf[BUF_LEN];
	unsigned int i;

	(void)state;
	for (i = 0; i < ROUNDS; i++) {
		struct udp_hdr_v u, u2;
		uint32_t payload;

		rng_fill(&r, &u, sizeof(u));
		u.len = (uint16_t)(UDP_HDR_LEN + rng_below(&r, 1500));
		payload = u.len + rng_below(&r, 64);
		memset(buf, CANARY, sizeof(buf));
		udp_hdr_emit(buf, &u);
		check_untouched(buf, UDP_HDR_LEN);
		assert_int_equal(udp_hdr_parse(buf, payload, &u2), CTR_NONE);
		assert_int_equal(u2.src_port, u.src_port);
		assert_int_equal(u2.dst_port, u.dst_port);
		assert_int_equal(u2.len, u.len);
		assert_int_equal(u2.cksum, u.cksum);
		/* The datagram claims more than the IP payload holds. */
		assert_int_equal(udp_hdr_parse(buf, u.len - 1u, &u2),
				 u.len - 1u < UDP_HDR_LEN ? CTR_UDP_RX_TRUNC :
				 CTR_UDP_RX_BAD_LEN);
		udp_hdr_set_cksum(buf, (uint16_t)~u.cksum);
		assert_int_equal(udp_hdr_parse(buf, payload, &u2), CTR_NONE);
		assert_int_equal(u2.cksum, (uint16_t)~u.cksum);
		check_untouched(buf, UDP_HDR_LEN);
	}
}

static void
test_rt_icmp(void **state)
{
	struct rng r = rng_for(4);
	uint8_t msg[ICMP_HDR_LEN + 300];
	unsigned int i;

	(void)state;
	for (i = 0; i < ROUNDS / 10; i++) {
		uint32_t len = ICMP_HDR_LEN + rng_below(&r, 301);
		uint32_t bit = rng_below(&r, len * 8);
		struct icmp_hdr_v h, h2;
		struct rte_mbuf *m;
		unsigned int ctr;

		rng_fill(&r, &h, sizeof(h));
		rng_fill(&r, msg, sizeof(msg));
		icmp_hdr_emit(msg, &h);
		assert_int_equal(msg[2] | msg[3], 0);
		icmp_hdr_set_cksum(msg, (uint16_t)~cksum_fold(cksum_raw(msg, len, 0)));
		/* (mbufs are freed before asserting, so a failure does not
		 * also leak into the harness's teardown check) */
		m = chain_random(&r, msg, len);
		ctr = icmp_hdr_parse(m, 0, len, &h2);
		rte_pktmbuf_free(m);
		assert_int_equal(ctr, CTR_NONE);
		assert_int_equal(h2.type, h.type);
		assert_int_equal(h2.code, h.code);
		assert_int_equal(h2.id, h.id);
		assert_int_equal(h2.seq, h.seq);
		/* Any single flipped bit breaks the checksum. */
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		m = chain_random(&r, msg, len);
		ctr = icmp_hdr_parse(m, 0, len, &h2);
		rte_pktmbuf_free(m);
		assert_int_equal(ctr, CTR_ICMP_RX_BAD_CSUM);
	}
}

/* --------------------------------------------------------------- TCP */

/* The SACK blocks tern's layout has room for, stated from the layout
 * (tcp_hdr.c) independently of the implementation. */
static unsigned int
expect_sack_fit(const struct tcp_opts *o)
{
	unsigned int used = 0, n = o->n_sack;

	if (!(o->present & TCP_OPTF_SACK))
		return 0;
	used += (o->present & TCP_OPTF_MSS) ? 4 : 0;
	used += (o->present & TCP_OPTF_TS) ? 12 :
		(o->present & TCP_OPTF_SACK_PERM) ? 4 : 0;
	used += (o->present & TCP_OPTF_WSCALE) ? 4 : 0;
	n = RTE_MIN(n, TCP_OPT_MAX_SACK);
	while (n > 0 && used + 4 + 8 * n > OPT_SPACE)
		n--;
	return n;
}

/* What parsing the emitted options must give back. */
static void
check_opts_back(const struct tcp_opts *in, const struct tcp_opts *out)
{
	unsigned int fit = expect_sack_fit(in), i;
	uint8_t present = in->present & 0x1f;

	if (fit == 0)
		present &= (uint8_t)~TCP_OPTF_SACK;
	assert_int_equal(out->present, present);
	assert_int_equal(tcp_opts_sack_fit(in), fit);
	assert_int_equal(out->n_sack, fit);
	assert_int_equal(out->mss, (present & TCP_OPTF_MSS) ? in->mss : 0);
	assert_int_equal(out->wscale, !(present & TCP_OPTF_WSCALE) ? 0 :
			 RTE_MIN(in->wscale, TCP_WSCALE_MAX));
	assert_int_equal(out->ts_val, (present & TCP_OPTF_TS) ? in->ts_val : 0);
	assert_int_equal(out->ts_ecr, (present & TCP_OPTF_TS) ? in->ts_ecr : 0);
	for (i = 0; i < fit; i++) {
		assert_int_equal(out->sack[i].left, in->sack[i].left);
		assert_int_equal(out->sack[i].right, in->sack[i].right);
	}
}

static void
tcp_round_trip(struct rng *r, unsigned int present)
{
	uint8_t buf[BUF_LEN], again[BUF_LEN];
	struct tcp_seg s, s2;
	uint8_t n, olen;

	rng_fill(r, &s, sizeof(s));
	rand_opts(r, &s.opts, present);
	olen = tcp_opts_len(&s.opts);
	assert_true(olen % 4 == 0 && olen <= OPT_SPACE);
	memset(buf, CANARY, sizeof(buf));
	n = tcp_hdr_emit(buf, &s);
	assert_int_equal(n, TCP_HDR_LEN + olen);
	check_untouched(buf, n);
	assert_int_equal(tcp_hdr_parse(buf, n, &s2), CTR_NONE);
	assert_int_equal(s2.src_port, s.src_port);
	assert_int_equal(s2.dst_port, s.dst_port);
	assert_int_equal(s2.seq, s.seq);
	assert_int_equal(s2.ack, s.ack);
	assert_int_equal(s2.hdr_len, n);
	assert_int_equal(s2.flags, s.flags);
	assert_int_equal(s2.wnd, s.wnd);
	assert_int_equal(s2.cksum, s.cksum);
	assert_int_equal(s2.urp, s.urp);
	check_opts_back(&s.opts, &s2.opts);
	/* Emitting what was parsed reproduces the bytes exactly. */
	memset(again, CANARY, sizeof(again));
	assert_int_equal(tcp_hdr_emit(again, &s2), n);
	assert_memory_equal(again, buf, BUF_LEN);
}

static void
test_rt_tcp(void **state)
{
	struct rng r = rng_for(5);
	unsigned int i, present;

	(void)state;
	/* Every combination of options, many times over. */
	for (i = 0; i < ROUNDS; i++)
		for (present = 0; present < 0x20; present++)
			if ((i & 0x1f) == present || i < 256)
				tcp_round_trip(&r, present);
}

/* Known layouts and SACK capacities (RFC 2018 section 3, Linux's layout). */
static void
test_tcp_layout_known(void **state)
{
	static const struct {
		uint8_t present;
		uint8_t fit;
		uint8_t len;
	} cases[] = {
		{ TCP_OPTF_SACK, 4, 36 },
		{ TCP_OPTF_SACK | TCP_OPTF_TS, 3, 40 },
		{ TCP_OPTF_SACK | TCP_OPTF_TS | TCP_OPTF_MSS, 2, 36 },
		{ TCP_OPTF_SACK | TCP_OPTF_TS | TCP_OPTF_MSS | TCP_OPTF_WSCALE |
		  TCP_OPTF_SACK_PERM, 2, 40 },
		{ TCP_OPTF_SACK | TCP_OPTF_MSS | TCP_OPTF_WSCALE |
		  TCP_OPTF_SACK_PERM, 3, 40 },
		{ TCP_OPTF_MSS | TCP_OPTF_WSCALE | TCP_OPTF_SACK_PERM | TCP_OPTF_TS,
		  0, 20 },
		{ TCP_OPTF_MSS | TCP_OPTF_WSCALE | TCP_OPTF_SACK_PERM, 0, 12 },
		{ 0, 0, 0 },
	};
	static const uint8_t syn[20] = {
		2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 3, 3, 7,
	};
	struct tcp_opts o;
	uint8_t buf[BUF_LEN];
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(cases); i++) {
		memset(&o, 0, sizeof(o));
		o.present = cases[i].present;
		o.n_sack = TCP_OPT_MAX_SACK;
		assert_int_equal(tcp_opts_sack_fit(&o), cases[i].fit);
		assert_int_equal(tcp_opts_len(&o), cases[i].len);
		memset(buf, CANARY, sizeof(buf));
		assert_int_equal(tcp_opts_emit(buf, &o), cases[i].len);
		check_untouched(buf, cases[i].len);
	}
	memset(&o, 0, sizeof(o));
	o.present = TCP_OPTF_MSS | TCP_OPTF_SACK_PERM | TCP_OPTF_TS | TCP_OPTF_WSCALE;
	o.mss = 1460;
	o.ts_val = 1;
	o.ts_ecr = 2;
	o.wscale = 7;
	assert_int_equal(tcp_opts_emit(buf, &o), sizeof(syn));
	assert_memory_equal(buf, syn, sizeof(syn));
	o.wscale = 200;		/* RFC 7323 2.3: never sent above 14 */
	tcp_opts_emit(buf, &o);
	assert_int_equal(buf[19], TCP_WSCALE_MAX);
}
/* ------------------------------------------------- truncation and garbage */

/* The counters each parser may return besides CTR_NONE. */
static const unsigned int eth_ctrs[] = { CTR_NONE, CTR_ETH_RX_TRUNC };
static const unsigned int arp_ctrs[] = {
	CTR_NONE, CTR_ARP_RX_TRUNC, CTR_ARP_RX_BAD_HDR, CTR_ARP_RX_BAD_OP,
};
static const unsigned int ip_ctrs[] = {
	CTR_NONE, CTR_IP_RX_TRUNC, CTR_IP_RX_BAD_VERSION, CTR_IP_RX_BAD_IHL,
	CTR_IP_RX_BAD_LEN, CTR_IP_RX_BAD_CSUM,
};
static const unsigned int udp_ctrs[] = {
	CTR_NONE, CTR_UDP_RX_TRUNC, CTR_UDP_RX_BAD_LEN,
};
static const unsigned int icmp_ctrs[] = {
	CTR_NONE, CTR_ICMP_RX_TRUNC, CTR_ICMP_RX_BAD_CSUM,
};
static const unsigned int tcp_ctrs[] = {
	CTR_NONE, CTR_TCP_RX_TRUNC, CTR_TCP_RX_BAD_OFF, CTR_TCP_RX_BAD_OPT,
};

static void
assert_ctr_in(unsigned int ctr, const unsigned int *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (set[i] == ctr)
			return;
	fail_msg("unexpected counter %u (%s)", ctr, ctr_name(ctr));
}

/* Every parser on `len` bytes at `p` (an exact-size heap buffer): no
 * crash, no read beyond `len`, and only the parser's own counters. */
static void
all_parsers(const uint8_t *p, uint32_t len)
{
	struct eth_hdr_v e;
	struct arp_pkt a;
	struct ip4_hdr_v ip;
	struct udp_hdr_v u;
	struct tcp_seg t;
	struct icmp_hdr_v ic;
	struct rte_mbuf *m = pkt_from_bytes(p, (uint16_t)len);
	unsigned int icmp_ctr, icmp_long, icmp_past;

	icmp_ctr = icmp_hdr_parse(m, 0, len, &ic);
	icmp_long = icmp_hdr_parse(m, 0, len + 1, &ic);
	icmp_past = icmp_hdr_parse(m, len + 1, 8, &ic);
	rte_pktmbuf_free(m);
	assert_ctr_in(icmp_ctr, icmp_ctrs, RTE_DIM(icmp_ctrs));
	/* A length claiming more than the mbuf holds is truncation. */
	assert_int_equal(icmp_long, CTR_ICMP_RX_TRUNC);
	assert_int_equal(icmp_past, CTR_ICMP_RX_TRUNC);
	assert_ctr_in(eth_hdr_parse(p, len, &e), eth_ctrs, RTE_DIM(eth_ctrs));
	assert_ctr_in(arp_pkt_parse(p, len, &a), arp_ctrs, RTE_DIM(arp_ctrs));
	assert_ctr_in(ip4_hdr_parse(p, len, true, &ip), ip_ctrs, RTE_DIM(ip_ctrs));
	assert_int_not_equal(ip4_hdr_parse(p, len, false, &ip), CTR_IP_RX_BAD_CSUM);
	if (ip4_hdr_parse(p, len, false, &ip) == CTR_NONE)
		assert_true(IP4_HDR_LEN <= ip.hdr_len && ip.hdr_len <= ip.total_len &&
			    ip.total_len <= len);
	assert_ctr_in(udp_hdr_parse(p, len, &u), udp_ctrs, RTE_DIM(udp_ctrs));
	if (udp_hdr_parse(p, len, &u) == CTR_NONE)
		assert_true(UDP_HDR_LEN <= u.len && u.len <= len);
	assert_ctr_in(tcp_hdr_parse(p, len, &t), tcp_ctrs, RTE_DIM(tcp_ctrs));
	if (tcp_hdr_parse(p, len, &t) == CTR_NONE)
		assert_true(TCP_HDR_LEN <= t.hdr_len && t.hdr_len <= len &&
			    t.opts.wscale <= TCP_WSCALE_MAX &&
			    t.opts.n_sack <= TCP_OPT_MAX_SACK &&
			    (t.opts.n_sack != 0) == !!(t.opts.present & TCP_OPTF_SACK));
}

static void
test_truncated_vectors(void **state)
{
	unsigned int i;
	uint32_t len, off;

	(void)state;
	for (i = 0; i < RTE_DIM(wire_vecs); i++) {
		const struct wire_vec *v = &wire_vecs[i];

		for (len = 0; len <= v->len; len++) {
			uint8_t *cp = malloc(len ? len : 1);
			struct eth_hdr_v e;

			assert_non_null(cp);
			memcpy(cp, v->frame, len);
			assert_int_equal(eth_hdr_parse(cp, len, &e),
					 len < ETH_HDR_LEN ? CTR_ETH_RX_TRUNC : CTR_NONE);
			/* Each layer's parser at each layer's offset. */
			for (off = 0; off <= ETH_HDR_LEN + 60 && off <= len; off++)
				all_parsers(cp + off, len - off);
			free(cp);
		}
	}
}

/* Option bytes made of likely kinds and lengths, to reach deep paths. */
static void
rand_tcp_bytes(struct rng *r, uint8_t *p, uint32_t len)
{
	static const uint8_t kinds[] = { 0, 1, 2, 3, 4, 5, 8, 30, 254 };
	static const uint8_t lens[] = { 0, 1, 2, 3, 4, 10, 18, 34, 42 };
	uint32_t i;

	rng_fill(r, p, len);
	if (len > 12)
		p[12] = (uint8_t)((5 + rng_below(r, 11)) << 4);
	for (i = TCP_HDR_LEN; i < len; i++) {
		uint32_t pick = rng_below(r, 4);

		if (pick == 0)
			p[i] = kinds[rng_below(r, RTE_DIM(kinds))];
		else if (pick == 1)
			p[i] = lens[rng_below(r, RTE_DIM(lens))];
	}
}

static void
test_garbage(void **state)
{
	struct rng r = rng_for(12);
	unsigned int i;

	(void)state;
	for (i = 0; i < ROUNDS; i++) {
		uint32_t len = rng_below(&r, 100);
		uint8_t *p = malloc(len ? len : 1);
		struct tcp_seg t;

		assert_non_null(p);
		rand_tcp_bytes(&r, p, len);
		if (len > 0 && (i & 1))
			p[0] = (uint8_t)(0x40 | rng_below(&r, 16));
		all_parsers(p, len);
		/* Whatever parses re-emits to something that parses the same. */
		if (tcp_hdr_parse(p, len, &t) == CTR_NONE) {
			uint8_t buf[BUF_LEN];
			struct tcp_seg t2;
			uint8_t n = tcp_hdr_emit(buf, &t);

			assert_int_equal(tcp_hdr_parse(buf, n, &t2), CTR_NONE);
			check_opts_back(&t.opts, &t2.opts);
		}
		free(p);
	}
}

/* Every test runs with the harness's EAL and mbuf-leak check. */
#define WIRE_TEST(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, harness_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		WIRE_TEST(test_rt_eth_arp),
		WIRE_TEST(test_rt_ip4),
		WIRE_TEST(test_rt_udp),
		WIRE_TEST(test_rt_icmp),
		WIRE_TEST(test_rt_tcp),
		WIRE_TEST(test_tcp_layout_known),
		WIRE_TEST(test_truncated_vectors),
		WIRE_TEST(test_garbage),
	};

	printf("wire_roundtrip: WIRE_SEED=0x%llx\n", (unsigned long long)base_seed());
	return cmocka_run_group_tests_name("wire_roundtrip", tests, NULL, NULL);
}
