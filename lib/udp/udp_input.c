/* SPDX-License-Identifier: BSD-3-Clause
 *
 * UDP input (RFC 768, RFC 1122 4.1.3): header and length checks, checksum
 * (a zero checksum means "none"; the NIC's verdict is used when it gave
 * one), demultiplex by destination port, deliver the payload as a datagram
 * event carrying the mbuf itself (zero copy). A closed port answers ICMP
 * port unreachable. Also maps ICMP errors about our datagrams to socket
 * errors. Called by ip4_input() and icmp_input().
 */
#include <errno.h>

#include <rte_mbuf.h>

#include "core/stack_private.h"
#include "wire/cksum.h"
#include "wire/icmp_hdr.h"
#include "wire/icmp_quote.h"
#include "ip/ip4.h"
#include "wire/ip4_hdr.h"
#include "udp/udp_private.h"
#include "wire/udp_hdr.h"

static unsigned int
udp_cksum_check(const struct rte_mbuf *m, const struct udp_hdr_v *u,
		const struct ip4_hdr_v *ip)
{
	uint64_t f = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

	if (u->cksum == 0 || f == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return CTR_NONE;
	if (f == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return CTR_UDP_RX_BAD_CSUM;
	return cksum_l4_ip4_ok(m, 0, u->len, ip->src, ip->dst, IP4_PROTO_UDP) ?
	       CTR_NONE : CTR_UDP_RX_BAD_CSUM;
}

static unsigned int
udp_check(const struct rte_mbuf *m, const struct ip4_hdr_v *ip, struct udp_hdr_v *u)
{
	unsigned int why;

	if (rte_pktmbuf_pkt_len(m) < UDP_HDR_LEN)
		return CTR_UDP_RX_TRUNC;
	if (rte_pktmbuf_data_len(m) < UDP_HDR_LEN)
		return CTR_ETH_RX_MULTISEG;
	why = udp_hdr_parse(rte_pktmbuf_mtod(m, const uint8_t *),
			    rte_pktmbuf_pkt_len(m), u);
	if (why != CTR_NONE)
		return why;
	return udp_cksum_check(m, u, ip);
}

void
udp_input(struct tern_stack *s, uint16_t iface, struct rte_mbuf *m,
	  const struct ip4_hdr_v *ip)
{
	struct tern_event ev = { .type = TERN_EV_UDP_DATAGRAM };
	struct udp_hdr_v u;
	struct udp_sock *sk;
	unsigned int why;

	stack_ctr_inc(s, CTR_UDP_RX_PKTS);
	why = udp_check(m, ip, &u);
	if (why != CTR_NONE) {
		stack_drop(s, m, why);
		return;
	}
	sk = udp_sock_by_port(s, u.dst_port);
	if (sk == NULL) {
		/* quote the datagram from its IP header, still in front of m */
		rte_pktmbuf_prepend(m, ip->hdr_len);
		icmp_output_unreach(s, iface, m, ip, ICMP_CODE_PORT_UNREACH);
		stack_drop(s, m, CTR_UDP_RX_NO_PORT);
		return;
	}
	stack_mbuf_trim_to(m, u.len);
	rte_pktmbuf_adj(m, UDP_HDR_LEN);
	ev.handle = udp_sock_handle(s, sk);
	ev.cookie = sk->cookie;
	ev.addr = ip->src;
	ev.port = u.src_port;
	ev.len = u.len - UDP_HDR_LEN;
	ev.m = m;
	stack_event(s, sk->chan, &ev);
}

/* RFC 1122 4.1.3.3: pass ICMP errors to the application, as an errno. */
static int
unreach_errno(uint8_t code)
{
	switch (code) {
	case 0: return -ENETUNREACH;		/* net unreachable */
	case 2: return -ENOPROTOOPT;		/* protocol unreachable */
	case 3: return -ECONNREFUSED;		/* port unreachable */
	case 4: return -EMSGSIZE;		/* fragmentation needed */
	default: return -EHOSTUNREACH;
	}
}

void
udp_icmp_unreach(struct tern_stack *s, uint8_t code, const uint8_t *quote,
		 uint32_t len)
{
	struct tern_event ev = { .type = TERN_EV_UDP_ERROR, .status = unreach_errno(code) };
	struct icmp_quote q;
	struct udp_sock *sk;

	if (icmp_quote_parse(quote, len, &q) != CTR_NONE || q.proto != IP4_PROTO_UDP ||
	    !route_is_local(s, q.src))
		return;
	sk = udp_sock_by_port(s, q.src_port);
	if (sk == NULL)
		return;
	ev.handle = udp_sock_handle(s, sk);
	ev.cookie = sk->cookie;
	ev.addr = q.dst;
	ev.port = q.dst_port;
	stack_event(s, sk->chan, &ev);
}
