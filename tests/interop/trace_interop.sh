#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tern-tcp-client --trace against the Linux kernel through a bottleneck,
# and scripts/plot_cwnd.sh on the result. Run by `meson test` (suite
# interop) with TERN_TCP_CLIENT set; runnable by hand as root. Topology,
# two namespaces made here:
#   router  tap ternt0 (kernel 198.18.2.1/24; tern-tcp-client attaches to
#           it as 198.18.2.2), veth rtA 198.18.3.1/24 with a tbf bottleneck
#           (40 Mbit/s, ~60 KB queue) on its egress, IPv4 forwarding on
#   server  veth rtB 198.18.3.2/24, tcp_it.py's kernel echo server (port 7)
# tern's data to the server crosses the bottleneck, so slow start overflows
# the queue and fast recovery happens for real. Checks: an 8 MiB echo with
# --trace (CSV) completes; trace_check.py asserts the trace (header,
# monotonic time, IW10 first row, sampling period and output bound, flight
# within cwnd outside recovery/RTO catch-up, recovery episodes); the plot
# script draws a non-empty PNG from it and finds the same episodes; .json
# and .jsonl traces parse; bad --trace-us and unwritable --trace files are
# refused. Everything started here is stopped by pid and both namespaces
# are deleted on any exit. Exit status: 0 all passed, 1 a check failed, 77
# cannot run. TERN_IT_KEEP=1 keeps the scratch directory (trace, PNG, logs).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

CLIENT_BIN=${TERN_TCP_CLIENT:-$SCRIPT_DIR/../../build/apps/tcp_client/tern-tcp-client}
PLOT=$SCRIPT_DIR/../../scripts/plot_cwnd.sh
IT=$SCRIPT_DIR/tcp_it.py
CHECK=$SCRIPT_DIR/trace_check.py
ID=tern-trace-$$
NS=$ID-r		# lib.sh's in_ns and step use NS: the router
NS_S=$ID-s
PREFIX=$ID
EAL_ARGS=(--no-huge --no-pci -m 512 --no-shconf -l 0)
PERIOD_US=1000
MIB=$((1 << 20))

CLIENT_RC=

client() {		# client TAG LIMIT CLIENT-ARGS...: leaves CLIENT_RC
	local tag=$1 limit=$2
	shift 2
	CLIENT_RC=0
	ip netns exec "$NS" timeout -k 5 "$limit" "$CLIENT_BIN" "${EAL_ARGS[@]}" \
		--file-prefix "$PREFIX-$tag" --vdev "net_tap0,iface=ternt0" -- \
		--ip 198.18.2.2/24 --gw 198.18.2.1 "$@" >"$WORK/client-$tag.out" 2>&1 ||
		CLIENT_RC=$?
	echo "# tern-tcp-client ($tag) exit $CLIENT_RC"
}

client_ok() {		# client_ok TAG NAME: exit 0 and 1/1 connections ok
	if [[ $CLIENT_RC -eq 0 ]] && grep -q '^tern-tcp-client: 1/1 connections ok' \
		"$WORK/client-$1.out"; then
		tap_line ok "$2"
	else
		tap_line "not ok" "$2 (exit $CLIENT_RC)"
		tail -n 15 "$WORK/client-$1.out" | diag
	fi
}

# -- preconditions -----------------------------------------------------------

need_root "network namespaces, tap devices"
need_bins CLIENT_BIN
[[ -c /dev/net/tun ]] || skip "no /dev/net/tun"
need_tools ip tc timeout awk

it_begin

# -- namespaces, bottleneck, kernel server ------------------------------------

ns_add "$NS" "$NS_S"
in_ns sysctl -qw net.ipv4.ip_forward=1
tap_add ternt0 198.18.2.1/24
in_ns ip link add rtA type veth peer name rtB
in_ns ip link set rtB netns "$NS_S"
in_ns ip addr add 198.18.3.1/24 dev rtA
in_ns ip link set rtA up
in_ns tc qdisc add dev rtA root tbf rate 40mbit burst 16k limit 60k
ip netns exec "$NS_S" ip addr add 198.18.3.2/24 dev rtB
ip netns exec "$NS_S" ip link set rtB up
ip netns exec "$NS_S" ip route add default via 198.18.3.1

if ! tcp_server SERVER_PID "$WORK/server.log" "$NS_S"; then
	tap_line "not ok" "kernel echo server starts behind the bottleneck"
	diag <"$WORK/server.log"
	tap_plan_exit
fi
tap_line ok "kernel echo server behind a 40 Mbit/s tbf bottleneck ($NS -> $NS_S)"

# -- 1: a bulk echo through the bottleneck, traced as CSV ---------------------

client csv 90 --connect 198.18.3.2:7 --bytes $((8 * MIB)) --expect-echo --timeout 60 \
	--trace "$WORK/trace.csv" --trace-us "$PERIOD_US"
client_ok csv "8 MiB echo through the bottleneck with --trace FILE.csv"
if grep -q '^tern-tcp-client: trace: [0-9]* rows' "$WORK/client-csv.out"; then
	tap_line ok "the client reports the rows it wrote"
else
	tap_line "not ok" "the client reports the rows it wrote"
fi
echo "# $(wc -l <"$WORK/trace.csv") lines, $(wc -c <"$WORK/trace.csv") bytes of trace"
step "trace checks" 60 "$PY" "$CHECK" csv "$WORK/trace.csv" "$PERIOD_US" 1

# -- 2: the plot ----------------------------------------------------------------

if command -v gnuplot >/dev/null; then
	rc=0
	sh "$PLOT" "$WORK/trace.csv" "$WORK/trace.png" "trace interop" \
		>"$WORK/plot.out" 2>&1 || rc=$?
	size=$(stat -c %s "$WORK/trace.png" 2>/dev/null || echo 0)
	magic=$(head -c 8 "$WORK/trace.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')
	if [[ $rc -eq 0 && $size -gt 10000 && $magic == 89504e470d0a1a0a ]]; then
		tap_line ok "plot_cwnd.sh draws a PNG from the client's trace ($size bytes)"
	else
		tap_line "not ok" "plot_cwnd.sh draws a PNG (exit $rc, $size bytes, magic $magic)"
		diag <"$WORK/plot.out"
	fi
	shaded=$(sed -n 's/^\([0-9]*\) recovery episode(s)$/\1/p' "$WORK/plot.out")
	counted=$(sed -n 's/^# \([0-9]*\) recovery episode(s)$/\1/p' "$WORK/step.out")
	if [[ -n $shaded && $shaded == "$counted" && $shaded -ge 1 ]]; then
		tap_line ok "the plot shades the $shaded recovery episode(s) of the trace"
	else
		tap_line "not ok" "the plot shades every recovery episode (${shaded:-?} vs ${counted:-?})"
	fi
	rc=0
	sh "$PLOT" "$WORK/trace.csv" "$WORK/all.png" "t" all >"$WORK/plot-all.out" 2>&1 || rc=$?
	if [[ $rc -eq 0 && -s $WORK/all-conn0.png ]]; then
		tap_line ok "plot_cwnd.sh ... all: one PNG per connection"
	else
		tap_line "not ok" "plot_cwnd.sh ... all: one PNG per connection (exit $rc)"
	fi
	printf 'a,b\n1,2\n' >"$WORK/bad.csv"
	if ! sh "$PLOT" "$WORK/bad.csv" "$WORK/bad.png" >/dev/null 2>&1 && [[ ! -e $WORK/bad.png ]]; then
		tap_line ok "plot_cwnd.sh refuses a file with an unknown header"
	else
		tap_line "not ok" "plot_cwnd.sh refuses a file with an unknown header"
	fi
else
	tap_line ok "plot_cwnd.sh # SKIP no gnuplot (scripts/deps.sh installs gnuplot-nox)"
fi

# -- 3: JSON formats --------------------------------------------------------------

for fmt in json jsonl; do
	client "$fmt" 60 --connect 198.18.3.2:7 --bytes $MIB --expect-echo --timeout 30 \
		--trace "$WORK/trace.$fmt" --trace-us 500
	client_ok "$fmt" "1 MiB echo with --trace FILE.$fmt"
	step "$fmt trace checks" 30 "$PY" "$CHECK" "$fmt" "$WORK/trace.$fmt"
done

# -- 4: bad arguments -------------------------------------------------------------

client badus 30 --connect 198.18.3.2:7 --trace "$WORK/x.csv" --trace-us 5
if [[ $CLIENT_RC -eq 2 ]] && grep -q -- '--trace-us: 10..' "$WORK/client-badus.out"; then
	tap_line ok "--trace-us 5 is refused with a usage error"
else
	tap_line "not ok" "--trace-us 5 is refused with a usage error (exit $CLIENT_RC)"
fi
client badpath 30 --connect 198.18.3.2:7 --trace "$WORK/no/such/dir/t.csv"
# checked with the other options, before the EAL starts: a usage error
if [[ $CLIENT_RC -eq 2 ]] && grep -q -- "--trace: $WORK/no/such/dir/t.csv: No such file" \
	"$WORK/client-badpath.out"; then
	tap_line ok "an unwritable --trace file is refused at start-up with its reason"
else
	tap_line "not ok" "an unwritable --trace file is refused at start-up (exit $CLIENT_RC)"
	diag <"$WORK/client-badpath.out"
fi

stop_pid "$SERVER_PID"
tap_plan_exit
