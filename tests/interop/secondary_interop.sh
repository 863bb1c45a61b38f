#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# An app in its own process (issue 13 item 3): tern-echo is the stack
# process on two lcores (EAL -l 0-1, net_af_packet qpairs=2, 198.18.48.2,
# hugepages, --serve-app ext: a channel "ext" on each stack, no sockets of
# its own), and tern-ext-echo, a DPDK secondary process on lcore id 9,
# finds both channels by name and serves TCP and UDP echo on port 7
# through them. The kernel (secondary_it.py) checks 6 concurrent TCP
# echoes of 256 kB and 40 UDP datagrams. Then, with a kernel connection
# held open, tern-ext-echo is stopped: it aborts its connections (the
# kernel sees a reset), unlistens and exits 0; a second tern-ext-echo takes
# the ports over and echoes again. A third one is killed (SIGKILL) with a
# connection open: tern-echo notices on both lcores, resets the
# connection, renews the channels, and a fourth app process echoes again.
# tern-echo then exits 0: every mbuf that went through the other
# processes came back to its pool. A secondary
# with an unknown channel name or without a stack process is a one-line
# error. The test adds 128 hugepages and mounts a hugetlbfs of its own,
# given back on exit (tests/interop/hugepages.sh).
# Run by `meson test` (suite interop) with TERN_ECHO and TERN_EXT_ECHO
# set; runnable by hand as root. Every process is bounded by timeout(1)
# and stopped by pid; the namespace and DPDK runtime directories go on exit.
# Exit status: 0 all passed, 1 a check failed, 77 cannot run.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"
# shellcheck source=hugepages.sh
source "$SCRIPT_DIR/hugepages.sh"

ECHO_BIN=${TERN_ECHO:-$SCRIPT_DIR/../../build/apps/echo/tern-echo}
EXT_BIN=${TERN_EXT_ECHO:-$SCRIPT_DIR/../../build/apps/ext_echo/tern-ext-echo}
PY=/usr/bin/python3
IT=$SCRIPT_DIR/secondary_it.py
ID=tern-sec-$$
NS=$ID
PREFIX=$ID
RUNTIME_DIR=/var/run/dpdk
TERN_IP=198.18.48.2
HUGE_PAGES=128
APP_LIMIT=150
SEC_EAL=(--proc-type=secondary --file-prefix "$PREFIX" --lcores 9@1 --no-pci)

WORK=
PIDS=()

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
	local rc=$? pid

	set +e
	trap - EXIT INT TERM
	# the app processes before the stack process
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		pid=${PIDS[i]}
		[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && stop_pid "$pid"
	done
	[[ -n $STEP_PID ]] && kill -0 "$STEP_PID" 2>/dev/null && stop_pid "$STEP_PID"
	if [[ -e /var/run/netns/$NS ]]; then
		for pid in $(ip netns pids "$NS" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null	# only what we started in it
		done
		ip netns del "$NS"
	fi
	huge_cleanup
	rm -rf "${RUNTIME_DIR:?}/$PREFIX" "${RUNTIME_DIR:?}/$ID-none"
	if [[ -n $WORK && -d $WORK ]]; then
		if [[ -n ${TERN_IT_KEEP:-} ]]; then echo "# kept $WORK"; else rm -rf "$WORK"; fi
	fi
	exit "$rc"
}

start_ext() {		# start_ext VAR LOG: a tern-ext-echo, 0 once ready
	local _var=$1 _log=$2 _pid

	timeout -k 5 "$APP_LIMIT" "$EXT_BIN" "${SEC_EAL[@]}" -- --app ext --tcp 7 --udp 7 \
		>"$_log" 2>&1 &
	_pid=$!
	PIDS+=("$_pid")
	printf -v "$_var" '%s' "$_pid"
	wait_line "$_pid" "$_log" '^tern-ext-echo: ready (2 channels' 600
}

expect_error() {	# expect_error NAME STATUS REGEX CMD...: a one-line refusal
	local name=$1 want=$2 re=$3 rc=0 out
	shift 3

	out=$(timeout -k 5 60 "$@" 2>&1 >/dev/null) || rc=$?
	out=$(grep -v '^EAL: ' <<<"$out" || true)
	if [[ $rc -eq $want && $out =~ $re ]]; then
		tap_line ok "$name: exit $rc, '$(tail -n 1 <<<"$out")'"
	else
		tap_line "not ok" "$name: exit $want matching /$re/ (got $rc: $out)"
	fi
}

[[ $EUID -eq 0 ]] || skip "needs root (network namespaces, hugepages, DPDK)"
for bin in ECHO_BIN EXT_BIN; do
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
huge_setup "$HUGE_PAGES" >"$WORK/huge.why" || skip "hugepages: $(cat "$WORK/huge.why")"
ip netns add "$NS"
in_ns ip link set lo up
in_ns ip link add tsa type veth peer name tsk
for dev in tsa tsk; do
	in_ns ethtool -K "$dev" tx off tso off gso off gro off >/dev/null
	in_ns ip link set "$dev" up
done
in_ns ip addr add 198.18.48.1/24 dev tsk

expect_error "tern-ext-echo without a stack process" 2 "EAL init failed" \
	"$EXT_BIN" --proc-type=secondary --file-prefix "$ID-none" --lcores 9@1 --no-pci -- \
	--app ext --tcp 7

timeout -k 5 "$APP_LIMIT" ip netns exec "$NS" "$ECHO_BIN" --huge-dir "$HUGE_DIR" --no-pci \
	-l 0-1 --file-prefix "$PREFIX" --vdev net_af_packet0,iface=tsa,qpairs=2 -- \
	--ip "$TERN_IP/24" --serve-app ext --duration 140 >"$WORK/stack.log" 2>&1 &
STACK_PID=$!
PIDS+=("$STACK_PID")
if ! wait_line "$STACK_PID" "$WORK/stack.log" '^tern-echo: ready' 600; then
	tap_line "not ok" "the stack process (tern-echo --serve-app ext) starts on hugepages"
	tail -n 5 "$WORK/stack.log" | diag
	tap_plan_exit
fi
tap_line ok "the stack process (tern-echo --serve-app ext, 2 lcores) starts (pid $STACK_PID)"

expect_error "tern-ext-echo --app nosuch" 1 "no channel nosuch" \
	"$EXT_BIN" "${SEC_EAL[@]}" -- --app nosuch --tcp 7

# 1. echo through the other process
EXT_PID=
if ! start_ext EXT_PID "$WORK/ext1.log"; then
	tap_line "not ok" "tern-ext-echo finds both channels and listens"
	tail -n 5 "$WORK/ext1.log" | diag
	tap_plan_exit
fi
tap_line ok "tern-ext-echo (secondary, lcore 9) finds both channels and listens"
step "tcp echo" 150 ip netns exec "$NS" "$PY" "$IT" tcp "$TERN_IP" 7 6 262144
step "udp echo" 60 ip netns exec "$NS" "$PY" "$IT" udp "$TERN_IP" 7 40

# 2. leaving: a held connection is reset, the ports are given back
ip netns exec "$NS" timeout -k 5 90 "$PY" "$IT" hold "$TERN_IP" 7 "$WORK/held" \
	>"$WORK/hold.out" 2>&1 &
HOLD_PID=$!
PIDS+=("$HOLD_PID")
for ((i = 0; i < 300; i++)); do
	[[ -s $WORK/held ]] && break
	kill -0 "$HOLD_PID" 2>/dev/null || break
	sleep 0.1
done
[[ -s $WORK/held ]] && tap_line ok "a kernel connection is held open ($(<"$WORK/held"))" ||
	tap_line "not ok" "a kernel connection is held open"
stop_pid "$EXT_PID"
# "tern-ext-echo: lcore N: tcp accepted A, closed C, ...", summed over lcores
counts=$(awk -F'[ ,]+' '/tcp accepted/ {a += $6; c += $8} END {print a + 0, c + 0}' \
	"$WORK/ext1.log")
if [[ $STOP_RC -eq 0 && $counts == "7 7" ]]; then
	tap_line ok "tern-ext-echo exits 0, its 7 connections closed or aborted"
else
	tap_line "not ok" "tern-ext-echo exits 0 with 7 connections accepted and closed (status $STOP_RC)"
	grep "tern-ext-echo" "$WORK/ext1.log" | diag
fi
wait_pid "$HOLD_PID" 30 || true
if grep -q "^reset" "$WORK/hold.out"; then
	tap_line ok "the held connection is reset when its app leaves"
else
	tap_line "not ok" "the held connection is reset when its app leaves ($(cat "$WORK/hold.out"))"
fi

# 3. another app process takes over the same ports
EXT2_PID=
if start_ext EXT2_PID "$WORK/ext2.log"; then
	tap_line ok "a second tern-ext-echo listens on the ports the first gave back"
	step "tcp echo again" 150 ip netns exec "$NS" "$PY" "$IT" tcp "$TERN_IP" 7 2 65536
	stop_pid "$EXT2_PID"
	[[ $STOP_RC -eq 0 ]] && tap_line ok "the second tern-ext-echo exits 0" ||
		tap_line "not ok" "the second tern-ext-echo exits 0 (status $STOP_RC)"
else
	tap_line "not ok" "a second tern-ext-echo listens on the ports the first gave back"
	tail -n 5 "$WORK/ext2.log" | diag
fi

# 4. an app process that dies (SIGKILL): the stack cleans up after it
EXT3_PID=
if start_ext EXT3_PID "$WORK/ext3.log"; then
	ip netns exec "$NS" timeout -k 5 90 "$PY" "$IT" hold "$TERN_IP" 7 "$WORK/held3" \
		>"$WORK/hold3.out" 2>&1 &
	HOLD3_PID=$!
	PIDS+=("$HOLD3_PID")
	for ((i = 0; i < 300; i++)); do
		[[ -s $WORK/held3 ]] && break
		kill -0 "$HOLD3_PID" 2>/dev/null || break
		sleep 0.1
	done
	# timeout(1) is the child we started; the app is its child
	app=$(cat "/proc/$EXT3_PID/task/$EXT3_PID/children" 2>/dev/null || true)
	app=${app%% *}
	[[ -n $app ]] && kill -KILL "$app" 2>/dev/null
	wait_pid "$EXT3_PID" 10 || true
	gone=0
	for ((i = 0; i < 100; i++)); do
		[[ $(grep -c "app process [0-9]* gone, channel ext cleaned up and open again" \
			"$WORK/stack.log") -ge 2 ]] && { gone=1; break; }
		sleep 0.1
	done
	[[ $gone -eq 1 ]] && tap_line ok "the stack process cleans up after a killed app on both lcores" ||
		{ tap_line "not ok" "the stack process cleans up after a killed app on both lcores"; \
		  tail -n 5 "$WORK/stack.log" | diag; }
	wait_pid "$HOLD3_PID" 30 || true
	grep -q "^reset" "$WORK/hold3.out" &&
		tap_line ok "the killed app's connection is reset by the stack" ||
		tap_line "not ok" "the killed app's connection is reset by the stack ($(cat "$WORK/hold3.out"))"
	EXT4_PID=
	if start_ext EXT4_PID "$WORK/ext4.log"; then
		step "tcp echo after the killed app" 150 ip netns exec "$NS" "$PY" "$IT" tcp \
			"$TERN_IP" 7 2 65536
		stop_pid "$EXT4_PID"
	else
		tap_line "not ok" "a new app process takes over after the killed one"
		tail -n 5 "$WORK/ext4.log" | diag
	fi
else
	tap_line "not ok" "a third tern-ext-echo starts"
fi

stop_pid "$STACK_PID"
if [[ $STOP_RC -eq 0 ]]; then
	tap_line ok "the stack process exits 0 (every mbuf back in its pool)"
else
	tap_line "not ok" "the stack process exits 0 (status $STOP_RC)"
	tail -n 5 "$WORK/stack.log" | diag
fi
echo "# run time $((SECONDS - T_START)) s"
tap_plan_exit
