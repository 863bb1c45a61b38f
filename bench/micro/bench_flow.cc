// SPDX-License-Identifier: BSD-3-Clause
//
// Flow lookup in the TCP 4-tuple table (lib/tcp/tcp_conn.c) at 1k, 10k,
// 100k and 1M connections, random hits: the library's single lookup and
// its per-burst bulk path (32 frames), and the same rte_hash raw, single
// and bulk, with and without a hash computed ahead. What each variant
// calls is in shim_flow.c. Registered size by size so that each table is
// built once.
#include <benchmark/benchmark.h>

#include "bench_main.h"
#include "shim.h"

template <void *(*Op)(struct bench_flow *)>
static void
single(benchmark::State &st)
{
	struct bench_flow *f = bench_flow_get((uint32_t)st.range(0));

	if (f == nullptr)
		return bench_fail(st, "flow table fixture");
	for (auto _ : st)
		benchmark::DoNotOptimize(Op(f));
	if (bench_flow_errors(f) != 0)
		return bench_fail(st, "a lookup missed or found the wrong TCB");
	st.SetItemsProcessed(int64_t(st.iterations()));
}

template <unsigned int (*Op)(struct bench_flow *)>
static void
burst(benchmark::State &st)
{
	struct bench_flow *f = bench_flow_get((uint32_t)st.range(0));

	if (f == nullptr)
		return bench_fail(st, "flow table fixture");
	for (auto _ : st)
		benchmark::DoNotOptimize(Op(f));
	if (bench_flow_errors(f) != 0)
		return bench_fail(st, "a lookup missed or found the wrong TCB");
	st.SetItemsProcessed(int64_t(st.iterations()) * BENCH_FLOW_BURST);
}

static void
register_all()
{
	for (long n : { 1000L, 10000L, 100000L, 1000000L }) {
		benchmark::RegisterBenchmark("flow/lib_single", single<bench_flow_lib_single>)->Arg(n);
		benchmark::RegisterBenchmark("flow/lib_burst32", burst<bench_flow_lib_burst>)->Arg(n);
		benchmark::RegisterBenchmark("flow/burst32_frame_rewrite_only",
					     burst<bench_flow_rewrite_only>)->Arg(n);
		benchmark::RegisterBenchmark("flow/hash_single", single<bench_flow_hash_single>)->Arg(n);
		benchmark::RegisterBenchmark("flow/hash_single_sig",
					     single<bench_flow_hash_single_sig>)->Arg(n);
		benchmark::RegisterBenchmark("flow/hash_bulk32", burst<bench_flow_hash_bulk>)->Arg(n);
		benchmark::RegisterBenchmark("flow/hash_bulk32_sig",
					     burst<bench_flow_hash_bulk_sig>)->Arg(n);
	}
}

BENCH_MAIN(register_all())
