#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tern's connection-count ladder (issue 6, "scale"): tern-httpd on one
# lcore (CPU 1) and tern-load on one lcore (CPU 0), joined by net_memif,
# with 1k, 10k, 100k and 1M concurrent keep-alive connections (--quick
# stops at 100k). Each step starts a fresh server (listening on 16 ports,
# 8080-8095: one client address reaches 64512 connections per server
# port), reads its resident memory idle, then tern-load opens every
# connection (paced, requests held until all are up: the ramp-up), and
# runs a closed loop with SCALE_INFLIGHT requests outstanding that the
# connections take in turn, so every connection is used while the queue
# stays the same at every step. Memory: both processes run with --no-huge,
# so VmRSS counts every page the server touched (the DPDK heap included);
# no hugepages are used. With --huge (issue 14 item 5) both run on 2 MiB
# hugepages instead: the script reserves what the largest step needs
# (tests/interop/hugepages.sh: only the pages missing from the free pool,
# given back on exit, on a hugetlbfs of its own), so the flow table, TCBs
# and mbufs sit in hugepages; the memory columns then add the process's
# HugetlbPages to VmRSS, which counts the whole -m the EAL took up front
# (reserved, not touched). First a server with a small table (max_conns
# 4096) gives the base RSS; then per step: rss0 = the server idle with
# its tables sized for N (what is reserved and touched up front), rss =
# its VmHWM during the run, and kib_per_conn = (rss - base) / N:
# everything the server spends on N connections, reserved or touched.
#
# Writes $RESULTS_DIR/scale.csv (conns,rps,rss_kib,kib_per_conn),
# scale-detail.csv (plus idle RSS, ramp-up, errors), the JSON of each
# tern-load run and each server's counters; prints a table with
# rps(N)/rps(1k). Every process is bounded by timeout(1) and stopped by
# pid; the memif socket and DPDK run directories are removed on exit.
#
# usage: bench/e2e/scale.sh [--quick] [--huge]
#   environment: RESULTS_DIR (default results/scale-<timestamp>),
#   SCALE_LADDER ("1000 10000 100000 1000000"), SCALE_SECS (5; 3 with
#   --quick), SCALE_INFLIGHT (256), BUILD (build/)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$REPO/build}
HTTPD_BIN=$BUILD/apps/httpd/tern-httpd
LOAD_BIN=$BUILD/apps/load/tern-load
PY=/usr/bin/python3
ID=tern-scale-$$
SOCK=/run/$ID.sock
SRV_CPU=1
CLI_CPU=0
PORTS=8080-8095
SRV_IP=198.18.2.1
CLI_IP=198.18.2.2

QUICK=0
HUGE=0
for a in "$@"; do
	case $a in
	--quick) QUICK=1 ;;
	--huge) HUGE=1 ;;
	*) echo "usage: bench/e2e/scale.sh [--quick] [--huge]" >&2; exit 2 ;;
	esac
done
if [[ $QUICK -eq 1 ]]; then
	LADDER=${SCALE_LADDER:-"1000 10000 100000"}
	SECS=${SCALE_SECS:-3}
else
	LADDER=${SCALE_LADDER:-"1000 10000 100000 1000000"}
	SECS=${SCALE_SECS:-5}
fi
INFLIGHT=${SCALE_INFLIGHT:-256}
RESULTS_DIR=${RESULTS_DIR:-$REPO/results/scale-$(date +%Y%m%d-%H%M%S)}
WORK=
SRV_PID=
CLI_PID=

die() { echo "scale: $*" >&2; exit 1; }

# stop_pid PID: SIGTERM, up to 20 s (a million connections to free), then SIGKILL.
stop_pid() {
	local pid=$1 i

	[[ -n $pid ]] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$?

	set +e
	trap - EXIT INT TERM
	stop_pid "$CLI_PID"
	stop_pid "$SRV_PID"
	rm -f "$SOCK"
	rm -rf "/var/run/dpdk/$ID"-*
	declare -F huge_cleanup >/dev/null && huge_cleanup
	[[ -n $WORK ]] && rm -rf "$WORK"
	[[ $rc -ne 0 ]] && echo "scale: failed (exit status $rc)" >&2
	exit "$rc"
}

# kib PID FIELD: VmRSS / VmHWM in KiB, empty if gone; with --huge plus
# the process's hugetlb pages (which VmRSS does not count)
kib() {
	awk -v f="$2:" -v huge="$HUGE" '$1 == f { k = $2; seen = 1 }
		huge == 1 && $1 == "HugetlbPages:" { h = $2 }
		END { if (seen) print k + h }' "/proc/$1/status" 2>/dev/null || true
}

# EAL memory options: --no-huge, or the hugetlbfs mounted for this run
# (files unlinked once mapped, so nothing is left behind)
eal_memory() {	# eal_memory MIB
	if [[ $HUGE -eq 1 ]]; then
		echo "-m $1 --huge-dir $HUGE_DIR --huge-unlink"
	else
		echo "--no-huge -m $1"
	fi
}

# The server's mbuf pool, the same in every step and in the base server
# (so it is not counted per connection): responses stay queued until the
# client acknowledges them, and a client ACKs most of them only with its
# next request or its delayed-ACK timer (40 ms), so about rate x 40 ms
# connections hold a response (2-3 mbufs) at any time. With the default
# 16383 mbufs the server ran dry from 10k connections on and aborted
# connections it could not answer (httpd_mbuf_short).
SRV_MBUFS=262143
SRV_POOL_MIB=640

# EAL memory (MiB) for N connections: tables sized by N (about 1 KiB per
# connection on each side, counted twice for slack) on top of 512 MiB.
eal_mem() {
	echo $((512 + SRV_POOL_MIB + $1 * 2 / 1024))
}

# start_server N MAXC MEM: tern-httpd with MAXC TCBs; SRV_PID, RSS0 (KiB,
# idle a second after it is ready).
start_server() {
	local n=$1 maxc=$2 mem=$3 i
	local ini=$WORK/httpd-$n.ini log=$RESULTS_DIR/httpd-$n.log

	printf '[iface]\nport = 0\nip = %s/24\n[mem]\nmbufs = %u\n[tcp]\nmsl_ms = 100\nmax_conns = %u\n' \
		"$SRV_IP" "$SRV_MBUFS" "$maxc" >"$ini"
	rm -f "$SOCK"
	# no timeout(1) in front: $! must be the server itself (its RSS is
	# read); --duration bounds it and stop_pid ends it
	# shellcheck disable=SC2046  # eal_memory's words are separate arguments
	taskset -c "$SRV_CPU" "$HTTPD_BIN" $(eal_memory "$mem") \
		--no-shconf --no-pci -l "$SRV_CPU" --file-prefix "$ID-srv" \
		--vdev "net_memif0,role=server,socket=$SOCK" -- --config "$ini" --ports "$PORTS" \
		--idle-timeout 3600 --duration $((SECS + 880)) \
		--stats "$RESULTS_DIR/httpd-$n.json" >"$log" 2>&1 &
	SRV_PID=$!
	for ((i = 0; i < 600; i++)); do
		grep -qs '^tern-httpd: ready' "$log" && break
		kill -0 "$SRV_PID" 2>/dev/null || { cat "$log"; die "tern-httpd ($n) did not start"; }
		sleep 0.1
	done
	grep -q '^tern-httpd: ready' "$log" || die "tern-httpd ($n) not ready after 60 s"
	sleep 1
	RSS0=$(kib "$SRV_PID" VmRSS)
}

# step N: one rung of the ladder; appends to the CSVs.
step() {
	local n=$1 maxc mem rss0 hwm= h rc=0 line json=$RESULTS_DIR/load-$n.json

	maxc=$((n + n / 4 + 4096))
	mem=$(eal_mem "$n")
	start_server "$n" "$maxc" "$mem"
	rss0=$RSS0
	echo "-- $n connections: server pid $SRV_PID, max_conns $maxc, EAL -m $mem ($MEM_KIND)," \
		"idle VmRSS $rss0 KiB (base $BASE_RSS KiB)"
	# shellcheck disable=SC2046
	timeout -k 5 $((SECS + 600)) taskset -c "$CLI_CPU" "$LOAD_BIN" $(eal_memory "$mem") \
		--no-shconf --no-pci -l "$CLI_CPU" --file-prefix "$ID-cli" \
		--vdev "net_memif0,role=client,socket=$SOCK" -- --ip "$CLI_IP/24" \
		-c "$n" -d "$SECS" --in-flight "$INFLIGHT" --dst-ports "$PORTS" --timeout 10s \
		--json "$json" "http://$SRV_IP/" >"$WORK/load-$n.log" 2>&1 &
	CLI_PID=$!
	# VmHWM sampled while the client runs: memif's PMD in DPDK 22.11 can
	# crash the server inside tx_burst when the client detaches with
	# frames still queued (see the report), so the last sample counts
	while kill -0 "$CLI_PID" 2>/dev/null; do
		h=$(kib "$SRV_PID" VmHWM)
		[[ -n $h ]] && hwm=$h
		sleep 0.5
	done
	wait "$CLI_PID" || rc=$?
	CLI_PID=
	h=$(kib "$SRV_PID" VmHWM)
	[[ -n $h ]] && hwm=$h
	kill -0 "$SRV_PID" 2>/dev/null || echo "scale: tern-httpd ($n) died before the end (see $RESULTS_DIR/httpd-$n.log)"
	grep -E '^(Requests/sec|Ramp-up|  Socket errors)' "$WORK/load-$n.log" || true
	stop_pid "$SRV_PID"
	SRV_PID=
	if [[ $rc -ne 0 || ! -s $json || -z $hwm || -z $rss0 ]]; then
		echo "scale: step $n failed (tern-load exit $rc)" >&2
		tail -n 5 "$WORK/load-$n.log" >&2
		echo "$n,,," >>"$RESULTS_DIR/scale.csv"
		echo "$n,,,,,,,," >>"$RESULTS_DIR/scale-detail.csv"
		return 0
	fi
	line=$($PY - "$json" "$n" "$rss0" "$hwm" "$BASE_RSS" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
n, rss0, hwm, base = (int(x) for x in sys.argv[2:6])
rps = d["rates"]["requests_per_s"]
errs = sum(d["errors"].values())
ramp = d.get("ramp_s")
print("%d,%.0f,%d,%.3f|%d,%.3f,%.3f,%s,%d" % (n, rps, hwm, (hwm - base) / n, rss0,
      (rss0 - base) / n, (hwm - rss0) / n, "" if ramp is None else "%.3f" % ramp, errs))
PYEOF
)
	echo "${line%%|*}" >>"$RESULTS_DIR/scale.csv"
	echo "${line%%|*},${line#*|}" >>"$RESULTS_DIR/scale-detail.csv"
}

table() {
	$PY - "$RESULTS_DIR/scale-detail.csv" <<'PYEOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
base = next((float(r["rps"]) for r in rows if r["conns"] == "1000" and r["rps"]), None)
print("%9s %10s %6s %10s %9s %9s %9s %8s %7s" % ("conns", "req/s", "ratio", "rss KiB",
      "KiB/conn", "reserved", "touched", "ramp s", "errors"))
for r in rows:
	rps = float(r["rps"]) if r["rps"] else None
	ratio = "%.2f" % (rps / base) if rps and base else "-"
	print("%9s %10s %6s %10s %9s %9s %9s %8s %7s" % (r["conns"], "%.0f" % rps if rps else "-",
	      ratio, r["rss_kib"] or "-", r["kib_per_conn"] or "-",
	      r.get("kib_per_conn_reserved") or "-", r.get("kib_per_conn_touched") or "-",
	      r["ramp_s"] or "-", r["errors"] or "-"))
PYEOF
}

[[ $EUID -eq 0 ]] || die "run as root (memif socket in /run, DPDK)"
for bin in "$HTTPD_BIN" "$LOAD_BIN"; do
	[[ -x $bin ]] || die "no $bin: build first (meson setup build && ninja -C build)"
done
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
WORK=$(mktemp -d "/tmp/$ID.XXXXXX")
mkdir -p "$RESULTS_DIR"
MEM_KIND=--no-huge
if [[ $HUGE -eq 1 ]]; then
	# shellcheck source=../../tests/interop/hugepages.sh
	source "$REPO/tests/interop/hugepages.sh"
	top=0
	for n in $LADDER; do ((n > top)) && top=$n; done
	# server and client at the largest step (one step runs at a time),
	# 2 MiB each, plus 64 pages of slack for the EAL's own
	pages=$((2 * $(eal_mem "$top") / 2 + 64))
	# not in $(...): huge_setup sets HUGE_DIR and HUGE_ADDED for cleanup
	huge_setup "$pages" >"$WORK/huge.why" || die "--huge: $(<"$WORK/huge.why")"
	MEM_KIND="hugepages, $pages reserved"
fi
echo "conns,rps,rss_kib,kib_per_conn" >"$RESULTS_DIR/scale.csv"
echo "conns,rps,rss_kib,kib_per_conn,rss0_kib,kib_per_conn_reserved,kib_per_conn_touched,ramp_s,errors" \
	>"$RESULTS_DIR/scale-detail.csv"
echo "tern scale ladder: $LADDER connections, ${SECS} s each, $INFLIGHT requests in flight," \
	"server ports $PORTS, server CPU $SRV_CPU, client CPU $CLI_CPU, $MEM_KIND"
start_server base 4096 "$(eal_mem 0)"
BASE_RSS=$RSS0
stop_pid "$SRV_PID"
SRV_PID=
echo "-- base: tern-httpd with max_conns 4096, idle VmRSS $BASE_RSS KiB"
for n in $LADDER; do
	step "$n"
done
echo
table | tee "$RESULTS_DIR/table.txt"
echo "results: $RESULTS_DIR"
