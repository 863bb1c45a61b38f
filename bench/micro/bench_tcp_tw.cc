// SPDX-License-Identifier: BSD-3-Clause
//
// One short connection that tern closes first, through to its TIME-WAIT
// record (lib/tcp/tcp_timewait.c), per iteration: SYN, ACK, close, the
// peer's ACK and FIN. The argument is the record table's size
// (tcp.time_wait_max); peer ports cycle over 60000. With 1024 records the
// table is full after the first iterations and every connection recycles
// the oldest record (its SYN misses in a full table); with 65536 every
// SYN, once the ports wrap, finds its 4-tuple in TIME-WAIT and takes it
// over (RFC 6191). See shim_tcp_tw.c.
#include <benchmark/benchmark.h>

#include "bench_main.h"
#include "shim.h"

static void
BM_tcp_conn_close_first(benchmark::State &st)
{
	struct bench_twait *b = bench_twait_create(uint32_t(st.range(0)));

	if (b == nullptr)
		return bench_fail(st, "tw fixture");
	for (auto _ : st)
		st.SetIterationTime(bench_twait_conn(b));
	st.counters["preempted"] = double(bench_twait_preempted(b));
	st.counters["recycled"] = double(bench_twait_recycled(b));
	if (bench_twait_free(b) != 0)
		bench_fail(st, "a connection misbehaved or mbufs leaked");
	st.SetItemsProcessed(int64_t(st.iterations()));
}

BENCHMARK(BM_tcp_conn_close_first)->ArgName("records")->Arg(1024)->Arg(65536)
	->UseManualTime();

BENCH_MAIN()
