/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Creation and release of the per-stack object pools (core/obj_pool.h):
 * called by TCP when the stack builds its connection table
 * (tcp_table_create -> tcp_reass_pool_create, tcp_sack_pool_create) and
 * when it frees it.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_debug.h>
#include <rte_errno.h>

#include "core/obj_pool.h"

struct rte_mempool *
obj_pool_create(const char *kind, unsigned int lcore_id, uint32_t n, uint32_t size,
		int socket)
{
	char name[RTE_MEMPOOL_NAMESIZE];

	if (snprintf(name, sizeof(name), "%s_%u", kind, lcore_id) >= (int)sizeof(name)) {
		rte_errno = ENAMETOOLONG;
		return NULL;
	}
	/* one lcore puts and gets: single-producer/consumer ring, no cache;
	 * nothing is DMAed from these objects */
	return rte_mempool_create(name, n, size, 0, 0, NULL, NULL, NULL, NULL, socket,
				  RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET |
				  RTE_MEMPOOL_F_NO_IOVA_CONTIG);
}

void
obj_pool_free(struct rte_mempool *mp)
{
	if (mp == NULL)
		return;
	RTE_ASSERT(rte_mempool_full(mp));
	rte_mempool_free(mp);
}
