/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Shared by the wire property tests (test_wire_roundtrip.c,
 * test_wire_cksum.c): seeded random streams, one per test (WIRE_SEED=<n>
 * in the environment replays a run), mbuf chains cut at given or random
 * offsets, and random TCP options.
 */
#ifndef TERN_TEST_WIRE_RNG_H
#define TERN_TEST_WIRE_RNG_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "harness.h"

#include "wire/tcp_hdr.h"

#define ROUNDS 20000u			/* random cases per property */

/* splitmix64: tiny, good enough, and the same on every platform. */
struct rng {
	uint64_t s;
};

static inline uint64_t
rng_u64(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint32_t
rng_u32(struct rng *r)
{
	return (uint32_t)(rng_u64(r) >> 32);
}

static inline uint32_t
rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_u64(r) >> 32) * n) >> 32);
}

static inline void
rng_fill(struct rng *r, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)rng_u32(r);
}

static inline uint64_t
base_seed(void)
{
	const char *s = getenv("WIRE_SEED");

	return s != NULL ? strtoull(s, NULL, 0) : 0x7e2e5eedull;
}

/* Each test gets its own stream so tests can run alone or reordered. */
static inline struct rng
rng_for(unsigned int test_id)
{
	struct rng r = { base_seed() ^ ((uint64_t)test_id << 40) };

	rng_u64(&r);
	return r;
}

/* A chain holding `len` bytes cut at the `n` ascending offsets in `cuts`
 * (zero-length segments allowed). */
static inline struct rte_mbuf *
chain_at(const uint8_t *b, uint32_t len, const uint32_t *cuts, unsigned int n)
{
	struct rte_mbuf *head = NULL;
	uint32_t prev = 0;
	unsigned int i;

	for (i = 0; i <= n; i++) {
		uint32_t end = i < n ? cuts[i] : len;
		struct rte_mbuf *m = pkt_from_bytes(b + prev, (uint16_t)(end - prev));

		if (head == NULL)
			head = m;
		else
			assert_int_equal(rte_pktmbuf_chain(head, m), 0);
		prev = end;
	}
	return head;
}

static inline struct rte_mbuf *
chain_random(struct rng *r, const uint8_t *b, uint32_t len)
{
	uint32_t cuts[4];
	unsigned int n = rng_below(r, 5), i, j;

	for (i = 0; i < n; i++)
		cuts[i] = rng_below(r, len + 1);
	for (i = 1; i < n; i++)		/* insertion sort */
		for (j = i; j > 0 && cuts[j - 1] > cuts[j]; j--)
			RTE_SWAP(cuts[j - 1], cuts[j]);
	return chain_at(b, len, cuts, n);
}

/* Random TCP options, with the flags `present`. */
static inline void
rand_opts(struct rng *r, struct tcp_opts *o, unsigned int present)
{
	unsigned int i;

	/* Fields of absent options hold garbage: emit must ignore them. */
	rng_fill(r, o, sizeof(*o));
	o->present = (uint8_t)present;
	o->n_sack = (uint8_t)rng_below(r, TCP_OPT_MAX_SACK + 1);
	for (i = 0; i < TCP_OPT_MAX_SACK; i++) {
		o->sack[i].left = rng_u32(r);
		o->sack[i].right = rng_u32(r);
	}
}

#endif
