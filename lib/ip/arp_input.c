/* SPDX-License-Identifier: BSD-3-Clause
 *
 * ARP receive side (RFC 826 "packet reception"): validate, refuse
 * impossible senders, merge the sender into an existing cache entry, and
 * when the target is our address add the sender and answer requests.
 * Called by eth_input(); `m` starts at the ARP header and is consumed.
 */
#include <rte_mbuf.h>

#include "core/stack_private.h"
#include "ip/arp.h"
#include "wire/arp_hdr.h"
#include "ip/ip4.h"

static bool
sender_is_bogus(const struct tern_stack *s, const struct arp_pkt *a)
{
	if (!rte_is_unicast_ether_addr(&a->sha) || rte_is_zero_ether_addr(&a->sha))
		return true;
	/* spa 0.0.0.0 is an RFC 5227 probe: legal, but nothing to learn */
	return (a->spa >> 28) == 0xe || route_is_broadcast(s, a->spa) ||
	       route_is_local(s, a->spa);
}

void
arp_input(struct tern_stack *s, uint16_t iface, struct rte_mbuf *m, bool shared)
{
	struct arp_pkt a;
	unsigned int why;
	bool for_us;

	why = arp_pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *),
			    rte_pktmbuf_data_len(m), &a);
	if (why == CTR_NONE && sender_is_bogus(s, &a))
		why = CTR_ARP_RX_BAD_SENDER;
	if (why != CTR_NONE) {
		stack_drop(s, m, why);
		return;
	}
	for_us = a.tpa == s->iface[iface].ip;
	if (a.spa != 0)
		arp_learn(s, iface, a.spa, &a.sha, for_us, s->now_ns);
	if (shared) {
		/* a copy from the lcore that received it, which answers and
		 * counts it: here it only teaches the neighbour */
		rte_pktmbuf_free(m);
		return;
	}
	if (!for_us) {
		stack_drop(s, m, CTR_ARP_RX_NOT_US);
		return;
	}
	if (a.op == ARP_OP_REQUEST) {
		stack_ctr_inc(s, CTR_ARP_RX_REQUEST);
		arp_output_reply(s, iface, &a);
	} else {
		stack_ctr_inc(s, CTR_ARP_RX_REPLY);
	}
	rte_pktmbuf_free(m);
}
