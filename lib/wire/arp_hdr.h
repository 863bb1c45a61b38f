/* SPDX-License-Identifier: BSD-3-Clause
 *
 * ARP for Ethernet/IPv4 (RFC 826) parse/emit. Only htype 1, ptype 0x0800,
 * hlen 6, plen 4 and opcodes request/reply are accepted; anything else is a
 * counted drop. Called by ip/arp_input.c and ip/arp_output.c.
 */
#ifndef TERN_ARP_HDR_H
#define TERN_ARP_HDR_H

#include <stdint.h>
#include <rte_ether.h>

#define ARP_PKT_LEN 28u
#define ARP_OP_REQUEST 1u
#define ARP_OP_REPLY 2u

struct arp_pkt {
	uint16_t op;
	struct rte_ether_addr sha;	/* sender hardware address */
	uint32_t spa;			/* sender IPv4, host order */
	struct rte_ether_addr tha;
	uint32_t tpa;
};

/** Returns CTR_NONE, CTR_ARP_RX_TRUNC, CTR_ARP_RX_BAD_HDR or CTR_ARP_RX_BAD_OP. */
unsigned int arp_pkt_parse(const uint8_t *p, uint32_t len, struct arp_pkt *out);

/** Write 28 bytes at `p` (htype/ptype/hlen/plen filled in). */
void arp_pkt_emit(uint8_t *p, const struct arp_pkt *a);

#endif
