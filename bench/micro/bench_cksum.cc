// SPDX-License-Identifier: BSD-3-Clause
//
// Checksum throughput, ours (cksum_raw) against DPDK's rte_raw_cksum, over
// 64 B .. 64 KiB at an aligned and an odd offset. No logic here: the C
// functions are called as they are.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

extern "C" {
#include "wire/cksum.h"
}
#include <rte_ip.h>

static std::vector<uint8_t> &
buffer()
{
	static std::vector<uint8_t> b(65536 + 64);
	for (size_t i = 0; i < b.size(); i++)
		b[i] = (uint8_t)(i * 131 + 7);
	return b;
}

static void
BM_cksum_raw(benchmark::State &st)
{
	auto &b = buffer();
	size_t len = st.range(0), off = st.range(1);

	for (auto _ : st)
		benchmark::DoNotOptimize(cksum_raw(b.data() + off, len, 0));
	st.SetBytesProcessed(int64_t(st.iterations()) * len);
}

static void
BM_rte_raw_cksum(benchmark::State &st)
{
	auto &b = buffer();
	size_t len = st.range(0), off = st.range(1);

	for (auto _ : st)
		benchmark::DoNotOptimize(rte_raw_cksum(b.data() + off, len));
	st.SetBytesProcessed(int64_t(st.iterations()) * len);
}

#define SIZES ->ArgsProduct({ { 64, 256, 1460, 9000, 65536 }, { 0, 1 } })
BENCHMARK(BM_cksum_raw) SIZES;
BENCHMARK(BM_rte_raw_cksum) SIZES;
BENCHMARK_MAIN();
