/* SPDX-License-Identifier: BSD-3-Clause
 *
 * IPv4 header parse/emit (RFC 791). ip/ip4_input.c parses the bytes after
 * the Ethernet header, checking in order: length for a minimal header,
 * version, IHL (at least 5 and within the bytes received), total length
 * (at least the header and within the bytes received; a longer frame is
 * Ethernet padding) and, unless the NIC already verified it, the header
 * checksum. Options are not interpreted, only skipped through hdr_len.
 * ip/ip4_output.c emits option-less 20-byte headers.
 */
#include <rte_debug.h>

#include "wire/cksum.h"
#include "core/counters.h"
#include "wire/ip4_hdr.h"
#include "wire/wire_io.h"

unsigned int
ip4_hdr_parse(const uint8_t *p, uint32_t len, bool verify_cksum,
	      struct ip4_hdr_v *out)
{
	uint32_t hdr_len;
	uint16_t total_len;

	if (len < IP4_HDR_LEN)
		return CTR_IP_RX_TRUNC;
	if ((p[0] >> 4) != 4)
		return CTR_IP_RX_BAD_VERSION;
	hdr_len = (uint32_t)(p[0] & 0x0f) * 4;
	if (hdr_len < IP4_HDR_LEN || hdr_len > len)
		return CTR_IP_RX_BAD_IHL;
	total_len = wire_rd16(p + 2);
	if (total_len < hdr_len || total_len > len)
		return CTR_IP_RX_BAD_LEN;
	/* RFC 1071: the sum over a correct header, checksum included, is
	 * all ones. */
	if (verify_cksum &&
	    cksum_fold(hdr_len == IP4_HDR_LEN ? cksum_ip4_hdr20_sum(p)
					      : cksum_raw(p, hdr_len, 0)) != 0xffff)
		return CTR_IP_RX_BAD_CSUM;
	out->hdr_len = (uint8_t)hdr_len;
	out->tos = p[1];
	out->total_len = total_len;
	out->id = wire_rd16(p + 4);
	out->frag = wire_rd16(p + 6);
	out->ttl = p[8];
	out->proto = p[9];
	out->src = wire_rd32(p + 12);
	out->dst = wire_rd32(p + 16);
	return CTR_NONE;
}

void
ip4_hdr_emit(uint8_t *p, const struct ip4_hdr_v *h, bool fill_cksum)
{
	RTE_ASSERT(h->hdr_len == IP4_HDR_LEN);
	p[0] = 0x40 | (IP4_HDR_LEN / 4);
	p[1] = h->tos;
	wire_wr16(p + 2, h->total_len);
	wire_wr16(p + 4, h->id);
	wire_wr16(p + 6, h->frag);
	p[8] = h->ttl;
	p[9] = h->proto;
	wire_wr16_raw(p + 10, 0);
	wire_wr32(p + 12, h->src);
	wire_wr32(p + 16, h->dst);
	if (fill_cksum)	/* the field is zero: sum the header as it is */
		wire_wr16_raw(p + 10, (uint16_t)~cksum_fold(cksum_ip4_hdr20_sum(p)));
}
