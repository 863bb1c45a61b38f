/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The datagram quoted inside an ICMP error (RFC 792: the IP header plus at
 * least 8 bytes of its payload). Quotes are truncated by design, so this
 * parser accepts a total length beyond the quote; it extracts what
 * transport demultiplexing needs: addresses, protocol, ports.
 */
#ifndef TERN_ICMP_QUOTE_H
#define TERN_ICMP_QUOTE_H

#include <stdint.h>

struct icmp_quote {
	uint32_t src;			/* host order: our address */
	uint32_t dst;			/* the peer that refused */
	uint8_t proto;
	uint16_t src_port;		/* first 4 bytes of the L4 header */
	uint16_t dst_port;
};

/** Returns CTR_NONE or CTR_ICMP_RX_TRUNC (quote too short or not IPv4). */
unsigned int icmp_quote_parse(const uint8_t *p, uint32_t len, struct icmp_quote *q);

#endif
