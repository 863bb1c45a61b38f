#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tern against the Linux kernel through a lossy, rate-limited router (issue
# 4). Run by `meson test` (suite interop) with TERN_ECHO and TERN_TCP_CLIENT
# set; runnable by hand as root. Three network namespaces of our own:
#   tern    tern (198.18.20.2) on net_af_packet over veth t-r; the kernel
#           of this namespace is the competing flow of check 3 (198.18.21.2
#           on a second veth, k-r)
#   router  forwards between r-t, r-k and r-l; nftables drops 2% of the
#           forwarded TCP packets at random each way (counted per way), and
#           a tbf + pfifo bottleneck (RATE, QUEUE packets) sits on r-l's
#           egress, toward Linux
#   linux   the kernel peer (198.18.22.2): a sink that hashes what each
#           connection brought and samples byte counts (loss_it.py)
# Offloads are off on every veth: af_packet would otherwise hand tern
# frames with partial checksums and 64 KiB GSO frames.
# Checks: 1 tern-tcp-client -> kernel sink, N bytes intact (SHA-256 and
# count), the drop rule fired and tern retransmitted; 2 kernel -> tern-echo
# -> kernel, intact both ways, the kernel retransmitted, tern-echo reassembled
# and retransmitted; 3 a tern flow and a Linux flow share the bottleneck
# toward Linux; goodputs over WINDOW_S (30 s, after a 3 s warm-up) within a
# factor of 2 of each other.
# LOSS_ONLY=tx,rx,fair picks checks (e.g. LOSS_ONLY=fair runs check 3 alone);
# LOSS_TERN_CC=cubic|newreno sets the algorithm of both flows (default
# cubic); LOSS_FAIR_CALIBRATE=1 runs check 3 with a second kernel flow in
# tern's place, to show the method itself passes; LOSS_LCORE=N moves tern.
# Everything started here is stopped by pid and the namespaces deleted on
# any exit. Exit status: 0 all passed, 1 a check failed, 77 cannot run.
# TERN_IT_KEEP=1 keeps the scratch directory (logs, samples).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

ECHO_BIN=${TERN_ECHO:-$SCRIPT_DIR/../../build/apps/echo/tern-echo}
CLIENT_BIN=${TERN_TCP_CLIENT:-$SCRIPT_DIR/../../build/apps/tcp_client/tern-tcp-client}
IT=$SCRIPT_DIR/loss_it.py
ID=loss-$$
NS_T=$ID-tern
NS_R=$ID-router
NS_L=$ID-linux
PREFIX=tern-$ID
# tern polls one lcore; the other interop scripts use 0, so alongside them
# (another worktree's run) this one does not share their core by default.
# A shared core costs tern RTT and throughput that the kernel does not pay.
EAL_ARGS=(--no-huge --no-pci -m 512 --no-shconf -l "${LOSS_LCORE:-1}")
TERN_IP=198.18.20.2
ROUTER_T=198.18.20.1
KERN_T=198.18.21.2	# the kernel of the tern namespace (check 3's rival)
LINUX_IP=198.18.22.2
SINK_PORT=5001
TABLE=loss
LOSS_PCT=2
RATE=30mbit
# The bare path's RTT is ~0.1 ms (kernel or tern-echo, measured with
# ping), under one packet of BDP, and this kernel has no netem to add
# delay; so the queue is 1 BDP of a 10 ms RTT at 30 Mbit/s (37.5 kB), which
# is also what it lets the RTT grow to under load.
QUEUE=26
MIB=$((1 << 20))
TX_BYTES=$((8 * MIB))
RX_BYTES=$((4 * MIB))
WARM_S=3
WINDOW_S=30
ONLY=${LOSS_ONLY:-tx,rx,fair}
FAIR_CALIBRATE=${LOSS_FAIR_CALIBRATE:-0}
# Like with like: the kernel's competing flow runs the algorithm tern runs
# (TCP_CONGESTION on its socket; CUBIC unless LOSS_TERN_CC says otherwise),
# so check 3 compares TCP implementations, not CUBIC against NewReno (which
# CUBIC out-competes by design) or against the host's default (BBR here).
TERN_CC=${LOSS_TERN_CC:-cubic}
case $TERN_CC in
cubic) KERN_CC=cubic ;;
newreno) KERN_CC=reno ;;
*) echo "loss_interop: LOSS_TERN_CC must be cubic or newreno" >&2; exit 2 ;;
esac

CLIENT_PID=

# -- topology ------------------------------------------------------------------

make_topology() {
	# Made inside the router namespace, so no name ever exists in ours.
	ip -n "$NS_R" link add r-t type veth peer name t-r netns "$NS_T"
	ip -n "$NS_R" link add r-k type veth peer name k-r netns "$NS_T"
	ip -n "$NS_R" link add r-l type veth peer name l-r netns "$NS_L"
	offloads_off "$NS_R" r-t r-k r-l
	offloads_off "$NS_T" t-r k-r
	offloads_off "$NS_L" l-r

	ip -n "$NS_R" addr add $ROUTER_T/24 dev r-t
	ip -n "$NS_R" addr add 198.18.21.1/24 dev r-k
	ip -n "$NS_R" addr add 198.18.22.1/24 dev r-l
	ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1
	# t-r carries no kernel address: its frames are tern's (af_packet).
	ip -n "$NS_T" addr add $KERN_T/24 dev k-r
	ip -n "$NS_L" addr add $LINUX_IP/24 dev l-r
	for dev in r-t r-k r-l; do ip -n "$NS_R" link set "$dev" up; done
	ip -n "$NS_T" link set t-r up
	ip -n "$NS_T" link set k-r up
	ip -n "$NS_L" link set l-r up
	ip -n "$NS_T" route add default via 198.18.21.1
	ip -n "$NS_L" route add default via 198.18.22.1

	# 2% of the forwarded TCP packets each way, at random, counted per way.
	ip netns exec "$NS_R" nft -f - <<EOF
table inet $TABLE {
	chain lossy {
		type filter hook forward priority 0; policy accept;
		oifname "r-l" meta l4proto tcp numgen random mod 100 < $LOSS_PCT counter drop comment "to-linux"
		iifname "r-l" meta l4proto tcp numgen random mod 100 < $LOSS_PCT counter drop comment "to-tern"
	}
}
EOF
	# The bottleneck toward Linux: a token bucket over a packet FIFO.
	ip netns exec "$NS_R" tc qdisc add dev r-l root handle 1: tbf rate $RATE burst 4500 limit 100000
	ip netns exec "$NS_R" tc qdisc add dev r-l parent 1:1 handle 10: pfifo limit $QUEUE
}

nft_snapshot() {	# nft_snapshot FILE: the router's drop counters
	ip netns exec "$NS_R" "$PY" "$IT" nft-drops $TABLE "$1"
}

# -- tern processes ----------------------------------------------------------

tern_vdev() {		# the EAL args of a tern process named $1
	echo --file-prefix "$PREFIX-$1" --vdev net_af_packet0,iface=t-r
}

CLIENT_RC=
CLIENT_T0=
client_start() {	# client_start TAG LIMIT CLIENT-ARGS...: tern-tcp-client -> sink
	local tag=$1 limit=$2
	shift 2
	CLIENT_T0=$EPOCHREALTIME
	# Not through a function: $! must be the process itself (netns exec execs).
	# shellcheck disable=SC2046  # tern_vdev's words are meant to split
	spawn CLIENT_PID "$WORK/client-$tag.out" ip netns exec "$NS_T" timeout -k 5 "$limit" \
		"$CLIENT_BIN" "${EAL_ARGS[@]}" $(tern_vdev "c$tag") -- \
		--ip $TERN_IP/24 --gw $ROUTER_T --connect $LINUX_IP:$SINK_PORT \
		--config "$WORK/tern.ini" --stats "$WORK/client-$tag.json" "$@"
}

sink_lines() {
	wc -l <"$WORK/sink.jsonl"
}

# -- the checks -----------------------------------------------------------------

check_tx() {		# 1: tern-tcp-client -> kernel sink under loss
	local since t0=$SECONDS

	since=$(sink_lines)
	nft_snapshot "$WORK/nft-1a.json"
	client_start 1 60 --bytes $TX_BYTES --timeout 50
	client_wait
	nft_snapshot "$WORK/nft-1b.json"
	it_step "1: tern -> Linux under loss" 30 verify-client \
		"$WORK/client-1.out" "$CLIENT_RC" "$WORK/client-1.json" "$WORK/sink.jsonl" \
		"$since" $TX_BYTES "$CLIENT_SECS" "$WORK/nft-1a.json" "$WORK/nft-1b.json" $TERN_IP
	echo "# check 1 took $((SECONDS - t0)) s"
}

check_rx() {		# 2: kernel -> tern-echo -> kernel under loss
	local t0=$SECONDS

	# shellcheck disable=SC2046
	if ! start_app ECHO_PID "$WORK/echo.log" '^tern-echo: ready' ip netns exec "$NS_T" \
		"$ECHO_BIN" "${EAL_ARGS[@]}" $(tern_vdev echo) -- --ip $TERN_IP/24 --gw $ROUTER_T \
		--tcp 7 --config "$WORK/tern.ini" --duration 120 --stats "$WORK/echo-stats.json"; then
		diag <"$WORK/echo.log"
		tap_line "not ok" "2: tern-echo --tcp 7 starts on net_af_packet"
		return 0
	fi
	nft_snapshot "$WORK/nft-2a.json"
	step "2: Linux -> tern-echo under loss" 60 ip netns exec "$NS_L" "$PY" "$IT" send $LINUX_IP \
		$TERN_IP:7 $RX_BYTES 50 "$WORK/send-2.json"
	nft_snapshot "$WORK/nft-2b.json"
	sleep 0.5	# tern-echo's close completes (its last ACK may be dropped)
	stop_checked "$ECHO_PID" "2: tern-echo" "$WORK/echo.log"
	it_step "2: tern-echo's counters" 30 verify-echo "$WORK/echo-stats.json" \
		"$WORK/nft-2a.json" "$WORK/nft-2b.json"
	echo "# check 2 took $((SECONDS - t0)) s"
}

check_fair() {		# 3: one tern flow and one Linux flow through the bottleneck
	local t0=$SECONDS run_s=$((WARM_S + WINDOW_S + 4)) rival=$TERN_IP name=tern

	: >"$WORK/samples.jsonl"
	if [[ $FAIR_CALIBRATE == 1 ]]; then
		# the method itself: two kernel flows must come out within 2x
		rival=198.18.20.3
		name="Linux (in tern's place)"
		ip -n "$NS_T" addr add $rival/24 dev t-r
		ip -n "$NS_T" route add $LINUX_IP/32 via $ROUTER_T src $rival
		spawn CLIENT_PID "$WORK/blast-cal.log" ip netns exec "$NS_T" "$PY" "$IT" blast \
			$rival $LINUX_IP:$SINK_PORT $run_s $KERN_CC
	else
		client_start 3 $((run_s + 20)) --bytes $((1 << 30)) --timeout $((run_s + 10))
	fi
	spawn BLAST_PID "$WORK/blast.log" ip netns exec "$NS_T" "$PY" "$IT" blast $KERN_T \
		$LINUX_IP:$SINK_PORT $run_s $KERN_CC
	it_step "3: fairness" $((run_s + 15)) fair "$WORK/samples.jsonl" $rival \
		"$name" $KERN_T Linux $WARM_S $WINDOW_S 10
	wait_pid "$BLAST_PID" 10 || true
	diag <"$WORK/blast.log"
	# the kernel flow's loss response, next to tern's counters (--stats)
	ip netns exec "$NS_T" nstat -az 2>/dev/null | awk '$1 ~ /^(TcpRetransSegs|TcpOutSegs|TcpExtTCPSackRecovery|TcpExtTCPTimeouts|TcpExtTCPLossProbes|TcpExtTCPFastRetrans|TcpExtTCPLostRetransmit|TcpExtTCPSpuriousRTOs|TcpExtTCPDSACKUndo|TcpExtTCPFullUndo|TcpExtTCPPartialUndo|TcpExtTCPSACKReorder|TcpExtTCPLossUndo)$/ { print "kernel " $1 " " $2 }' | diag
	if [[ $FAIR_CALIBRATE == 1 ]]; then
		wait_pid "$CLIENT_PID" 10 || true
		CLIENT_PID=
		echo "# check 3 (calibration: two kernel flows) took $((SECONDS - t0)) s"
		return 0
	fi
	# told to send 1 GiB, the client is still sending: SIGTERM must make
	# it stop, report the connection unfinished and free every mbuf
	stop_pid "$CLIENT_PID"
	CLIENT_PID=
	"$PY" "$IT" note-stats "$WORK/client-3.json" tern-tcp-client || true
	if [[ $STOP_RC -eq 1 ]] && grep -q "interrupted with 0 of 1" "$WORK/client-3.out" &&
		! grep -q "mbufs not returned" "$WORK/client-3.out"; then
		tap_line ok "3: tern-tcp-client stopped by SIGTERM mid-transfer, every mbuf back in its pool"
	else
		tap_line "not ok" "3: tern-tcp-client stopped by SIGTERM mid-transfer (exit $STOP_RC), every mbuf back in its pool"
		tail -n 5 "$WORK/client-3.out" | diag
	fi
	echo "# check 3 took $((SECONDS - t0)) s"
}

# -- preconditions -------------------------------------------------------------

need_root "network namespaces, nftables, veth"
need_bins ECHO_BIN CLIENT_BIN
need_tools ip nft tc ethtool timeout awk

it_begin
{
	echo "[tcp]"
	[[ -z $TERN_CC ]] || echo "cc = $TERN_CC"
} >"$WORK/tern.ini"

ns_add "$NS_T" "$NS_R" "$NS_L"
# In a subshell of its own so that set -e stops it at the first failure.
rc=0
(make_topology) 2>"$WORK/topology.err" || rc=$?
if [[ $rc -ne 0 ]]; then
	diag <"$WORK/topology.err"
	tap_line "not ok" "three namespaces, nftables drop rule and tbf bottleneck set up"
	tap_plan_exit
fi
tap_line ok "namespaces $NS_T, $NS_R, $NS_L: ${LOSS_PCT}% random TCP drops each way, $RATE tbf + pfifo $QUEUE toward Linux"

: >"$WORK/sink.jsonl"
spawn SINK_PID "$WORK/sink.log" ip netns exec "$NS_L" "$PY" "$IT" sink $SINK_PORT \
	"$WORK/sink.jsonl" "$WORK/samples.jsonl" "$WORK/sink.ready"
if ! wait_file "$SINK_PID" "$WORK/sink.ready"; then
	diag <"$WORK/sink.log"
	tap_line "not ok" "kernel sink starts in $NS_L"
	tap_plan_exit
fi

wants tx && check_tx
wants rx && check_rx
wants fair && check_fair

it_end
