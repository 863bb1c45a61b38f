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
PY=/usr/bin/python3
IT=$SCRIPT_DIR/echo_it.py
ID=tern-it-$$
NS=$ID
PREFIX=$ID
RUNTIME_DIR=/var/run/dpdk
TERN_IP=198.18.0.2
KERNEL_MAC=02:00:c6:12:00:01	# locally administered
DURATION_S=240		# safety net only: the test stops tern-echo itself
STEP_LIMIT=300		# seconds for each group of checks
EAL_ARGS=(--no-huge --no-pci -m 512 --no-shconf -l 0)

WORK=
ECHO_PID=
PCAP_PID=

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
	local rc=$?

	set +e
	trap - EXIT INT TERM
	stop_running "$STEP_PID" "$ECHO_PID" "$PCAP_PID"
	ns_del "$NS"
	dpdk_dirs_rm "$PREFIX" "$PREFIX-pcap"
	if [[ -n $WORK && -d $WORK ]]; then
		if [[ $rc -ne 0 && -f $WORK/echo.log ]]; then
			echo "# tern-echo log (tail):"
			tail -n 30 "$WORK/echo.log" | diag
		fi
		rm -rf "$WORK"
	fi
	exit "$rc"
}

# -- preconditions -----------------------------------------------------------

[[ $EUID -eq 0 ]] || skip "needs root (network namespaces, tap devices)"
if [[ ! -x $ECHO_BIN ]]; then
	# meson always passes a built binary: a missing one is an error there.
	[[ -z ${TERN_ECHO:-} ]] || { echo "not ok - TERN_ECHO=$TERN_ECHO is not executable"; exit 1; }
	skip "tern-echo not built: $ECHO_BIN"
fi
[[ -c /dev/net/tun ]] || skip "no /dev/net/tun"
for tool in ip ping timeout; do
	command -v "$tool" >/dev/null || skip "missing $tool"
done
$PY -c 'import scapy.all' 2>/dev/null || skip "$PY cannot import scapy (apt-get install python3-scapy)"

WORK=$(mktemp -d "/tmp/$ID.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export TERN_IT_WORK=$WORK
export TERN_IT_TEL=$RUNTIME_DIR/$PREFIX/dpdk_telemetry.v2

# -- namespace and tern-echo ------------------------------------------------

ns_add "$NS"

# Started directly (not through a shell function) so that $! is the pid
# of tern-echo itself: `ip netns exec` execs it in place.
ip netns exec "$NS" "$ECHO_BIN" "${EAL_ARGS[@]}" --file-prefix "$PREFIX" \
	--vdev "net_tap0,iface=tern0" -- --ip "$TERN_IP/24" --udp 7 \
	--duration "$DURATION_S" --stats "$WORK/stats.json" >"$WORK/echo.log" 2>&1 &
ECHO_PID=$!
if ! wait_line "$ECHO_PID" "$WORK/echo.log" '^tern-echo: ready' 300; then
	echo "# tern-echo did not become ready:"
	diag <"$WORK/echo.log"
	tap_line "not ok" "tern-echo starts on net_tap"
	tap_plan_exit
fi
if [[ $(cat "/proc/$ECHO_PID/comm" 2>/dev/null) != tern-echo ]]; then
	tap_line "not ok" "pid $ECHO_PID is tern-echo"
	tap_plan_exit
fi
tap_line ok "tern-echo starts on net_tap in namespace $NS (pid $ECHO_PID)"
LOG_MAC=$(sed -n 's/.*tern\.netif: port 0 \([0-9A-Fa-f:]\{17\}\).*/\1/p' "$WORK/echo.log" | head -n 1)
export TERN_IT_LOG_MAC=$LOG_MAC
echo "# tern MAC from its log: ${LOG_MAC:-unknown}"

# net_tap gives the kernel side the port's own MAC; a distinct one makes
# tern address the kernel by the MAC it learned, as on a real wire.
in_ns ip link set tern0 address "$KERNEL_MAC"
in_ns ip addr add 198.18.0.1/24 dev tern0
in_ns ip addr add 198.18.0.3/24 dev tern0
in_ns ip link set tern0 up

if [[ -S $TERN_IT_TEL ]] && timeout 10 $PY "$IT" snapshot "$WORK/tel0.json"; then
	tap_line ok "DPDK telemetry answers /tern/stats on $TERN_IT_TEL"
else
	tap_line "not ok" "DPDK telemetry answers /tern/stats on $TERN_IT_TEL"
	tap_plan_exit
fi

# -- checks -------------------------------------------------------------------

client_step() {		# client_step NAME SUBCOMMAND: a helper run in the namespace
	if ! kill -0 "$ECHO_PID" 2>/dev/null; then
		tap_line "not ok" "$1 (tern-echo is not running)"
		return
	fi
	step "$1" "$STEP_LIMIT" ip netns exec "$NS" $PY "$IT" "$2"
}

client_step "a: ping and ARP" arp
client_step "b: UDP echo" udp
client_step "c: bad UDP checksum" badcsum
client_step "d: closed port" closed
client_step "e: malformed frames" malformed
timeout 10 $PY "$IT" snapshot "$WORK/tel-last.json" 2>/dev/null ||
	echo '{}' >"$WORK/tel-last.json"

if kill -0 "$ECHO_PID" 2>/dev/null; then
	tap_line ok "tern-echo still running after all traffic"
else
	tap_line "not ok" "tern-echo still running after all traffic"
fi
stop_pid "$ECHO_PID"
ECHO_PID=
step "f: exit" "$STEP_LIMIT" $PY "$IT" final "$WORK/stats.json" "$WORK/tel-last.json" "$STOP_RC"

# Frames shorter than an Ethernet header: the kernel will not send them
# (AF_PACKET needs 14 bytes), so a second instance reads them from a pcap.
$PY "$IT" pcap-gen "$WORK/trunc.pcap" >/dev/null 2>&1
ip netns exec "$NS" "$ECHO_BIN" "${EAL_ARGS[@]}" --file-prefix "$PREFIX-pcap" \
	--vdev "net_pcap0,rx_pcap=$WORK/trunc.pcap,tx_pcap=$WORK/tx.pcap" -- \
	--ip "$TERN_IP/24" --udp 7 --duration 2 --stats "$WORK/pcap.json" \
	>"$WORK/pcap.log" 2>&1 &
PCAP_PID=$!
wait_pid "$PCAP_PID" 30 || true		# --duration 2: it ends by itself
PCAP_PID=
step "e: truncated Ethernet" "$STEP_LIMIT" $PY "$IT" pcap-check "$WORK/pcap.json" "$STOP_RC"

tap_plan_exit
