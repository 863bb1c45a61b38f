/* SPDX-License-Identifier: BSD-3-Clause
 *
 * ARP packet parse/emit for Ethernet/IPv4 (RFC 826). ip/arp_input.c parses
 * the 28 bytes after the Ethernet header into a host-order struct arp_pkt;
 * ip/arp_output.c fills one and emits it for requests, replies and
 * gratuitous announcements. Anything that is not Ethernet/IPv4 with a
 * request or reply opcode is rejected with the counter that says why.
 */
#include <string.h>

#include "wire/arp_hdr.h"
#include "core/counters.h"
#include "wire/wire_io.h"

#define ARP_HTYPE_ETHER 1u
#define ARP_PTYPE_IPV4 0x0800u

unsigned int
arp_pkt_parse(const uint8_t *p, uint32_t len, struct arp_pkt *out)
{
	uint16_t op;

	if (len < ARP_PKT_LEN)
		return CTR_ARP_RX_TRUNC;
	if (wire_rd16(p) != ARP_HTYPE_ETHER || wire_rd16(p + 2) != ARP_PTYPE_IPV4 ||
	    p[4] != RTE_ETHER_ADDR_LEN || p[5] != 4)
		return CTR_ARP_RX_BAD_HDR;
	op = wire_rd16(p + 6);
	if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY)
		return CTR_ARP_RX_BAD_OP;
	out->op = op;
	memcpy(&out->sha, p + 8, RTE_ETHER_ADDR_LEN);
	out->spa = wire_rd32(p + 14);
	memcpy(&out->tha, p + 18, RTE_ETHER_ADDR_LEN);
	out->tpa = wire_rd32(p + 24);
	return CTR_NONE;
}

void
arp_pkt_emit(uint8_t *p, const struct arp_pkt *a)
{
	wire_wr16(p, ARP_HTYPE_ETHER);
	wire_wr16(p + 2, ARP_PTYPE_IPV4);
	p[4] = RTE_ETHER_ADDR_LEN;
	p[5] = 4;
	wire_wr16(p + 6, a->op);
	memcpy(p + 8, &a->sha, RTE_ETHER_ADDR_LEN);
	wire_wr32(p + 14, a->spa);
	memcpy(p + 18, &a->tha, RTE_ETHER_ADDR_LEN);
	wire_wr32(p + 24, a->tpa);
}
