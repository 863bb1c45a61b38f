/* SPDX-License-Identifier: BSD-3-Clause
 *
 * NewReno: RFC 5681 slow start and congestion avoidance with appropriate
 * byte counting (RFC 3465: L = 2*SMSS in slow start, 1*SMSS in the slow
 * start that follows a timeout; one SMSS per cwnd of acknowledged bytes
 * in congestion avoidance), multiplicative decrease on three duplicate
 * ACKs with fast-recovery inflation, RFC 6582 partial ACKs, the loss
 * window after a timeout, the restart window after idle and the ECN-Echo
 * reduction (RFC 3168 6.1.2: a loss's halving, no inflation). The default
 * algorithm; called through tcp_cc_newreno from the TCB glue (tcp_cc_view.c).
 */
#include <string.h>

#include "tcp/cc/cc.h"

_Static_assert(sizeof(struct tcp_cc_newreno) <= sizeof(union tcp_cc_priv),
	       "NewReno state must fit the per-connection cc area");

/* RFC 5681 eq. 4: ssthresh = max(FlightSize / 2, 2*SMSS). */
static uint32_t
half_flight(const struct tcp_cc_view *v)
{
	return v->flight / 2 > 2 * v->mss ? v->flight / 2 : 2 * v->mss;
}

static void
newreno_init(struct tcp_cc_view *v)
{
	memset(v->priv, 0, sizeof(*v->priv));
	v->cwnd = tcp_cc_initial_window(v->mss);
	v->ssthresh = TCP_CC_SSTHRESH_INIT;
}

static void
newreno_on_ack(struct tcp_cc_view *v, uint32_t acked, uint32_t rtt_us)
{
	struct tcp_cc_newreno *nr = &v->priv->newreno;

	(void)rtt_us;
	if (v->cwnd < v->ssthresh) {
		tcp_cc_slow_start(v, acked, nr->after_rto ? v->mss : 2 * v->mss);
		nr->bytes_acked = 0;
		return;
	}
	/* RFC 3465 2.1: one SMSS each time a full cwnd has been acknowledged */
	nr->after_rto = 0;
	nr->bytes_acked += acked;
	if (nr->bytes_acked >= v->cwnd) {
		nr->bytes_acked -= v->cwnd;
		tcp_cc_cwnd_add(v, v->mss);
	}
}

/* RFC 5681 3.2 steps 2-3. */
static void
newreno_enter_recovery(struct tcp_cc_view *v)
{
	v->ssthresh = half_flight(v);
	v->cwnd = v->ssthresh + 3 * v->mss;
	v->priv->newreno.bytes_acked = 0;
}

/* RFC 5681 3.1 eq. 4 and the loss window. */
static void
newreno_on_rto(struct tcp_cc_view *v)
{
	v->ssthresh = half_flight(v);
	tcp_cc_loss_window(v);
	v->priv->newreno.bytes_acked = 0;
	v->priv->newreno.after_rto = 1;
}

/* RFC 3168 6.1.2: halve as for a loss (eq. 4), nothing to resend. */
static void
newreno_on_ecn(struct tcp_cc_view *v)
{
	v->ssthresh = half_flight(v);
	tcp_cc_ecn_window(v);
	v->priv->newreno.bytes_acked = 0;
}

static void
newreno_after_idle(struct tcp_cc_view *v)
{
	tcp_cc_restart_window(v);
	v->priv->newreno.bytes_acked = 0;
}

const struct tcp_cc_ops tcp_cc_newreno = {
	.name = "newreno",
	.init = newreno_init,
	.on_ack = newreno_on_ack,
	.enter_recovery = newreno_enter_recovery,
	.on_dupack = tcp_cc_reno_dupack,
	.on_partial_ack = tcp_cc_reno_partial_ack,
	.on_exit_recovery = tcp_cc_reno_exit_recovery,
	.on_rto = newreno_on_rto,
	.after_idle = newreno_after_idle,
	.on_ecn = newreno_on_ecn,
};
