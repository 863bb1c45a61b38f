#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Multi-core interop (issue 10): tern apps on MC_LCORES lcores (default 2,
# EAL -l 0-1; one stack per lcore, each serving its queue of the port)
# against the Linux kernel and against each other, asserting per lcore.
# Run by `meson test` (suite interop) with TERN_HTTPD, TERN_ECHO and
# TERN_LOAD set; runnable by hand as root. One network namespace of our
# own holds a veth pair (tern's end `mca` through net_af_packet with one
# queue pair per lcore, the kernel's `mck` 198.18.40.1, offloads off) and
# the net_tap device (`mct`, 198.18.41.1); the memif pairs need no kernel.
#   afp    tern-httpd on af_packet: 64 kernel keep-alive connections open at
#          once (4 requests each) and 96 Connection: close ones, every body
#          byte-exact; /tern/lcores answers live, per lcore
#   tap    the same through net_tap with one queue per lcore
#   udp    tern-echo on af_packet: 128 kernel sockets (source ports), 4
#          datagrams each, every one echoed byte-identical
#   nginx  tern-load -t MC_LCORES against the kernel's nginx over af_packet
#          and over net_tap: every connection up, nginx logged exactly the
#          requests sent
#   client tern-tcp-client --conns 32 against a kernel echo server over
#          af_packet (tcp_it.py's): 64 KiB each way per connection, SHA-256
#   memif  tern-load <-> tern-httpd over net_memif (server first, one
#          socket, distinct --file-prefix): queue counts 2/2 must work,
#          with no frame steered (memif joins queue i to queue i and both
#          terns compute the same symmetric owner); with two lcores also
#          1 (load) / 2 (httpd) and 2 / 1, not supported: both ends must
#          stop by themselves, any failure named in one line, never a hang
# Each case checks at exit: the app's status 0 (its mbuf pool back at its
# level), all requests and bytes intact, EVERY lcore owned connections
# (the apps' lcore<N>_ keys), no RST sent and no segment without a
# connection (tcp_tx_rst, tcp_rx_no_conn, tcp_resets 0), no steering drop,
# and with several lcores flow_rx_steered > 0 on tap and af_packet (the
# kernel spreads flows by a hash tern cannot predict, so software must).
# MC_LCORES=1 runs the same cases on one lcore (the baseline);
# MC_ONLY=afp,tap,udp,nginx,client,memif picks cases. Every process is bounded by
# timeout(1) and stopped by pid; the namespace, the memif sockets and the
# DPDK runtime directories go on any exit.
# Exit status: 0 all passed, 1 a check failed, 77 cannot run.
# TERN_IT_KEEP=1 keeps the scratch directory (logs, JSON).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

HTTPD_BIN=${TERN_HTTPD:-$SCRIPT_DIR/../../build/apps/httpd/tern-httpd}
ECHO_BIN=${TERN_ECHO:-$SCRIPT_DIR/../../build/apps/echo/tern-echo}
LOAD_BIN=${TERN_LOAD:-$SCRIPT_DIR/../../build/apps/load/tern-load}
CLIENT_BIN=${TERN_TCP_CLIENT:-$SCRIPT_DIR/../../build/apps/tcp_client/tern-tcp-client}
IT=$SCRIPT_DIR/multicore_it.py
ID=tern-mc-$$
NS=$ID
PREFIX=$ID
SOCK=/run/$ID.sock
NL=${MC_LCORES:-2}
ONLY=${MC_ONLY:-afp,tap,udp,nginx,client,memif}
KERNEL_MAC=02:00:c6:12:29:01		# the tap's kernel side (locally administered)
EAL_MEM=(--no-huge --no-pci -m 512)
APP_LIMIT=120				# timeout(1) of every tern process, a safety net

lcore_range() {		# lcore_range N: EAL -l argument for lcores 0..N-1
	if [[ $1 -eq 1 ]]; then echo 0; else echo "0-$(($1 - 1))"; fi
}

lcore_list() {		# lcore_list N: "0,1,..." as the checks take it
	seq -s, 0 $(($1 - 1))
}

show_tail() {		# show_tail FILE: the last lines as diagnostics
	tail -n "${2:-8}" "$1" 2>/dev/null | diag || true
}

AFP_VDEV=(--vdev "net_af_packet0,iface=mca,qpairs=$NL")

# -- httpd against kernel clients -------------------------------------------------

# httpd_kernel TAG IP VDEV-ARGS...: tern-httpd on NL lcores at IP, the
# kernel's clients from the namespace, checks at exit.
httpd_kernel() {
	local tag=$1 ip=$2 pid=''
	shift 2
	if ! start_app pid "$WORK/$tag.log" '^tern-httpd: ready' ip netns exec "$NS" \
		"$HTTPD_BIN" "${EAL_MEM[@]}" --no-shconf -l "$(lcore_range "$NL")" \
		--file-prefix "$PREFIX-$tag" "$@" -- --ip "$ip/24" --port 80 \
		--duration 100 --idle-timeout 60 --stats "$WORK/$tag.json"; then
		tap_line "not ok" "$tag: tern-httpd starts on $NL lcores"
		show_tail "$WORK/$tag.log"
		[[ -n $pid ]] && stop_pid "$pid"
		return 0
	fi
	tap_line ok "$tag: tern-httpd starts on $NL lcores (pid $pid)"
	[[ $tag != tap ]] || tap_kernel_side mct "$KERNEL_MAC" 198.18.41.1/24
	ns_step "$tag: kernel HTTP clients" 150 http "$ip" 80 64 4 96 "$WORK/$tag-tally.json" "$tag"
	ns_step "$tag: /tern/lcores" 30 tel-lcores "$RUNTIME_DIR/$PREFIX-$tag/dpdk_telemetry.v2" \
		"$(lcore_list "$NL")" tcp_passive_opens "$tag"
	ns_step "$tag: kernel connections closed" 30 wait-closed "$ip"
	stop_pid "$pid"
	grep '^tern-httpd: lcore' "$WORK/$tag.log" | diag || true
	[[ $STOP_RC -eq 0 ]] || show_tail "$WORK/$tag.log"
	[[ -s $WORK/$tag-tally.json ]] || echo '{"conns": -1, "requests": -1}' >"$WORK/$tag-tally.json"
	it_step "$tag: exit checks" 30 check-httpd "$WORK/$tag.json" \
		"$(lcore_list "$NL")" "$WORK/$tag-tally.json" "$STOP_RC" "$tag"
}

# -- UDP echo -------------------------------------------------------------------------

udp_echo() {
	local pid=''
	if ! start_app pid "$WORK/udp.log" '^tern-echo: ready' ip netns exec "$NS" \
		"$ECHO_BIN" "${EAL_MEM[@]}" --no-shconf -l "$(lcore_range "$NL")" \
		--file-prefix "$PREFIX-udp" "${AFP_VDEV[@]}" -- --ip 198.18.40.2/24 --udp 7 \
		--duration 100 --stats "$WORK/udp.json"; then
		tap_line "not ok" "udp: tern-echo starts on $NL lcores"
		show_tail "$WORK/udp.log"
		[[ -n $pid ]] && stop_pid "$pid"
		return 0
	fi
	tap_line ok "udp: tern-echo starts on $NL lcores (pid $pid)"
	ns_step "udp: kernel UDP client" 60 udp 198.18.40.2 7 128 4 "$WORK/udp-tally.json" udp
	stop_pid "$pid"
	grep '^tern-echo: lcore' "$WORK/udp.log" | diag || true
	[[ $STOP_RC -eq 0 ]] || show_tail "$WORK/udp.log"
	[[ -s $WORK/udp-tally.json ]] || echo '{"datagrams": -1, "sent": -1}' >"$WORK/udp-tally.json"
	it_step "udp: exit checks" 30 check-echo "$WORK/udp.json" \
		"$(lcore_list "$NL")" "$WORK/udp-tally.json" "$STOP_RC" udp
}

# -- tern-load against nginx -----------------------------------------------------------

# load_nginx TAG SERVER-IP TERN-IP VDEV...: tern-load -t NL against the
# kernel's nginx; on net_tap the kernel side of the tap is set up once
# tern-load has made it (tern-load waits for the link).
load_nginx() {
	local tag=$1 srv=$2 ip=$3 rc=0 logged pid i
	shift 3
	if ! command -v nginx >/dev/null; then
		tap_line ok "$tag: tern-load against nginx # SKIP nginx not installed"
		return 0
	fi
	if [[ -z $NGINX_PID ]] && ! nginx_start 80; then
		tap_line "not ok" "$tag: nginx starts in the namespace"
		show_tail "$WORK/nginx.out"
		return 0
	fi
	: >"$WORK/access.log"
	# -d 2 with --timeout 2: at most ~2 + 2 + 2 + 2 + 3 s (apps/load/README.md)
	spawn2 pid "$WORK/$tag-load.out" "$WORK/$tag-load.err" timeout -k 5 60 \
		ip netns exec "$NS" "$LOAD_BIN" "${EAL_MEM[@]}" --no-shconf \
		-l "$(lcore_range "$NL")" --file-prefix "$PREFIX-$tag" "$@" -- \
		--ip "$ip/24" -t "$NL" -c 64 -d 2 --timeout 2 --json "$WORK/$tag.json" \
		"http://$srv/"
	if [[ $tag == *tap* ]]; then
		for ((i = 0; i < 300; i++)); do
			in_ns ip link show mct >/dev/null 2>&1 && break
			sleep 0.1
		done
		tap_kernel_side mct "$KERNEL_MAC" 198.18.41.1/24
	fi
	wait "$pid" || rc=$?
	grep -v '^\[' "$WORK/$tag-load.err" | diag || true
	sleep 0.5			# nginx writes its log line after the response
	logged=$(wc -l <"$WORK/access.log")
	it_step "$tag: tern-load checks" 30 check-load "$WORK/$tag.json" \
		"$(lcore_list "$NL")" 64 "$rc" "$tag" "$logged"
}

nginx_stop() {
	[[ -n $NGINX_PID ]] || return 0
	stop_pid "$NGINX_PID"
	NGINX_PID=
}

# -- tern-tcp-client against a kernel echo server ---------------------------------------------

tcp_client() {
	local rc=0 srv=''
	tcp_server srv "$WORK/server.out" || true
	timeout -k 5 60 ip netns exec "$NS" "$CLIENT_BIN" "${EAL_MEM[@]}" --no-shconf \
		-l "$(lcore_range "$NL")" --file-prefix "$PREFIX-client" "${AFP_VDEV[@]}" -- \
		--ip 198.18.40.2/24 --connect 198.18.40.1:7 --conns 32 --bytes 65536 \
		--expect-echo --timeout 20 --stats "$WORK/client.json" \
		>"$WORK/client.out" 2>&1 || rc=$?
	grep '^tern-tcp-client: lcore' "$WORK/client.out" | diag || true
	stop_pid "$srv"
	it_step "client: tern-tcp-client checks" 30 check-client "$WORK/client.json" \
		"$WORK/client.out" "$(lcore_list "$NL")" 32 "$rc" client
}

# -- tern-load <-> tern-httpd over memif ---------------------------------------------------

# memif_pair TAG LOAD-LCORES HTTPD-LCORES: server (tern-httpd) first on
# the socket, then the client (tern-load). Equal counts must work; unequal
# ones (not supported: lib/README.md) must end by themselves, a failure
# named in one line, never a hang.
memif_pair() {
	local tag=$1 nl=$2 nh=$3 hpid='' lpid='' rc=0 lcl llc hl equal=0
	[[ $nl -eq $nh ]] && equal=1
	rm -f "$SOCK"
	# on two CPUs: the server from the last lcore down, the client from 0
	if [[ $nh -eq 1 ]]; then hl=1; else hl=$(lcore_range "$nh"); fi
	lcl=$(lcore_range "$nl")
	llc=$(lcore_list "$nl")
	if ! start_app hpid "$WORK/$tag-httpd.log" '^tern-httpd: ready' \
		"$HTTPD_BIN" "${EAL_MEM[@]}" -l "$hl" --file-prefix "$PREFIX-$tag-s" \
		--vdev "net_memif0,role=server,socket=$SOCK" -- --ip 198.18.42.1/24 \
		--duration 100 --stats "$WORK/$tag-httpd.json"; then
		show_tail "$WORK/$tag-httpd.log"
		[[ -n $hpid ]] && stop_pid "$hpid"
		if [[ $equal -eq 1 ]]; then
			tap_line "not ok" "$tag: tern-httpd starts on $nh lcores (memif server)"
		else
			it_step "$tag: tern-httpd" 10 setup-error-or-run "$STOP_RC" \
				"$WORK/$tag-httpd.log" tern-httpd "$tag"
		fi
		return 0
	fi
	tap_line ok "$tag: tern-httpd starts on $nh lcores (memif server, pid $hpid)"
	if [[ $equal -eq 1 ]]; then
		# --hold: tern-load's lcores stop polling first, then the
		# server goes, then tern-load (memif_hold_stop)
		spawn2 lpid "$WORK/$tag-load.out" "$WORK/$tag-load.err" timeout -k 5 180 \
			"$LOAD_BIN" "${EAL_MEM[@]}" -l "$lcl" --file-prefix "$PREFIX-$tag-c" \
			--vdev "net_memif0,role=client,socket=$SOCK" -- --ip 198.18.42.2/24 \
			-t "$nl" -c 64 -d 2 --timeout 2 --json "$WORK/$tag.json" --hold \
			http://198.18.42.1/
		memif_hold_stop "$lpid" "$WORK/$tag-load.err" "$hpid"
		rc=$STOP_RC
		STOP_RC=$SERVER_RC
	else
		timeout -k 5 60 "$LOAD_BIN" "${EAL_MEM[@]}" -l "$lcl" \
			--file-prefix "$PREFIX-$tag-c" \
			--vdev "net_memif0,role=client,socket=$SOCK" -- --ip 198.18.42.2/24 \
			-t "$nl" -c 64 -d 2 --timeout 2 --json "$WORK/$tag.json" \
			http://198.18.42.1/ >"$WORK/$tag-load.out" 2>"$WORK/$tag-load.err" || rc=$?
		stop_pid "$hpid"
	fi
	grep -v '^\[' "$WORK/$tag-load.err" | diag || true
	grep '^tern-httpd: lcore' "$WORK/$tag-httpd.log" | diag || true
	if [[ $equal -eq 0 ]]; then
		it_step "$tag: tern-load" 10 setup-error-or-run "$rc" \
			"$WORK/$tag-load.err" tern-load "$tag"
		it_step "$tag: tern-httpd" 10 setup-error-or-run "$STOP_RC" \
			"$WORK/$tag-httpd.log" tern-httpd "$tag"
		# unequal queue counts over memif are not supported (lib/README.md,
		# "Multi-core"): what is asserted is that both ends stop by
		# themselves and say what happened, not that the run works
		return 0
	fi
	it_step "$tag: tern-load checks" 30 check-load "$WORK/$tag.json" "$llc" 64 \
		"$rc" "$tag" "$(awk '/^tern-httpd: lcore/ { n += $4 } END { print n + 0 }' \
			"$WORK/$tag-httpd.log")"
	it_step "$tag: tern-httpd exit checks" 30 check-httpd "$WORK/$tag-httpd.json" \
		"$(if [[ $nh -eq 1 ]]; then echo 1; else lcore_list "$nh"; fi)" - "$STOP_RC" "$tag"
}

memif_cases() {
	memif_pair "memif$NL-$NL" "$NL" "$NL"
	if [[ $NL -eq 2 ]]; then
		memif_pair memif1-2 1 2
		memif_pair memif2-1 2 1
	fi
}

# -- main ---------------------------------------------------------------------------------

need_root "network namespaces, veth, tap, DPDK"
need_bins HTTPD_BIN ECHO_BIN LOAD_BIN CLIENT_BIN
[[ $NL -eq 1 || $NL -eq 2 ]] || skip "MC_LCORES is 1 or 2"
need_cpus "$NL"
[[ -c /dev/net/tun ]] || skip "no /dev/net/tun"
need_tools ip ss ethtool timeout awk seq

it_begin
CLEAN_FILES+=("$SOCK")
echo "# $NL lcore(s) per tern process; cases: $ONLY"
ns_add "$NS"
veth_add mca mck 198.18.40.1/24

wants afp && httpd_kernel afp 198.18.40.2 "${AFP_VDEV[@]}"
wants tap && httpd_kernel tap 198.18.41.2 --vdev "net_tap0,iface=mct"
wants udp && udp_echo
if wants nginx; then
	load_nginx nginx 198.18.40.1 198.18.40.2 "${AFP_VDEV[@]}"
	load_nginx nginx-tap 198.18.41.1 198.18.41.2 --vdev "net_tap0,iface=mct"
	nginx_stop
fi
wants client && tcp_client
wants memif && memif_cases

it_end
