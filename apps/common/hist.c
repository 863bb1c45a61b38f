/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Log-linear latency histogram for tern-load: each lcore records into its
 * own histogram (hist_record, O(1): a clamp, two shifts and a count-leading-
 * zeros), the main lcore merges them (hist_merge) and reports percentiles,
 * mean and stddev, or walks the buckets (hist_next). The value range is cut
 * into power-of-two buckets, each split into linear sub-buckets: with
 * S = 2^s >= 2 * 10^digits sub-buckets, bucket 0 covers scaled values
 * [0, S) in steps of 1 and bucket b >= 1 covers [S/2 * 2^b, S * 2^b) in
 * steps of 2^b, so every step is at most 1/(S/2) <= 10^-digits of the
 * values it holds. Values are first scaled down by 2^unit, the largest
 * power of two that keeps `lowest_ns` in a full-precision part of the
 * range: unlike HdrHistogram, whose lowest value is only "discernible",
 * here the precision holds from lowest_ns up. The flat index of a scaled
 * value v is b * S/2 + (v >> b). One calloc holds the struct and counters.
 * Recorded values outside [lowest, highest] are clamped to it and counted;
 * min and max are the exact (clamped) values, mean and stddev use bucket
 * midpoints, percentiles report the highest value of the bucket.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"

struct hist {
	uint64_t lowest;
	uint64_t highest;
	int digits;
	unsigned int unit_shift;	/* values are scaled by >> unit_shift */
	unsigned int half_shift;	/* log2(S / 2) */
	size_t n_counts;
	uint64_t total;
	uint64_t clamped;
	uint64_t min;			/* UINT64_MAX when empty */
	uint64_t max;
	uint64_t counts[];
};

/* Index of the highest set bit; v != 0. */
static unsigned int
msb(uint64_t v)
{
	return 63u - (unsigned int)__builtin_clzll(v);
}

static size_t
bucket_index(const struct hist *h, uint64_t value)
{
	uint64_t v = value >> h->unit_shift;
	uint64_t sub_mask = (UINT64_C(2) << h->half_shift) - 1;
	unsigned int b = msb(v | sub_mask) - h->half_shift;

	return ((size_t)b << h->half_shift) + (size_t)(v >> b);
}

/* First value of bucket `idx`, and how many values it holds. */
static void
bucket_range(const struct hist *h, size_t idx, uint64_t *low, uint64_t *width)
{
	size_t b = 0;
	uint64_t sub = idx;

	if (idx >> (h->half_shift + 1) != 0) {
		b = (idx >> h->half_shift) - 1;
		sub = idx - (b << h->half_shift);
	}
	*low = (sub << b) << h->unit_shift;
	*width = UINT64_C(1) << (b + h->unit_shift);
}

static uint64_t
bucket_highest(const struct hist *h, size_t idx)
{
	uint64_t low, width;

	bucket_range(h, idx, &low, &width);
	return low + (width - 1);
}

static double
bucket_mid(const struct hist *h, size_t idx)
{
	uint64_t low, width;

	bucket_range(h, idx, &low, &width);
	return (double)low + (double)(width - 1) / 2.0;
}

struct hist *
hist_create(uint64_t lowest_ns, uint64_t highest_ns, int digits)
{
	uint64_t sub_count = 2;
	unsigned int s = 1;
	struct hist probe;
	struct hist *h;
	size_t n;
	int i;

	if (digits < 1 || digits > 5 || lowest_ns == 0 ||
	    highest_ns / 2 < lowest_ns)
		return NULL;
	for (i = 0; i < digits; i++)
		sub_count *= 10;		/* 2 * 10^digits */
	while ((UINT64_C(1) << s) < sub_count)
		s++;
	memset(&probe, 0, sizeof(probe));
	probe.half_shift = s - 1;
	probe.unit_shift = msb(lowest_ns) > s - 1 ? msb(lowest_ns) - (s - 1) : 0;
	n = bucket_index(&probe, highest_ns) + 1;
	h = calloc(1, sizeof(*h) + n * sizeof(h->counts[0]));
	if (h == NULL)
		return NULL;
	*h = probe;
	h->lowest = lowest_ns;
	h->highest = highest_ns;
	h->digits = digits;
	h->n_counts = n;
	h->min = UINT64_MAX;
	return h;
}

void
hist_free(struct hist *h)
{
	free(h);
}

void
hist_reset(struct hist *h)
{
	memset(h->counts, 0, h->n_counts * sizeof(h->counts[0]));
	h->total = 0;
	h->clamped = 0;
	h->min = UINT64_MAX;
	h->max = 0;
}

void
hist_record_n(struct hist *h, uint64_t value_ns, uint64_t count)
{
	if (count == 0)
		return;
	if (value_ns < h->lowest || value_ns > h->highest) {
		value_ns = value_ns < h->lowest ? h->lowest : h->highest;
		h->clamped += count;
	}
	h->counts[bucket_index(h, value_ns)] += count;
	h->total += count;
	if (value_ns < h->min)
		h->min = value_ns;
	if (value_ns > h->max)
		h->max = value_ns;
}

void
hist_record(struct hist *h, uint64_t value_ns)
{
	hist_record_n(h, value_ns, 1);
}

int
hist_merge(struct hist *dst, const struct hist *src)
{
	size_t i;

	if (dst->lowest != src->lowest || dst->highest != src->highest ||
	    dst->digits != src->digits)
		return -1;
	for (i = 0; i < dst->n_counts; i++)
		dst->counts[i] += src->counts[i];
	dst->total += src->total;
	dst->clamped += src->clamped;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	return 0;
}

uint64_t
hist_count(const struct hist *h)
{
	return h->total;
}

uint64_t
hist_clamped(const struct hist *h)
{
	return h->clamped;
}

uint64_t
hist_min(const struct hist *h)
{
	return h->total == 0 ? 0 : h->min;
}

uint64_t
hist_max(const struct hist *h)
{
	return h->max;
}

double
hist_mean(const struct hist *h)
{
	double sum = 0.0;
	size_t i;

	if (h->total == 0)
		return 0.0;
	for (i = 0; i < h->n_counts; i++)
		if (h->counts[i] != 0)
			sum += bucket_mid(h, i) * (double)h->counts[i];
	return sum / (double)h->total;
}

double
hist_stddev(const struct hist *h)
{
	double mean = hist_mean(h);
	double sum = 0.0;
	size_t i;

	if (h->total == 0)
		return 0.0;
	for (i = 0; i < h->n_counts; i++) {
		double d = bucket_mid(h, i) - mean;

		if (h->counts[i] != 0)
			sum += d * d * (double)h->counts[i];
	}
	return sqrt(sum / (double)h->total);
}

/*
 * Nearest rank: the smallest rank r with r >= p/100 * count, at least 1.
 * A product that lands a hair above an integer (99.9 / 100 * 1000) only
 * through rounding is taken as that integer.
 */
static uint64_t
percentile_rank(double p, uint64_t total)
{
	double x = p / 100.0 * (double)total;
	uint64_t r;

	if (!(x > 1.0))
		return 1;
	if (x >= (double)total)
		return total;
	r = (uint64_t)x;
	if ((double)r < x && x - (double)r > x * 1e-12)
		r++;
	return r;
}

uint64_t
hist_percentile(const struct hist *h, double p)
{
	uint64_t rank, seen = 0;
	size_t i;

	if (h->total == 0)
		return 0;
	rank = percentile_rank(p, h->total);
	for (i = 0; i < h->n_counts; i++) {
		seen += h->counts[i];
		if (seen >= rank)
			return bucket_highest(h, i);
	}
	return bucket_highest(h, h->n_counts - 1);
}

int
hist_next(const struct hist *h, size_t *cursor, uint64_t *value_ns,
	  uint64_t *count)
{
	size_t i;

	for (i = *cursor; i < h->n_counts; i++) {
		if (h->counts[i] != 0) {
			*value_ns = bucket_highest(h, i);
			*count = h->counts[i];
			*cursor = i + 1;
			return 0;
		}
	}
	*cursor = h->n_counts;
	return -1;
}

void
hist_params(const struct hist *h, uint64_t *lowest_ns, uint64_t *highest_ns, int *digits)
{
	*lowest_ns = h->lowest;
	*highest_ns = h->highest;
	*digits = h->digits;
}

int
hist_next_index(const struct hist *h, size_t *cursor, size_t *index, uint64_t *count)
{
	uint64_t value;

	if (hist_next(h, cursor, &value, count) != 0)
		return -1;
	*index = *cursor - 1;
	return 0;
}

int
hist_add_index(struct hist *h, size_t index, uint64_t count)
{
	if (index >= h->n_counts)
		return -1;
	h->counts[index] += count;
	h->total += count;
	return 0;
}

int
hist_add_extremes(struct hist *h, uint64_t min_ns, uint64_t max_ns, uint64_t clamped)
{
	if (min_ns > max_ns || min_ns < h->lowest || max_ns > h->highest)
		return -1;
	if (min_ns < h->min)
		h->min = min_ns;
	if (max_ns > h->max)
		h->max = max_ns;
	h->clamped += clamped;
	return 0;
}
