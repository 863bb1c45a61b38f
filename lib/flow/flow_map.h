/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Who owns a flow. tern runs one stack per lcore and stack q serves RX/TX
 * queue q of every port; a struct flow_map, built once per port at setup
 * and read-only afterwards (shared by every lcore, no locks), says which
 * queue owns an IPv4 TCP/UDP 4-tuple. Three modes: SINGLE (one queue),
 * SW (the NIC delivers anywhere and the stacks steer by a symmetric
 * software hash through a round-robin RETA) and RSS (the NIC's Toeplitz
 * hash and RETA as programmed and read back, reproduced bit for bit).
 * Tuples are always seen in the RX direction (src = remote, dst = local),
 * host byte order. Port setup calls one flow_map_init_*(); the RX path
 * calls flow_owner() (or flow_hash() + flow_queue_of_hash()) per frame;
 * active opens and ephemeral binds call flow_port_pick() so that replies
 * come back to the queue that sent. Pure code: no ethdev calls, no clock.
 */
#ifndef TERN_FLOW_MAP_H
#define TERN_FLOW_MAP_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include <rte_common.h>
#include <rte_hash_crc.h>

#define FLOW_RETA_MAX 512		/* largest RETA modelled (entries) */
#define FLOW_RETA_SW 128		/* RETA size of SW mode */
#define FLOW_KEY_LEN_MAX 52		/* longest Toeplitz key (bytes) */
#define FLOW_KEY_LEN_DEFAULT 40		/* flow_rss_key_default() */
#define FLOW_EPH_LO 49152		/* RFC 6335 section 6: dynamic ports */
#define FLOW_EPH_HI 65535
#define FLOW_HASH_SEED 0x6d5a56dau	/* CRC32C initial value (any non-zero) */

enum flow_mode {
	FLOW_MODE_SINGLE = 0,		/* one queue owns everything */
	FLOW_MODE_SW,			/* software hash, software steering */
	FLOW_MODE_RSS,			/* the NIC's Toeplitz hash and RETA */
	FLOW_MODE_COUNT
};

/* A frame's 4-tuple as received: src = remote, dst = local. Host order. */
struct flow_tuple {
	uint32_t raddr;
	uint32_t laddr;
	uint16_t rport;
	uint16_t lport;
	uint8_t proto;			/* IPPROTO_TCP or IPPROTO_UDP */
};

/* One port's decision, read-only after flow_map_init_*(). */
struct flow_map {
	uint8_t mode;			/* enum flow_mode */
	uint8_t key_len;		/* 40 or 52 in RSS mode, else 0 */
	uint16_t n_queues;
	uint16_t reta_size;		/* power of two, <= FLOW_RETA_MAX */
	uint16_t eph_lo, eph_hi;	/* ephemeral port range */
	uint64_t rss_hf;		/* RTE_ETH_RSS_* the NIC hashes with (RSS) */
	uint8_t key[FLOW_KEY_LEN_MAX];	/* Toeplitz key as programmed into the NIC */
	uint8_t key_be[FLOW_KEY_LEN_MAX] __rte_aligned(4);
					/* rte_convert_rss_key() form */
	uint16_t reta[FLOW_RETA_MAX];	/* RETA entry -> queue */
};

/**
 * One queue owns every flow: mode SINGLE, n_queues 1, a one-entry RETA
 * holding queue 0, default ephemeral range. flow_hash() is the symmetric
 * software hash (useful as a table signature). Cannot fail.
 */
void flow_map_init_single(struct flow_map *m);

/**
 * Software steering over `n_queues` queues: a FLOW_RETA_SW-entry RETA
 * spread round-robin (flow_reta_spread), indexed by the symmetric software
 * hash. Frames may arrive at any queue (flow_map_is_steering() is true
 * when n_queues > 1); the RX path hands foreign ones to their owner.
 *
 * @return 0, or -EINVAL when n_queues is 0 or above FLOW_RETA_SW (a queue
 *   beyond the RETA could never own a flow).
 */
int flow_map_init_sw(struct flow_map *m, uint16_t n_queues);

/**
 * What a NIC doing RSS was programmed with (and read back): the Toeplitz
 * `key`, the RETA and the hash types. flow_hash() then reproduces the
 * NIC's hash (Microsoft RSS specification: Toeplitz over src addr, dst
 * addr, src port, dst port).
 *
 * Every IPv4 TCP and UDP frame must be hashed by the NIC under `rss_hf`:
 * either the L4 type of its protocol (RTE_ETH_RSS_NONFRAG_IPV4_TCP/_UDP)
 * or an L3 IPv4 type (RTE_ETH_RSS_IPV4, _FRAG_IPV4, _NONFRAG_IPV4_OTHER),
 * which flow_hash() models as a hash over the two addresses only, the
 * fallback of NICs that hash a TCP/UDP frame by its addresses when its L4
 * type is off (ixgbe, mlx5). Check your PMD before relying on it.
 *
 * @param key_len 40 or 52.
 * @param reta    reta_size entries, each < n_queues. A queue that appears
 *                in no entry receives no RSS traffic and
 *                flow_port_pick() finds no TCP port for it.
 * @param reta_size a power of two, 1..FLOW_RETA_MAX.
 * @return 0; -EINVAL on a NULL pointer, n_queues 0, a bad key_len or
 *   reta_size, or an entry >= n_queues; -ENOTSUP when rss_hf leaves TCP
 *   or UDP over IPv4 unhashed or asks for src/dst-only hashing
 *   (RTE_ETH_RSS_L3_SRC_ONLY etc., not modelled).
 */
int flow_map_init_rss(struct flow_map *m, uint16_t n_queues,
		      const uint8_t *key, uint8_t key_len,
		      const uint16_t *reta, uint16_t reta_size, uint64_t rss_hf);

/**
 * Replace the ephemeral port range [lo, hi] (after flow_map_init_*).
 *
 * @return 0, or -EINVAL when lo is 0, lo > hi, or the range holds fewer
 *   ports than there are queues (each queue needs a UDP partition).
 */
int flow_map_set_ephemeral(struct flow_map *m, uint16_t lo, uint16_t hi);

/** Write the default 40-byte Toeplitz key into `key`: the key of the
 *  Microsoft RSS verification suite, which many NICs use by default. It
 *  is not symmetric (a flow and its reverse hash differently). */
void flow_rss_key_default(uint8_t key[FLOW_KEY_LEN_DEFAULT]);

/** Fill `reta` (size entries) round-robin with queues 0..n_queues-1.
 *  n_queues must be > 0. */
void flow_reta_spread(uint16_t *reta, uint16_t size, uint16_t n_queues);

/** True when frames may arrive at a queue that does not own them, so the
 *  RX path must check flow_owner() and hand foreign frames over: SW mode,
 *  and RSS mode too (UDP replies to ephemeral ports are owned by port
 *  partition, not by the NIC's hash, and an active open may fall back to
 *  a port whose replies the NIC sends elsewhere), both with more than one
 *  queue. */
bool flow_map_is_steering(const struct flow_map *m);

/**
 * The symmetric software hash: the same value for a tuple and for its
 * reverse (raddr,rport swapped with laddr,lport). The two (addr, port)
 * endpoints are put in order, then CRC32C runs over two 64-bit words, the
 * two addresses and then the two ports with the protocol. A CRC maps
 * inputs that differ in one 32-bit window to different values (it detects
 * every burst of up to 32 bits), so flows between the same two addresses
 * never collide, however many ports they use; an XOR of the fields would
 * collapse exactly there. Also fit as an rte_hash signature.
 */
static inline uint32_t
flow_hash_sw(const struct flow_tuple *t)
{
	uint64_t a = (uint64_t)t->raddr << 16 | t->rport;
	uint64_t b = (uint64_t)t->laddr << 16 | t->lport;
	uint64_t lo = RTE_MIN(a, b);
	uint64_t hi = RTE_MAX(a, b);
	uint64_t addrs = (lo >> 16) << 32 | hi >> 16;
	uint64_t ports = (lo & 0xffff) << 16 | (hi & 0xffff) | (uint64_t)t->proto << 32;

	return rte_hash_crc_8byte(ports, rte_hash_crc_8byte(addrs, FLOW_HASH_SEED));
}

/** The NIC's Toeplitz hash of `t` under m's key and rss_hf (RSS mode):
 *  over both addresses and ports when rss_hf covers t's protocol in L4,
 *  else over the two addresses only. */
uint32_t flow_hash_rss(const struct flow_map *m, const struct flow_tuple *t);

/** The hash that decides t's queue: flow_hash_rss() in RSS mode, else
 *  flow_hash_sw(). */
static inline uint32_t
flow_hash(const struct flow_map *m, const struct flow_tuple *t)
{
	if (m->mode == FLOW_MODE_RSS)
		return flow_hash_rss(m, t);
	return flow_hash_sw(t);
}

/** The queue the RETA gives `hash` (as the NIC indexes it: low bits).
 *  Always 0 in SINGLE mode. */
static inline uint16_t
flow_queue_of_hash(const struct flow_map *m, uint32_t hash)
{
	return m->reta[hash & (m->reta_size - 1u)];
}

/** True when t is UDP to a local ephemeral port: replies to an unconnected
 *  socket come from anyone, so such flows are owned by port partition. */
static inline bool
flow_is_udp_ephemeral(const struct flow_map *m, const struct flow_tuple *t)
{
	return t->proto == IPPROTO_UDP && t->lport >= m->eph_lo && t->lport <= m->eph_hi;
}

/**
 * The queue that owns `t`, and its flow_hash() in *hash (when `hash` is
 * not NULL). UDP to a local
 * ephemeral port p belongs to (p - eph_lo) % n_queues; everything else to
 * flow_queue_of_hash(flow_hash()). Any lcore, any time after init.
 */
static inline uint16_t
flow_owner(const struct flow_map *m, const struct flow_tuple *t, uint32_t *hash)
{
	uint32_t h = flow_hash(m, t);

	if (hash != NULL)
		*hash = h;
	if (flow_is_udp_ephemeral(m, t))
		return (uint16_t)((t->lport - m->eph_lo) % m->n_queues);
	return flow_queue_of_hash(m, h);
}

/**
 * A local port for an active open (TCP) or an ephemeral bind (UDP) from
 * `queue` towards t's remote end, such that replies are owned by `queue`.
 * Scans the ephemeral range from *cursor, wrapping, for the first port p
 * that in_use() does not reject and whose reply tuple (t with lport = p)
 * has flow_owner() == queue; *cursor is left just after p. UDP jumps
 * straight to queue's partition; TCP expects about n_queues tries.
 *
 * A cursor outside the range starts at a point derived from the tuple
 * (the caller may store a random one instead). When the port cannot
 * change the queue (one queue; RSS hashing t's protocol by addresses
 * only) the first free port is returned if the reply is queue's, else 0
 * at once: the caller then takes any free port itself and the replies,
 * landing on another queue, are steered in software.
 *
 * @param t      the reply tuple; t->lport is ignored.
 * @param cursor in/out scan position (per caller, e.g. per stack).
 * @param in_use true when `port` is taken (a socket is bound to it, or the
 *               4-tuple it would make exists); called with `arg`. May be
 *               NULL: no port is taken.
 * @return the port, or 0 when a whole cycle finds none (all taken, or no
 *   port of the range makes `queue` the owner).
 */
uint16_t flow_port_pick(const struct flow_map *m, uint16_t queue,
			const struct flow_tuple *t, uint16_t *cursor,
			bool (*in_use)(void *arg, uint16_t port), void *arg);

#endif
