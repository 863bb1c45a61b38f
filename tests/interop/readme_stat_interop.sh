#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The README's tern-stat sample against what tern-stat prints now (issue 13
# item 6: the sample cannot drift). The same processes as the sample (and
# stat_interop.sh): in a network namespace of our own, tern-echo on two
# lcores (net_af_packet qpairs=2 on a veth, offloads off; TCP echo 7,
# discard 9, UDP echo 7, a 4 KiB send buffer) and tern-httpd on two lcores,
# with stat_it.py's kernel clients holding connections in known states
# (ESTABLISHED and CLOSE_WAIT on tern-echo; ESTABLISHED, FIN_WAIT_2 and
# TIME_WAIT on tern-httpd). Then tests/apps/readme_check.py stat-sample runs
# every "# tern-stat ..." line of the README's sample (its --file-prefix
# echo/httpd replaced by ours) and checks: the header lines are the ones
# tern-stat prints, every sample row has the real column layout, the
# sample's (proto, state) pairs occur, the -i lines have the real keys in
# order, the -s rows name the real counters.
# Run by `meson test` (suite interop) with TERN_ECHO, TERN_HTTPD and
# TERN_STAT set; runnable by hand as root. Every process is bounded by
# timeout(1) and stopped by pid; the namespace and the DPDK runtime
# directories go on any exit. Exit status: 0 passed, 1 failed, 77 cannot run.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$SCRIPT_DIR/../.." && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

ECHO_BIN=${TERN_ECHO:-$SRC/build/apps/echo/tern-echo}
HTTPD_BIN=${TERN_HTTPD:-$SRC/build/apps/httpd/tern-httpd}
STAT_BIN=${TERN_STAT:-$SRC/build/apps/stat/tern-stat}
PY=/usr/bin/python3
ID=tern-rs-$$
NS=$ID
EAL=(--no-huge --no-pci -m 512 --no-shconf -l 0-1)
APP_LIMIT=300			# timeout(1) of each tern process, a safety net

WORK=
ECHO_PID='' HTTPD_PID='' HOLD_PID=''

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
	local rc=$?

	set +e
	trap - EXIT INT TERM
	stop_running "$STEP_PID" "$HOLD_PID" "$ECHO_PID" "$HTTPD_PID"
	ns_del "$NS"
	dpdk_dirs_rm "$ID-e" "$ID-h"
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
	printf -v "$_var" '%s' "$_pid"
	wait_line "$_pid" "$_log" "$_ready" 1200
}

[[ $EUID -eq 0 ]] || skip "needs root (network namespaces, veth, DPDK)"
for bin in ECHO_BIN HTTPD_BIN STAT_BIN; do
	[[ -x ${!bin} ]] || skip "not built: ${!bin}"
done
[[ $(nproc) -ge 2 ]] || skip "fewer than 2 CPUs"
for tool in ip ethtool timeout; do
	command -v "$tool" >/dev/null || skip "missing $tool"
done
[[ -x $PY ]] || skip "no $PY"

WORK=$(mktemp -d "/tmp/$ID.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
T_START=$SECONDS
ns_add "$NS"
veth sea sek 198.18.44.1/24
veth sha shk 198.18.45.1/24
printf '[tcp]\nsndbuf = 4096\n' >"$WORK/echo.ini"

ok=1
start_app ECHO_PID "$WORK/echo.log" '^tern-echo: ready' ip netns exec "$NS" "$ECHO_BIN" \
	"${EAL[@]}" --file-prefix "$ID-e" --vdev net_af_packet0,iface=sea,qpairs=2 -- \
	--config "$WORK/echo.ini" --ip 198.18.44.2/24 --tcp 7 --tcp-discard 9 --udp 7 \
	--duration 250 || ok=0
start_app HTTPD_PID "$WORK/httpd.log" '^tern-httpd: ready' ip netns exec "$NS" "$HTTPD_BIN" \
	"${EAL[@]}" --file-prefix "$ID-h" --vdev net_af_packet0,iface=sha,qpairs=2 -- \
	--ip 198.18.45.2/24 --port 80 --duration 250 --idle-timeout 240 || ok=0
if [[ $ok -eq 0 ]]; then
	tap_line "not ok" "tern-echo and tern-httpd start on two lcores"
	tail -n 5 "$WORK/echo.log" "$WORK/httpd.log" | diag
	tap_plan_exit
fi
tap_line ok "tern-echo and tern-httpd start on two lcores (pids $ECHO_PID, $HTTPD_PID)"

ip netns exec "$NS" timeout -k 5 280 "$PY" "$SCRIPT_DIR/stat_it.py" hold 198.18.44.2 \
	198.18.45.2 "$WORK/made.json" >"$WORK/hold.log" 2>&1 &
HOLD_PID=$!
for ((i = 0; i < 600; i++)); do
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

step "README tern-stat sample" 120 "$PY" "$SRC/tests/apps/readme_check.py" stat-sample \
	"$SRC/README.md" "$STAT_BIN" "echo=$ID-e" "httpd=$ID-h"

stop_pid "$HOLD_PID"
# SIGTERM (timeout forwards it) and a generous wait: on a loaded machine
# the apps' exit (pools checked, stats written) can take over 10 s
kill -TERM "$ECHO_PID" "$HTTPD_PID" 2>/dev/null || true
for app in echo httpd; do
	pid_var=${app^^}_PID
	wait_pid "${!pid_var}" 120 || STOP_RC=timeout
	if [[ $STOP_RC == 0 ]]; then
		tap_line ok "tern-$app exits cleanly"
	else
		tap_line "not ok" "tern-$app exits cleanly (status $STOP_RC)"
		grep -v '^{' "$WORK/$app.log" | tail -n 5 | diag
	fi
done
echo "# run time $((SECONDS - T_START)) s"
tap_plan_exit
