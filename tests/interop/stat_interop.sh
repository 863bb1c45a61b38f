#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tern-stat against live tern processes (issue 13 item 1). One network
# namespace of our own with two veth pairs (offloads off on both ends):
# tern-echo on two lcores (EAL -l 0-1, net_af_packet qpairs=2, 198.18.44.2;
# TCP echo 7, discard 9, UDP echo 7, a 4 KiB send buffer) and tern-httpd on
# two lcores (198.18.45.2, port 80). A kernel python client (stat_it.py
# hold) leaves them with sockets in known states: ESTABLISHED and
# CLOSE_WAIT on tern-echo, ESTABLISHED, FIN_WAIT_2 and TIME_WAIT on
# tern-httpd (tern-echo never closes first, so its side cannot reach the
# active-close states). Checks: tern-stat lists exactly those (ports,
# states, lcores; listeners and UDP sockets on every lcore), its JSON
# parses, the filters and the text table agree, -s sums equal /tern/stats,
# -w gives rates, and with tern-echo's lcore 1 stopped (ptrace) tern-stat
# ends in seconds with an error naming lcore 1 instead of hanging.
# Run by `meson test` (suite interop) with TERN_ECHO, TERN_HTTPD and
# TERN_STAT set; runnable by hand as root. Every process is bounded by
# timeout(1) and stopped by pid; the namespace and the DPDK runtime
# directories go on any exit.
# Exit status: 0 all passed, 1 a check failed, 77 cannot run.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

ECHO_BIN=${TERN_ECHO:-$SCRIPT_DIR/../../build/apps/echo/tern-echo}
HTTPD_BIN=${TERN_HTTPD:-$SCRIPT_DIR/../../build/apps/httpd/tern-httpd}
STAT_BIN=${TERN_STAT:-$SCRIPT_DIR/../../build/apps/stat/tern-stat}
PY=/usr/bin/python3
IT=$SCRIPT_DIR/stat_it.py
ID=tern-st-$$
NS=$ID
RUNTIME_DIR=/var/run/dpdk
EAL=(--no-huge --no-pci -m 512 --no-shconf -l 0-1)
APP_LIMIT=120

WORK=
PIDS=()

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
	local rc=$? pid

	set +e
	trap - EXIT INT TERM
	for pid in "$STEP_PID" "${PIDS[@]}"; do
		[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && stop_pid "$pid"
	done
	if [[ -e /var/run/netns/$NS ]]; then
		for pid in $(ip netns pids "$NS" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null	# only what we started in it
		done
		ip netns del "$NS"
	fi
	rm -rf "${RUNTIME_DIR:?}/$ID"-*
	if [[ -n $WORK && -d $WORK ]]; then
		if [[ -n ${TERN_IT_KEEP:-} ]]; then echo "# kept $WORK"; else rm -rf "$WORK"; fi
	fi
	exit "$rc"
}

veth() {		# veth TERN-END KERNEL-END KERNEL-IP/N
	in_ns ip link add "$1" type veth peer name "$2"
	# af_packet would otherwise hand tern partial checksums and GSO frames
	in_ns ethtool -K "$2" tx off tso off gso off gro off >/dev/null
	in_ns ethtool -K "$1" tx off tso off gso off gro off >/dev/null
	in_ns ip addr add "$3" dev "$2"
	in_ns ip link set "$1" up
	in_ns ip link set "$2" up
}

start_app() {		# start_app VAR LOG READY-REGEX CMD...
	local _var=$1 _log=$2 _ready=$3 _pid
	shift 3
	timeout -k 5 "$APP_LIMIT" "$@" >"$_log" 2>&1 &
	_pid=$!
	PIDS+=("$_pid")
	printf -v "$_var" '%s' "$_pid"
	wait_line "$_pid" "$_log" "$_ready" 600
}

child_of() {		# child_of PID: the process timeout(1) runs
	local c
	c=$(cat "/proc/$1/task/$1/children" 2>/dev/null || true)
	echo "${c%% *}"
}

[[ $EUID -eq 0 ]] || skip "needs root (network namespaces, veth, DPDK, ptrace)"
for bin in ECHO_BIN HTTPD_BIN STAT_BIN; do
	[[ -x ${!bin} ]] || skip "not built: ${!bin}"
done
[[ $(nproc) -ge 2 ]] || skip "fewer than 2 CPUs"
for tool in ip ethtool timeout; do
	command -v "$tool" >/dev/null || skip "missing $tool"
done

WORK=$(mktemp -d "/tmp/$ID.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
T_START=$SECONDS
ip netns add "$NS"
in_ns ip link set lo up
veth sea sek 198.18.44.1/24
veth sha shk 198.18.45.1/24
printf '[tcp]\nsndbuf = 4096\n' >"$WORK/echo.ini"

ECHO_PID='' HTTPD_PID=''
ok_e=0 ok_h=0
start_app ECHO_PID "$WORK/echo.log" '^tern-echo: ready' ip netns exec "$NS" "$ECHO_BIN" \
	"${EAL[@]}" --file-prefix "$ID-e" --vdev net_af_packet0,iface=sea,qpairs=2 -- \
	--config "$WORK/echo.ini" --ip 198.18.44.2/24 --tcp 7 --tcp-discard 9 --udp 7 \
	--duration 100 && ok_e=1
start_app HTTPD_PID "$WORK/httpd.log" '^tern-httpd: ready' ip netns exec "$NS" "$HTTPD_BIN" \
	"${EAL[@]}" --file-prefix "$ID-h" --vdev net_af_packet0,iface=sha,qpairs=2 -- \
	--ip 198.18.45.2/24 --port 80 --duration 100 --idle-timeout 90 && ok_h=1
if [[ $ok_e -eq 0 || $ok_h -eq 0 ]]; then
	tap_line "not ok" "tern-echo and tern-httpd start on two lcores"
	tail -n 5 "$WORK/echo.log" "$WORK/httpd.log" | diag
	tap_plan_exit
fi
tap_line ok "tern-echo and tern-httpd start on two lcores (pids $ECHO_PID, $HTTPD_PID)"

ip netns exec "$NS" timeout -k 5 200 "$PY" "$IT" hold 198.18.44.2 198.18.45.2 \
	"$WORK/made.json" >"$WORK/hold.log" 2>&1 &
PIDS+=("$!")
HOLD_PID=$!
for ((i = 0; i < 300; i++)); do
	[[ -s $WORK/made.json ]] && break
	kill -0 "$HOLD_PID" 2>/dev/null || break
	sleep 0.1
done
if [[ ! -s $WORK/made.json ]]; then
	tap_line "not ok" "kernel clients set up their connections"
	diag <"$WORK/hold.log"
	tap_plan_exit
fi
tap_line ok "kernel clients set up their connections"

TEL_E=$RUNTIME_DIR/$ID-e/dpdk_telemetry.v2
TEL_H=$RUNTIME_DIR/$ID-h/dpdk_telemetry.v2
step "listing" 90 "$PY" "$IT" list "$STAT_BIN" "$ID-e" "$ID-h" "$WORK/made.json" \
	"$TEL_E" "$TEL_H"
step "counters" 30 "$PY" "$IT" counters "$STAT_BIN" "$ID-e" "$TEL_E"
step "stopped lcore" 30 "$PY" "$IT" stopped "$STAT_BIN" "$ID-e" "$(child_of "$ECHO_PID")" 1

stop_pid "$HOLD_PID"
stop_pid "$ECHO_PID"
[[ $STOP_RC -eq 0 ]] && tap_line ok "tern-echo exits cleanly" ||
	{ tap_line "not ok" "tern-echo exits cleanly (status $STOP_RC)"; tail -n 5 "$WORK/echo.log" | diag; }
stop_pid "$HTTPD_PID"
[[ $STOP_RC -eq 0 ]] && tap_line ok "tern-httpd exits cleanly" ||
	{ tap_line "not ok" "tern-httpd exits cleanly (status $STOP_RC)"; tail -n 5 "$WORK/httpd.log" | diag; }
echo "# run time $((SECONDS - T_START)) s"
tap_plan_exit
