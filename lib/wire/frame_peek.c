/* SPDX-License-Identifier: BSD-3-Clause
 *
 * frame_peek(): see frame_peek.h. Reads only the fixed fields that locate
 * a flow: EtherType, IPv4 version/IHL/fragment bits/protocol/addresses,
 * the first four bytes of TCP/UDP, and for ICMP destination unreachable,
 * source quench, time exceeded and parameter problem (RFC 792) the quoted
 * IPv4 header and its first eight bytes.
 */
#include <netinet/in.h>

#include "wire/eth_hdr.h"
#include "wire/frame_peek.h"
#include "wire/wire_io.h"

#define IP_MIN 20u

/* IHL in bytes when the IPv4 header at `ip` (`len` bytes available) is
 * plausible and not a fragment's tail or head; 0 otherwise. */
static uint32_t
ip_ok(const uint8_t *ip, uint32_t len)
{
	uint32_t ihl;

	if (len < IP_MIN || (ip[0] >> 4) != 4 || (wire_rd16(ip + 6) & 0x3fffu) != 0)
		return 0;
	ihl = (uint32_t)(ip[0] & 0xf) * 4;
	return ihl >= IP_MIN && ihl <= len ? ihl : 0;
}

static void
icmp_peek(const uint8_t *icmp, uint32_t len, struct frame_tuple *t)
{
	const uint8_t *q = icmp + 8;		/* the quoted datagram */
	uint32_t ihl;

	if (len < 8 + IP_MIN + 4)
		return;
	switch (icmp[0]) {
	case 3: case 4: case 11: case 12:
		break;
	default:
		return;
	}
	ihl = (uint32_t)(q[0] & 0xf) * 4;
	if ((q[0] >> 4) != 4 || ihl < IP_MIN || len < 8 + ihl + 4 ||
	    (q[9] != IPPROTO_TCP && q[9] != IPPROTO_UDP))
		return;
	/* we sent the quoted datagram: its source is our end */
	t->laddr = wire_rd32(q + 12);
	t->raddr = wire_rd32(q + 16);
	t->lport = wire_rd16(q + ihl);
	t->rport = wire_rd16(q + ihl + 2);
	t->proto = q[9];
	t->kind = FRAME_ICMP_ERR;
}

void
frame_peek(const uint8_t *frame, uint32_t len, struct frame_tuple *t)
{
	const uint8_t *ip = frame + ETH_HDR_LEN;
	uint32_t ihl;
	uint16_t type;

	t->kind = FRAME_OTHER;
	if (len < ETH_HDR_LEN)
		return;
	type = wire_rd16(frame + 12);
	if (type == ETHERTYPE_ARP) {
		t->kind = FRAME_ARP;
		return;
	}
	if (type != ETHERTYPE_IPV4)
		return;
	len -= ETH_HDR_LEN;
	ihl = ip_ok(ip, len);
	if (ihl == 0)
		return;
	if (ip[9] == IPPROTO_ICMP) {
		icmp_peek(ip + ihl, len - ihl, t);
		return;
	}
	if ((ip[9] != IPPROTO_TCP && ip[9] != IPPROTO_UDP) || len < ihl + 4)
		return;
	t->raddr = wire_rd32(ip + 12);
	t->laddr = wire_rd32(ip + 16);
	t->rport = wire_rd16(ip + ihl);
	t->lport = wire_rd16(ip + ihl + 2);
	t->proto = ip[9];
	t->kind = ip[9] == IPPROTO_TCP ? FRAME_TCP : FRAME_UDP;
}
