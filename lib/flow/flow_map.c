/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The cold half of flow ownership: building a struct flow_map at port
 * setup (single queue, software steering, or the RSS key/RETA/hash types
 * read back from a NIC), the NIC's Toeplitz hash as the RX path needs to
 * reproduce it, and the choice of a local port for active opens and
 * ephemeral binds so that replies come back to the queue that asked. Port
 * setup calls flow_map_init_*() once; the per-frame inline half
 * (flow_owner() and friends) lives in flow_map.h; stacks call
 * flow_port_pick() per connect or bind. No ethdev calls, no clock.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_thash.h>

#include "flow/flow_map.h"

/* Hash types under which a NIC hashes an IPv4 TCP or UDP frame by its two
 * addresses when the frame's L4 type is not enabled. */
#define FLOW_RSS_V4_L3 (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 | \
			RTE_ETH_RSS_NONFRAG_IPV4_OTHER)
#define FLOW_RSS_ONLY (RTE_ETH_RSS_L3_SRC_ONLY | RTE_ETH_RSS_L3_DST_ONLY | \
		       RTE_ETH_RSS_L4_SRC_ONLY | RTE_ETH_RSS_L4_DST_ONLY)

/* Verification key of the Microsoft RSS specification ("Verifying the RSS
 * Hash Calculation"), the default of many NICs. */
static const uint8_t flow_key_ms[FLOW_KEY_LEN_DEFAULT] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
	0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
	0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
	0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
	0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

void
flow_rss_key_default(uint8_t key[FLOW_KEY_LEN_DEFAULT])
{
	memcpy(key, flow_key_ms, sizeof(flow_key_ms));
}

void
flow_reta_spread(uint16_t *reta, uint16_t size, uint16_t n_queues)
{
	uint16_t i;

	for (i = 0; i < size; i++)
		reta[i] = i % n_queues;
}

static void
map_reset(struct flow_map *m, enum flow_mode mode, uint16_t n_queues)
{
	memset(m, 0, sizeof(*m));
	m->mode = mode;
	m->n_queues = n_queues;
	m->eph_lo = FLOW_EPH_LO;
	m->eph_hi = FLOW_EPH_HI;
}

void
flow_map_init_single(struct flow_map *m)
{
	map_reset(m, FLOW_MODE_SINGLE, 1);
	m->reta_size = 1;		/* reta[0] = 0: every hash maps to queue 0 */
}

int
flow_map_init_sw(struct flow_map *m, uint16_t n_queues)
{
	if (n_queues == 0 || n_queues > FLOW_RETA_SW)
		return -EINVAL;
	map_reset(m, FLOW_MODE_SW, n_queues);
	m->reta_size = FLOW_RETA_SW;
	flow_reta_spread(m->reta, m->reta_size, n_queues);
	return 0;
}

/* The NIC hashes t's protocol over addresses and ports. */
static bool
rss_covers_l4(uint64_t rss_hf, uint8_t proto)
{
	if (proto == IPPROTO_TCP)
		return (rss_hf & RTE_ETH_RSS_NONFRAG_IPV4_TCP) != 0;
	if (proto == IPPROTO_UDP)
		return (rss_hf & RTE_ETH_RSS_NONFRAG_IPV4_UDP) != 0;
	return false;
}

/* Every IPv4 TCP and UDP frame gets a hash we can reproduce. */
static bool
rss_hf_is_modelled(uint64_t rss_hf)
{
	if ((rss_hf & FLOW_RSS_ONLY) != 0)
		return false;
	if ((rss_hf & FLOW_RSS_V4_L3) != 0)
		return true;
	return rss_covers_l4(rss_hf, IPPROTO_TCP) && rss_covers_l4(rss_hf, IPPROTO_UDP);
}

static int
reta_check(const uint16_t *reta, uint16_t reta_size, uint16_t n_queues)
{
	uint16_t i;

	if (reta == NULL || !rte_is_power_of_2(reta_size) || reta_size > FLOW_RETA_MAX)
		return -EINVAL;
	for (i = 0; i < reta_size; i++)
		if (reta[i] >= n_queues)
			return -EINVAL;
	return 0;
}

int
flow_map_init_rss(struct flow_map *m, uint16_t n_queues,
		  const uint8_t *key, uint8_t key_len,
		  const uint16_t *reta, uint16_t reta_size, uint64_t rss_hf)
{
	uint32_t key_words[FLOW_KEY_LEN_MAX / 4];
	int rc;

	if (m == NULL || key == NULL || n_queues == 0 ||
	    (key_len != 40 && key_len != FLOW_KEY_LEN_MAX))
		return -EINVAL;
	rc = reta_check(reta, reta_size, n_queues);
	if (rc != 0)
		return rc;
	if (!rss_hf_is_modelled(rss_hf))
		return -ENOTSUP;
	map_reset(m, FLOW_MODE_RSS, n_queues);
	m->key_len = key_len;
	m->rss_hf = rss_hf;
	m->reta_size = reta_size;
	memcpy(m->reta, reta, reta_size * sizeof(*reta));
	memcpy(m->key, key, key_len);
	/* rte_convert_rss_key reads 32-bit words: go through an aligned copy */
	memcpy(key_words, key, key_len);
	rte_convert_rss_key(key_words, (uint32_t *)m->key_be, key_len);
	return 0;
}

int
flow_map_set_ephemeral(struct flow_map *m, uint16_t lo, uint16_t hi)
{
	if (lo == 0 || lo > hi || (uint32_t)hi - lo + 1 < m->n_queues)
		return -EINVAL;
	m->eph_lo = lo;
	m->eph_hi = hi;
	return 0;
}

bool
flow_map_is_steering(const struct flow_map *m)
{
	return m->mode != FLOW_MODE_SINGLE && m->n_queues > 1;
}

/* The Toeplitz input of the Microsoft RSS specification: source address,
 * destination address, source port, destination port, as the NIC sees a
 * received frame (source = remote). */
static void
rss_tuple_of(const struct flow_tuple *t, struct rte_ipv4_tuple *v)
{
	memset(v, 0, sizeof(*v));
	v->src_addr = t->raddr;
	v->dst_addr = t->laddr;
	v->sport = t->rport;
	v->dport = t->lport;
}

uint32_t
flow_hash_rss(const struct flow_map *m, const struct flow_tuple *t)
{
	struct rte_ipv4_tuple v;

	rss_tuple_of(t, &v);
	if (rss_covers_l4(m->rss_hf, t->proto))
		return rte_softrss_be((uint32_t *)&v, RTE_THASH_V4_L4_LEN, m->key_be);
	return rte_softrss_be((uint32_t *)&v, RTE_THASH_V4_L3_LEN, m->key_be);
}

/* ---- local port choice ---- */

static inline uint16_t
port_after(const struct flow_map *m, uint16_t p)
{
	return p >= m->eph_hi ? m->eph_lo : (uint16_t)(p + 1);
}

static inline bool
port_is_free(bool (*in_use)(void *arg, uint16_t port), void *arg, uint16_t p)
{
	return in_use == NULL || !in_use(arg, p);
}

/* Offset into the range where the scan begins: the caller's cursor, or
 * one derived from the tuple so that different peers start apart. */
static uint32_t
scan_start(const struct flow_map *m, const struct flow_tuple *t, uint16_t cursor)
{
	uint32_t n = (uint32_t)m->eph_hi - m->eph_lo + 1;
	struct flow_tuple u = *t;

	if (cursor >= m->eph_lo && cursor <= m->eph_hi)
		return cursor - m->eph_lo;
	u.lport = 0;
	return flow_hash_sw(&u) % n;
}

/* UDP: queue's partition is every n_queues-th port from eph_lo + queue;
 * step through it from the first member at or after `off`. */
static uint16_t
pick_udp(const struct flow_map *m, uint16_t queue, uint32_t off, uint16_t *cursor,
	 bool (*in_use)(void *arg, uint16_t port), void *arg)
{
	uint32_t n = (uint32_t)m->eph_hi - m->eph_lo + 1;
	uint32_t nq = m->n_queues;
	uint32_t members = (n - queue + nq - 1) / nq;
	uint32_t k = off - off % nq + queue;
	uint32_t i;

	if (k < off)
		k += nq;
	if (k >= n)
		k = queue;
	for (i = 0; i < members; i++) {
		uint16_t p = (uint16_t)(m->eph_lo + k);

		if (port_is_free(in_use, arg, p)) {
			*cursor = port_after(m, p);
			return p;
		}
		k += nq;
		if (k >= n)
			k = queue;
	}
	return 0;
}

/* The local port does not take part in the hash (one queue, or RSS by
 * addresses): t's owner is fixed; if it is `queue`, any free port does. */
static uint16_t
pick_fixed(const struct flow_map *m, uint16_t queue, const struct flow_tuple *t,
	   uint32_t off, uint16_t *cursor,
	   bool (*in_use)(void *arg, uint16_t port), void *arg)
{
	uint32_t n = (uint32_t)m->eph_hi - m->eph_lo + 1;
	uint32_t i;

	if (flow_queue_of_hash(m, flow_hash(m, t)) != queue)
		return 0;
	for (i = 0; i < n; i++) {
		uint16_t p = (uint16_t)(m->eph_lo + off);

		if (port_is_free(in_use, arg, p)) {
			*cursor = port_after(m, p);
			return p;
		}
		off = off + 1 == n ? 0 : off + 1;
	}
	return 0;
}

/* The reply's hash with local port p. Toeplitz is linear over GF(2) (an
 * XOR of one key window per set input bit), so in RSS mode the hash of
 * the tuple with lport 0 is computed once and each candidate port adds
 * only its own bits' windows. */
static inline uint32_t
reply_hash(const struct flow_map *m, const struct flow_tuple *t, uint32_t base, uint16_t p)
{
	struct rte_ipv4_tuple v;
	struct flow_tuple u;

	if (m->mode == FLOW_MODE_RSS) {
		memset(&v, 0, sizeof(v));
		v.dport = p;
		return base ^ rte_softrss_be((uint32_t *)&v, RTE_THASH_V4_L4_LEN, m->key_be);
	}
	u = *t;
	u.lport = p;
	return flow_hash_sw(&u);
}

/* TCP (any protocol whose hash covers the port): try ports in order until
 * one both maps to `queue` and is free; about n_queues tries. */
static uint16_t
pick_scan(const struct flow_map *m, uint16_t queue, const struct flow_tuple *t,
	  uint32_t off, uint16_t *cursor,
	  bool (*in_use)(void *arg, uint16_t port), void *arg)
{
	uint32_t n = (uint32_t)m->eph_hi - m->eph_lo + 1;
	struct flow_tuple u = *t;
	uint32_t base = 0;
	uint32_t i;

	if (m->mode == FLOW_MODE_RSS) {
		u.lport = 0;
		base = flow_hash_rss(m, &u);
	}
	for (i = 0; i < n; i++) {
		uint16_t p = (uint16_t)(m->eph_lo + off);

		if (flow_queue_of_hash(m, reply_hash(m, t, base, p)) == queue &&
		    port_is_free(in_use, arg, p)) {
			*cursor = port_after(m, p);
			return p;
		}
		off = off + 1 == n ? 0 : off + 1;
	}
	return 0;
}

uint16_t
flow_port_pick(const struct flow_map *m, uint16_t queue,
	       const struct flow_tuple *t, uint16_t *cursor,
	       bool (*in_use)(void *arg, uint16_t port), void *arg)
{
	uint32_t off;

	if (queue >= m->n_queues)
		return 0;
	off = scan_start(m, t, *cursor);
	if (t->proto == IPPROTO_UDP)
		return pick_udp(m, queue, off, cursor, in_use, arg);
	if (m->n_queues == 1 || (m->mode == FLOW_MODE_RSS && !rss_covers_l4(m->rss_hf, t->proto)))
		return pick_fixed(m, queue, t, off, cursor, in_use, arg);
	return pick_scan(m, queue, t, off, cursor, in_use, arg);
}
