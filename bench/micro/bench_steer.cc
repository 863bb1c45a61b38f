// SPDX-License-Identifier: BSD-3-Clause
//
// The software steering hop (issue 10: "under 100 cycles per frame"): two
// stacks on a two-queue net_ring port in software steering mode, a burst
// of 32 TCP frames that queue 1 owns arriving on queue 0. Counters, per
// frame in TSC ticks (reference cycles) and ns, medians over the rounds:
//   send_tsc    queue 0's poll that steers them, minus its empty poll
//   peer_tsc    queue 1's poll that takes them from the steering ring and
//               processes them, minus its empty poll
//   direct_tsc  queue 1's poll of the same frames on its own RX ring
//   hop_tsc     send + peer - direct: what steering adds to a frame
//   empty0_tsc, empty1_tsc: an empty poll of each stack (per poll)
// Two variants: queue 1's stack polled on the main lcore too ("one core":
// the hop's own work) or by lcore 1 (cache lines cross cores). Manual
// time is the two loaded polls of a steered burst; ns/item is their sum
// per frame, fixed costs of the polls included.
// steer_parts: the hop's pieces alone on one core, hot caches, per frame
// (tsc_per_frame): 32 single SP enqueues + a burst dequeue (what
// steer_to and steer_take do), one burst enqueue + a burst dequeue (what
// a per-destination batch would cost), and the owner's second peek + hash;
// tsc_per_frame is the thread's CPU time in TSC ticks (the machine may be
// shared: wall time would count other processes' slices).
// conn/open: a tern_tcp_connect through the channel, the poll that runs it
// (ephemeral port whose replies come home, TCB, SYN out), on a port with
// one queue and with two; connect_tsc is that poll minus an empty one.
// flow_port_pick alone is in bench_flow_owner. Every fixture checks each
// round's counters and the mbuf pool (shim_steer.c) and fails the run on
// a mismatch.
#include <benchmark/benchmark.h>

#include "bench_main.h"
#include "shim_steer.h"

static void
BM_steer_hop(benchmark::State &st)
{
	unsigned int mode = (unsigned int)st.range(0);
	struct bench_steer *b = bench_steer_create(mode);
	struct bench_steer_figures f;

	if (b == nullptr)
		return bench_fail(st, "steering fixture");
	st.SetLabel(bench_steer_mode_name(mode));
	for (auto _ : st)
		st.SetIterationTime(bench_steer_round(b));
	bench_steer_figures(b, &f);
	st.counters["send_tsc"] = f.send;
	st.counters["peer_tsc"] = f.peer;
	st.counters["direct_tsc"] = f.direct;
	st.counters["hop_tsc"] = f.hop;
	st.counters["hop_ns"] = f.hop / f.tsc_per_ns;
	st.counters["empty0_tsc"] = f.empty0;
	st.counters["empty1_tsc"] = f.empty1;
	if (bench_steer_check(b) != 0)
		bench_fail(st, "a round moved the wrong frames or leaked mbufs");
	if (bench_steer_free(b) != 0)
		bench_fail(st, "mbufs leaked");
	st.SetItemsProcessed(int64_t(st.iterations()) * BENCH_STEER_BURST);
}

template <unsigned int (*Op)(struct bench_steer_parts *)>
static void
BM_steer_parts(benchmark::State &st)
{
	struct bench_steer_parts *p = bench_steer_parts_create();
	uint64_t t0;

	if (p == nullptr)
		return bench_fail(st, "steering parts fixture");
	t0 = bench_steer_cpu_ns();
	for (auto _ : st)
		benchmark::DoNotOptimize(Op(p));
	st.counters["tsc_per_frame"] = double(bench_steer_cpu_ns() - t0) *
		bench_steer_tsc_per_ns() / double(st.iterations() * BENCH_STEER_BURST);
	if (bench_steer_parts_check(p) != 0)
		bench_fail(st, "a wrong frame, tuple or hash");
	if (bench_steer_parts_free(p) != 0)
		bench_fail(st, "mbufs leaked");
	st.SetItemsProcessed(int64_t(st.iterations()) * BENCH_STEER_BURST);
}

static void
BM_conn_open(benchmark::State &st)
{
	struct bench_conn *c = bench_conn_create(uint16_t(st.range(0)));
	double tsc;

	if (c == nullptr)
		return bench_fail(st, "connect fixture");
	for (auto _ : st)
		st.SetIterationTime(bench_conn_connect(c));
	tsc = bench_conn_cycles(c);
	st.counters["connect_tsc"] = tsc;
	st.counters["connect_ns"] = tsc / bench_steer_tsc_per_ns();
	if (bench_conn_check(c) != 0)
		bench_fail(st, "an open went wrong or leaked mbufs");
	if (bench_conn_free(c) != 0)
		bench_fail(st, "mbufs leaked");
	st.SetItemsProcessed(int64_t(st.iterations()));
}

BENCHMARK(BM_steer_hop)->ArgName("two_cores")
	->DenseRange(BENCH_STEER_ONE_CORE, BENCH_STEER_TWO_CORES)->UseManualTime();
BENCHMARK(BM_steer_parts<bench_steer_parts_ring_single>)->Name("steer_parts/ring_single");
BENCHMARK(BM_steer_parts<bench_steer_parts_ring_burst>)->Name("steer_parts/ring_burst");
BENCHMARK(BM_steer_parts<bench_steer_parts_peek>)->Name("steer_parts/peek_hash");
BENCHMARK(BM_conn_open)->ArgName("queues")->DenseRange(1, 2)->UseManualTime();
BENCH_MAIN()
