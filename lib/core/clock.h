/* SPDX-License-Identifier: BSD-3-Clause
 *
 * TSC to nanoseconds. The conversion factors live in the stack (no global);
 * the loop reads the clock once per iteration and passes `now` down.
 */
#ifndef TERN_CLOCK_H
#define TERN_CLOCK_H

#include <stdint.h>

#include <rte_cycles.h>

struct tern_clock {
	uint64_t hz;
	uint64_t mult;			/* ns = (tsc * mult) >> 32, per chunk */
	uint64_t base_tsc;
};

void tern_clock_init(struct tern_clock *c);

/* ns since the clock was initialised at TSC reading `tsc`. Exact for any
 * uptime: the TSC delta is split so the 64x32 multiply never overflows. */
static inline uint64_t
tern_clock_ns_at(const struct tern_clock *c, uint64_t tsc)
{
	uint64_t d = tsc - c->base_tsc;
	uint64_t hi = d >> 32, lo = d & 0xffffffffu;

	return ((hi * c->mult)) + ((lo * c->mult) >> 32);
}

/* ns since the clock was initialised. */
static inline uint64_t
tern_clock_ns(const struct tern_clock *c)
{
	return tern_clock_ns_at(c, rte_rdtsc());
}

#endif
