/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Input dispatch, the roof over the protocol layers: a received frame goes
 * eth_input -> arp_input | ip4_input -> icmp_input | udp_input | tcp_input,
 * and an ICMP destination unreachable goes back up to the transport it
 * quotes. Each layer validates its own header and returns what comes next;
 * only this file knows every layer, so no layer calls the one above it.
 * Called by tern_stack_poll (stack_poll.c) per RX burst, and by embedding
 * apps through tern_stack_input.
 */
#include <rte_branch_prediction.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "core/stack_private.h"
#include "ip/arp.h"
#include "ip/ip4.h"
#include "stack/stack_loop.h"
#include "tcp/tcp_private.h"
#include "udp/udp_private.h"
#include "wire/eth_hdr.h"
#include "wire/ip4_hdr.h"

static void
ip4_dispatch(struct tern_stack *s, uint16_t iface, struct rte_mbuf *m)
{
	struct ip4_hdr_v ip;
	struct icmp_unreach u;

	switch (ip4_input(s, iface, m, &ip)) {
	case IP4_PROTO_TCP:
		tcp_input(s, iface, m, &ip);
		break;
	case IP4_PROTO_UDP:
		udp_input(s, iface, m, &ip);
		break;
	case IP4_PROTO_ICMP:
		if (icmp_input(s, iface, m, &ip, &u)) {
			udp_icmp_unreach(s, u.code, u.quote, u.len);
			rte_pktmbuf_free(m);
		}
		break;
	default:			/* dropped and counted by ip4_input */
		break;
	}
}

static void
frame_dispatch(struct tern_stack *s, uint16_t iface, struct rte_mbuf *m)
{
	switch (eth_input(s, iface, m)) {
	case ETHERTYPE_IPV4:
		ip4_dispatch(s, iface, m);
		break;
	case ETHERTYPE_ARP:
		arp_input(s, iface, m);
		break;
	default:			/* dropped and counted by eth_input */
		break;
	}
}

void
tern_stack_input(struct tern_stack *s, uint16_t iface, struct rte_mbuf **pkts,
		 uint16_t n, uint64_t now_ns)
{
	uint16_t k;

	s->now_ns = now_ns;
	if (unlikely(iface >= s->n_ifaces)) {
		rte_pktmbuf_free_bulk(pkts, n);
		return;
	}
	stack_ctr_add(s, CTR_RX_PKTS, n);
	tcp_conn_lookup_burst(s, pkts, n);
	for (k = 0; k < n; k++) {
		if (k + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[k + 1], void *));
		frame_dispatch(s, iface, pkts[k]);
		stack_flush_if_high(s);
	}
}
