/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Open-loop request schedule (wrk2-style, no coordinated omission): a total
 * rate R spread over C connections gives each connection a constant
 * interval C/R; request k of connection j is *intended* at
 *   start + offset_j + k * interval,
 * with offsets spreading connections evenly over one interval. Latency is
 * measured from the intended time, so a stalled server shows in the tail.
 * Integer nanosecond arithmetic, no drift over long runs. Pure C.
 */
#ifndef TERN_APP_SCHED_H
#define TERN_APP_SCHED_H

#include <stdint.h>

struct sched {
	uint64_t start_ns;
	uint64_t rate_per_s;		/* total requests per second, > 0 */
	uint32_t conns;			/* > 0 */
};

/* Fill `s`; returns 0 or -1 (zero rate or connections). */
int sched_init(struct sched *s, uint64_t start_ns, uint64_t rate_per_s, uint32_t conns);

/* Intended send time of request `k` (0-based) on connection `j`. */
uint64_t sched_intended_ns(const struct sched *s, uint32_t j, uint64_t k);

/* Requests connection `j` should have started by `now_ns` (count). */
uint64_t sched_due(const struct sched *s, uint32_t j, uint64_t now_ns);

#endif
