/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Internet checksum arithmetic (RFC 1071, RFC 1624) for every layer: the raw
 * accumulator over flat memory, folding, the IPv4 header and pseudo-header
 * sums, the sum over a chained mbuf and incremental updates. ip/, udp/ and
 * tcp/ call these on RX to verify and on TX to fill a checksum (or, with
 * offload, to pre-load the pseudo-header sum). All sums are taken over
 * memory in native word order, so a folded result is stored with memcpy and
 * no byte swap; this works because one's complement addition commutes with
 * swapping the bytes of every word (RFC 1071 section 2 (B)).
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "wire/cksum.h"

/* Bytes summed between two reductions of the 64-bit accumulator in
 * cksum_raw: each 8-byte step adds less than 2^33, so 2^28 steps stay far
 * below 2^64 whatever the length of the buffer. */
#define CKSUM_CHUNK ((size_t)1 << 31)

/* One's complement addition of two 32-bit accumulators (end-around carry). */
static inline uint32_t
sum32_add(uint32_t a, uint32_t b)
{
	uint64_t s = (uint64_t)a + b;

	return (uint32_t)((s & 0xffffffffu) + (s >> 32));
}

/* Reduce a 64-bit accumulator to 32 bits; 2^32 is 1 modulo 0xffff, so
 * the folded value is congruent and stays non-zero if it was. */
static inline uint32_t
sum64_reduce(uint64_t acc)
{
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

/*
 * Sum of a chunk short enough for the 64-bit accumulator never to wrap.
 * Each 8-byte load is split into two 32-bit halves: a native 32-bit word
 * is (w0 << 16) + w1 of its two native 16-bit words and 2^16 is 1 modulo
 * 0xffff, so adding halves is adding the words. Loads go through memcpy
 * and pair bytes from `buf` onwards, so the address alignment is
 * irrelevant to the result.
 */
static uint64_t
sum_chunk(const uint8_t *p, size_t len)
{
	uint64_t a0 = 0, a1 = 0;
	uint64_t w;
	uint32_t w32;
	uint16_t w16;

	for (; len >= 32; len -= 32, p += 32) {
		uint64_t x0, x1, x2, x3;

		memcpy(&x0, p, 8);
		memcpy(&x1, p + 8, 8);
		memcpy(&x2, p + 16, 8);
		memcpy(&x3, p + 24, 8);
		a0 += (x0 & 0xffffffffu) + (x0 >> 32) + (x1 & 0xffffffffu) + (x1 >> 32);
		a1 += (x2 & 0xffffffffu) + (x2 >> 32) + (x3 & 0xffffffffu) + (x3 >> 32);
	}
	for (; len >= 8; len -= 8, p += 8) {
		memcpy(&w, p, 8);
		a0 += (w & 0xffffffffu) + (w >> 32);
	}
	if (len >= 4) {
		memcpy(&w32, p, 4);
		a1 += w32;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&w16, p, 2);
		a0 += w16;
		p += 2;
		len -= 2;
	}
	if (len == 1) {
		/* RFC 1071: an odd byte is padded with a zero byte after it;
		 * copying it into the first byte of a zeroed word does that
		 * in native order on either endianness. */
		w16 = 0;
		memcpy(&w16, p, 1);
		a1 += w16;
	}
	return a0 + a1;
}

uint32_t
cksum_raw(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint32_t acc = sum;

	/* Chunks are even-sized, so the word pairing continues across them. */
	while (len > CKSUM_CHUNK) {
		acc = sum32_add(acc, sum64_reduce(sum_chunk(p, CKSUM_CHUNK)));
		p += CKSUM_CHUNK;
		len -= CKSUM_CHUNK;
	}
	return sum32_add(acc, sum64_reduce(sum_chunk(p, len)));
}

uint16_t
cksum_ip4_hdr(const void *hdr, size_t hdr_len)
{
	const uint8_t *p = hdr;
	uint32_t sum;

	if (hdr_len == 20) {
		uint8_t h[20];
		static const uint16_t zero;

		/* the option-less header: its words with the field zeroed */
		memcpy(h, p, sizeof(h));
		memcpy(h + 10, &zero, sizeof(zero));
		return (uint16_t)~cksum_fold(cksum_ip4_hdr20_sum(h));
	}
	/* Skip the checksum field (bytes 10-11) instead of zeroing a copy;
	 * both parts start at even offsets so the pairing is unchanged. */
	sum = cksum_raw(p, 10, 0);
	if (hdr_len > 12)
		sum = cksum_raw(p + 12, hdr_len - 12, sum);
	return (uint16_t)~cksum_fold(sum);
}

uint32_t
cksum_pseudo_ip4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4_len)
{
	uint32_t sum;

	/* Sum the host-order words, then swap once into wire word order: the
	 * swap of a one's complement sum is the sum of the swapped words. */
	sum = (src >> 16) + (src & 0xffffu) + (dst >> 16) + (dst & 0xffffu);
	sum += proto;
	sum += l4_len;
	return rte_cpu_to_be_16(cksum_fold(sum));
}

uint32_t
cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	uint32_t sum = 0;
	uint32_t done = 0;

	if (off + len <= m->data_len)	/* the usual case: one segment */
		return cksum_raw(rte_pktmbuf_mtod_offset(m, const uint8_t *, off), len, 0);
	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	for (; m != NULL && done < len; m = m->next, off = 0) {
		uint32_t n = m->data_len - off;
		uint32_t s;

		if (n > len - done)
			n = len - done;
		s = cksum_raw(rte_pktmbuf_mtod_offset(m, const uint8_t *, off), n, 0);
		/* A segment starting at an odd packet offset paired its bytes
		 * one position off; byte-swapping its folded sum realigns it. */
		if (done & 1)
			s = rte_bswap16(cksum_fold(s));
		sum = sum32_add(sum, s);
		done += n;
	}
	RTE_ASSERT(done == len);
	return sum;
}

uint16_t
cksum_l4_ip4(const struct rte_mbuf *m, uint32_t off, uint16_t l4_len,
	     uint32_t src, uint32_t dst, uint8_t proto)
{
	uint32_t sum = cksum_pseudo_ip4(src, dst, proto, l4_len);

	sum = sum32_add(sum, cksum_mbuf(m, off, l4_len));
	return (uint16_t)~cksum_fold(sum);
}

int
cksum_l4_ip4_ok(const struct rte_mbuf *m, uint32_t off, uint16_t l4_len,
		uint32_t src, uint32_t dst, uint8_t proto)
{
	uint32_t sum = cksum_pseudo_ip4(src, dst, proto, l4_len);

	sum = sum32_add(sum, cksum_mbuf(m, off, l4_len));
	return cksum_fold(sum) == 0xffff;
}

/*
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). Unlike eqn. 2 of RFC 1141 it
 * never yields 0xffff where recomputation yields 0x0000. Values are the
 * 16-bit words as they lie in memory (memcpy from the packet), the same
 * representation as the stored checksum; any consistent byte order works.
 */
uint16_t
cksum_update16(uint16_t old_cksum, uint16_t old_val, uint16_t new_val)
{
	uint32_t sum;

	sum = (uint16_t)~old_cksum;
	sum += (uint16_t)~old_val;
	sum += new_val;
	return (uint16_t)~cksum_fold(sum);
}

uint16_t
cksum_update32(uint16_t old_cksum, uint32_t old_val, uint32_t new_val)
{
	uint32_t sum;

	/* The two halves of a memcpy'd 32-bit field are its two 16-bit
	 * words (in some order, which does not matter to the sum). */
	sum = (uint16_t)~old_cksum;
	sum += (uint16_t)~(old_val >> 16);
	sum += (uint16_t)~(old_val & 0xffffu);
	sum += new_val >> 16;
	sum += new_val & 0xffffu;
	return (uint16_t)~cksum_fold(sum);
}
