/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for the latency histogram (apps/common/hist.c); no EAL.
 * Percentiles are checked against a sorted copy of the recorded values
 * (nearest rank) for log-uniform random values over six decades and for
 * 1 to 5 significant digits: the histogram reports a value at least the
 * true one and within 10^-digits of it. Also: argument checks, exact
 * min/max, mean and stddev against exact ones, clamping, merge equal to
 * recording everything in one histogram, iteration order and totals,
 * reset, large counts, and the raw form (indexes, extremes) copied back
 * exactly. Random values use a fixed seed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"

#define LOWEST_NS 1000ull		/* 1 us */
#define HIGHEST_NS 60000000000ull	/* 60 s */
#define N_VALUES 200000

static const double percentiles[] = {
	0.001, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 99.999, 100,
};

static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Log-uniform over [lo, lo * 10^decades). */
static uint64_t
rng_log_uniform(uint64_t *s, uint64_t lo, int decades)
{
	double u = (double)(rng_next(s) >> 11) / 9007199254740992.0;

	return (uint64_t)((double)lo * pow(10.0, u * decades));
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t
pow10_u64(int d)
{
	uint64_t v = 1;

	while (d-- > 0)
		v *= 10;
	return v;
}

/* Nearest rank in thousandths of a percent, exact in integers. */
static uint64_t
reference_percentile(const uint64_t *sorted, uint64_t n, double p)
{
	uint64_t milli = (uint64_t)llround(p * 1000.0);
	uint64_t rank = (milli * n + 99999) / 100000;

	if (rank == 0)
		rank = 1;
	return sorted[rank - 1];
}

static void
check_accuracy(uint64_t lowest, uint64_t highest, int digits, uint64_t lo,
	       int decades, uint64_t seed)
{
	uint64_t *v = malloc(N_VALUES * sizeof(*v));
	struct hist *h = hist_create(lowest, highest, digits);
	uint64_t scale = pow10_u64(digits);
	size_t i, k;

	assert_non_null(v);
	assert_non_null(h);
	for (i = 0; i < N_VALUES; i++) {
		v[i] = rng_log_uniform(&seed, lo, decades);
		hist_record(h, v[i]);
	}
	qsort(v, N_VALUES, sizeof(*v), cmp_u64);
	assert_int_equal(hist_count(h), N_VALUES);
	assert_int_equal(hist_clamped(h), 0);
	assert_int_equal(hist_min(h), v[0]);
	assert_int_equal(hist_max(h), v[N_VALUES - 1]);
	for (k = 0; k < sizeof(percentiles) / sizeof(percentiles[0]); k++) {
		uint64_t want = reference_percentile(v, N_VALUES, percentiles[k]);
		uint64_t got = hist_percentile(h, percentiles[k]);

		if (got < want || (got - want) * scale > want)
			fail_msg("digits %d p%g: got %llu want %llu", digits,
				 percentiles[k], (unsigned long long)got,
				 (unsigned long long)want);
	}
	hist_free(h);
	free(v);
}

static void
test_create_args(void **state)
{
	struct hist *h;

	(void)state;
	assert_null(hist_create(LOWEST_NS, HIGHEST_NS, 0));
	assert_null(hist_create(LOWEST_NS, HIGHEST_NS, 6));
	assert_null(hist_create(0, HIGHEST_NS, 3));
	assert_null(hist_create(1000, 1999, 3));
	h = hist_create(1000, 2000, 3);
	assert_non_null(h);
	hist_free(h);
	h = hist_create(1, UINT64_MAX, 3);
	assert_non_null(h);
	hist_record(h, UINT64_MAX);
	assert_true(hist_percentile(h, 50) == UINT64_MAX);
	hist_free(h);
	hist_free(NULL);
}

static void
test_accuracy_digits(void **state)
{
	int d;

	(void)state;
	for (d = 1; d <= 5; d++)
		check_accuracy(LOWEST_NS, HIGHEST_NS, d, LOWEST_NS, 6,
			       0x9e3779b97f4a7c15ull + (uint64_t)d);
}

/* A lowest value above the sub-bucket count: values are scaled down. */
static void
test_accuracy_scaled(void **state)
{
	(void)state;
	check_accuracy(1000000, 1000000000000ull, 3, 1000000, 6, 42);
	check_accuracy(1, 10000000, 2, 1, 6, 43);
	check_accuracy(12345, 987654321000ull, 4, 12345, 6, 44);
}

/* Below 2 * 10^digits (times the unit) every value has its own bucket. */
static void
test_exact_small_values(void **state)
{
	struct hist *h = hist_create(1, 1000000, 3);
	uint64_t v;

	(void)state;
	for (v = 1; v < 2048; v++) {
		hist_reset(h);
		hist_record(h, v);
		assert_int_equal(hist_percentile(h, 50), v);
		assert_true(hist_mean(h) == (double)v);
	}
	hist_free(h);
}

static void
test_min_max_mean(void **state)
{
	struct hist *h = hist_create(LOWEST_NS, HIGHEST_NS, 3);
	uint64_t seed = 7;
	double sum = 0, sq = 0, mean, sd;
	int i;

	(void)state;
	assert_int_equal(hist_count(h), 0);
	assert_int_equal(hist_min(h), 0);
	assert_int_equal(hist_max(h), 0);
	assert_true(hist_mean(h) == 0.0);
	assert_true(hist_stddev(h) == 0.0);
	assert_int_equal(hist_percentile(h, 50), 0);

	hist_record(h, 1500);
	hist_record(h, 2500);
	hist_record(h, 3500000);
	assert_int_equal(hist_min(h), 1500);
	assert_int_equal(hist_max(h), 3500000);
	hist_reset(h);
	for (i = 0; i < 100000; i++) {
		uint64_t v = rng_log_uniform(&seed, 10000, 3);

		hist_record(h, v);
		sum += (double)v;
		sq += (double)v * (double)v;
	}
	mean = sum / 100000;
	sd = sqrt(sq / 100000 - mean * mean);
	assert_true(fabs(hist_mean(h) - mean) <= mean * 1e-3);
	assert_true(fabs(hist_stddev(h) - sd) <= sd * 2e-3);

	hist_reset(h);
	hist_record_n(h, 1500, 1000);		/* exact below 2048 */
	assert_true(hist_stddev(h) == 0.0);
	assert_true(hist_mean(h) == 1500.0);
	hist_free(h);
}

static void
test_clamping(void **state)
{
	struct hist *h = hist_create(1000, 1000000, 3);

	(void)state;
	hist_record(h, 0);
	hist_record(h, 999);
	hist_record_n(h, 1000000000, 3);
	hist_record(h, 1000);
	hist_record(h, 1000000);
	hist_record_n(h, 5, 0);		/* nothing */
	assert_int_equal(hist_count(h), 7);
	assert_int_equal(hist_clamped(h), 5);
	assert_int_equal(hist_min(h), 1000);
	assert_int_equal(hist_max(h), 1000000);
	assert_int_equal(hist_percentile(h, 100), hist_percentile(h, 60));
	assert_true(hist_percentile(h, 100) >= 1000000);
	assert_true(hist_percentile(h, 100) <= 1001000);
	assert_int_equal(hist_percentile(h, 1), 1000);
	hist_reset(h);
	assert_int_equal(hist_clamped(h), 0);
	assert_int_equal(hist_count(h), 0);
	hist_free(h);
}

static void
test_percentile_edges(void **state)
{
	struct hist *h = hist_create(1, 1000000, 3);
	int i;

	(void)state;
	for (i = 1; i <= 1000; i++)
		hist_record(h, (uint64_t)i);
	assert_int_equal(hist_percentile(h, 0), 1);
	assert_int_equal(hist_percentile(h, -5), 1);
	assert_int_equal(hist_percentile(h, 0.1), 1);
	assert_int_equal(hist_percentile(h, 0.2), 2);
	assert_int_equal(hist_percentile(h, 50), 500);
	assert_int_equal(hist_percentile(h, 50.05), 501);
	assert_int_equal(hist_percentile(h, 99.9), 999);
	assert_int_equal(hist_percentile(h, 100), 1000);
	assert_int_equal(hist_percentile(h, 1000), 1000);
	hist_free(h);
}

static void
assert_same(const struct hist *a, const struct hist *b)
{
	size_t ca = 0, cb = 0;
	uint64_t va, vb, na, nb;
	size_t k;

	assert_int_equal(hist_count(a), hist_count(b));
	assert_int_equal(hist_clamped(a), hist_clamped(b));
	assert_int_equal(hist_min(a), hist_min(b));
	assert_int_equal(hist_max(a), hist_max(b));
	assert_true(hist_mean(a) == hist_mean(b));
	for (k = 0; k < sizeof(percentiles) / sizeof(percentiles[0]); k++)
		assert_int_equal(hist_percentile(a, percentiles[k]),
				 hist_percentile(b, percentiles[k]));
	while (hist_next(a, &ca, &va, &na) == 0) {
		assert_int_equal(hist_next(b, &cb, &vb, &nb), 0);
		assert_int_equal(va, vb);
		assert_int_equal(na, nb);
	}
	assert_int_equal(hist_next(b, &cb, &vb, &nb), -1);
}

static void
test_merge(void **state)
{
	struct hist *all = hist_create(LOWEST_NS, HIGHEST_NS, 3);
	struct hist *part[4];
	struct hist *sum = hist_create(LOWEST_NS, HIGHEST_NS, 3);
	struct hist *other = hist_create(LOWEST_NS, HIGHEST_NS, 2);
	uint64_t seed = 99;
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		part[i] = hist_create(LOWEST_NS, HIGHEST_NS, 3);
	for (i = 0; i < 100000; i++) {
		uint64_t v = rng_log_uniform(&seed, 100, 9);	/* some clamp */

		hist_record(all, v);
		hist_record(part[rng_next(&seed) % 4], v);
	}
	for (i = 0; i < 4; i++)
		assert_int_equal(hist_merge(sum, part[i]), 0);
	assert_true(hist_clamped(all) > 0);
	assert_same(sum, all);
	/* merging an empty one changes nothing */
	hist_reset(part[0]);
	assert_int_equal(hist_merge(sum, part[0]), 0);
	assert_same(sum, all);
	assert_int_equal(hist_merge(sum, other), -1);
	hist_free(other);
	other = hist_create(LOWEST_NS, HIGHEST_NS * 2, 3);
	assert_int_equal(hist_merge(sum, other), -1);
	hist_free(other);
	for (i = 0; i < 4; i++)
		hist_free(part[i]);
	hist_free(sum);
	hist_free(all);
}

static void
test_iterate(void **state)
{
	static const uint64_t values[] = {
		1000, 1000, 1001, 2047, 2048, 2049, 2050, 999000, 1000000,
		59999999999ull, 60000000000ull,
	};
	struct hist *h = hist_create(LOWEST_NS, HIGHEST_NS, 3);
	uint64_t v, n, prev = 0, total = 0;
	size_t cursor = 0, i;
	int buckets = 0;

	(void)state;
	assert_int_equal(hist_next(h, &cursor, &v, &n), -1);
	cursor = 0;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		hist_record(h, values[i]);
	while (hist_next(h, &cursor, &v, &n) == 0) {
		assert_true(v > prev);
		prev = v;
		total += n;
		buckets++;
	}
	assert_int_equal(total, hist_count(h));
	/* steps of 1 below 2048; 2048/2049 share a step of 2, 2050 has the
	 * next; 999000 and 1000000 are two steps of 512 apart; the last two
	 * share a step of 2^25 */
	assert_int_equal(buckets, 8);
	assert_int_equal(hist_next(h, &cursor, &v, &n), -1);
	hist_free(h);
}

/* The raw form (tern-load's JSON): indexes and counts, params, extremes
 * copied into a fresh histogram give the same histogram; bad input is
 * refused. */
static void
test_raw_round_trip(void **state)
{
	struct hist *h = hist_create(LOWEST_NS, HIGHEST_NS, 3), *c;
	uint64_t seed = 7, lo, hi, n;
	size_t cursor = 0, idx;
	int i, digits;

	(void)state;
	for (i = 0; i < 50000; i++)
		hist_record(h, rng_log_uniform(&seed, 100, 9));	/* some clamp */
	hist_params(h, &lo, &hi, &digits);
	assert_int_equal(lo, LOWEST_NS);
	assert_int_equal(hi, HIGHEST_NS);
	assert_int_equal(digits, 3);
	c = hist_create(lo, hi, digits);
	while (hist_next_index(h, &cursor, &idx, &n) == 0)
		assert_int_equal(hist_add_index(c, idx, n), 0);
	assert_int_equal(hist_add_extremes(c, hist_min(h), hist_max(h), hist_clamped(h)), 0);
	assert_same(c, h);
	assert_int_equal(hist_add_index(c, (size_t)1 << 40, 1), -1);
	assert_int_equal(hist_add_extremes(c, 5000, 4000, 0), -1);
	assert_int_equal(hist_add_extremes(c, 1, 4000, 0), -1);
	assert_int_equal(hist_add_extremes(c, 1000, HIGHEST_NS + 1, 0), -1);
	assert_same(c, h);
	hist_free(c);
	hist_free(h);
}

static void
test_large_counts(void **state)
{
	struct hist *h = hist_create(LOWEST_NS, HIGHEST_NS, 3);

	(void)state;
	hist_record_n(h, 1500, 1000000000000ull);
	hist_record_n(h, 50000000, 1000000000000ull);
	assert_int_equal(hist_count(h), 2000000000000ull);
	assert_int_equal(hist_percentile(h, 50), 1500);
	assert_true(hist_percentile(h, 50.0001) >= 50000000);
	assert_true(fabs(hist_mean(h) - 25000750.0) < 25000750.0 * 1e-3);
	hist_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_args),
		cmocka_unit_test(test_accuracy_digits),
		cmocka_unit_test(test_accuracy_scaled),
		cmocka_unit_test(test_exact_small_values),
		cmocka_unit_test(test_min_max_mean),
		cmocka_unit_test(test_clamping),
		cmocka_unit_test(test_percentile_edges),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_iterate),
		cmocka_unit_test(test_raw_round_trip),
		cmocka_unit_test(test_large_counts),
	};

	return cmocka_run_group_tests_name("app_hist", tests, NULL, NULL);
}
