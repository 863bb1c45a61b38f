/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Ports for the ready-made loop: configure and start every DPDK port a
 * tern_config names, once per process on the main lcore, before the
 * stacks (tern/stack.h) are created; stop them after the stacks are freed.
 * An app that embeds tern with its own ports (tern_stack_input/
 * tern_stack_tx_drain) does not call these.
 */
#ifndef TERN_NETIF_H
#define TERN_NETIF_H

#include <stdint.h>

#include <tern/config.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mempool;

/** Configure and start every port named in `cfg`. Offload capabilities
 *  (IPv4/UDP/TCP checksum, TSO, RSS) are probed here once per port, and
 *  who owns which flow (RSS or software steering) is decided. Call on the
 *  main lcore after rte_eal_init.
 *  @param cfg        the configuration (its interfaces)
 *  @param nb_queues  RX/TX queue pairs per port: one per lcore that will
 *                    run a stack
 *  @param pool       RX buffers
 *  @return 0 or -errno (message logged). */
int tern_netif_setup(const struct tern_config *cfg, uint16_t nb_queues,
		     struct rte_mempool *pool);

/** Stop and close every port of `cfg` (frees the PMDs' RX mbufs).
 *  @param cfg  the configuration given to tern_netif_setup() */
void tern_netif_teardown(const struct tern_config *cfg);

#ifdef __cplusplus
}
#endif

#endif
