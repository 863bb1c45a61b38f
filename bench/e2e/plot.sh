#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Plots of one bench/e2e/run.sh result directory (run.sh calls it at the
# end; runnable by hand on any results/<timestamp>/). Reads the JSON files
# run.sh wrote and, when bench/e2e/scale.sh ran, scale.csv; writes into the
# same directory:
#   latency-spectrum.png  keep-alive latency by percentile, tern-load ->
#                         tern-httpd vs wrk -> nginx at each connection
#                         count (x: percentile on a "nines" axis, 50 ..
#                         99.999, i.e. -log10(1 - p/100); y: microseconds,
#                         log). Kernel percentiles are wrk's own.
#   rps-vs-conns.png      keep-alive req/s vs concurrent connections, both.
#   scale-rps.png         from scale.csv (conns,rps,rss_kib,kib_per_conn):
#                         req/s and KiB per connection vs connections.
# The data gnuplot reads is left in <dir>/plot-data/. Exit 0 when every plot
# whose inputs exist was drawn, 1 otherwise, 2 on usage.
#
# usage: bench/e2e/plot.sh RESULTS_DIR
set -euo pipefail

if [[ $# -ne 1 || ! -d $1 ]]; then
	echo "usage: bench/e2e/plot.sh RESULTS_DIR" >&2
	exit 2
fi
DIR=$(cd "$1" && pwd)
DATA=$DIR/plot-data
command -v gnuplot >/dev/null || { echo "plot: no gnuplot (apt-get install gnuplot-nox)" >&2; exit 1; }
mkdir -p "$DATA"

# JSON -> whitespace tables; prints the connection counts with both sides.
CONNS=$(/usr/bin/python3 - "$DIR" "$DATA" <<'PYEOF'
import glob, json, math, os, re, sys
d, data = sys.argv[1:3]

def load(name):
	try:
		return json.load(open(os.path.join(d, name + ".json")))
	except (OSError, ValueError):
		return None

def spectrum(j):
	pts = j.get("spectrum") or []
	out = []
	for s in pts:
		p, v = float(s["percentile"]), s["latency_us"]
		if 50 <= p <= 99.9991 and v is not None and v > 0:
			out.append((-math.log10(1 - p / 100), p, max(float(v), 1.0)))
	return out

conns = sorted({int(m.group(1)) for f in os.listdir(d)
		for m in [re.match(r"(?:tern|kernel)-ka-c(\d+)\.json$", f)] if m})
both = []
with open(os.path.join(data, "rps.dat"), "w") as f:
	f.write("# conns tern_rps kernel_rps\n")
	for c in conns:
		t, k = load("tern-ka-c%d" % c), load("kernel-ka-c%d" % c)
		tr = t["rates"]["requests_per_s"] if t else float("nan")
		kr = (k.get("requests_per_sec") if k else None) or float("nan")
		f.write("%d %s %s\n" % (c, tr, kr))
for c in conns:
	t, k = load("tern-ka-c%d" % c), load("kernel-ka-c%d" % c)
	ts, ks = spectrum(t) if t else [], spectrum(k) if k else []
	for side, pts in (("tern", ts), ("kernel", ks)):
		with open(os.path.join(data, "spectrum-%s-c%d.dat" % (side, c)), "w") as f:
			f.write("# nines percentile latency_us\n")
			for x in pts:
				f.write("%.6f %.6f %.1f\n" % x)
	if ts and ks:
		both.append(str(c))
print(" ".join(both))
PYEOF
)

rc=0
if [[ -n $CONNS ]]; then
	plots=()
	i=0
	for c in $CONNS; do
		i=$((i + 1))
		plots+=("'$DATA/spectrum-tern-c$c.dat' using 1:3 with linespoints lc $i lw 2 pt 7 ps 0.5 title 'tern c=$c'")
		plots+=("'$DATA/spectrum-kernel-c$c.dat' using 1:3 with linespoints lc $i lw 2 dt 2 pt 6 ps 0.5 title 'kernel (nginx+wrk) c=$c'")
	done
	gnuplot <<EOF || rc=1
set terminal pngcairo size 1000,640 font ",10"
set output '$DIR/latency-spectrum.png'
set title "keep-alive latency by percentile: tern-load -> tern-httpd (memif) vs wrk -> nginx (loopback)"
set xlabel "percentile"
set ylabel "latency (us)"
set logscale y
set grid xtics ytics mytics
set xrange [0.25:5.05]
set xtics ("50" -log10(0.5), "90" 1, "99" 2, "99.9" 3, "99.99" 4, "99.999" 5)
set key bottom right
plot $(IFS=,; echo "${plots[*]}")
EOF
	gnuplot <<EOF || rc=1
set terminal pngcairo size 900,600 font ",10"
set output '$DIR/rps-vs-conns.png'
set title "keep-alive requests/s vs concurrent connections (64-byte body, 1 core each side)"
set xlabel "concurrent connections"
set ylabel "requests/s"
set logscale x
set grid
set yrange [0:*]
set key top left
plot '$DATA/rps.dat' using 1:2 with linespoints lw 2 pt 7 title 'tern-load -> tern-httpd (memif)', \\
     '' using 1:3 with linespoints lw 2 dt 2 pt 6 title 'wrk -> nginx (loopback)'
EOF
	echo "plot: $DIR/latency-spectrum.png $DIR/rps-vs-conns.png"
else
	echo "plot: no keep-alive run with both tern and kernel results in $DIR" >&2
	rc=1
fi

# scale.csv from bench/e2e/scale.sh: conns,rps,rss_kib,kib_per_conn
if [[ -s $DIR/scale.csv ]]; then
	gnuplot <<EOF || rc=1
set terminal pngcairo size 900,600 font ",10"
set output '$DIR/scale-rps.png'
set datafile separator ","
set title "tern: requests/s and memory per connection vs concurrent connections (scale.csv)"
set xlabel "concurrent connections"
set ylabel "requests/s"
set y2label "KiB per connection"
set format x "%.0f"
set logscale x
set grid
set yrange [0:*]
set y2range [0:*]
set ytics nomirror
set y2tics
set key top right
plot '$DIR/scale.csv' using 1:2 skip 1 with linespoints lw 2 pt 7 title 'req/s', \\
     '' using 1:4 skip 1 axes x1y2 with linespoints lw 2 dt 2 pt 6 title 'KiB per connection'
EOF
	echo "plot: $DIR/scale-rps.png"
fi
exit "$rc"
