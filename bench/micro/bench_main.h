// SPDX-License-Identifier: BSD-3-Clause
//
// Shared plumbing for the bench_*.cc files: a benchmark that finds its
// fixture broken (a miss, a leak, a wrong frame) reports it with
// bench_fail(), which marks the run as errored in Google Benchmark's
// output and makes the process exit non-zero, so run.sh and
// `meson test --benchmark` fail instead of printing a figure.
#ifndef TERN_BENCH_MAIN_H
#define TERN_BENCH_MAIN_H

#include <benchmark/benchmark.h>

#include <cstdio>

inline bool bench_failed;

inline void
bench_fail(benchmark::State &st, const char *why)
{
	std::fprintf(stderr, "bench: FAILED: %s\n", why);
	st.SkipWithError(why);
	bench_failed = true;
}

// main() for the bench binaries; `reg` registers what BENCHMARK() cannot
// (families whose order matters), or is empty.
#define BENCH_MAIN(reg)							\
	int								\
	main(int argc, char **argv)					\
	{								\
		reg;							\
		benchmark::Initialize(&argc, argv);			\
		if (benchmark::ReportUnrecognizedArguments(argc, argv))	\
			return 1;					\
		benchmark::RunSpecifiedBenchmarks();			\
		benchmark::Shutdown();					\
		return bench_failed ? 1 : 0;				\
	}

#endif
