#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Slow-client interop test of tern-httpd (issue 11, slowloris) against the
# Linux kernel over DPDK's net_tap. Run by `meson test` (suite interop)
# with TERN_HTTPD set; runnable by hand as root. It makes its own network
# namespace with one tap, tern0: tern-httpd on 198.18.11.2 with a 4 s
# header deadline, a 20 B/s minimum rate over 3 s windows and a cap of
# 40 connections per client address; the kernel side has two addresses,
# 198.18.11.1 (the attacker) and 198.18.11.3 (a legitimate client).
# httpd_guard_it.py then runs 48 slowloris clients from .1 for 10 s (one
# header line every 1-2 s, reconnecting when closed), a request body sent
# at 5 B/s and a legitimate client from .3 measured before, during and
# after; then the Host rule. Checks: the first wave's 8 connections over
# the cap are reset while .3 is served, every slowloris head gets 408 at
# the deadline, the slow body gets 408, every legitimate request is
# answered 200, the Host rule; tern-httpd exits 0 (every mbuf back in its
# pool) and its --stats counters agree with what the clients saw.
# Everything started here is stopped by pid and the namespace deleted on
# any exit. Exit status: 0 all passed, 1 a check failed, 77 cannot run.
# TERN_IT_KEEP=1 keeps the scratch directory (logs).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

HTTPD_BIN=${TERN_HTTPD:-$SCRIPT_DIR/../../build/apps/httpd/tern-httpd}
IT=$SCRIPT_DIR/httpd_guard_it.py
PY=/usr/bin/python3
ID=tern-hguard-$$
NS=$ID
PREFIX=$ID
RUNTIME_DIR=/var/run/dpdk
KERNEL_MAC=02:00:c6:12:0b:01	# locally administered
TERN_IP=198.18.11.2
ADDR_A=198.18.11.1		# the attacker
ADDR_B=198.18.11.3		# the legitimate client
N_LORIS=48
CAP=40
HEAD_S=4
ATTACK_S=10
DURATION_S=300		# safety net only: the test stops tern-httpd itself
EAL_ARGS=(--no-huge --no-pci -m 512 --no-shconf -l 0)

WORK=
HTTPD_PID=

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
	local rc=$? pid

	set +e
	trap - EXIT INT TERM
	for pid in "$STEP_PID" "$HTTPD_PID"; do
		[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && stop_pid "$pid"
	done
	if [[ -e /var/run/netns/$NS ]]; then
		# Anything still inside our own namespace was started by us.
		for pid in $(ip netns pids "$NS" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$NS"
	fi
	rm -rf "${RUNTIME_DIR:?}/$PREFIX"
	if [[ -n $WORK && -d $WORK ]]; then
		if [[ $rc -ne 0 && -f $WORK/httpd.log ]]; then
			echo "# tern-httpd log (tail):"
			tail -n 20 "$WORK/httpd.log" | diag
		fi
		if [[ -n ${TERN_IT_KEEP:-} ]]; then
			echo "# kept $WORK"
		else
			rm -rf "$WORK"
		fi
	fi
	exit "$rc"
}

py_step() {		# py_step NAME LIMIT SUBCOMMAND [ARGS...]
	if ! kill -0 "$HTTPD_PID" 2>/dev/null; then
		tap_line "not ok" "$1 (tern-httpd is not running)"
		return 0
	fi
	step "$1" "$2" ip netns exec "$NS" "$PY" "$IT" "${@:3}"
}

# -- preconditions -----------------------------------------------------------

[[ $EUID -eq 0 ]] || skip "needs root (network namespaces, tap devices)"
if [[ ! -x $HTTPD_BIN ]]; then
	if [[ -n ${TERN_HTTPD:-} ]]; then
		echo "not ok - $HTTPD_BIN is not executable"
		echo "1..1"
		exit 1
	fi
	skip "not built: $HTTPD_BIN"
fi
[[ -c /dev/net/tun ]] || skip "no /dev/net/tun"
for tool in ip timeout; do
	command -v "$tool" >/dev/null || skip "missing $tool"
done
[[ -x $PY ]] || skip "no $PY"

WORK=$(mktemp -d "/tmp/$ID.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
T_START=$SECONDS

# -- bad values: one-line error, exit 2 --------------------------------------

for args in "--header-timeout -1" "--min-rate x" "--min-rate-window 0" \
	"--max-conns-per-addr 99999999999"; do
	rc=0
	# shellcheck disable=SC2086  # the case is a word list
	timeout 30 "$HTTPD_BIN" "${EAL_ARGS[@]}" --file-prefix "$PREFIX" -- \
		--ip "$TERN_IP/24" $args >"$WORK/cli.log" 2>&1 || rc=$?
	if [[ $rc -eq 2 ]] && grep -q "^tern-httpd: ${args%% *}: expected" "$WORK/cli.log"; then
		tap_line ok "'$args' is a one-line error and exit 2"
	else
		tap_line "not ok" "'$args' is a one-line error and exit 2 (got $rc)"
		diag <"$WORK/cli.log"
	fi
done

# -- namespace, tap, tern-httpd ----------------------------------------------

ip netns add "$NS"
in_ns ip link set lo up
in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
	2>/dev/null || true

# A short MSL: TIME-WAIT entries of the closed slowloris connections must
# not fill the table (that is issue 11 item 2, tested elsewhere).
printf '[tcp]\nmax_conns = 256\nmsl_ms = 100\n' >"$WORK/httpd.ini"
# Started directly so that $! is tern-httpd itself (`ip netns exec` execs).
ip netns exec "$NS" "$HTTPD_BIN" "${EAL_ARGS[@]}" --file-prefix "$PREFIX" \
	--vdev "net_tap0,iface=tern0" -- --ip "$TERN_IP/24" --port 80 \
	--config "$WORK/httpd.ini" --header-timeout "$HEAD_S" --min-rate 20 \
	--min-rate-window 3 --max-conns-per-addr "$CAP" --idle-timeout 30 \
	--duration "$DURATION_S" --stats "$WORK/httpd-stats.json" \
	>"$WORK/httpd.log" 2>&1 &
HTTPD_PID=$!
if ! wait_line "$HTTPD_PID" "$WORK/httpd.log" '^tern-httpd: ready' 600; then
	echo "# tern-httpd did not become ready:"
	diag <"$WORK/httpd.log"
	tap_line "not ok" "tern-httpd starts on net_tap"
	tap_plan_exit
fi
tap_line ok "tern-httpd starts on net_tap in namespace $NS (pid $HTTPD_PID)"

in_ns ip link set tern0 address "$KERNEL_MAC"
in_ns ip addr add "$ADDR_A/24" dev tern0
in_ns ip addr add "$ADDR_B/24" dev tern0
in_ns ip link set tern0 up

py_step "slowloris attack" 60 attack "$TERN_IP" "$ADDR_A" "$ADDR_B" "$N_LORIS" "$CAP" \
	"$HEAD_S" "$ATTACK_S" "$WORK/seen.json"
py_step "Host rule" 30 host "$TERN_IP" "$ADDR_B"

if kill -0 "$HTTPD_PID" 2>/dev/null; then
	tap_line ok "tern-httpd still running after the attack"
else
	tap_line "not ok" "tern-httpd still running after the attack"
fi
stop_pid "$HTTPD_PID"
HTTPD_PID=
if [[ $STOP_RC -eq 0 ]]; then
	tap_line ok "tern-httpd exited with status 0 (every mbuf back in its pool)"
else
	tap_line "not ok" "tern-httpd exited with status 0 (got $STOP_RC)"
	tail -n 5 "$WORK/httpd.log" | diag
fi
if [[ -s $WORK/seen.json ]]; then
	step "counters" 30 "$PY" "$IT" stats "$WORK/httpd-stats.json" "$WORK/seen.json"
else
	tap_line "not ok" "counters (the attack step wrote no summary)"
fi
echo "# run time $((SECONDS - T_START)) s"
tap_plan_exit
