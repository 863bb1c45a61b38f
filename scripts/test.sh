#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Build tern twice (release, and debug with ASan/UBSan) and run every test
# suite on both: unit (cmocka, real EAL with --no-huge --no-pci), wire
# (golden vectors), stack, and interop with the Linux kernel in network
# namespaces. Then, when clang links libFuzzer, a third tree (build-fuzz:
# clang, ASan/UBSan, libtern with coverage) builds the fuzz targets and
# runs each for TERN_FUZZ_SECONDS (45) seconds (suite fuzz_run; a crash
# fails). Ends with one line "N passed, N failed" counting test cases.
#
# usage: scripts/test.sh [--quick]   (--quick: release build only)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
quick=0
[ "${1:-}" = "--quick" ] && quick=1

if [ "$(id -u)" -ne 0 ]; then
	echo "test.sh: needs root (EAL, network namespaces)" >&2
	exit 2
fi
bash scripts/deps.sh

builds=(build)
[ "$quick" -eq 1 ] || builds+=(build-asan)

# clang that can link a libFuzzer target (clang + libclang-rt-dev)
fuzz_available() {
	local probe
	command -v clang >/dev/null || return 1
	probe=$(mktemp -d)
	printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\n%s\n' \
		'{ (void)d; (void)n; return 0; }' >"$probe/p.c"
	clang -fsanitize=fuzzer -o "$probe/p" "$probe/p.c" >/dev/null 2>&1
	local rc=$?
	rm -rf "$probe"
	return $rc
}

configure() {
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		return 0
	fi
	meson setup "$dir" "$@" >/dev/null
}

configure build -Dbuildtype=release -Dtests=true
if [ "$quick" -eq 0 ]; then
	configure build-asan -Dbuildtype=debug -Db_sanitize=address,undefined \
		-Db_lundef=false -Dtests=true
	if fuzz_available; then
		# optimised (fuzzing speed) but with RTE_ASSERT on: a broken
		# invariant is a crash the fuzzer reports
		CC=clang configure build-fuzz -Dbuildtype=debugoptimized \
			-Dc_args=-DRTE_ENABLE_ASSERT -Db_sanitize=address,undefined \
			-Db_lundef=false -Dtests=true -Dfuzz=true
		builds+=(build-fuzz)
	else
		echo "== build-fuzz: skipped (no clang with libFuzzer)"
	fi
fi

status=0
for b in "${builds[@]}"; do
	echo "== $b: build"
	# the fuzz tree builds and runs only the fuzzers: the other trees
	# already run every suite, corpus replays included
	what=()
	suites=()
	if [ "$b" = build-fuzz ]; then
		what=(fuzzers)
		suites=(--suite fuzz_run)
	fi
	ninja -C "$b" "${what[@]}" >/dev/null
	echo "== $b: test"
	# DPDK keeps some EAL allocations until exit: leak checking stays on for
	# our code through the mbuf-pool baseline checks instead.
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		meson test -C "$b" --print-errorlogs --no-rebuild "${suites[@]}" || status=1
done

python3 "$root/scripts/count_results.py" "${builds[@]/#/$root/}"
exit $status
