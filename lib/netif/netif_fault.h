/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Fault injection on real ports: a seeded filter between the stack and
 * rte_eth_rx_burst / rte_eth_tx_burst, one per interface, direction and
 * stack (so per port, queue and lcore), configured by `[fault]`
 * (struct tern_fault_conf). netif_rx() and netif_tx_flush() hand their
 * work to it when the interface has one (a NULL pointer test when off);
 * tern_stack_create() attaches the filters, tern_stack_free() detaches
 * them and frees every frame still held. Virtual interfaces never get one
 * (tests/sim has its own link model).
 *
 * A frame goes through, in this order (the same order as tests/sim):
 *   admission:  burst drop -> random drop -> rate limiter (bounded byte
 *               FIFO, tail drop; the frame waits until its last bit has
 *               left at the configured rate)
 *   departure:  duplicate (a copy follows right behind) -> corrupt one bit
 *               (IPv4 frames only, at a byte past the Ethernet header and
 *               within the IP total length) -> reorder (held back for
 *               reorder_pkts later frames or reorder_us, whichever comes
 *               first) -> the output area, from which RX returns frames
 *               and TX transmits
 *
 * Determinism: each filter has its own xorshift64* generator seeded with
 * netif_fault_seed(); a fault with probability 0 draws nothing, any other
 * draws one number per frame (r >> 32) * 1e6 >> 32 < ppm, in the order
 * above; a burst in progress draws its end (geometric lengths) instead of
 * a start; a corrupted frame draws once more for the bit. Time is the
 * stack's now_ns (the loop's clock of the current or, on RX, the previous
 * iteration): the filter never reads a clock.
 *
 * On TX the stack's frames may share payload with the send queue
 * (indirect mbufs), so a duplicate and a frame to corrupt are copies; a
 * copy that asked for checksum offload gets its checksums in software
 * before the bit flips, or the NIC would repair the damage.
 */
#ifndef TERN_NETIF_FAULT_H
#define TERN_NETIF_FAULT_H

#include <stdbool.h>
#include <stdint.h>

#include <tern/config.h>

struct tern_stack;
struct rte_mbuf;
struct netif_fault;

#define NETIF_FAULT_HOLD 16u		/* frames held back for reordering */
#define NETIF_FAULT_OUT 1024u		/* output area (power of two) */

/* True when `c` asks for any fault (the filter is off otherwise). */
bool netif_fault_conf_enabled(const struct tern_fault_conf *c);

/* Seed of the generator of the filter for (port, queue, lcore, direction):
 * splitmix64(seed ^ port << 48 ^ queue << 32 ^ lcore << 8 ^ is_tx), and 1
 * if that is 0. */
uint64_t netif_fault_seed(uint64_t seed, uint16_t port, uint16_t queue,
			  unsigned int lcore, bool is_tx);

/* Create the filters `s->cfg.fault` asks for on every real port of `s`.
 * Returns 0, or -ENOMEM (nothing attached). */
int netif_fault_attach(struct tern_stack *s);

/* Free the filters of `s` and every frame they still hold (counted as
 * fault_flushed). Safe when none are attached. */
void netif_fault_detach(struct tern_stack *s);

/* RX burst on interface `i` through its filter: up to `n` frames. */
uint16_t netif_fault_rx(struct tern_stack *s, uint16_t i, struct rte_mbuf **pkts,
			uint16_t n);

/* TX flush of interface `i` through its filter. Frames the filter has no
 * room for stay staged; frames the queue refuses stay in the filter. */
void netif_fault_tx_flush(struct tern_stack *s, uint16_t i);

/* Frames inside filter `f`: held back, in the rate limiter's queue and
 * waiting in the output area. */
uint32_t netif_fault_held(const struct netif_fault *f);

#endif
