/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-load's --hgrm FILE: the merged latency histogram written in
 * HdrHistogram's percentile-distribution text format (what wrk2 prints as
 * its "Detailed Percentile spectrum" and what HdrHistogram's plotters
 * read): columns Value (milliseconds), Percentile (0..1), TotalCount (the
 * latencies at or below Value) and 1/(1-Percentile), then the
 * Mean/StdDeviation/Max/Total count/Buckets/SubBuckets footer. main.c
 * calls it once, after load_result_merge.
 *
 * The reporting levels follow HdrHistogram's percentile iteration: a step
 * of 100 / (LOAD_HGRM_TICKS * 2^k) percent while the distance to 100% is
 * between 100 / 2^k and 100 / 2^(k+1), so the tail gets ever finer rows;
 * the last recorded bucket gets one row, then a row at 100% (whose
 * 1/(1-Percentile) is "inf").
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "load.h"

#define LOAD_HGRM_TICKS 5		/* rows per halving of the distance to 100% */
#define LOAD_HGRM_NS_PER_MS 1e6

/* The level after `pct` (percent, < 100). */
static double
hgrm_next_level(double pct)
{
	double half = pow(2.0, floor(log2(100.0 / (100.0 - pct))) + 1.0);

	return pct + 100.0 / (half * LOAD_HGRM_TICKS);
}

static void
hgrm_row(FILE *f, uint64_t value_ns, double pct, uint64_t cum)
{
	double q = pct / 100.0;

	if (q >= 1.0)
		fprintf(f, "%12.3f %12.6f %12" PRIu64 " %12s\n",
			(double)value_ns / LOAD_HGRM_NS_PER_MS, 1.0, cum, "inf");
	else
		fprintf(f, "%12.3f %12.6f %12" PRIu64 " %12.2f\n",
			(double)value_ns / LOAD_HGRM_NS_PER_MS, q, cum, 1.0 / (1.0 - q));
}

/* HdrHistogram's Buckets and SubBuckets for tern-load's range: sub-buckets
 * the power of two >= 2 * 10^digits, buckets the doublings from
 * sub-buckets * 2^floor(log2(lowest)) past the highest value. */
static void
hgrm_geometry(unsigned int *buckets, unsigned int *sub_buckets)
{
	uint64_t sub = 1, need = 2, reach;
	unsigned int b = 1;
	int i;

	for (i = 0; i < LOAD_HIST_DIGITS; i++)
		need *= 10;
	while (sub < need)
		sub <<= 1;
	reach = sub << (63 - __builtin_clzll(LOAD_HIST_LO_NS));
	while (reach <= LOAD_HIST_HI_NS) {
		reach <<= 1;
		b++;
	}
	*buckets = b;
	*sub_buckets = (unsigned int)sub;
}

static void
hgrm_rows(FILE *f, const struct hist *h)
{
	uint64_t total = hist_count(h), v, c, cum = 0, last = 0;
	double level = 0.0;
	size_t cur = 0;

	while (hist_next(h, &cur, &v, &c) == 0) {
		cum += c;
		last = v;
		while (level <= 100.0 * (double)cum / (double)total) {
			hgrm_row(f, v, level, cum);
			level = hgrm_next_level(level);
			if (cum == total)
				break;		/* the last bucket: one row */
		}
	}
	if (total != 0)
		hgrm_row(f, last, 100.0, total);
}

void
load_hgrm_write(FILE *f, const struct hist *h)
{
	unsigned int buckets, sub_buckets;

	hgrm_geometry(&buckets, &sub_buckets);
	fprintf(f, "%12s %12s %12s %12s\n\n", "Value", "Percentile", "TotalCount",
		"1/(1-Percentile)");
	hgrm_rows(f, h);
	fprintf(f, "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n",
		hist_mean(h) / LOAD_HGRM_NS_PER_MS, hist_stddev(h) / LOAD_HGRM_NS_PER_MS);
	fprintf(f, "#[Max     = %12.3f, Total count    = %12" PRIu64 "]\n",
		(double)hist_max(h) / LOAD_HGRM_NS_PER_MS, hist_count(h));
	fprintf(f, "#[Buckets = %12u, SubBuckets     = %12u]\n", buckets, sub_buckets);
}

int
load_report_hgrm(const struct load_result *r, const char *path)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (f == NULL)
		return -1;
	load_hgrm_write(f, r->lat);
	rc = ferror(f) ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}
