/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Congestion control algorithms (lib/tcp/cc/) driven through the ops
 * table on a fake view, with exact cwnd/ssthresh values: NewReno (RFC 5681
 * slow start with RFC 3465 byte counting, congestion avoidance, three
 * duplicate ACKs, inflation, RFC 6582 partial ACK and exit, RTO, restart
 * after idle, RFC 6928 IW) and CUBIC (RFC 9438: integer cube root, K,
 * concave then convex growth, W_max and fast convergence, the
 * Reno-friendly region at small RTT, beta = 0.7, the 1.5x per RTT cap).
 * No EAL needed: the algorithms are pure functions of the view.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/cc/cc.h"

#define MSS 1000u
#define MS 1000000ull
#define SEC 1000000000ull

struct fake {
	struct tcp_cc_view v;
	union tcp_cc_priv priv;
	const struct tcp_cc_ops *ops;
};

static void
fake_init(struct fake *f, unsigned int algo)
{
	memset(f, 0xa5, sizeof(*f));
	f->ops = tcp_cc_ops_get(algo);
	assert_non_null(f->ops);
	f->v.cwnd = 0;
	f->v.ssthresh = 0;
	f->v.mss = MSS;
	f->v.flight = 0;
	f->v.now_ns = 1 * SEC;
	f->v.srtt_us = 0;
	f->v.priv = &f->priv;
	f->ops->init(&f->v);
}

/* One round trip: a window of ACKs of one MSS each (flight = cwnd),
 * `rtt_ns` later. */
static void
ack_one_rtt(struct fake *f, uint64_t rtt_ns)
{
	uint32_t left = f->v.cwnd;

	f->v.now_ns += rtt_ns;
	while (left >= MSS) {
		f->v.flight = f->v.cwnd;
		f->ops->on_ack(&f->v, MSS, 0);
		left -= MSS;
	}
}

/* A loss episode from a window of `cwnd` (all in flight) through
 * recovery to a full ACK with everything acknowledged but a window's
 * worth still flowing: leaves cwnd = ssthresh. */
static void
loss_and_recover(struct fake *f, uint32_t cwnd)
{
	f->v.cwnd = cwnd;
	f->v.flight = cwnd;
	f->ops->enter_recovery(&f->v);
	f->v.flight = cwnd;
	f->ops->on_exit_recovery(&f->v);
}

/* ---- the table --------------------------------------------------------- */

static void
test_table(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < TCP_CC_COUNT; i++) {
		const struct tcp_cc_ops *o = tcp_cc_ops_get(i);

		assert_non_null(o);
		assert_non_null(o->name);
		assert_non_null(o->init);
		assert_non_null(o->on_ack);
		assert_non_null(o->enter_recovery);
		assert_non_null(o->on_dupack);
		assert_non_null(o->on_partial_ack);
		assert_non_null(o->on_exit_recovery);
		assert_non_null(o->on_rto);
		assert_non_null(o->after_idle);
		assert_int_equal(tcp_cc_by_name(o->name), (int)i);
	}
	assert_null(tcp_cc_ops_get(TCP_CC_COUNT));
	assert_string_equal(tcp_cc_ops_get(TCP_CC_NEWRENO)->name, "newreno");
	assert_string_equal(tcp_cc_ops_get(TCP_CC_CUBIC)->name, "cubic");
	assert_int_equal(tcp_cc_by_name("reno"), -1);
	assert_int_equal(tcp_cc_by_name(""), -1);
}

/* RFC 6928: min(10*MSS, max(2*MSS, 14600)). */
static void
test_initial_window(void **state)
{
	struct fake f;
	unsigned int a;

	(void)state;
	assert_int_equal(tcp_cc_initial_window(1460), 14600);
	assert_int_equal(tcp_cc_initial_window(1000), 10000);
	assert_int_equal(tcp_cc_initial_window(4000), 14600);
	assert_int_equal(tcp_cc_initial_window(8960), 17920);
	assert_int_equal(tcp_cc_initial_window(536), 5360);
	for (a = 0; a < TCP_CC_COUNT; a++) {
		fake_init(&f, a);
		assert_int_equal(f.v.cwnd, 10000);
		assert_int_equal(f.v.ssthresh, UINT32_MAX);
	}
}

/* ---- NewReno ----------------------------------------------------------- */

/* RFC 5681 3.1 with RFC 3465: cwnd += min(acked, 2*SMSS) per ACK. */
static void
test_newreno_slow_start_abc(void **state)
{
	struct fake f;

	(void)state;
	fake_init(&f, TCP_CC_NEWRENO);
	f.ops->on_ack(&f.v, 1000, 0);
	assert_int_equal(f.v.cwnd, 11000);
	f.ops->on_ack(&f.v, 2000, 0);		/* delayed ACK: two segments */
	assert_int_equal(f.v.cwnd, 13000);
	f.ops->on_ack(&f.v, 5000, 0);		/* stretch ACK: L = 2*SMSS */
	assert_int_equal(f.v.cwnd, 15000);
	f.ops->on_ack(&f.v, 300, 0);
	assert_int_equal(f.v.cwnd, 15300);
	/* one RTT of delayed ACKs doubles the window */
	f.v.cwnd = 10000;
	ack_one_rtt(&f, 0);
	assert_int_equal(f.v.cwnd, 20000);
	assert_int_equal(f.v.ssthresh, UINT32_MAX);
}

/* RFC 3465 2.1: one SMSS per cwnd of acknowledged bytes. */
static void
test_newreno_congestion_avoidance(void **state)
{
	struct fake f;
	unsigned int i;

	(void)state;
	fake_init(&f, TCP_CC_NEWRENO);
	f.v.ssthresh = 10000;			/* cwnd == ssthresh: CA */
	for (i = 0; i < 9; i++) {
		f.ops->on_ack(&f.v, 1000, 0);
		assert_int_equal(f.v.cwnd, 10000);
	}
	f.ops->on_ack(&f.v, 1000, 0);
	assert_int_equal(f.v.cwnd, 11000);
	ack_one_rtt(&f, 0);			/* 11 ACKs of 1000 */
	assert_int_equal(f.v.cwnd, 12000);
	/* delayed ACKs: same growth per RTT */
	for (i = 0; i < 6; i++)
		f.ops->on_ack(&f.v, 2000, 0);
	assert_int_equal(f.v.cwnd, 13000);
	assert_int_equal(f.v.ssthresh, 10000);
}

/* RFC 5681 3.2, RFC 6582 3.2: halve, inflate, partial ACKs, exit. */
static void
test_newreno_fast_recovery(void **state)
{
	struct fake f;

	(void)state;
	fake_init(&f, TCP_CC_NEWRENO);
	f.v.cwnd = 20000;
	f.v.flight = 20000;
	f.ops->enter_recovery(&f.v);
	assert_int_equal(f.v.ssthresh, 10000);	/* FlightSize / 2 */
	assert_int_equal(f.v.cwnd, 13000);	/* + 3*SMSS */
	f.ops->on_dupack(&f.v);
	f.ops->on_dupack(&f.v);
	assert_int_equal(f.v.cwnd, 15000);	/* + SMSS each */
	/* partial ACK of 2.5 segments: deflate, add one SMSS back */
	f.v.flight = 17500;
	f.ops->on_partial_ack(&f.v, 2500);
	assert_int_equal(f.v.cwnd, 13500);
	/* partial ACK of less than a segment: no SMSS back */
	f.v.flight = 17000;
	f.ops->on_partial_ack(&f.v, 500);
	assert_int_equal(f.v.cwnd, 13000);
	assert_int_equal(f.v.ssthresh, 10000);
	/* full ACK with little left in flight: min(ssthresh, flight + SMSS) */
	f.v.flight = 4000;
	f.ops->on_exit_recovery(&f.v);
	assert_int_equal(f.v.cwnd, 5000);
	/* ... and with a lot in flight: ssthresh */
	f.v.cwnd = 15000;
	f.v.flight = 12000;
	f.ops->on_exit_recovery(&f.v);
	assert_int_equal(f.v.cwnd, 10000);
	/* nothing in flight: max(flight, SMSS) + SMSS */
	f.v.flight = 0;
	f.ops->on_exit_recovery(&f.v);
	assert_int_equal(f.v.cwnd, 2000);
	/* back in slow start below ssthresh, CA from there */
	f.ops->on_ack(&f.v, 1000, 0);
	assert_int_equal(f.v.cwnd, 3000);
}

/* ssthresh never below 2*SMSS; a deflation never below one SMSS. */
static void
test_newreno_floors(void **state)
{
	struct fake f;

	(void)state;
	fake_init(&f, TCP_CC_NEWRENO);
	f.v.flight = 3000;
	f.ops->enter_recovery(&f.v);
	assert_int_equal(f.v.ssthresh, 2000);
	assert_int_equal(f.v.cwnd, 5000);
	f.ops->on_partial_ack(&f.v, 9000);
	assert_int_equal(f.v.cwnd, 1000);
	f.v.flight = 1500;
	f.ops->on_rto(&f.v);
	assert_int_equal(f.v.ssthresh, 2000);
	assert_int_equal(f.v.cwnd, 1000);
}

/* RFC 5681 3.1 eq. 4: ssthresh = FlightSize / 2, cwnd = 1 SMSS; the
 * following slow start counts at most one SMSS per ACK (RFC 3465 2.3). */
static void
test_newreno_rto(void **state)
{
	struct fake f;

	(void)state;
	fake_init(&f, TCP_CC_NEWRENO);
	f.v.cwnd = 40000;
	f.v.flight = 30000;
	f.ops->on_rto(&f.v);
	assert_int_equal(f.v.ssthresh, 15000);
	assert_int_equal(f.v.cwnd, 1000);
	f.ops->on_ack(&f.v, 2000, 0);
	assert_int_equal(f.v.cwnd, 2000);
	f.ops->on_ack(&f.v, 2000, 0);
	assert_int_equal(f.v.cwnd, 3000);
	/* into CA: ABC counter starts from zero */
	f.v.cwnd = 15000;
	ack_one_rtt(&f, 0);
	assert_int_equal(f.v.cwnd, 16000);
	/* after a later loss episode slow start is back to L = 2*SMSS */
	loss_and_recover(&f, 16000);
	assert_int_equal(f.v.cwnd, 8000);
	f.v.ssthresh = 20000;
	f.ops->on_ack(&f.v, 2000, 0);
	assert_int_equal(f.v.cwnd, 10000);
}

/* RFC 5681 4.1 restart window (min(IW, cwnd)), ssthresh keeps 3/4 of the
 * window it had validated (RFC 7661 / 2861). */
static void
test_newreno_after_idle(void **state)
{
	struct fake f;

	(void)state;
	fake_init(&f, TCP_CC_NEWRENO);
	f.v.cwnd = 50000;
	f.v.ssthresh = 20000;
	f.ops->after_idle(&f.v);
	assert_int_equal(f.v.cwnd, 10000);
	assert_int_equal(f.v.ssthresh, 37500);
	/* a small window stays; a higher ssthresh stays */
	f.v.cwnd = 4000;
	f.ops->after_idle(&f.v);
	assert_int_equal(f.v.cwnd, 4000);
	assert_int_equal(f.v.ssthresh, 37500);
}

/* ---- CUBIC ------------------------------------------------------------- */

static void
test_cubic_cbrt(void **state)
{
	(void)state;
	assert_int_equal(tcp_cc_cbrt64(0), 0);
	assert_int_equal(tcp_cc_cbrt64(1), 1);
	assert_int_equal(tcp_cc_cbrt64(7), 1);
	assert_int_equal(tcp_cc_cbrt64(8), 2);
	assert_int_equal(tcp_cc_cbrt64(26), 2);
	assert_int_equal(tcp_cc_cbrt64(27), 3);
	assert_int_equal(tcp_cc_cbrt64(999), 9);
	assert_int_equal(tcp_cc_cbrt64(1000), 10);
	assert_int_equal(tcp_cc_cbrt64(1ull << 63), 2097152);
	assert_int_equal(tcp_cc_cbrt64(UINT64_MAX), 2642245);
	assert_int_equal(tcp_cc_cbrt64(75000000000ull), 4217);
}

/* RFC 9438 eq. 2: K = cbrt((W_max - cwnd_epoch) / C). */
static void
test_cubic_k(void **state)
{
	(void)state;
	/* 100 -> 70 segments: cbrt(30 / 0.4) = 4.2172 s */
	assert_int_equal(tcp_cc_cubic_k_ms(100000, 70000, MSS), 4217);
	/* the same in bytes of 1460-byte segments */
	assert_int_equal(tcp_cc_cubic_k_ms(146000, 102200, 1460), 4217);
	/* 0.4 segments: 1 s; 3.2 segments: 2 s; 400 segments: 10 s */
	assert_int_equal(tcp_cc_cubic_k_ms(10400, 10000, MSS), 1000);
	assert_int_equal(tcp_cc_cubic_k_ms(13200, 10000, MSS), 2000);
	assert_int_equal(tcp_cc_cubic_k_ms(410000, 10000, MSS), 10000);
	assert_int_equal(tcp_cc_cubic_k_ms(10000, 10000, MSS), 0);
	assert_int_equal(tcp_cc_cubic_k_ms(10000, 20000, MSS), 0);
}

/* beta = 0.7 on three duplicate ACKs and on RTO; W_max remembered. */
static void
test_cubic_beta(void **state)
{
	struct fake f;

	(void)state;
	fake_init(&f, TCP_CC_CUBIC);
	f.v.cwnd = 100000;
	f.v.flight = 100000;
	f.ops->enter_recovery(&f.v);
	assert_int_equal(f.v.ssthresh, 70000);
	assert_int_equal(f.v.cwnd, 73000);	/* + 3*SMSS inflation */
	assert_int_equal(f.priv.cubic.w_max, 100000);
	assert_int_equal(f.priv.cubic.cwnd_prior, 100000);
	f.ops->on_dupack(&f.v);
	assert_int_equal(f.v.cwnd, 74000);
	f.v.flight = 95000;
	f.ops->on_partial_ack(&f.v, 5000);
	assert_int_equal(f.v.cwnd, 70000);
	f.v.flight = 80000;
	f.ops->on_exit_recovery(&f.v);
	assert_int_equal(f.v.cwnd, 70000);
	/* RTO: same ssthresh rule, loss window */
	fake_init(&f, TCP_CC_CUBIC);
	f.v.cwnd = 50000;
	f.v.flight = 50000;
	f.ops->on_rto(&f.v);
	assert_int_equal(f.v.ssthresh, 35000);
	assert_int_equal(f.v.cwnd, 1000);
	f.ops->on_ack(&f.v, 2000, 0);		/* L = 1 SMSS after RTO */
	assert_int_equal(f.v.cwnd, 2000);
	/* floor 2*SMSS */
	f.v.flight = 2000;
	f.ops->enter_recovery(&f.v);
	assert_int_equal(f.v.ssthresh, 2000);
}

/* Concave up to W_max around t = K, convex beyond; the window tracks
 * W_cubic(t). W_max = 1000 segments at 100 ms RTT: the Reno-friendly
 * estimate (about half a segment per RTT) stays far below. */
static void
test_cubic_concave_convex(void **state)
{
	static uint32_t w[140];
	struct fake f;
	unsigned int i;

	(void)state;
	fake_init(&f, TCP_CC_CUBIC);
	f.v.srtt_us = 100000;
	loss_and_recover(&f, 1000000);
	assert_int_equal(f.v.cwnd, 700000);
	assert_int_equal(f.v.ssthresh, 700000);
	for (i = 0; i < 140; i++) {		/* 14 s of round trips */
		ack_one_rtt(&f, 100 * MS);
		w[i] = f.v.cwnd;
	}
	/* K = cbrt(300 / 0.4) = 9.0856 s */
	assert_int_equal(f.priv.cubic.k_ms, 9085);
	assert_int_equal(f.priv.cubic.cwnd_epoch, 700000);
	/* concave: the first two seconds grow more than the two before K */
	assert_true(w[19] - 700000 > w[90] - w[70]);
	assert_true(w[19] > 850000 && w[19] < 900000);
	/* plateau at W_max around K */
	assert_true(w[90] > 995000 && w[90] <= 1001000);
	assert_true(w[95] - w[85] < 2000);
	/* convex: each second after K grows more than the one before */
	assert_true(w[110] - w[100] > w[100] - w[90]);
	assert_true(w[120] - w[110] > w[110] - w[100]);
	assert_true(w[130] - w[120] > w[120] - w[110]);
	assert_true(w[139] > 1030000);
	/* never above the curve one RTT ahead */
	for (i = 0; i < 140; i++)
		assert_true(w[i] <= tcp_cc_cubic_w(&f.priv.cubic, MSS, (i + 2) * 100ull) + MSS);
	/* the Reno-friendly estimate stayed below */
	assert_true(f.priv.cubic.w_est < 800000);
}

/* RFC 9438 4.7: a loss below the previous W_max lowers W_max further. */
static void
test_cubic_fast_convergence(void **state)
{
	struct fake f;

	(void)state;
	fake_init(&f, TCP_CC_CUBIC);
	loss_and_recover(&f, 100000);
	assert_int_equal(f.priv.cubic.w_max, 100000);
	loss_and_recover(&f, 90000);		/* below W_max: release */
	assert_int_equal(f.priv.cubic.w_max, 76500);	/* 90000 * 0.85 */
	assert_int_equal(f.v.ssthresh, 63000);
	assert_int_equal(f.v.cwnd, 63000);
	loss_and_recover(&f, 80000);		/* above W_max again */
	assert_int_equal(f.priv.cubic.w_max, 80000);
	assert_int_equal(f.v.ssthresh, 56000);
	/* K follows the new W_max at the next CA stage */
	f.v.srtt_us = 100000;
	ack_one_rtt(&f, 100 * MS);
	assert_int_equal(f.priv.cubic.k_ms, tcp_cc_cubic_k_ms(80000, 56000, MSS));
	assert_int_equal(f.priv.cubic.k_ms, 3914);	/* cbrt(24 / 0.4) */
}

/* RFC 9438 4.3: at a small RTT Reno would grow faster than the curve;
 * CUBIC takes W_est (alpha = 9/17 until cwnd_prior, then 1). */
static void
test_cubic_reno_friendly(void **state)
{
	struct fake f;
	unsigned int i;

	(void)state;
	fake_init(&f, TCP_CC_CUBIC);
	f.v.srtt_us = 1000;
	loss_and_recover(&f, 100000);
	/* 17 RTTs at alpha = 9/17: W_est grows 9 segments... */
	for (i = 0; i < 17; i++)
		ack_one_rtt(&f, 1 * MS);
	assert_true(f.priv.cubic.w_est >= 77000 && f.priv.cubic.w_est <= 80000);
	assert_int_equal(f.v.cwnd, f.priv.cubic.w_est);
	/* ...then one segment per RTT once it passed cwnd_prior */
	for (i = 0; i < 100; i++)
		ack_one_rtt(&f, 1 * MS);
	assert_int_equal(f.v.cwnd, f.priv.cubic.w_est);
	assert_true(f.v.cwnd > 140000);
	assert_true(f.v.cwnd > tcp_cc_cubic_w(&f.priv.cubic, MSS, 117));
	{
		uint32_t before = f.v.cwnd;

		ack_one_rtt(&f, 1 * MS);
		assert_int_equal(f.v.cwnd, before + MSS);
	}
}

/* RFC 9438 4.4: the target is capped at 1.5 cwnd, so one RTT of ACKs
 * cannot grow the window by more than half. */
static void
test_cubic_growth_cap(void **state)
{
	struct fake f;

	(void)state;
	fake_init(&f, TCP_CC_CUBIC);
	loss_and_recover(&f, 14286);		/* ssthresh = cwnd = 10000 */
	assert_int_equal(f.v.cwnd, 10000);
	f.v.srtt_us = 100000;
	f.ops->on_ack(&f.v, 0, 0);		/* starts the CA stage at now */
	assert_int_equal(f.v.cwnd, 10000);
	f.v.now_ns += 100 * SEC;		/* far out on the convex side */
	ack_one_rtt(&f, 0);
	assert_int_equal(f.v.cwnd, 15000);
	ack_one_rtt(&f, 0);
	assert_int_equal(f.v.cwnd, 22500);
}

/* Idle: restart window, and the next CA stage starts a new epoch. */
static void
test_cubic_after_idle(void **state)
{
	struct fake f;

	(void)state;
	fake_init(&f, TCP_CC_CUBIC);
	loss_and_recover(&f, 100000);
	f.v.srtt_us = 100000;
	ack_one_rtt(&f, 100 * MS);
	assert_true(f.priv.cubic.epoch_ns != 0);
	f.ops->after_idle(&f.v);
	assert_int_equal(f.v.cwnd, 10000);
	assert_true(f.v.ssthresh >= 70000);
	assert_int_equal(f.priv.cubic.epoch_ns, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_initial_window),
		cmocka_unit_test(test_newreno_slow_start_abc),
		cmocka_unit_test(test_newreno_congestion_avoidance),
		cmocka_unit_test(test_newreno_fast_recovery),
		cmocka_unit_test(test_newreno_floors),
		cmocka_unit_test(test_newreno_rto),
		cmocka_unit_test(test_newreno_after_idle),
		cmocka_unit_test(test_cubic_cbrt),
		cmocka_unit_test(test_cubic_k),
		cmocka_unit_test(test_cubic_beta),
		cmocka_unit_test(test_cubic_concave_convex),
		cmocka_unit_test(test_cubic_fast_convergence),
		cmocka_unit_test(test_cubic_reno_friendly),
		cmocka_unit_test(test_cubic_growth_cap),
		cmocka_unit_test(test_cubic_after_idle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
