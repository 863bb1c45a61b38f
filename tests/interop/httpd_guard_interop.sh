#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Slow-client interop test of tern-httpd (issue 11, slowloris) against the
# Linux kernel over DPDK's net_tap. Run by `meson test` (suite interop)
# with TERN_HTTPD set; runnable by hand as root. It makes its own network
# namespace with one tap, tern0: tern-httpd on 198.18.11.2 with a 4 s
# header deadline, a 20 B/s minimum rate over 3 s windows and a cap of
# 40 connections per client address; the kernel side has two addresses,
# 198.18.11.1 (the attacker) and 198.18.11.3 (a legitimate client).
# httpd_guard_it.py then runs 48 slowloris clients from .1 for 10 s (one
# header line every 1-2 s, reconnecting when closed), a request body sent
# at 5 B/s and a legitimate client from .3 measured before, during and
# after; then the Host rule. Checks: the first wave's 8 connections over
# the cap are reset while .3 is served, every slowloris head gets 408 at
# the deadline, the slow body gets 408, every legitimate request is
# answered 200, the Host rule; tern-httpd exits 0 (every mbuf back in its
# pool) and its --stats counters agree with what the clients saw.
# Everything started here is stopped by pid and the namespace deleted on
# any exit. Exit status: 0 all passed, 1 a check failed, 77 cannot run.
# TERN_IT_KEEP=1 keeps the scratch directory (logs).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

HTTPD_BIN=${TERN_HTTPD:-$SCRIPT_DIR/../../build/apps/httpd/tern-httpd}
IT=$SCRIPT_DIR/httpd_guard_it.py
ID=tern-hguard-$$
NS=$ID
PREFIX=$ID
KERNEL_MAC=02:00:c6:12:0b:01	# locally administered
TERN_IP=198.18.11.2
ADDR_A=198.18.11.1		# the attacker
ADDR_B=198.18.11.3		# the legitimate client
N_LORIS=48
CAP=40
HEAD_S=4
ATTACK_S=10
DURATION_S=300		# safety net only: the test stops tern-httpd itself
EAL_ARGS=(--no-huge --no-pci -m 512 --no-shconf -l 0)

py_step() {		# py_step NAME LIMIT SUBCOMMAND [ARGS...]
	app_step "$HTTPD_PID" tern-httpd "$@"
}

# -- preconditions -----------------------------------------------------------

need_root "network namespaces, tap devices"
need_bins HTTPD_BIN
[[ -c /dev/net/tun ]] || skip "no /dev/net/tun"
need_tools ip timeout

it_begin
show_on_fail "$WORK/httpd.log" tern-httpd

# -- bad values: one-line error, exit 2 --------------------------------------

for args in "--header-timeout -1" "--min-rate x" "--min-rate-window 0" \
	"--max-conns-per-addr 99999999999"; do
	# shellcheck disable=SC2086  # the case is a word list
	usage_error "'$args' is a one-line error and exit 2" "^tern-httpd: ${args%% *}: expected" \
		"$HTTPD_BIN" "${EAL_ARGS[@]}" --file-prefix "$PREFIX" -- --ip "$TERN_IP/24" $args
done

# -- namespace, tap, tern-httpd ----------------------------------------------

ns_add "$NS"

# A short MSL: TIME-WAIT entries of the closed slowloris connections must
# not fill the table (that is issue 11 item 2, tested elsewhere).
printf '[tcp]\nmax_conns = 256\nmsl_ms = 100\n' >"$WORK/httpd.ini"
must_start "tern-httpd starts on net_tap in namespace $NS" HTTPD_PID "$WORK/httpd.log" \
	'^tern-httpd: ready' ip netns exec "$NS" "$HTTPD_BIN" "${EAL_ARGS[@]}" \
	--file-prefix "$PREFIX" --vdev "net_tap0,iface=tern0" -- --ip "$TERN_IP/24" --port 80 \
	--config "$WORK/httpd.ini" --header-timeout "$HEAD_S" --min-rate 20 \
	--min-rate-window 3 --max-conns-per-addr "$CAP" --idle-timeout 30 \
	--duration "$DURATION_S" --stats "$WORK/httpd-stats.json"

tap_kernel_side tern0 "$KERNEL_MAC" "$ADDR_A/24" "$ADDR_B/24"

py_step "slowloris attack" 60 attack "$TERN_IP" "$ADDR_A" "$ADDR_B" "$N_LORIS" "$CAP" \
	"$HEAD_S" "$ATTACK_S" "$WORK/seen.json"
py_step "Host rule" 30 host "$TERN_IP" "$ADDR_B"

alive_check "$HTTPD_PID" "tern-httpd still running after the attack"
stop_checked "$HTTPD_PID" tern-httpd "$WORK/httpd.log"
if [[ -s $WORK/seen.json ]]; then
	it_step "counters" 30 stats "$WORK/httpd-stats.json" "$WORK/seen.json"
else
	tap_line "not ok" "counters (the attack step wrote no summary)"
fi
it_end
