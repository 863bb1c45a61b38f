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
PY=/usr/bin/python3
IT=$SCRIPT_DIR/multicore_it.py
ID=tern-mc-$$
NS=$ID
PREFIX=$ID
RUNTIME_DIR=/var/run/dpdk
SOCK=/run/$ID.sock
NL=${MC_LCORES:-2}
ONLY=${MC_ONLY:-afp,tap,udp,nginx,client,memif}
KERNEL_MAC=02:00:c6:12:29:01		# the tap's kernel side (locally administered)
EAL_MEM=(--no-huge --no-pci -m 512)
APP_LIMIT=120				# timeout(1) of every tern process, a safety net

WORK=
PIDS=()

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
	local rc=$? pid

	set +e
	trap - EXIT INT TERM
	for pid in "$STEP_PID" "${PIDS[@]}"; do
		[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && stop_pid "$pid"
	done
	if [[ -e /var/run/netns/$NS ]]; then
		for pid in $(ip netns pids "$NS" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null	# only what we started in it
		done
		ip netns del "$NS"
	fi
	rm -rf "${RUNTIME_DIR:?}/$PREFIX"-*
	rm -f "$SOCK"
	if [[ -n $WORK && -d $WORK ]]; then
		if [[ -n ${TERN_IT_KEEP:-} ]]; then
			echo "# kept $WORK"
		else
			rm -rf "$WORK"
		fi
	fi
	exit "$rc"
}

wants() {
	[[ ,$ONLY, == *,$1,* ]]
}

lcore_range() {		# lcore_range N: EAL -l argument for lcores 0..N-1
	if [[ $1 -eq 1 ]]; then echo 0; else echo "0-$(($1 - 1))"; fi
}

lcore_list() {		# lcore_list N: "0,1,..." as the checks take it
	seq -s, 0 $(($1 - 1))
}

# start_app VAR LOG READY-REGEX CMD...: run CMD in the background under
# timeout(1), its pid in VAR; wait (30 s) for READY-REGEX in LOG.
start_app() {
	local _var=$1 _log=$2 _ready=$3 _pid
	shift 3
	timeout -k 5 "$APP_LIMIT" "$@" >"$_log" 2>&1 &
	_pid=$!
	PIDS+=("$_pid")
	printf -v "$_var" '%s' "$_pid"
	wait_line "$_pid" "$_log" "$_ready" 300
}

stop_app() {		# stop_app PID: SIGTERM (timeout forwards it); STOP_RC
	stop_pid "$1"
}

py() {			# py NAME LIMIT SUBCOMMAND ARGS...: a check in our namespace
	step "$1" "$2" ip netns exec "$NS" "$PY" "$IT" "${@:3}"
}

show_tail() {		# show_tail FILE: the last lines as diagnostics
	tail -n "${2:-8}" "$1" 2>/dev/null | diag || true
}

# -- topology ------------------------------------------------------------------

make_ns() {
	ip netns add "$NS"
	in_ns ip link set lo up
	in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
	in_ns ip link add mca type veth peer name mck
	# af_packet would otherwise hand tern partial checksums and GSO frames
	in_ns ethtool -K mck tx off tso off gso off gro off >/dev/null
	in_ns ethtool -K mca tx off tso off gso off gro off >/dev/null
	in_ns ip addr add 198.18.40.1/24 dev mck
	in_ns ip link set mca up
	in_ns ip link set mck up
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
		[[ -n $pid ]] && stop_app "$pid"
		return 0
	fi
	tap_line ok "$tag: tern-httpd starts on $NL lcores (pid $pid)"
	[[ $tag != tap ]] || tap_kernel_side
	py "$tag: kernel HTTP clients" 150 http "$ip" 80 64 4 96 "$WORK/$tag-tally.json" "$tag"
	py "$tag: /tern/lcores" 30 tel-lcores "$RUNTIME_DIR/$PREFIX-$tag/dpdk_telemetry.v2" \
		"$(lcore_list "$NL")" tcp_passive_opens "$tag"
	py "$tag: kernel connections closed" 30 wait-closed "$ip"
	stop_app "$pid"
	grep '^tern-httpd: lcore' "$WORK/$tag.log" | diag || true
	[[ $STOP_RC -eq 0 ]] || show_tail "$WORK/$tag.log"
	[[ -s $WORK/$tag-tally.json ]] || echo '{"conns": -1, "requests": -1}' >"$WORK/$tag-tally.json"
	step "$tag: exit checks" 30 "$PY" "$IT" check-httpd "$WORK/$tag.json" \
		"$(lcore_list "$NL")" "$WORK/$tag-tally.json" "$STOP_RC" "$tag"
}

tap_kernel_side() {	# net_tap made `mct` in the namespace: address it
	in_ns ip link set mct address "$KERNEL_MAC"
	in_ns ip addr add 198.18.41.1/24 dev mct
	in_ns ip link set mct up
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
		[[ -n $pid ]] && stop_app "$pid"
		return 0
	fi
	tap_line ok "udp: tern-echo starts on $NL lcores (pid $pid)"
	py "udp: kernel UDP client" 60 udp 198.18.40.2 7 128 4 "$WORK/udp-tally.json" udp
	stop_app "$pid"
	grep '^tern-echo: lcore' "$WORK/udp.log" | diag || true
	[[ $STOP_RC -eq 0 ]] || show_tail "$WORK/udp.log"
	[[ -s $WORK/udp-tally.json ]] || echo '{"datagrams": -1, "sent": -1}' >"$WORK/udp-tally.json"
	step "udp: exit checks" 30 "$PY" "$IT" check-echo "$WORK/udp.json" \
		"$(lcore_list "$NL")" "$WORK/udp-tally.json" "$STOP_RC" udp
}

# -- tern-load against nginx -----------------------------------------------------------

NGINX_PID=
nginx_start() {		# nginx in the namespace on port 80 (every address), 64-byte index
	local i
	mkdir -p "$WORK/www" "$WORK/nginx-tmp"
	head -c 64 /dev/zero | tr '\0' 'x' >"$WORK/www/index.html"
	cat >"$WORK/nginx.conf" <<EOF
user root;
worker_processes 1;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http {
	access_log $WORK/access.log;
	keepalive_requests 1000000;
	client_body_temp_path $WORK/nginx-tmp;
	proxy_temp_path $WORK/nginx-tmp;
	fastcgi_temp_path $WORK/nginx-tmp;
	uwsgi_temp_path $WORK/nginx-tmp;
	scgi_temp_path $WORK/nginx-tmp;
	server {
		listen 80;
		root $WORK/www;
		location / { }
	}
}
EOF
	: >"$WORK/access.log"
	ip netns exec "$NS" nginx -c "$WORK/nginx.conf" -p "$WORK" >"$WORK/nginx.out" 2>&1 &
	NGINX_PID=$!
	PIDS+=("$NGINX_PID")
	for ((i = 0; i < 100; i++)); do
		in_ns ss -Hltn 'sport = :80' 2>/dev/null | grep -q ':80' && return 0
		kill -0 "$NGINX_PID" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

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
	if [[ -z $NGINX_PID ]] && ! nginx_start; then
		tap_line "not ok" "$tag: nginx starts in the namespace"
		show_tail "$WORK/nginx.out"
		return 0
	fi
	: >"$WORK/access.log"
	# -d 2 with --timeout 2: at most ~2 + 2 + 2 + 2 + 3 s (apps/load/README.md)
	timeout -k 5 60 ip netns exec "$NS" "$LOAD_BIN" "${EAL_MEM[@]}" --no-shconf \
		-l "$(lcore_range "$NL")" --file-prefix "$PREFIX-$tag" "$@" -- \
		--ip "$ip/24" -t "$NL" -c 64 -d 2 --timeout 2 --json "$WORK/$tag.json" \
		"http://$srv/" >"$WORK/$tag-load.out" 2>"$WORK/$tag-load.err" &
	pid=$!
	PIDS+=("$pid")
	if [[ $tag == *tap* ]]; then
		for ((i = 0; i < 300; i++)); do
			in_ns ip link show mct >/dev/null 2>&1 && break
			sleep 0.1
		done
		tap_kernel_side
	fi
	wait "$pid" || rc=$?
	grep -v '^\[' "$WORK/$tag-load.err" | diag || true
	sleep 0.5			# nginx writes its log line after the response
	logged=$(wc -l <"$WORK/access.log")
	step "$tag: tern-load checks" 30 "$PY" "$IT" check-load "$WORK/$tag.json" \
		"$(lcore_list "$NL")" 64 "$rc" "$tag" "$logged"
}

nginx_stop() {
	[[ -n $NGINX_PID ]] || return 0
	stop_app "$NGINX_PID"
	NGINX_PID=
}

# -- tern-tcp-client against a kernel echo server ---------------------------------------------

tcp_client() {
	local rc=0 srv i
	ip netns exec "$NS" "$PY" "$SCRIPT_DIR/tcp_it.py" server "$WORK/server.jsonl" \
		"$WORK/server.ready" >"$WORK/server.out" 2>&1 &
	srv=$!
	PIDS+=("$srv")
	for ((i = 0; i < 100; i++)); do
		[[ -s $WORK/server.ready ]] && break
		sleep 0.1
	done
	timeout -k 5 60 ip netns exec "$NS" "$CLIENT_BIN" "${EAL_MEM[@]}" --no-shconf \
		-l "$(lcore_range "$NL")" --file-prefix "$PREFIX-client" "${AFP_VDEV[@]}" -- \
		--ip 198.18.40.2/24 --connect 198.18.40.1:7 --conns 32 --bytes 65536 \
		--expect-echo --timeout 20 --stats "$WORK/client.json" \
		>"$WORK/client.out" 2>&1 || rc=$?
	grep '^tern-tcp-client: lcore' "$WORK/client.out" | diag || true
	stop_app "$srv"
	step "client: tern-tcp-client checks" 30 "$PY" "$IT" check-client "$WORK/client.json" \
		"$WORK/client.out" "$(lcore_list "$NL")" 32 "$rc" client
}

# -- tern-load <-> tern-httpd over memif ---------------------------------------------------

# memif_pair TAG LOAD-LCORES HTTPD-LCORES: server (tern-httpd) first on
# the socket, then the client (tern-load). Equal counts must work; unequal
# ones (not supported: lib/README.md) must end by themselves, a failure
# named in one line, never a hang.
memif_pair() {
	local tag=$1 nl=$2 nh=$3 hpid='' lpid='' hrc rc=0 lcl llc hl equal=0
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
		[[ -n $hpid ]] && stop_app "$hpid"
		if [[ $equal -eq 1 ]]; then
			tap_line "not ok" "$tag: tern-httpd starts on $nh lcores (memif server)"
		else
			step "$tag: tern-httpd" 10 "$PY" "$IT" setup-error-or-run "$STOP_RC" \
				"$WORK/$tag-httpd.log" tern-httpd "$tag"
		fi
		return 0
	fi
	tap_line ok "$tag: tern-httpd starts on $nh lcores (memif server, pid $hpid)"
	if [[ $equal -eq 1 ]]; then
		# --hold: tern-load's lcores stop polling first, then the
		# server goes, then tern-load; the side a memif peer leaves
		# must not be polling (lib/README.md, "Multi-core")
		timeout -k 5 180 "$LOAD_BIN" "${EAL_MEM[@]}" -l "$lcl" \
			--file-prefix "$PREFIX-$tag-c" \
			--vdev "net_memif0,role=client,socket=$SOCK" -- --ip 198.18.42.2/24 \
			-t "$nl" -c 64 -d 2 --timeout 2 --json "$WORK/$tag.json" --hold \
			http://198.18.42.1/ >"$WORK/$tag-load.out" 2>"$WORK/$tag-load.err" &
		lpid=$!
		PIDS+=("$lpid")
		wait_line "$lpid" "$WORK/$tag-load.err" '^tern-load: run over; holding' 1200 ||
			echo "# $tag: tern-load ended without holding its port"
		stop_app "$hpid"
		hrc=$STOP_RC
		stop_pid "$lpid"
		rc=$STOP_RC
		STOP_RC=$hrc
	else
		timeout -k 5 60 "$LOAD_BIN" "${EAL_MEM[@]}" -l "$lcl" \
			--file-prefix "$PREFIX-$tag-c" \
			--vdev "net_memif0,role=client,socket=$SOCK" -- --ip 198.18.42.2/24 \
			-t "$nl" -c 64 -d 2 --timeout 2 --json "$WORK/$tag.json" \
			http://198.18.42.1/ >"$WORK/$tag-load.out" 2>"$WORK/$tag-load.err" || rc=$?
		stop_app "$hpid"
	fi
	grep -v '^\[' "$WORK/$tag-load.err" | diag || true
	grep '^tern-httpd: lcore' "$WORK/$tag-httpd.log" | diag || true
	if [[ $equal -eq 0 ]]; then
		step "$tag: tern-load" 10 "$PY" "$IT" setup-error-or-run "$rc" \
			"$WORK/$tag-load.err" tern-load "$tag"
		step "$tag: tern-httpd" 10 "$PY" "$IT" setup-error-or-run "$STOP_RC" \
			"$WORK/$tag-httpd.log" tern-httpd "$tag"
		# unequal queue counts over memif are not supported (lib/README.md,
		# "Multi-core"): what is asserted is that both ends stop by
		# themselves and say what happened, not that the run works
		return 0
	fi
	step "$tag: tern-load checks" 30 "$PY" "$IT" check-load "$WORK/$tag.json" "$llc" 64 \
		"$rc" "$tag" "$(awk '/^tern-httpd: lcore/ { n += $4 } END { print n + 0 }' \
			"$WORK/$tag-httpd.log")"
	step "$tag: tern-httpd exit checks" 30 "$PY" "$IT" check-httpd "$WORK/$tag-httpd.json" \
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

[[ $EUID -eq 0 ]] || skip "needs root (network namespaces, veth, tap, DPDK)"
for bin in HTTPD_BIN ECHO_BIN LOAD_BIN CLIENT_BIN; do
	if [[ ! -x ${!bin} ]]; then
		if [[ -n ${TERN_HTTPD:-}${TERN_ECHO:-}${TERN_LOAD:-}${TERN_TCP_CLIENT:-} ]]; then
			echo "not ok - ${!bin} is not executable"
			echo "1..1"
			exit 1
		fi
		skip "not built: ${!bin}"
	fi
done
[[ $NL -eq 1 || $NL -eq 2 ]] || skip "MC_LCORES is 1 or 2"
[[ $(nproc) -ge $NL ]] || skip "fewer than $NL CPUs"
[[ -c /dev/net/tun ]] || skip "no /dev/net/tun"
for tool in ip ss ethtool timeout awk seq; do
	command -v "$tool" >/dev/null || skip "missing $tool"
done
[[ -x $PY ]] || skip "no $PY"

WORK=$(mktemp -d "/tmp/$ID.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
T_START=$SECONDS
echo "# $NL lcore(s) per tern process; cases: $ONLY"
make_ns

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

echo "# run time $((SECONDS - T_START)) s"
tap_plan_exit
