/* SPDX-License-Identifier: BSD-3-Clause
 *
 * ARP frames we send: requests to resolve a next hop (broadcast), replies
 * to requests for our address (unicast to the asker), and gratuitous
 * announcements of our address at start-up. Called by arp_table.c,
 * arp_input.c and tern_stack_announce().
 */
#include <rte_mbuf.h>

#include "core/stack_private.h"
#include "ip/arp.h"
#include "wire/arp_hdr.h"
#include "wire/eth_hdr.h"
#include "ip/ip4.h"

static void
arp_send(struct tern_stack *s, uint16_t iface, const struct arp_pkt *a,
	 const struct rte_ether_addr *dst)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(s->pool);
	uint8_t *p;

	if (m == NULL) {
		stack_ctr_inc(s, CTR_TX_DROP_NOMBUF);
		return;
	}
	p = (uint8_t *)rte_pktmbuf_append(m, ARP_PKT_LEN);
	if (p == NULL) {
		stack_drop(s, m, CTR_TX_DROP_NOMBUF);
		return;
	}
	arp_pkt_emit(p, a);
	eth_output(s, iface, m, dst, ETHERTYPE_ARP);
}

void
arp_output_request(struct tern_stack *s, uint16_t iface, uint32_t target_ip)
{
	const struct stack_iface *f = &s->iface[iface];
	struct arp_pkt a = { .op = ARP_OP_REQUEST, .sha = f->mac, .spa = f->ip,
			     .tpa = target_ip };

	stack_ctr_inc(s, CTR_ARP_TX_REQUEST);
	arp_send(s, iface, &a, NULL);
}

void
arp_output_reply(struct tern_stack *s, uint16_t iface, const struct arp_pkt *req)
{
	const struct stack_iface *f = &s->iface[iface];
	struct arp_pkt a = { .op = ARP_OP_REPLY, .sha = f->mac, .spa = f->ip,
			     .tha = req->sha, .tpa = req->spa };

	arp_send(s, iface, &a, &req->sha);
}

void
arp_output_gratuitous(struct tern_stack *s, uint16_t iface)
{
	const struct stack_iface *f = &s->iface[iface];
	struct arp_pkt a = { .op = ARP_OP_REQUEST, .sha = f->mac, .spa = f->ip,
			     .tpa = f->ip };

	stack_ctr_inc(s, CTR_ARP_TX_GRATUITOUS);
	arp_send(s, iface, &a, NULL);
}
