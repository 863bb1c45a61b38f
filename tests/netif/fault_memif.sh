#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Fault injection end to end: tern-tcp-client, with a [fault] overlay that
# drops frames at random in both directions of its port, streams data to
# tern-echo through net_memif (two DPDK processes on this machine, no
# kernel, no namespace) and must get every byte back (--expect-echo
# compares SHA-256 of both directions), with fault_drop > 0 and TCP
# retransmissions in its counters. Run by `meson test` (suite netif) with
# TERN_ECHO and TERN_TCP_CLIENT set. Everything started here is stopped by
# pid; the memif socket and scratch directory are removed on any exit.
# Exit status: 0 passed, 1 failed, 77 cannot run.
set -euo pipefail

ECHO_BIN=${TERN_ECHO:?TERN_ECHO must name tern-echo}
CLIENT_BIN=${TERN_TCP_CLIENT:?TERN_TCP_CLIENT must name tern-tcp-client}
ID=tern-fault-$$
SOCK=/run/$ID.sock
BYTES=$((2 << 20))
MEM=(--no-huge -m 512 --no-pci --no-telemetry)
WORK=
ECHO_PID=

cleanup() {
	local rc=$?

	set +e
	if [[ -n $ECHO_PID ]] && kill -0 "$ECHO_PID" 2>/dev/null; then
		kill -TERM "$ECHO_PID"
		for _ in $(seq 50); do kill -0 "$ECHO_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$ECHO_PID" 2>/dev/null
	fi
	rm -f "$SOCK"
	rm -rf "/var/run/dpdk/$ID-s" "/var/run/dpdk/$ID-c"
	if [[ $rc -ne 0 && -n $WORK ]]; then
		echo "# tern-echo log:"; sed 's/^/#   /' "$WORK/echo.log" | tail -n 15
		echo "# tern-tcp-client log:"; sed 's/^/#   /' "$WORK/client.log" | tail -n 15
	fi
	[[ -n $WORK ]] && rm -rf "$WORK"
	exit "$rc"
}

[[ $EUID -eq 0 ]] || { echo "1..0 # SKIP needs root (memif socket in /run)"; exit 77; }
WORK=$(mktemp -d "/tmp/$ID.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cat >"$WORK/fault.ini" <<'INI'
[fault]
seed = 7
dir = both
drop = 0.02
INI

"$ECHO_BIN" "${MEM[@]}" -l 1 --file-prefix "$ID-s" \
	--vdev "net_memif0,role=server,socket=$SOCK" -- --ip 198.18.2.1/24 \
	--tcp 7 --duration 120 >"$WORK/echo.log" 2>&1 &
ECHO_PID=$!
for _ in $(seq 100); do
	grep -qs '^tern-echo: ready' "$WORK/echo.log" && break
	kill -0 "$ECHO_PID" 2>/dev/null || break
	sleep 0.1
done
grep -qs '^tern-echo: ready' "$WORK/echo.log" || { echo "not ok - tern-echo did not start"; exit 1; }

rc=0
timeout -k 5 90 "$CLIENT_BIN" "${MEM[@]}" -l 0 --file-prefix "$ID-c" \
	--vdev "net_memif0,role=client,socket=$SOCK" -- --ip 198.18.2.2/24 \
	--config "$WORK/fault.ini" --connect 198.18.2.1:7 --bytes "$BYTES" \
	--expect-echo --timeout 60 --stats "$WORK/client.json" >"$WORK/client.log" 2>&1 || rc=$?

fail=0
check() {	# check NAME CONDITION
	if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fail=1; fi
}
ctr() {		# ctr NAME: a counter from the client's --stats JSON (0 when absent)
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], 0))' \
		"$WORK/client.json" "$1" 2>/dev/null || echo 0
}
check "tern-tcp-client exits 0 (every byte echoed, SHA-256 equal)" '[[ $rc -eq 0 ]]'
drops=$(ctr fault_drop)
retrans=$(ctr tcp_tx_retrans)
echo "# client: fault_drop=$drops tcp_tx_retrans=$retrans tx_pkts=$(ctr tx_pkts) rx_pkts=$(ctr rx_pkts)"
check "the filter dropped frames (fault_drop > 0)" '[[ $drops -gt 0 ]]'
check "TCP repaired the losses (tcp_tx_retrans > 0)" '[[ $retrans -gt 0 ]]'
echo "1..3"
exit "$fail"
