#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tern microbenchmarks (issue 6, bench/micro): builds build-bench
# (meson -Dbench=true) when needed, runs every bench/micro/bench_* binary
# with Google Benchmark's JSON output into results/micro-<timestamp>/
# (one <binary>.json each, stderr beside it in <binary>.log), then prints
# one compact table of all of them. A binary that fails (a miss, an mbuf
# leak, a wrong frame: see bench_main.h) makes the script exit non-zero.
# Runs on one core at nice 10; nothing is left running.
#
# usage: bench/micro/run.sh [--quick] [BINARY_FILTER] [-- GOOGLE_BENCHMARK_ARGS...]
#   --quick          --benchmark_min_time=0.05 (a smoke run, figures rough)
#   BINARY_FILTER    only binaries whose name contains it (e.g. flow)
#   after --          passed to every binary (e.g. --benchmark_filter=1000000)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BENCH_BUILD:-$REPO/build-bench}
PY=/usr/bin/python3

QUICK=0
FILTER=
EXTRA=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--quick) QUICK=1 ;;
	--) shift; EXTRA=("$@"); break ;;
	-h|--help) sed -n 3,16p "$0"; exit 0 ;;
	-*) echo "usage: bench/micro/run.sh [--quick] [FILTER] [-- ARGS...]" >&2; exit 2 ;;
	*) FILTER=$1 ;;
	esac
	shift
done
[[ $QUICK -eq 1 ]] && EXTRA=(--benchmark_min_time=0.05 "${EXTRA[@]}")

if [[ ! -f $BUILD/build.ninja ]]; then
	meson setup "$BUILD" -Dbench=true
elif ! meson introspect --buildoptions "$BUILD" |
	"$PY" -c 'import json,sys; o={x["name"]: x["value"] for x in json.load(sys.stdin)}; sys.exit(0 if o.get("bench") else 1)'; then
	meson configure "$BUILD" -Dbench=true
fi
nice ninja -C "$BUILD" >/dev/null

OUT=$REPO/results/micro-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
{
	echo "git: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')"
	echo "date: $(date -Is)"
	echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "args: ${EXTRA[*]:-}"
} >"$OUT/meta.txt"

FAILED=()
for bin in "$BUILD"/bench/micro/bench_*; do
	[[ -f $bin && -x $bin ]] || continue
	name=$(basename "$bin")
	[[ -z $FILTER || $name == *"$FILTER"* ]] || continue
	echo "running $name ..." >&2
	if ! nice -n 10 "$bin" --benchmark_format=json "${EXTRA[@]}" \
		>"$OUT/$name.json" 2>"$OUT/$name.log"; then
		FAILED+=("$name")
		echo "  FAILED: $name (see $OUT/$name.log)" >&2
		tail -n 5 "$OUT/$name.log" >&2 || true
	fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/meta.txt"

"$PY" - "$OUT" <<'EOF'
import glob, json, os, sys

SCALE = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

def si(v):
    for div, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= div:
            return f"{v / div:.3g}{unit}"
    return f"{v:.3g}"

rows = []
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError):
        rows.append((os.path.basename(path), "(no valid JSON: the binary failed)", "", "", "", ""))
        continue
    for b in doc.get("benchmarks", []):
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        name = b["name"]
        if b.get("error_occurred"):
            rows.append((name, "ERROR: " + b.get("error_message", ""), "", "", "", ""))
            continue
        k = SCALE[b.get("time_unit", "ns")]
        items = b.get("items_per_second")
        rate = b.get("bytes_per_second")
        manual = "/manual_time" in name
        rows.append((name, f"{b['real_time'] * k:.1f}",
                     "-" if manual else f"{b['cpu_time'] * k:.1f}",
                     si(items) if items else "-",
                     f"{1e9 / items:.1f}" if items else "-",
                     si(rate) + "B/s" if rate else "-"))

head = ("benchmark", "ns/op", "cpu ns/op", "items/s", "ns/item", "bytes/s")
w = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
line = lambda r: "  ".join(str(c).ljust(w[0]) if i == 0 else str(c).rjust(w[i])
                           for i, c in enumerate(r))
print(line(head))
print("  ".join("-" * x for x in w))
for r in rows:
    print(line(r))
print("ns/op: wall time per iteration (*/manual_time: what the shim timed, "
      "the measured calls only, see shim_*.c); cpu ns/op, items/s, ns/item: "
      "per CPU second (manual_time: per timed second).")
EOF
echo "results: $OUT" >&2
if [[ ${#FAILED[@]} -gt 0 ]]; then
	echo "FAILED: ${FAILED[*]}" >&2
	exit 1
fi
