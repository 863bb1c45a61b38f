#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# dpdk-dumpcap attaches to a running tern app (issue 13 item 2): tern-echo
# registers DPDK's capture hook (rte_pdump) at start, and a process with
# shared memory (hugepages, a --file-prefix of its own, neither --no-shconf
# nor --in-memory) lets dumpcap in as a secondary process. The test adds
# 128 hugepages to the system's pool and mounts a hugetlbfs of its own
# (given back on exit), starts tern-echo on them over net_af_packet in a
# network namespace of its own (198.18.47.2), attaches dpdk-dumpcap to
# port 0, lets the kernel echo 64 kB through tern (capture_it.py), and
# stops dumpcap: its pcapng file holds the handshake and both byte
# streams. tern-echo still exits cleanly (every mbuf back) after the
# capture detached.
# Run by `meson test` (suite interop) with TERN_ECHO set; runnable by
# hand as root. Skips (77) without dpdk-dumpcap (Debian's dpdk-dev) or
# hugepages. Every process is bounded by timeout(1) and stopped by pid.
# Exit status: 0 all passed, 1 a check failed, 77 cannot run.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"
# shellcheck source=hugepages.sh
source "$SCRIPT_DIR/hugepages.sh"

ECHO_BIN=${TERN_ECHO:-$SCRIPT_DIR/../../build/apps/echo/tern-echo}
DUMPCAP=${DPDK_DUMPCAP:-$(command -v dpdk-dumpcap || true)}
IT=$SCRIPT_DIR/capture_it.py
ID=tern-dc-$$
NS=$ID
PREFIX=$ID
TERN_IP=198.18.47.2
HUGE_PAGES=128
APP_LIMIT=120		# timeout(1) of every tern app, a safety net

on_cleanup() {		# it_cleanup's hook: our hugepages back
	huge_cleanup
}

need_root "network namespaces, hugepages, DPDK"
need_bins ECHO_BIN
[[ -n $DUMPCAP && -x $DUMPCAP ]] || skip "no dpdk-dumpcap (Debian package dpdk-dev)"
# A secondary maps the primary's memory at the primary's addresses; an
# ASan primary has its shadow where a plain dpdk-dumpcap wants them (seen:
# "Cannot reserve 17179869184 bytes", then dumpcap's own SIGSEGV). The
# release build covers the attach; tern-ext-echo (same build) is fine.
if ldd "$ECHO_BIN" 2>/dev/null | grep -q 'libasan'; then
	skip "dpdk-dumpcap cannot attach to an ASan primary (address space layout)"
fi
need_tools ip ethtool timeout stdbuf ping

it_begin
huge_setup "$HUGE_PAGES" >"$WORK/huge.why" || skip "hugepages: $(cat "$WORK/huge.why")"
ns_add "$NS"
veth_add tda tdk 198.18.47.1/24

must_start "tern-echo starts on hugepages with --file-prefix $PREFIX" ECHO_PID \
	"$WORK/echo.log" '^tern-echo: ready' ip netns exec "$NS" "$ECHO_BIN" \
	--huge-dir "$HUGE_DIR" --no-pci -l 0 --file-prefix "$PREFIX" \
	--vdev net_af_packet0,iface=tda -- --ip "$TERN_IP/24" --tcp 7 --duration 100

# stdout line-buffered: "Capturing on" says the hook is enabled
spawn2 DUMP_PID "$WORK/dumpcap.out" "$WORK/dumpcap.err" timeout -k 5 60 \
	ip netns exec "$NS" stdbuf -oL "$DUMPCAP" --file-prefix="$PREFIX" -i 0 \
	-w "$WORK/dumpcap.pcapng"
if ! wait_line "$DUMP_PID" "$WORK/dumpcap.out" "^Capturing on" 300; then
	tap_line "not ok" "dpdk-dumpcap attaches to tern-echo"
	cat "$WORK/dumpcap.out" "$WORK/dumpcap.err" | tail -n 8 | diag
	tap_plan_exit
fi
tap_line ok "dpdk-dumpcap attaches to tern-echo"
# frames flow into the capture before the measured connection starts
seen=0
for ((i = 0; i < 40; i++)); do
	in_ns ping -c 1 -W 1 "$TERN_IP" >/dev/null 2>&1 || true
	if grep -Eq "Packets captured: .*[1-9]" "$WORK/dumpcap.err"; then
		seen=1
		break
	fi
done
[[ $seen -eq 1 ]] && tap_line ok "dpdk-dumpcap counts tern's frames" ||
	tap_line "not ok" "dpdk-dumpcap counts tern's frames"
ns_step "echo through tern" 60 echo "$TERN_IP" 7 "$WORK/echo.json" 65536
# dumpcap writes what its ring holds when told to stop
kill -INT "$DUMP_PID" 2>/dev/null || true
if wait_pid "$DUMP_PID" 20 && [[ $STOP_RC -eq 0 ]]; then
	tap_line ok "dpdk-dumpcap stops on SIGINT: $(grep -o "Packets received/dropped.*" \
		"$WORK/dumpcap.err" | head -n 1)"
else
	tap_line "not ok" "dpdk-dumpcap stops on SIGINT (status $STOP_RC)"
fi
[[ -s $WORK/echo.json ]] &&
	it_step "dumpcap's file" 60 check "$WORK/dumpcap.pcapng" "$WORK/echo.json" \
		"$TERN_IP" 1 any-dir
stop_checked "$ECHO_PID" "tern-echo (after the capture)" "$WORK/echo.log"
it_end
