/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The per-lcore stack. One `struct tern_stack` per lcore owns everything
 * that lcore's traffic touches: interfaces' TX buffers, neighbour cache,
 * UDP sockets, timer wheel, counters, app channels. Nothing is shared
 * between lcores on the data path.
 *
 * Two ways to drive it:
 *  - the ready-made loop: tern_netif_setup() (tern/netif.h) once, then on each lcore
 *    tern_stack_poll() in a loop (rx burst, input, events, commands,
 *    timers, tx burst);
 *  - embedded in an app that owns its own loop and ports: feed frames with
 *    tern_stack_input(), then tern_stack_process(), and collect frames to
 *    send with tern_stack_tx_drain(). The protocol code never touches an
 *    ethdev and never reads the clock: it is given `now`.
 */
#ifndef TERN_STACK_H
#define TERN_STACK_H

#include <stdint.h>

#include <tern/config.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mbuf;
struct rte_mempool;
struct tern_stack;

/** Create the stack of one lcore. A port id that is not a valid ethdev
 *  makes a "virtual" interface (tests, embedding): its MAC is taken from
 *  the config and checksums are done in software.
 *  @param cfg       the configuration (copied; validated)
 *  @param lcore_id  the lcore that will drive the stack
 *  @param queue_id  the RX/TX queue it serves on every interface
 *  @param pool      mbuf pool for frames the stack builds
 *  @return the stack, or NULL with rte_errno set (EINVAL, ENOMEM, EEXIST:
 *  a stack exists for that lcore). */
struct tern_stack *tern_stack_create(const struct tern_config *cfg,
				     unsigned int lcore_id, uint16_t queue_id,
				     struct rte_mempool *pool);

/** Free the stack, its sockets, channels and queued packets.
 *  @param s  the stack (NULL: nothing happens) */
void tern_stack_free(struct tern_stack *s);

/** One iteration of the ready-made loop on the stack's lcore: read the
 *  clock, rx burst on every interface, input, deliver events, drain app
 *  commands, run timers, build TCP output, flush tx.
 *  @param s  the stack
 *  @return the number of packets and commands handled (0 = idle). */
unsigned int tern_stack_poll(struct tern_stack *s);

/** Embedding: process received frames. Replies and TCP state changes
 *  are staged; tern_stack_process() finishes the iteration.
 *  @param s       the stack
 *  @param iface   interface index (position in cfg->iface)
 *  @param pkts    the frames; the stack takes ownership of all of them
 *  @param n       how many
 *  @param now_ns  the current time, the clock tern_stack_now() reads */
void tern_stack_input(struct tern_stack *s, uint16_t iface,
		      struct rte_mbuf **pkts, uint16_t n, uint64_t now_ns);

/** Embedding: the rest of an iteration after tern_stack_input(): deliver
 *  staged events, drain app commands, run timers due at `now_ns`, build
 *  TCP output (new data, retransmissions, ACKs, window updates, probes,
 *  RSTs) and deliver the events that caused. Frames end up staged per
 *  interface for tern_stack_tx_drain() (real ports: flushed to the NIC).
 *  @param s       the stack
 *  @param now_ns  the current time, never earlier than the last call's */
void tern_stack_process(struct tern_stack *s, uint64_t now_ns);

/** Embedding: take the frames waiting for transmission on an interface.
 *  @param s      the stack
 *  @param iface  interface index (position in cfg->iface)
 *  @param out    array of at least `max` pointers
 *  @param max    most frames to take
 *  @return the count moved into `out`; the caller owns them. */
uint16_t tern_stack_tx_drain(struct tern_stack *s, uint16_t iface,
			     struct rte_mbuf **out, uint16_t max);

/** Send a gratuitous ARP for every interface (done once at creation too).
 *  @param s       the stack
 *  @param now_ns  the current time */
void tern_stack_announce(struct tern_stack *s, uint64_t now_ns);

/** The clock tern_stack_poll() reads.
 *  @param s  the stack
 *  @return the current time in ns from the TSC. */
uint64_t tern_stack_now(const struct tern_stack *s);

/** The lcore a stack belongs to.
 *  @param s  the stack
 *  @return its lcore id. */
unsigned int tern_stack_lcore(const struct tern_stack *s);

/** Direction of the frames a capture tap is shown. */
enum tern_tap_dir {
	TERN_TAP_RX,		/**< read from the port's RX queue */
	TERN_TAP_TX,		/**< handed to the port's TX queue */
};

/** A capture tap: called on the stack's lcore with every frame the ready-made
 *  loop reads from a port (before input) and every frame it hands to a port's
 *  TX queue (before the burst, once per frame even when the queue defers
 *  it). The frames still belong to the stack: the tap may read or copy them
 *  (rte_pcapng_copy), never keep, change or free them. TX frames may carry
 *  checksum-offload requests, so their L4 checksum field holds only the
 *  pseudo-header sum. Frames of virtual interfaces (tern_stack_tx_drain)
 *  are not shown. */
typedef void (*tern_tap_fn)(void *arg, uint16_t port_id, uint16_t queue_id,
			    enum tern_tap_dir dir, struct rte_mbuf *const *pkts,
			    uint16_t n);

/** Install (or with `fn` NULL remove) the capture tap of `s`. Call on the
 *  stack's lcore, or before it polls. Off costs one predictable branch per
 *  RX burst and TX flush. */
void tern_stack_set_tap(struct tern_stack *s, tern_tap_fn fn, void *arg);

#ifdef __cplusplus
}
#endif

#endif
