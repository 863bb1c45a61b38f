/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Two stacks on two lcores sharing one port, the way a device without a
 * predictable RSS (here net_ring, two RX and two TX queues built from
 * rte_rings) makes them: every frame the "NIC" delivers lands on queue 0,
 * whoever owns its flow. Lcore 1 polls its stack in a loop of its own
 * while the test drives lcore 0's. Checked, per lcore:
 *  - the port is set up for software steering;
 *  - an ARP request received by lcore 0 is answered once, by lcore 0, and
 *    lcore 1 learns the peer from the copy (it never asks ARP itself);
 *  - SYNs for listeners on both lcores: each SYN-ACK leaves on the queue
 *    of the lcore that owns the 4-tuple (flow_owner), frames owned by
 *    lcore 1 are steered (flow_rx_steered on 0 = flow_rx_from_peer on 1),
 *    and nothing is answered with a RST;
 *  - active opens on lcore 1 choose local ports whose replies it owns,
 *    and their SYN-ACKs, received on queue 0, complete the handshakes on
 *    lcore 1;
 *  - ephemeral UDP binds fall in each lcore's share of the range, and
 *    datagrams to them, received on queue 0, reach the right lcore's app;
 *  - the mbuf pool is back at its baseline.
 */
#include <stdatomic.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include <tern/tern.h>

#include "harness.h"
#include "frames.h"
#include "tcp_frames.h"
#include "core/stack_private.h"
#include "flow/flow_map.h"
#include "netif/netif_private.h"
#include "wire/arp_hdr.h"

#define NQ 2u
#define RING_SLOTS 1024u
#define FLOWS 64u
#define WAIT_NS (20ull * 1000000000ull)	/* generous: loaded machines */

struct rig {
	struct rte_ring *rx[NQ];
	struct rte_ring *tx[NQ];
	struct tern_config cfg;
	int port;
	struct rte_ether_addr port_mac;
	const struct flow_map *map;
	struct tern_stack *s[NQ];
	struct tern_chan *c[NQ];
	unsigned int lcore1;
	atomic_int stop;
};

static int
poll_lcore1(void *arg)
{
	struct rig *r = arg;

	while (!atomic_load_explicit(&r->stop, memory_order_acquire))
		tern_stack_poll(r->s[1]);
	tern_stack_poll(r->s[1]);
	return 0;
}

static void
drain_free(struct rte_ring *ring)
{
	void *m;

	while (rte_ring_dequeue(ring, &m) == 0)
		rte_pktmbuf_free(m);
}

static void
rig_up(struct rig *r)
{
	static unsigned int rigs;	/* ring and port names are unique */
	char name[32];
	unsigned int q;

	memset(r, 0, sizeof(*r));
	rigs++;
	for (q = 0; q < NQ; q++) {
		snprintf(name, sizeof(name), "steer_rx%u_%u", rigs, q);
		r->rx[q] = rte_ring_create(name, RING_SLOTS, SOCKET_ID_ANY, 0);
		snprintf(name, sizeof(name), "steer_tx%u_%u", rigs, q);
		r->tx[q] = rte_ring_create(name, RING_SLOTS, SOCKET_ID_ANY, 0);
		assert_non_null(r->rx[q]);
		assert_non_null(r->tx[q]);
	}
	snprintf(name, sizeof(name), "net_ring_steer%u", rigs);
	r->port = rte_eth_from_rings(name, r->rx, NQ, r->tx, NQ, SOCKET_ID_ANY);
	assert_true(r->port >= 0);
	rte_eth_macaddr_get((uint16_t)r->port, &r->port_mac);
	tstack_config(&r->cfg);
	r->cfg.iface[0].port_id = (uint16_t)r->port;
	r->cfg.tcp_max_conns = 4096;
	assert_int_equal(tern_netif_setup(&r->cfg, NQ, harness_pool()), 0);
	r->map = netif_flow_map((uint16_t)r->port);
	assert_non_null(r->map);
	assert_int_equal(r->map->mode, FLOW_MODE_SW);
	assert_int_equal(r->map->n_queues, NQ);
	r->lcore1 = rte_get_next_lcore(rte_lcore_id(), 1, 0);
	assert_true(r->lcore1 < RTE_MAX_LCORE);
	r->s[0] = tern_stack_create(&r->cfg, rte_lcore_id(), 0, harness_pool());
	r->s[1] = tern_stack_create(&r->cfg, r->lcore1, 1, harness_pool());
	assert_non_null(r->s[0]);
	assert_non_null(r->s[1]);
	for (q = 0; q < NQ; q++) {
		r->c[q] = tern_chan_create(r->s[q], "steer", 0);
		assert_non_null(r->c[q]);
	}
	/* the gratuitous ARPs of both stacks */
	tern_stack_poll(r->s[0]);
	tern_stack_poll(r->s[1]);
	for (q = 0; q < NQ; q++)
		drain_free(r->tx[q]);
	atomic_store(&r->stop, 0);
	assert_int_equal(rte_eal_remote_launch(poll_lcore1, r, r->lcore1), 0);
}

static void
rig_stop(struct rig *r)
{
	atomic_store_explicit(&r->stop, 1, memory_order_release);
	assert_int_equal(rte_eal_wait_lcore(r->lcore1), 0);
}

static void
rig_down(struct rig *r)
{
	unsigned int q;

	for (q = 0; q < NQ; q++) {
		struct tern_event ev[64];
		unsigned int n, k;

		while ((n = tern_chan_recv(r->c[q], ev, RTE_DIM(ev))) > 0)
			for (k = 0; k < n; k++)
				rte_pktmbuf_free(ev[k].m);
		tern_chan_free(r->c[q]);
	}
	tern_stack_free(r->s[1]);
	tern_stack_free(r->s[0]);
	tern_netif_teardown(&r->cfg);
	for (q = 0; q < NQ; q++) {
		drain_free(r->rx[q]);
		drain_free(r->tx[q]);
		rte_ring_free(r->rx[q]);
		rte_ring_free(r->tx[q]);
	}
}

/* Poll lcore 0 until `done(r, arg)` or the bound; false on timeout. */
static bool
run_until(struct rig *r, bool (*done)(struct rig *, void *), void *arg)
{
	uint64_t end = rte_get_tsc_cycles() + WAIT_NS / 1000000000ull * rte_get_tsc_hz();

	while (rte_get_tsc_cycles() < end) {
		tern_stack_poll(r->s[0]);
		if (done(r, arg))
			return true;
	}
	return false;
}

static uint16_t
owner(const struct rig *r, uint32_t raddr, uint16_t rport, uint16_t lport, uint8_t proto)
{
	const struct flow_tuple t = { .raddr = raddr, .laddr = OUR_IP, .rport = rport,
				      .lport = lport, .proto = proto };

	return flow_owner(r->map, &t, NULL);
}

static struct frame_ip
from_peer(const struct rig *r)
{
	struct frame_ip f = frame_ip_default();

	f.dst_mac = r->port_mac;
	return f;
}

static void
peer_arp_request(struct rig *r)
{
	struct arp_pkt a = { .op = ARP_OP_REQUEST, .sha = peer_mac, .spa = PEER_IP,
			     .tpa = OUR_IP };
	struct rte_ether_addr bcast;

	memset(&bcast, 0xff, sizeof(bcast));
	assert_int_equal(rte_ring_enqueue(r->rx[0], frame_arp(&bcast, &peer_mac, &a)), 0);
}

/* ---- waits ----------------------------------------------------------- */

static bool
tx_total_at_least(struct rig *r, void *arg)
{
	return rte_ring_count(r->tx[0]) + rte_ring_count(r->tx[1]) >= *(unsigned int *)arg;
}

static bool
lcore1_learned_peer(struct rig *r, void *arg)
{
	(void)arg;
	return tern_stats_get(r->s[1], CTR_FLOW_RX_FROM_PEER) >= 1;
}

struct ev_wait {
	unsigned int q;
	uint16_t type;
	unsigned int want;
	unsigned int got;
	uint16_t ports[FLOWS];		/* UDP_BOUND: the bound ports */
};

static bool
events_seen(struct rig *r, void *arg)
{
	struct ev_wait *w = arg;
	struct tern_event ev[64];
	unsigned int n, k;

	n = tern_chan_recv(r->c[w->q], ev, RTE_DIM(ev));
	for (k = 0; k < n; k++) {
		if (ev[k].type == w->type) {
			if (w->type == TERN_EV_UDP_BOUND && w->got < FLOWS)
				w->ports[w->got] = ev[k].port;
			w->got++;
		}
		rte_pktmbuf_free(ev[k].m);
	}
	return w->got >= w->want;
}

static void
listen_both(struct rig *r)
{
	unsigned int q;

	for (q = 0; q < NQ; q++) {
		struct ev_wait w = { .q = q, .type = TERN_EV_TCP_LISTENING, .want = 1 };

		assert_int_equal(tern_tcp_listen(r->c[q], LISTEN_PORT, 1024, q), 0);
		assert_true(run_until(r, events_seen, &w));
	}
}

/* ---- tests --------------------------------------------------------- */

static void
test_arp_shared_and_syns_steered(void **state)
{
	struct rig r;
	unsigned int q, k, want = FLOWS + 1, per_q[NQ] = { 0 };
	uint64_t rst = 0;

	(void)state;
	rig_up(&r);
	listen_both(&r);
	peer_arp_request(&r);
	for (k = 0; k < FLOWS; k++) {
		struct frame_ip f = from_peer(&r);
		uint16_t sport = (uint16_t)(PEER_PORT + k);

		per_q[owner(&r, PEER_IP, sport, LISTEN_PORT, IPPROTO_TCP)]++;
		assert_int_equal(rte_ring_enqueue(r.rx[0], frame_tcp(&f, sport, LISTEN_PORT,
				 PEER_ISS, 0, F_SYN, 65535, NULL, NULL, 0)), 0);
	}
	assert_true(per_q[0] > 0 && per_q[1] > 0);	/* both own some flows */
	/* the ARP reply and FLOWS SYN-ACKs */
	assert_true(run_until(&r, tx_total_at_least, &want));
	rig_stop(&r);
	for (q = 0; q < NQ; q++) {
		void *m;
		unsigned int synacks = 0, arps = 0;

		while (rte_ring_dequeue(r.tx[q], &m) == 0) {
			struct parsed_tcp p;

			if (frame_parse_tcp(m, &p) == 0) {
				assert_int_equal(p.tcp.flags, F_SYN | F_ACK);
				assert_true(p.cksum_ok);
				assert_int_equal(owner(&r, p.ip.dst, p.tcp.dst_port,
						       p.tcp.src_port, IPPROTO_TCP), q);
				synacks++;
			} else {
				arps++;
			}
			rte_pktmbuf_free(m);
		}
		assert_int_equal(synacks, per_q[q]);
		assert_int_equal(arps, q == 0 ? 1 : 0);	/* answered once, by lcore 0 */
		rst += tern_stats_get(r.s[q], CTR_TCP_TX_RST);
		assert_int_equal(tern_stats_get(r.s[q], CTR_TCP_RX_NO_CONN), 0);
		assert_int_equal(tern_stats_get(r.s[q], CTR_ARP_TX_REQUEST), 0);
		assert_int_equal(tern_stats_get(r.s[q], CTR_TCP_PASSIVE_OPENS), per_q[q]);
	}
	assert_int_equal(rst, 0);
	assert_int_equal(tern_stats_get(r.s[0], CTR_FLOW_RX_STEERED), per_q[1]);
	assert_int_equal(tern_stats_get(r.s[1], CTR_FLOW_RX_FROM_PEER), per_q[1] + 1);
	assert_int_equal(tern_stats_get(r.s[0], CTR_FLOW_ARP_SHARED), 1);
	assert_int_equal(tern_stats_get(r.s[0], CTR_FLOW_RING_FULL), 0);
	rig_down(&r);
}

static void
test_active_opens_land_home(void **state)
{
	struct ev_wait conn = { .q = 1, .type = TERN_EV_TCP_CONNECTED, .want = FLOWS };
	unsigned int k, want = FLOWS + 1;
	uint16_t lport[FLOWS];
	uint32_t iss[FLOWS];
	struct rig r;
	void *m = NULL;

	(void)state;
	rig_up(&r);
	peer_arp_request(&r);		/* lcore 1 learns the peer from the copy */
	assert_true(run_until(&r, lcore1_learned_peer, NULL));
	for (k = 0; k < FLOWS; k++)
		assert_int_equal(tern_tcp_connect(r.c[1], PEER_IP, PEER_LISTEN_PORT, 0, k), 0);
	assert_true(run_until(&r, tx_total_at_least, &want));
	/* lcore 0 sent the ARP reply; every SYN left on queue 1 */
	assert_int_equal(rte_ring_count(r.tx[0]), 1);
	assert_int_equal(rte_ring_count(r.tx[1]), FLOWS);
	drain_free(r.tx[0]);
	for (k = 0; k < FLOWS; k++) {
		struct parsed_tcp p;

		assert_int_equal(rte_ring_dequeue(r.tx[1], &m), 0);
		assert_int_equal(frame_parse_tcp(m, &p), 0);
		assert_int_equal(p.tcp.flags, F_SYN);
		lport[k] = p.tcp.src_port;
		iss[k] = p.tcp.seq;
		/* the reply's owner is the lcore that connected */
		assert_int_equal(owner(&r, PEER_IP, PEER_LISTEN_PORT, lport[k], IPPROTO_TCP), 1);
		rte_pktmbuf_free(m);
	}
	/* the SYN-ACKs all arrive on queue 0 */
	for (k = 0; k < FLOWS; k++) {
		struct frame_ip f = from_peer(&r);

		assert_int_equal(rte_ring_enqueue(r.rx[0], frame_tcp(&f, PEER_LISTEN_PORT,
				 lport[k], PEER_ISS, iss[k] + 1, F_SYN | F_ACK, 65535, NULL,
				 NULL, 0)), 0);
	}
	assert_true(run_until(&r, events_seen, &conn));
	rig_stop(&r);
	assert_int_equal(tern_stats_get(r.s[1], CTR_FLOW_CONNECT_AWAY), 0);
	assert_int_equal(tern_stats_get(r.s[1], CTR_TCP_ACTIVE_OPENS), FLOWS);
	assert_int_equal(tern_stats_get(r.s[0], CTR_FLOW_RX_STEERED), FLOWS);
	assert_int_equal(tern_stats_get(r.s[0], CTR_TCP_TX_RST) +
			 tern_stats_get(r.s[1], CTR_TCP_TX_RST), 0);
	/* the handshakes' final ACKs left on queue 1 */
	assert_int_equal(rte_ring_count(r.tx[1]), FLOWS);
	assert_int_equal(rte_ring_count(r.tx[0]), 0);
	rig_down(&r);
}

static void
test_udp_ephemeral_share(void **state)
{
	struct ev_wait bound[NQ] = {
		{ .q = 0, .type = TERN_EV_UDP_BOUND, .want = 8 },
		{ .q = 1, .type = TERN_EV_UDP_BOUND, .want = 8 },
	};
	struct ev_wait got[NQ] = {
		{ .q = 0, .type = TERN_EV_UDP_DATAGRAM, .want = 8 },
		{ .q = 1, .type = TERN_EV_UDP_DATAGRAM, .want = 8 },
	};
	unsigned int q, k;
	struct rig r;

	(void)state;
	rig_up(&r);
	for (q = 0; q < NQ; q++) {
		for (k = 0; k < 8; k++)
			assert_int_equal(tern_udp_bind(r.c[q], 0, k), 0);
		assert_true(run_until(&r, events_seen, &bound[q]));
		for (k = 0; k < 8; k++)
			assert_int_equal(owner(&r, PEER_IP, 7, bound[q].ports[k], IPPROTO_UDP),
					 q);
	}
	/* a datagram to each bound port, all received on queue 0 */
	for (q = 0; q < NQ; q++)
		for (k = 0; k < 8; k++) {
			struct frame_ip f = from_peer(&r);

			assert_int_equal(rte_ring_enqueue(r.rx[0], frame_udp(&f, 7,
					 bound[q].ports[k], "x", 1, 0)), 0);
		}
	for (q = 0; q < NQ; q++)
		assert_true(run_until(&r, events_seen, &got[q]));
	rig_stop(&r);
	assert_int_equal(tern_stats_get(r.s[0], CTR_FLOW_RX_STEERED), 8);
	assert_int_equal(tern_stats_get(r.s[1], CTR_FLOW_RX_FROM_PEER), 8);
	rig_down(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_arp_shared_and_syns_steered,
						harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_active_opens_land_home,
						harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_udp_ephemeral_share,
						harness_setup, harness_teardown),
	};

	harness_eal_lcores("0-1");
	harness_eal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
