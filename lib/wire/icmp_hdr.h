/* SPDX-License-Identifier: BSD-3-Clause
 *
 * ICMPv4 header parse/emit (RFC 792): the 8-byte header with type, code,
 * checksum and the 4-byte "rest" (id/seq for echo, unused for unreachable).
 * Parse verifies the checksum over the whole message. Called by ip/icmp*.c.
 */
#ifndef TERN_ICMP_HDR_H
#define TERN_ICMP_HDR_H

#include <stdint.h>

struct rte_mbuf;

#define ICMP_HDR_LEN 8u
#define ICMP_ECHO_REPLY 0u
#define ICMP_DEST_UNREACH 3u
#define ICMP_ECHO_REQUEST 8u
#define ICMP_CODE_PROTO_UNREACH 2u
#define ICMP_CODE_PORT_UNREACH 3u
/* RFC 1812 4.3.2.3: quote the IP header plus 8 bytes at least; we quote up
 * to this many bytes of the offending datagram. */
#define ICMP_QUOTE_MAX 548u

struct icmp_hdr_v {
	uint8_t type;
	uint8_t code;
	uint16_t id;		/* echo only, host order */
	uint16_t seq;		/* echo only, host order */
};

/** Parse the ICMP message of `len` bytes starting `off` bytes into `m`,
 *  verifying the checksum over all `len` bytes. Returns CTR_NONE,
 *  CTR_ICMP_RX_TRUNC or CTR_ICMP_RX_BAD_CSUM. */
unsigned int icmp_hdr_parse(const struct rte_mbuf *m, uint32_t off,
			    uint32_t len, struct icmp_hdr_v *out);

/** Write the 8-byte header at `p` with a zero checksum field; the caller
 *  then sums header plus body and stores the checksum with
 *  icmp_hdr_set_cksum(). */
void icmp_hdr_emit(uint8_t *p, const struct icmp_hdr_v *h);

/** Store a checksum (as returned by cksum_fold, inverted by the caller)
 *  into the header at `p`. */
void icmp_hdr_set_cksum(uint8_t *p, uint16_t cksum);

#endif
