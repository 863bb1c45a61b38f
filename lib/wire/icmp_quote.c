/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Parse the datagram quoted in an ICMP error; see icmp_quote.h. Called by
 * ip/icmp_input.c via udp_icmp_unreach().
 */
#include "core/counters.h"
#include "wire/icmp_quote.h"
#include "wire/wire_io.h"

unsigned int
icmp_quote_parse(const uint8_t *p, uint32_t len, struct icmp_quote *q)
{
	uint32_t ihl;

	if (len < 20 || (p[0] >> 4) != 4)
		return CTR_ICMP_RX_TRUNC;
	ihl = (uint32_t)(p[0] & 0xf) * 4;
	if (ihl < 20 || len < ihl + 4)
		return CTR_ICMP_RX_TRUNC;
	q->proto = p[9];
	q->src = wire_rd32(p + 12);
	q->dst = wire_rd32(p + 16);
	q->src_port = wire_rd16(p + ihl);
	q->dst_port = wire_rd16(p + ihl + 2);
	return 0;
}
