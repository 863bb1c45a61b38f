/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Ethernet II header parse/emit. The input dispatcher parses every received
 * frame here first (then branches on the EtherType to ARP or IPv4); every
 * output path emits the header last, once the next hop's MAC is known.
 * Parsing copies into a host-order struct and never writes the frame.
 */
#include <string.h>

#include "core/counters.h"
#include "wire/eth_hdr.h"
#include "wire/wire_io.h"

unsigned int
eth_hdr_parse(const uint8_t *p, uint32_t len, struct eth_hdr_v *out)
{
	if (len < ETH_HDR_LEN)
		return CTR_ETH_RX_TRUNC;
	memcpy(&out->dst, p, RTE_ETHER_ADDR_LEN);
	memcpy(&out->src, p + 6, RTE_ETHER_ADDR_LEN);
	out->type = wire_rd16(p + 12);
	return CTR_NONE;
}

void
eth_hdr_emit(uint8_t *p, const struct eth_hdr_v *h)
{
	memcpy(p, &h->dst, RTE_ETHER_ADDR_LEN);
	memcpy(p + 6, &h->src, RTE_ETHER_ADDR_LEN);
	wire_wr16(p + 12, h->type);
}
