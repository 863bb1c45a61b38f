/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Port setup and I/O. tern_netif_setup() configures every port named in
 * the configuration once, from the main lcore: one RX/TX queue pair per
 * stack, the checksum/TSO/multi-segment offloads the device advertises
 * (each has a software fallback in the protocol code), and who owns a flow
 * when more than one queue is used (netif_flow.c: hardware RSS with a key
 * and RETA tern programs and reads back, or software steering). The
 * capability set and the flow map are read back by netif_port_info() and
 * netif_flow_map() when a stack is created. tern_stack_poll() calls
 * netif_rx() and netif_tx_flush(); nothing else in tern touches an ethdev.
 */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "core/stack_private.h"
#include "netif/netif_private.h"
#include "netif/netif_fault.h"

RTE_LOG_REGISTER(netif_logtype, tern.netif, INFO);
#define NETIF_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, netif_logtype, "tern.netif: " __VA_ARGS__)

#define TX_RETRIES 8
#define TX_STUCK_NS (5ull * 1000000000ull)	/* a queue that takes nothing this long */

static uint32_t
caps_from_tx_offloads(uint64_t tx, uint64_t rx, uint16_t nb_queues)
{
	uint32_t caps = 0;

	if (tx & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)
		caps |= IFACE_CAP_TX_IP_CKSUM;
	if (tx & RTE_ETH_TX_OFFLOAD_UDP_CKSUM)
		caps |= IFACE_CAP_TX_UDP_CKSUM;
	if (tx & RTE_ETH_TX_OFFLOAD_TCP_CKSUM)
		caps |= IFACE_CAP_TX_TCP_CKSUM;
	if (tx & RTE_ETH_TX_OFFLOAD_TCP_TSO)
		caps |= IFACE_CAP_TX_TSO;
	if (tx & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		caps |= IFACE_CAP_TX_MULTISEG;
	if ((rx & (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM)) ==
	    (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM))
		caps |= IFACE_CAP_RX_CKSUM;
	if (nb_queues > 1)
		caps |= IFACE_CAP_RSS;
	return caps;
}

static int
port_configure(uint16_t port, uint16_t nb_queues, const struct tern_config *cfg,
	       struct rte_mempool *pool, uint16_t mtu)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint64_t want_tx = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM |
			   RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	uint64_t want_rx = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM |
			   RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	uint16_t rxd = cfg->rx_desc, txd = cfg->tx_desc, q;
	int rc;

	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0)
		return rc;
	if (nb_queues > info.max_rx_queues || nb_queues > info.max_tx_queues) {
		NETIF_LOG(ERR, "port %u has %u/%u queues, %u needed\n", port,
			  info.max_rx_queues, info.max_tx_queues, nb_queues);
		return -EINVAL;
	}
	memset(&conf, 0, sizeof(conf));
	conf.txmode.offloads = want_tx & info.tx_offload_capa;
	conf.rxmode.offloads = want_rx & info.rx_offload_capa;
	netif_flow_conf(port, &info, nb_queues, &conf);
	rc = rte_eth_dev_configure(port, nb_queues, nb_queues, &conf);
	if (rc != 0)
		return rc;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
	if (rc != 0)
		return rc;
	for (q = 0; q < nb_queues; q++) {
		struct rte_eth_txconf txc = info.default_txconf;

		txc.offloads = conf.txmode.offloads;
		rc = rte_eth_rx_queue_setup(port, q, rxd, rte_eth_dev_socket_id(port),
					    NULL, pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port, q, txd,
						    rte_eth_dev_socket_id(port), &txc);
		if (rc != 0)
			return rc;
	}
	if (mtu != 0 && mtu != RTE_ETHER_MTU)
		rte_eth_dev_set_mtu(port, mtu);
	return 0;
}

static void
port_report(uint16_t port)
{
	struct rte_eth_link link;
	struct rte_ether_addr mac;
	char buf[RTE_ETH_LINK_MAX_STR_LEN];
	struct netif_port_info pi;

	rte_eth_macaddr_get(port, &mac);
	netif_port_info(port, &pi);
	if (rte_eth_link_get_nowait(port, &link) == 0)
		rte_eth_link_to_str(buf, sizeof(buf), &link);
	else
		snprintf(buf, sizeof(buf), "link unknown");
	NETIF_LOG(INFO, "port %u " RTE_ETHER_ADDR_PRT_FMT ": %s; flows: %s; offloads:%s%s%s%s%s%s\n",
		  port, RTE_ETHER_ADDR_BYTES(&mac), buf, netif_flow_describe(port),
		  pi.caps & IFACE_CAP_TX_IP_CKSUM ? " tx-ip-cksum" : "",
		  pi.caps & IFACE_CAP_TX_UDP_CKSUM ? " tx-udp-cksum" : "",
		  pi.caps & IFACE_CAP_TX_TCP_CKSUM ? " tx-tcp-cksum" : "",
		  pi.caps & IFACE_CAP_TX_TSO ? " tso" : "",
		  pi.caps & IFACE_CAP_RX_CKSUM ? " rx-cksum" : "",
		  pi.caps & IFACE_CAP_RSS ? " rss" : "");
}

int
tern_netif_setup(const struct tern_config *cfg, uint16_t nb_queues,
		 struct rte_mempool *pool)
{
	uint16_t i, j;
	int rc;

	for (i = 0; i < cfg->n_ifaces; i++) {
		uint16_t port = cfg->iface[i].port_id;

		for (j = 0; j < i; j++)
			if (cfg->iface[j].port_id == port)
				break;
		if (j < i)
			continue;		/* port already set up */
		if (!rte_eth_dev_is_valid_port(port)) {
			NETIF_LOG(ERR, "port %u does not exist (%u ports probed)\n",
				  port, rte_eth_dev_count_avail());
			return -ENODEV;
		}
		rc = port_configure(port, nb_queues, cfg, pool, cfg->iface[i].mtu);
		if (rc == 0)
			rc = rte_eth_dev_start(port);
		if (rc == 0)
			rc = netif_flow_setup(port, nb_queues);
		if (rc != 0) {
			NETIF_LOG(ERR, "port %u setup failed: %s\n", port, strerror(-rc));
			return rc;
		}
		rte_eth_promiscuous_disable(port);
		port_report(port);
	}
	return 0;
}

void
tern_netif_teardown(const struct tern_config *cfg)
{
	uint16_t i;

	for (i = 0; i < cfg->n_ifaces; i++) {
		uint16_t port = cfg->iface[i].port_id;

		if (!rte_eth_dev_is_valid_port(port))
			continue;
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
	netif_flow_teardown();
}

int
netif_port_info(uint16_t port_id, struct netif_port_info *pi)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t nq;

	if (!rte_eth_dev_is_valid_port(port_id) ||
	    rte_eth_dev_info_get(port_id, &info) != 0)
		return -ENODEV;
	if (rte_eth_dev_conf_get(port_id, &conf) != 0)
		memset(&conf, 0, sizeof(conf));
	nq = info.nb_rx_queues;
	rte_eth_macaddr_get(port_id, &pi->mac);
	pi->caps = caps_from_tx_offloads(conf.txmode.offloads, conf.rxmode.offloads, nq);
	return 0;
}

uint16_t
netif_rx(struct tern_stack *s, uint16_t i, struct rte_mbuf **pkts, uint16_t n)
{
	const struct stack_iface *f = &s->iface[i];

	if (unlikely(f->fault_rx != NULL))
		return netif_fault_rx(s, i, pkts, n);
	return rte_eth_rx_burst(f->port_id, f->queue_id, pkts, n);
}

/* A queue that has never taken a frame although frames waited for
 * TX_STUCK_NS with the link up: a peer that does not serve it (a net_memif
 * peer with fewer queues). A queue that worked once and then fills up is
 * a slow peer, not this. Said once per queue, in one line, and counted. */
static void
tx_stuck_check(struct tern_stack *s, struct stack_iface *f, uint16_t sent)
{
	struct rte_eth_link link;

	if (likely(f->tx_took_one))
		return;
	if (sent > 0) {
		f->tx_took_one = true;
		return;
	}
	if (f->tx_stuck_since_ns == 0) {
		f->tx_stuck_since_ns = s->now_ns | 1;
		return;
	}
	if (f->tx_stuck_told || s->now_ns - f->tx_stuck_since_ns < TX_STUCK_NS)
		return;
	memset(&link, 0, sizeof(link));
	if (rte_eth_link_get_nowait(f->port_id, &link) != 0 ||
	    link.link_status != RTE_ETH_LINK_UP) {
		f->tx_stuck_since_ns = 0;	/* down: nobody to serve it yet */
		return;
	}
	f->tx_stuck_told = true;
	stack_ctr_inc(s, CTR_TX_QUEUE_STUCK);
	NETIF_LOG(ERR, "port %u queue %u (lcore %u) has never taken a frame in 5 s with the "
		  "link up: does the peer serve this queue? (net_memif needs the same "
		  "number of queues, i.e. lcores, on both sides)\n", f->port_id, f->queue_id,
		  s->lcore_id);
}

void
netif_tx_flush(struct tern_stack *s, uint16_t i)
{
	struct stack_iface *f = &s->iface[i];
	uint16_t sent = 0, retries = 0;

	if (unlikely(f->fault_tx != NULL)) {
		netif_fault_tx_flush(s, i);
		return;
	}
	if (f->txb_len == 0)
		return;
	if (!f->is_port)
		return;			/* virtual: the embedding app drains */
	while (sent < f->txb_len && retries < TX_RETRIES) {
		uint16_t n = rte_eth_tx_burst(f->port_id, f->queue_id,
					      f->txb + sent, f->txb_len - sent);

		sent += n;
		if (n == 0)
			retries++;
	}
	stack_ctr_add(s, CTR_TX_PKTS, sent);
	tx_stuck_check(s, f, sent);
	if (sent < f->txb_len) {
		/* the queue stays full: keep the rest for the next iteration
		 * rather than drop it (a lost SYN-ACK costs the peer a 1 s
		 * RTO); only stack_tx drops, when the staging area is full */
		uint16_t left = f->txb_len - sent;
		uint16_t counted = f->txb_deferred > sent ? f->txb_deferred - sent : 0;

		memmove(f->txb, f->txb + sent, left * sizeof(f->txb[0]));
		f->txb_len = left;
		/* each frame once, however many flushes it waits through */
		stack_ctr_add(s, CTR_TX_DEFERRED, left - counted);
		f->txb_deferred = left;
		return;
	}
	f->txb_len = 0;
	f->txb_deferred = 0;
}
