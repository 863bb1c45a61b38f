/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Ethernet II header parse/emit. Parsed into host-order `struct eth_hdr_v`;
 * the received bytes are never modified. Called first by the stack's input
 * dispatcher and last by every output path.
 */
#ifndef TERN_ETH_HDR_H
#define TERN_ETH_HDR_H

#include <stdint.h>
#include <rte_ether.h>

#define ETH_HDR_LEN 14u
#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_ARP 0x0806u

struct eth_hdr_v {
	struct rte_ether_addr dst;
	struct rte_ether_addr src;
	uint16_t type;		/* host order */
};

/** Parse `len` bytes at `p`. Returns CTR_NONE (0) or CTR_ETH_RX_TRUNC. */
unsigned int eth_hdr_parse(const uint8_t *p, uint32_t len, struct eth_hdr_v *out);

/** Write 14 bytes at `p`. */
void eth_hdr_emit(uint8_t *p, const struct eth_hdr_v *h);

#endif
