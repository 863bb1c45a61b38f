#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tern demo, from a fresh Debian bookworm machine (run as root, from any
# directory): install what is missing (apt-get), build into build/ at the
# repository root, reserve 2 MiB hugepages when the kernel lets us (else
# run with --no-huge), then:
#  1. tern-echo on DPDK's net_tap inside a network namespace of its own,
#     measured by the Linux kernel talking to it: 20 pings, 10,000 UDP and
#     10,000 TCP echo round trips one at a time, and a 64 MiB TCP echo
#     checked with SHA-256 (latency percentiles, goodput, tern's counters);
#  2. the main job: tern-httpd and tern-load as two DPDK processes joined by
#     net_memif on this machine (no NIC, no kernel on the path; one lcore
#     each), 10 s of keep-alive requests and 10 s of --close (a connection
#     per request), printing both result tables in wrk's format and a
#     summary.
# Everything it starts or changes (namespace, processes, memif socket,
# hugepage reservation, hugetlbfs mount) is undone on exit, so it can be
# run again right away.
#
# usage: scripts/demo.sh
#   environment: DEMO_UDP_ROUNDS=10000, DEMO_NO_HUGE=1 (skip hugepages),
#   DEMO_ECHO=0 (skip part 1), DEMO_SECS=10, DEMO_CONNS=16 (keep-alive)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$REPO/build
ECHO_BIN=$BUILD/apps/echo/tern-echo
HTTPD_BIN=$BUILD/apps/httpd/tern-httpd
LOAD_BIN=$BUILD/apps/load/tern-load
SOCK=/run/tern-memif-demo-$$.sock
DEMO_SECS=${DEMO_SECS:-10}
DEMO_CONNS=${DEMO_CONNS:-16}
PY=/usr/bin/python3
ID=tern-demo-$$
NS=$ID
TERN_IP=198.18.0.2
KERNEL_IP=198.18.0.1
KERNEL_MAC=02:00:c6:12:00:01
UDP_ROUNDS=${DEMO_UDP_ROUNDS:-10000}
HUGE_PAGES=256
HUGE_SYS=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
HUGE_MNT=/dev/hugepages

WORK=
ECHO_PID=
ECHO_RC=0
CLIENT_PID=
HTTPD_PID=
HTTPD_RC=0
LOAD_PID=
HUGE_BEFORE=
MOUNTED_HUGE=0

say() {
	printf '\n== %s\n' "$*"
}

die() {
	echo "demo: $*" >&2
	exit 1
}

# Stop tern-echo (our child) by pid: SIGTERM, up to 10 s, then SIGKILL.
# Its exit status is left in ECHO_RC.
stop_echo() {
	local i

	ECHO_RC=0
	[[ -n $ECHO_PID ]] || return 0
	kill -TERM "$ECHO_PID" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$ECHO_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$ECHO_PID" 2>/dev/null && kill -KILL "$ECHO_PID"
	wait "$ECHO_PID" 2>/dev/null || ECHO_RC=$?
	ECHO_PID=
}

# Stop tern-httpd (our child) by pid, like stop_echo; status in HTTPD_RC.
stop_httpd() {
	local i

	HTTPD_RC=0
	[[ -n $HTTPD_PID ]] || return 0
	kill -TERM "$HTTPD_PID" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$HTTPD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$HTTPD_PID" 2>/dev/null && kill -KILL "$HTTPD_PID"
	wait "$HTTPD_PID" 2>/dev/null || HTTPD_RC=$?
	HTTPD_PID=
}

cleanup() {
	local rc=$? i

	set +e
	trap - EXIT INT TERM
	[[ -n $CLIENT_PID ]] && kill -TERM "$CLIENT_PID" 2>/dev/null && wait "$CLIENT_PID"
	[[ -n $LOAD_PID ]] && kill -TERM "$LOAD_PID" 2>/dev/null && wait "$LOAD_PID"
	stop_echo
	stop_httpd
	rm -f "$SOCK"
	rm -rf "/var/run/dpdk/$ID-httpd" "/var/run/dpdk/$ID-load"
	if [[ -e /var/run/netns/$NS ]]; then
		for i in $(ip netns pids "$NS" 2>/dev/null); do
			kill -KILL "$i" 2>/dev/null	# only what we started in it
		done
		ip netns del "$NS"
	fi
	rm -rf "/var/run/dpdk/$ID"
	[[ $MOUNTED_HUGE -eq 1 ]] && umount "$HUGE_MNT"
	[[ -n $HUGE_BEFORE ]] && echo "$HUGE_BEFORE" >"$HUGE_SYS" 2>/dev/null
	[[ -n $WORK ]] && rm -rf "$WORK"
	[[ $rc -ne 0 ]] && echo "demo: failed (exit status $rc)" >&2
	exit "$rc"
}

build() {
	local fresh=0

	if [[ ! -f $BUILD/build.ninja ]]; then
		[[ -e $BUILD ]] || fresh=1
		# The default configuration builds the test suites too; the demo
		# needs only tern-echo, so a fresh build/ falls back to -Dtests=false.
		if ! meson setup "$BUILD" "$REPO"; then
			[[ $fresh -eq 1 ]] || die "meson setup failed in an existing $BUILD"
			echo "demo: retrying without the test suites"
			rm -rf "$BUILD"
			meson setup "$BUILD" "$REPO" -Dtests=false
		fi
	fi
	ninja -C "$BUILD" apps/echo/tern-echo apps/httpd/tern-httpd apps/load/tern-load
}

free_hugepages() {
	awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo
}

# Sets EAL_MEM to the memory flags tern-echo should use.
reserve_hugepages() {
	local free

	EAL_MEM=(--no-huge -m 512 --no-shconf)
	if [[ ${DEMO_NO_HUGE:-0} == 1 ]]; then
		echo "DEMO_NO_HUGE=1: running with --no-huge"
		return
	fi
	free=$(free_hugepages)
	if [[ ${free:-0} -lt $HUGE_PAGES && -w $HUGE_SYS ]]; then
		HUGE_BEFORE=$(cat "$HUGE_SYS")
		echo $((HUGE_BEFORE + HUGE_PAGES - free)) >"$HUGE_SYS" 2>/dev/null || true
		free=$(free_hugepages)
	fi
	if [[ ${free:-0} -lt $HUGE_PAGES ]]; then
		echo "only ${free:-0} free 2 MiB hugepages (wanted $HUGE_PAGES): running with --no-huge"
		return
	fi
	if ! grep -q " hugetlbfs " /proc/mounts; then
		mkdir -p "$HUGE_MNT"
		mount -t hugetlbfs nodev "$HUGE_MNT" && MOUNTED_HUGE=1
	fi
	echo "$free free 2 MiB hugepages: running with --in-memory"
	EAL_MEM=(--in-memory)
}

# start_echo EAL_MEM...: start tern-echo in the namespace; 0 once ready.
start_echo() {
	local i

	ip netns exec "$NS" "$ECHO_BIN" "$@" -l "$TERN_LCORE" --file-prefix "$ID" \
		--vdev "net_tap0,iface=tern0" -- --ip "$TERN_IP/24" --udp 7 --tcp 7 \
		--duration 600 --stats "$WORK/stats.json" >"$WORK/echo.log" 2>&1 &
	ECHO_PID=$!
	for ((i = 0; i < 300; i++)); do
		grep -q '^tern-echo: ready' "$WORK/echo.log" && return 0
		kill -0 "$ECHO_PID" 2>/dev/null || break
		sleep 0.1
	done
	stop_echo
	return 1
}

write_client() {
	cat >"$WORK/client.py" <<'PYEOF'
# Kernel-side client of the demo: ping and UDP round trips, with latency
# percentiles (nearest rank) in microseconds.
import math
import re
import socket
import struct
import subprocess
import sys
import time

TERN_IP = "198.18.0.2"


def summary(name, us):
	if not us:
		print("%-5s no samples" % name)
		return
	us = sorted(us)

	def pct(p):
		return us[max(0, math.ceil(p / 100 * len(us)) - 1)]
	print("%-5s n=%-6d min %8.1f  p50 %8.1f  p90 %8.1f  p99 %8.1f  max %8.1f  (us)" %
	      (name, len(us), us[0], pct(50), pct(90), pct(99), us[-1]))


def do_ping():
	r = subprocess.run(["ping", "-n", "-c", "20", "-i", "0.05", "-W", "1", "-w", "15", TERN_IP],
			   capture_output=True, text=True, timeout=30)
	rtts = [float(x) * 1000 for x in re.findall(r"time=([\d.]+) ms", r.stdout)]
	m = re.search(r"(\d+) packets transmitted, (\d+) received", r.stdout)
	print("ping: %s" % (m.group(0) if m else r.stdout.strip()))
	return rtts, m is not None and m.group(1) == m.group(2)


def do_udp(rounds):
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.connect((TERN_IP, 7))
	s.settimeout(1.0)
	body = bytes(range(56))
	rtts, bad, lost = [], 0, 0
	t_end = time.monotonic() + 120
	for i in range(rounds):
		if time.monotonic() > t_end:
			lost += rounds - i
			break
		payload = struct.pack("!Q", i) + body	# 64 bytes, numbered
		t0 = time.perf_counter_ns()
		s.send(payload)
		try:
			r = s.recv(2048)
			while r[:8] != payload[:8] and len(r) == 64 and \
			      struct.unpack("!Q", r[:8])[0] < i:
				r = s.recv(2048)	# a late answer to a lost round
		except socket.timeout:
			lost += 1
			continue
		rtts.append((time.perf_counter_ns() - t0) / 1000)
		bad += r != payload
	print("udp:  %d round trips of 64 bytes, %d lost, %d corrupted" % (rounds, lost, bad))
	return rtts, lost == 0 and bad == 0


def do_tcp_rr(rounds):
	"""64-byte request/response round trips on one TCP connection."""
	s = socket.create_connection((TERN_IP, 7), timeout=5)
	s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
	rtts, bad = [], 0
	for i in range(rounds):
		payload = struct.pack("!Q", i) + bytes(56)
		t0 = time.perf_counter_ns()
		s.sendall(payload)
		r = b""
		while len(r) < len(payload):
			chunk = s.recv(64 - len(r))
			if not chunk:
				break
			r += chunk
		rtts.append((time.perf_counter_ns() - t0) / 1000)
		bad += r != payload
	s.close()
	print("tcp:  %d round trips of 64 bytes on one connection, %d corrupted" % (rounds, bad))
	return rtts, bad == 0


def do_tcp_bulk(mib):
	"""Stream `mib` MiB to the TCP echo and read it back, SHA-256 both ways."""
	import hashlib
	import threading
	s = socket.create_connection((TERN_IP, 7), timeout=10)
	block = bytes((i * 131 + 7) & 0xff for i in range(1 << 16))
	h_tx, h_rx, got = hashlib.sha256(), hashlib.sha256(), [0]

	def rx():
		while True:
			b = s.recv(1 << 16)
			if not b:
				return
			h_rx.update(b)
			got[0] += len(b)
	t = threading.Thread(target=rx)
	t.start()
	t0 = time.perf_counter()
	for _ in range(mib * 16):
		s.sendall(block)
		h_tx.update(block)
	s.shutdown(socket.SHUT_WR)
	t.join(60)
	dt = time.perf_counter() - t0
	s.close()
	ok = got[0] == mib << 20 and h_tx.digest() == h_rx.digest()
	print("tcp:  %d MiB echoed in %.2f s (%.0f MB/s each way), SHA-256 %s" %
	      (mib, dt, (mib << 20) / dt / 1e6, "match" if ok else "MISMATCH"))
	return ok


if __name__ == "__main__":
	rounds = int(sys.argv[1])
	ping_us, ok1 = do_ping()
	udp_us, ok2 = do_udp(rounds)
	tcp_us, ok3 = do_tcp_rr(rounds)
	ok4 = do_tcp_bulk(64)
	print()
	print("latency (round trip, kernel -> tern -> kernel):")
	summary("ping", ping_us)
	summary("udp", udp_us)
	summary("tcp", tcp_us)
	sys.exit(0 if ok1 and ok2 and ok3 and ok4 else 1)
PYEOF
}

print_counters() {
	$PY - "$1" <<'PYEOF'
import json, sys
with open(sys.argv[1]) as f:
	stats = json.load(f)
for k, v in stats.items():
	print("  %-22s %d" % (k, v))
PYEOF
}

# -----------------------------------------------------------------------------

[[ $EUID -eq 0 ]] || die "run as root (apt-get, network namespaces, tap, hugepages)"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
T0=$SECONDS

say "packages"
bash "$REPO/scripts/deps.sh"
say "build ($BUILD)"
build
for bin in "$ECHO_BIN" "$HTTPD_BIN" "$LOAD_BIN"; do
	[[ -x $bin ]] || die "no $bin after the build"
done

WORK=$(mktemp -d "/tmp/$ID.XXXXXX")
NCPU=$(nproc)
TERN_LCORE=$((NCPU - 1))
CLIENT=()
[[ $NCPU -gt 1 ]] && CLIENT=(taskset -c 0)	# keep the client off tern's busy core

say "memory"
reserve_hugepages

# Part 1: tern-echo on net_tap, measured by the kernel.
echo_part() {
	say "tern-echo on net_tap in namespace $NS (lcore $TERN_LCORE)"
	ip netns add "$NS"
	ip netns exec "$NS" ip link set lo up
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
	if ! start_echo "${EAL_MEM[@]}"; then
		if [[ ${EAL_MEM[0]} == --in-memory ]]; then
			echo "tern-echo did not start with hugepages; retrying with --no-huge"
			sed 's/^/  | /' "$WORK/echo.log" | tail -n 5
			EAL_MEM=(--no-huge -m 512 --no-shconf)
			start_echo "${EAL_MEM[@]}" || { cat "$WORK/echo.log"; die "tern-echo did not start"; }
		else
			cat "$WORK/echo.log"
			die "tern-echo did not start"
		fi
	fi
	echo "tern-echo pid $ECHO_PID, EAL memory flags: ${EAL_MEM[*]}"
	grep 'tern.netif' "$WORK/echo.log" || true
	# net_tap gives the kernel side tern's own MAC; use another, as on a wire.
	ip netns exec "$NS" ip link set tern0 address "$KERNEL_MAC"
	ip netns exec "$NS" ip addr add "$KERNEL_IP/24" dev tern0
	ip netns exec "$NS" ip link set tern0 up
	echo "kernel: $KERNEL_IP on tern0 ($KERNEL_MAC); tern: $TERN_IP, UDP echo on port 7"

	say "traffic: ping -c 20 -i 0.05, $UDP_ROUNDS UDP and $UDP_ROUNDS TCP round trips one at a time, 64 MiB TCP echo"
	write_client
	CLIENT_RC=0
	# In the background so that Ctrl-C or SIGTERM reaches the traps at once.
	timeout -k 5 300 ip netns exec "$NS" "${CLIENT[@]}" $PY "$WORK/client.py" "$UDP_ROUNDS" &
	CLIENT_PID=$!
	wait "$CLIENT_PID" || CLIENT_RC=$?
	CLIENT_PID=

	say "tern's counters (at exit)"
	stop_echo
	print_counters "$WORK/stats.json" || echo "(no counters: tern-echo wrote no stats)"
	if [[ $ECHO_RC -eq 0 ]]; then
		echo "tern-echo exited cleanly (every mbuf back in its pool)"
	else
		echo "tern-echo exited with status $ECHO_RC"
		tail -n 5 "$WORK/echo.log"
	fi
}

# -- part 2: tern-httpd <-> tern-load over net_memif --------------------------

# start_httpd EAL_MEM...: tern-httpd on the server side of the memif; 0 once ready.
start_httpd() {
	local i

	rm -f "$SOCK"
	"$HTTPD_BIN" "$@" --no-pci -l "$SRV_LCORE" --file-prefix "$ID-httpd" \
		--vdev "net_memif0,role=server,socket=$SOCK" -- \
		--config "$REPO/config/memif-httpd.ini" --duration 600 \
		--stats "$WORK/httpd-stats.json" >"$WORK/httpd.log" 2>&1 &
	HTTPD_PID=$!
	for ((i = 0; i < 300; i++)); do
		grep -q '^tern-httpd: ready' "$WORK/httpd.log" && return 0
		kill -0 "$HTTPD_PID" 2>/dev/null || break
		sleep 0.1
	done
	stop_httpd
	return 1
}

# run_load NAME EAL_MEM... -- LOAD-ARGS...: one tern-load run against the
# tern-httpd started for it; its table on stdout, the live progress line on
# stderr, the JSON in $WORK/NAME.json. With --hold: once the run is over,
# tern-httpd is stopped first (HTTPD_RC), then tern-load (LOAD_RC); DPDK
# 22.11's net_memif must not lose its peer while its lcores poll
# (lib/README.md, "Multi-core").
LOAD_RC=0
run_load() {
	local name=$1 mem=() i
	shift
	while [[ $1 != -- ]]; do mem+=("$1"); shift; done
	shift
	LOAD_RC=0
	timeout -k 5 $((DEMO_SECS * 3 + 180)) "$LOAD_BIN" "${mem[@]}" --no-pci -l "$CLI_LCORE" \
		--file-prefix "$ID-load" --vdev "net_memif0,role=client,socket=$SOCK" -- \
		--config "$REPO/config/memif-load.ini" --latency --json "$WORK/$name.json" --hold \
		"$@" http://198.18.2.1/ 2> >(tee "$WORK/$name.err" | grep --line-buffered -v \
		-e '^EAL:' -e '^TELEMETRY:' -e '^tern.netif' -e '^rte_pmd_memif_probe' \
		-e '^tern-load: run over; holding' >&2) &
	LOAD_PID=$!
	for ((i = 0; i < DEMO_SECS * 30 + 1200; i++)); do
		grep -qs '^tern-load: run over; holding' "$WORK/$name.err" && break
		kill -0 "$LOAD_PID" 2>/dev/null || break
		sleep 0.1
	done
	stop_httpd
	kill -TERM "$LOAD_PID" 2>/dev/null
	wait "$LOAD_PID" || LOAD_RC=$?
	LOAD_PID=
}

# memif_run NAME LOAD-ARGS...: tern-httpd for one run, the run, the verdicts.
memif_run() {
	start_httpd "${mem[@]}" || { cat "$WORK/httpd.log"; die "tern-httpd did not start"; }
	run_load "$1" "${mem[@]}" -- "${@:2}"
	[[ $LOAD_RC -eq 0 ]] || { echo "tern-load exited with status $LOAD_RC"; ok=0; }
	grep '^tern-httpd: lcore' "$WORK/httpd.log" || true
	if [[ $HTTPD_RC -eq 0 ]]; then
		echo "tern-httpd exited cleanly (every mbuf back in its pool)"
	else
		echo "tern-httpd exited with status $HTTPD_RC"
		tail -n 5 "$WORK/httpd.log"
		ok=0
	fi
}

summary() {
	$PY - "$WORK/keepalive.json" "$WORK/close.json" <<'PYEOF'
import json, sys
rows = []
for name, path in (("keep-alive", sys.argv[1]), ("--close", sys.argv[2])):
	try:
		d = json.load(open(path))
	except (OSError, ValueError):
		print("%-11s no result" % name)
		continue
	p = d["latency_us"]["percentiles"]
	e = sum(d["errors"].values())
	print("%-11s %10.0f req/s %9.0f conn/s   p50 %8.1f  p99 %8.1f  p99.9 %8.1f  max %9.1f us  errors %d"
	      % (name, d["rates"]["requests_per_s"], d["rates"]["connections_per_s"],
		 p["50"], p["99"], p["99.9"], p["100"], e))
PYEOF
}

http_part() {
	local mem=("${EAL_MEM[@]}") ok=1

	SRV_LCORE=$((NCPU > 1 ? 1 : 0))
	CLI_LCORE=0
	say "tern-httpd (lcore $SRV_LCORE, 198.18.2.1) <-> net_memif <-> tern-load (lcore $CLI_LCORE, 198.18.2.2)"
	if ! start_httpd "${mem[@]}"; then
		if [[ ${mem[0]} != --in-memory ]]; then
			cat "$WORK/httpd.log"
			die "tern-httpd did not start"
		fi
		echo "tern-httpd did not start with hugepages; retrying with --no-huge"
		mem=(--no-huge -m 512 --no-shconf)
		start_httpd "${mem[@]}" || { cat "$WORK/httpd.log"; die "tern-httpd did not start"; }
	fi
	echo "tern-httpd EAL memory flags: ${mem[*]}, socket $SOCK; one tern-httpd per run"
	stop_httpd

	say "keep-alive: $DEMO_CONNS connections, ${DEMO_SECS} s, closed loop (each connection sends when its response is in)"
	memif_run keepalive -c "$DEMO_CONNS" -d "$DEMO_SECS"

	say "--close: 8 connections, ${DEMO_SECS} s, a new TCP connection per request"
	memif_run close -c 8 -d "$DEMO_SECS" --close
	say "summary: tern-load -> tern-httpd over net_memif, one lcore each"
	summary || true
	[[ $ok -eq 1 ]]
}

ECHO_OK=1
if [[ ${DEMO_ECHO:-1} != 0 ]]; then
	echo_part
	[[ $CLIENT_RC -eq 0 && $ECHO_RC -eq 0 ]] || ECHO_OK=0
fi
HTTP_OK=1
http_part || HTTP_OK=0
say "done in $((SECONDS - T0)) s"
[[ $ECHO_OK -eq 1 && $HTTP_OK -eq 1 ]]
