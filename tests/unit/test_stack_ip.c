/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Ethernet, ARP, IPv4 and ICMP through a real stack on a virtual interface:
 * frames are real mbufs fed with tern_stack_input(); what the stack sends
 * is drained and parsed back. Covers ARP answer/learn/resolve/retry/aging,
 * the pending queue bound, ICMP echo, ICMP error rate limiting, and every
 * malformed-frame drop with its named counter. Each test checks that the
 * mbuf pool is back at its baseline.
 */
#include <string.h>

#include "harness.h"
#include "frames.h"
#include "core/stack_private.h"
#include "ip/arp.h"
#include "wire/cksum.h"

#define MS 1000000ull
#define T0 (1000 * MS)

static struct rte_mbuf *
arp_request_for(uint32_t target)
{
	struct arp_pkt a = { .op = ARP_OP_REQUEST, .sha = peer_mac, .spa = PEER_IP,
			     .tpa = target };
	struct rte_ether_addr bcast;

	memset(&bcast, 0xff, sizeof(bcast));
	return frame_arp(&bcast, &peer_mac, &a);
}

static struct rte_mbuf *
arp_reply_from(uint32_t ip, const struct rte_ether_addr *mac)
{
	struct arp_pkt a = { .op = ARP_OP_REPLY, .sha = *mac, .spa = ip,
			     .tha = our_mac, .tpa = OUR_IP };

	return frame_arp(&our_mac, mac, &a);
}

/* Parse exactly one frame from the stack and free it. */
static void
expect_one(struct tern_stack *s, struct parsed *p)
{
	struct rte_mbuf *m[4];

	assert_int_equal(tstack_tx(s, m, 4), 1);
	assert_int_equal(frame_parse(m[0], p), 0);
	rte_pktmbuf_free(m[0]);
}

static void
test_gratuitous_arp_at_start(void **state)
{
	struct tern_config cfg;
	struct tern_stack *s;
	struct rte_mbuf *m[4];
	struct parsed p;

	(void)state;
	tstack_config(&cfg);
	s = tern_stack_create(&cfg, rte_lcore_id(), 0, harness_pool());
	assert_non_null(s);
	assert_int_equal(tstack_tx(s, m, 4), 1);
	assert_int_equal(frame_parse(m[0], &p), 0);
	rte_pktmbuf_free(m[0]);
	assert_true(p.is_arp);
	assert_true(rte_is_broadcast_ether_addr(&p.eth.dst));
	assert_int_equal(p.arp.op, ARP_OP_REQUEST);
	assert_int_equal(p.arp.spa, OUR_IP);
	assert_int_equal(p.arp.tpa, OUR_IP);
	assert_true(rte_is_same_ether_addr(&p.arp.sha, &our_mac));
	assert_int_equal(tern_stats_get(s, CTR_ARP_TX_GRATUITOUS), 1);
	tern_stack_free(s);
}

static void
test_arp_request_answered_and_learned(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct parsed p;

	(void)state;
	tstack_rx(s, arp_request_for(OUR_IP), T0);
	expect_one(s, &p);
	assert_true(p.is_arp);
	assert_int_equal(p.arp.op, ARP_OP_REPLY);
	assert_true(rte_is_same_ether_addr(&p.eth.dst, &peer_mac));
	assert_true(rte_is_same_ether_addr(&p.arp.sha, &our_mac));
	assert_int_equal(p.arp.spa, OUR_IP);
	assert_int_equal(p.arp.tpa, PEER_IP);
	assert_true(rte_is_same_ether_addr(&p.arp.tha, &peer_mac));
	assert_non_null(arp_lookup(s, PEER_IP));
	assert_int_equal(s->ctr[CTR_ARP_RX_REQUEST], 1);
	tern_stack_free(s);
}

static void
test_arp_for_other_host_ignored(void **state)
{
	struct tern_stack *s = tstack_create(NULL);

	(void)state;
	tstack_rx(s, arp_request_for(IP(198, 18, 0, 77)), T0);
	assert_int_equal(tstack_tx_discard(s), 0);
	assert_null(arp_lookup(s, PEER_IP));	/* RFC 826: no new entry */
	assert_int_equal(s->ctr[CTR_ARP_RX_NOT_US], 1);
	tern_stack_free(s);
}

static void
test_arp_bogus_sender_dropped(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct rte_ether_addr bcast;
	struct arp_pkt a = { .op = ARP_OP_REQUEST, .sha = peer_mac, .spa = OUR_IP,
			     .tpa = OUR_IP };

	(void)state;
	memset(&bcast, 0xff, sizeof(bcast));
	/* someone claiming our address */
	tstack_rx(s, frame_arp(&bcast, &peer_mac, &a), T0);
	/* broadcast sender hardware address */
	a.spa = PEER_IP;
	a.sha = bcast;
	tstack_rx(s, frame_arp(&bcast, &peer_mac, &a), T0);
	assert_int_equal(s->ctr[CTR_ARP_RX_BAD_SENDER], 2);
	assert_int_equal(tstack_tx_discard(s), 0);
	assert_null(arp_lookup(s, PEER_IP));
	tern_stack_free(s);
}

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
	expect_one(s, &p);
	assert_true(p.is_arp);
	assert_int_equal(p.arp.op, ARP_OP_REQUEST);
	assert_int_equal(p.arp.tpa, PEER_IP);
	tstack_rx(s, arp_reply_from(PEER_IP, &peer_mac), T0 + MS);
	expect_one(s, &p);
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
	expect_one(s, &p);
	assert_int_equal(p.icmp.seq, 8);
	assert_int_equal(s->ctr[CTR_ICMP_RX_ECHO], 2);
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
test_arp_retries_then_gives_up(void **state)
{
	struct tern_config cfg;
	struct tern_stack *s;
	struct frame_ip f = frame_ip_default();
	struct parsed p;
	uint64_t now = T0;
	unsigned int k;

	(void)state;
	tstack_config(&cfg);
	cfg.arp_retries = 3;
	cfg.arp_retry_ms = 100;
	s = tstack_create(&cfg);
	tstack_rx(s, frame_icmp_echo(&f, 1, 1, "x", 1), now);
	expect_one(s, &p);			/* request #1 */
	assert_true(p.is_arp);
	for (k = 2; k <= 3; k++) {
		tstack_process(s, now + 99 * MS);
		assert_int_equal(tstack_tx_discard(s), 0);	/* not early */
		now += 100 * MS;
		tstack_process(s, now + 1 * MS);
		expect_one(s, &p);		/* request #k */
		assert_true(p.is_arp);
		assert_int_equal(p.arp.tpa, PEER_IP);
	}
	tstack_process(s, now + 101 * MS);
	assert_int_equal(tstack_tx_discard(s), 0);
	assert_int_equal(s->ctr[CTR_ARP_TX_REQUEST], 3);
	assert_int_equal(s->ctr[CTR_ARP_RESOLVE_FAIL], 1);	/* the queued reply */
	assert_null(arp_lookup(s, PEER_IP));
	tern_stack_free(s);
}

static void
test_arp_pending_queue_bounded(void **state)
{
	struct tern_config cfg;
	struct tern_stack *s;
	struct frame_ip f = frame_ip_default();
	unsigned int k;

	(void)state;
	tstack_config(&cfg);
	cfg.arp_pending_max = 4;
	s = tstack_create(&cfg);
	for (k = 0; k < 10; k++)
		tstack_rx(s, frame_icmp_echo(&f, 1, (uint16_t)k, "x", 1), T0);
	assert_int_equal(tstack_tx_discard(s), 1);	/* one ARP request */
	assert_int_equal(s->ctr[CTR_ARP_PENDING_FULL], 6);
	tstack_rx(s, arp_reply_from(PEER_IP, &peer_mac), T0 + MS);
	assert_int_equal(tstack_tx_discard(s), 4);	/* the queued replies */
	tern_stack_free(s);
}

/* An aged entry stays in use while requests re-confirm it; it is
 * forgotten only when arp_retries of them go unanswered. */
static void
test_arp_entry_ages_out(void **state)
{
	struct tern_config cfg;
	struct tern_stack *s;
	struct frame_ip f = frame_ip_default();
	uint64_t t;
	unsigned int k;

	(void)state;
	tstack_config(&cfg);
	cfg.arp_reachable_ms = 5000;
	s = tstack_create(&cfg);
	tstack_rx(s, arp_request_for(OUR_IP), T0);
	assert_int_equal(tstack_tx_discard(s), 1);
	assert_non_null(arp_lookup(s, PEER_IP));
	tstack_process(s, T0 + 4999 * MS);
	assert_non_null(arp_lookup(s, PEER_IP));
	assert_int_equal(tstack_tx_discard(s), 0);
	tstack_process(s, T0 + 5001 * MS);
	assert_int_equal(s->ctr[CTR_ARP_REFRESH], 1);
	assert_int_equal(tstack_tx_discard(s), 1);	/* the re-confirming request */
	/* still used meanwhile: an echo request is answered at once */
	tstack_rx(s, frame_icmp_echo(&f, 1, 1, "x", 1), T0 + 5002 * MS);
	assert_int_equal(tstack_tx_discard(s), 1);
	assert_int_equal(s->ctr[CTR_ARP_PENDING_FULL], 0);
	/* the reply makes it reachable again for a full period */
	tstack_rx(s, arp_reply_from(PEER_IP, &peer_mac), T0 + 5003 * MS);
	tstack_process(s, T0 + 10002 * MS);
	assert_int_equal(s->ctr[CTR_ARP_REFRESH], 1);
	assert_int_equal(tstack_tx_discard(s), 0);
	/* next period: no answer to any of the requests -> forgotten */
	t = T0 + 10004 * MS;
	for (k = 0; k < 2u * cfg.arp_retries + 2; k++, t += (uint64_t)cfg.arp_retry_ms * MS)
		tstack_process(s, t);
	assert_int_equal(s->ctr[CTR_ARP_REFRESH], 2);
	assert_int_equal(tstack_tx_discard(s), cfg.arp_retries);
	assert_null(arp_lookup(s, PEER_IP));
	assert_int_equal(s->ctr[CTR_ARP_AGED], 1);
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
	tstack_rx(s, arp_reply_from(PEER_IP, &peer_mac), T0);
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
	tstack_rx(s, arp_reply_from(PEER_IP, &peer_mac), T0);
	tstack_rx(s, frame_ip4(&f, 99, body, sizeof(body)), T0);
	expect_one(s, &p);
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

/* One malformed frame, the counter that must explain its drop. */
struct bad_frame {
	const char *name;
	unsigned int ctr;
};

static struct rte_mbuf *
make_bad(unsigned int k)
{
	struct frame_ip f = frame_ip_default();
	struct rte_mbuf *m = frame_icmp_echo(&f, 1, 1, "payload!", 8);
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, ETH_HDR_LEN);
	uint16_t ck;

	switch (k) {
	case 0: rte_pktmbuf_trim(m, m->pkt_len - 10); break;		/* eth trunc */
	case 1: rte_pktmbuf_trim(m, m->pkt_len - ETH_HDR_LEN - 12); break; /* ip trunc */
	case 2: ip[0] = 0x44; break;					/* IHL 4 */
	case 3: ip[0] = 0x4f; break;					/* IHL 15 > len */
	case 4: ip[2] = 0x05; break;					/* total > frame */
	case 5: ip[10] ^= 0x55; break;					/* bad cksum */
	case 6: ip[0] = 0x65; break;					/* version 6 */
	case 7: ip[6] |= 0x20; break;					/* MF: fragment */
	case 8: ip[12] = 224; break;					/* multicast src */
	case 9: ip[19] = 99; break;					/* not our dst */
	case 10: ip[12] = 198; ip[13] = 18; ip[14] = 0; ip[15] = 2; break; /* our src */
	case 11: {							/* ethertype */
		uint8_t *e = rte_pktmbuf_mtod(m, uint8_t *);
		e[12] = 0x86; e[13] = 0xdd; break; }
	case 12: {							/* not our MAC */
		uint8_t *e = rte_pktmbuf_mtod(m, uint8_t *);
		e[5] = 0x77; break; }
	case 13: ip[12] = 127; break;					/* loopback src */
	case 14: ip[12] = 240; break;					/* class E src */
	case 15: ip[12] = 0; break;					/* 0/8 src */
	}
	if ((k >= 6 && k <= 10) || k >= 13) {	/* keep the header checksum valid */
		ip[10] = ip[11] = 0;
		ck = cksum_ip4_hdr(ip, (ip[0] & 0xf) * 4u);
		memcpy(ip + 10, &ck, 2);
	}
	return m;
}

static const struct bad_frame bad_frames[] = {
	{ "eth truncated", CTR_ETH_RX_TRUNC },
	{ "ip truncated", CTR_IP_RX_TRUNC },
	{ "ihl below 5", CTR_IP_RX_BAD_IHL },
	{ "ihl beyond packet", CTR_IP_RX_BAD_IHL },
	{ "total length beyond frame", CTR_IP_RX_BAD_LEN },
	{ "bad header checksum", CTR_IP_RX_BAD_CSUM },
	{ "version 6", CTR_IP_RX_BAD_VERSION },
	{ "fragment", CTR_IP_RX_FRAG },
	{ "multicast source", CTR_IP_RX_BAD_SRC },
	{ "foreign destination", CTR_IP_RX_NOT_US },
	{ "our own source", CTR_IP_RX_BAD_SRC },
	{ "ipv6 ethertype", CTR_ETH_RX_BAD_TYPE },
	{ "foreign MAC", CTR_ETH_RX_NOT_US },
	{ "loopback source", CTR_IP_RX_BAD_SRC },
	{ "reserved source", CTR_IP_RX_BAD_SRC },
	{ "this-network source", CTR_IP_RX_BAD_SRC },
};

static void
test_malformed_frames_are_counted_drops(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	unsigned int k;

	(void)state;
	for (k = 0; k < RTE_DIM(bad_frames); k++) {
		uint64_t before = s->ctr[bad_frames[k].ctr];

		tstack_rx(s, make_bad(k), T0);
		if (s->ctr[bad_frames[k].ctr] != before + 1)
			fail_msg("%s: counter %s did not move", bad_frames[k].name,
				 tern_stats_name(bad_frames[k].ctr));
		assert_int_equal(tstack_tx_discard(s), 0);
	}
	assert_int_equal(s->ctr[CTR_ICMP_RX_ECHO], 0);
	tern_stack_free(s);
}

static void
test_ethernet_padding_trimmed(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct frame_ip f = frame_ip_default();
	struct rte_mbuf *m = frame_icmp_echo(&f, 5, 6, "ab", 2);
	struct parsed p;

	(void)state;
	/* 14 + 20 + 10 = 44 bytes: a NIC pads to 60 with junk */
	memset(rte_pktmbuf_append(m, 16), 0xee, 16);
	tstack_rx(s, arp_reply_from(PEER_IP, &peer_mac), T0);
	tstack_rx(s, m, T0);
	expect_one(s, &p);
	assert_int_equal(p.icmp.type, ICMP_ECHO_REPLY);
	assert_int_equal(p.payload_len, 2);
	assert_int_equal(p.ip.total_len, IP4_HDR_LEN + ICMP_HDR_LEN + 2);
	tern_stack_free(s);
}

static void
test_random_garbage_never_crashes(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	uint8_t buf[256];
	uint32_t x = 12345;
	unsigned int k, i;

	(void)state;
	for (k = 0; k < 20000; k++) {
		uint16_t len = (uint16_t)(k % sizeof(buf));

		for (i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (uint8_t)(x >> 16);
		}
		/* address most frames to us so they get past Ethernet, half as
		 * ARP, half as IPv4 with a plausible first byte */
		if (len >= ETH_HDR_LEN && (k & 7) != 0) {
			memcpy(buf, &our_mac, sizeof(our_mac));
			buf[12] = 0x08;
			buf[13] = (k & 1) ? 0x06 : 0x00;
			if (len > ETH_HDR_LEN && (k & 2))
				buf[ETH_HDR_LEN] = 0x45;
		}
		tstack_rx(s, pkt_from_bytes(buf, len), T0 + k);
		tstack_tx_discard(s);
	}
	assert_int_equal(s->ctr[CTR_RX_PKTS], 20000);
	tern_stack_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gratuitous_arp_at_start, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_arp_request_answered_and_learned, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_arp_for_other_host_ignored, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_arp_bogus_sender_dropped, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_echo_reply_after_arp_resolution, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_echo_bad_icmp_cksum_dropped, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_broadcast_echo_ignored, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_arp_retries_then_gives_up, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_arp_pending_queue_bounded, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_arp_entry_ages_out, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_icmp_errors_rate_limited, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_protocol_gets_proto_unreachable, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_malformed_frames_are_counted_drops, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_ethernet_padding_trimmed, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_random_garbage_never_crashes, harness_setup, harness_teardown),
	};

	harness_eal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
