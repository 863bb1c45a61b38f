/* SPDX-License-Identifier: BSD-3-Clause
 *
 * ICMP input (RFC 792, RFC 1122 3.2.2): answer echo requests (the reply
 * reuses the request's mbuf: the payload stays in place, fresh headers are
 * written in front of it), hand destination-unreachable back to the roof
 * (which passes the quote to UDP), ignore the rest (counted). Called by
 * the roof's input dispatch; `m` starts at the ICMP header.
 */
#include <rte_mbuf.h>

#include "core/stack_private.h"
#include "wire/cksum.h"
#include "wire/icmp_hdr.h"
#include "ip/ip4.h"
#include "wire/ip4_hdr.h"

static void
echo_reply(struct tern_stack *s, struct rte_mbuf *m, const struct icmp_hdr_v *req,
	   const struct ip4_hdr_v *ip)
{
	struct icmp_hdr_v rep = { .type = ICMP_ECHO_REPLY, .code = 0,
				  .id = req->id, .seq = req->seq };
	struct ip4_tx t = { .src = ip->dst, .dst = ip->src, .proto = IP4_PROTO_ICMP };
	struct route r;
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

	/* RFC 1122 3.2.2.6: an echo to a broadcast address may be ignored. */
	if (route_is_broadcast(s, ip->dst)) {
		stack_drop(s, m, CTR_ICMP_RX_BCAST_ECHO);
		return;
	}
	if (!route_lookup(s, ip->src, &r)) {
		stack_drop(s, m, CTR_IP_TX_NO_ROUTE);
		return;
	}
	r.src = ip->dst;
	icmp_hdr_emit(p, &rep);
	icmp_hdr_set_cksum(p, (uint16_t)~cksum_fold(cksum_mbuf(m, 0, rte_pktmbuf_pkt_len(m))));
	stack_mbuf_reset_tx(m);
	stack_ctr_inc(s, CTR_ICMP_RX_ECHO);
	ip4_output(s, &r, &t, m);
}

bool
icmp_input(struct tern_stack *s, uint16_t iface, struct rte_mbuf *m,
	   const struct ip4_hdr_v *ip, struct icmp_unreach *u)
{
	struct icmp_hdr_v h;
	unsigned int why;

	(void)iface;
	why = icmp_hdr_parse(m, 0, rte_pktmbuf_pkt_len(m), &h);
	if (why != CTR_NONE) {
		stack_drop(s, m, why);
		return false;
	}
	switch (h.type) {
	case ICMP_ECHO_REQUEST:
		echo_reply(s, m, &h, ip);
		return false;
	case ICMP_DEST_UNREACH: {
		uint32_t len = rte_pktmbuf_data_len(m);

		stack_ctr_inc(s, CTR_ICMP_RX_UNREACH);
		if (len <= ICMP_HDR_LEN) {
			rte_pktmbuf_free(m);
			return false;
		}
		u->code = h.code;
		u->quote = rte_pktmbuf_mtod_offset(m, const uint8_t *, ICMP_HDR_LEN);
		u->len = len - ICMP_HDR_LEN;
		return true;
	}
	default:
		stack_drop(s, m, CTR_ICMP_RX_OTHER);
		return false;
	}
}
