/* SPDX-License-Identifier: BSD-3-Clause
 *
 * First protocol step of every received frame: parse the Ethernet header,
 * accept frames for our MAC or broadcast, strip the header and hand the
 * payload to ARP or IPv4. Called by tern_stack_input() once per frame.
 */
#include <rte_mbuf.h>

#include "core/stack_private.h"
#include "wire/eth_hdr.h"
#include "ip/ip4.h"

static bool
mac_is_for_us(const struct stack_iface *f, const struct rte_ether_addr *dst)
{
	return rte_is_same_ether_addr(dst, &f->mac) || rte_is_broadcast_ether_addr(dst);
}

uint16_t
eth_input(struct tern_stack *s, uint16_t iface, struct rte_mbuf *m)
{
	struct eth_hdr_v eth;
	unsigned int why;

	why = eth_hdr_parse(rte_pktmbuf_mtod(m, const uint8_t *),
			    rte_pktmbuf_data_len(m), &eth);
	if (why != CTR_NONE) {
		stack_drop(s, m, why);
		return 0;
	}
	if (!mac_is_for_us(&s->iface[iface], &eth.dst)) {
		stack_drop(s, m, CTR_ETH_RX_NOT_US);
		return 0;
	}
	if (eth.type != ETHERTYPE_IPV4 && eth.type != ETHERTYPE_ARP) {
		stack_drop(s, m, CTR_ETH_RX_BAD_TYPE);
		return 0;
	}
	rte_pktmbuf_adj(m, ETH_HDR_LEN);
	return eth.type;
}
