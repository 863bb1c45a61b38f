/* SPDX-License-Identifier: BSD-3-Clause
 *
 * IPv4 header parse/emit (RFC 791). Parse validates version, IHL, total
 * length against the bytes available, and (unless the NIC already did) the
 * header checksum. Options are skipped (their length is in hdr_len).
 * Called by ip/ip4_input.c and ip/ip4_output.c.
 */
#ifndef TERN_IP4_HDR_H
#define TERN_IP4_HDR_H

#include <stdbool.h>
#include <stdint.h>

#define IP4_HDR_LEN 20u
#define IP4_PROTO_ICMP 1u
#define IP4_PROTO_TCP 6u
#define IP4_PROTO_UDP 17u
#define IP4_FLAG_DF 0x4000u
#define IP4_FLAG_MF 0x2000u
#define IP4_FRAG_OFF_MASK 0x1fffu
#define IP4_DEFAULT_TTL 64u
/* RFC 3168 5: the ECN field, the two low bits of the TOS byte. */
#define IP4_ECN_MASK 0x03u
#define IP4_ECN_NOT_ECT 0x00u
#define IP4_ECN_ECT1 0x01u
#define IP4_ECN_ECT0 0x02u
#define IP4_ECN_CE 0x03u

struct ip4_hdr_v {
	uint8_t hdr_len;	/* bytes, 20..60 */
	uint8_t tos;
	uint16_t total_len;	/* header + payload */
	uint16_t id;
	uint16_t frag;		/* flags (DF/MF) and offset as on the wire */
	uint8_t ttl;
	uint8_t proto;
	uint32_t src;		/* host order */
	uint32_t dst;		/* host order */
};

/** Parse `len` bytes at `p`. If `verify_cksum` is false the checksum is
 *  trusted (RX offload reported it good). Returns CTR_NONE or one of
 *  CTR_IP_RX_TRUNC, CTR_IP_RX_BAD_VERSION, CTR_IP_RX_BAD_IHL,
 *  CTR_IP_RX_BAD_LEN, CTR_IP_RX_BAD_CSUM. */
unsigned int ip4_hdr_parse(const uint8_t *p, uint32_t len, bool verify_cksum,
			   struct ip4_hdr_v *out);

/** True for a fragment (MF set or non-zero offset). */
static inline bool
ip4_hdr_is_fragment(const struct ip4_hdr_v *h)
{
	return (h->frag & (IP4_FLAG_MF | IP4_FRAG_OFF_MASK)) != 0;
}

/** Write a 20-byte header (hdr_len must be 20) at `p`. If `fill_cksum` the
 *  header checksum is computed, otherwise the field is zero (offload). */
void ip4_hdr_emit(uint8_t *p, const struct ip4_hdr_v *h, bool fill_cksum);

#endif
