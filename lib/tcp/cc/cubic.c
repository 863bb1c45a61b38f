/* SPDX-License-Identifier: BSD-3-Clause
 *
 * CUBIC (RFC 9438) in integer arithmetic. In congestion avoidance the
 * window follows W_cubic(t) = C*(t - K)^3 + W_max (eq. 1, C = 0.4
 * segments/s^3, t from the start of the congestion-avoidance stage, from
 * the view's `now`), aiming per ACK at W_cubic(t + RTT) but never more
 * than 1.5 cwnd per RTT (4.4), and at least at the Reno-friendly estimate
 * W_est (4.3, alpha = 3(1 - beta)/(1 + beta) until W_est reaches the
 * window of the last loss, then 1). A loss multiplies by beta = 0.7
 * (4.6; so does an ECN-Echo, with cwnd = ssthresh at once) and
 * remembers W_max, lowered by fast convergence when the window had not
 * regained the previous W_max (4.7); after a timeout the
 * first stage restarts from K = 0 and W_max = cwnd_epoch (4.8). Slow
 * start, fast-recovery inflation, partial ACKs and leaving recovery are
 * Reno's (cc_common.c). Times are milliseconds, windows bytes; K^3 is computed
 * in ms^3 and rooted by digit-by-digit integer cube root, so the data
 * path needs no floating point.
 */
#include <string.h>

#include "tcp/cc/cc.h"

_Static_assert(sizeof(struct tcp_cc_cubic) <= sizeof(union tcp_cc_priv),
	       "CUBIC state must fit the per-connection cc area");

#define NS_PER_MS 1000000ull
#define US_PER_MS 1000u
/* beta_cubic = 7/10, C = 4/10 segments/s^3, alpha = 3(1-b)/(1+b) = 9/17,
 * fast convergence factor (1+b)/2 = 17/20 */
#define BETA_NUM 7u
#define BETA_DEN 10u
#define ALPHA_NUM 9u
#define ALPHA_DEN 17u
#define FAST_CONV_NUM 17u
#define FAST_CONV_DEN 20u
/* ms^3 per segment: 1/C s^3 = 2.5 s^3 = 2.5e9 ms^3 */
#define MS3_PER_SEG 2500000000ull
/* |t - K| beyond this (ms) saturates: its cube still fits in 63 bits */
#define DT_MAX_MS 2000000u

uint32_t
tcp_cc_cbrt64(uint64_t x)
{
	uint64_t y = 0;
	int s;

	/* one bit of the root per 3 bits of x: (2y+1)^3 - (2y)^3 = 3*2y*(2y+1) + 1 */
	for (s = 63; s >= 0; s -= 3) {
		uint64_t b;

		y <<= 1;
		b = 3 * y * (y + 1) + 1;
		if ((x >> s) >= b) {
			x -= b << s;
			y++;
		}
	}
	return (uint32_t)y;
}

uint32_t
tcp_cc_cubic_k_ms(uint32_t w_max, uint32_t cwnd_epoch, uint32_t mss)
{
	if (w_max <= cwnd_epoch || mss == 0)
		return 0;
	return tcp_cc_cbrt64((uint64_t)(w_max - cwnd_epoch) * MS3_PER_SEG / mss);
}

/* C*|d|^3 in bytes for d in ms, saturating at TCP_CC_CWND_MAX. */
static uint32_t
cubic_offset(uint64_t d_ms, uint32_t mss)
{
	uint64_t d = d_ms > DT_MAX_MS ? DT_MAX_MS : d_ms;
	uint64_t useg = d * d * d / (MS3_PER_SEG / 1000000u);	/* 1e-6 segments */
	uint64_t lim = (uint64_t)TCP_CC_CWND_MAX * 1000000u / mss;

	if (useg >= lim)
		return TCP_CC_CWND_MAX;
	return (uint32_t)(useg * mss / 1000000u);
}

/* K >= 0 always: a stage that begins above W_max raises W_max to
 * cwnd_epoch first (epoch_begin). */
uint32_t
tcp_cc_cubic_w(const struct tcp_cc_cubic *c, uint32_t mss, uint64_t t_ms)
{
	uint64_t w;
	uint32_t off;

	if (t_ms >= c->k_ms) {
		off = cubic_offset(t_ms - c->k_ms, mss);
		w = (uint64_t)c->w_max + off;
		return w > TCP_CC_CWND_MAX ? TCP_CC_CWND_MAX : (uint32_t)w;
	}
	off = cubic_offset(c->k_ms - t_ms, mss);
	return off >= c->w_max ? 0 : c->w_max - off;
}

static void
cubic_init(struct tcp_cc_view *v)
{
	memset(v->priv, 0, sizeof(*v->priv));
	v->cwnd = tcp_cc_initial_window(v->mss);
	v->ssthresh = TCP_CC_SSTHRESH_INIT;
}

/* A congestion-avoidance stage begins (4.2): t counts from here. With no
 * loss behind us (W_max unknown), after a timeout (4.8), or above the
 * old W_max, the curve starts flat at the current window (K = 0). */
static void
epoch_begin(struct tcp_cc_view *v, struct tcp_cc_cubic *c)
{
	c->epoch_ns = v->now_ns != 0 ? v->now_ns : 1;
	c->cwnd_epoch = v->cwnd;
	c->w_est = v->cwnd;
	c->est_acked = 0;
	c->inc_rem = 0;
	if (c->w_max == 0 || c->after_rto || c->w_max < v->cwnd) {
		c->w_max = v->cwnd;
		if (c->cwnd_prior == 0)
			c->cwnd_prior = v->cwnd;
		c->after_rto = 0;
	}
	c->k_ms = tcp_cc_cubic_k_ms(c->w_max, c->cwnd_epoch, v->mss);
}

/* 4.3 eq. 4 as byte counting: W_est gains one SMSS per cwnd/alpha bytes
 * acknowledged; alpha becomes 1 once W_est reaches cwnd_prior. */
static void
est_update(const struct tcp_cc_view *v, struct tcp_cc_cubic *c, uint32_t acked)
{
	uint64_t per_seg = c->w_est >= c->cwnd_prior ? v->cwnd :
			   (uint64_t)v->cwnd * ALPHA_DEN / ALPHA_NUM;
	uint64_t n, w;

	c->est_acked += acked;
	if (c->est_acked < per_seg)
		return;
	n = c->est_acked / per_seg;
	c->est_acked -= (uint32_t)(n * per_seg);
	w = c->w_est + n * v->mss;
	c->w_est = w > TCP_CC_CWND_MAX ? TCP_CC_CWND_MAX : (uint32_t)w;
}

static void
cubic_on_ack(struct tcp_cc_view *v, uint32_t acked, uint32_t rtt_us)
{
	struct tcp_cc_cubic *c = &v->priv->cubic;
	uint64_t t_ms, target, num;
	uint32_t inc;

	(void)rtt_us;
	if (v->cwnd < v->ssthresh) {
		tcp_cc_slow_start(v, acked, c->rto_ss ? v->mss : 2 * v->mss);
		return;
	}
	c->rto_ss = 0;
	if (c->epoch_ns == 0)
		epoch_begin(v, c);
	t_ms = (v->now_ns - c->epoch_ns) / NS_PER_MS;
	est_update(v, c, acked);
	if (tcp_cc_cubic_w(c, v->mss, t_ms) < c->w_est) {
		/* Reno-friendly region: at least what Reno would have */
		if (c->w_est > v->cwnd)
			v->cwnd = c->w_est;
		return;
	}
	/* 4.4: aim at W_cubic(t + RTT), within [cwnd, 1.5 cwnd] */
	target = tcp_cc_cubic_w(c, v->mss, t_ms + v->srtt_us / US_PER_MS);
	if (target < v->cwnd)
		target = v->cwnd;
	if (target > (uint64_t)v->cwnd + v->cwnd / 2)
		target = (uint64_t)v->cwnd + v->cwnd / 2;
	num = (target - v->cwnd) * acked + c->inc_rem;
	inc = (uint32_t)(num / v->cwnd);
	c->inc_rem = (uint32_t)(num % v->cwnd);
	tcp_cc_cwnd_add(v, inc);
}

/* 4.6 multiplicative decrease with 4.7 fast convergence. ssthresh from
 * FlightSize (as RFC 5681 does): a cwnd-based reduction would need other
 * means to keep an application-limited cwnd from growing. */
static void
cubic_reduce(struct tcp_cc_view *v, struct tcp_cc_cubic *c)
{
	uint64_t ss = (uint64_t)v->flight * BETA_NUM / BETA_DEN;

	if (v->cwnd < c->w_max)
		c->w_max = (uint32_t)((uint64_t)v->cwnd * FAST_CONV_NUM / FAST_CONV_DEN);
	else
		c->w_max = v->cwnd;
	c->cwnd_prior = v->cwnd;
	v->ssthresh = ss > 2u * v->mss ? (uint32_t)ss : 2u * v->mss;
	c->epoch_ns = 0;
}

static void
cubic_enter_recovery(struct tcp_cc_view *v)
{
	struct tcp_cc_cubic *c = &v->priv->cubic;

	cubic_reduce(v, c);
	c->rto_ss = 0;
	v->cwnd = v->ssthresh + 3 * v->mss;	/* RFC 5681 3.2 step 3 inflation */
}

static void
cubic_on_rto(struct tcp_cc_view *v)
{
	struct tcp_cc_cubic *c = &v->priv->cubic;

	cubic_reduce(v, c);
	c->after_rto = 1;
	c->rto_ss = 1;
	tcp_cc_loss_window(v);
}

/* RFC 9438 4.6: an ECN-Echo is a congestion event like a loss (beta,
 * W_max, fast convergence), with cwnd = ssthresh at once (RFC 3168
 * 6.1.2: nothing to resend, no inflation). */
static void
cubic_on_ecn(struct tcp_cc_view *v)
{
	struct tcp_cc_cubic *c = &v->priv->cubic;

	cubic_reduce(v, c);
	c->rto_ss = 0;
	tcp_cc_ecn_window(v);
}

/* RFC 9438 5.8: time spent idle must not count as growth time; the next
 * stage starts afresh from the restarted window. */
static void
cubic_after_idle(struct tcp_cc_view *v)
{
	tcp_cc_restart_window(v);
	v->priv->cubic.epoch_ns = 0;
}

const struct tcp_cc_ops tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.on_ack = cubic_on_ack,
	.enter_recovery = cubic_enter_recovery,
	.on_dupack = tcp_cc_reno_dupack,
	.on_partial_ack = tcp_cc_reno_partial_ack,
	.on_exit_recovery = tcp_cc_reno_exit_recovery,
	.on_rto = cubic_on_rto,
	.after_idle = cubic_after_idle,
	.on_ecn = cubic_on_ecn,
};
