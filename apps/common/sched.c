/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Open-loop schedule for tern-load: main.c fills a struct sched per run
 * (sched_init); each connection asks sched_due() how many requests it should
 * have started by now and stamps each with sched_intended_ns(). Request k of
 * connection j is request g = k * C + j of the whole run, whose exact time
 * is g * 10^9 / R ns after the start; it is intended at the floor of that.
 * Computing every time from g, never by adding intervals, keeps the
 * schedule free of drift, and consecutive requests of the run are spaced by
 * floor or ceil of 10^9 / R, so connections are spread evenly. Products are
 * done in 128 bits: g * 10^9 passes 2^64 after 1.8 * 10^10 requests (half
 * an hour at 10M req/s); __extension__ keeps -Wpedantic quiet about the
 * GCC/clang type. Results past 2^64 - 1 saturate.
 */
#include <stddef.h>

#include "sched.h"

#define NS_PER_S UINT64_C(1000000000)

int
sched_init(struct sched *s, uint64_t start_ns, uint64_t rate_per_s,
	   uint32_t conns)
{
	if (s == NULL || rate_per_s == 0 || conns == 0)
		return -1;
	s->start_ns = start_ns;
	s->rate_per_s = rate_per_s;
	s->conns = conns;
	return 0;
}

uint64_t
sched_intended_ns(const struct sched *s, uint32_t j, uint64_t k)
{
	__extension__ unsigned __int128 t = k;

	t = (t * s->conns + j) * NS_PER_S / s->rate_per_s + s->start_ns;
	return t > UINT64_MAX ? UINT64_MAX : (uint64_t)t;
}

/*
 * Count of k >= 0 with start + floor(g * 10^9 / R) <= now, g = k * C + j.
 * With t = now - start, floor(x) <= t iff x < t + 1, so the condition is
 * g * 10^9 <= (t + 1) * R - 1, i.e. g <= G = ((t + 1) * R - 1) / 10^9.
 */
uint64_t
sched_due(const struct sched *s, uint32_t j, uint64_t now_ns)
{
	__extension__ unsigned __int128 g_max;

	if (now_ns < s->start_ns)
		return 0;
	g_max = now_ns - s->start_ns;
	g_max = ((g_max + 1) * s->rate_per_s - 1) / NS_PER_S;
	if (g_max < j)
		return 0;
	g_max = (g_max - j) / s->conns + 1;
	return g_max > UINT64_MAX ? UINT64_MAX : (uint64_t)g_max;
}
