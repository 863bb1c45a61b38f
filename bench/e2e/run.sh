#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tern end-to-end benchmarks against the Linux kernel, on this machine, the
# server pinned to CPU 1 and the client to CPU 0 (issue 6, bench/e2e):
#  1. tern-load -> tern-httpd over net_memif: keep-alive c=10, 100, 1000
#     (1000 not with --quick), --close c=8, and an open loop (-R) at 50% of
#     the measured c=100 keep-alive rate (latency percentiles);
#  2. wrk -t1 -> nginx (one worker, 127.0.0.1 on a free port) with the same
#     connection counts and the same 64-byte body: keep-alive and
#     'Connection: close'; a wrk Lua script prints wrk's own latency
#     percentiles at the same points as tern-load's spectrum (wrk records
#     closed-loop latency from send to complete response at 1 us
#     resolution, as tern-load does in closed loop);
#  3. bulk, one TCP flow, no per-byte work on either side: tern-tcp-client
#     --source (indirect mbufs on one prebuilt buffer) -> tern-echo
#     --tcp-discard over memif, vs iperf3 over loopback, both for the same
#     time; Gbit/s of payload; tern with its default 256 KiB send and
#     receive buffers (Linux autotunes up to 4 MiB; tern with 4 MiB was
#     far slower here: memif TX queue drops (tx_drop_full), a full
#     reassembly queue, then recovery at one segment per RTT);
#  4. bench/e2e/scale.sh when it exists (see the hook at the end);
#  5. lcores (issue 10; about 2 x (SECS + 4) s, so on by default): tern-httpd
#     on 1 lcore and then on N (--lcores N, default 2), one stack per lcore,
#     served over net_af_packet on a veth (qpairs = lcores; the kernel end
#     with `ethtool -K tx off` and no TSO/GSO/GRO) in a network namespace of
#     our own (198.18.50.0/24), loaded by the kernel's wrk from the
#     namespace: keep-alive, LCORES_CONNS (64) connections, SECS seconds,
#     the same wrk on the same CPUs in both runs. Per lcore: requests,
#     loop_busy_cycles per request (the stack's TSC cycles from a poll that
#     handled something to the next poll, the app's work included),
#     flow_rx_steered per request, and the N-vs-1 ratio of busy cycles per
#     request (issue 10's goal: within 10% on a device with RSS; af_packet
#     has none tern can use, so the figure here includes software steering);
#     plus, over the wrk run alone (DPDK telemetry and schedstat snapshots),
#     how busy each loop was and how much of the time each lcore's thread
#     held its CPU, and wrk's CPU. Placement: lcore i runs on CPU i; with
#     more CPUs than N, tern takes CPUs 1..N and wrk (one thread per CPU)
#     CPU 0 and CPUs N+1.. ; otherwise tern takes CPUs 0..N-1 and wrk CPU 0,
#     so on this 2-vCPU machine wrk shares CPU 0 with lcore 0 in the 2-lcore
#     run (lcore 1 has CPU 1 to itself in both runs: the like-for-like
#     pair). The 1-lcore run is always lcore 1 on CPU 1. bench/e2e/lcores.py
#     computes the figures (lcores.json). On a bigger machine:
#       bench/e2e/run.sh --lcores-only --lcores 4    (tern -l 1-4, qpairs=4,
#       wrk on CPU 0 and 5..; LCORES_CONNS=256 for more connections)
#     --lcores-only runs this section alone, --no-lcores skips it;
#  6. bench/e2e/plot.sh: PNGs of the latency spectrum and req/s vs
#     connections (gnuplot).
#
# The nginx configuration, and why (written to $WORK/nginx/nginx.conf):
#  - worker_processes 1, master_process off, pinned with taskset to CPU 1:
#    one core, as tern-httpd's one lcore;
#  - the body is returned from memory ('return 200' of 64 bytes,
#    default_type application/octet-stream), as tern-httpd serves its body
#    from memory: a static file costs nginx an open/fstat/read/close (or,
#    with sendfile on, a second syscall and a second segment) per request;
#    measured here with /proc/PID/schedstat: ~12.5 us of nginx CPU per
#    request for a 64-byte file (sendfile on or off, open_file_cache or
#    not) vs ~7 us from memory;
#  - access_log off (a log write per request), error_log at 'error' into
#    the scratch directory;
#  - keepalive_requests 1e9 and keepalive_timeout 300s: the default (1000
#    requests) closes keep-alive connections during the run, which turns a
#    keep-alive benchmark into a partly new-connection one;
#  - tcp_nodelay on (the header and body leave in one writev anyway);
#    server_tokens off; multi_accept on and listen backlog 4096 for the
#    'Connection: close' run; worker_connections 16384, rlimit 65536.
# Why the kernel figures were ~30k req/s when ~180k had been measured
# (measured while other helpers were compiling): the old setup (a static
# file; it already had access_log off and a high keepalive_requests) cost
# nginx ~12.5 us of CPU per request, so ~80k/s at best on one core; but
# nginx's CPU was only 10-30% busy in those runs: the CPUs are shared with
# whatever else runs, nginx and wrk sleep in epoll_wait, and each wake-up
# waits for the scheduler on a busy vCPU (or, on an idle one, for a
# halt/wake-up through the hypervisor: Firecracker, cpuidle haltpoll with
# guest_halt_poll_ns=0, so it never polls), while tern's busy-polling
# lcores keep their CPU. In a quieter moment the same nginx ran 100% busy
# at 70-125k req/s. So the summary reports how busy nginx's CPU was in each
# run (schedstat): well below 100% means the kernel run was held back by
# the machine, not by nginx; compare figures only from a quiet machine.
# For the kernel runs the script sets guest_halt_poll_ns to 200000 (the
# upstream default; restored on exit; --no-idle-poll leaves it alone): an
# idle vCPU then polls 200 us before it halts, the kernel's counterpart of
# tern's busy polling. It only matters when vCPUs go idle (a quiet
# machine); on the busy machine it was tried on it made no difference.
#
# The headline (issue 14): CPU per request and per new connection, server
# and load generator, next to req/s. tern: the stack's loop_busy_cycles
# (TSC cycles from a poll that handled something to the next poll, the
# app's work included; tern-httpd's from telemetry snapshots around each
# tern-load run, tern-load's from its JSON) over every request of the run;
# kernel: nginx's schedstat CPU time and wrk's user + system time over
# wrk's requests. bench/e2e/cost.py computes them (cost.json), with the
# loop-gap histograms of both tern sides per run (/tern/loop: idle gaps,
# busy gaps, tern's own work per poll), which tell a stall inside tern
# from the vCPU being descheduled.
#
# Writes results/<timestamp>/*.json (one per run), cost.json, summary.md
# (the headline CPU table, figures side by side with the ratio
# tern/kernel, the loop gaps, then the lcores table; made by
# bench/e2e/summary.py) and *.png, and prints the table. Everything it
# starts or changes (processes, memif socket, network namespace,
# hugepages, hugetlbfs mount, guest_halt_poll_ns) is undone on exit; every
# run is bounded by timeout(1) (tern-httpd on af_packet by its --duration).
#
# usage: bench/e2e/run.sh [--quick] [--no-idle-poll] [--lcores N]
#                         [--lcores-only | --no-lcores | --http-only]
#        (--quick: 5 s per run, else 10 s; --http-only: sections 1 and 2
#        alone, the headline figures)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$REPO/build
HTTPD_BIN=$BUILD/apps/httpd/tern-httpd
LOAD_BIN=$BUILD/apps/load/tern-load
ECHO_BIN=$BUILD/apps/echo/tern-echo
CLIENT_BIN=$BUILD/apps/tcp_client/tern-tcp-client
PY=/usr/bin/python3
ID=tern-bench-$$
SOCK=/run/$ID.sock
SRV_CPU=1
CLI_CPU=0
HUGE_PAGES=512
HUGE_SYS=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
HUGE_MNT=/dev/hugepages
CMDLINE="bench/e2e/run.sh${*:+ $*}"

HALT_POLL=/sys/module/haltpoll/parameters/guest_halt_poll_ns
HALT_POLL_NS=200000

USAGE="usage: bench/e2e/run.sh [--quick] [--no-idle-poll] [--lcores N] [--lcores-only | --no-lcores | --http-only]"
QUICK=0
IDLE_POLL=1
HTTP_ONLY=0
LC_N=2
LC_MODE=with	# with: after the other sections; only; none
while [[ $# -gt 0 ]]; do
	case $1 in
	--quick) QUICK=1 ;;
	--no-idle-poll) IDLE_POLL=0 ;;
	--lcores) [[ $# -ge 2 ]] || { echo "$USAGE" >&2; exit 2; }; LC_N=$2; shift ;;
	--lcores=*) LC_N=${1#--lcores=} ;;
	--lcores-only) LC_MODE=only ;;
	--no-lcores) LC_MODE=none ;;
	--http-only) HTTP_ONLY=1; LC_MODE=none ;;
	*) echo "$USAGE" >&2; exit 2 ;;
	esac
	shift
done
[[ $LC_N =~ ^[0-9]+$ && $LC_N -ge 2 ]] || { echo "--lcores: 2 or more" >&2; exit 2; }
SECS=$((QUICK ? 5 : 10))
CONNS=(10 100)
[[ $QUICK -eq 1 ]] || CONNS+=(1000)

OUT=$REPO/results/$(date +%Y%m%d-%H%M%S)
WORK=
SRV_PID=
CLI_PID=
LC_NS=
# Where a tern server runs (start_tern_server): the command it runs under
# and its EAL options beside memory; the memif sections' by default.
SRV_WRAP=(taskset -c "$SRV_CPU")
SRV_EAL=(--no-pci -l "$SRV_CPU" --file-prefix "$ID-srv"
	--vdev "net_memif0,role=server,socket=$SOCK")
# Where wrk runs (run_wrk): its command prefix and threads, and the server
# whose CPU time it reports (schedstat of its main thread; empty: none).
WRK_WRAP=(taskset -c "$CLI_CPU")
WRK_THREADS=1
WRK_SRV_PID=
HUGE_BEFORE=
MOUNTED_HUGE=0
HALT_POLL_BEFORE=
NOTES=()

say() { printf '\n== %s\n' "$*"; }
die() { echo "bench: $*" >&2; exit 1; }
note() { NOTES+=("$*"); echo "note: $*"; }

# stop_pid PID: SIGTERM, up to 10 s, then SIGKILL; only our own children.
stop_pid() {
	local pid=$1 i

	[[ -n $pid ]] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
}

stop_server() {
	stop_pid "$SRV_PID"
	SRV_PID=
}

cleanup() {
	local rc=$?

	set +e
	trap - EXIT INT TERM
	stop_pid "$CLI_PID"
	stop_server
	rm -f "$SOCK"
	lcores_ns_del
	rm -rf "/var/run/dpdk/$ID"-*
	[[ $MOUNTED_HUGE -eq 1 ]] && umount "$HUGE_MNT"
	[[ -n $HUGE_BEFORE ]] && echo "$HUGE_BEFORE" >"$HUGE_SYS" 2>/dev/null
	idle_poll_restore
	[[ -n $WORK ]] && rm -rf "$WORK"
	[[ $rc -ne 0 ]] && echo "bench: failed (exit status $rc)" >&2
	exit "$rc"
}

free_hugepages() {
	awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo
}

# Sets EAL_MEM: hugepages (--in-memory) when the kernel gives them, else --no-huge.
reserve_hugepages() {
	local free

	EAL_MEM=(--no-huge -m 512 --no-shconf)
	free=$(free_hugepages)
	if [[ ${free:-0} -lt $HUGE_PAGES && -w $HUGE_SYS ]]; then
		HUGE_BEFORE=$(cat "$HUGE_SYS")
		echo $((HUGE_BEFORE + HUGE_PAGES - free)) >"$HUGE_SYS" 2>/dev/null || true
		free=$(free_hugepages)
	fi
	if [[ ${free:-0} -lt $HUGE_PAGES ]]; then
		note "only ${free:-0} free 2 MiB hugepages: tern runs with --no-huge"
		return
	fi
	if ! grep -q " hugetlbfs " /proc/mounts; then
		mkdir -p "$HUGE_MNT"
		mount -t hugetlbfs nodev "$HUGE_MNT" && MOUNTED_HUGE=1
	fi
	EAL_MEM=(--in-memory)
}

# wait_line LOG REGEX: 0 once LOG has a line matching REGEX and SRV_PID lives.
wait_line() {
	local i

	for ((i = 0; i < 300; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$SRV_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# start_tern_server BIN READY_REGEX APP-ARGS...: a tern server under
# SRV_WRAP with SRV_EAL (by default on CPU 1, server side of the memif);
# 0 once ready. Falls back to --no-huge once.
start_tern_server() {
	local bin=$1 ready=$2 name
	shift 2
	name=$(basename "$bin")
	rm -f "$SOCK"
	"${SRV_WRAP[@]}" "$bin" "${EAL_MEM[@]}" "${SRV_EAL[@]}" -- \
		"$@" >"$WORK/$name.log" 2>&1 &
	SRV_PID=$!
	wait_line "$WORK/$name.log" "$ready" && return 0
	stop_server
	if [[ ${EAL_MEM[0]} == --in-memory ]]; then
		note "$name did not start with hugepages; using --no-huge"
		EAL_MEM=(--no-huge -m 512 --no-shconf)
		start_tern_server "$bin" "$ready" "$@"
		return
	fi
	cat "$WORK/$name.log"
	return 1
}

# run_load NAME LOAD-ARGS...: tern-load on CPU 0 -> $OUT/NAME.json as is.
run_load() {
	local name=$1 rc=0 t0 t1
	local -a tm=()		# GNU time: tern-load's involuntary context switches (cost.py)
	shift
	[[ -x /usr/bin/time ]] && tm=(/usr/bin/time -f "%c %w" -o "$OUT/$name-cli-ctxt.txt")
	echo "-- tern-load $* ($name)"
	t0=$EPOCHREALTIME
	times >"$WORK/times0"	# tern-load's CPU time (children_cpu_delta)
	timeout -k 5 $((SECS * 3 + 60)) taskset -c "$CLI_CPU" "${tm[@]}" "$LOAD_BIN" "${EAL_MEM[@]}" \
		--no-pci -l "$CLI_CPU" --file-prefix "$ID-cli" \
		--vdev "net_memif0,role=client,socket=$SOCK" -- \
		--config "$REPO/config/memif-load.ini" --latency --json "$OUT/$name.json" \
		"$@" http://198.18.2.1/ >"$WORK/$name.log" 2>&1 &
	CLI_PID=$!
	wait "$CLI_PID" || rc=$?
	CLI_PID=
	t1=$EPOCHREALTIME
	times >"$WORK/times1"
	echo "{\"cpu_s\": $(children_cpu_delta "$WORK/times0" "$WORK/times1"), \"wall_s\": $(awk -v x="$t0" -v y="$t1" 'BEGIN { print y - x }')}" \
		>"$OUT/$name-cli-cpu.json"
	grep -E '^ +(Latency|Req/Sec)|Requests/sec|errors' "$WORK/$name.log" || true
	[[ $rc -eq 0 && -s $OUT/$name.json ]] || { note "tern-load $name: exit $rc"; tail -n 5 "$WORK/$name.log"; }
}

# run_load_snap NAME LOAD-ARGS...: run_load between two snapshots of the
# tern server (bench/e2e/cost.py snap: its counters, loop-gap histograms and
# schedstat) -> $OUT/NAME-srv{0,1}.json, for the CPU per request (cost.py).
run_load_snap() {
	local name=$1 sock=/var/run/dpdk/$ID-srv/dpdk_telemetry.v2

	$PY "$REPO/bench/e2e/cost.py" snap "$SRV_PID" "$SRV_CPU" "$sock" "$OUT/$name-srv0.json" ||
		note "$name: no server snapshot before the run"
	run_load "$@"
	$PY "$REPO/bench/e2e/cost.py" snap "$SRV_PID" "$SRV_CPU" "$sock" "$OUT/$name-srv1.json" ||
		note "$name: no server snapshot after the run"
}

json_get() {	# json_get FILE EXPR (python over d)
	$PY -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

tern_http() {
	local c rate

	say "tern-httpd (CPU $SRV_CPU) <-> net_memif <-> tern-load (CPU $CLI_CPU)"
	start_tern_server "$HTTPD_BIN" '^tern-httpd: ready' \
		--config "$REPO/config/memif-httpd.ini" --duration 3600 || die "tern-httpd did not start"
	for c in "${CONNS[@]}"; do
		run_load_snap "tern-ka-c$c" -c "$c" -d "$SECS"
	done
	run_load_snap tern-close-c8 -c 8 -d "$SECS" --close
	if [[ -s $OUT/tern-ka-c100.json ]]; then
		rate=$(json_get "$OUT/tern-ka-c100.json" 'int(d["rates"]["requests_per_s"] / 2)')
		echo "$rate" >"$WORK/open-rate"
		run_load_snap tern-open-c100 -c 100 -d "$SECS" -R "$rate"
	fi
	stop_server
}

# --- kernel: nginx + wrk over loopback ----------------------------------------

free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Idle vCPUs poll before halting during the kernel runs (see the header).
idle_poll_on() {
	[[ $IDLE_POLL -eq 1 && -w $HALT_POLL ]] || return 0
	HALT_POLL_BEFORE=$(cat "$HALT_POLL")
	echo "$HALT_POLL_NS" >"$HALT_POLL" 2>/dev/null ||
		{ HALT_POLL_BEFORE=; note "could not set guest_halt_poll_ns"; return 0; }
	echo "guest_halt_poll_ns $HALT_POLL_BEFORE -> $HALT_POLL_NS for the kernel runs"
}

idle_poll_restore() {
	[[ -n $HALT_POLL_BEFORE ]] || return 0
	echo "$HALT_POLL_BEFORE" >"$HALT_POLL" 2>/dev/null
	HALT_POLL_BEFORE=
}

start_nginx() {
	local i body

	mkdir -p "$WORK/nginx/tmp"
	body=$(head -c 64 /dev/zero | tr '\0' 'x')
	PORT=$(free_port)
	cat >"$WORK/nginx/nginx.conf" <<EOF
# written by bench/e2e/run.sh: why each line is here is in its header
worker_processes 1;
master_process off;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log error;
worker_rlimit_nofile 65536;
events { worker_connections 16384; multi_accept on; }
http {
	access_log off;
	keepalive_requests 1000000000;
	keepalive_timeout 300s;
	tcp_nodelay on;
	server_tokens off;
	default_type application/octet-stream;
	client_body_temp_path $WORK/nginx/tmp;
	proxy_temp_path $WORK/nginx/tmp;
	fastcgi_temp_path $WORK/nginx/tmp;
	uwsgi_temp_path $WORK/nginx/tmp;
	scgi_temp_path $WORK/nginx/tmp;
	server {
		listen 127.0.0.1:$PORT backlog=4096;
		location / { return 200 "$body"; }
	}
}
EOF
	taskset -c "$SRV_CPU" nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" \
		>"$WORK/nginx/stdout.log" 2>&1 &
	SRV_PID=$!
	for ((i = 0; i < 100; i++)); do
		curl -sf -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null && return 0
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$WORK/nginx/error.log" "$WORK/nginx/stdout.log" 2>/dev/null
	return 1
}

# wrk's latency at tern-load's spectrum points (100 - 50 / 2^(i/5)), in us.
write_wrk_lua() {
	cat >"$WORK/spectrum.lua" <<'EOF'
done = function(summary, latency, requests)
	for i = 0, 95 do
		local p = 100 - 50 / 2 ^ (i / 5)
		io.write(string.format("spectrum %.6f %d\n", p, latency:percentile(p)))
	end
	io.write(string.format("spectrum 100 %d\n", latency.max))
end
EOF
}

cpu_ns() {	# cpu_ns PID: nanoseconds on CPU so far (0 if gone)
	cut -d' ' -f1 "/proc/$1/schedstat" 2>/dev/null || echo 0
}

# run_wrk NAME CONNS URL [wrk args...]: wrk -t WRK_THREADS under WRK_WRAP
# (by default on CPU 0), parsed into $OUT/NAME.json (bench/e2e/wrk_json.py)
# with wrk's CPU time over the run (rusage) and WRK_SRV_PID's (schedstat).
run_wrk() {
	local name=$1 c=$2 url=$3 rc=0 s0=0 s1=0 t0 t1 wall srv=-
	shift 3
	echo "-- wrk -t$WRK_THREADS -c $c -d ${SECS}s --latency $* $url ($name)"
	[[ -z $WRK_SRV_PID ]] || s0=$(cpu_ns "$WRK_SRV_PID")
	t0=$EPOCHREALTIME
	times >"$WORK/times0"	# not in $(...): a subshell has children of its own
	timeout -k 5 $((SECS * 3 + 30)) "${WRK_WRAP[@]}" wrk -t"$WRK_THREADS" -c "$c" \
		-d "${SECS}s" --timeout 2s --latency -s "$WORK/spectrum.lua" "$@" \
		"$url" >"$WORK/$name.log" 2>&1 &
	CLI_PID=$!
	wait "$CLI_PID" || rc=$?
	CLI_PID=
	[[ -z $WRK_SRV_PID ]] || s1=$(cpu_ns "$WRK_SRV_PID")
	t1=$EPOCHREALTIME
	times >"$WORK/times1"
	grep -E 'Requests/sec|Latency  |errors|Non-2xx' "$WORK/$name.log" || true
	[[ $rc -eq 0 ]] || note "wrk $name: exit $rc"
	wall=$(awk -v x="$t0" -v y="$t1" 'BEGIN { print y - x }')
	[[ -z $WRK_SRV_PID ]] || srv=$(awk -v a="$s0" -v b="$s1" 'BEGIN { print (b - a) / 1e9 }')
	$PY "$REPO/bench/e2e/wrk_json.py" "$WORK/$name.log" "$OUT/$name.json" "$c" "$SECS" \
		"$WRK_THREADS" "$*" "$wall" "$srv" \
		"$(children_cpu_delta "$WORK/times0" "$WORK/times1")"
}

# children_cpu_delta BEFORE AFTER: user + system seconds that this shell's
# waited-for children used between two outputs of the `times` builtin.
children_cpu_delta() {
	awk 'FNR == 2 { for (i = 1; i <= 2; i++) { split($i, a, /[ms]/)
			s[FILENAME] += a[1] * 60 + a[2] } }
	     END { print s[ARGV[2]] - s[ARGV[1]] }' "$1" "$2"
}

kernel_http() {
	local c

	say "nginx (1 worker, CPU $SRV_CPU, 127.0.0.1) <-> loopback <-> wrk -t1 (CPU $CLI_CPU)"
	ulimit -n 65536 2>/dev/null || true
	write_wrk_lua
	idle_poll_on
	start_nginx || die "nginx did not start"
	echo "nginx pid $SRV_PID on 127.0.0.1:$PORT, body $(curl -s "http://127.0.0.1:$PORT/" | wc -c) bytes"
	WRK_SRV_PID=$SRV_PID
	for c in "${CONNS[@]}"; do
		run_wrk "kernel-ka-c$c" "$c" "http://127.0.0.1:$PORT/"
	done
	run_wrk kernel-close-c8 8 "http://127.0.0.1:$PORT/" -H 'Connection: close'
	WRK_SRV_PID=
	stop_server
	idle_poll_restore
	note "open loop against the kernel not measured: wrk is closed-loop only"
}

# --- bulk: one TCP flow, no per-byte work ------------------------------------

bulk_tern() {
	local rc=0 log=$WORK/tcp-client-source.log

	say "bulk: tern-tcp-client --source (CPU $CLI_CPU) -> tern-echo --tcp-discard (CPU $SRV_CPU) over memif, one flow, ${SECS} s"
	if ! start_tern_server "$ECHO_BIN" '^tern-echo: ready' --ip 198.18.2.1/24 \
		--tcp-discard 9 --duration 3600; then
		note "tern-echo did not start: tern bulk skipped"
		return 0
	fi
	timeout -k 5 $((SECS + 60)) taskset -c "$CLI_CPU" "$CLIENT_BIN" "${EAL_MEM[@]}" --no-pci \
		-l "$CLI_CPU" --file-prefix "$ID-cli" \
		--vdev "net_memif0,role=client,socket=$SOCK" -- \
		--ip 198.18.2.2/24 --connect 198.18.2.1:9 --source --duration "$SECS" \
		--bytes $((1 << 50)) --timeout $((SECS + 40)) >"$log" 2>&1 &
	CLI_PID=$!
	wait "$CLI_PID" || rc=$?
	CLI_PID=
	stop_server
	grep -E '^conn 0|^tern-tcp-client' "$log" || true
	[[ $rc -eq 0 ]] || { note "tern-tcp-client --source: exit $rc"; tail -n 3 "$log"; }
	grep '^tern-echo: lcore' "$WORK/tern-echo.log" || true
	$PY "$REPO/bench/e2e/bulk_json.py" "$log" "$WORK/tern-echo.log" "$OUT/tern-bulk.json"
	json_get "$OUT/tern-bulk.json" 'd["counts_match"]' | grep -q True ||
		note "tern bulk: bytes sent and bytes the sink counted differ"
}

bulk_kernel() {
	local port rc=0

	say "bulk: iperf3 over loopback (server CPU $SRV_CPU, client CPU $CLI_CPU), one flow, ${SECS} s"
	if ! command -v iperf3 >/dev/null; then
		apt-get install -y iperf3 >/dev/null 2>&1 || true
	fi
	if ! command -v iperf3 >/dev/null; then
		note "iperf3 not available: kernel bulk skipped"
		return
	fi
	idle_poll_on
	port=$(free_port)
	taskset -c "$SRV_CPU" iperf3 -s -1 -B 127.0.0.1 -p "$port" >"$WORK/iperf3-s.log" 2>&1 &
	SRV_PID=$!
	sleep 0.5
	timeout -k 5 $((SECS + 30)) taskset -c "$CLI_CPU" iperf3 -c 127.0.0.1 -p "$port" \
		-t "$SECS" -J >"$OUT/kernel-bulk.json" 2>"$WORK/iperf3-c.log" &
	CLI_PID=$!
	wait "$CLI_PID" || rc=$?
	CLI_PID=
	stop_server
	idle_poll_restore
	[[ $rc -eq 0 ]] || note "iperf3: exit $rc"
	json_get "$OUT/kernel-bulk.json" '"iperf3: %.2f Gbit/s" % (d["end"]["sum_received"]["bits_per_second"] / 1e9)' || true
}

bulk() {
	bulk_tern
	bulk_kernel
}

# --- lcores: tern-httpd on 1 vs N lcores over net_af_packet (issue 10) ----------

LC_TERN_IP=198.18.50.2
LC_KERNEL_IP=198.18.50.1
LC_CONNS=${LCORES_CONNS:-64}

# A namespace of our own with a veth pair: tern's end `lct` (af_packet),
# the kernel's `lck`; offloads off, so af_packet hands tern whole frames
# with full checksums.
lcores_ns_make() {
	LC_NS=$ID-lc
	ip netns add "$LC_NS" || { LC_NS=; return 1; }
	ip -n "$LC_NS" link set lo up &&
		ip -n "$LC_NS" link add lct type veth peer name lck &&
		ip netns exec "$LC_NS" ethtool -K lck tx off tso off gso off gro off >/dev/null &&
		ip netns exec "$LC_NS" ethtool -K lct tx off tso off gso off gro off >/dev/null &&
		ip -n "$LC_NS" addr add "$LC_KERNEL_IP/24" dev lck &&
		ip -n "$LC_NS" link set lct up &&
		ip -n "$LC_NS" link set lck up
}

lcores_ns_del() {	# every process left in it is ours; then the namespace
	local pid

	[[ -n $LC_NS && -e /var/run/netns/$LC_NS ]] || return 0
	for pid in $(ip netns pids "$LC_NS" 2>/dev/null); do
		kill -KILL "$pid" 2>/dev/null
	done
	ip netns del "$LC_NS"
	LC_NS=
}

cpu_range() {		# cpu_range LO HI: "LO" or "LO-HI"
	if [[ $1 -eq $2 ]]; then echo "$1"; else echo "$1-$2"; fi
}

# lcores_run K LCORES: tern-httpd on EAL lcores LCORES (K of them, lcore i
# on CPU i, qpairs=K), one wrk run against it, snapshots around the run;
# $OUT/lcores-K-{httpd,wrk,snap0,snap1}.json.
lcores_run() {
	local k=$1 lcores=$2 main=${2%%[-,]*} sock i
	local -a SRV_WRAP=(ip netns exec "$LC_NS")
	local -a SRV_EAL=(--no-pci -l "$lcores" --file-prefix "$ID-lc$k"
		--vdev "net_af_packet0,iface=lct,qpairs=$k")

	echo "-- tern-httpd -l $lcores, net_af_packet qpairs=$k"
	sock=/var/run/dpdk/$ID-lc$k/dpdk_telemetry.v2
	if ! start_tern_server "$HTTPD_BIN" '^tern-httpd: ready' --ip "$LC_TERN_IP/24" \
		--duration $((SECS * 3 + 60)) --stats "$OUT/lcores-$k-httpd.json"; then
		note "lcores: tern-httpd on $k lcores did not start"
		return 1
	fi
	for ((i = 0; i < 5; i++)); do	# the first SYN may wait for ARP
		ip netns exec "$LC_NS" curl -sf -m 2 -o /dev/null "http://$LC_TERN_IP/" && break
	done
	if [[ $i -eq 5 ]]; then
		note "lcores: tern-httpd on $k lcores does not answer"
		stop_server
		tail -n 8 "$WORK/tern-httpd.log"
		return 1
	fi
	$PY "$REPO/bench/e2e/lcores.py" snap "$SRV_PID" "$main" "$sock" "$OUT/lcores-$k-snap0.json"
	run_wrk "lcores-$k-wrk" "$LC_CONNS" "http://$LC_TERN_IP/"
	$PY "$REPO/bench/e2e/lcores.py" snap "$SRV_PID" "$main" "$sock" "$OUT/lcores-$k-snap1.json"
	stop_server
	grep '^tern-httpd: lcore' "$WORK/tern-httpd.log" || true
	[[ -s $OUT/lcores-$k-httpd.json ]] || { note "lcores: no stats from tern-httpd on $k lcores"; return 1; }
}

# The placement (run.sh's header, section 5): N lcores on CPUs 1..N when
# the machine has more CPUs than N, else on 0..N-1; wrk on CPU 0 and what
# tern leaves; the 1-lcore run on CPU 1.
lcores_http() {
	local ncpu wrk_cpus many tool
	local -a WRK_WRAP
	local WRK_THREADS WRK_SRV_PID=

	ncpu=$(nproc)
	if [[ $ncpu -gt $LC_N ]]; then
		many=$(cpu_range 1 "$LC_N")
		wrk_cpus=0
		[[ $ncpu -le $((LC_N + 1)) ]] || wrk_cpus=0,$(cpu_range $((LC_N + 1)) $((ncpu - 1)))
	elif [[ $ncpu -eq $LC_N ]]; then
		many=$(cpu_range 0 $((LC_N - 1)))
		wrk_cpus=0
	else
		note "lcores: $LC_N lcores need $LC_N CPUs, this machine has $ncpu: skipped"
		return 0
	fi
	WRK_THREADS=$(awk -F, '{ n = 0; for (i = 1; i <= NF; i++) { split($i, r, "-");
		n += (r[2] == "" ? 1 : r[2] - r[1] + 1) } print n }' <<<"$wrk_cpus")
	say "lcores: tern-httpd on 1 vs $LC_N lcores (-l 1, -l $many), net_af_packet on a veth" \
		"<- wrk -t$WRK_THREADS -c $LC_CONNS (CPU $wrk_cpus) in a namespace"
	for tool in ip ethtool curl; do
		command -v "$tool" >/dev/null || { note "lcores: no $tool: skipped"; return 0; }
	done
	if ! lcores_ns_make; then
		note "lcores: could not make the network namespace: skipped"
		lcores_ns_del
		return 0
	fi
	WRK_WRAP=(ip netns exec "$LC_NS" taskset -c "$wrk_cpus")
	write_wrk_lua
	idle_poll_on
	if ! lcores_run 1 1 || ! lcores_run "$LC_N" "$many" ||
		! $PY "$REPO/bench/e2e/lcores.py" report "$OUT" "$wrk_cpus" 1@1 "$LC_N@$many"; then
		note "lcores: no figures (see above)"
	fi
	idle_poll_restore
	lcores_ns_del
}

# --- summary ------------------------------------------------------------------

summary() {
	printf '%s\n' "${NOTES[@]}" >"$WORK/notes"
	$PY "$REPO/bench/e2e/cost.py" report "$OUT" "$SRV_CPU" || echo "bench: cost.py failed" >&2
	$PY "$REPO/bench/e2e/summary.py" "$OUT" "$WORK/notes" "$CMDLINE" "${CONNS[*]}" \
		"$(cat "$WORK/open-rate" 2>/dev/null || echo 0)" "${EAL_MEM[*]}" "$LOAD0" "$IDLE_DESC"
}

# ------------------------------------------------------------------------------

[[ $EUID -eq 0 ]] || die "run as root (hugepages, DPDK)"
[[ $(nproc) -ge 2 ]] || die "needs 2 CPUs (server on CPU 1, client on CPU 0)"
for bin in "$HTTPD_BIN" "$LOAD_BIN" "$ECHO_BIN" "$CLIENT_BIN"; do
	[[ -x $bin ]] || die "no $bin: build first (ninja -C build)"
done
command -v wrk >/dev/null || die "wrk missing (apt-get install wrk)"
[[ $LC_MODE == only ]] || command -v nginx >/dev/null || die "nginx missing (apt-get install nginx)"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
T0=$SECONDS
LOAD0=$(cut -d' ' -f1 /proc/loadavg)
IDLE_DESC="no (--no-idle-poll)"
if [[ $IDLE_POLL -eq 1 ]]; then
	IDLE_DESC="not available"
	[[ -w $HALT_POLL ]] && IDLE_DESC="guest_halt_poll_ns=$HALT_POLL_NS (was $(cat "$HALT_POLL"))"
fi
mkdir -p "$OUT"
WORK=$(mktemp -d "/tmp/$ID.XXXXXX")
echo "results in $OUT, ${SECS} s per run"
reserve_hugepages
echo "tern EAL memory flags: ${EAL_MEM[*]}"

if [[ $LC_MODE != only ]]; then
	tern_http
	kernel_http
	[[ $HTTP_ONLY -eq 1 ]] || bulk
fi

# --- hook: the connection-scale run (bench/e2e/scale.sh, another owner) --------
# When bench/e2e/scale.sh exists it runs here with --quick passed through and
# RESULTS_DIR=$OUT; it writes $OUT/scale.csv (conns,rps,rss_kib,kib_per_conn),
# which plot.sh draws as scale-rps.png. Its failure is noted, not fatal.
if [[ $LC_MODE != only && $HTTP_ONLY -eq 0 && -f $REPO/bench/e2e/scale.sh ]]; then
	SCALE_ARGS=()
	[[ $QUICK -eq 1 ]] && SCALE_ARGS=(--quick)
	say "scale: bench/e2e/scale.sh ${SCALE_ARGS[*]} (RESULTS_DIR=$OUT)"
	rc=0
	RESULTS_DIR=$OUT bash "$REPO/bench/e2e/scale.sh" "${SCALE_ARGS[@]}" || rc=$?
	[[ $rc -eq 0 ]] || note "bench/e2e/scale.sh failed (exit $rc)"
fi

[[ $LC_MODE == none ]] || lcores_http

say "summary ($OUT/summary.md, $((SECONDS - T0)) s)"
summary
if [[ $LC_MODE == only ]]; then
	:	# nothing to plot
elif command -v gnuplot >/dev/null; then
	bash "$REPO/bench/e2e/plot.sh" "$OUT" || echo "bench: plot.sh failed" >&2
else
	echo "bench: no gnuplot (apt-get install gnuplot-nox): no plots" >&2
fi
