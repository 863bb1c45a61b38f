/* SPDX-License-Identifier: BSD-3-Clause
 *
 * netif: the only code that touches rte_ethdev. Port setup (one RX/TX
 * queue pair per lcore), offload capabilities probed once per port, link
 * state, and the RX burst / TX flush used by tern_stack_poll().
 */
#ifndef TERN_NETIF_PRIVATE_H
#define TERN_NETIF_PRIVATE_H

#include <stdint.h>

#include <rte_ether.h>

#include <tern/netif.h>

struct tern_stack;
struct rte_mbuf;

struct netif_port_info {
	struct rte_ether_addr mac;
	uint32_t caps;			/* IFACE_CAP_* */
};

/* 0 and `info` filled when `port_id` is a started port set up by
 * tern_netif_setup (or any valid ethdev), -ENODEV otherwise. */
int netif_port_info(uint16_t port_id, struct netif_port_info *info);

/* ---- netif_flow.c: who owns a flow on each port ---- */
struct rte_eth_conf;
struct rte_eth_dev_info;
struct flow_map;

/* Ask for RSS in `conf` when `nb_queues` > 1 and the device can spread
 * flows with a key and RETA that tern programs (else software steering). */
void netif_flow_conf(uint16_t port, const struct rte_eth_dev_info *info,
		     uint16_t nb_queues, struct rte_eth_conf *conf);

/* After the port started: program and read back the RSS key and RETA, or
 * fall back to software steering; record the port's flow map. 0 or
 * -errno. */
int netif_flow_setup(uint16_t port, uint16_t nb_queues);

/* The flow map of a port set up by tern_netif_setup, or NULL. Read-only,
 * shared by every lcore. */
const struct flow_map *netif_flow_map(uint16_t port);

/* "rss", "software steering over N queues" or "one queue", for logs. */
const char *netif_flow_describe(uint16_t port);

/* Forget every port's flow map (tern_netif_teardown). */
void netif_flow_teardown(void);

/* RX burst on interface `i` of `s`. */
uint16_t netif_rx(struct tern_stack *s, uint16_t i, struct rte_mbuf **pkts,
		  uint16_t n);

/* Transmit everything staged on interface `i`; frames the queue refuses
 * after a few retries are dropped and counted. */
void netif_tx_flush(struct tern_stack *s, uint16_t i);

#endif
