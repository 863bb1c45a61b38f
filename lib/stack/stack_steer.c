/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The steering domain (see stack_steer.h): a memzone holding, for up to
 * STEER_MAX_QUEUES queues, which stack serves each queue and one SPSC
 * rte_ring per ordered pair of queues. Producers are the RX path of the
 * queue that received a frame (stack_input.c), consumers the loop of the
 * owner (stack_poll.c). Attach and detach run on the control path (stack
 * create/free), never while another stack of the domain is mid-iteration
 * on that queue pair: the apps create every stack before launching lcores
 * and free them after.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>
#include <rte_ring.h>

#include "core/stack_private.h"
#include "stack/stack_steer.h"

#define STEER_MZ "tern_steer"

struct steer_domain {
	uint16_t n_queues;
	uint16_t n_stacks;
	struct tern_stack *stack[STEER_MAX_QUEUES];	/* who drains queue q */
	struct rte_ring *ring[STEER_MAX_QUEUES][STEER_MAX_QUEUES]; /* [from][to] */
};

static void
domain_free(struct steer_domain *d, const struct rte_memzone *mz)
{
	uint16_t a, b;

	for (a = 0; a < d->n_queues; a++)
		for (b = 0; b < d->n_queues; b++) {
			struct rte_mbuf *m;

			if (d->ring[a][b] == NULL)
				continue;
			while (rte_ring_sc_dequeue(d->ring[a][b], (void **)&m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(d->ring[a][b]);
		}
	rte_memzone_free(mz);
}

static struct steer_domain *
domain_create(uint16_t n_queues)
{
	const struct rte_memzone *mz;
	struct steer_domain *d;
	char name[RTE_RING_NAMESIZE];
	uint16_t a, b;

	mz = rte_memzone_reserve(STEER_MZ, sizeof(*d), SOCKET_ID_ANY, 0);
	if (mz == NULL)
		return NULL;
	d = mz->addr;
	memset(d, 0, sizeof(*d));
	d->n_queues = n_queues;
	for (a = 0; a < n_queues; a++)
		for (b = 0; b < n_queues; b++) {
			if (a == b)
				continue;
			snprintf(name, sizeof(name), "tern_st_%u_%u", a, b);
			d->ring[a][b] = rte_ring_create(name, STEER_RING_SIZE, SOCKET_ID_ANY,
							RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (d->ring[a][b] == NULL) {
				domain_free(d, mz);
				return NULL;
			}
		}
	return d;
}

int
steer_attach(struct tern_stack *s, uint16_t n_queues)
{
	const struct rte_memzone *mz = rte_memzone_lookup(STEER_MZ);
	struct steer_domain *d;

	if (n_queues > STEER_MAX_QUEUES || s->queue_id >= n_queues)
		return -EINVAL;
	d = mz != NULL ? mz->addr : domain_create(n_queues);
	if (d == NULL)
		return -ENOMEM;
	if (d->n_queues != n_queues)
		return -EINVAL;
	if (d->stack[s->queue_id] != NULL)
		return -EEXIST;
	d->stack[s->queue_id] = s;
	d->n_stacks++;
	s->steer = d;
	return 0;
}

void
steer_detach(struct tern_stack *s)
{
	struct steer_domain *d = s->steer;
	struct rte_mbuf *m;
	uint16_t q;

	if (d == NULL)
		return;
	d->stack[s->queue_id] = NULL;
	s->steer = NULL;
	for (q = 0; q < d->n_queues; q++)
		if (d->ring[q][s->queue_id] != NULL)
			while (rte_ring_sc_dequeue(d->ring[q][s->queue_id], (void **)&m) == 0)
				stack_drop(s, m, CTR_FLOW_NO_OWNER);
	if (--d->n_stacks == 0)
		domain_free(d, rte_memzone_lookup(STEER_MZ));
}

void
steer_burst(struct tern_stack *s, struct rte_mbuf **pkts, const uint16_t *to, uint16_t n)
{
	struct steer_domain *d = s->steer;
	struct rte_mbuf *batch[STACK_TXB_SIZE];
	uint16_t q, k;

	/* one burst enqueue per owner: the ring's producer tail, a line the
	 * owner keeps reading, is written once per burst, not per frame */
	for (q = 0; q < d->n_queues; q++) {
		unsigned int nb = 0, sent;

		for (k = 0; k < n; k++)
			if (to[k] == q)
				batch[nb++] = pkts[k];
		if (nb == 0)
			continue;
		if (unlikely(q == s->queue_id || d->stack[q] == NULL)) {
			for (k = 0; k < nb; k++)
				stack_drop(s, batch[k], CTR_FLOW_NO_OWNER);
			continue;
		}
		sent = rte_ring_sp_enqueue_burst(d->ring[s->queue_id][q], (void **)batch, nb,
						 NULL);
		stack_ctr_add(s, CTR_FLOW_RX_STEERED, sent);
		for (k = sent; k < nb; k++)
			stack_drop(s, batch[k], CTR_FLOW_RING_FULL);
	}
}

void
steer_share(struct tern_stack *s, const struct rte_mbuf *m, uint16_t port_id)
{
	struct steer_domain *d = s->steer;
	uint16_t q;

	for (q = 0; q < d->n_queues; q++) {
		struct rte_mbuf *c;

		if (q == s->queue_id || d->stack[q] == NULL)
			continue;
		c = rte_pktmbuf_copy(m, s->pool, 0, UINT32_MAX);
		if (c == NULL) {
			stack_ctr_inc(s, CTR_FLOW_SHARE_NOMBUF);
			continue;
		}
		c->port = port_id;
		if (rte_ring_sp_enqueue(d->ring[s->queue_id][q], c) != 0) {
			stack_drop(s, c, CTR_FLOW_RING_FULL);
			continue;
		}
		stack_ctr_inc(s, CTR_FLOW_ARP_SHARED);
	}
}

uint16_t
steer_take(struct tern_stack *s, uint16_t from, struct rte_mbuf **pkts, uint16_t n)
{
	struct steer_domain *d = s->steer;
	unsigned int got;

	if (from == s->queue_id || from >= d->n_queues)
		return 0;
	got = rte_ring_sc_dequeue_burst(d->ring[from][s->queue_id], (void **)pkts, n, NULL);
	stack_ctr_add(s, CTR_FLOW_RX_FROM_PEER, got);
	return (uint16_t)got;
}

uint16_t
steer_queues(const struct tern_stack *s)
{
	return s->steer == NULL ? 0 : s->steer->n_queues;
}
