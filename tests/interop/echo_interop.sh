#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Interop test of tern-echo against the Linux kernel over DPDK's net_tap.
# Run by `meson test` (suite interop) with TERN_ECHO set; runnable by hand
# as root. It makes its own network namespace, starts tern-echo inside it
# on a tap device (198.18.0.2/24; the kernel side is 198.18.0.1 and .3),
# then drives the kernel's ping, UDP sockets and scapy frames at it while
# reading tern's counters mid-run over DPDK telemetry (/tern/stats). Each
# check prints a TAP line; diagnostics are "# " lines. A second, short
# tern-echo instance reads frames shorter than an Ethernet header from a
# pcap file (net_pcap), since the kernel refuses to send those on a tap.
# Everything it starts is stopped by pid and the namespace deleted on any
# exit. Exit status: 0 all passed, 1 a check failed, 77 cannot run (skip).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

ECHO_BIN=${TERN_ECHO:-$SCRIPT_DIR/../../build/apps/echo/tern-echo}
IT=$SCRIPT_DIR/echo_it.py
ID=tern-it-$$
NS=$ID
PREFIX=$ID
TERN_IP=198.18.0.2
KERNEL_MAC=02:00:c6:12:00:01	# locally administered
DURATION_S=240		# safety net only: the test stops tern-echo itself
STEP_LIMIT=300		# seconds for each group of checks
EAL_ARGS=(--no-huge --no-pci -m 512 --no-shconf -l 0)

# -- preconditions -----------------------------------------------------------

need_root "network namespaces, tap devices"
need_bins ECHO_BIN
[[ -c /dev/net/tun ]] || skip "no /dev/net/tun"
need_tools ip ping timeout
$PY -c 'import scapy.all' 2>/dev/null || skip "$PY cannot import scapy (apt-get install python3-scapy)"

it_begin
show_on_fail "$WORK/echo.log" tern-echo 30
export TERN_IT_WORK=$WORK
export TERN_IT_TEL=$RUNTIME_DIR/$PREFIX/dpdk_telemetry.v2

# -- namespace and tern-echo ------------------------------------------------

ns_add "$NS"
must_start "tern-echo starts on net_tap in namespace $NS" ECHO_PID "$WORK/echo.log" \
	'^tern-echo: ready' ip netns exec "$NS" "$ECHO_BIN" "${EAL_ARGS[@]}" --file-prefix "$PREFIX" \
	--vdev "net_tap0,iface=tern0" -- --ip "$TERN_IP/24" --udp 7 \
	--duration "$DURATION_S" --stats "$WORK/stats.json"
if [[ $(cat "/proc/$ECHO_PID/comm" 2>/dev/null) != tern-echo ]]; then
	tap_line "not ok" "pid $ECHO_PID is tern-echo"
	tap_plan_exit
fi
LOG_MAC=$(sed -n 's/.*tern\.netif: port 0 \([0-9A-Fa-f:]\{17\}\).*/\1/p' "$WORK/echo.log" | head -n 1)
export TERN_IT_LOG_MAC=$LOG_MAC
echo "# tern MAC from its log: ${LOG_MAC:-unknown}"
tap_kernel_side tern0 "$KERNEL_MAC" 198.18.0.1/24 198.18.0.3/24

if [[ -S $TERN_IT_TEL ]] && timeout 10 $PY "$IT" snapshot "$WORK/tel0.json"; then
	tap_line ok "DPDK telemetry answers /tern/stats on $TERN_IT_TEL"
else
	tap_line "not ok" "DPDK telemetry answers /tern/stats on $TERN_IT_TEL"
	tap_plan_exit
fi

# -- checks -------------------------------------------------------------------

client_step() {		# client_step NAME SUBCOMMAND: a helper run in the namespace
	app_step "$ECHO_PID" tern-echo "$1" "$STEP_LIMIT" "$2"
}

client_step "a: ping and ARP" arp
client_step "b: UDP echo" udp
client_step "c: bad UDP checksum" badcsum
client_step "d: closed port" closed
client_step "e: malformed frames" malformed
timeout 10 $PY "$IT" snapshot "$WORK/tel-last.json" 2>/dev/null ||
	echo '{}' >"$WORK/tel-last.json"

alive_check "$ECHO_PID" "tern-echo still running after all traffic"
stop_pid "$ECHO_PID"
it_step "f: exit" "$STEP_LIMIT" final "$WORK/stats.json" "$WORK/tel-last.json" "$STOP_RC"

# Frames shorter than an Ethernet header: the kernel will not send them
# (AF_PACKET needs 14 bytes), so a second instance reads them from a pcap.
$PY "$IT" pcap-gen "$WORK/trunc.pcap" >/dev/null 2>&1
spawn PCAP_PID "$WORK/pcap.log" ip netns exec "$NS" "$ECHO_BIN" "${EAL_ARGS[@]}" \
	--file-prefix "$PREFIX-pcap" \
	--vdev "net_pcap0,rx_pcap=$WORK/trunc.pcap,tx_pcap=$WORK/tx.pcap" -- \
	--ip "$TERN_IP/24" --udp 7 --duration 2 --stats "$WORK/pcap.json"
wait_pid "$PCAP_PID" 30 || true		# --duration 2: it ends by itself
it_step "e: truncated Ethernet" "$STEP_LIMIT" pcap-check "$WORK/pcap.json" "$STOP_RC"

tap_plan_exit
