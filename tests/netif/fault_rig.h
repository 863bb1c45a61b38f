/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The rig of the fault injection tests (test_fault.c): a stack on a
 * net_ring port whose RX ring the test fills and whose TX ring it reads,
 * ICMP echo requests that carry a 32-bit sequence number, and runs of
 * them through netif_rx or netif_tx_flush with the sequence numbers that
 * came out. fault_rig.c builds it.
 */
#ifndef TERN_TEST_FAULT_RIG_H
#define TERN_TEST_FAULT_RIG_H

#include <stdint.h>

#include <rte_ring.h>

#include "harness.h"
#include "core/stack_private.h"
#include "netif/netif_fault.h"

#define BATCH 128u
#define SEQ_OFF (14u + 20u + 8u)	/* ICMP payload: our sequence number */

struct rig {
	struct rte_ring *rx;		/* the port receives what we put here */
	struct rte_ring *tx;		/* and transmits into this one */
	int port;
	struct tern_config cfg;
	struct tern_stack *s;
};

void rig_up(struct rig *r, const struct tern_fault_conf *fc);
void rig_down(struct rig *r);
/* tern_config_defaults()'s fault configuration with a fixed seed. */
struct tern_fault_conf fault_conf(void);
struct rte_mbuf *mk(const struct rig *r, uint32_t seq, uint16_t extra);
uint32_t seq_of(const struct rte_mbuf *m);
uint32_t rx_drain(struct rig *r, uint32_t *seqs, uint32_t cap);
uint32_t run_rx(struct rig *r, uint32_t n, uint32_t *seqs, uint32_t cap);
/* What the port transmitted; sequence numbers into seqs[]. */
uint32_t tx_ring_take(struct rig *r, uint32_t *seqs, uint32_t cap);
uint32_t run_tx(struct rig *r, uint32_t n, uint32_t *seqs, uint32_t cap);

static inline uint64_t
ctr(const struct rig *r, unsigned int id)
{
	return r->s->ctr[id];
}

#endif
