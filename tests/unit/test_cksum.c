/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for lib/wire/cksum.c: the RFC 1071 worked example, known
 * answers for folding, the IPv4 header and pseudo-header sums (the
 * arithmetic is written out beside each constant), the RFC 1624 example
 * that motivated eqn. 3, the RFC 768 rule that a computed UDP checksum of
 * zero is sent as 0xffff, and cksum_l4_ip4_ok on good and damaged
 * packets. Values in these tests are the numbers as written in the RFCs
 * (network order); cksum.h works in memory order, so results are compared
 * through rte_be_to_cpu_16 / rte_cpu_to_be_16.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_mbuf.h>

#include "harness.h"

#include "wire/cksum.h"
#include "core/counters.h"
#include "wire/ip4_hdr.h"

#define SRC 0xc6120001u		/* 198.18.0.1 */
#define DST 0xc6120002u		/* 198.18.0.2 */

static uint16_t
net(uint16_t mem)
{
	return rte_be_to_cpu_16(mem);
}

/* RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to 2ddf0, folds to
 * ddf2; the checksum is its complement 220d. */
static void
test_rfc1071_example(void **state)
{
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint16_t folded;

	(void)state;
	folded = cksum_fold(cksum_raw(b, sizeof(b), 0));
	assert_int_equal(net(folded), 0xddf2);
	assert_int_equal(net((uint16_t)~folded), 0x220d);
	/* Section 2 (B): summing in either byte order and swapping gives
	 * the same answer; the odd tail is padded with a zero byte. */
	assert_int_equal(net(cksum_fold(cksum_raw(b, 7, 0))), 0xddf2 - 0x00f7);
	assert_int_equal(cksum_fold(cksum_raw(b, 0, 0)), 0);
	/* The accumulator carries on: two halves equal the whole. */
	assert_int_equal(cksum_fold(cksum_raw(b + 4, 4, cksum_raw(b, 4, 0))), folded);
}

static void
test_fold(void **state)
{
	static const struct {
		uint32_t in;
		uint16_t out;
	} kat[] = {
		{ 0x00000000u, 0x0000 },
		{ 0x0000ffffu, 0xffff },
		{ 0x00010000u, 0x0001 },	/* end-around carry */
		{ 0x0001fffeu, 0xffff },	/* fffe + 1 */
		{ 0x0001ffffu, 0x0001 },	/* ffff + 1 = 10000 -> 1 */
		{ 0x12345678u, 0x68ac },	/* 5678 + 1234 */
		{ 0xfffffffeu, 0xfffe },	/* fffe + ffff = 1fffd -> fffe */
		{ 0xffffffffu, 0xffff },	/* ffff + ffff = 1fffe -> ffff */
		{ 0x80008000u, 0x0001 },	/* 8000 + 8000 = 10000 -> 1 */
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(kat); i++)
		assert_int_equal(cksum_fold(kat[i].in), kat[i].out);
}

/*
 * 45 00 00 54 | 00 00 40 00 | 40 01 [ck] | c6 12 00 01 | c6 12 00 02:
 * 4500 + 0054 + 0000 + 4000 + 4001 + c612 + 0001 + c612 + 0002 = 2517c,
 * folded 517e, complemented ae81. With a Router Alert option (94 04 00 00,
 * IHL 6, total length 0x58): 4600 + 0058 + ... + 9404 + 0000 -> 1979.
 */
static void
test_ip4_hdr_kat(void **state)
{
	uint8_t h[24] = {
		0x45, 0x00, 0x00, 0x54, 0x00, 0x00, 0x40, 0x00, 0x40, 0x01,
		0xde, 0xad,	/* ignored: treated as zero */
		0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02,
		0x94, 0x04, 0x00, 0x00,
	};
	uint8_t pkt[0x54] = { 0 };
	struct ip4_hdr_v v;
	uint16_t ck;

	(void)state;
	ck = cksum_ip4_hdr(h, 20);
	assert_int_equal(net(ck), 0xae81);
	memcpy(h + 10, &ck, 2);
	assert_int_equal(cksum_fold(cksum_raw(h, 20, 0)), 0xffff);
	memcpy(pkt, h, 20);	/* total length 0x54: the whole packet */
	assert_int_equal(ip4_hdr_parse(pkt, sizeof(pkt), true, &v), CTR_NONE);
	pkt[19] ^= 1;
	assert_int_equal(ip4_hdr_parse(pkt, sizeof(pkt), true, &v),
			 CTR_IP_RX_BAD_CSUM);

	h[0] = 0x46;
	h[3] = 0x58;
	ck = cksum_ip4_hdr(h, 24);
	assert_int_equal(net(ck), 0x1979);
}

/* c612 + 0001 + c612 + 0002 + 0011 (UDP) + 001c (length 28) = 18c54,
 * folded 8c55. */
static void
test_pseudo_ip4_kat(void **state)
{
	static const uint8_t ph[] = {
		0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02,
		0x00, IP4_PROTO_TCP, 0x05, 0xdc,
	};
	uint32_t s;

	(void)state;
	s = cksum_pseudo_ip4(SRC, DST, IP4_PROTO_UDP, 28);
	assert_int_equal(net(cksum_fold(s)), 0x8c55);
	/* Swapping source and destination changes nothing. */
	assert_int_equal(cksum_fold(cksum_pseudo_ip4(DST, SRC, IP4_PROTO_UDP, 28)),
			 cksum_fold(s));
	/* Equal to summing the 12-byte pseudo-header as bytes. */
	assert_int_equal(cksum_fold(cksum_pseudo_ip4(SRC, DST, IP4_PROTO_TCP, 1500)),
			 cksum_fold(cksum_raw(ph, sizeof(ph), 0)));
}

/* RFC 1624 section 4: the other header words sum to cd7a and a field
 * changes from 5555 to 3285. HC = ~(cd7a + 5555) = dd2f; recomputation
 * gives ~(cd7a + 3285) = ~ffff = 0000, and eqn. 3 must too (eqn. 2 of
 * RFC 1141 gave ffff). The function is byte-order agnostic as long as
 * every argument uses the same order, so both orders are tried. */
static void
test_rfc1624_example(void **state)
{
	(void)state;
	assert_int_equal(cksum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
	assert_int_equal(cksum_update16(rte_cpu_to_be_16(0xdd2f), rte_cpu_to_be_16(0x5555),
					rte_cpu_to_be_16(0x3285)), 0x0000);
	/* And back again. */
	assert_int_equal(cksum_update16(0x0000, 0x3285, 0x5555), 0xdd2f);
	/* 32 bits: the same change in either half of the field. */
	assert_int_equal(cksum_update32(0xdd2f, 0x00005555, 0x00003285), 0x0000);
	assert_int_equal(cksum_update32(0xdd2f, 0x55550000, 0x32850000), 0x0000);
}

/* A UDP datagram (header + 6 payload bytes) whose checksum computes to
 * zero: the last payload word is chosen as the checksum of the datagram
 * with that word zero, which brings the one's complement sum to ffff. */
static void
make_zero_sum_udp(uint8_t *d)
{
	static const uint8_t base[14] = {
		0x04, 0xd2, 0x10, 0xe1, 0x00, 0x0e, 0x00, 0x00,	/* 1234 -> 4321 */
		'z', 'e', 'r', 'o', 0x00, 0x00,
	};
	struct rte_mbuf *m;
	uint16_t c;

	memcpy(d, base, sizeof(base));
	m = pkt_from_bytes(d, sizeof(base));
	c = cksum_l4_ip4(m, 0, sizeof(base), SRC, DST, IP4_PROTO_UDP);
	rte_pktmbuf_free(m);
	memcpy(d + 12, &c, 2);
}

/* RFC 768: "If the computed checksum is zero, it is transmitted as all
 * ones"; zero on the wire means "no checksum". cksum_l4_ip4 returns the
 * computed 0 and leaves the mapping to the caller (udp/udp_output.c);
 * the mapped 0xffff verifies, because ffff is another zero in one's
 * complement; and a stored 0 must be recognised as "none" by udp_input
 * before any verification (it would verify here only by coincidence). */
static void
test_udp_zero_maps_to_ffff(void **state)
{
	uint8_t d[14];
	struct rte_mbuf *m;
	uint16_t c, ffff = 0xffff;
	int ok_ffff, ok_zero_other;

	(void)state;
	make_zero_sum_udp(d);
	m = pkt_from_bytes(d, sizeof(d));
	c = cksum_l4_ip4(m, 0, sizeof(d), SRC, DST, IP4_PROTO_UDP);
	rte_pktmbuf_free(m);
	assert_int_equal(c, 0);

	memcpy(d + 6, &ffff, 2);
	m = pkt_from_bytes(d, sizeof(d));
	ok_ffff = cksum_l4_ip4_ok(m, 0, sizeof(d), SRC, DST, IP4_PROTO_UDP);
	rte_pktmbuf_free(m);
	assert_true(ok_ffff);

	/* For an ordinary datagram a zero field does not verify: zero is
	 * only ever meaningful as "none". */
	d[8] ^= 0x01;
	memset(d + 6, 0, 2);
	m = pkt_from_bytes(d, sizeof(d));
	ok_zero_other = cksum_l4_ip4_ok(m, 0, sizeof(d), SRC, DST, IP4_PROTO_UDP);
	rte_pktmbuf_free(m);
	assert_false(ok_zero_other);
}

/* Build an L4 packet of `len` bytes with a correct checksum at `field`. */
static void
make_l4(uint8_t *b, uint16_t len, uint8_t proto, uint32_t field)
{
	struct rte_mbuf *m;
	uint16_t i, c;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)(i * 37 + 11);
	memset(b + field, 0, 2);
	m = pkt_from_bytes(b, len);
	c = cksum_l4_ip4(m, 0, len, SRC, DST, proto);
	rte_pktmbuf_free(m);
	memcpy(b + field, &c, 2);
}

static int
verifies(const uint8_t *b, uint16_t len, uint16_t seg, uint32_t src, uint8_t proto)
{
	struct rte_mbuf *m = pkt_chain_from_bytes(b, len, seg);
	int ok = cksum_l4_ip4_ok(m, 0, len, src, DST, proto);

	rte_pktmbuf_free(m);
	return ok;
}

static void
l4_ok_case(uint8_t proto, uint32_t field, uint16_t len)
{
	uint8_t b[512];
	uint32_t bit;

	make_l4(b, len, proto, field);
	assert_true(verifies(b, len, len, SRC, proto));
	assert_true(verifies(b, len, 3, SRC, proto));
	/* The pseudo-header is covered: wrong source or protocol fails. */
	assert_false(verifies(b, len, len, SRC + 1, proto));
	assert_false(verifies(b, len, len, SRC,
			      proto == IP4_PROTO_TCP ? IP4_PROTO_UDP : IP4_PROTO_TCP));
	/* Every single-bit error anywhere in the segment is caught. */
	for (bit = 0; bit < len * 8u; bit++) {
		b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (verifies(b, len, 5, SRC, proto))
			fail_msg("bit %u flipped and the checksum still verifies", bit);
		b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_true(verifies(b, len, 5, SRC, proto));
}

static void
test_l4_ok_good_and_bad(void **state)
{
	(void)state;
	l4_ok_case(IP4_PROTO_UDP, 6, 8);
	l4_ok_case(IP4_PROTO_UDP, 6, 37);
	l4_ok_case(IP4_PROTO_TCP, 16, 20);
	l4_ok_case(IP4_PROTO_TCP, 16, 311);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rfc1071_example, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(test_fold, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_ip4_hdr_kat, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(test_pseudo_ip4_kat, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(test_rfc1624_example, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(test_udp_zero_maps_to_ffff, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(test_l4_ok_good_and_bad, harness_setup,
						harness_teardown),
	};

	return cmocka_run_group_tests_name("unit_cksum", tests, NULL, NULL);
}
