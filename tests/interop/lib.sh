# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034
#
# Shared helpers of the interop tests (sourced, not run), so that each
# *_interop.sh reads as its own test only: TAP lines and counts, the
# preconditions, the scratch directory and the one cleanup trap, network
# namespaces, veth and tap devices, starting our children and waiting for
# them to be ready, stopping them by pid, running a check helper with a
# time limit and relaying its TAP output, removing DPDK runtime
# directories. The sourcing script sets ID (unique per run, e.g. with $$),
# NS (its main namespace, for in_ns and ns_step), IT (its *_it.py) and
# PREFIX (the --file-prefix its DPDK processes start with), then calls
# it_begin; whatever it_begin and the helpers below record (children in
# PIDS, namespaces, taps, files) goes in it_cleanup on any exit.

N_TESTS=0
N_FAILED=0
STEP_PID=
PY=/usr/bin/python3
RUNTIME_DIR=/var/run/dpdk
LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=
PIDS=()			# children to stop at exit, in the order started
CLEAN_NS=()		# namespaces ns_add made
CLEAN_TAPS=()		# "NS DEV" of the persistent taps tap_add made
CLEAN_FILES=()		# files to remove at exit (memif sockets)
FAIL_LOG=()		# FILE NAME LINES: its tail is shown when the test fails
APP_LIMIT=		# when set: start_app runs every app under timeout(1)

skip() {
	echo "1..0 # SKIP $*"
	exit 77
}

diag() {
	sed 's/^/# /'
}

tap_line() {		# tap_line ok|"not ok" name
	N_TESTS=$((N_TESTS + 1))
	[[ $1 == ok ]] || N_FAILED=$((N_FAILED + 1))
	echo "$1 - $2"
}

# tap_if NAME CMD...: an ok line when CMD succeeds, else a not ok line.
tap_if() {
	local name=$1
	shift
	if "$@"; then
		tap_line ok "$name"
	else
		tap_line "not ok" "$name"
	fi
}

tap_plan_exit() {	# print the plan and exit with the suite's verdict
	echo "1..$N_TESTS"
	if [[ $N_FAILED -ne 0 ]]; then
		echo "# $N_FAILED of $N_TESTS checks failed"
		exit 1
	fi
	echo "# all $N_TESTS checks passed"
	exit 0
}

# -- preconditions -------------------------------------------------------------

# need_root WHAT: skip unless we are root (WHAT says what for).
need_root() {
	[[ $EUID -eq 0 ]] || skip "needs root ($*)"
}

# need_bins VAR...: the app binaries named by the variables exist. meson
# always passes built binaries (a TERN_<APP> variable is set): a missing
# one is an error there; run by hand, the test is skipped.
need_bins() {
	local var

	for var in "$@"; do
		[[ -x ${!var} ]] && continue
		if [[ -n ${TERN_ECHO:-}${TERN_TCP_CLIENT:-}${TERN_HTTPD:-}${TERN_LOAD:-}${TERN_STAT:-}${TERN_EXT_ECHO:-} ]]; then
			echo "not ok - ${!var} is not executable"
			echo "1..1"
			exit 1
		fi
		skip "not built: ${!var}"
	done
}

# need_tools TOOL...: every tool on PATH, and our python3; skip otherwise.
need_tools() {
	local tool

	for tool in "$@"; do
		command -v "$tool" >/dev/null || skip "missing $tool"
	done
	[[ -x $PY ]] || skip "no $PY"
}

# need_cpus N: skip on a machine with fewer CPUs (one polling lcore each).
need_cpus() {
	[[ $(nproc) -ge $1 ]] || skip "fewer than $1 CPUs"
}

# -- scratch directory and cleanup ---------------------------------------------

# it_begin: the scratch directory $WORK and the traps; from here on
# it_cleanup runs on any exit. T_START dates the run for it_end.
it_begin() {
	WORK=$(mktemp -d "/tmp/$ID.XXXXXX")
	trap it_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	T_START=$SECONDS
}

# it_end: the run time, the plan and the verdict.
it_end() {
	echo "# run time $((SECONDS - T_START)) s"
	tap_plan_exit
}

# show_on_fail FILE NAME [LINES]: should the test fail, its cleanup shows
# the last LINES (20) of FILE, the log of NAME.
show_on_fail() {
	FAIL_LOG=("$1" "$2" "${3:-20}")
}

# it_cleanup (the EXIT trap): the helper step, then our children, the
# latest first; the persistent taps and the namespaces (what still runs
# inside them is ours); the DPDK runtime directories of PREFIX; the files
# recorded; the hook on_cleanup when the script defines one; the scratch
# directory, unless TERN_IT_KEEP is set.
# shellcheck disable=SC2317  # invoked by the EXIT trap
it_cleanup() {
	local rc=$? i

	set +e
	trap - EXIT INT TERM
	stop_running "$STEP_PID"
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		stop_running "${PIDS[i]}"
	done
	for i in "${CLEAN_TAPS[@]}"; do
		# shellcheck disable=SC2086  # "NS DEV"
		tap_del $i
	done
	for i in "${CLEAN_NS[@]}"; do
		ns_del "$i"
	done
	[[ -z ${PREFIX:-} ]] || dpdk_dirs_rm "$PREFIX"
	rm -f "${CLEAN_FILES[@]}"
	declare -F on_cleanup >/dev/null && on_cleanup
	if [[ -n $WORK && -d $WORK ]]; then
		if [[ $rc -ne 0 && ${#FAIL_LOG[@]} -eq 3 && -f ${FAIL_LOG[0]} ]]; then
			echo "# ${FAIL_LOG[1]} log (tail):"
			tail -n "${FAIL_LOG[2]}" "${FAIL_LOG[0]}" | diag
		fi
		if [[ -n ${TERN_IT_KEEP:-} ]]; then
			echo "# kept $WORK"
		else
			rm -rf "$WORK"
		fi
	fi
	exit "$rc"
}

# dpdk_dirs_rm PREFIX...: the runtime directories (/var/run/dpdk/PREFIX and
# /var/run/dpdk/PREFIX-*) our DPDK processes ran with --file-prefix PREFIX
# or PREFIX-<tag>; the prefixes hold our pid, so no one else's match.
dpdk_dirs_rm() {
	local p

	for p in "$@"; do
		[[ -n $p ]] || continue
		rm -rf "${RUNTIME_DIR:?}/$p" "${RUNTIME_DIR:?}/$p"-*
	done
}

# -- children: start, wait for, stop -------------------------------------------

# spawn VAR LOG CMD...: CMD in the background, stdout and stderr in LOG,
# its pid in VAR and in PIDS (stopped at exit). `ip netns exec` and
# timeout(1) exec or forward signals, so the pid is the one to stop.
spawn() {
	local _var=$1 _log=$2
	shift 2
	"$@" >"$_log" 2>&1 &
	PIDS+=("$!")
	printf -v "$_var" '%s' "$!"
}

# spawn2 VAR OUT ERR CMD...: spawn with stdout in OUT and stderr in ERR.
spawn2() {
	local _var=$1 _out=$2 _err=$3
	shift 3
	"$@" >"$_out" 2>"$_err" &
	PIDS+=("$!")
	printf -v "$_var" '%s' "$!"
}

# start_app VAR LOG READY-REGEX CMD...: spawn CMD (under timeout(1) when
# APP_LIMIT is set, a safety net) and wait up to 60 s for a line matching
# READY-REGEX in LOG; 1 when the app died or never said it.
start_app() {
	local _var=$1 _log=$2 _ready=$3
	shift 3
	if [[ -n $APP_LIMIT ]]; then
		spawn "$_var" "$_log" timeout -k 5 "$APP_LIMIT" "$@"
	else
		spawn "$_var" "$_log" "$@"
	fi
	wait_line "${!_var}" "$_log" "$_ready" 600
}

# must_start NAME VAR LOG READY-REGEX CMD...: start_app; an ok line NAME
# with the pid, or a not ok line with the log's tail and the end of the
# test (nothing after it can run without the app).
must_start() {
	local name=$1
	shift
	if ! start_app "$@"; then
		tap_line "not ok" "$name"
		tail -n 20 "$2" | diag
		tap_plan_exit
	fi
	tap_line ok "$name (pid ${!1})"
}

wait_line() {		# wait_line PID FILE REGEX [TENTHS]: a line appears while PID lives
	local i

	for ((i = 0; i < ${4:-300}; i++)); do
		grep -qs -- "$3" "$2" && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# wait_file PID FILE [TENTHS]: FILE appears, not empty, while PID lives
# (a helper's "ready" or "made" file); 1 when it does not within TENTHS
# (100) tenths of a second.
wait_file() {
	local i

	for ((i = 0; i < ${3:-100}; i++)); do
		[[ -s $2 ]] && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
	done
	[[ -s $2 ]]
}

# Stop a child we started: SIGTERM, up to 10 s, then SIGKILL. Leaves its
# exit status in STOP_RC (`wait` only works in the shell that started it).
STOP_RC=
stop_pid() {
	local pid=$1 i

	STOP_RC=0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "# stop_pid: $pid ignored SIGTERM, killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || STOP_RC=$?
}

# Wait for a child to end by itself within SECONDS; its status in STOP_RC.
# If it does not, stop it (SIGTERM, then SIGKILL) and return 1.
wait_pid() {		# wait_pid PID SECONDS
	local pid=$1 i

	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "# wait_pid: $pid still running after $2 s, stopping it"
		stop_pid "$pid"
		return 1
	fi
	STOP_RC=0
	wait "$pid" 2>/dev/null || STOP_RC=$?
	return 0
}

# stop_running PID...: stop_pid every non-empty PID that still runs (for
# cleanup, where some children may never have started).
stop_running() {
	local pid

	for pid in "$@"; do
		if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
			stop_pid "$pid"
		fi
	done
}

# alive_check PID NAME: an app still runs after the traffic.
alive_check() {
	tap_if "$2" kill -0 "$1" 2>/dev/null
}

# stop_checked PID NAME LOG: stop a tern app; it must exit with status 0,
# which says every mbuf came back to its pool (STOP_RC as stop_pid).
stop_checked() {
	stop_pid "$1"
	if [[ $STOP_RC -eq 0 ]]; then
		tap_line ok "$2 exited with status 0 (every mbuf back in its pool)"
	else
		tap_line "not ok" "$2 exited with status 0 (got $STOP_RC)"
		tail -n 5 "$3" | diag
	fi
}

# child_of PID: the process timeout(1) (PID) runs.
child_of() {
	local c
	c=$(cat "/proc/$1/task/$1/children" 2>/dev/null || true)
	echo "${c%% *}"
}

# elapsed T0: the seconds since $EPOCHREALTIME read T0, to the millisecond.
elapsed() {
	awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'
}

# client_wait: wait for the tern-tcp-client in CLIENT_PID, started at
# CLIENT_T0 ($EPOCHREALTIME); leaves CLIENT_RC and CLIENT_SECS.
client_wait() {
	CLIENT_RC=0
	wait "$CLIENT_PID" || CLIENT_RC=$?
	CLIENT_PID=
	CLIENT_SECS=$(elapsed "$CLIENT_T0")
	echo "# tern-tcp-client exit $CLIENT_RC after $CLIENT_SECS s"
}

# -- check helpers ---------------------------------------------------------------

# step NAME LIMIT CMD...: run a check helper for at most LIMIT seconds,
# relay its TAP lines and turn everything else into diagnostics.
step() {
	local name=$1 limit=$2 rc=0 line any_fail=0
	shift 2
	# In the background so that a signal to this script interrupts the
	# wait at once; the cleanup trap then stops the step by its pid.
	timeout -k 5 "$limit" "$@" >"$WORK/step.out" 2>&1 &
	STEP_PID=$!
	wait "$STEP_PID" || rc=$?
	STEP_PID=
	while IFS= read -r line; do
		case $line in
		"ok - "*) tap_line ok "${line#ok - }" ;;
		"not ok - "*) tap_line "not ok" "${line#not ok - }"; any_fail=1 ;;
		"#"*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done <"$WORK/step.out"
	if [[ $rc -ne 0 && $any_fail -eq 0 ]]; then
		[[ $rc -eq 124 ]] && rc="124: over its $limit s limit"
		tap_line "not ok" "$name (helper exited with status $rc)"
	fi
	return 0
}

# it_step NAME LIMIT ARGS...: step running the script's helper $IT here.
it_step() {
	step "$1" "$2" "$PY" "$IT" "${@:3}"
}

# ns_step NAME LIMIT ARGS...: step running $IT inside the namespace NS.
ns_step() {
	step "$1" "$2" ip netns exec "$NS" "$PY" "$IT" "${@:3}"
}

# app_step PID APP NAME LIMIT ARGS...: ns_step while the app (PID) runs;
# a not ok line without running it when the app is gone.
app_step() {
	if ! kill -0 "$1" 2>/dev/null; then
		tap_line "not ok" "$3 ($2 is not running)"
		return 0
	fi
	ns_step "${@:3}"
}

# usage_error NAME REGEX CMD...: a bad command line. CMD (at most 30 s)
# exits 2 with a line matching REGEX in its output, the app's one-line
# error, which the ok line quotes.
usage_error() {
	local name=$1 re=$2 rc=0 line
	shift 2
	timeout 30 "$@" >"$WORK/cli.log" 2>&1 || rc=$?
	if [[ $rc -eq 2 ]] && line=$(grep -m1 -- "$re" "$WORK/cli.log"); then
		tap_line ok "$name: $line"
	else
		tap_line "not ok" "$name (got $rc)"
		diag <"$WORK/cli.log"
	fi
}

# wants CHECK: is CHECK in the comma list ONLY (the script's *_ONLY knob)?
wants() {
	[[ ,$ONLY, == *,$1,* ]]
}

# json_get FILE EXPR: a value from a JSON file, EXPR in Python over `d`.
json_get() {
	"$PY" "$LIB_DIR/itlib.py" json-get "$1" "$2"
}

# json_check NAME COND FILE: a TAP line from a Python condition on `d`.
json_check() {
	if "$PY" "$LIB_DIR/itlib.py" json-test "$3" "$2" 2>/dev/null; then
		tap_line ok "$1"
	else
		tap_line "not ok" "$1 ($2)"
	fi
}

# -- namespaces and devices ------------------------------------------------------

in_ns() {
	ip netns exec "$NS" "$@"
}

# ns_add NAME...: new network namespaces with lo up and IPv6 off, so the
# kernel sends no router or neighbour solicitations on the test's links;
# deleted at exit.
ns_add() {
	local ns

	for ns in "$@"; do
		ip netns add "$ns"
		CLEAN_NS+=("$ns")
		ip netns exec "$ns" ip link set lo up
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
	done
}

# ns_del NAME: kill what is still inside our own namespace (only we start
# processes in it) and delete it; nothing when it does not exist.
ns_del() {
	local pid

	[[ -e /var/run/netns/$1 ]] || return 0
	for pid in $(ip netns pids "$1" 2>/dev/null); do
		kill -KILL "$pid" 2>/dev/null || true
	done
	ip netns del "$1"
}

# offloads_off NS DEV...: no checksum offload, TSO, GSO or GRO on the
# kernel's devices, so that af_packet hands tern plain MTU frames with
# full checksums (it would otherwise pass partial sums and 64 KiB frames).
offloads_off() {
	local ns=$1 dev
	shift
	for dev in "$@"; do
		ip netns exec "$ns" ethtool -K "$dev" tx off tso off gso off gro off >/dev/null
	done
}

# veth_add TERN-END KERNEL-END KERNEL-IP/N: a veth pair in NS, offloads off
# on both ends, the kernel's end addressed, both up; tern attaches to its
# end through net_af_packet.
veth_add() {
	in_ns ip link add "$1" type veth peer name "$2"
	offloads_off "$NS" "$2" "$1"
	in_ns ip addr add "$3" dev "$2"
	in_ns ip link set "$1" up
	in_ns ip link set "$2" up
}

# tap_add DEV ADDR/N...: a persistent multi-queue tap in NS (as net_tap
# opens it), addressed and up before any tern process attaches, so the
# kernel side answers tern's first ARP and SYN; deleted at exit.
tap_add() {
	local dev=$1 a
	shift
	in_ns ip tuntap add dev "$dev" mode tap multi_queue
	CLEAN_TAPS+=("$NS $dev")
	for a in "$@"; do
		in_ns ip addr add "$a" dev "$dev"
	done
	in_ns ip link set "$dev" up
}

tap_del() {		# tap_del NS DEV: a persistent tap, if still there
	[[ -e /var/run/netns/$1 ]] && ip netns exec "$1" ip link del "$2" 2>/dev/null
	return 0
}

# tap_kernel_side DEV MAC ADDR/N...: the kernel's end of a tap net_tap made
# in NS. net_tap gives it the port's own MAC; a distinct one makes tern
# address the kernel by the MAC it learned, as on a real wire.
tap_kernel_side() {
	local dev=$1 a
	in_ns ip link set "$dev" address "$2"
	shift 2
	for a in "$@"; do
		in_ns ip addr add "$a" dev "$dev"
	done
	in_ns ip link set "$dev" up
}

# -- shared peers --------------------------------------------------------------------

# nginx_start LISTEN: nginx in NS (1 worker, a 64-byte index.html, access
# log in $WORK/access.log, the rest in $WORK), listening on LISTEN (port
# 80, optionally ADDR:80); NGINX_PID its master; 1 unless it listens within
# 10 s.
NGINX_PID=
nginx_start() {
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
		listen $1;
		root $WORK/www;
		location / { }
	}
}
EOF
	: >"$WORK/access.log"
	spawn NGINX_PID "$WORK/nginx.out" ip netns exec "$NS" nginx -c "$WORK/nginx.conf" -p "$WORK"
	for ((i = 0; i < 100; i++)); do
		in_ns ss -Hltn 'sport = :80' 2>/dev/null | grep -q ':80' && return 0
		kill -0 "$NGINX_PID" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

# tcp_server VAR LOG [NAMESPACE]: tcp_it.py's kernel echo server in NS (or
# NAMESPACE): port 7 echoes, 8 echoes after the FIN, 10 counts; its records
# in $WORK/server.jsonl; 1 unless it is ready within 10 s.
tcp_server() {
	: >"$WORK/server.jsonl"
	spawn "$1" "$2" ip netns exec "${3:-$NS}" "$PY" "$LIB_DIR/tcp_it.py" server \
		"$WORK/server.jsonl" "$WORK/server.ready"
	wait_file "${!1}" "$WORK/server.ready"
}

# -- memif ---------------------------------------------------------------------------

# memif_hold_stop LOAD-PID LOAD-ERR SERVER-PID: end a tern-load --hold run
# against a server over net_memif. DPDK 22.11's net_memif unmaps the rings
# when its peer leaves while the lcores may still poll them (lib/README.md,
# "Multi-core"); with --hold, tern-load's lcores stop polling and it says
# "holding" (up to 120 s); then the server is stopped (its status in
# SERVER_RC), then tern-load (its status in STOP_RC), given 60 s to write
# its report and exit (an ASan build on a loaded machine takes more than
# stop_pid's 10 s; a SIGKILL would reach timeout(1), not tern-load, and
# leave it behind on the memif socket of the next run).
SERVER_RC=
memif_hold_stop() {
	wait_line "$1" "$2" '^tern-load: run over; holding' 1200 ||
		echo "# tern-load ended without holding its port"
	stop_pid "$3"
	SERVER_RC=$STOP_RC
	kill -TERM "$1" 2>/dev/null || true
	wait_pid "$1" 60 || true
}
