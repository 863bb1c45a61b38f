/* SPDX-License-Identifier: BSD-3-Clause
 *
 * netif on a real ethdev: a net_ring port (rte_eth_from_rings) whose TX
 * ring is small, so the TX queue fills up. Frames the queue refuses must be
 * kept for the next iteration (tx_deferred), not dropped, and go out once
 * the queue drains; the mbuf pool is back at its baseline after teardown.
 * TCP output asks for room before it builds: with the queue full, the
 * connections it could not serve wait on the output list (tcp_tx_held)
 * and send on a later iteration, instead of being built and dropped.
 */
#include <string.h>

#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include <tern/tcp.h>

#include "harness.h"
#include "frames.h"
#include "core/stack_private.h"
#include "ip/arp.h"

#define TXQ_SLOTS 64u			/* a ring of 64 holds 63 frames */
#define FRAMES 100u

static void
drain_ring(struct rte_ring *r)
{
	void *m;

	while (rte_ring_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
}

static void
test_full_tx_queue_defers_not_drops(void **state)
{
	struct rte_ring *rx = rte_ring_create("netif_rx", TXQ_SLOTS, SOCKET_ID_ANY,
					      RING_F_SP_ENQ | RING_F_SC_DEQ);
	struct rte_ring *tx = rte_ring_create("netif_tx", TXQ_SLOTS, SOCKET_ID_ANY,
					      RING_F_SP_ENQ | RING_F_SC_DEQ);
	uint8_t frame[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct tern_config cfg;
	struct tern_stack *s;
	unsigned int k;
	int port;

	(void)state;
	assert_non_null(rx);
	assert_non_null(tx);
	port = rte_eth_from_rings("net_ring_netif", &rx, 1, &tx, 1, SOCKET_ID_ANY);
	assert_true(port >= 0);
	tstack_config(&cfg);
	cfg.iface[0].port_id = (uint16_t)port;
	assert_int_equal(tern_netif_setup(&cfg, 1, harness_pool()), 0);
	s = tern_stack_create(&cfg, rte_lcore_id(), 0, harness_pool());
	assert_non_null(s);
	assert_true(s->iface[0].is_port);
	/* the gratuitous ARP plus FRAMES frames staged in one iteration */
	for (k = 0; k < FRAMES; k++)
		stack_tx(s, 0, pkt_from_bytes(frame, sizeof(frame)));
	tern_stack_poll(s);
	assert_int_equal(rte_ring_count(tx), TXQ_SLOTS - 1);
	assert_int_equal(tern_stats_get(s, CTR_TX_PKTS), TXQ_SLOTS - 1);
	assert_int_equal(tern_stats_get(s, CTR_TX_DROP_FULL), 0);
	/* each waiting frame counted once, however often the loop retried */
	assert_int_equal(tern_stats_get(s, CTR_TX_DEFERRED), FRAMES + 1 - (TXQ_SLOTS - 1));
	tern_stack_poll(s);
	tern_stack_poll(s);
	assert_int_equal(tern_stats_get(s, CTR_TX_DEFERRED), FRAMES + 1 - (TXQ_SLOTS - 1));
	/* the queue drains: the kept frames go out on the next iteration */
	drain_ring(tx);
	tern_stack_poll(s);
	assert_int_equal(rte_ring_count(tx), FRAMES + 1 - (TXQ_SLOTS - 1));
	assert_int_equal(tern_stats_get(s, CTR_TX_PKTS), FRAMES + 1);
	assert_int_equal(tern_stats_get(s, CTR_TX_DROP_FULL), 0);
	drain_ring(tx);
	tern_stack_free(s);
	tern_netif_teardown(&cfg);
	rte_ring_free(rx);
	rte_ring_free(tx);
}

#define CONNS 400u			/* SYNs asked for in one iteration */

static void
test_tcp_output_held_not_dropped(void **state)
{
	struct rte_ring *rx = rte_ring_create("netif_rx2", TXQ_SLOTS, SOCKET_ID_ANY,
					      RING_F_SP_ENQ | RING_F_SC_DEQ);
	struct rte_ring *tx = rte_ring_create("netif_tx2", TXQ_SLOTS, SOCKET_ID_ANY,
					      RING_F_SP_ENQ | RING_F_SC_DEQ);
	struct tern_config cfg;
	struct tern_stack *s;
	struct tern_chan *c;
	unsigned int k, out = 0;
	int port;

	(void)state;
	assert_non_null(rx);
	assert_non_null(tx);
	port = rte_eth_from_rings("net_ring_netif2", &rx, 1, &tx, 1, SOCKET_ID_ANY);
	assert_true(port >= 0);
	tstack_config(&cfg);
	cfg.iface[0].port_id = (uint16_t)port;
	assert_int_equal(tern_netif_setup(&cfg, 1, harness_pool()), 0);
	s = tern_stack_create(&cfg, rte_lcore_id(), 0, harness_pool());
	assert_non_null(s);
	c = tern_chan_create(s, "held", 0);
	assert_non_null(c);
	arp_learn(s, 0, PEER_IP, &peer_mac, 1, 0);
	tern_stack_poll(s);
	drain_ring(tx);				/* the gratuitous ARP */
	for (k = 0; k < CONNS; k++)
		assert_int_equal(tern_tcp_connect(c, PEER_IP, 80, 0, k), 0);
	tern_stack_poll(s);
	/* 63 in the queue, the staging area nearly full, the rest held */
	assert_int_equal(rte_ring_count(tx), TXQ_SLOTS - 1);
	assert_true(tern_stats_get(s, CTR_TCP_TX_HELD) >= 1);
	assert_int_equal(tern_stats_get(s, CTR_TX_DROP_FULL), 0);
	for (k = 0; k < 20 && out < CONNS; k++) {
		out += rte_ring_count(tx);
		drain_ring(tx);
		tern_stack_poll(s);
	}
	out += rte_ring_count(tx);
	drain_ring(tx);
	assert_int_equal(out, CONNS);		/* every SYN, none twice */
	assert_int_equal(tern_stats_get(s, CTR_TCP_TX_SEGS), CONNS);
	assert_int_equal(tern_stats_get(s, CTR_TX_DROP_FULL), 0);
	tern_chan_free(c);
	tern_stack_free(s);
	tern_netif_teardown(&cfg);
	rte_ring_free(rx);
	rte_ring_free(tx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_tx_queue_defers_not_drops,
						harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_output_held_not_dropped,
						harness_setup, harness_teardown),
	};

	harness_eal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
