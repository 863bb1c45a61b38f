#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Every file in config/ runs as written (issue 13 item 6): the commands in
# each file's header comment, in order, with the test's own names and the
# build's programs (config_recipes_it.py says exactly what is changed and
# what is checked). Groups: tap-kernel.ini (tern-echo on a tap in a
# namespace, the kernel pings it), af-packet-veth.ini (veth pair between
# two namespaces, offloads off, tern-echo, ping), memif-httpd.ini then
# memif-load.ini (tern-load against tern-httpd), memif-server.ini then
# memif-client.ini (tern-tcp-client through tern-echo's TCP echo), and
# memif-server.ini then fault.ini (the same with faults injected);
# tap-load.ini is run by tap_load_interop.sh. Lines that need hugepages
# are skipped. Everything made (namespaces, veths, sockets, DPDK runtime
# directories, servers by pid) is removed on any exit.
# Run by `meson test` (suite interop) with TERN_ECHO, TERN_HTTPD,
# TERN_LOAD and TERN_TCP_CLIENT set; runnable by hand as root.
# Exit status: 0 all passed, 1 a check failed, 77 cannot run.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$SCRIPT_DIR/../.." && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

export TERN_ECHO=${TERN_ECHO:-$SRC/build/apps/echo/tern-echo}
export TERN_HTTPD=${TERN_HTTPD:-$SRC/build/apps/httpd/tern-httpd}
export TERN_LOAD=${TERN_LOAD:-$SRC/build/apps/load/tern-load}
export TERN_TCP_CLIENT=${TERN_TCP_CLIENT:-$SRC/build/apps/tcp_client/tern-tcp-client}
PY=/usr/bin/python3
TAG=r$(printf %x $$)		# short: a veth name + "-" + TAG fits in 15 characters
WORK=

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
	local rc=$? kind name pids=()

	set +e
	trap - EXIT INT TERM
	stop_running "$STEP_PID"
	# what the helper made, should it have been stopped before its own
	# clean-up: servers by pid first, then namespaces, veths, the rest
	if [[ -s $WORK/created ]]; then
		while read -r kind name; do
			[[ $kind == pid ]] && pids+=("$name")
		done <"$WORK/created"
		stop_running "${pids[@]}"
		while read -r kind name; do
			case $kind in
			ns) ns_del "$name" ;;
			link) [[ -e /sys/class/net/$name ]] && ip link del "$name" ;;
			file) rm -f "$name" ;;
			prefix) dpdk_dirs_rm "$name" ;;
			esac
		done <"$WORK/created"
	fi
	if [[ -n $WORK && -d $WORK ]]; then
		if [[ -n ${TERN_IT_KEEP:-} ]]; then echo "# kept $WORK"; else rm -rf "$WORK"; fi
	fi
	exit "$rc"
}

[[ $EUID -eq 0 ]] || skip "needs root (network namespaces, veth, tap, DPDK)"
for bin in "$TERN_ECHO" "$TERN_HTTPD" "$TERN_LOAD" "$TERN_TCP_CLIENT"; do
	[[ -x $bin ]] || skip "not built: $bin"
done
[[ $(nproc) -ge 2 ]] || skip "fewer than 2 CPUs"
[[ -c /dev/net/tun ]] || skip "no /dev/net/tun"
for tool in ip ethtool ping timeout; do
	command -v "$tool" >/dev/null || skip "missing $tool"
done
[[ -x $PY ]] || skip "no $PY"

WORK=$(mktemp -d "/tmp/tern-cfg-$TAG.XXXXXX")
export WORK
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
T_START=$SECONDS
step "config recipes" 1800 "$PY" "$SCRIPT_DIR/config_recipes_it.py" "$SRC" "$TAG" \
	"$WORK/created" tap-kernel.ini af-packet-veth.ini memif-httpd.ini,memif-load.ini \
	memif-server.ini,memif-client.ini memif-server.ini,fault.ini =tap-load.ini
echo "# run time $((SECONDS - T_START)) s"
tap_plan_exit
