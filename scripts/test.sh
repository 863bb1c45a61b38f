#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Build tern twice (release, and debug with ASan/UBSan) and run every test
# suite on both: unit (cmocka, real EAL with --no-huge --no-pci), wire
# (golden vectors), stack, and interop with the Linux kernel in network
# namespaces. Then, when clang links libFuzzer, a third tree (build-fuzz:
# clang, ASan/UBSan, libtern with coverage) builds the fuzz targets and
# runs each for TERN_FUZZ_SECONDS (45) seconds (suite fuzz_run; a crash
# fails). Ends with one line "N passed, N failed" counting test cases.
# Each phase (deps, configure, build, test of each tree) starts with a line
# "== [m:ss] ..." giving the time since the start, so a long build is not
# mistaken for a hang; the total time comes just before the counts. About
# 23 minutes on an idle 2-vCPU machine, up to ~37 on a loaded one.
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

# Progress lines: "== [m:ss] what", m:ss being the time since the start.
elapsed() {
	printf '%d:%02d' $((SECONDS / 60)) $((SECONDS % 60))
}
phase() {
	echo "== [$(elapsed)] $*"
}

SECONDS=0
phase "deps"
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
		phase "$dir: configure (already configured)"
		return 0
	fi
	phase "$dir: configure"
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
	phase "$b: build"
	# the fuzz tree builds and runs only the fuzzers: the other trees
	# already run every suite, corpus replays included
	what=()
	suites=()
	if [ "$b" = build-fuzz ]; then
		what=(fuzzers)
		suites=(--suite fuzz_run)
	fi
	ninja -C "$b" "${what[@]}" >/dev/null
	phase "$b: test (${suites[1]:+suite }${suites[1]:-every suite})"
	# DPDK keeps some EAL allocations until exit: leak checking stays on for
	# our code through the mbuf-pool baseline checks instead.
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		meson test -C "$b" --print-errorlogs --no-rebuild "${suites[@]}" || status=1
done

phase "done: total time $(elapsed)"
python3 "$root/scripts/count_results.py" "${builds[@]/#/$root/}"
exit $status
