/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Last protocol step of every frame we send: prepend the Ethernet header
 * (source = the interface's MAC) and stage the frame for transmission.
 * Called by ARP output directly and by arp_send_via() once a next hop's
 * MAC is known.
 */
#include <rte_mbuf.h>

#include "core/stack_private.h"
#include "wire/eth_hdr.h"
#include "ip/ip4.h"

void
eth_output(struct tern_stack *s, uint16_t iface, struct rte_mbuf *m,
	   const struct rte_ether_addr *dst, uint16_t ethertype)
{
	struct eth_hdr_v eth;
	uint8_t *p = (uint8_t *)rte_pktmbuf_prepend(m, ETH_HDR_LEN);

	if (p == NULL) {
		stack_drop(s, m, CTR_TX_DROP_NOMBUF);
		return;
	}
	eth.src = s->iface[iface].mac;
	if (dst != NULL)
		eth.dst = *dst;
	else
		memset(&eth.dst, 0xff, sizeof(eth.dst));
	eth.type = ethertype;
	eth_hdr_emit(p, &eth);
	m->l2_len = ETH_HDR_LEN;
	stack_tx(s, iface, m);
}
