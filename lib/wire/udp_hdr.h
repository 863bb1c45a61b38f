/* SPDX-License-Identifier: BSD-3-Clause
 *
 * UDP header parse/emit (RFC 768). Parse checks the length field against
 * the IP payload; checksum verification needs the pseudo-header so it is
 * done by udp/udp_input.c with cksum_l4_ip4_ok() (a zero checksum means
 * "none" and is accepted).
 */
#ifndef TERN_UDP_HDR_H
#define TERN_UDP_HDR_H

#include <stdint.h>

#define UDP_HDR_LEN 8u

struct udp_hdr_v {
	uint16_t src_port;
	uint16_t dst_port;
	uint16_t len;		/* header + payload, as in the header */
	uint16_t cksum;		/* as on the wire (0 = none) */
};

/** Parse the UDP header at `p`; `ip_payload_len` is the IP total length
 *  minus the IP header. Returns CTR_NONE, CTR_UDP_RX_TRUNC or
 *  CTR_UDP_RX_BAD_LEN (len < 8 or len > ip_payload_len). */
unsigned int udp_hdr_parse(const uint8_t *p, uint32_t ip_payload_len,
			   struct udp_hdr_v *out);

/** Write 8 bytes at `p`; the checksum field gets h->cksum verbatim. */
void udp_hdr_emit(uint8_t *p, const struct udp_hdr_v *h);

/** Overwrite the checksum field of the header at `p` (value as stored). */
void udp_hdr_set_cksum(uint8_t *p, uint16_t cksum);

#endif
