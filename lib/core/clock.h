/* SPDX-License-Identifier: BSD-3-Clause
 *
 * TSC to nanoseconds. The conversion factors live in the stack (no global);
 * the loop reads the clock once per iteration and passes `now` down.
 */
#ifndef TERN_CLOCK_H
#define TERN_CLOCK_H

#include <stdint.h>

#include <rte_cycles.h>

/* `read_tsc`, when set, replaces rte_rdtsc() for this clock: a test's
 * scripted TSC, so loop timing (the loop-gap recorder, stack_poll.c) can be
 * asserted without real time. NULL in every real stack. */
typedef uint64_t (*tern_tsc_fn)(void *arg);

struct tern_clock {
	uint64_t hz;
	uint64_t mult;			/* ns = (tsc * mult) >> 32, per chunk */
	uint64_t base_tsc;
	tern_tsc_fn read_tsc;		/* tests only; NULL: rte_rdtsc() */
	void *read_arg;
};

void tern_clock_init(struct tern_clock *c);

/* `d` TSC cycles in ns. Exact for any span: the delta is split so the
 * 64x32 multiply never overflows. */
static inline uint64_t
tern_clock_cycles_ns(const struct tern_clock *c, uint64_t d)
{
	uint64_t hi = d >> 32, lo = d & 0xffffffffu;

	return ((hi * c->mult)) + ((lo * c->mult) >> 32);
}

/* ns since the clock was initialised at TSC reading `tsc`. */
static inline uint64_t
tern_clock_ns_at(const struct tern_clock *c, uint64_t tsc)
{
	return tern_clock_cycles_ns(c, tsc - c->base_tsc);
}

/* The TSC now (the test hook's when one is set). */
static inline uint64_t
tern_clock_tsc(const struct tern_clock *c)
{
	if (__builtin_expect(c->read_tsc != NULL, 0))
		return c->read_tsc(c->read_arg);
	return rte_rdtsc();
}

/* ns since the clock was initialised. */
static inline uint64_t
tern_clock_ns(const struct tern_clock *c)
{
	return tern_clock_ns_at(c, tern_clock_tsc(c));
}

#endif
