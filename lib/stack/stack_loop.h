/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The roof's internal calls: the registry that maps lcores to stacks (a
 * memzone, so telemetry callbacks and secondary processes find them
 * without a C global) and the flushes the loop owns. Only lib/stack/ and
 * tests include this; protocol layers stage (core/stack_private.h) and
 * never flush.
 */
#ifndef TERN_STACK_LOOP_H
#define TERN_STACK_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct rte_mbuf;
struct tern_stack;

/* The stack registered for `lcore_id`, or NULL. */
struct tern_stack *stack_registry_get(unsigned int lcore_id);

/* Register `s` for `lcore_id` (NULL unregisters): 0, -EINVAL, -ENOMEM, or
 * -EEXIST when another stack holds the lcore. */
int stack_registry_set(unsigned int lcore_id, struct tern_stack *s);

/* Input of `n` frames received on interface `iface` (stack_input.c):
 * frames another stack owns are steered to it, the rest processed here.
 * `from_peer`: the frames came from another stack's steering ring (owned
 * here; an ARP frame is a copy to learn from, not to answer). */
void stack_rx_burst(struct tern_stack *s, uint16_t iface, struct rte_mbuf **pkts,
		    uint16_t n, bool from_peer);

/* Deliver staged events to the channels' rings (drops counted). */
void stack_events_flush(struct tern_stack *s);

/* Transmit what every real port has staged. */
void stack_tx_flush(struct tern_stack *s);

/* Flush events and frames when a staging area is half full: called by the
 * loop between frames, command bursts and timer batches, so staging never
 * needs to flush (or drop) on its own. */
void stack_flush_if_high(struct tern_stack *s);

/* Listings through the stack's mailbox (stack_stat.c, core/stack_mbox.h).
 * The loop calls stack_mbox_serve() between iterations when a request is
 * pending; tern_stack_free() waits (bounded) for stack_mbox_idle(), so a
 * telemetry request in flight never outlives the stack. */
void stack_mbox_serve(struct tern_stack *s);
bool stack_mbox_idle(struct tern_stack *s);
/* /tern/conns (called by tern_telemetry_register). */
int stack_stat_register(void);

#endif
