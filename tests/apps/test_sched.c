/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for the open-loop schedule (apps/common/sched.c); no EAL.
 * Intended times are checked against hand-computed values and against a
 * reference that does the same division another way (quotient and
 * remainder in 64 bits): exact at small counts, after 10^9 requests and
 * after ten days at 10M req/s (no drift). Spacing of consecutive requests
 * of the run and of one connection is floor or ceil of the ideal interval.
 * sched_due() is checked at every boundary (one nanosecond before and at
 * an intended time), against brute-force counting, summed over all
 * connections, and for saturation. Rates 1 to 10^7 and 1 to 10^5
 * connections.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "sched.h"

#define NS 1000000000ull
#define START 123456789ull

struct rc {
	uint64_t rate;
	uint32_t conns;
};

static const struct rc configs[] = {
	{ 1, 1 }, { 1, 3 }, { 3, 2 }, { 7, 3 }, { 1000, 1 },
	{ 999983, 1000 }, { 10000000, 1 }, { 10000000, 100000 },
	{ 10000003, 7 }, { 9999999, 64 }, { 1, 100000 },
};

/* start + floor(g * 10^9 / rate), for rate < 1.8 * 10^10. */
static uint64_t
reference_ns(uint64_t start, uint64_t rate, uint64_t g)
{
	return start + g / rate * NS + g % rate * NS / rate;
}

static struct sched
make(uint64_t start, uint64_t rate, uint32_t conns)
{
	struct sched s;

	assert_int_equal(sched_init(&s, start, rate, conns), 0);
	return s;
}

static uint64_t
at(const struct sched *s, uint64_t g)
{
	return sched_intended_ns(s, (uint32_t)(g % s->conns), g / s->conns);
}

static void
test_init_args(void **state)
{
	struct sched s;

	(void)state;
	assert_int_equal(sched_init(&s, 0, 0, 1), -1);
	assert_int_equal(sched_init(&s, 0, 1, 0), -1);
	assert_int_equal(sched_init(NULL, 0, 1, 1), -1);
	assert_int_equal(sched_init(&s, 5, 10, 2), 0);
	assert_int_equal(s.start_ns, 5);
	assert_int_equal(s.rate_per_s, 10);
	assert_int_equal(s.conns, 2);
}

static void
test_exact_times(void **state)
{
	struct sched s;

	(void)state;
	s = make(1000, 3, 2);
	assert_int_equal(sched_intended_ns(&s, 0, 0), 1000);
	assert_int_equal(sched_intended_ns(&s, 1, 0), 1000 + 333333333);
	assert_int_equal(sched_intended_ns(&s, 0, 1), 1000 + 666666666);
	assert_int_equal(sched_intended_ns(&s, 1, 1), 1000 + NS);
	assert_int_equal(sched_intended_ns(&s, 0, 2), 1000 + 1333333333);
	assert_int_equal(sched_intended_ns(&s, 1, 2), 1000 + 1666666666);

	s = make(0, 1, 1);
	assert_int_equal(sched_intended_ns(&s, 0, 0), 0);
	assert_int_equal(sched_intended_ns(&s, 0, 86400), 86400 * NS);
	s = make(START, 1, 3);
	assert_int_equal(sched_intended_ns(&s, 1, 0), START + NS);
	assert_int_equal(sched_intended_ns(&s, 2, 4), START + 14 * NS);

	/* 10M/s over 10^5 connections: 10 ms apart, offsets 100 ns apart */
	s = make(START, 10000000, 100000);
	assert_int_equal(sched_intended_ns(&s, 0, 1), START + 10000000);
	assert_int_equal(sched_intended_ns(&s, 1, 0), START + 100);
	assert_int_equal(sched_intended_ns(&s, 99999, 0), START + 9999900);
	assert_int_equal(sched_intended_ns(&s, 99999, 9), START + 99999900);
	s = make(START, 10000000, 1);
	assert_int_equal(sched_intended_ns(&s, 0, 12345), START + 1234500);
}

/* Consecutive requests of the run, and of one connection, are spaced by
 * floor or ceil of the ideal interval. */
static void
test_even_spreading(void **state)
{
	size_t i;
	uint64_t g;

	(void)state;
	for (i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
		struct sched s = make(START, configs[i].rate, configs[i].conns);
		uint64_t lo = NS / s.rate_per_s;
		uint64_t hi = lo + (NS % s.rate_per_s != 0);
		uint64_t clo = s.conns * NS / s.rate_per_s;
		uint64_t chi = clo + (s.conns * NS % s.rate_per_s != 0);
		uint64_t n = 3 * (uint64_t)s.conns + 20000;

		for (g = 0; g < n; g++) {
			uint64_t d = at(&s, g + 1) - at(&s, g);
			uint64_t dc = at(&s, g + s.conns) - at(&s, g);

			if (d < lo || d > hi || dc < clo || dc > chi)
				fail_msg("rate %llu conns %u g %llu: %llu %llu",
					 (unsigned long long)s.rate_per_s,
					 s.conns, (unsigned long long)g,
					 (unsigned long long)d,
					 (unsigned long long)dc);
		}
	}
}

/* Far into a run the time is still exactly floor(g * 10^9 / rate). */
static void
test_no_drift(void **state)
{
	static const uint64_t gs[] = {
		1000000000ull, 1000000007ull, 8640000000000ull, 8640000000001ull,
		123456789012345ull,
	};
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
		struct sched s = make(START, configs[i].rate, configs[i].conns);

		for (k = 0; k < sizeof(gs) / sizeof(gs[0]); k++) {
			uint64_t want;

			if (gs[k] / s.rate_per_s > 18000000000ull)
				continue;	/* past 2^64 ns */
			want = reference_ns(START, s.rate_per_s, gs[k]);
			assert_int_equal(at(&s, gs[k]), want);
		}
	}
	/* ten days at 10M/s: exactly 10 days after the start */
	{
		struct sched s = make(START, 10000000, 100000);

		assert_int_equal(sched_intended_ns(&s, 0, 86400000ull),
				 START + 864000 * NS);
		assert_int_equal(at(&s, 8640000000000ull), START + 864000 * NS);
	}
}

static void
test_due_boundaries(void **state)
{
	static const uint64_t ks[] = { 0, 1, 2, 9, 1000, 123456, 1000000007 };
	size_t i, a, b;

	(void)state;
	for (i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
		struct sched s = make(START, configs[i].rate, configs[i].conns);
		uint32_t js[3] = { 0, s.conns / 2, s.conns - 1 };

		assert_int_equal(sched_due(&s, 0, START - 1), 0);
		assert_int_equal(sched_due(&s, 0, 0), 0);
		assert_int_equal(sched_due(&s, 0, START), 1);
		for (a = 0; a < 3; a++) {
			for (b = 0; b < sizeof(ks) / sizeof(ks[0]); b++) {
				uint64_t t = sched_intended_ns(&s, js[a], ks[b]);

				if (t == UINT64_MAX)
					continue;	/* saturated */
				assert_int_equal(sched_due(&s, js[a], t), ks[b] + 1);
				if (t > START)
					assert_int_equal(sched_due(&s, js[a], t - 1),
							 ks[b]);
			}
		}
		if ((s.conns - 1) * NS >= s.rate_per_s)
			assert_int_equal(sched_due(&s, s.conns - 1, START), 0);
	}
}

/* Count by walking k, compared at pseudo-random instants. */
static void
test_due_brute_force(void **state)
{
	static const struct rc small[] = {
		{ 3, 2 }, { 7, 3 }, { 1000, 10 }, { 999983, 1000 }, { 1, 1 },
	};
	uint64_t x = 0x2545f4914f6cdd1dull;
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		struct sched s = make(START, small[i].rate, small[i].conns);

		for (n = 0; n < 200; n++) {
			uint64_t now, k = 0, total = 0, want;
			uint32_t j;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			now = START + x % (5 * NS);
			j = (uint32_t)(x >> 40) % s.conns;
			while (sched_intended_ns(&s, j, k) <= now)
				k++;
			assert_int_equal(sched_due(&s, j, now), k);
			for (j = 0; j < s.conns; j++)
				total += sched_due(&s, j, now);
			/* the run as a whole: g with floor(g*1e9/R) <= t */
			want = ((now - START + 1) * s.rate_per_s - 1) / NS + 1;
			assert_int_equal(total, want);
		}
	}
}

static void
test_saturation(void **state)
{
	struct sched s = make(START, 10000000, 100000);
	uint64_t due;

	(void)state;
	assert_true(sched_intended_ns(&s, 0, UINT64_MAX) == UINT64_MAX);
	assert_true(sched_intended_ns(&s, 5, UINT64_MAX / 1000) == UINT64_MAX);
	due = sched_due(&s, 0, UINT64_MAX);
	/* connection 0 sends at START + k * 10 ms */
	assert_int_equal(due, (UINT64_MAX - START) / 10000000 + 1);
	s = make(0, UINT64_MAX, 1);
	assert_true(sched_due(&s, 0, UINT64_MAX) == UINT64_MAX);
	assert_int_equal(sched_intended_ns(&s, 0, 1000000000), 0);
	assert_int_equal(sched_intended_ns(&s, 0, UINT64_MAX), 1000000000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_args),
		cmocka_unit_test(test_exact_times),
		cmocka_unit_test(test_even_spreading),
		cmocka_unit_test(test_no_drift),
		cmocka_unit_test(test_due_boundaries),
		cmocka_unit_test(test_due_brute_force),
		cmocka_unit_test(test_saturation),
	};

	return cmocka_run_group_tests_name("app_sched", tests, NULL, NULL);
}
