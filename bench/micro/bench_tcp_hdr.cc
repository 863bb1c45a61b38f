// SPDX-License-Identifier: BSD-3-Clause
//
// tcp_hdr_parse() (lib/wire/tcp_hdr.c) on three headers the shim builds
// with the library's emitter: plain ACK (20 B), SYN with MSS/WS/SACK-perm/TS
// (40 B), ACK with TS + 3 SACK blocks (60 B), each followed by 1448 bytes
// of payload as on the wire. Bytes/s counts header bytes parsed.
#include <benchmark/benchmark.h>

#include <cstdint>

extern "C" {
#include "wire/tcp_hdr.h"
}
#include "bench_main.h"
#include "shim.h"

static void
BM_tcp_hdr_parse(benchmark::State &st)
{
	static uint8_t buf[TCP_HDR_MAX + 1448];
	unsigned int kind = (unsigned int)st.range(0);
	uint32_t hl = bench_tcp_hdr_build(kind, buf, sizeof(buf), 1448);
	struct tcp_seg seg;

	if (hl == 0 || bench_tcp_hdr_check(kind, buf, hl + 1448) != 0) {
		return bench_fail(st, "header did not build/parse back");
	}
	for (auto _ : st) {
		benchmark::DoNotOptimize(tcp_hdr_parse(buf, hl + 1448, &seg));
		benchmark::ClobberMemory();
	}
	st.SetItemsProcessed(int64_t(st.iterations()));
	st.SetBytesProcessed(int64_t(st.iterations()) * hl);
	st.SetLabel(bench_tcp_hdr_name(kind));
}

BENCHMARK(BM_tcp_hdr_parse)->ArgName("kind")->DenseRange(0, BENCH_HDR_COUNT - 1);
BENCH_MAIN()
