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
IT=$SCRIPT_DIR/stat_it.py
ID=tern-st-$$
NS=$ID
PREFIX=$ID
EAL=(--no-huge --no-pci -m 512 --no-shconf -l 0-1)
APP_LIMIT=120		# timeout(1) of every tern app, a safety net

need_root "network namespaces, veth, DPDK, ptrace"
need_bins ECHO_BIN HTTPD_BIN STAT_BIN
need_cpus 2
need_tools ip ethtool timeout

it_begin
ns_add "$NS"
veth_add sea sek 198.18.44.1/24
veth_add sha shk 198.18.45.1/24
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

spawn HOLD_PID "$WORK/hold.log" ip netns exec "$NS" timeout -k 5 200 "$PY" "$IT" hold \
	198.18.44.2 198.18.45.2 "$WORK/made.json"
if ! wait_file "$HOLD_PID" "$WORK/made.json" 300; then
	tap_line "not ok" "kernel clients set up their connections"
	diag <"$WORK/hold.log"
	tap_plan_exit
fi
tap_line ok "kernel clients set up their connections"

TEL_E=$RUNTIME_DIR/$ID-e/dpdk_telemetry.v2
TEL_H=$RUNTIME_DIR/$ID-h/dpdk_telemetry.v2
it_step "listing" 90 list "$STAT_BIN" "$ID-e" "$ID-h" "$WORK/made.json" \
	"$TEL_E" "$TEL_H"
it_step "counters" 30 counters "$STAT_BIN" "$ID-e" "$TEL_E"
it_step "stopped lcore" 30 stopped "$STAT_BIN" "$ID-e" "$(child_of "$ECHO_PID")" 1

stop_pid "$HOLD_PID"
stop_checked "$ECHO_PID" tern-echo "$WORK/echo.log"
stop_checked "$HTTPD_PID" tern-httpd "$WORK/httpd.log"
it_end
