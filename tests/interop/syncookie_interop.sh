#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# SYN flood interop (issue 11): tern-echo on net_tap in a network namespace
# of our own (tern 198.18.50.2/24, the kernel's end `sck` 198.18.50.1, also
# tern's gateway, so SYN-ACKs to the spoofed sources in 198.19.0.0/16 go to
# the kernel, which does not forward and drops them) with the default
# tcp.syncookies = overflow. syncookie_it.py floods the tap with spoofed
# SYNs (SC_RATE per second, default 60000, for SC_SECS, default 8) while
# the kernel's TCP connects to tern-echo's echo port as the legitimate
# client, before, during and after the flood: during it >= 90% of the
# connections must complete, after it the first one within 1 s. At exit
# tern-echo's counters show cookies sent and validated, no amplification,
# and its exit status says its mbuf pool is back at its level. SC_MODE=off
# (or always) runs tern-echo with that [tcp] syncookies mode instead, to
# see the difference by hand (with off the checks are expected to fail).
# Everything
# is bounded by timeout(1), stopped by pid, and the namespace and DPDK
# runtime directory go on any exit.
# Exit status: 0 all passed, 1 a check failed, 77 cannot run.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

ECHO_BIN=${TERN_ECHO:-$SCRIPT_DIR/../../build/apps/echo/tern-echo}
PY=/usr/bin/python3
IT=$SCRIPT_DIR/syncookie_it.py
ID=tern-sc-$$
NS=$ID
PREFIX=$ID
RUNTIME_DIR=/var/run/dpdk
RATE=${SC_RATE:-60000}
SECS=${SC_SECS:-8}
KERNEL_MAC=02:00:c6:12:32:01		# the tap's kernel side (locally administered)
APP_LIMIT=90

WORK=
ECHO_PID=

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
	local rc=$? pid

	set +e
	trap - EXIT INT TERM
	for pid in "$STEP_PID" "$ECHO_PID"; do
		[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && stop_pid "$pid"
	done
	if [[ -e /var/run/netns/$NS ]]; then
		for pid in $(ip netns pids "$NS" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null	# only what we started in it
		done
		ip netns del "$NS"
	fi
	rm -rf "${RUNTIME_DIR:?}/$PREFIX"
	if [[ -n $WORK && -d $WORK ]]; then
		if [[ $rc -ne 0 && -f $WORK/echo.log ]]; then
			echo "# tern-echo log (tail):"
			tail -n 20 "$WORK/echo.log" | diag
		fi
		rm -rf "$WORK"
	fi
	exit "$rc"
}

[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces)"
[[ -x $ECHO_BIN ]] || skip "no tern-echo at $ECHO_BIN"
command -v ip >/dev/null || skip "no iproute2"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

WORK=$(mktemp -d /tmp/tern-sc.XXXXXX)
CONF=()
if [[ -n ${SC_MODE:-} ]]; then
	printf '[tcp]\nsyncookies = %s\n' "$SC_MODE" >"$WORK/sc.ini"
	CONF=(--config "$WORK/sc.ini")
fi
ip netns add "$NS"
in_ns ip link set lo up
in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true

timeout -k 5 "$APP_LIMIT" ip netns exec "$NS" "$ECHO_BIN" --no-huge --no-pci -m 512 \
	--no-shconf -l 0 --file-prefix "$PREFIX" --vdev net_tap0,iface=sck -- \
	--ip 198.18.50.2/24 --gw 198.18.50.1 --tcp 7 --duration 80 \
	--stats "$WORK/echo.json" "${CONF[@]}" >"$WORK/echo.log" 2>&1 &
ECHO_PID=$!
if ! wait_line "$ECHO_PID" "$WORK/echo.log" '^tern-echo: ready' 300; then
	tap_line "not ok" "tern-echo starts on net_tap"
	tail -n 20 "$WORK/echo.log" | diag
	tap_plan_exit
fi
tap_line ok "tern-echo starts on net_tap (pid $ECHO_PID)"
in_ns ip link set sck address "$KERNEL_MAC"
in_ns ip addr add 198.18.50.1/24 dev sck
in_ns ip link set sck up

step "SYN flood" $((SECS + 40)) ip netns exec "$NS" "$PY" "$IT" flood sck 198.18.50.2 7 \
	"$RATE" "$SECS" "$WORK/flood.json"
stop_pid "$ECHO_PID"
ECHO_PID=
grep '^tern-echo:' "$WORK/echo.log" | diag || true
step "counters at exit" 30 "$PY" "$IT" exit "$WORK/echo.json" "$STOP_RC" "$WORK/flood.json"
tap_plan_exit
