/* SPDX-License-Identifier: BSD-3-Clause
 *
 * ICMP (lib/ip/icmp*.c) through a real stack on a virtual interface: echo
 * requests answered once the peer is resolved, echo requests with a bad
 * checksum or to a broadcast address not answered, ICMP errors rate
 * limited, and an unknown IP protocol answered with protocol unreachable
 * quoting the datagram. Each test checks that the mbuf pool is back at
 * its baseline.
 */
#include <string.h>

#include "harness.h"
#include "frames.h"
#include "core/stack_private.h"

#define MS 1000000ull
#define T0 (1000 * MS)

static void
test_echo_reply_after_arp_resolution(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct frame_ip f = frame_ip_default();
	uint8_t payload[56];
	struct parsed p;
	unsigned int k;

	(void)state;
	for (k = 0; k < sizeof(payload); k++)
		payload[k] = (uint8_t)(k * 7 + 1);
	tstack_rx(s, frame_icmp_echo(&f, 0x1234, 7, payload, sizeof(payload)), T0);
	/* peer unknown: the reply waits while we ask who PEER_IP is */
	tstack_tx_parse_one(s, &p);
	assert_true(p.is_arp);
	assert_int_equal(p.arp.op, ARP_OP_REQUEST);
	assert_int_equal(p.arp.tpa, PEER_IP);
	tstack_rx(s, frame_arp_reply_from(PEER_IP, &peer_mac), T0 + MS);
	tstack_tx_parse_one(s, &p);
	assert_false(p.is_arp);
	assert_true(rte_is_same_ether_addr(&p.eth.dst, &peer_mac));
	assert_true(rte_is_same_ether_addr(&p.eth.src, &our_mac));
	assert_int_equal(p.ip.src, OUR_IP);
	assert_int_equal(p.ip.dst, PEER_IP);
	assert_true(p.ip_cksum_ok);
	assert_int_equal(p.icmp.type, ICMP_ECHO_REPLY);
	assert_int_equal(p.icmp.id, 0x1234);
	assert_int_equal(p.icmp.seq, 7);
	assert_true(p.l4_cksum_ok);
	assert_int_equal(p.payload_len, sizeof(payload));
	assert_memory_equal(p.payload, payload, sizeof(payload));
	/* now known: the next reply goes out at once */
	tstack_rx(s, frame_icmp_echo(&f, 0x1234, 8, payload, 0), T0 + 2 * MS);
	tstack_tx_parse_one(s, &p);
	assert_int_equal(p.icmp.seq, 8);
	assert_int_equal(s->ctr[CTR_ICMP_RX_ECHO], 2);
	tern_stack_free(s);
}

static void
test_echo_bad_icmp_cksum_dropped(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct frame_ip f = frame_ip_default();
	struct rte_mbuf *m = frame_icmp_echo(&f, 1, 1, "abcd", 4);

	(void)state;
	/* flip one payload bit after the checksum was computed */
	*rte_pktmbuf_mtod_offset(m, uint8_t *, ETH_HDR_LEN + IP4_HDR_LEN + 9) ^= 0x10;
	tstack_rx(s, m, T0);
	assert_int_equal(tstack_tx_discard(s), 0);
	assert_int_equal(s->ctr[CTR_ICMP_RX_BAD_CSUM], 1);
	tern_stack_free(s);
}

static void
test_broadcast_echo_ignored(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct frame_ip f = frame_ip_default();

	(void)state;
	f.dst = IP(198, 18, 0, 255);
	memset(&f.dst_mac, 0xff, sizeof(f.dst_mac));
	tstack_rx(s, frame_icmp_echo(&f, 1, 1, "x", 1), T0);
	f.dst = 0xffffffffu;
	tstack_rx(s, frame_icmp_echo(&f, 1, 2, "x", 1), T0);
	assert_int_equal(tstack_tx_discard(s), 0);
	assert_int_equal(s->ctr[CTR_ICMP_RX_BCAST_ECHO], 2);
	assert_int_equal(s->ctr[CTR_ICMP_RX_ECHO], 0);
	tern_stack_free(s);
}

static void
test_icmp_errors_rate_limited(void **state)
{
	struct tern_config cfg;
	struct tern_stack *s;
	struct frame_ip f = frame_ip_default();
	unsigned int k;

	(void)state;
	tstack_config(&cfg);
	cfg.icmp_rate_per_s = 100;
	cfg.icmp_burst = 10;
	s = tstack_create(&cfg);
	tstack_rx(s, frame_arp_reply_from(PEER_IP, &peer_mac), T0);
	/* let the bucket fill from its creation time */
	for (k = 0; k < 50; k++)
		tstack_rx(s, frame_udp(&f, 1000, 9, "x", 1, 0), T0 + 1000 * MS);
	assert_int_equal(tstack_tx_discard(s), 10);
	assert_int_equal(s->ctr[CTR_ICMP_TX_UNREACH], 10);
	assert_int_equal(s->ctr[CTR_ICMP_TX_RATELIMIT], 40);
	/* 100 ms later: 10 more tokens at 100/s */
	for (k = 0; k < 50; k++)
		tstack_rx(s, frame_udp(&f, 1000, 9, "x", 1, 0), T0 + 1100 * MS);
	assert_int_equal(tstack_tx_discard(s), 10);
	assert_int_equal(s->ctr[CTR_UDP_RX_NO_PORT], 100);
	tern_stack_free(s);
}

static void
test_unknown_protocol_gets_proto_unreachable(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct frame_ip f = frame_ip_default();
	uint8_t body[16] = { 1, 2, 3 };
	struct parsed p;

	(void)state;
	tstack_rx(s, frame_arp_reply_from(PEER_IP, &peer_mac), T0);
	tstack_rx(s, frame_ip4(&f, 99, body, sizeof(body)), T0);
	tstack_tx_parse_one(s, &p);
	assert_int_equal(p.icmp.type, ICMP_DEST_UNREACH);
	assert_int_equal(p.icmp.code, ICMP_CODE_PROTO_UNREACH);
	assert_true(p.l4_cksum_ok);
	/* quote: the original IP header + its payload */
	assert_int_equal(p.payload_len, IP4_HDR_LEN + sizeof(body));
	assert_int_equal(p.payload[9], 99);
	assert_memory_equal(p.payload + IP4_HDR_LEN, body, sizeof(body));
	assert_int_equal(s->ctr[CTR_IP_RX_BAD_PROTO], 1);
	tern_stack_free(s);
}

/* The test table: every test with the harness setup and teardown. */
#define IP_TEST(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, harness_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		IP_TEST(test_echo_reply_after_arp_resolution),
		IP_TEST(test_echo_bad_icmp_cksum_dropped),
		IP_TEST(test_broadcast_echo_ignored),
		IP_TEST(test_icmp_errors_rate_limited),
		IP_TEST(test_unknown_protocol_gets_proto_unreachable),
	};

	harness_eal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
