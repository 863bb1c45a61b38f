/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Steering between the stacks of one process (DESIGN 3, "Multi-core"):
 * a frame that arrives on a queue whose lcore does not own its flow is
 * handed to the owner through a single-producer/single-consumer ring per
 * (from, to) pair of queues, and ARP frames are copied to every other
 * stack so each learns the neighbour. The domain (rings, which stack
 * drains which queue) is a memzone shared by the stacks; it is set up by
 * the first stack created over ports with more than one queue and freed
 * with the last. Only lib/stack/ includes this.
 */
#ifndef TERN_STACK_STEER_H
#define TERN_STACK_STEER_H

#include <stdint.h>

struct rte_mbuf;
struct tern_stack;

#define STEER_MAX_QUEUES 64u
#define STEER_RING_SIZE 4096u		/* frames per (from, to) ring */

/* Join (creating if needed) the steering domain of `n_queues` queues as
 * the stack of queue `s->queue_id`. 0, -EINVAL (queue beyond the ports'
 * queues, or a domain of another size exists), -EEXIST (the queue has a
 * stack), -ENOMEM. */
int steer_attach(struct tern_stack *s, uint16_t n_queues);

/* Leave the domain: frames still steered to `s` are freed (counted); the
 * last stack frees the rings. */
void steer_detach(struct tern_stack *s);

/* Hand each of the `n` frames pkts[k] to the stack of queue to[k] (every
 * to[k] < steer_queues(s)): flow_rx_steered, or a counted drop when the
 * ring is full or nobody serves the queue. m->port must name the port a
 * frame arrived on: the owner feeds it to that port's interface. */
void steer_burst(struct tern_stack *s, struct rte_mbuf **pkts, const uint16_t *to,
		 uint16_t n);

/* Copy an ARP frame received on port `port_id` to every other stack
 * (flow_arp_shared). */
void steer_share(struct tern_stack *s, const struct rte_mbuf *m, uint16_t port_id);

/* Queues in the domain of `s` (0 when it has none). */
uint16_t steer_queues(const struct tern_stack *s);

/* Up to `n` frames other stacks handed to `s`, from the ring of queue
 * `from`; returns the count. */
uint16_t steer_take(struct tern_stack *s, uint16_t from, struct rte_mbuf **pkts,
		    uint16_t n);

#endif
