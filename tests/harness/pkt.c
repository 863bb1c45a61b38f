/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Frame helpers: byte arrays to real (optionally chained) mbufs and back.
 */
#include <string.h>

#include <rte_mbuf.h>

#include "harness.h"

struct rte_mbuf *
pkt_from_bytes(const void *bytes, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(harness_pool());
	char *p;

	assert_non_null(m);
	p = rte_pktmbuf_append(m, len);
	assert_non_null(p);
	memcpy(p, bytes, len);
	return m;
}

struct rte_mbuf *
pkt_chain_from_bytes(const void *bytes, uint32_t len, uint16_t seg_len)
{
	const uint8_t *b = bytes;
	struct rte_mbuf *head = NULL;
	uint32_t off = 0;

	assert_true(seg_len > 0);
	do {
		uint16_t n = len - off < seg_len ? (uint16_t)(len - off) : seg_len;
		struct rte_mbuf *m = pkt_from_bytes(b + off, n);

		if (head == NULL)
			head = m;
		else
			assert_int_equal(rte_pktmbuf_chain(head, m), 0);
		off += n;
	} while (off < len);
	return head;
}

uint32_t
pkt_to_bytes(const struct rte_mbuf *m, void *buf, uint32_t cap)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	const void *p = rte_pktmbuf_read(m, 0, len < cap ? len : cap, buf);

	if (p != buf && p != NULL)
		memcpy(buf, p, len < cap ? len : cap);
	return len;
}
