/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Internet checksums (RFC 1071) over wire bytes: raw 32-bit accumulation,
 * folding, the IPv4 header checksum, the IPv4 pseudo-header for TCP/UDP,
 * the full L4 checksum over a (possibly chained) mbuf, and incremental
 * update (RFC 1624). Used by ip/, udp/ and tcp/ on both RX and TX.
 *
 * Byte order contract: sums are accumulated over memory exactly as it lies
 * on the wire, so a folded result can be stored into a header with memcpy
 * (or through wire emit functions) without byte swapping. Addresses and
 * lengths passed as parameters are host order; the functions convert.
 */
#ifndef TERN_CKSUM_H
#define TERN_CKSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rte_mbuf;

/** Add `len` bytes at `buf` to the 32-bit accumulator `sum` (no folding). */
uint32_t cksum_raw(const void *buf, size_t len, uint32_t sum);

/** Fold a 32-bit accumulator to 16 bits (end-around carry), not inverted. */
static inline uint16_t
cksum_fold(uint32_t sum)
{
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

/** Checksum to store in an IPv4 header of `hdr_len` bytes (its checksum
 *  field is treated as zero). A received header is valid when
 *  cksum_raw over it (field included) folds to 0xffff. */
uint16_t cksum_ip4_hdr(const void *hdr, size_t hdr_len);

/** Unfolded sum of an option-less (20-byte) IPv4 header, checksum field
 *  included: five 32-bit loads instead of cksum_raw's loop, for the
 *  header every packet in and out carries. A received header is valid
 *  when this folds to 0xffff. */
static inline uint32_t
cksum_ip4_hdr20_sum(const void *hdr)
{
	uint32_t w[5];
	uint64_t s;

	memcpy(w, hdr, sizeof(w));
	s = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)((s & 0xffffffffu) + (s >> 32));
}

/** Unfolded sum of the IPv4 pseudo-header (RFC 793/768): src, dst,
 *  protocol and L4 length, all host order. This is also what a NIC with
 *  L4 checksum offload expects pre-loaded in the checksum field (folded,
 *  not inverted). */
uint32_t cksum_pseudo_ip4(uint32_t src, uint32_t dst, uint8_t proto,
			  uint16_t l4_len);

/** Unfolded sum of `len` bytes starting `off` bytes into the packet data of
 *  mbuf chain `m` (segments followed; odd-length segments handled).
 *  Precondition: off + len <= rte_pktmbuf_pkt_len(m). */
uint32_t cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len);

/** Final L4 checksum to store in a TCP/UDP header: pseudo-header plus
 *  `l4_len` bytes from `off` in `m` (checksum field must hold zero),
 *  inverted. For UDP the caller maps a 0 result to 0xffff (RFC 768). */
uint16_t cksum_l4_ip4(const struct rte_mbuf *m, uint32_t off, uint16_t l4_len,
		      uint32_t src, uint32_t dst, uint8_t proto);

/** True when the received L4 bytes (checksum field included) verify. */
int cksum_l4_ip4_ok(const struct rte_mbuf *m, uint32_t off, uint16_t l4_len,
		    uint32_t src, uint32_t dst, uint8_t proto);

/** RFC 1624 eqn. 3 incremental update: a header field changed from
 *  `old_val` to `new_val` (both as 16-bit words read from the wire);
 *  returns the new checksum given the old one (both as stored). */
uint16_t cksum_update16(uint16_t old_cksum, uint16_t old_val, uint16_t new_val);

/** Same as cksum_update16 for a 32-bit field (e.g. an address or seq). */
uint16_t cksum_update32(uint16_t old_cksum, uint32_t old_val, uint32_t new_val);

#endif
