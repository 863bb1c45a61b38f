#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# SYN flood interop (issue 11): tern-echo on net_tap in a network namespace
# of our own (tern 198.18.50.2/24, the kernel's end `sck` 198.18.50.1, also
# tern's gateway, so SYN-ACKs to the spoofed sources in 198.19.0.0/16 go to
# the kernel, which does not forward and drops them) with the default
# tcp.syncookies = overflow. syncookie_it.py floods the tap with spoofed
# SYNs (SC_RATE per second, default 60000, for SC_SECS, default 12) while
# the kernel's TCP connects to tern-echo's echo port as the legitimate
# client, before, during and after the flood: during it >= 90% of the
# connections must complete (when the host's tap queue kept up: see
# syncookie_it.py), after it the first one within 1 s. At exit
# tern-echo's counters show cookies sent and validated, no SYN refused
# for a full backlog, no amplification,
# and its exit status says its mbuf pool is back at its level. SC_MODE=off
# (or always) runs tern-echo with that [tcp] syncookies mode instead, to
# see the difference by hand (with off the checks are expected to fail).
# Everything
# is bounded by timeout(1), stopped by pid, and the namespace and DPDK
# runtime directory go on any exit.
# Exit status: 0 all passed, 1 a check failed, 77 cannot run.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

ECHO_BIN=${TERN_ECHO:-$SCRIPT_DIR/../../build/apps/echo/tern-echo}
IT=$SCRIPT_DIR/syncookie_it.py
ID=tern-sc-$$
NS=$ID
PREFIX=$ID
RATE=${SC_RATE:-60000}
SECS=${SC_SECS:-12}
KERNEL_MAC=02:00:c6:12:32:01		# the tap's kernel side (locally administered)
APP_LIMIT=90

need_root "network namespaces"
need_bins ECHO_BIN
need_tools ip

it_begin
show_on_fail "$WORK/echo.log" tern-echo
CONF=()
if [[ -n ${SC_MODE:-} ]]; then
	printf '[tcp]\nsyncookies = %s\n' "$SC_MODE" >"$WORK/sc.ini"
	CONF=(--config "$WORK/sc.ini")
fi
ns_add "$NS"
must_start "tern-echo starts on net_tap" ECHO_PID "$WORK/echo.log" '^tern-echo: ready' \
	ip netns exec "$NS" "$ECHO_BIN" --no-huge --no-pci -m 512 \
	--no-shconf -l 0 --file-prefix "$PREFIX" --vdev net_tap0,iface=sck -- \
	--ip 198.18.50.2/24 --gw 198.18.50.1 --tcp 7 --duration 80 \
	--stats "$WORK/echo.json" "${CONF[@]}"
tap_kernel_side sck "$KERNEL_MAC" 198.18.50.1/24

ns_step "SYN flood" $((SECS + 40)) flood sck 198.18.50.2 7 \
	"$RATE" "$SECS" "$WORK/flood.json"
stop_pid "$ECHO_PID"
grep '^tern-echo:' "$WORK/echo.log" | diag || true
it_step "counters at exit" 30 exit "$WORK/echo.json" "$STOP_RC" "$WORK/flood.json"
tap_plan_exit
