#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Draw a cwnd trace (CSV: time_s,cwnd,ssthresh,flight,srtt_us; bytes, as
# written by tests/sim/test_sim_cwnd with TERN_SIM_TRACE=path) to a PNG:
# cwnd, ssthresh and bytes in flight in KiB over time, SRTT on the right
# axis. Needs gnuplot (apt-get install gnuplot-nox).
#
#   TERN_SIM_TRACE=/tmp/cwnd.csv build/tests/sim/test_sim_cwnd
#   scripts/plot_cwnd.sh /tmp/cwnd.csv /tmp/cwnd.png ["title"]
set -eu
if [ $# -lt 2 ]; then
	echo "usage: $0 trace.csv out.png [title]" >&2
	exit 2
fi
command -v gnuplot >/dev/null || { echo "gnuplot not found (apt-get install gnuplot-nox)" >&2; exit 1; }
csv=$1
png=$2
title=${3:-"tern congestion window"}
gnuplot <<GP
set datafile separator ","
set terminal pngcairo size 1200,600 noenhanced
set output "$png"
set title "$title"
set xlabel "time (s)"
set ylabel "KiB"
set y2label "SRTT (ms)"
set y2tics
set ytics nomirror
set key top left
set grid
plot "$csv" every ::1 using 1:(\$2/1024) with steps lw 2 title "cwnd", \
     "$csv" every ::1 using 1:(\$3 > 0 ? \$3/1024 : 1/0) with steps lw 2 dt 2 title "ssthresh", \
     "$csv" every ::1 using 1:(\$4/1024) with steps lw 1 title "flight", \
     "$csv" every ::1 using 1:(\$5/1000) axes x1y2 with lines lw 1 title "srtt"
GP
echo "wrote $png"
