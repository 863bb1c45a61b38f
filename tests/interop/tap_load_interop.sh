#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The persistent multi-queue tap recipe (issue 13 item 6), run as written:
# the commands of config/tap-load.ini's header comment (tap_load_it.py
# recipe), with only these changes, each of which must find its text in
# the recipe (so the file cannot drift from what is tested):
#   - the namespace and --file-prefix `tern-tl` become this test's own;
#   - nginx runs on a config this test writes (its pid file and prefix in
#     the scratch directory, one worker, port 80) instead of Debian's
#     default site, and the undo line kills that pid;
#   - `tern-load` and `config/tap-load.ini` are the build's and the
#     source tree's, and the run's `-d 10` becomes `-d 3 --timeout 2
#     --json FILE` under timeout(1).
# The setup lines run once; the run line twice, back to back, on the same
# tap: each run must exit 0 with requests > 0, all 2xx, no error, every
# connection up, and requests on both lcores (-l 0-1, -t 2: one tap queue
# each); between and after the runs the kernel side must still be there
# (tl0 up with its address and connected route, nginx alive), which is the
# point of the persistent tap. Then the undo lines run and the namespace
# and nginx must be gone. Any exit removes the namespace, nginx (by pid)
# and the DPDK runtime directory.
# Run by `meson test` (suite interop) with TERN_LOAD set; runnable by hand
# as root. Exit status: 0 all passed, 1 a check failed, 77 cannot run.
# TERN_IT_KEEP=1 keeps the scratch directory.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$SCRIPT_DIR/../.." && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

LOAD_BIN=${TERN_LOAD:-$SRC/build/apps/load/tern-load}
INI=$SRC/config/tap-load.ini
PY=/usr/bin/python3
IT=$SCRIPT_DIR/tap_load_it.py
ID=tern-tl-$$
NS=$ID
RUN_LIMIT=300			# timeout(1) of each run: start-up took 60-80 s at load 17

WORK=
NGINX_PID=

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
	local rc=$?

	set +e
	trap - EXIT INT TERM
	stop_running "$STEP_PID" "$NGINX_PID"
	ns_del "$NS"
	dpdk_dirs_rm "$ID"
	if [[ -n $WORK && -d $WORK ]]; then
		if [[ -n ${TERN_IT_KEEP:-} ]]; then echo "# kept $WORK"; else rm -rf "$WORK"; fi
	fi
	exit "$rc"
}

# subst VAR FROM TO: replace FROM in every recipe command; FROM must occur
SUBST_MISSING=()
subst() {
	local -n _cmds=$1
	local i hit=0
	for i in "${!_cmds[@]}"; do
		[[ ${_cmds[$i]} == *"$2"* ]] && hit=1
		_cmds[i]=${_cmds[$i]//"$2"/"$3"}
	done
	[[ $hit -eq 1 ]] || SUBST_MISSING+=("$2")
}

nginx_conf() {
	mkdir -p "$WORK/www" "$WORK/tmp"
	head -c 64 /dev/zero | tr '\0' 'x' >"$WORK/www/index.html"
	cat >"$WORK/nginx.conf" <<EOF
user root;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
	access_log off;
	keepalive_requests 1000000;
	client_body_temp_path $WORK/tmp;
	proxy_temp_path $WORK/tmp;
	fastcgi_temp_path $WORK/tmp;
	uwsgi_temp_path $WORK/tmp;
	scgi_temp_path $WORK/tmp;
	server {
		listen 80;
		root $WORK/www;
		location / { }
	}
}
EOF
}

# kernel_side WHEN: the tap, its address and route, and nginx are still there
kernel_side() {
	local why='' addr link route
	# captured first: grep -q on a pipe would fail ip with SIGPIPE (pipefail)
	addr=$(in_ns ip -o addr show dev tl0 2>&1 || true)
	link=$(in_ns ip link show dev tl0 2>&1 || true)
	route=$(in_ns ip route show dev tl0 2>&1 || true)
	[[ $addr == *"inet 198.18.3.1/24 "* ]] || why+="no address on tl0; "
	[[ $link =~ \<([A-Z_-]+,)*UP[,\>] ]] || why+="tl0 not up; "
	[[ $route == *"198.18.3.0/24 "* ]] || why+="no route 198.18.3.0/24; "
	kill -0 "$NGINX_PID" 2>/dev/null || why+="nginx $NGINX_PID gone; "
	if [[ -z $why ]]; then
		tap_line ok "$1: the kernel side is still set up (tl0 up, address, route, nginx)"
	else
		tap_line "not ok" "$1: the kernel side is still set up ($why)"
		in_ns ip addr 2>&1 | diag
	fi
}

[[ $EUID -eq 0 ]] || skip "needs root (network namespaces, tap, DPDK)"
if [[ ! -x $LOAD_BIN ]]; then
	if [[ -n ${TERN_LOAD:-} ]]; then
		echo "not ok - $LOAD_BIN is not executable"
		echo "1..1"
		exit 1
	fi
	skip "not built: $LOAD_BIN"
fi
[[ $(nproc) -ge 2 ]] || skip "fewer than 2 CPUs"
[[ -c /dev/net/tun ]] || skip "no /dev/net/tun"
command -v nginx >/dev/null || skip "nginx not installed (scripts/deps.sh)"
for tool in ip timeout; do
	command -v "$tool" >/dev/null || skip "missing $tool"
done
[[ -x $PY ]] || skip "no $PY"

WORK=$(mktemp -d "/tmp/tapload-$$.XXXXXX")	# not "tern-tl": replaced below
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
T_START=$SECONDS

# -- the recipe, with the test's substitutions -----------------------------------
if ! "$PY" "$IT" recipe "$INI" >"$WORK/recipe.tsv" 2>"$WORK/recipe.err"; then
	tap_line "not ok" "config/tap-load.ini has setup, run and undo commands"
	diag <"$WORK/recipe.err"
	tap_plan_exit
fi
SECT=() CMDS=()
while IFS=$'\t' read -r s c; do
	SECT+=("$s")
	CMDS+=("$c")
done <"$WORK/recipe.tsv"
subst CMDS "nginx -g 'pid /run/tern-tl-nginx.pid;'" "nginx -c $WORK/nginx.conf -p $WORK/"
subst CMDS /run/tern-tl-nginx.pid "$WORK/nginx.pid"
subst CMDS " tern-load --" " $LOAD_BIN --"
subst CMDS config/tap-load.ini "$INI"
subst CMDS " -d 10 " " -d 3 --timeout 2 --json $WORK/run.json "
subst CMDS tern-tl "$ID"
if [[ ${#SUBST_MISSING[@]} -ne 0 ]]; then
	tap_line "not ok" "the recipe has what the test replaces"
	printf '%s\n' "${SUBST_MISSING[@]}" | diag
	tap_plan_exit
fi
tap_line ok "config/tap-load.ini: ${#CMDS[@]} recipe commands read"
nginx_conf

run_section() {		# run_section NAME: every command of it, in order; 0 if all did
	local i rc
	for i in "${!CMDS[@]}"; do
		[[ ${SECT[$i]} == "$1" ]] || continue
		echo "# \$ ${CMDS[$i]}"
		rc=0
		timeout -k 5 30 bash -c "${CMDS[$i]}" >"$WORK/cmd.out" 2>&1 || rc=$?
		diag <"$WORK/cmd.out"
		if [[ $rc -ne 0 ]]; then
			echo "# exit status $rc"
			return 1
		fi
	done
	return 0
}

# -- set up once ------------------------------------------------------------------
if ! run_section setup; then
	tap_line "not ok" "the setup lines run"
	tap_plan_exit
fi
for ((i = 0; i < 100; i++)); do
	[[ -s $WORK/nginx.pid && $(in_ns ss -Hltn 'sport = :80' 2>&1) == *:80* ]] && break
	sleep 0.1
done
NGINX_PID=$(cat "$WORK/nginx.pid" 2>/dev/null || true)
if [[ -z $NGINX_PID ]] || ! kill -0 "$NGINX_PID" 2>/dev/null; then
	tap_line "not ok" "the setup lines run (nginx did not start)"
	diag <"$WORK/nginx-error.log" || true
	tap_plan_exit
fi
tap_line ok "the setup lines run (nginx pid $NGINX_PID in $NS)"

# -- two runs on the same tap -------------------------------------------------------
RUN_CMD=
for i in "${!CMDS[@]}"; do
	[[ ${SECT[$i]} == run ]] && RUN_CMD=${CMDS[$i]}
done
for run in 1 2; do
	echo "# \$ $RUN_CMD"
	rc=0 t0=$SECONDS
	timeout -k 5 "$RUN_LIMIT" bash -c "${RUN_CMD//run.json/run$run.json}" \
		>"$WORK/run$run.out" 2>"$WORK/run$run.err" || rc=$?
	echo "# run $run: exit status $rc after $((SECONDS - t0)) s"
	grep -E '^(tern-load|tern\.)' "$WORK/run$run.err" | diag || true
	[[ $rc -eq 0 ]] || tail -n 8 "$WORK/run$run.err" | diag
	step "run $run: tern-load checks" 30 "$PY" "$IT" check "$WORK/run$run.json" "$rc" \
		"run $run" 0,1
	kernel_side "after run $run"
done

# -- undo -----------------------------------------------------------------------------
if run_section undo; then
	tap_line ok "the undo lines run"
else
	tap_line "not ok" "the undo lines run"
fi
for ((i = 0; i < 100; i++)); do
	kill -0 "$NGINX_PID" 2>/dev/null || break
	sleep 0.1
done
gone=''
kill -0 "$NGINX_PID" 2>/dev/null && gone+="nginx $NGINX_PID still runs; "
[[ -e /var/run/netns/$NS ]] && gone+="namespace $NS still there; "
if [[ -z $gone ]]; then
	tap_line ok "after the undo lines nginx and the namespace are gone"
	NGINX_PID=
else
	tap_line "not ok" "after the undo lines nginx and the namespace are gone ($gone)"
fi
echo "# run time $((SECONDS - T_START)) s"
tap_plan_exit
