#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Build tern twice (release, and debug with ASan/UBSan) and run every test
# suite on both: unit (cmocka, real EAL with --no-huge --no-pci), wire
# (golden vectors), stack, and interop with the Linux kernel in network
# namespaces. Ends with one line "N passed, N failed" counting test cases.
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
fi

status=0
for b in "${builds[@]}"; do
	echo "== $b: build"
	ninja -C "$b" >/dev/null
	echo "== $b: test"
	# DPDK keeps some EAL allocations until exit: leak checking stays on for
	# our code through the mbuf-pool baseline checks instead.
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		meson test -C "$b" --print-errorlogs --no-rebuild || status=1
done

python3 "$root/scripts/count_results.py" "${builds[@]/#/$root/}"
exit $status
