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
ID=tern-tcp-$$
NS=$ID
PREFIX=$ID
KERNEL_MAC=02:00:c6:12:00:01	# locally administered
DURATION_S=600		# safety net only: the test stops tern-echo itself
EAL_ARGS=(--no-huge --no-pci -m 512 --no-shconf -l 0)
# Small so that a vanished peer is given up within seconds (check 8):
# RTOs of about 0.2, 0.4, 0.8, 1.6, 2, 2 s.
MAX_RETRIES=5
RTO_MAX_MS=2000
MIB=$((1 << 20))

CLIENT_PID=
CAP_PID=
TCPDUMP=$(command -v tcpdump || true)

# -- captures: tcpdump on "any" (the client's tap comes and goes) -------------

cap_start() {		# cap_start NAME IFACE FILTER...
	CAP_FILE=$WORK/$1.pcap
	[[ -n $TCPDUMP ]] || return 0
	spawn CAP_PID "$WORK/$1.tcpdump.log" ip netns exec "$NS" "$TCPDUMP" -i "$2" -n -s 128 \
		-c 60000 -U -w "$CAP_FILE" "${@:3}"
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
	app_step "$ECHO_PID" tern-echo "$@"
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
	spawn CLIENT_PID "$CLIENT_OUT" ip netns exec "$NS" timeout -k 5 "$limit" "$CLIENT_BIN" \
		"${EAL_ARGS[@]}" --file-prefix "$PREFIX-c$tag" --vdev "net_tap0,iface=ternc0" -- \
		--ip 198.18.1.2/24 --config "$WORK/client.ini" --stats "$CLIENT_STATS" "$@"
}

client_run() {		# client_run TAG LIMIT CLIENT-ARGS...
	client_start "$@"
	client_wait
}

server_lines() {
	wc -l <"$WORK/server.jsonl"
}

verify() {		# verify NAME SUBCOMMAND ARGS...: check a finished client run
	ns_step "$1" 60 "${@:2}"
}

# -- preconditions -----------------------------------------------------------

need_root "network namespaces, tap devices"
need_bins ECHO_BIN CLIENT_BIN
[[ -c /dev/net/tun ]] || skip "no /dev/net/tun"
need_tools ip ss timeout awk
[[ -n $TCPDUMP ]] || echo "# no tcpdump: failures come without a capture"

it_begin
show_on_fail "$WORK/echo.log" tern-echo
export TERN_IT_WORK=$WORK
export TERN_IT_TEL=$RUNTIME_DIR/$PREFIX/dpdk_telemetry.v2

cat >"$WORK/echo.ini" <<EOF
[tcp]
max_retries = $MAX_RETRIES
rto_max_ms = $RTO_MAX_MS
EOF
cp "$WORK/echo.ini" "$WORK/client.ini"

# -- namespace, taps, tern-echo ------------------------------------------------

ns_add "$NS"
# The client's tap exists before any client: net_tap gives it the port's
# MAC on every run.
tap_add ternc0 198.18.1.1/24 198.18.1.9/24
must_start "tern-echo --tcp 7 --tcp-discard 10 starts on net_tap in namespace $NS" ECHO_PID \
	"$WORK/echo.log" '^tern-echo: ready' ip netns exec "$NS" "$ECHO_BIN" "${EAL_ARGS[@]}" \
	--file-prefix "$PREFIX" --vdev "net_tap0,iface=tern0" -- --ip 198.18.0.2/24 --tcp 7 \
	--tcp-discard 10 --config "$WORK/echo.ini" --duration "$DURATION_S" \
	--stats "$WORK/echo-stats.json"
tap_kernel_side tern0 "$KERNEL_MAC" 198.18.0.1/24 198.18.0.9/24

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

alive_check "$ECHO_PID" "tern-echo still running after phase A"
stop_checked "$ECHO_PID" tern-echo "$WORK/echo.log"
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

if ! tcp_server SERVER_PID "$WORK/server.log"; then
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
ns_step "8: client peer vanishes" 40 watch-vanish 30
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
it_end
