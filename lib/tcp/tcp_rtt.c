/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Round-trip time estimation and the retransmission timeout (RFC 6298).
 * Input feeds one sample per ACK that covers a timed segment (Karn's
 * algorithm: never a retransmitted one) or per timestamp echo, through
 * tcp_rtt_sample(); the timers and output read the timeout through
 * tcp_rto_ns(), which applies the exponential backoff (5.5) and clamps to
 * [tcp_rto_min_ms, tcp_rto_max_ms]. The clock granularity G of 2.2/2.3 is
 * the timer wheel's tick. Estimates are kept in microseconds.
 */
#include "tcp/tcp_private.h"

/* Gains of RFC 6298 2.3 as shifts: alpha = 1/8, beta = 1/4. */
#define RTT_ALPHA_SHIFT 3u
#define RTT_BETA_SHIFT 2u
#define RTT_K 4u

static uint64_t
rto_clamp(const struct tern_stack *s, uint64_t rto_ns)
{
	uint64_t lo = (uint64_t)s->cfg.tcp_rto_min_ms * NS_PER_MS;
	uint64_t hi = (uint64_t)s->cfg.tcp_rto_max_ms * NS_PER_MS;

	if (rto_ns < lo)
		rto_ns = lo;
	if (rto_ns > hi)
		rto_ns = hi;
	return rto_ns;
}

void
tcp_rtt_sample(struct tern_stack *s, struct tcb *tcb, uint64_t rtt_ns)
{
	uint64_t r_us = rtt_ns / NS_PER_US;
	uint64_t var_ns, g_ns = s->cfg.timer_tick_ns;

	if (r_us == 0)
		r_us = 1;
	if (r_us > UINT32_MAX / 2)
		r_us = UINT32_MAX / 2;
	if (tcb->rtt.srtt_us == 0) {
		/* 2.2: first measurement */
		tcb->rtt.srtt_us = (uint32_t)r_us;
		tcb->rtt.rttvar_us = (uint32_t)(r_us / 2);
	} else {
		/* 2.3: RTTVAR first, with the old SRTT */
		uint32_t srtt = tcb->rtt.srtt_us;
		uint32_t err = srtt > r_us ? srtt - (uint32_t)r_us : (uint32_t)r_us - srtt;

		tcb->rtt.rttvar_us = tcb->rtt.rttvar_us -
			(tcb->rtt.rttvar_us >> RTT_BETA_SHIFT) + (err >> RTT_BETA_SHIFT);
		tcb->rtt.srtt_us = srtt - (srtt >> RTT_ALPHA_SHIFT) +
			(uint32_t)(r_us >> RTT_ALPHA_SHIFT);
		if (tcb->rtt.srtt_us == 0)
			tcb->rtt.srtt_us = 1;
	}
	var_ns = (uint64_t)RTT_K * tcb->rtt.rttvar_us * NS_PER_US;
	tcb->rto_ns = rto_clamp(s, (uint64_t)tcb->rtt.srtt_us * NS_PER_US +
				RTE_MAX(g_ns, var_ns));
}

uint64_t
tcp_rto_ns(const struct tern_stack *s, const struct tcb *tcb)
{
	uint64_t hi = (uint64_t)s->cfg.tcp_rto_max_ms * NS_PER_MS;
	uint64_t rto = tcb->rto_ns;
	uint16_t i;

	if (rto == 0)
		rto = (uint64_t)s->cfg.tcp_rto_init_ms * NS_PER_MS;
	rto = rto_clamp(s, rto);
	/* 5.5: double per expiry; stop once the ceiling is reached */
	for (i = 0; i < tcb->backoff && rto < hi; i++)
		rto <<= 1;
	return rto > hi ? hi : rto;
}
