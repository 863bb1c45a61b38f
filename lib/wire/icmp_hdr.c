/* SPDX-License-Identifier: BSD-3-Clause
 *
 * ICMPv4 header parse/emit (RFC 792). ip/icmp_input.c parses a message that
 * may span mbuf segments: the 8-byte header is read out of the chain and
 * the checksum is verified over the whole message. ip/icmp_output.c emits
 * the header with a zero checksum, sums header and body, and stores the
 * result with icmp_hdr_set_cksum(). The 4 "rest" bytes are always parsed
 * into id/seq (meaningful for echo; for other types they round-trip the
 * unused or type-specific bytes unchanged).
 */
#include <rte_mbuf.h>

#include "wire/cksum.h"
#include "core/counters.h"
#include "wire/icmp_hdr.h"
#include "wire/wire_io.h"

unsigned int
icmp_hdr_parse(const struct rte_mbuf *m, uint32_t off, uint32_t len,
	       struct icmp_hdr_v *out)
{
	uint8_t copy[ICMP_HDR_LEN];
	const uint8_t *p;

	if (len < ICMP_HDR_LEN || off > rte_pktmbuf_pkt_len(m) ||
	    len > rte_pktmbuf_pkt_len(m) - off)
		return CTR_ICMP_RX_TRUNC;
	p = rte_pktmbuf_read(m, off, ICMP_HDR_LEN, copy);
	if (p == NULL)
		return CTR_ICMP_RX_TRUNC;
	if (cksum_fold(cksum_mbuf(m, off, len)) != 0xffff)
		return CTR_ICMP_RX_BAD_CSUM;
	out->type = p[0];
	out->code = p[1];
	out->id = wire_rd16(p + 4);
	out->seq = wire_rd16(p + 6);
	return CTR_NONE;
}

void
icmp_hdr_emit(uint8_t *p, const struct icmp_hdr_v *h)
{
	p[0] = h->type;
	p[1] = h->code;
	wire_wr16_raw(p + 2, 0);
	wire_wr16(p + 4, h->id);
	wire_wr16(p + 6, h->seq);
}

void
icmp_hdr_set_cksum(uint8_t *p, uint16_t cksum)
{
	wire_wr16_raw(p + 2, cksum);
}
