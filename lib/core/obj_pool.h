/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Per-stack pools of fixed-size objects that live and die on the data
 * path (TCP's out-of-order queues and SACK scoreboards): an rte_mempool
 * per stack, used by its lcore alone, so no lock, no shared heap and no
 * per-lcore cache (the in-use count is exact). Their owners (tcp_reass.c,
 * tcp_sack.c) size and create them when the stack's tables are built and
 * free them at teardown, once every object came back; in between they
 * take objects with rte_mempool_get() and give them back with
 * obj_pool_put().
 */
#ifndef TERN_OBJ_POOL_H
#define TERN_OBJ_POOL_H

#include <stdint.h>

#include <rte_mempool.h>

/* A pool of `n` objects of `size` bytes on `socket`, named
 * "<kind>_<lcore_id>" (kind: a short tern_ name). NULL with rte_errno set
 * when it cannot be made. */
struct rte_mempool *obj_pool_create(const char *kind, unsigned int lcore_id, uint32_t n,
				    uint32_t size, int socket);

/* Free a pool (NULL: nothing). Every object must be back (checked in
 * debug builds). */
void obj_pool_free(struct rte_mempool *mp);

/* Objects for `n_users` users of which about one in `div` holds one at a
 * time: n_users / div, at least `min`, never more than n_users. */
static inline uint32_t
obj_pool_size(uint32_t n_users, uint32_t div, uint32_t min)
{
	uint32_t n = n_users / div;

	if (n < min)
		n = min;
	return n < n_users ? n : n_users;
}

/* Give `obj` back to the pool it came from. */
static inline void
obj_pool_put(void *obj)
{
	rte_mempool_put(rte_mempool_from_obj(obj), obj);
}

#endif
