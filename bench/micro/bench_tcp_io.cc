// SPDX-License-Identifier: BSD-3-Clause
//
// TCP per segment on an ESTABLISHED connection (real stack, real mbufs,
// fixture from tests/harness): input of one in-order data segment (64 B
// and a full 1448 B MSS) and of one pure ACK that acknowledges an MSS of
// new data, each with software checksum verification (hw:0) or with the
// mbuf marked GOOD as an offloading NIC does (hw:1); output of one MSS
// segment. The shim times only the stack calls (manual time); building
// frames and playing the peer and the app stay outside. Every run ends by
// checking that the mbuf pool never drifted. See shim_tcp_io.c.
#include <benchmark/benchmark.h>

#include "bench_main.h"
#include "shim.h"

static void
done(benchmark::State &st, struct bench_tcp *b)
{
	st.counters["preempted"] = double(bench_tcp_preempted(b));
	if (bench_tcp_check(b) != 0)
		bench_fail(st, "mbuf pool drifted or the connection misbehaved");
	if (bench_tcp_free(b) != 0)
		bench_fail(st, "mbufs leaked");
}

static void
BM_tcp_rx_data(benchmark::State &st)
{
	uint16_t len = uint16_t(st.range(0));
	struct bench_tcp *b = bench_tcp_create(int(st.range(1)));

	if (b == nullptr)
		return bench_fail(st, "tcp fixture");
	for (auto _ : st)
		st.SetIterationTime(bench_tcp_rx_data(b, len));
	done(st, b);
	st.SetItemsProcessed(int64_t(st.iterations()));
	st.SetBytesProcessed(int64_t(st.iterations()) * len);
}

static void
BM_tcp_rx_ack(benchmark::State &st)
{
	struct bench_tcp *b = bench_tcp_create(int(st.range(0)));

	if (b == nullptr)
		return bench_fail(st, "tcp fixture");
	for (auto _ : st)
		st.SetIterationTime(bench_tcp_rx_ack(b));
	done(st, b);
	st.SetItemsProcessed(int64_t(st.iterations()));
}

static void
BM_tcp_tx_mss(benchmark::State &st)
{
	struct bench_tcp *b = bench_tcp_create(0);
	int64_t mss;

	if (b == nullptr)
		return bench_fail(st, "tcp fixture");
	mss = bench_tcp_mss_payload(b);
	for (auto _ : st)
		st.SetIterationTime(bench_tcp_tx_mss(b));
	done(st, b);
	st.SetItemsProcessed(int64_t(st.iterations()));
	st.SetBytesProcessed(int64_t(st.iterations()) * mss);
}

BENCHMARK(BM_tcp_rx_data)->ArgNames({ "len", "hw" })
	->ArgsProduct({ { 64, 1448 }, { 0, 1 } })->UseManualTime();
BENCHMARK(BM_tcp_rx_ack)->ArgName("hw")->DenseRange(0, 1)->UseManualTime();
BENCHMARK(BM_tcp_tx_mss)->UseManualTime();
BENCH_MAIN()
