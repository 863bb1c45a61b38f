/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Log-linear latency histogram (HdrHistogram-style): values from 1 us to
 * 60 s recorded with 3 significant decimal digits, O(1) record, fixed
 * memory, mergeable (per-lcore histograms summed at the end), percentiles
 * by rank. Values are in nanoseconds; out-of-range values are clamped to
 * the range and counted. Pure C, no DPDK.
 */
#ifndef TERN_APP_HIST_H
#define TERN_APP_HIST_H

#include <stddef.h>
#include <stdint.h>

struct hist;

/* A histogram covering [lowest_ns, highest_ns] with `digits` significant
 * digits (1..5). NULL on bad arguments or no memory. */
struct hist *hist_create(uint64_t lowest_ns, uint64_t highest_ns, int digits);
void hist_free(struct hist *h);
void hist_reset(struct hist *h);

void hist_record(struct hist *h, uint64_t value_ns);
void hist_record_n(struct hist *h, uint64_t value_ns, uint64_t count);

/* Add every count of `src` into `dst` (same parameters). Returns 0 or -1. */
int hist_merge(struct hist *dst, const struct hist *src);

uint64_t hist_count(const struct hist *h);
uint64_t hist_clamped(const struct hist *h);	/* values outside the range */
uint64_t hist_min(const struct hist *h);
uint64_t hist_max(const struct hist *h);
double hist_mean(const struct hist *h);
double hist_stddev(const struct hist *h);
/* Value at percentile p (0..100], as the highest value equivalent to the
 * bucket holding that rank (like HdrHistogram); 0 when empty. */
uint64_t hist_percentile(const struct hist *h, double p);

/* Iterate the recorded buckets in value order: *cursor starts at 0; returns
 * 0 and fills value/count for the next non-empty bucket, -1 at the end. */
int hist_next(const struct hist *h, size_t *cursor, uint64_t *value_ns,
	      uint64_t *count);

/* The raw form, to save a histogram and load it back exactly (tern-load's
 * JSON and --merge): its parameters, its flat bucket indexes, and the
 * exact min, max and clamped count the buckets cannot tell. */
void hist_params(const struct hist *h, uint64_t *lowest_ns, uint64_t *highest_ns,
		 int *digits);
/* Like hist_next, but gives the bucket's flat index. */
int hist_next_index(const struct hist *h, size_t *cursor, size_t *index, uint64_t *count);
/* Add `count` values to bucket `index`; -1 if there is no such bucket.
 * min and max are left alone: set them with hist_add_extremes. */
int hist_add_index(struct hist *h, size_t index, uint64_t count);
/* Fold in the extremes of values added with hist_add_index, and how many
 * of them were clamped; -1 if min > max or either is out of the range. */
int hist_add_extremes(struct hist *h, uint64_t min_ns, uint64_t max_ns, uint64_t clamped);

#endif
