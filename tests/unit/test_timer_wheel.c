/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for the timing wheel (lib/core/timer_wheel.c); no EAL. A small
 * simulator (struct sim) drives a wheel and keeps a brute-force reference of
 * every entry; each tw_expire() report is checked against it: the entry was
 * armed, is reported once, never before its deadline, at most one tick after
 * it (relative to the previous call), in due-tick order within one call, and
 * an entry armed in the past comes out at the very next call. The `armed`
 * count is compared after every operation. Randomised tests use a fixed seed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>

#include "core/timer_wheel.h"

struct rng {
	uint64_t s;
};

struct sim {
	struct timer_wheel w;
	struct tw_entry *e;
	uint64_t *deadline;
	uint32_t *armed_epoch;		/* epoch in which the entry was armed */
	uint32_t *past_epoch;		/* epoch + 1 if queued in past[] */
	uint32_t *past;			/* armed at or before `now` since last call */
	bool *armed;
	uint32_t n;
	uint32_t n_past;
	uint64_t n_armed;
	uint64_t tick;
	uint64_t origin;		/* start of the tick tw_init was given */
	uint64_t now;			/* time of the last tw_init/tw_expire */
	uint32_t epoch;			/* tw_expire calls so far */
	uint64_t reported;
};

/* splitmix64: small, seedable, good enough for test inputs. */
static uint64_t
rng_next(struct rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t
rng_below(struct rng *r, uint64_t bound)
{
	return bound == 0 ? 0 : rng_next(r) % bound;
}

static bool
before(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) < 0;
}

static struct sim *
sim_new(uint32_t n, uint64_t tick_ns, uint64_t now_ns)
{
	struct sim *s = calloc(1, sizeof(*s));
	uint32_t i;

	assert_non_null(s);
	s->e = calloc(n, sizeof(*s->e));
	s->deadline = calloc(n, sizeof(*s->deadline));
	s->armed_epoch = calloc(n, sizeof(*s->armed_epoch));
	s->past_epoch = calloc(n, sizeof(*s->past_epoch));
	s->past = calloc(n, sizeof(*s->past));
	s->armed = calloc(n, sizeof(*s->armed));
	assert_true(s->e && s->deadline && s->armed_epoch && s->past_epoch &&
		    s->past && s->armed);
	for (i = 0; i < n; i++)
		tw_entry_init(&s->e[i]);
	s->n = n;
	s->tick = tick_ns;
	s->origin = now_ns / tick_ns * tick_ns;
	s->now = now_ns;
	tw_init(&s->w, tick_ns, now_ns);
	assert_int_equal(s->w.armed, 0);
	assert_true(tw_next_deadline(&s->w) == UINT64_MAX);
	return s;
}

static void
sim_free(struct sim *s)
{
	free(s->e);
	free(s->deadline);
	free(s->armed_epoch);
	free(s->past_epoch);
	free(s->past);
	free(s->armed);
	free(s);
}

/* Index of the first tick boundary at or after `d`, relative to origin. */
static int64_t
sim_due_tick(const struct sim *s, uint64_t d)
{
	int64_t delta = (int64_t)(d - s->origin);

	if (delta <= 0)
		return -(int64_t)((uint64_t)-delta / s->tick);
	return (int64_t)(((uint64_t)delta - 1) / s->tick + 1);
}

static void
sim_arm(struct sim *s, uint32_t i, uint64_t d)
{
	tw_arm(&s->w, &s->e[i], d);
	assert_true(tw_is_armed(&s->e[i]));
	if (!s->armed[i])
		s->n_armed++;
	s->armed[i] = true;
	s->deadline[i] = d;
	s->armed_epoch[i] = s->epoch;
	if (!before(s->now, d) && s->past_epoch[i] != s->epoch + 1) {
		s->past_epoch[i] = s->epoch + 1;
		s->past[s->n_past++] = i;
	}
	assert_int_equal(s->w.armed, s->n_armed);
}

static void
sim_cancel(struct sim *s, uint32_t i)
{
	tw_cancel(&s->w, &s->e[i]);
	assert_false(tw_is_armed(&s->e[i]));
	if (s->armed[i])
		s->n_armed--;
	s->armed[i] = false;
	assert_int_equal(s->w.armed, s->n_armed);
}

/*
 * Check one reported entry against the reference; returns its due tick.
 * Entries armed in the past are all due at once, in no particular order.
 */
static int64_t
sim_check_report(struct sim *s, uint64_t t, struct tw_entry *e)
{
	size_t i = (size_t)(e - s->e);

	assert_true(i < s->n);
	assert_true(s->armed[i]);		/* cancelled entries never fire */
	assert_false(tw_is_armed(e));
	assert_true(e->deadline_ns == s->deadline[i]);
	assert_false(before(t, e->deadline_ns));	/* never early */
	/* At most one tick late: the previous call could not report it. */
	assert_true(before(s->now, e->deadline_ns + s->tick) ||
		    s->armed_epoch[i] == s->epoch);
	s->armed[i] = false;
	s->n_armed--;
	if (!before(s->now, e->deadline_ns))
		return sim_due_tick(s, s->now);
	return sim_due_tick(s, e->deadline_ns);
}

static uint32_t
sim_expire(struct sim *s, uint64_t t)
{
	struct tw_list out;
	struct tw_entry *e;
	int64_t last = INT64_MIN;
	uint32_t got = 0;
	uint32_t n;
	uint32_t k;

	tw_list_init(&out);
	n = tw_expire(&s->w, t, &out);
	assert_int_equal(n, out.count);
	while ((e = tw_list_pop(&out)) != NULL) {
		int64_t due = sim_check_report(s, t, e);

		assert_true(due >= last);	/* ordered by due tick */
		last = due;
		got++;
	}
	assert_int_equal(got, n);
	for (k = 0; k < s->n_past; k++) {
		uint32_t i = s->past[k];

		assert_false(s->armed[i] && s->armed_epoch[i] == s->epoch &&
			     !before(s->now, s->deadline[i]));
	}
	s->n_past = 0;
	assert_int_equal(s->w.armed, s->n_armed);
	s->now = t;
	s->epoch++;
	s->reported += n;
	return n;
}

/* tw_next_deadline() against a full scan of the reference. */
static void
sim_check_next(const struct sim *s)
{
	uint64_t nd = tw_next_deadline(&s->w);
	uint64_t best = UINT64_MAX;
	uint32_t i;

	for (i = 0; i < s->n; i++) {
		uint64_t ahead;

		if (!s->armed[i])
			continue;
		ahead = before(s->now, s->deadline[i]) ?
			s->deadline[i] - s->now : 0;
		if (ahead < best)
			best = ahead;
	}
	if (best == UINT64_MAX) {
		assert_true(nd == UINT64_MAX);
		return;
	}
	/* A lower bound, but not a useless one: at most a tick before now. */
	assert_true((int64_t)(nd - s->now) <= (int64_t)best);
	assert_true((int64_t)(nd - s->now) > -(int64_t)s->tick);
}

/* Every entry whose due tick has begun has been reported. */
static void
sim_check_none_due(const struct sim *s)
{
	uint32_t i;

	for (i = 0; i < s->n; i++) {
		uint64_t start;

		if (!s->armed[i])
			continue;
		start = s->origin +
			(uint64_t)sim_due_tick(s, s->deadline[i]) * s->tick;
		assert_true(before(s->now, start));
	}
}

/* Advance in random steps of up to `max_step` ns until nothing is armed. */
static void
sim_drain(struct sim *s, struct rng *r, uint64_t max_step)
{
	uint32_t calls = 0;

	while (s->n_armed != 0) {
		sim_expire(s, s->now + 1 + rng_below(r, max_step));
		assert_true(++calls < 100000000u);
	}
	assert_true(tw_next_deadline(&s->w) == UINT64_MAX);
}

/* Walk deadlines in order: not reported just before, reported at. */
static void
sim_walk_exact(struct sim *s, uint64_t *d, uint32_t n)
{
	uint32_t k;

	for (k = 0; k < n; k++) {
		if (before(s->now, d[k] - 1))
			sim_expire(s, d[k] - 1);
		if (before(s->now, d[k]))
			sim_expire(s, d[k]);
		sim_check_none_due(s);
	}
}

/* Sort times by their distance after `base` (insertion sort: short lists). */
static void
sort_from(uint64_t *d, uint32_t n, uint64_t base)
{
	uint32_t i;
	uint32_t j;

	for (i = 1; i < n; i++) {
		uint64_t v = d[i];

		for (j = i; j > 0 && d[j - 1] - base > v - base; j--)
			d[j] = d[j - 1];
		d[j] = v;
	}
}

static void
test_exact_tick(void **state)
{
	struct sim *s = sim_new(4, 1000, 7000);

	(void)state;
	sim_arm(s, 0, 12000);		/* on a tick boundary */
	sim_arm(s, 1, 12001);		/* just after one */
	sim_arm(s, 2, 7001);		/* later in the current tick */
	assert_int_equal(sim_expire(s, 7999), 0);
	assert_int_equal(sim_expire(s, 8000), 1);
	assert_false(s->armed[2]);
	assert_int_equal(sim_expire(s, 11999), 0);
	assert_int_equal(sim_expire(s, 12000), 1);
	assert_false(s->armed[0]);
	assert_true(s->armed[1]);
	sim_expire(s, 12999);
	sim_expire(s, 13000);
	assert_false(s->armed[1]);
	assert_int_equal(s->w.armed, 0);
	assert_int_equal(sim_expire(s, 1000000), 0);
	sim_free(s);
}

static uint64_t
rand_ahead_ns(struct rng *r, uint64_t tick)
{
	uint64_t c = rng_below(r, 100);

	if (c < 40)
		return rng_below(r, 64 * tick);
	if (c < 70)
		return rng_below(r, 4096 * tick);
	if (c < 90)
		return rng_below(r, (UINT64_C(1) << 24) * tick);
	return rng_below(r, (UINT64_C(1) << 40) * tick);
}

static uint64_t
rand_step_ns(struct rng *r, uint64_t tick)
{
	uint64_t c = rng_below(r, 100);

	if (c < 70)
		return rng_below(r, 2 * tick);
	if (c < 95)
		return rng_below(r, 100 * tick);
	if (c < 99)
		return rng_below(r, (UINT64_C(1) << 18) * tick);
	return rng_below(r, (UINT64_C(1) << 30) * tick);
}

/* One random arm, re-arm (earlier, later or past) or cancel. */
static void
random_op(struct sim *s, struct rng *r)
{
	uint32_t i = (uint32_t)rng_below(r, s->n);
	uint64_t c = rng_below(r, 100);

	if (c < 55)
		sim_arm(s, i, s->now + rand_ahead_ns(r, s->tick));
	else if (c < 65)
		sim_arm(s, i, s->now - rng_below(r, 3 * s->tick));
	else if (c < 80 && s->armed[i] && before(s->now, s->deadline[i]))
		sim_arm(s, i, s->now + (s->deadline[i] - s->now) / 2);
	else
		sim_cancel(s, i);
}

static void
test_random_vs_reference(void **state)
{
	struct rng r = { .s = 0x7e57ab1e };
	struct sim *s = sim_new(100000, 1000, UINT64_C(123456789012345));
	uint32_t round;
	uint32_t i;

	(void)state;
	for (i = 0; i < s->n; i++)
		sim_arm(s, i, s->now + rand_ahead_ns(&r, s->tick));
	sim_check_next(s);
	for (round = 0; round < 4000; round++) {
		uint32_t k;

		for (k = 0; k < 40; k++)
			random_op(s, &r);
		if (round % 128 == 0)
			sim_check_next(s);
		sim_expire(s, s->now + rand_step_ns(&r, s->tick));
		if (round % 128 == 1) {
			sim_check_next(s);
			sim_check_none_due(s);
		}
	}
	assert_true(s->reported > s->n / 2);
	sim_expire(s, s->now + (UINT64_C(1) << 41) * s->tick);
	assert_int_equal(s->n_armed, 0);
	assert_true(tw_next_deadline(&s->w) == UINT64_MAX);
	sim_free(s);
}

static void
test_cancel(void **state)
{
	struct rng r = { .s = 42 };
	struct sim *s = sim_new(20000, 1000, 5000);
	uint32_t i;

	(void)state;
	for (i = 0; i < 4; i++)		/* four in one slot */
		sim_arm(s, i, 20000);
	sim_arm(s, 4, 30000);		/* alone in its slot */
	sim_arm(s, 5, 5000);		/* due slot */
	sim_arm(s, 6, UINT64_C(1) << 40);	/* coarse level */
	sim_cancel(s, 1);		/* middle */
	sim_cancel(s, 3);		/* head (last pushed) */
	sim_cancel(s, 0);		/* tail */
	sim_cancel(s, 4);
	sim_cancel(s, 5);
	sim_cancel(s, 6);
	sim_cancel(s, 6);		/* twice: harmless */
	sim_cancel(s, 7);		/* never armed: harmless */
	sim_check_next(s);
	assert_int_equal(sim_expire(s, 40000), 1);
	assert_false(s->armed[2]);
	assert_true(tw_next_deadline(&s->w) == UINT64_MAX);
	for (i = 0; i < s->n; i++)
		sim_arm(s, i, s->now + rand_ahead_ns(&r, s->tick));
	for (i = 0; i < s->n; i++)
		if (rng_below(&r, 2) != 0)
			sim_cancel(s, i);
	sim_check_next(s);
	sim_expire(s, s->now + (UINT64_C(1) << 41) * s->tick);
	assert_int_equal(s->n_armed, 0);
	assert_true(s->reported > s->n / 4 && s->reported < s->n * 3 / 4);
	sim_free(s);
}

static void
test_rearm(void **state)
{
	struct sim *s = sim_new(2, 1000, 0);
	uint32_t k;

	(void)state;
	sim_arm(s, 0, 100000);
	sim_arm(s, 0, 50000);		/* earlier */
	assert_int_equal(s->w.armed, 1);
	assert_int_equal(sim_expire(s, 49999), 0);
	assert_int_equal(sim_expire(s, 50000), 1);
	sim_arm(s, 0, 60000);		/* after being reported */
	sim_arm(s, 0, 5000000);		/* later, coarser level */
	assert_int_equal(sim_expire(s, 60000), 0);
	assert_int_equal(sim_expire(s, 4999999), 0);
	assert_int_equal(sim_expire(s, 5000000), 1);
	sim_arm(s, 1, UINT64_C(1) << 50);
	sim_arm(s, 1, 6000000);		/* from a coarse level to level 0 */
	assert_int_equal(sim_expire(s, 5999999), 0);
	assert_int_equal(sim_expire(s, 6000000), 1);
	for (k = 0; k < 1000; k++)	/* many moves, one entry */
		sim_arm(s, 0, s->now + 1 + (k * 7919) % 3000000);
	assert_int_equal(s->w.armed, 1);
	sim_arm(s, 1, 7000000);
	sim_arm(s, 1, 10);		/* into the past */
	assert_int_equal(sim_expire(s, s->now), 1);
	assert_false(s->armed[1]);
	sim_expire(s, s->now + 4000000);
	assert_int_equal(s->w.armed, 0);
	sim_free(s);
}

static void
test_past_deadline(void **state)
{
	struct sim *s = sim_new(8, 1000, 1000000);

	(void)state;
	assert_int_equal(sim_expire(s, 1001500), 0);	/* mid-tick */
	sim_arm(s, 0, 1001500);		/* == now */
	sim_arm(s, 1, 1001400);		/* earlier in this tick */
	sim_arm(s, 2, 999999);		/* previous tick */
	sim_arm(s, 3, 1);		/* long ago */
	sim_arm(s, 4, 1001501);		/* future: not yet */
	sim_check_next(s);
	assert_true(tw_next_deadline(&s->w) == 1001500);
	assert_int_equal(sim_expire(s, 1001500), 4);	/* same time */
	assert_true(s->armed[4]);
	sim_arm(s, 5, 1000000);
	/* A clock read that goes backwards still reports what is due. */
	assert_int_equal(sim_expire(s, 1000000), 1);
	assert_false(s->armed[5]);
	assert_int_equal(sim_expire(s, 1002000), 1);
	assert_int_equal(s->w.armed, 0);
	sim_free(s);
}

/* A wheel per deadline start + (64^k + delta) ticks, from many starts. */
static void
boundaries_alone(uint64_t tick, uint64_t start_tick, unsigned int max_k)
{
	unsigned int k;
	int delta;

	for (k = 0; k <= max_k; k++) {
		for (delta = -1; delta <= 1; delta++) {
			uint64_t ticks = (UINT64_C(1) << (6 * k)) + delta;
			struct sim *s;
			uint64_t d;

			if (ticks == 0)
				continue;
			s = sim_new(1, tick, start_tick * tick);
			d = s->now + ticks * tick;
			sim_arm(s, 0, d);
			if (ticks > 64)
				assert_int_equal(sim_expire(s, d - 64 * tick), 0);
			assert_int_equal(sim_expire(s, d - 1), 0);
			assert_int_equal(sim_expire(s, d), 1);
			sim_free(s);
		}
	}
}

/* All boundary deadlines (relative and absolute) in one wheel. */
static void
boundaries_together(uint64_t tick, uint64_t start_tick, unsigned int max_k)
{
	uint64_t d[6 * 12];
	uint32_t n = 0;
	unsigned int k;
	struct sim *s = sim_new(6 * 12, tick, start_tick * tick);
	uint32_t i;

	for (k = 1; k <= max_k; k++) {
		uint64_t span = UINT64_C(1) << (6 * k);
		uint64_t next = (start_tick / span + 1) * span;	/* absolute */
		int delta;

		for (delta = -1; delta <= 1; delta++) {
			d[n++] = (start_tick + span + delta) * tick;
			if (next + delta != start_tick)
				d[n++] = (next + delta) * tick;
		}
	}
	for (i = 0; i < n; i++)
		sim_arm(s, i, d[i]);
	sim_check_next(s);
	sort_from(d, n, s->now);
	sim_walk_exact(s, d, n);
	assert_int_equal(s->n_armed, 0);
	assert_int_equal(s->reported, n);
	sim_free(s);
}

static void
test_cascade_boundaries(void **state)
{
	static const uint64_t starts[] = {
		0, 1, 63, 64, 4095, 262143, (UINT64_C(1) << 42) - 5,
		(UINT64_C(1) << 48) - 2, (UINT64_C(1) << 48) + 1,
		7 * (UINT64_C(1) << 48) - 3, UINT64_C(0x123456789abcd),
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		boundaries_alone(1, starts[i], 9);
		boundaries_alone(1000, starts[i], 8);
		boundaries_together(1, starts[i], 9);
		boundaries_together(1000, starts[i], 8);
	}
	/* Near the end of the tick counter and of the ns clock. */
	boundaries_alone(1, UINT64_MAX - 2, 9);
	boundaries_together(1, UINT64_MAX - 70, 9);
	boundaries_alone(1000, UINT64_MAX / 1000 - 3, 8);
	boundaries_together(1000, UINT64_MAX / 1000 - 5000, 8);
}

static void
test_big_jump(void **state)
{
	const uint64_t hours3_ns = UINT64_C(3) * 3600 * 1000000000;
	struct rng r = { .s = 0xb16 };
	struct sim *s = sim_new(100010, 1000, UINT64_C(777000));
	uint64_t target = s->now + hours3_ns;
	uint32_t i;

	(void)state;
	for (i = 0; i < 100000; i++)
		sim_arm(s, i, s->now + 1 + rng_below(&r, hours3_ns));
	for (; i < s->n; i++)		/* just beyond the jump */
		sim_arm(s, i, target + 1 + rng_below(&r, 10 * s->tick));
	assert_int_equal(sim_expire(s, target), 100000);
	assert_int_equal(s->w.armed, 10);
	sim_check_next(s);
	assert_int_equal(sim_expire(s, target + 11 * s->tick), 10);
	/* Nanosecond ticks, hours of idle: must not walk tick by tick. */
	sim_free(s);
	s = sim_new(3, 1, UINT64_C(1) << 40);
	sim_arm(s, 0, s->now + hours3_ns);
	sim_arm(s, 1, s->now + 2 * hours3_ns);
	sim_arm(s, 2, s->now + (UINT64_C(1) << 61));
	assert_int_equal(sim_expire(s, s->now + hours3_ns - 1), 0);
	assert_int_equal(sim_expire(s, s->now + 1), 1);
	assert_int_equal(sim_expire(s, s->now + hours3_ns * 1000), 1);
	sim_check_next(s);
	assert_int_equal(sim_expire(s, s->now + (UINT64_C(1) << 61)), 1);
	sim_free(s);
}

/* Deadlines beyond the 2^48-tick range are parked and come back. */
static void
test_beyond_range(void **state)
{
	static const uint64_t fixed[] = {
		(UINT64_C(1) << 48) - 1, UINT64_C(1) << 48,
		(UINT64_C(1) << 48) + 1, (UINT64_C(1) << 50) + 3,
		(UINT64_C(1) << 56) + 7, (UINT64_C(1) << 62) + 11,
	};
	uint64_t d[1006];
	struct rng r = { .s = 0xfa7 };
	struct sim *s = sim_new(1006, 1, 5);
	uint32_t i;

	(void)state;
	for (i = 0; i < 6; i++)
		d[i] = s->now + fixed[i];
	for (; i < s->n; i++)
		d[i] = s->now + (UINT64_C(1) << 48) +
			rng_below(&r, UINT64_C(1) << 62);
	for (i = 0; i < s->n; i++)
		sim_arm(s, i, d[i]);
	sim_check_next(s);
	sort_from(d, s->n, s->now);
	sim_walk_exact(s, d, s->n);
	assert_int_equal(s->reported, s->n);
	sim_free(s);
	/* As far ahead as the modular contract allows, from mid-tick. */
	s = sim_new(1, 1000, UINT64_C(1000000500));
	sim_arm(s, 0, s->now + INT64_MAX);
	sim_check_next(s);
	assert_int_equal(sim_expire(s, s->now + 1000), 0);
	assert_int_equal(sim_expire(s, s->now + (UINT64_C(1) << 62)), 0);
	assert_int_equal(sim_expire(s, s->now + (UINT64_C(1) << 62)), 1);
	sim_free(s);
}

static void
wrap_random(uint64_t tick, uint64_t now, uint64_t range_ns, uint64_t seed)
{
	struct rng r = { .s = seed };
	struct sim *s = sim_new(10000, tick, now);
	uint32_t i;

	for (i = 0; i < s->n; i++)
		sim_arm(s, i, s->now + rng_below(&r, range_ns));
	sim_check_next(s);
	sim_drain(s, &r, range_ns / 2000);
	assert_int_equal(s->reported, s->n);
	assert_true(s->now < now);	/* the clock did wrap */
	sim_free(s);
}

static void
test_wraparound(void **state)
{
	uint64_t d[32];
	struct sim *s;
	uint32_t n = 0;
	unsigned int k;

	(void)state;
	wrap_random(1000, UINT64_MAX - 5 * 1000 + 1, UINT64_C(1000000) * 1000,
		    1);
	wrap_random(3, UINT64_MAX - 10, UINT64_C(1) << 30, 2);
	wrap_random(1, UINT64_MAX - 3, UINT64_C(1) << 20, 3);
	/* Tick counter and top level both wrap. */
	s = sim_new(32, 1, UINT64_MAX - 3);
	for (k = 0; k <= 9; k++) {
		int delta;

		for (delta = -1; delta <= 1; delta++)
			if ((UINT64_C(1) << (6 * k)) + delta != 0)
				d[n++] = s->now + (UINT64_C(1) << (6 * k)) + delta;
	}
	d[n++] = s->now + (UINT64_C(1) << 60);
	d[n++] = 5;
	for (k = 0; k < n; k++)
		sim_arm(s, k, d[k]);
	sim_check_next(s);
	sort_from(d, n, s->now);
	sim_walk_exact(s, d, n);
	assert_int_equal(s->reported, n);
	sim_free(s);
}

static void
test_million(void **state)
{
	const uint32_t n = 1000000;
	struct rng r = { .s = 1000000 };
	struct sim *s = sim_new(n, 1000, UINT64_C(1000000000123));
	uint32_t i;

	(void)state;
	for (i = 0; i < n; i++)
		sim_arm(s, i, s->now + rng_below(&r, (UINT64_C(1) << 20) *
						  s->tick));
	assert_int_equal(s->w.armed, n);
	sim_check_next(s);
	sim_drain(s, &r, 300 * s->tick);
	assert_int_equal(s->reported, n);
	/* The same million within one tick's width, reported by one call. */
	for (i = 0; i < n; i++)
		sim_arm(s, i, s->now + 5 * s->tick + i % s->tick);
	assert_int_equal(sim_expire(s, s->now + 7 * s->tick), n);
	assert_int_equal(s->w.armed, 0);
	sim_free(s);
}

static void
test_next_deadline(void **state)
{
	struct sim *s = sim_new(4, 1000, 10000);
	uint64_t nd;

	(void)state;
	assert_true(tw_next_deadline(&s->w) == UINT64_MAX);
	sim_arm(s, 0, 25500);		/* level 0 */
	nd = tw_next_deadline(&s->w);
	assert_true(nd <= 25500 && nd > 25500 - 1000);
	sim_arm(s, 1, 20000000);	/* coarser: bound stays the earliest */
	assert_true(tw_next_deadline(&s->w) == nd);
	sim_cancel(s, 0);
	nd = tw_next_deadline(&s->w);
	assert_true(nd <= 20000000 && nd > 10000);
	sim_check_next(s);
	sim_arm(s, 2, 10000);		/* due now */
	assert_true(tw_next_deadline(&s->w) == 10000);
	assert_int_equal(sim_expire(s, 10000), 1);
	sim_check_next(s);
	assert_int_equal(sim_expire(s, 19000000), 0);
	nd = tw_next_deadline(&s->w);	/* cascaded: tighter now */
	assert_true(nd <= 20000000 && nd > 20000000 - 64 * 1000);
	sim_cancel(s, 1);
	assert_true(tw_next_deadline(&s->w) == UINT64_MAX);
	sim_free(s);
}

static void
test_armed_count(void **state)
{
	struct timer_wheel w;
	struct tw_entry e[3];
	struct tw_list out;
	unsigned int i;

	(void)state;
	for (i = 0; i < 3; i++)
		tw_entry_init(&e[i]);
	tw_init(&w, 100, 0);
	tw_arm(&w, &e[0], 1000);
	tw_arm(&w, &e[0], 2000);	/* re-arm: still one */
	tw_arm(&w, &e[1], 1000);
	assert_int_equal(w.armed, 2);
	tw_cancel(&w, &e[2]);		/* never armed */
	assert_int_equal(w.armed, 2);
	tw_list_init(&out);
	assert_int_equal(tw_expire(&w, 1000, &out), 1);
	assert_int_equal(w.armed, 1);
	/* A handler re-arms while the expired list is being popped. */
	assert_ptr_equal(tw_list_pop(&out), &e[1]);
	tw_arm(&w, &e[1], 1500);
	assert_null(tw_list_pop(&out));
	assert_int_equal(out.count, 0);
	assert_int_equal(w.armed, 2);
	/* Appending to a non-empty list returns only what was appended. */
	assert_int_equal(tw_expire(&w, 1500, &out), 1);
	tw_arm(&w, &e[2], 1400);
	assert_int_equal(tw_expire(&w, 2000, &out), 2);
	assert_int_equal(out.count, 3);
	assert_int_equal(w.armed, 0);
	while (out.count != 0)
		tw_cancel(&w, tw_list_pop(&out));	/* after expiry: no-op */
	assert_int_equal(w.armed, 0);
	assert_true(tw_next_deadline(&w) == UINT64_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_tick),
		cmocka_unit_test(test_random_vs_reference),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_rearm),
		cmocka_unit_test(test_past_deadline),
		cmocka_unit_test(test_cascade_boundaries),
		cmocka_unit_test(test_big_jump),
		cmocka_unit_test(test_beyond_range),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_million),
		cmocka_unit_test(test_next_deadline),
		cmocka_unit_test(test_armed_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
