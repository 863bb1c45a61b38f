/* SPDX-License-Identifier: BSD-3-Clause
 *
 * IPv4 output: prepend the header (checksum by the NIC when the port
 * offers it, in software otherwise), check the MTU (we never fragment),
 * then hand the frame to ARP resolution, or broadcast it. Called by UDP,
 * ICMP and (later) TCP output with a route from route_lookup().
 */
#include <rte_mbuf.h>

#include "core/stack_private.h"
#include "ip/arp.h"
#include "wire/eth_hdr.h"
#include "ip/ip4.h"
#include "wire/ip4_hdr.h"

void
ip4_output(struct tern_stack *s, const struct route *r, const struct ip4_tx *t,
	   struct rte_mbuf *m)
{
	struct stack_iface *f = &s->iface[r->iface];
	bool hw = (f->caps & IFACE_CAP_TX_IP_CKSUM) != 0;
	struct ip4_hdr_v ip = {
		.hdr_len = IP4_HDR_LEN,
		.tos = t->tos,
		.id = 0,
		.frag = IP4_FLAG_DF,
		.ttl = t->ttl ? t->ttl : IP4_DEFAULT_TTL,
		.proto = t->proto,
		.src = t->src,
		.dst = t->dst,
	};
	uint8_t *p;

	if (rte_pktmbuf_pkt_len(m) + IP4_HDR_LEN > f->mtu) {
		stack_drop(s, m, CTR_IP_TX_TOO_BIG);
		return;
	}
	p = (uint8_t *)rte_pktmbuf_prepend(m, IP4_HDR_LEN);
	if (p == NULL) {
		stack_drop(s, m, CTR_TX_DROP_NOMBUF);
		return;
	}
	ip.total_len = (uint16_t)rte_pktmbuf_pkt_len(m);
	ip4_hdr_emit(p, &ip, !hw);
	m->l3_len = IP4_HDR_LEN;
	m->l2_len = ETH_HDR_LEN;
	m->ol_flags |= RTE_MBUF_F_TX_IPV4;
	if (hw) {
		m->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
		stack_ctr_inc(s, CTR_TX_HW_CKSUM);
	}
	stack_ctr_inc(s, CTR_IP_TX_PKTS);
	if (r->broadcast) {
		eth_output(s, r->iface, m, NULL, ETHERTYPE_IPV4);
		return;
	}
	if (rte_pktmbuf_prepend(m, ETH_HDR_LEN) == NULL) {
		stack_drop(s, m, CTR_TX_DROP_NOMBUF);
		return;
	}
	arp_send_via(s, r->iface, r->nexthop, m, s->now_ns);
}
