#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Draw a congestion-window trace to a PNG: cwnd, ssthresh and bytes in
# flight in KiB over time, SRTT (ms) on the right axis, fast-recovery
# episodes shaded. Two CSV formats, told apart by their header line:
#   time_s,cwnd,ssthresh,flight,srtt_us
#       tests/sim/test_sim_cwnd with TERN_SIM_TRACE=path (one connection,
#       no recovery column: nothing shaded);
#   t_us,conn,mss,cwnd,ssthresh,snd_wnd,flight,srtt_us,rto_us,recovery,state
#       tern-tcp-client --trace path (one or more connections).
# ssthresh 0 means "not set yet" and is not drawn. By default the first
# connection in the file is drawn; CONN picks another, `all` draws each
# to OUT-connN.png. Needs gnuplot (apt-get install gnuplot-nox).
#
#   TERN_SIM_TRACE=/tmp/cwnd.csv build/tests/sim/test_sim_cwnd
#   scripts/plot_cwnd.sh /tmp/cwnd.csv /tmp/cwnd.png ["title"] [CONN|all]
set -eu
if [ $# -lt 2 ] || [ $# -gt 4 ]; then
	echo "usage: $0 trace.csv out.png [title] [conn|all]" >&2
	exit 2
fi
command -v gnuplot >/dev/null || { echo "gnuplot not found (apt-get install gnuplot-nox)" >&2; exit 1; }
csv=$1
png=$2
title=${3:-"tern congestion window"}
want=${4:-first}
[ -r "$csv" ] || { echo "$0: cannot read $csv" >&2; exit 1; }

header=$(head -n 1 "$csv" | tr -d '\r')
case $header in
"time_s,cwnd,ssthresh,flight,srtt_us") fmt=sim ;;
"t_us,conn,mss,cwnd,ssthresh,snd_wnd,flight,srtt_us,rto_us,recovery,state") fmt=client ;;
*)
	echo "$0: $csv: unknown header '$header'" >&2
	exit 1
	;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/plot_cwnd.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# plot_one CONN OUT: normalise the rows of one connection to
# "time_s cwnd ssthresh flight srtt_us", the recovery episodes to
# gnuplot rectangles, and draw.
plot_one() {
	awk -F, -v fmt="$fmt" -v conn="$1" -v data="$tmp/data" -v rects="$tmp/rects.gp" '
	NR == 1 { next }
	fmt == "sim" { print $1, $2, $3, $4, $5 > data; n++; next }
	$2 != conn { next }
	{
		t = $1 / 1e6
		print t, $4, $5, $7, $8 > data
		n++
		if ($10 == 1 && !inrec) { inrec = 1; from = t }
		if ($10 != 1 && inrec) { inrec = 0; rect(from, t) }
		last = t
	}
	function rect(a, b) {
		k++
		printf "set object %d rect from %.6f, graph 0 to %.6f, graph 1 behind " \
		       "fc rgb \"#f6c8c3\" fs solid 0.6 noborder\n", k, a, b > rects
	}
	END {
		if (inrec) rect(from, last)
		printf "" > rects
		if (n == 0) { print "no rows for connection " conn > "/dev/stderr"; exit 1 }
		printf "%d recovery episode(s)\n", k > "/dev/stderr"
	}' "$csv"
	gnuplot <<GP
set terminal pngcairo size 1200,600 noenhanced
set output "$2"
set title "$title"
set xlabel "time (s)"
set ylabel "KiB"
set y2label "SRTT (ms)"
set y2tics
set ytics nomirror
set key top left
set grid
load "$tmp/rects.gp"
plot "$tmp/data" using 1:(\$2/1024) with steps lw 2 title "cwnd", \
     "$tmp/data" using 1:(\$3 > 0 ? \$3/1024 : 1/0) with steps lw 2 dt 2 title "ssthresh", \
     "$tmp/data" using 1:(\$4/1024) with steps lw 1 title "flight", \
     "$tmp/data" using 1:(\$5/1000) axes x1y2 with lines lw 1 title "srtt", \
     keyentry with boxes fc rgb "#f6c8c3" fs solid 0.6 title "recovery"
GP
	echo "wrote $2"
}

conns() {
	awk -F, 'NR > 1 && !seen[$2]++ { print $2 }' "$csv"
}

if [ "$fmt" = sim ]; then
	plot_one 0 "$png"
elif [ "$want" = all ]; then
	for c in $(conns); do
		plot_one "$c" "${png%.png}-conn$c.png"
	done
else
	[ "$want" = first ] && want=$(conns | head -n 1)
	[ -n "$want" ] || { echo "$0: $csv has no rows" >&2; exit 1; }
	plot_one "$want" "$png"
fi
