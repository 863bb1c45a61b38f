// SPDX-License-Identifier: BSD-3-Clause
//
// The timing wheel (lib/core/timer_wheel.c) with 1M timers armed: arm a
// new one, re-arm an armed one (what every ACK does to the RTO), cancel
// one, the expiry of one 100 us tick in steady state (~100 due per tick),
// and one bulk expiry of all 1M. Refills between batches run with timing
// paused (once per 64 Ki operations); expiry is timed by the shim around
// tw_expire() alone with the thread's CPU clock (manual time). Setup is in
// shim_timer.c.
#include <benchmark/benchmark.h>

#include "bench_main.h"
#include "shim.h"

static constexpr uint32_t kArmed = 1u << 20;
static constexpr uint32_t kBatch = 1u << 16;
static constexpr uint64_t kHorizonNs = 1000000000ull;

static struct bench_tw *
fixture(benchmark::State &st)
{
	struct bench_tw *b = bench_tw_create(kArmed, kBatch, kHorizonNs);

	if (b == nullptr)
		bench_fail(st, "timer wheel fixture");
	return b;
}

static void
finish(benchmark::State &st, struct bench_tw *b, int64_t items)
{
	uint64_t armed;

	if (bench_tw_check(b, &armed) != 0)
		bench_fail(st, "timer wheel count drifted");
	st.counters["armed"] = double(armed);
	st.SetItemsProcessed(items);
	bench_tw_free(b);
}

static void
BM_tw_arm(benchmark::State &st)
{
	struct bench_tw *b = fixture(st);

	if (b == nullptr)
		return;
	for (auto _ : st) {
		if (bench_tw_arm_spare(b)) {
			st.PauseTiming();
			bench_tw_spares_reset(b);
			st.ResumeTiming();
		}
	}
	finish(st, b, int64_t(st.iterations()));
}

static void
BM_tw_rearm(benchmark::State &st)
{
	struct bench_tw *b = fixture(st);

	if (b == nullptr)
		return;
	for (auto _ : st)
		bench_tw_rearm(b);
	finish(st, b, int64_t(st.iterations()));
}

static void
BM_tw_cancel(benchmark::State &st)
{
	struct bench_tw *b = fixture(st);

	if (b == nullptr)
		return;
	for (auto _ : st) {
		if (bench_tw_cancel(b)) {
			st.PauseTiming();
			bench_tw_cancelled_rearm(b);
			st.ResumeTiming();
		}
	}
	finish(st, b, int64_t(st.iterations()));
}

template <double (*Op)(struct bench_tw *, uint64_t *)>
static void
expire(benchmark::State &st)
{
	struct bench_tw *b = fixture(st);
	int64_t total = 0;

	if (b == nullptr)
		return;
	for (auto _ : st) {
		uint64_t n;

		st.SetIterationTime(Op(b, &n));
		total += int64_t(n);
	}
	finish(st, b, total);
}

BENCHMARK(BM_tw_arm);
BENCHMARK(BM_tw_rearm);
BENCHMARK(BM_tw_cancel);
BENCHMARK_TEMPLATE(expire, bench_tw_expire_tick)->Name("BM_tw_expire_tick")->UseManualTime();
BENCHMARK_TEMPLATE(expire, bench_tw_expire_all)->Name("BM_tw_expire_all_1M")->UseManualTime();
BENCH_MAIN()
