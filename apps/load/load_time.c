/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-load's sense of time: the TSC clock every worker reads once per
 * loop iteration (load.h), and the min-heap in which idle connections wait
 * for their due time (load_conn.h; open loop: the intended time of their
 * next request). load_conn.c pushes a connection when it becomes idle;
 * the worker loop (load_worker.c) pops those that are due each iteration.
 */
#include <rte_cycles.h>

#include "load.h"
#include "load_conn.h"

void
load_clock_init(struct load_clock *c)
{
	c->base_tsc = rte_rdtsc();
	c->mult = (uint64_t)((1e9 * 4294967296.0) / (double)rte_get_tsc_hz());
}

uint64_t
load_clock_ns(const struct load_clock *c)
{
	uint64_t d = rte_rdtsc() - c->base_tsc;

	return (uint64_t)(((unsigned __int128)d * c->mult) >> 32);
}

static int
due_less(const struct load_conn *conns, uint32_t a, uint32_t b)
{
	return conns[a].due_ns < conns[b].due_ns;
}

void
load_due_push(struct load_due *h, struct load_conn *conns, uint32_t i, uint64_t due)
{
	uint32_t at = h->n++;

	conns[i].due_ns = due;
	conns[i].in_heap = 1;
	while (at > 0 && due_less(conns, i, h->idx[(at - 1) / 2])) {
		h->idx[at] = h->idx[(at - 1) / 2];
		at = (at - 1) / 2;
	}
	h->idx[at] = i;
}

uint32_t
load_due_pop(struct load_due *h, struct load_conn *conns)
{
	uint32_t top = h->idx[0], last = h->idx[--h->n], at = 0;

	for (;;) {
		uint32_t c = 2 * at + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && due_less(conns, h->idx[c + 1], h->idx[c]))
			c++;
		if (!due_less(conns, h->idx[c], last))
			break;
		h->idx[at] = h->idx[c];
		at = c;
	}
	if (h->n > 0)
		h->idx[at] = last;
	conns[top].in_heap = 0;
	return top;
}
