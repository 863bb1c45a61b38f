/* SPDX-License-Identifier: BSD-3-Clause
 *
 * UDP and ICMP errors through a real stack on a virtual interface: a
 * datagram to a closed port is answered with ICMP port unreachable (never
 * one sent to a broadcast address), and a port unreachable received about
 * a datagram we sent reaches its socket as TERN_EV_UDP_ERROR, while one
 * about a port with no socket reaches nobody. Every test creates and frees
 * its own stack; the harness teardown checks that every mbuf went back to
 * the pool.
 */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "frames.h"
#include "udp_frames.h"

#include "core/stack_private.h"
#include "wire/cksum.h"

/* ---- ICMP --------------------------------------------------------------- */

static void
test_closed_port_icmp_unreachable(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s);
	uint8_t pl[10], orig[FRAME_HDRS + sizeof(pl)];
	struct rte_mbuf *m, *out;
	struct parsed p;

	(void)state;
	tstack_learn(s, PEER_IP, &peer_mac, now);
	udp_bind_ok(s, c, APP_PORT, 0, now, NULL);		/* some other port is open */
	fill_pattern(pl, sizeof(pl), 12);
	m = frame_udp(&f, PEER_PORT, 9999, pl, sizeof(pl), 0);
	assert_int_equal(pkt_to_bytes(m, orig, sizeof(orig)), sizeof(orig));
	tstack_rx(s, m, now);

	chan_assert_empty(c);
	assert_int_equal(s->ctr[CTR_UDP_RX_NO_PORT], 1);
	assert_int_equal(s->ctr[CTR_ICMP_TX_UNREACH], 1);
	out = tstack_tx_one(s, &p);
	assert_false(p.is_arp);
	assert_memory_equal(&p.eth.dst, &peer_mac, sizeof(peer_mac));
	assert_int_equal(p.ip.proto, IP4_PROTO_ICMP);
	assert_int_equal(p.ip.src, OUR_IP);
	assert_int_equal(p.ip.dst, PEER_IP);
	assert_true(p.ip_cksum_ok);
	assert_int_equal(p.icmp.type, ICMP_DEST_UNREACH);
	assert_int_equal(p.icmp.code, ICMP_CODE_PORT_UNREACH);
	assert_int_equal(p.icmp.id, 0);			/* unused field */
	assert_int_equal(p.icmp.seq, 0);
	assert_true(p.l4_cksum_ok);
	/* the quote: the original IP header and UDP header (and here the
	 * whole small datagram), byte for byte as received */
	assert_true(p.payload_len >= IP4_HDR_LEN + UDP_HDR_LEN);
	assert_int_equal(p.payload_len, IP4_HDR_LEN + UDP_HDR_LEN + sizeof(pl));
	assert_memory_equal(p.payload, orig + ETH_HDR_LEN, p.payload_len);
	rte_pktmbuf_free(out);
	tern_stack_free(s);
}

static void
test_no_icmp_for_broadcast(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s);
	uint8_t pl[10];

	(void)state;
	tstack_learn(s, PEER_IP, &peer_mac, now);
	udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill_pattern(pl, sizeof(pl), 13);
	f.dst_mac = bcast_mac;
	f.dst = IP(198, 18, 0, 255);
	tstack_rx(s, frame_udp(&f, PEER_PORT, 9999, pl, sizeof(pl), 0), now);
	assert_int_equal(s->ctr[CTR_UDP_RX_NO_PORT], 1);
	f.dst = IP(255, 255, 255, 255);
	tstack_rx(s, frame_udp(&f, PEER_PORT, 9999, pl, sizeof(pl), 0), now);
	assert_int_equal(s->ctr[CTR_UDP_RX_NO_PORT], 2);
	assert_int_equal(s->ctr[CTR_ICMP_TX_UNREACH], 0);
	assert_int_equal(tstack_tx_discard(s), 0);
	chan_assert_empty(c);
	tern_stack_free(s);
}

/* ICMP port unreachable quoting a datagram we sent -> TERN_EV_UDP_ERROR. */
static void
test_icmp_unreach_received(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s), h;
	uint8_t pl[40], sent[FRAME_HDRS + sizeof(pl)];
	uint8_t icmp[ICMP_HDR_LEN + IP4_HDR_LEN + UDP_HDR_LEN + sizeof(pl)];
	struct icmp_hdr_v ih = { .type = ICMP_DEST_UNREACH, .code = ICMP_CODE_PORT_UNREACH };
	struct tern_event ev;
	struct rte_mbuf *out;
	struct parsed p;
	uint32_t quote;

	(void)state;
	tstack_learn(s, PEER_IP, &peer_mac, now);
	h = udp_bind_ok(s, c, APP_PORT, 0xc0ffee, now, NULL);
	fill_pattern(pl, sizeof(pl), 14);
	udp_send_and_process(s, c, h, pkt_from_bytes(pl, sizeof(pl)), PEER_IP, 9000, now);
	out = tstack_tx_one(s, &p);
	assert_int_equal(pkt_to_bytes(out, sent, sizeof(sent)), sizeof(sent));
	rte_pktmbuf_free(out);

	/* once with the whole datagram quoted, once with the RFC 792 minimum */
	for (quote = IP4_HDR_LEN + UDP_HDR_LEN + sizeof(pl); ;
	     quote = IP4_HDR_LEN + UDP_HDR_LEN) {
		uint16_t n = (uint16_t)(ICMP_HDR_LEN + quote);
		uint64_t unreach = s->ctr[CTR_ICMP_RX_UNREACH];

		icmp_hdr_emit(icmp, &ih);
		memcpy(icmp + ICMP_HDR_LEN, sent + ETH_HDR_LEN, quote);
		icmp_hdr_set_cksum(icmp, (uint16_t)~cksum_fold(cksum_raw(icmp, n, 0)));
		tstack_rx(s, frame_ip4(&f, IP4_PROTO_ICMP, icmp, n), now);
		assert_int_equal(s->ctr[CTR_ICMP_RX_UNREACH], unreach + 1);
		ev = chan_recv_one(c);
		assert_int_equal(ev.type, TERN_EV_UDP_ERROR);
		assert_int_equal(ev.status, -ECONNREFUSED);
		assert_int_equal(ev.handle, h);
		assert_int_equal(ev.cookie, 0xc0ffee);
		assert_int_equal(ev.addr, PEER_IP);
		assert_int_equal(ev.port, 9000);
		assert_null(ev.m);
		assert_int_equal(tstack_tx_discard(s), 0);	/* never answered */
		if (quote == IP4_HDR_LEN + UDP_HDR_LEN)
			break;
	}
	tern_stack_free(s);
}

/* An ICMP error about a port we have no socket on reaches nobody. */
static void
test_icmp_unreach_for_unbound_port_ignored(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	struct frame_ip f = frame_ip_default();
	uint64_t now = tern_stack_now(s);
	uint8_t icmp[ICMP_HDR_LEN + IP4_HDR_LEN + UDP_HDR_LEN];
	struct icmp_hdr_v ih = { .type = ICMP_DEST_UNREACH, .code = ICMP_CODE_PORT_UNREACH };
	struct ip4_hdr_v qip = { .hdr_len = IP4_HDR_LEN, .total_len = 28, .ttl = 64,
				 .proto = IP4_PROTO_UDP, .src = OUR_IP, .dst = PEER_IP };
	struct udp_hdr_v qu = { .src_port = APP_PORT + 1, .dst_port = 9000, .len = 8 };

	(void)state;
	udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	icmp_hdr_emit(icmp, &ih);
	ip4_hdr_emit(icmp + ICMP_HDR_LEN, &qip, true);
	udp_hdr_emit(icmp + ICMP_HDR_LEN + IP4_HDR_LEN, &qu);
	icmp_hdr_set_cksum(icmp, (uint16_t)~cksum_fold(cksum_raw(icmp, sizeof(icmp), 0)));
	tstack_rx(s, frame_ip4(&f, IP4_PROTO_ICMP, icmp, sizeof(icmp)), now);
	assert_int_equal(s->ctr[CTR_ICMP_RX_UNREACH], 1);
	chan_assert_empty(c);
	tern_stack_free(s);
}
/* The test table: every test with the harness setup and tstack_teardown. */
#define UDP_TEST(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, tstack_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		UDP_TEST(test_closed_port_icmp_unreachable),
		UDP_TEST(test_no_icmp_for_broadcast),
		UDP_TEST(test_icmp_unreach_received),
		UDP_TEST(test_icmp_unreach_for_unbound_port_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
