// SPDX-License-Identifier: BSD-3-Clause
//
// Who owns a flow (lib/flow/flow_map): the symmetric software hash, the
// per-frame owner decision in SW and RSS (Toeplitz) mode, and the
// per-connect port choice that makes replies come back to the asking
// queue (half the ephemeral ports taken), over 2 and 4 queues. Besides
// time, each reports "tsc_per_op": time-stamp counter ticks per operation
// (reference cycles). What each variant calls is in shim_flow_owner.c.
#include <benchmark/benchmark.h>

#include "bench_main.h"
#include "shim_flow_owner.h"

template <typename R, R (*Op)(struct bench_fo *)>
static void
run(benchmark::State &st)
{
	unsigned int mode = (unsigned int)st.range(0);
	struct bench_fo *f = bench_fo_get(mode, (uint16_t)st.range(1));
	uint64_t t0;

	if (f == nullptr)
		return bench_fail(st, "flow owner fixture");
	st.SetLabel(bench_fo_mode_name(mode));
	t0 = bench_fo_tsc();
	for (auto _ : st)
		benchmark::DoNotOptimize(Op(f));
	st.counters["tsc_per_op"] = double(bench_fo_tsc() - t0) / double(st.iterations());
	if (bench_fo_check(f) != 0)
		return bench_fail(st, "a wrong owner or port");
	st.SetItemsProcessed(int64_t(st.iterations()));
}

static void
register_all()
{
	const long sw = BENCH_FO_SW, rss = BENCH_FO_RSS;

	for (long nq : { 2L, 4L }) {
		benchmark::RegisterBenchmark("flow_owner/hash_sw",
					     run<uint32_t, bench_fo_hash_sw>)->Args({ sw, nq });
		for (long mode : { sw, rss }) {
			benchmark::RegisterBenchmark("flow_owner/hash",
						     run<uint32_t, bench_fo_hash>)
				->Args({ mode, nq });
			benchmark::RegisterBenchmark("flow_owner/owner",
						     run<uint16_t, bench_fo_owner>)
				->Args({ mode, nq });
			benchmark::RegisterBenchmark("flow_owner/port_pick",
						     run<uint16_t, bench_fo_pick>)
				->Args({ mode, nq });
		}
	}
}

BENCH_MAIN(register_all())
