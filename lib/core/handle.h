/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The one codec for the 64-bit handles apps hold: TCP connections
 * (tcp_conn.c), TCP listeners (tcp_user.c) and UDP sockets (udp_sock.c)
 * encode and check theirs here, so a handle names its kind, its lcore, a
 * slot of that kind's table and the slot's generation in one layout:
 *
 *   63      56 55                32 31 30 29                     0
 *   | lcore  |       slot         |type|       generation        |
 *
 * A handle of another kind, another lcore, a slot beyond the table or an
 * older generation of the slot (closed, reused) is refused, never used.
 * The slot sits where apps that index their own per-connection arrays by
 * it expect it ((h >> 32) & 0xffffff). Generations compare modulo 2^30: a
 * stale handle passes only after 2^30 reuses of its slot.
 */
#ifndef TERN_HANDLE_H
#define TERN_HANDLE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_config.h>

enum handle_type {
	HANDLE_TCP_CONN = 0,
	HANDLE_TCP_LISTENER,
	HANDLE_UDP_SOCK,
	HANDLE_TYPE_COUNT
};

#define HANDLE_LCORE_SHIFT 56
#define HANDLE_LCORE_MASK 0xffu
#define HANDLE_SLOT_SHIFT 32
#define HANDLE_SLOT_MASK 0xffffffu	/* also the largest table a kind may have */
#define HANDLE_TYPE_SHIFT 30
#define HANDLE_TYPE_MASK 0x3u
#define HANDLE_GEN_MASK 0x3fffffffu

_Static_assert(HANDLE_TYPE_COUNT <= HANDLE_TYPE_MASK + 1, "type tag is 2 bits");
_Static_assert(RTE_MAX_LCORE <= HANDLE_LCORE_MASK + 1, "lcore id must fit 8 bits");

/* Handle for generation `gen` of `slot` (at most HANDLE_SLOT_MASK) of a
 * `type` table on `lcore`. */
static inline uint64_t
handle_encode(enum handle_type type, unsigned int lcore, uint32_t slot, uint32_t gen)
{
	return (uint64_t)(lcore & HANDLE_LCORE_MASK) << HANDLE_LCORE_SHIFT |
	       (uint64_t)(slot & HANDLE_SLOT_MASK) << HANDLE_SLOT_SHIFT |
	       (uint64_t)type << HANDLE_TYPE_SHIFT | (gen & HANDLE_GEN_MASK);
}

/* The slot `h` names when it is a `type` handle of `lcore` for a table of
 * `n_slots`: true and *slot set, else false. The caller then checks the
 * generation (handle_gen_is) and that the slot is in use. */
static inline bool
handle_decode(uint64_t h, enum handle_type type, unsigned int lcore, uint32_t n_slots,
	      uint32_t *slot)
{
	uint32_t k = (uint32_t)(h >> HANDLE_SLOT_SHIFT) & HANDLE_SLOT_MASK;

	if ((h >> HANDLE_LCORE_SHIFT) != (lcore & HANDLE_LCORE_MASK) ||
	    ((h >> HANDLE_TYPE_SHIFT) & HANDLE_TYPE_MASK) != (uint64_t)type || k >= n_slots)
		return false;
	*slot = k;
	return true;
}

/* Whether `h` was made for generation `gen` of its slot (false: stale). */
static inline bool
handle_gen_is(uint64_t h, uint32_t gen)
{
	return ((uint32_t)h & HANDLE_GEN_MASK) == (gen & HANDLE_GEN_MASK);
}

#endif
