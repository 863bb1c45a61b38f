/* SPDX-License-Identifier: BSD-3-Clause
 *
 * First protocol step of every received frame: parse the Ethernet header,
 * accept frames for our MAC or broadcast, strip the header and hand the
 * payload to ARP or IPv4. Called by tern_stack_input() once per frame.
 */
#include <rte_mbuf.h>

#include "stack.h"
#include "arp.h"
#include "eth_hdr.h"
#include "ip4.h"

static bool
mac_is_for_us(const struct stack_iface *f, const struct rte_ether_addr *dst)
{
	return rte_is_same_ether_addr(dst, &f->mac) || rte_is_broadcast_ether_addr(dst);
}

void
eth_input(struct tern_stack *s, uint16_t iface, struct rte_mbuf *m)
{
	struct eth_hdr_v eth;
	unsigned int why;

	why = eth_hdr_parse(rte_pktmbuf_mtod(m, const uint8_t *),
			    rte_pktmbuf_data_len(m), &eth);
	if (why != CTR_NONE) {
		stack_drop(s, m, why);
		return;
	}
	if (!mac_is_for_us(&s->iface[iface], &eth.dst)) {
		stack_drop(s, m, CTR_ETH_RX_NOT_US);
		return;
	}
	rte_pktmbuf_adj(m, ETH_HDR_LEN);
	switch (eth.type) {
	case ETHERTYPE_IPV4:
		ip4_input(s, iface, m);
		break;
	case ETHERTYPE_ARP:
		arp_input(s, iface, m);
		break;
	default:
		stack_drop(s, m, CTR_ETH_RX_BAD_TYPE);
		break;
	}
}
