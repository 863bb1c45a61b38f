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

#endif
