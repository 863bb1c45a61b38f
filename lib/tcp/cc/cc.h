/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Congestion control behind one ops struct. An algorithm sees a narrow
 * view of its connection (struct tcp_cc_view: cwnd and ssthresh to
 * update, MSS, bytes in flight, `now`, SRTT, and its private area) and
 * decides HOW the window moves; TCP input and timers decide WHEN an event
 * happened (duplicate-ACK counting, the recovery point, which timeout is
 * the first of an episode) and call the matching op through the TCB glue
 * in tcp_cc_view.c. Algorithms are data: a const table indexed by enum
 * tcp_cc_algo (cc_common.c). The RFC 5681 / 6582 pieces every loss-based
 * algorithm shares (slow start with ABC, fast-recovery inflation, partial
 * ACKs, leaving recovery, the loss window, the restart window) are
 * exported here so that CUBIC reuses them and only overrides what RFC
 * 9438 changes. No DPDK, no TCB: unit tests drive the ops on a fake view.
 */
#ifndef TERN_TCP_CC_H
#define TERN_TCP_CC_H

#include <stdbool.h>
#include <stdint.h>

/* Algorithms; values are the public TERN_TCP_CC_* (tern/config.h). */
enum tcp_cc_algo {
	TCP_CC_NEWRENO = 0,
	TCP_CC_CUBIC,
	TCP_CC_COUNT
};

/* cwnd never grows beyond this (bytes); keeps the arithmetic in 32 bits. */
#define TCP_CC_CWND_MAX (1u << 30)
/* ssthresh before the first congestion event ("arbitrarily high"). */
#define TCP_CC_SSTHRESH_INIT UINT32_MAX
/* RFC 6928 initial window in segments. */
#define TCP_CC_IW_SEGS 10u

struct tcp_cc_newreno {
	uint32_t bytes_acked;		/* RFC 3465 congestion-avoidance counter */
	uint8_t after_rto;		/* slow start after an RTO: L = 1 SMSS */
};

struct tcp_cc_cubic {
	uint64_t epoch_ns;		/* start of this CA stage, 0 = not started */
	uint32_t w_max;			/* bytes: cwnd before the last reduction */
	uint32_t cwnd_prior;		/* bytes: cwnd when the last loss happened */
	uint32_t cwnd_epoch;		/* bytes: cwnd when the CA stage began */
	uint32_t w_est;			/* bytes: Reno-friendly estimate */
	uint32_t k_ms;			/* time to climb back to w_max */
	uint32_t est_acked;		/* bytes acked not yet turned into w_est */
	uint32_t inc_rem;		/* remainder of the per-ACK increase */
	uint8_t after_rto;		/* first CA stage after an RTO (RFC 9438 4.8) */
	uint8_t rto_ss;			/* slow start after an RTO: L = 1 SMSS */
};

/* Per-connection private area, inside struct tcb; sized for the largest
 * algorithm (checked in each algorithm's file). */
union tcp_cc_priv {
	struct tcp_cc_newreno newreno;
	struct tcp_cc_cubic cubic;
	uint64_t raw[5];
};

/* What an algorithm sees. cwnd and ssthresh are in/out; the rest is
 * input. `flight` is FlightSize of RFC 5681 (bytes sent and not
 * cumulatively acknowledged) at the time of the event: before the ACK
 * for on_ack / enter_recovery, after it for on_partial_ack and
 * on_exit_recovery. srtt_us is 0 until the first RTT sample. */
struct tcp_cc_view {
	uint32_t cwnd;
	uint32_t ssthresh;
	uint32_t mss;
	uint32_t flight;
	uint64_t now_ns;
	uint32_t srtt_us;
	union tcp_cc_priv *priv;
};

struct tcp_cc_ops {
	const char *name;
	/* Connection established: initial window (RFC 6928), ssthresh high,
	 * private state reset. */
	void (*init)(struct tcp_cc_view *v);
	/* New data acknowledged outside recovery: `acked` bytes, `rtt_us`
	 * the RTT sample this ACK gave (0 = none). */
	void (*on_ack)(struct tcp_cc_view *v, uint32_t acked, uint32_t rtt_us);
	/* Third duplicate ACK starting a loss episode (fast retransmit). */
	void (*enter_recovery)(struct tcp_cc_view *v);
	/* Each further duplicate ACK while in fast recovery. */
	void (*on_dupack)(struct tcp_cc_view *v);
	/* ACK below the recovery point (RFC 6582 partial ACK). */
	void (*on_partial_ack)(struct tcp_cc_view *v, uint32_t acked);
	/* ACK at or past the recovery point: fast recovery is over. */
	void (*on_exit_recovery)(struct tcp_cc_view *v);
	/* First retransmission timeout of a loss episode. */
	void (*on_rto)(struct tcp_cc_view *v);
	/* About to send after an idle period longer than the RTO. */
	void (*after_idle)(struct tcp_cc_view *v);
	/* ECN-Echo (RFC 3168 6.1.2): congestion without loss, at most once
	 * per window (the caller decides when). The same reduction as a
	 * loss, but nothing is resent: cwnd = ssthresh at once, no inflation,
	 * never above the current cwnd. */
	void (*on_ecn)(struct tcp_cc_view *v);
};

/* ---- cc_common.c ---- */
/* The algorithm table; NULL for an id out of range. */
const struct tcp_cc_ops *tcp_cc_ops_get(unsigned int algo);
/* Id of `name` ("newreno", "cubic"), or -1. */
int tcp_cc_by_name(const char *name);

/* RFC 6928 initial window: min(10*MSS, max(2*MSS, 14600)). */
uint32_t tcp_cc_initial_window(uint32_t mss);
/* cwnd += n, capped at TCP_CC_CWND_MAX. */
void tcp_cc_cwnd_add(struct tcp_cc_view *v, uint32_t n);
/* RFC 5681 3.1 eq. 2 with RFC 3465 ABC: cwnd += min(acked, limit). */
void tcp_cc_slow_start(struct tcp_cc_view *v, uint32_t acked, uint32_t limit);
/* RFC 5681 3.2 step 4: one SMSS per duplicate ACK in recovery. */
void tcp_cc_reno_dupack(struct tcp_cc_view *v);
/* RFC 6582 3.2 step 5: deflate by `acked`, add back one SMSS if a full
 * segment left the network. */
void tcp_cc_reno_partial_ack(struct tcp_cc_view *v, uint32_t acked);
/* RFC 6582 3.2 step 6 option 1: cwnd = min(ssthresh, max(flight, SMSS) + SMSS). */
void tcp_cc_reno_exit_recovery(struct tcp_cc_view *v);
/* RFC 5681 3.1: after an RTO cwnd is the loss window, one SMSS. */
void tcp_cc_loss_window(struct tcp_cc_view *v);
/* RFC 3168 6.1.2: after an ECN reduction that set ssthresh, cwnd =
 * min(cwnd, ssthresh). */
void tcp_cc_ecn_window(struct tcp_cc_view *v);
/* RFC 5681 4.1 restart window, with RFC 7661's memory of the validated
 * window in ssthresh: ssthresh = max(ssthresh, 3/4 cwnd), cwnd = min(cwnd, IW). */
void tcp_cc_restart_window(struct tcp_cc_view *v);

/* ---- newreno.c, cubic.c ---- */
extern const struct tcp_cc_ops tcp_cc_newreno;
extern const struct tcp_cc_ops tcp_cc_cubic;

/* ---- cubic.c, exposed for unit tests ---- */
/* floor(cbrt(x)). */
uint32_t tcp_cc_cbrt64(uint64_t x);
/* RFC 9438 eq. 2: K in ms for a climb of w_max - cwnd_epoch bytes. */
uint32_t tcp_cc_cubic_k_ms(uint32_t w_max, uint32_t cwnd_epoch, uint32_t mss);
/* RFC 9438 eq. 1: W_cubic(t) in bytes, t_ms from the epoch start. */
uint32_t tcp_cc_cubic_w(const struct tcp_cc_cubic *c, uint32_t mss, uint64_t t_ms);

#endif
