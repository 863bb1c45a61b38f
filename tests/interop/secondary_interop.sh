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
IT=$SCRIPT_DIR/secondary_it.py
ID=tern-sec-$$
NS=$ID
PREFIX=$ID
TERN_IP=198.18.48.2
HUGE_PAGES=128
APP_LIMIT=150		# timeout(1) of every tern app, a safety net
SEC_EAL=(--proc-type=secondary --file-prefix "$PREFIX" --lcores 9@1 --no-pci)

on_cleanup() {		# it_cleanup's hook: our hugepages back
	huge_cleanup
}

start_ext() {		# start_ext VAR LOG: a tern-ext-echo, 0 once ready
	start_app "$1" "$2" '^tern-ext-echo: ready (2 channels' "$EXT_BIN" "${SEC_EAL[@]}" -- \
		--app ext --tcp 7 --udp 7
}

hold_start() {		# hold_start VAR TAG: a kernel connection held open; 0 once made
	spawn "$1" "$WORK/$2.out" ip netns exec "$NS" timeout -k 5 90 "$PY" "$IT" hold \
		"$TERN_IP" 7 "$WORK/$2"
	wait_file "${!1}" "$WORK/$2" 300
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

need_root "network namespaces, hugepages, DPDK"
need_bins ECHO_BIN EXT_BIN
need_cpus 2
need_tools ip ethtool timeout

it_begin
huge_setup "$HUGE_PAGES" >"$WORK/huge.why" || skip "hugepages: $(cat "$WORK/huge.why")"
ns_add "$NS"
veth_add tsa tsk 198.18.48.1/24

expect_error "tern-ext-echo without a stack process" 2 "EAL init failed" \
	"$EXT_BIN" --proc-type=secondary --file-prefix "$ID-none" --lcores 9@1 --no-pci -- \
	--app ext --tcp 7

must_start "the stack process (tern-echo --serve-app ext, 2 lcores) starts on hugepages" \
	STACK_PID "$WORK/stack.log" '^tern-echo: ready' ip netns exec "$NS" "$ECHO_BIN" \
	--huge-dir "$HUGE_DIR" --no-pci -l 0-1 --file-prefix "$PREFIX" \
	--vdev net_af_packet0,iface=tsa,qpairs=2 -- --ip "$TERN_IP/24" --serve-app ext \
	--duration 140

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
ns_step "tcp echo" 150 tcp "$TERN_IP" 7 6 262144
ns_step "udp echo" 60 udp "$TERN_IP" 7 40

# 2. leaving: a held connection is reset, the ports are given back
hold_start HOLD_PID held && tap_line ok "a kernel connection is held open ($(<"$WORK/held"))" ||
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
if grep -q "^reset" "$WORK/held.out"; then
	tap_line ok "the held connection is reset when its app leaves"
else
	tap_line "not ok" "the held connection is reset when its app leaves ($(cat "$WORK/held.out"))"
fi

# 3. another app process takes over the same ports
EXT2_PID=
if start_ext EXT2_PID "$WORK/ext2.log"; then
	tap_line ok "a second tern-ext-echo listens on the ports the first gave back"
	ns_step "tcp echo again" 150 tcp "$TERN_IP" 7 2 65536
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
	hold_start HOLD3_PID held3 || true
	# timeout(1) is the child we started; the app is its child
	app=$(child_of "$EXT3_PID")
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
	grep -q "^reset" "$WORK/held3.out" &&
		tap_line ok "the killed app's connection is reset by the stack" ||
		tap_line "not ok" "the killed app's connection is reset by the stack ($(cat "$WORK/held3.out"))"
	EXT4_PID=
	if start_ext EXT4_PID "$WORK/ext4.log"; then
		ns_step "tcp echo after the killed app" 150 tcp "$TERN_IP" 7 2 65536
		stop_pid "$EXT4_PID"
	else
		tap_line "not ok" "a new app process takes over after the killed one"
		tail -n 5 "$WORK/ext4.log" | diag
	fi
else
	tap_line "not ok" "a third tern-ext-echo starts"
fi

stop_checked "$STACK_PID" "the stack process" "$WORK/stack.log"
it_end
