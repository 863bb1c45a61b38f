/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The congestion-control algorithm table (indexed by enum tcp_cc_algo)
 * and the RFC 5681 / 6582 / 6928 window arithmetic that NewReno and CUBIC
 * share. Called only through the ops (newreno.c, cubic.c) and by the TCB
 * glue in tcp_cc_view.c; pure functions of the view.
 */
#include <stddef.h>
#include <string.h>

#include "tcp/cc/cc.h"

static const struct tcp_cc_ops *const cc_table[TCP_CC_COUNT] = {
	[TCP_CC_NEWRENO] = &tcp_cc_newreno,
	[TCP_CC_CUBIC] = &tcp_cc_cubic,
};

const struct tcp_cc_ops *
tcp_cc_ops_get(unsigned int algo)
{
	return algo < TCP_CC_COUNT ? cc_table[algo] : NULL;
}

int
tcp_cc_by_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < TCP_CC_COUNT; i++)
		if (strcmp(cc_table[i]->name, name) == 0)
			return (int)i;
	return -1;
}

static uint32_t
min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static uint32_t
max_u32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

uint32_t
tcp_cc_initial_window(uint32_t mss)
{
	return min_u32(TCP_CC_IW_SEGS * mss, max_u32(2 * mss, 14600u));
}

void
tcp_cc_cwnd_add(struct tcp_cc_view *v, uint32_t n)
{
	uint64_t w = (uint64_t)v->cwnd + n;

	v->cwnd = w > TCP_CC_CWND_MAX ? TCP_CC_CWND_MAX : (uint32_t)w;
}

void
tcp_cc_slow_start(struct tcp_cc_view *v, uint32_t acked, uint32_t limit)
{
	tcp_cc_cwnd_add(v, min_u32(acked, limit));
}

void
tcp_cc_reno_dupack(struct tcp_cc_view *v)
{
	tcp_cc_cwnd_add(v, v->mss);
}

void
tcp_cc_reno_partial_ack(struct tcp_cc_view *v, uint32_t acked)
{
	v->cwnd = v->cwnd > acked ? v->cwnd - acked : 0;
	if (acked >= v->mss)
		tcp_cc_cwnd_add(v, v->mss);
	v->cwnd = max_u32(v->cwnd, v->mss);
}

void
tcp_cc_reno_exit_recovery(struct tcp_cc_view *v)
{
	uint64_t w = (uint64_t)max_u32(v->flight, v->mss) + v->mss;

	v->cwnd = w < v->ssthresh ? (uint32_t)w : v->ssthresh;
}

void
tcp_cc_loss_window(struct tcp_cc_view *v)
{
	v->cwnd = v->mss;
}

void
tcp_cc_ecn_window(struct tcp_cc_view *v)
{
	v->cwnd = min_u32(v->cwnd, v->ssthresh);
}

void
tcp_cc_restart_window(struct tcp_cc_view *v)
{
	uint32_t rw = min_u32(tcp_cc_initial_window(v->mss), v->cwnd);

	v->ssthresh = max_u32(v->ssthresh, v->cwnd - v->cwnd / 4);
	v->cwnd = rw;
}
