#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tern-load's reconnect backoff (issue 13 item 4): a refused connect waits
# 1 ms, doubling up to 1 s, before the next try. One network namespace of
# our own with a veth pair (offloads off), tern-load on net_af_packet
# (198.18.49.2), the kernel on 198.18.49.1:
#   (a) nobody listens (the kernel answers every SYN with a RST): a 4
#       connection, 2 s run ends with "no connection came up" and at most
#       160 refused connects in all its phases (without the backoff: some
#       hundred thousand);
#       Its --stats file agrees: tcp_refused there is the refused connects
#       of the JSON result plus the one reachability probe tern-load makes
#       before it starts, plus at most one per connection that was in
#       flight when tern-load stopped counting.
#   (b) a kernel HTTP/1.1 server (load_backoff_it.py) starts 1.5 s after
#       tern-load: every connection comes up within the 1 s bound of the
#       backoff, requests are measured, tern-load exits 0. Meanwhile
#       tern-stat -s reads tern-load's counters over telemetry.
# Run by `meson test` (suite interop) with TERN_LOAD set; runnable by hand
# as root. Every process is bounded by timeout(1) and stopped by pid; the
# namespace and DPDK runtime directories go on exit.
# Exit status: 0 all passed, 1 a check failed, 77 cannot run.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

LOAD_BIN=${TERN_LOAD:-$SCRIPT_DIR/../../build/apps/load/tern-load}
STAT_BIN=${TERN_STAT:-$SCRIPT_DIR/../../build/apps/stat/tern-stat}
IT=$SCRIPT_DIR/load_backoff_it.py
ID=tern-lb-$$
NS=$ID
PREFIX=$ID
EAL=(--no-huge --no-pci -m 512 --no-shconf -l 0)
MAX_REFUSED=160

REFUSED='sum(p["connect"] for p in d["errors_by_phase"].values())'

need_root "network namespaces, veth, DPDK"
need_bins LOAD_BIN STAT_BIN
need_tools ip ethtool timeout

it_begin
ns_add "$NS"
veth_add tla tlk 198.18.49.1/24

# (a) a port nobody listens on
rc=0
start=$SECONDS
timeout -k 5 60 ip netns exec "$NS" "$LOAD_BIN" "${EAL[@]}" --file-prefix "$ID-a" \
	--vdev net_af_packet0,iface=tla -- --ip 198.18.49.2/24 -c 4 -d 2 \
	--json "$WORK/refused.json" --stats "$WORK/refused.stats" http://198.18.49.1:8080/ \
	>"$WORK/refused.log" 2>&1 || rc=$?
took=$((SECONDS - start))
if [[ $rc -eq 1 && -s $WORK/refused.json ]] && grep -q "no connection came up" "$WORK/refused.log"; then
	tap_line ok "refused: tern-load ends in ${took} s, exit 1, 'no connection came up'"
else
	tap_line "not ok" "refused: tern-load exit 1 with 'no connection came up' (exit $rc)"
	tail -n 5 "$WORK/refused.log" | diag
fi
if [[ -s $WORK/refused.json ]]; then
	n=$(json_get "$WORK/refused.json" "$REFUSED")
	if [[ $n -ge 4 && $n -le $MAX_REFUSED ]]; then
		tap_line ok "refused: $n refused connects in all phases (backoff; bound $MAX_REFUSED)"
	else
		tap_line "not ok" "refused: $n refused connects (want 4..$MAX_REFUSED)"
	fi
	ctr=$(json_get "$WORK/refused.stats" 'd.get("tcp_refused", 0)' 2>/dev/null || echo none)
	if [[ $ctr =~ ^[0-9]+$ && $ctr -ge $((n + 1)) && $ctr -le $((n + 1 + 4)) ]]; then
		tap_line ok "refused: --stats says tcp_refused $ctr: the JSON result's $n, the probe, in flight at the end"
	else
		tap_line "not ok" "refused: --stats tcp_refused ($ctr) is the JSON result's $n + the probe + at most 4"
	fi
fi

# (b) the server comes up late
spawn LOAD_PID "$WORK/late.log" timeout -k 5 60 ip netns exec "$NS" "$LOAD_BIN" "${EAL[@]}" \
	--file-prefix "$ID-b" --vdev net_af_packet0,iface=tla -- --ip 198.18.49.2/24 -c 4 -d 2 \
	--json "$WORK/late.json" http://198.18.49.1:8080/
sleep 1.5		# the point: connects are refused for a while
spawn SERVER_PID "$WORK/server.log" ip netns exec "$NS" timeout -k 5 60 "$PY" "$IT" serve \
	198.18.49.1 8080 40
seen=0
for ((i = 0; i < 40; i++)); do
	if timeout 10 "$STAT_BIN" --file-prefix "$ID-b" -s >"$WORK/stat.out" 2>&1 &&
		grep -q "^tcp_active_opens " "$WORK/stat.out"; then
		seen=1
		break
	fi
	kill -0 "$LOAD_PID" 2>/dev/null || break
	sleep 0.1
done
[[ $seen -eq 1 ]] && tap_line ok "tern-stat -s reads tern-load's counters over telemetry" ||
	{ tap_line "not ok" "tern-stat -s reads tern-load's counters over telemetry"; diag <"$WORK/stat.out"; }
if wait_pid "$LOAD_PID" 55 && [[ $STOP_RC -eq 0 && -s $WORK/late.json ]]; then
	up=$(json_get "$WORK/late.json" 'd["connections_up"]')
	req=$(json_get "$WORK/late.json" 'd["totals"]["requests"]')
	n=$(json_get "$WORK/late.json" "$REFUSED")
	if [[ $up -eq 4 && $req -gt 0 && $n -le $MAX_REFUSED ]]; then
		tap_line ok "late server: 4 of 4 connections up, $req requests, $n refused connects before"
	else
		tap_line "not ok" "late server: 4 connections up (got $up), requests (got $req), refused $n <= $MAX_REFUSED"
	fi
else
	tap_line "not ok" "late server: tern-load exits 0 with a JSON result (status $STOP_RC)"
	tail -n 8 "$WORK/late.log" | diag
fi
it_end
