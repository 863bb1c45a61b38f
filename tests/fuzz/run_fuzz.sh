#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A bounded libFuzzer run for CI (meson suite 'fuzz_run', -Dfuzz=true):
# runs FUZZER for TERN_FUZZ_SECONDS (default 45) seconds over a copy of
# the committed CORPUS, so the run never writes into the source tree
# (inputs it finds go to the copy; keep one with TERN_FUZZ_KEEP=DIR).
# A crash, leak, timeout or out-of-memory fails the test: the input is
# saved under TERN_FUZZ_ARTIFACTS (meson: the build tree's
# fuzz-artifacts/) and printed in hex, so a CI log alone is enough to
# reproduce it (see lib/README.md, Fuzzing).
#
# usage: run_fuzz.sh FUZZER CORPUS
set -euo pipefail

fuzzer=$1
corpus=$2
secs=${TERN_FUZZ_SECONDS:-45}
name=$(basename "$fuzzer")
art=${TERN_FUZZ_ARTIFACTS:-$(dirname "$fuzzer")/fuzz-artifacts}/$name
work=$(mktemp -d "${TMPDIR:-/tmp}/tern-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/corpus" "$art"
cp -r "$corpus"/. "$work/corpus/"
before=$(find "$work/corpus" -type f | wc -l)

# one process, one input at a time; -timeout catches a hang of one input
# (a TCP input takes milliseconds), -rss_limit_mb runaway memory
rc=0
touch "$work/stamp"
"$fuzzer" -max_total_time="$secs" -timeout=60 -rss_limit_mb=4096 \
	-print_final_stats=1 -artifact_prefix="$art/" \
	"$work/corpus" >"$work/log" 2>&1 || rc=$?
after=$(find "$work/corpus" -type f | wc -l)
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1 || true)
if [ -n "${TERN_FUZZ_KEEP:-}" ]; then
	mkdir -p "$TERN_FUZZ_KEEP"
	cp -r "$work/corpus"/. "$TERN_FUZZ_KEEP/"
fi

if [ "$rc" -ne 0 ]; then
	tail -n 60 "$work/log"
	# this run's artifacts only (older ones stay for reference)
	find "$art" -type f -newer "$work/stamp" | while read -r f; do
		echo "# artifact $f:"
		od -An -tx1 -v "$f" | head -n 64
	done
	echo "not ok - $name: libFuzzer exited $rc after ${runs:-?} runs" \
		"(artifacts in $art)"
	exit 1
fi
echo "ok - $name: ${runs:-?} runs in ${secs} s, ${cov:-cov ?}," \
	"corpus $before -> $after inputs"
