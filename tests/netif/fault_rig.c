/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The fault injection tests' rig (fault_rig.h): a net_ring port and a
 * stack on it, frames in and out by sequence number. test_fault.c sets
 * one up per test and tears it down; the harness checks the mbuf pool.
 */
#include <stdio.h>
#include <string.h>

#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "frames.h"
#include "netif/netif_private.h"

#include "fault_rig.h"

#define RING_SLOTS 1024u

void
rig_up(struct rig *r, const struct tern_fault_conf *fc)
{
	static unsigned int seq;
	char name[32];

	memset(r, 0, sizeof(*r));
	snprintf(name, sizeof(name), "fault_rx%u", seq);
	r->rx = rte_ring_create(name, RING_SLOTS, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "fault_tx%u", seq);
	r->tx = rte_ring_create(name, RING_SLOTS, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	assert_non_null(r->rx);
	assert_non_null(r->tx);
	snprintf(name, sizeof(name), "net_ring_fault%u", seq++);
	r->port = rte_eth_from_rings(name, &r->rx, 1, &r->tx, 1, SOCKET_ID_ANY);
	assert_true(r->port >= 0);
	tstack_config(&r->cfg);
	r->cfg.iface[0].port_id = (uint16_t)r->port;
	r->cfg.tcp_max_conns = 1024;
	if (fc != NULL)
		r->cfg.fault = *fc;
	assert_int_equal(tern_netif_setup(&r->cfg, 1, harness_pool()), 0);
	r->s = tern_stack_create(&r->cfg, rte_lcore_id(), 0, harness_pool());
	assert_non_null(r->s);
	assert_true(r->s->iface[0].is_port);
	/* the gratuitous ARP, staged at creation: not part of any count */
	tstack_tx_discard(r->s);
}

static void
ring_drain(struct rte_ring *ring)
{
	void *m;

	while (rte_ring_dequeue(ring, &m) == 0)
		rte_pktmbuf_free(m);
}

void
rig_down(struct rig *r)
{
	tern_stack_free(r->s);
	ring_drain(r->rx);
	ring_drain(r->tx);
	tern_netif_teardown(&r->cfg);
	rte_ring_free(r->rx);
	rte_ring_free(r->tx);
}

struct tern_fault_conf
fault_conf(void)
{
	struct tern_config c;

	tern_config_defaults(&c);
	c.fault.seed = 0x7e57;
	return c.fault;
}

/* An echo request from the peer to the stack carrying `seq`, padded with
 * `extra` bytes. */
struct rte_mbuf *
mk(const struct rig *r, uint32_t seq, uint16_t extra)
{
	struct frame_ip f = frame_ip_default();
	uint8_t payload[2048] = { 0 };

	f.dst_mac = r->s->iface[0].mac;
	memcpy(payload, &seq, sizeof(seq));
	return frame_icmp_echo(&f, 7, (uint16_t)seq, payload, (uint16_t)(sizeof(seq) + extra));
}

uint32_t
seq_of(const struct rte_mbuf *m)
{
	uint32_t seq;

	assert_true(rte_pktmbuf_pkt_len(m) >= SEQ_OFF + sizeof(seq));
	memcpy(&seq, rte_pktmbuf_mtod_offset(m, const uint8_t *, SEQ_OFF), sizeof(seq));
	return seq;
}

/* Everything netif_rx hands out now; sequence numbers into seqs[]. */
uint32_t
rx_drain(struct rig *r, uint32_t *seqs, uint32_t cap)
{
	struct rte_mbuf *pkts[32];
	uint32_t got = 0;
	uint16_t n, k;

	do {
		n = netif_rx(r->s, 0, pkts, RTE_DIM(pkts));
		for (k = 0; k < n; k++) {
			assert_true(got < cap);
			seqs[got++] = seq_of(pkts[k]);
		}
		rte_pktmbuf_free_bulk(pkts, n);
	} while (n > 0 || rte_ring_count(r->rx) > 0);
	return got;
}

/* Frames 0..n-1 into the port's RX ring in batches, through netif_rx. */
uint32_t
run_rx(struct rig *r, uint32_t n, uint32_t *seqs, uint32_t cap)
{
	uint32_t sent = 0, got = 0, k;

	while (sent < n) {
		uint32_t b = RTE_MIN(n - sent, BATCH);

		for (k = 0; k < b; k++)
			assert_int_equal(rte_ring_enqueue(r->rx, mk(r, sent + k, 0)), 0);
		sent += b;
		got += rx_drain(r, seqs + got, cap - got);
	}
	return got;
}

uint32_t
tx_ring_take(struct rig *r, uint32_t *seqs, uint32_t cap)
{
	void *m;
	uint32_t got = 0;

	while (rte_ring_dequeue(r->tx, &m) == 0) {
		assert_true(got < cap);
		seqs[got++] = seq_of(m);
		rte_pktmbuf_free(m);
	}
	return got;
}

/* Frames 0..n-1 staged for transmission in batches, through netif_tx_flush. */
uint32_t
run_tx(struct rig *r, uint32_t n, uint32_t *seqs, uint32_t cap)
{
	uint32_t sent = 0, got = 0, k;

	while (sent < n) {
		uint32_t b = RTE_MIN(n - sent, BATCH);

		for (k = 0; k < b; k++)
			stack_tx(r->s, 0, mk(r, sent + k, 0));
		sent += b;
		netif_tx_flush(r->s, 0);
		got += tx_ring_take(r, seqs + got, cap - got);
	}
	return got;
}
