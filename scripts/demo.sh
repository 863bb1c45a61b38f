#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tern demo, from a fresh Debian bookworm machine (run as root, from any
# directory): install what is missing (apt-get), build into build/ at the
# repository root, reserve 2 MiB hugepages when the kernel lets us (else
# run with --no-huge), start tern-echo on DPDK's net_tap inside a network
# namespace of its own, then measure the Linux kernel talking to it: 20
# pings, 10,000 UDP and 10,000 TCP echo round trips one at a time, and a
# 64 MiB TCP echo checked with SHA-256. Prints latency percentiles in
# microseconds, TCP goodput and tern's counters. Everything it starts or
# changes (namespace, tern-echo, hugepage reservation, hugetlbfs mount) is
# undone on exit, so it can be run again right away.
#
# usage: scripts/demo.sh
#   environment: DEMO_UDP_ROUNDS=10000, DEMO_NO_HUGE=1 (skip hugepages)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$REPO/build
ECHO_BIN=$BUILD/apps/echo/tern-echo
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

cleanup() {
	local rc=$? i

	set +e
	trap - EXIT INT TERM
	[[ -n $CLIENT_PID ]] && kill -TERM "$CLIENT_PID" 2>/dev/null && wait "$CLIENT_PID"
	stop_echo
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
	ninja -C "$BUILD" apps/echo/tern-echo
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
[[ -x $ECHO_BIN ]] || die "no $ECHO_BIN after the build"

WORK=$(mktemp -d "/tmp/$ID.XXXXXX")
NCPU=$(nproc)
TERN_LCORE=$((NCPU - 1))
CLIENT=()
[[ $NCPU -gt 1 ]] && CLIENT=(taskset -c 0)	# keep the client off tern's busy core

say "memory"
reserve_hugepages

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
say "done in $((SECONDS - T0)) s"
[[ $CLIENT_RC -eq 0 && $ECHO_RC -eq 0 ]]
