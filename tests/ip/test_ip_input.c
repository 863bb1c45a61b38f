/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Ethernet and IPv4 input through a real stack on a virtual interface:
 * every malformed frame is dropped with the named counter that explains
 * it, Ethernet padding is not payload, and random garbage never crashes
 * the stack. Each test checks that the mbuf pool is back at its baseline.
 */
#include <string.h>

#include "harness.h"
#include "frames.h"
#include "core/stack_private.h"
#include "wire/cksum.h"

#define MS 1000000ull
#define T0 (1000 * MS)

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
	tstack_rx(s, frame_arp_reply_from(PEER_IP, &peer_mac), T0);
	tstack_rx(s, m, T0);
	tstack_tx_parse_one(s, &p);
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


/* The test table: every test with the harness setup and teardown. */
#define IP_TEST(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, harness_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		IP_TEST(test_malformed_frames_are_counted_drops),
		IP_TEST(test_ethernet_padding_trimmed),
		IP_TEST(test_random_garbage_never_crashes),
	};

	harness_eal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
