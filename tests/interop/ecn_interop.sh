#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# ECN (RFC 3168) between tern and the Linux kernel (issue 12 item 10). Run
# by `meson test` (suite interop) with TERN_ECHO and TERN_TCP_CLIENT set;
# runnable by hand as root. Three network namespaces of our own:
#   tern    tern (198.18.30.2) on net_af_packet over veth t-r
#   router  forwards between r-t and r-l and is the congested hop: an
#           nftables rule marks CE on 1% of the ECN-capable TCP packets at
#           random, each way, with counters of the ECT(0) packets seen and
#           the CE set (this kernel has no RED, CoDel or PIE to mark by
#           queue length, and nft's byte-rate limit holds a full second of
#           burst: too coarse; the sim shows a queue that marks, tests/sim);
#           a tbf + pfifo bottleneck each way
#   linux   the kernel peer (198.18.31.2) with net.ipv4.tcp_ecn = 1 (per
#           namespace: ask on connect, accept on listen)
# Offloads are off on every veth: af_packet would otherwise hand tern
# frames with partial checksums and 64 KiB GSO frames.
# Checks: 1 tern-tcp-client (ecn = on) -> kernel sink: the kernel's socket
# shows "ecn ecnseen" (ss -tein), the router marked CE, tern cut its window
# on the kernel's ECE and sent CWR, bytes intact; 2 kernel -> tern-echo
# (ecn = passive, the default) -> kernel: the same from the other side,
# tern echoing the CE until the kernel's CWR; 3 refusals: tern-echo with
# ecn = off answers the kernel's ECN-setup SYN without ECE, tern-tcp-client
# with ecn = passive does not ask: no ECN on either connection, no ECT(0).
# ECN_ONLY=client,echo,off picks checks. Everything started here is
# stopped by pid and the namespaces deleted on any exit. Exit status: 0 all
# passed, 1 a check failed, 77 cannot run. TERN_IT_KEEP=1 keeps the
# scratch directory (logs, ss samples, the cwnd trace of check 1).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

ECHO_BIN=${TERN_ECHO:-$SCRIPT_DIR/../../build/apps/echo/tern-echo}
CLIENT_BIN=${TERN_TCP_CLIENT:-$SCRIPT_DIR/../../build/apps/tcp_client/tern-tcp-client}
IT=$SCRIPT_DIR/ecn_it.py
LOSS_IT=$SCRIPT_DIR/loss_it.py
ID=ecn-$$
NS_T=$ID-tern
NS_R=$ID-router
NS_L=$ID-linux
PREFIX=tern-$ID
EAL_ARGS=(--no-huge --no-pci -m 512 --no-shconf -l "${ECN_LCORE:-1}")
TERN_IP=198.18.30.2
ROUTER_T=198.18.30.1
LINUX_IP=198.18.31.2
SINK_PORT=5001
TABLE=cemark		# not "ecn": a keyword of nft's grammar
CE_PERMILLE=10
RATE=30mbit
QUEUE=100
MIB=$((1 << 20))
TX_BYTES=$((8 * MIB))
ECHO_BYTES=$((8 * MIB))
SMALL_BYTES=$MIB
ONLY=${ECN_ONLY:-client,echo,off}

# -- topology ------------------------------------------------------------------

# The congested hop, each way: count the ECN-capable TCP packets, mark CE
# on CE_PERMILLE of them.
marker_rules() {	# marker_rules OIF NAME
	echo "oifname \"$1\" meta l4proto tcp ip ecn ect0 counter comment \"ect0-to-$2\""
	echo "oifname \"$1\" meta l4proto tcp ip ecn ect0 numgen random mod 1000 < $CE_PERMILLE ip ecn set ce counter comment \"ce-to-$2\""
}

make_topology() {
	local dev

	ip netns exec "$NS_L" sysctl -qw net.ipv4.tcp_ecn=1
	# Made inside the router namespace, so no name ever exists in ours.
	ip -n "$NS_R" link add r-t type veth peer name t-r netns "$NS_T"
	ip -n "$NS_R" link add r-l type veth peer name l-r netns "$NS_L"
	offloads_off "$NS_R" r-t r-l
	offloads_off "$NS_T" t-r
	offloads_off "$NS_L" l-r
	ip -n "$NS_R" addr add $ROUTER_T/24 dev r-t
	ip -n "$NS_R" addr add 198.18.31.1/24 dev r-l
	ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1
	# t-r carries no kernel address: its frames are tern's (af_packet).
	ip -n "$NS_L" addr add $LINUX_IP/24 dev l-r
	for dev in r-t r-l; do ip -n "$NS_R" link set "$dev" up; done
	ip -n "$NS_T" link set t-r up
	ip -n "$NS_L" link set l-r up
	ip -n "$NS_L" route add default via 198.18.31.1
	{
		echo "table inet $TABLE {"
		echo "	chain cemarker {"
		echo "		type filter hook forward priority 0; policy accept;"
		marker_rules r-l linux | sed 's/^/\t\t/'
		marker_rules r-t tern | sed 's/^/\t\t/'
		echo "	}"
		echo "}"
	} >"$WORK/ruleset.nft"
	ip netns exec "$NS_R" nft -f "$WORK/ruleset.nft"
	for dev in r-l r-t; do
		ip netns exec "$NS_R" tc qdisc add dev $dev root handle 1: tbf rate $RATE burst 4500 limit 200000
		ip netns exec "$NS_R" tc qdisc add dev $dev parent 1:1 handle 10: pfifo limit $QUEUE
	done
}

counters() {		# counters FILE: the router's ECT(0)/CE counters
	ip netns exec "$NS_R" "$PY" "$IT" counters $TABLE "$1"
}

qdisc_drops() {		# the bottleneck's drops, both ways, for the log
	ip netns exec "$NS_R" tc -s qdisc show | awk '/^qdisc pfifo/ { dev = $5 } /dropped/ && dev { print "# pfifo on " dev ": " $0; dev = "" }'
}

ss_start() {		# ss_start FILE: sample the kernel's sockets with tern
	spawn SS_PID "$WORK/ss.log" ip netns exec "$NS_L" "$PY" "$IT" watch-ss "$1" $TERN_IP 120
}

# -- tern processes ----------------------------------------------------------

tern_vdev() {		# the EAL args of a tern process named $1
	echo --file-prefix "$PREFIX-$1" --vdev net_af_packet0,iface=t-r
}

tern_ini() {		# tern_ini NAME MODE: a config file with [tcp] ecn = MODE
	printf '[tcp]\necn = %s\n' "$2" >"$WORK/$1.ini"
}

CLIENT_RC=
run_client() {		# run_client TAG MODE BYTES: tern-tcp-client -> sink, waited for
	local tag=$1
	tern_ini "client-$tag" "$2"
	CLIENT_T0=$EPOCHREALTIME
	# shellcheck disable=SC2046  # tern_vdev's words are meant to split
	spawn CLIENT_PID "$WORK/client-$tag.out" ip netns exec "$NS_T" timeout -k 5 60 \
		"$CLIENT_BIN" "${EAL_ARGS[@]}" $(tern_vdev "c$tag") -- --ip $TERN_IP/24 \
		--gw $ROUTER_T --connect $LINUX_IP:$SINK_PORT --bytes "$3" --timeout 50 \
		--config "$WORK/client-$tag.ini" --stats "$WORK/client-$tag.json" \
		--trace "$WORK/trace-$tag.csv" --trace-us 5000
	echo "# tern-tcp-client, ecn = $2"
	client_wait
}

echo_start() {		# echo_start TAG MODE: tern-echo --tcp 7; 0 when ready
	tern_ini "echo-$1" "$2"
	# shellcheck disable=SC2046
	if ! start_app ECHO_PID "$WORK/echo-$1.log" '^tern-echo: ready' ip netns exec "$NS_T" \
		"$ECHO_BIN" "${EAL_ARGS[@]}" $(tern_vdev "e$1") -- --ip $TERN_IP/24 --gw $ROUTER_T \
		--tcp 7 --config "$WORK/echo-$1.ini" --duration 120 --stats "$WORK/echo-$1.json"; then
		diag <"$WORK/echo-$1.log"
		tap_line "not ok" "$1: tern-echo --tcp 7 starts on net_af_packet"
		return 1
	fi
}

echo_stop() {		# echo_stop TAG
	sleep 0.5	# tern-echo's close completes
	stop_checked "$ECHO_PID" "$1: tern-echo" "$WORK/echo-$1.log"
}

# -- the checks -----------------------------------------------------------------

client_check() {	# client_check TAG MODE BYTES
	local tag=$1 since

	since=$(wc -l <"$WORK/sink.jsonl")
	counters "$WORK/nft-$tag-a.json"
	ss_start "$WORK/ss-$tag.txt"
	run_client "$tag" "$2" "$3"
	stop_pid "$SS_PID"
	counters "$WORK/nft-$tag-b.json"
	qdisc_drops
	it_step "$tag: tern-tcp-client -> Linux" 30 verify-client "$tag" \
		"$WORK/client-$tag.out" "$CLIENT_RC" "$WORK/client-$tag.json" "$WORK/sink.jsonl" \
		"$since" "$3" "$WORK/ss-$tag.txt" "$WORK/nft-$tag-a.json" "$WORK/nft-$tag-b.json" \
		$TERN_IP "$([[ $2 == on ]] && echo ecn || echo plain)"
}

echo_check() {		# echo_check TAG MODE BYTES
	local tag=$1

	echo_start "$tag" "$2" || return 0
	counters "$WORK/nft-$tag-a.json"
	step "$tag: Linux -> tern-echo -> Linux" 90 ip netns exec "$NS_L" "$PY" "$IT" send "$tag" \
		$LINUX_IP $TERN_IP:7 "$3" 80 "$WORK/ss-$tag.txt"
	counters "$WORK/nft-$tag-b.json"
	qdisc_drops
	ip netns exec "$NS_R" nft list table inet $TABLE | diag
	echo_stop "$tag"
	it_step "$tag: tern-echo's counters" 30 verify-echo "$tag" "$WORK/echo-$tag.json" \
		"$WORK/ss-$tag.txt" "$WORK/nft-$tag-a.json" "$WORK/nft-$tag-b.json" \
		"$([[ $2 == off ]] && echo plain || echo ecn)"
}

# -- preconditions -------------------------------------------------------------

need_root "network namespaces, nftables, veth"
need_bins ECHO_BIN CLIENT_BIN
need_tools ip nft tc ss ethtool timeout awk

it_begin
# In a subshell of its own so that set -e stops it at the first failure
# (not under `||`, which would switch set -e off inside it).
ns_add "$NS_T" "$NS_R" "$NS_L"
set +e
(set -e; make_topology) 2>"$WORK/topology.err"
rc=$?
set -e
if [[ $rc -ne 0 ]]; then
	diag <"$WORK/topology.err"
	tap_line "not ok" "three namespaces, the CE-marking rule and the tbf bottleneck set up"
	tap_plan_exit
fi
tap_line ok "namespaces $NS_T, $NS_R, $NS_L: CE on $CE_PERMILLE/1000 of ECT(0) packets each way, $RATE tbf + pfifo $QUEUE, tcp_ecn = 1 in $NS_L"

: >"$WORK/sink.jsonl"
: >"$WORK/samples.jsonl"
spawn SINK_PID "$WORK/sink.log" ip netns exec "$NS_L" "$PY" "$LOSS_IT" sink $SINK_PORT \
	"$WORK/sink.jsonl" "$WORK/samples.jsonl" "$WORK/sink.ready"
if ! wait_file "$SINK_PID" "$WORK/sink.ready"; then
	diag <"$WORK/sink.log"
	tap_line "not ok" "kernel sink starts in $NS_L"
	tap_plan_exit
fi

if wants client; then
	client_check 1 on $TX_BYTES
fi
if wants echo; then
	echo_check 2 passive $ECHO_BYTES
fi
if wants off; then
	echo_check 3a off $SMALL_BYTES
	client_check 3b passive $SMALL_BYTES
fi

it_end
