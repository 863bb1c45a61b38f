/* SPDX-License-Identifier: BSD-3-Clause
 *
 * UDP header parse/emit (RFC 768). udp/udp_input.c parses the IP payload
 * here (length checks only) and then verifies the checksum with
 * cksum_l4_ip4_ok() unless the field is zero; udp/udp_output.c emits the
 * header and stores the checksum last with udp_hdr_set_cksum(). The
 * checksum travels in struct udp_hdr_v as it lies in memory (the cksum.h
 * contract), so it is copied, never byte-swapped.
 */
#include "core/counters.h"
#include "wire/udp_hdr.h"
#include "wire/wire_io.h"

unsigned int
udp_hdr_parse(const uint8_t *p, uint32_t ip_payload_len, struct udp_hdr_v *out)
{
	uint16_t len;

	if (ip_payload_len < UDP_HDR_LEN)
		return CTR_UDP_RX_TRUNC;
	len = wire_rd16(p + 4);
	/* A length below the IP payload is legal (the rest is ignored);
	 * beyond it, the datagram was cut. */
	if (len < UDP_HDR_LEN || len > ip_payload_len)
		return CTR_UDP_RX_BAD_LEN;
	out->src_port = wire_rd16(p);
	out->dst_port = wire_rd16(p + 2);
	out->len = len;
	out->cksum = wire_rd16_raw(p + 6);
	return CTR_NONE;
}

void
udp_hdr_emit(uint8_t *p, const struct udp_hdr_v *h)
{
	wire_wr16(p, h->src_port);
	wire_wr16(p + 2, h->dst_port);
	wire_wr16(p + 4, h->len);
	wire_wr16_raw(p + 6, h->cksum);
}

void
udp_hdr_set_cksum(uint8_t *p, uint16_t cksum)
{
	wire_wr16_raw(p + 6, cksum);
}
