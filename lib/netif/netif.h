/* SPDX-License-Identifier: BSD-3-Clause
 *
 * netif: the only code that touches rte_ethdev. Port setup (one RX/TX
 * queue pair per lcore), offload capabilities probed once per port, link
 * state, and the RX burst / TX flush used by tern_stack_poll().
 */
#ifndef TERN_NETIF_H
#define TERN_NETIF_H

#include <stdint.h>

#include <rte_ether.h>

struct tern_stack;
struct rte_mbuf;

struct netif_port_info {
	struct rte_ether_addr mac;
	uint32_t caps;			/* IFACE_CAP_* */
};

/* 0 and `info` filled when `port_id` is a started port set up by
 * tern_netif_setup (or any valid ethdev), -ENODEV otherwise. */
int netif_port_info(uint16_t port_id, struct netif_port_info *info);

/* RX burst on interface `i` of `s`. */
uint16_t netif_rx(struct tern_stack *s, uint16_t i, struct rte_mbuf **pkts,
		  uint16_t n);

/* Transmit everything staged on interface `i`; frames the queue refuses
 * after a few retries are dropped and counted. */
void netif_tx_flush(struct tern_stack *s, uint16_t i);

#endif
