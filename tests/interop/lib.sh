# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034
#
# Shared helpers of the interop tests (sourced, not run): TAP lines and
# counts, stopping our own children by pid, running a check helper with a
# time limit and relaying its TAP output, making and deleting network
# namespaces, removing DPDK runtime directories. The sourcing script sets
# NS (its network namespace) and WORK (its scratch directory) and owns the
# traps; its cleanup trap is built from stop_running, ns_del and
# dpdk_dirs_rm.

N_TESTS=0
N_FAILED=0
STEP_PID=

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

tap_plan_exit() {	# print the plan and exit with the suite's verdict
	echo "1..$N_TESTS"
	if [[ $N_FAILED -ne 0 ]]; then
		echo "# $N_FAILED of $N_TESTS checks failed"
		exit 1
	fi
	echo "# all $N_TESTS checks passed"
	exit 0
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

in_ns() {
	ip netns exec "$NS" "$@"
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

# ns_add NAME: a new network namespace with lo up and IPv6 off, so the
# kernel sends no router or neighbour solicitations on the test's links.
ns_add() {
	ip netns add "$1"
	ip netns exec "$1" ip link set lo up
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
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

# stop_running PID...: stop_pid every non-empty PID that still runs (for
# cleanup traps, where some children may never have started).
stop_running() {
	local pid

	for pid in "$@"; do
		if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
			stop_pid "$pid"
		fi
	done
}

# dpdk_dirs_rm PREFIX...: the runtime directories (/var/run/dpdk/PREFIX)
# our DPDK processes ran with --file-prefix PREFIX.
dpdk_dirs_rm() {
	local p

	for p in "$@"; do
		[[ -z $p ]] || rm -rf "/var/run/dpdk/$p"
	done
}
