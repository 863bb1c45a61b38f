#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# TCP interop test of tern against the Linux kernel over DPDK's net_tap.
# Run by `meson test` (suite interop) with TERN_ECHO and TERN_TCP_CLIENT
# set; runnable by hand as root. It makes its own network namespace with
# two taps:
#   tern0   tern-echo --tcp 7 --tcp-discard 10 (198.18.0.2/24); the kernel
#           is 198.18.0.1, and 198.18.0.9 for the peer that vanishes
#   ternc0  a persistent tap that every tern-tcp-client run attaches to
#           (198.18.1.2/24); the kernel is 198.18.1.1 (and .9), where
#           tcp_it.py's server echoes on port 7, on port 8 echoes
#           everything only after the client's FIN, and on port 10 only
#           counts (discard)
# Phase A drives the kernel's sockets at tern-echo and reads tern's counters
# live over DPDK telemetry; phase B runs tern-tcp-client against the kernel
# server. Checks (numbers as in the test plan): 1 bulk 256 MiB, 2 client bulk
# 256 MiB, 3 1000 concurrent connections each way, 4 half-close each way,
# 5 zero window, 6 closed port, 7 TIME-WAIT on the side that closes first,
# 8 a peer that vanishes mid-transfer, 9 kernel -> tern-echo's discard port
# (bytes counted on both ends equal), 10 tern-tcp-client --source -> the
# kernel's sink (equal again; once by --bytes, once by --duration). Each check prints TAP lines; small
# checks run under tcpdump and print a capture excerpt when they fail.
# Everything started here is stopped by pid and the namespace deleted on
# any exit. Exit status: 0 all passed, 1 a check failed, 77 cannot run.
# TERN_IT_KEEP=1 keeps the scratch directory (logs, captures).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

ECHO_BIN=${TERN_ECHO:-$SCRIPT_DIR/../../build/apps/echo/tern-echo}
CLIENT_BIN=${TERN_TCP_CLIENT:-$SCRIPT_DIR/../../build/apps/tcp_client/tern-tcp-client}
IT=$SCRIPT_DIR/tcp_it.py
PY=/usr/bin/python3
ID=tern-tcp-$$
NS=$ID
PREFIX=$ID
RUNTIME_DIR=/var/run/dpdk
KERNEL_MAC=02:00:c6:12:00:01	# locally administered
DURATION_S=600		# safety net only: the test stops tern-echo itself
EAL_ARGS=(--no-huge --no-pci -m 512 --no-shconf -l 0)
# Small so that a vanished peer is given up within seconds (check 8):
# RTOs of about 0.2, 0.4, 0.8, 1.6, 2, 2 s.
MAX_RETRIES=5
RTO_MAX_MS=2000
MIB=$((1 << 20))

WORK=
ECHO_PID=
SERVER_PID=
CLIENT_PID=
CAP_PID=
TCPDUMP=$(command -v tcpdump || true)

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
	local rc=$? pid

	set +e
	trap - EXIT INT TERM
	for pid in "$STEP_PID" "$CAP_PID" "$CLIENT_PID" "$SERVER_PID" "$ECHO_PID"; do
		[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && stop_pid "$pid"
	done
	if [[ -e /var/run/netns/$NS ]]; then
		# Anything still inside our own namespace was started by us.
		for pid in $(ip netns pids "$NS" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns exec "$NS" ip link del ternc0 2>/dev/null
		ip netns del "$NS"
	fi
	rm -rf "${RUNTIME_DIR:?}/$PREFIX" "${RUNTIME_DIR:?}/$PREFIX"-c*
	if [[ -n $WORK && -d $WORK ]]; then
		if [[ $rc -ne 0 && -f $WORK/echo.log ]]; then
			echo "# tern-echo log (tail):"
			tail -n 20 "$WORK/echo.log" | diag
		fi
		if [[ -n ${TERN_IT_KEEP:-} ]]; then
			echo "# kept $WORK"
		else
			rm -rf "$WORK"
		fi
	fi
	exit "$rc"
}

# -- captures: tcpdump on "any" (the client's tap comes and goes) -------------

cap_start() {		# cap_start NAME IFACE FILTER...
	CAP_FILE=$WORK/$1.pcap
	[[ -n $TCPDUMP ]] || return 0
	ip netns exec "$NS" "$TCPDUMP" -i "$2" -n -s 128 -c 60000 -U -w "$CAP_FILE" "${@:3}" \
		>"$WORK/$1.tcpdump.log" 2>&1 &
	CAP_PID=$!
	wait_line "$CAP_PID" "$WORK/$1.tcpdump.log" "listening on" 50 || true
}

cap_stop() {		# cap_stop FAILED_BEFORE: an excerpt if a check failed since
	local n

	[[ -n $CAP_PID ]] || return 0
	sleep 0.3
	stop_pid "$CAP_PID"
	CAP_PID=
	if ((N_FAILED > $1)); then
		tcpdump -n -tt -r "$CAP_FILE" >"$CAP_FILE.txt" 2>/dev/null
		n=$(wc -l <"$CAP_FILE.txt")
		if ((n <= 70)); then
			echo "# capture on the tap ($n packets):"
			diag <"$CAP_FILE.txt"
		else
			echo "# capture on the tap ($n packets), first 25 and last 40:"
			head -n 25 "$CAP_FILE.txt" | diag
			echo "# ..."
			tail -n 40 "$CAP_FILE.txt" | diag
		fi
	fi
}

# -- phase A helpers: the kernel drives tern-echo ----------------------------

echo_step() {		# echo_step NAME LIMIT SUBCOMMAND [ARGS...]
	if ! kill -0 "$ECHO_PID" 2>/dev/null; then
		tap_line "not ok" "$1 (tern-echo is not running)"
		return 0
	fi
	step "$1" "$2" ip netns exec "$NS" "$PY" "$IT" "${@:3}"
}

captured_echo_step() {	# like echo_step, under tcpdump (port 7 and 9 of tern-echo)
	local failed=$N_FAILED
	cap_start "$3" tern0 tcp and host 198.18.0.2
	echo_step "$@"
	cap_stop "$failed"
}

# -- phase B helpers: tern-tcp-client against the kernel server ------------

CLIENT_RC=
CLIENT_OUT=
CLIENT_STATS=
CLIENT_T0=
client_start() {	# client_start TAG LIMIT CLIENT-ARGS...
	local tag=$1 limit=$2
	shift 2
	CLIENT_OUT=$WORK/client-$tag.out
	CLIENT_STATS=$WORK/client-$tag.json
	CLIENT_T0=$EPOCHREALTIME
	ip netns exec "$NS" timeout -k 5 "$limit" "$CLIENT_BIN" "${EAL_ARGS[@]}" \
		--file-prefix "$PREFIX-c$tag" --vdev "net_tap0,iface=ternc0" -- \
		--ip 198.18.1.2/24 --config "$WORK/client.ini" --stats "$CLIENT_STATS" \
		"$@" >"$CLIENT_OUT" 2>&1 &
	CLIENT_PID=$!
}

client_wait() {		# leaves CLIENT_RC, CLIENT_SECS
	CLIENT_RC=0
	wait "$CLIENT_PID" || CLIENT_RC=$?
	CLIENT_PID=
	CLIENT_SECS=$(awk -v a="$CLIENT_T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
	echo "# tern-tcp-client exit $CLIENT_RC after $CLIENT_SECS s"
}

client_run() {		# client_run TAG LIMIT CLIENT-ARGS...
	client_start "$@"
	client_wait
}

server_lines() {
	wc -l <"$WORK/server.jsonl"
}

verify() {		# verify NAME SUBCOMMAND ARGS...: check a finished client run
	step "$1" 60 ip netns exec "$NS" "$PY" "$IT" "${@:2}"
}

# -- preconditions -----------------------------------------------------------

[[ $EUID -eq 0 ]] || skip "needs root (network namespaces, tap devices)"
for bin in ECHO_BIN CLIENT_BIN; do
	if [[ ! -x ${!bin} ]]; then
		# meson always passes built binaries: a missing one is an error there.
		if [[ -n ${TERN_ECHO:-}${TERN_TCP_CLIENT:-} ]]; then
			echo "not ok - ${!bin} is not executable"
			echo "1..1"
			exit 1
		fi
		skip "not built: ${!bin}"
	fi
done
[[ -c /dev/net/tun ]] || skip "no /dev/net/tun"
for tool in ip ss timeout awk; do
	command -v "$tool" >/dev/null || skip "missing $tool"
done
[[ -x $PY ]] || skip "no $PY"
[[ -n $TCPDUMP ]] || echo "# no tcpdump: failures come without a capture"

WORK=$(mktemp -d "/tmp/$ID.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export TERN_IT_WORK=$WORK
export TERN_IT_TEL=$RUNTIME_DIR/$PREFIX/dpdk_telemetry.v2
T_START=$SECONDS

cat >"$WORK/echo.ini" <<EOF
[tcp]
max_retries = $MAX_RETRIES
rto_max_ms = $RTO_MAX_MS
EOF
cp "$WORK/echo.ini" "$WORK/client.ini"

# -- namespace, taps, tern-echo ------------------------------------------------

ip netns add "$NS"
in_ns ip link set lo up
# Keep the kernel quiet on the links: no IPv6 router/neighbour solicitations.
in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
	2>/dev/null || true

# The client's tap exists before any client: the kernel side is addressed
# and up when tern-tcp-client's first ARP and SYN go out. multi_queue as
# net_tap opens it; net_tap gives it the port's MAC on every run.
in_ns ip tuntap add dev ternc0 mode tap multi_queue
in_ns ip addr add 198.18.1.1/24 dev ternc0
in_ns ip addr add 198.18.1.9/24 dev ternc0
in_ns ip link set ternc0 up

# Started directly so that $! is tern-echo itself (`ip netns exec` execs).
ip netns exec "$NS" "$ECHO_BIN" "${EAL_ARGS[@]}" --file-prefix "$PREFIX" \
	--vdev "net_tap0,iface=tern0" -- --ip 198.18.0.2/24 --tcp 7 --tcp-discard 10 \
	--config "$WORK/echo.ini" --duration "$DURATION_S" --stats "$WORK/echo-stats.json" \
	>"$WORK/echo.log" 2>&1 &
ECHO_PID=$!
if ! wait_line "$ECHO_PID" "$WORK/echo.log" '^tern-echo: ready'; then
	echo "# tern-echo did not become ready:"
	diag <"$WORK/echo.log"
	tap_line "not ok" "tern-echo --tcp 7 --tcp-discard 10 starts on net_tap"
	tap_plan_exit
fi
tap_line ok "tern-echo --tcp 7 --tcp-discard 10 starts on net_tap in namespace $NS (pid $ECHO_PID)"

# net_tap gives the kernel side the port's own MAC; a distinct one makes
# tern address the kernel by the MAC it learned, as on a real wire.
in_ns ip link set tern0 address "$KERNEL_MAC"
in_ns ip addr add 198.18.0.1/24 dev tern0
in_ns ip addr add 198.18.0.9/24 dev tern0
in_ns ip link set tern0 up

if [[ -S $TERN_IT_TEL ]] && timeout 10 "$PY" "$IT" snapshot "$WORK/tel0.json"; then
	tap_line ok "DPDK telemetry answers /tern/stats"
else
	tap_line "not ok" "DPDK telemetry answers /tern/stats on $TERN_IT_TEL"
	tap_plan_exit
fi

# -- phase A: the kernel's sockets against tern-echo ------------------------

echo_step "1: bulk kernel -> tern-echo" 120 bulk $((256 * MIB))
echo_step "3: 1000 concurrent kernel connections" 120 many 1000
captured_echo_step "4: kernel half-close" 60 halfclose $MIB
captured_echo_step "5: zero window" 90 zerownd $((4 * MIB)) 3
captured_echo_step "6: kernel to a closed tern port" 30 refused
captured_echo_step "7: kernel closes first" 30 timewait
captured_echo_step "8: kernel peer vanishes" 75 vanish "$MAX_RETRIES" "$RTO_MAX_MS" 30
echo_step "9: kernel -> tern-echo --tcp-discard" 90 discard $((64 * MIB))

if kill -0 "$ECHO_PID" 2>/dev/null; then
	tap_line ok "tern-echo still running after phase A"
else
	tap_line "not ok" "tern-echo still running after phase A"
fi
stop_pid "$ECHO_PID"
ECHO_PID=
if [[ $STOP_RC -eq 0 ]]; then
	tap_line ok "tern-echo exited with status 0 (every mbuf back in its pool)"
else
	tap_line "not ok" "tern-echo exited with status 0 (got $STOP_RC)"
	tail -n 5 "$WORK/echo.log" | diag
fi
grep '^tern-echo: lcore' "$WORK/echo.log" | diag || true
if grep -q 'command ring overflowed' "$WORK/echo.log"; then
	tap_line "not ok" "tern-echo's command ring never overflowed"
fi
# 9: what the kernel sent to the discard port is what tern-echo counted
want=$(awk '{ s += $1 } END { print s + 0 }' "$WORK/discard_sent" 2>/dev/null || echo 0)
got=$(sed -n 's/^tern-echo: lcore.*, discarded \([0-9]*\) bytes.*/\1/p' "$WORK/echo.log" |
	awk '{ s += $1 } END { print s + 0 }')
if [[ $want -gt 0 && $got -eq $want ]]; then
	tap_line ok "9: tern-echo discarded exactly the $want bytes the kernel sent"
else
	tap_line "not ok" "9: tern-echo discarded exactly the bytes the kernel sent (kernel $want, tern $got)"
fi

# -- phase B: tern-tcp-client against the kernel ---------------------------

: >"$WORK/server.jsonl"
ip netns exec "$NS" "$PY" "$IT" server "$WORK/server.jsonl" "$WORK/server.ready" \
	>"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for ((i = 0; i < 100; i++)); do
	[[ -e $WORK/server.ready ]] && break
	kill -0 "$SERVER_PID" 2>/dev/null || break
	sleep 0.1
done
if [[ ! -e $WORK/server.ready ]]; then
	tap_line "not ok" "kernel echo server starts in the namespace"
	diag <"$WORK/server.log"
	tap_plan_exit
fi

# 2: one connection, 256 MiB each way
since=$(server_lines)
client_run 2 100 --connect 198.18.1.1:7 --bytes $((256 * MIB)) --expect-echo --timeout 90
verify "2: client bulk" verify-stream 2 "$CLIENT_OUT" "$CLIENT_RC" "$CLIENT_STATS" \
	"$WORK/server.jsonl" "$since" 1 $((256 * MIB)) echo "$CLIENT_SECS"

# 3: 1000 connections of 4 KiB
since=$(server_lines)
client_run 3 90 --connect 198.18.1.1:7 --conns 1000 --bytes 4096 --expect-echo --timeout 60
verify "3: client 1000 connections" verify-stream 3 "$CLIENT_OUT" "$CLIENT_RC" \
	"$CLIENT_STATS" "$WORK/server.jsonl" "$since" 1000 4096 echo 0

# 4: the client half-closes; the kernel echoes only after that FIN
failed=$N_FAILED
since=$(server_lines)
cap_start client-4 any tcp and host 198.18.1.2 and port 8
client_run 4 40 --connect 198.18.1.1:8 --bytes $MIB --expect-echo --timeout 30
verify "4: client half-close" verify-halfclose "$CLIENT_OUT" "$CLIENT_RC" "$CLIENT_STATS" \
	"$WORK/server.jsonl" "$since" $MIB
cap_stop "$failed"

# 6: nothing listens on the kernel's port 9
failed=$N_FAILED
cap_start client-6 any tcp and host 198.18.1.2
client_run 6 30 --connect 198.18.1.1:9 --bytes 1000 --timeout 20
verify "6: client to a closed kernel port" verify-refused "$CLIENT_OUT" "$CLIENT_RC" \
	"$CLIENT_STATS"
cap_stop "$failed"

# 7: the client's FIN goes first, so tern holds TIME-WAIT
failed=$N_FAILED
since=$(server_lines)
cap_start client-7 any tcp and host 198.18.1.2
client_run 7 30 --connect 198.18.1.1:7 --bytes 1000 --expect-echo --timeout 20
verify "7: client closes first" verify-timewait "$CLIENT_OUT" "$CLIENT_RC" "$CLIENT_STATS" \
	"$WORK/server.jsonl" "$since"
cap_stop "$failed"

# 8: the kernel peer (198.18.1.9) vanishes while the client streams to it;
# the client's config gives up after MAX_RETRIES (defaults would take ~100 s)
failed=$N_FAILED
cap_start client-8 any tcp and host 198.18.1.9
client_start 8 60 --connect 198.18.1.9:7 --bytes $((1 << 30)) --timeout 50
step "8: client peer vanishes" 40 ip netns exec "$NS" "$PY" "$IT" watch-vanish 30
client_wait
cut=$(cat "$WORK/vanish_t" 2>/dev/null || echo "$CLIENT_T0")
after=$(awk -v a="$cut" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
verify "8: client timeout" verify-vanish "$CLIENT_OUT" "$CLIENT_RC" "$CLIENT_STATS" "$after"
cap_stop "$failed"

# 10: no per-byte work: --source to the kernel's sink, by size, then by time
since=$(server_lines)
client_run 10 60 --connect 198.18.1.1:10 --source --bytes $((64 * MIB)) --timeout 50
verify "10: client --source --bytes" verify-source 10 "$CLIENT_OUT" "$CLIENT_RC" \
	"$CLIENT_STATS" "$WORK/server.jsonl" "$since" $((64 * MIB))
since=$(server_lines)
client_run 10b 60 --connect 198.18.1.1:10 --source --duration 1 --bytes $((1 << 40)) \
	--timeout 50
verify "10b: client --source --duration" verify-source 10b "$CLIENT_OUT" "$CLIENT_RC" \
	"$CLIENT_STATS" "$WORK/server.jsonl" "$since" 0
grep '^tern-tcp-client: sent' "$CLIENT_OUT" | diag || true

stop_pid "$SERVER_PID"
SERVER_PID=
echo "# run time $((SECONDS - T_START)) s"
tap_plan_exit
