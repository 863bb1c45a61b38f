/* SPDX-License-Identifier: BSD-3-Clause
 *
 * IPv4 input (RFC 791, RFC 1122 3.2.1): validate the header (version,
 * IHL, total length against the frame, checksum unless the NIC vouched for
 * it), refuse what a host must not accept (foreign destinations, martian
 * sources, fragments we do not reassemble), trim link-layer padding, and
 * tell the caller (the roof's input dispatch, lib/stack/stack_input.c)
 * which of ICMP, UDP or TCP takes the payload. `m` starts at the IPv4
 * header.
 */
#include <rte_mbuf.h>

#include "core/stack_private.h"
#include "ip/ip4.h"
#include "wire/icmp_hdr.h"
#include "wire/ip4_hdr.h"

static bool
src_is_martian(const struct tern_stack *s, uint32_t src)
{
	/* RFC 1122 3.2.1.3: never accept as a source "this network" (0/8),
	 * loopback (127/8), multicast (224/4), reserved (240/4), a broadcast
	 * or our own address. */
	uint8_t first = (uint8_t)(src >> 24);

	return first == 0 || first == 127 || first >= 224 ||
	       route_is_broadcast(s, src) || route_is_local(s, src);
}

/* Header checksum is trusted when the NIC checked it. */
static bool
cksum_needs_sw(const struct rte_mbuf *m)
{
	return (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) != RTE_MBUF_F_RX_IP_CKSUM_GOOD;
}

static unsigned int
ip4_check(struct tern_stack *s, const struct rte_mbuf *m, struct ip4_hdr_v *ip)
{
	unsigned int why;

	/* The whole header (up to 60 bytes) must sit in the first segment. */
	if (rte_pktmbuf_data_len(m) < RTE_MIN(rte_pktmbuf_pkt_len(m), 60u))
		return CTR_ETH_RX_MULTISEG;
	why = ip4_hdr_parse(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_pkt_len(m),
			    cksum_needs_sw(m), ip);
	if (why != CTR_NONE)
		return why;
	if (src_is_martian(s, ip->src))
		return CTR_IP_RX_BAD_SRC;
	if (!route_is_local(s, ip->dst) && !route_is_broadcast(s, ip->dst))
		return CTR_IP_RX_NOT_US;
	if (ip4_hdr_is_fragment(ip))
		return CTR_IP_RX_FRAG;
	return CTR_NONE;
}

uint8_t
ip4_input(struct tern_stack *s, uint16_t iface, struct rte_mbuf *m,
	  struct ip4_hdr_v *ip)
{
	unsigned int why;

	stack_ctr_inc(s, CTR_IP_RX_PKTS);
	why = ip4_check(s, m, ip);
	if (why != CTR_NONE) {
		stack_drop(s, m, why);
		return 0;
	}
	/* Ethernet pads short frames: the IP total length is the truth. */
	stack_mbuf_trim_to(m, ip->total_len);
	rte_pktmbuf_adj(m, ip->hdr_len);
	m->l3_len = ip->hdr_len;
	switch (ip->proto) {
	case IP4_PROTO_UDP:
	case IP4_PROTO_ICMP:
	case IP4_PROTO_TCP:
		return ip->proto;
	default:
		/* RFC 1122 3.2.2.1: protocol unreachable, never for broadcasts */
		rte_pktmbuf_prepend(m, ip->hdr_len);
		if (!route_is_broadcast(s, ip->dst))
			icmp_output_unreach(s, iface, m, ip, ICMP_CODE_PROTO_UNREACH);
		stack_drop(s, m, CTR_IP_RX_BAD_PROTO);
		return 0;
	}
}
