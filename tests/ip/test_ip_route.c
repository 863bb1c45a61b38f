/* SPDX-License-Identifier: BSD-3-Clause
 *
 * IPv4 routing and ARP resolution on the send side, driven by UDP sends
 * through a real stack on a virtual interface: the first datagram to an
 * unresolved neighbour waits for the ARP reply and then leaves as the same
 * mbuf, an off-subnet destination goes to the gateway's MAC, no gateway
 * means EHOSTUNREACH (and not even an ARP request), and the subnet
 * broadcast goes to the broadcast MAC without ARP. Every test creates and
 * frees its own stack; the harness teardown checks that every mbuf went
 * back to the pool.
 */
#include <errno.h>

#include "harness.h"
#include "frames.h"
#include "udp_frames.h"

#include "core/stack_private.h"

/* ---- ARP and routing on the send side ----------------------------------- */

static void
test_first_send_resolves_arp(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	uint64_t now = tern_stack_now(s), h;
	struct arp_pkt rep = { .op = ARP_OP_REPLY, .sha = peer_mac, .spa = PEER_IP,
			       .tha = our_mac, .tpa = OUR_IP };
	struct rte_mbuf *m, *out;
	struct parsed p;
	uint8_t pl[40];

	(void)state;
	h = udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill_pattern(pl, sizeof(pl), 4);
	m = pkt_from_bytes(pl, sizeof(pl));
	udp_send_and_process(s, c, h, m, PEER_IP, 9000, now);

	out = tstack_tx_one(s, &p);
	assert_true(p.is_arp);
	assert_memory_equal(&p.eth.dst, &bcast_mac, sizeof(bcast_mac));
	assert_memory_equal(&p.eth.src, &our_mac, sizeof(our_mac));
	assert_int_equal(p.arp.op, ARP_OP_REQUEST);
	assert_memory_equal(&p.arp.sha, &our_mac, sizeof(our_mac));
	assert_int_equal(p.arp.spa, OUR_IP);
	assert_int_equal(p.arp.tpa, PEER_IP);
	assert_int_equal(s->ctr[CTR_ARP_TX_REQUEST], 1);
	rte_pktmbuf_free(out);

	/* the datagram waits for the reply, then leaves as the same mbuf */
	tstack_process(s, now + 1000);
	assert_int_equal(tstack_tx_discard(s), 0);
	tstack_rx(s, frame_arp(&our_mac, &peer_mac, &rep), now + 2000);
	out = tstack_tx_one(s, &p);
	assert_ptr_equal(out, m);
	assert_udp_to_peer(&p, APP_PORT, 9000, pl, sizeof(pl));
	rte_pktmbuf_free(out);

	/* the next one goes straight out */
	udp_send_and_process(s, c, h, pkt_from_bytes(pl, sizeof(pl)), PEER_IP, 9000, now + 3000);
	out = tstack_tx_one(s, &p);
	assert_udp_to_peer(&p, APP_PORT, 9000, pl, sizeof(pl));
	rte_pktmbuf_free(out);
	assert_int_equal(s->ctr[CTR_ARP_TX_REQUEST], 1);
	tern_stack_free(s);
}

static void
test_sendto_off_subnet_via_gateway(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	uint64_t now = tern_stack_now(s), h;
	const uint32_t far = IP(198, 19, 1, 1);
	struct arp_pkt rep = { .op = ARP_OP_REPLY, .sha = gw_mac, .spa = GW_IP,
			       .tha = our_mac, .tpa = OUR_IP };
	struct rte_mbuf *out;
	struct parsed p;
	uint8_t pl[25];

	(void)state;
	h = udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill_pattern(pl, sizeof(pl), 5);
	udp_send_and_process(s, c, h, pkt_from_bytes(pl, sizeof(pl)), far, 53, now);
	out = tstack_tx_one(s, &p);
	assert_true(p.is_arp);
	assert_int_equal(p.arp.op, ARP_OP_REQUEST);
	assert_int_equal(p.arp.tpa, GW_IP);		/* the next hop, not `far` */
	rte_pktmbuf_free(out);

	tstack_rx(s, frame_arp(&our_mac, &gw_mac, &rep), now);
	out = tstack_tx_one(s, &p);
	assert_false(p.is_arp);
	assert_memory_equal(&p.eth.dst, &gw_mac, sizeof(gw_mac));
	assert_memory_equal(&p.eth.src, &our_mac, sizeof(our_mac));
	assert_int_equal(p.ip.src, OUR_IP);
	assert_int_equal(p.ip.dst, far);
	assert_true(p.ip_cksum_ok);
	assert_int_equal(p.udp.src_port, APP_PORT);
	assert_int_equal(p.udp.dst_port, 53);
	assert_true(p.l4_cksum_ok);
	assert_int_equal(p.payload_len, sizeof(pl));
	assert_memory_equal(p.payload, pl, sizeof(pl));
	rte_pktmbuf_free(out);
	tern_stack_free(s);
}

static void
test_sendto_no_gateway_hostunreach(void **state)
{
	struct tern_config cfg;
	struct tern_stack *s;
	struct tern_chan *c;
	struct tern_event ev;
	uint64_t now, h;
	uint8_t pl[8] = { 0 };

	(void)state;
	tstack_config(&cfg);
	cfg.iface[0].gw = 0;
	s = tstack_create(&cfg);
	c = tern_chan_create(s, "t", 0);
	now = tern_stack_now(s);
	h = udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	udp_send_and_process(s, c, h, pkt_from_bytes(pl, sizeof(pl)), IP(198, 19, 1, 1), 53, now);
	ev = chan_recv_one(c);
	assert_int_equal(ev.type, TERN_EV_CMD_ERROR);
	assert_int_equal(ev.status, -EHOSTUNREACH);
	assert_int_equal(ev.handle, h);
	assert_int_equal(ev.addr, IP(198, 19, 1, 1));
	assert_int_equal(ev.port, 53);
	assert_null(ev.m);
	assert_int_equal(s->ctr[CTR_IP_TX_NO_ROUTE], 0);	/* counted once, as udp_tx_bad */
	assert_int_equal(s->ctr[CTR_UDP_TX_BAD], 1);
	assert_int_equal(tstack_tx_discard(s), 0);	/* not even an ARP request */
	assert_int_equal(harness_pool_in_use(), 0);	/* payload freed */

	/* on-link destinations still work */
	udp_send_and_process(s, c, h, pkt_from_bytes(pl, sizeof(pl)), PEER_IP, 53, now);
	chan_assert_empty(c);
	assert_int_equal(tstack_tx_discard(s), 1);	/* ARP request for the peer */
	tern_stack_free(s);
}

static void
test_sendto_subnet_broadcast(void **state)
{
	struct tern_stack *s = tstack_create(NULL);
	struct tern_chan *c = tern_chan_create(s, "t", 0);
	uint64_t now = tern_stack_now(s), h;
	struct rte_mbuf *out;
	struct parsed p;
	uint8_t pl[12];

	(void)state;
	h = udp_bind_ok(s, c, APP_PORT, 0, now, NULL);
	fill_pattern(pl, sizeof(pl), 6);
	udp_send_and_process(s, c, h, pkt_from_bytes(pl, sizeof(pl)), IP(198, 18, 0, 255), 67, now);
	out = tstack_tx_one(s, &p);			/* no ARP for a broadcast */
	assert_false(p.is_arp);
	assert_memory_equal(&p.eth.dst, &bcast_mac, sizeof(bcast_mac));
	assert_int_equal(p.ip.dst, IP(198, 18, 0, 255));
	assert_true(p.ip_cksum_ok);
	assert_true(p.l4_cksum_ok);
	assert_memory_equal(p.payload, pl, sizeof(pl));
	rte_pktmbuf_free(out);
	tern_stack_free(s);
}
/* The test table: every test with the harness setup and tstack_teardown. */
#define IP_TEST(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, tstack_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		IP_TEST(test_first_send_resolves_arp),
		IP_TEST(test_sendto_off_subnet_via_gateway),
		IP_TEST(test_sendto_no_gateway_hostunreach),
		IP_TEST(test_sendto_subnet_broadcast),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
