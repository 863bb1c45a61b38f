#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The four apps' command lines end to end, no network: every option error
# (issue 11's validation included) is exit 2 with exactly one line on
# stderr, nothing on stdout and no EAL output, because the options are
# parsed before rte_eal_init; --help and --version work without root or
# hugepages; good options do reach the EAL. TAP output.
# Env: TERN_ECHO, TERN_HTTPD, TERN_LOAD, TERN_TCP_CLIENT, TERN_STAT, TERN_VERSION.
set -u

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../interop/lib.sh
source "$SCRIPT_DIR/../interop/lib.sh"

EAL=(--no-huge --no-pci -m 64 --no-shconf -l 0)
WORK=$(mktemp -d /tmp/tern-cli.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

printf '[tcp]\nrto_min_ms = 3000\nrto_max_ms = 2000\n' >"$WORK/rto_min.ini"
printf '[tcp]\nrto_init_ms = 3000\nrto_max_ms = 2000\n' >"$WORK/rto_init.ini"
printf '[iface]\nip = 198.18.0.2/24\nmtu = 80\n' >"$WORK/mtu.ini"
printf '[mem]\nmbufs = 2047\n\000\001\002' >"$WORK/binary.ini"

IP="--ip 198.18.0.2/24"
# Bad cases every app shares (its own required options are added).
COMMON=(
	"$IP --bogus"
	"--ip 198.18.0.255/24"
	"--ip 198.18.0.0/24"
	"--ip 224.0.0.1/24"
	"--ip 127.0.0.1/8"
	"--ip 0.1.2.3/8"
	"--ip 198.18.0.2"
	"$IP $IP"
	"$IP --gw 198.18.0.2"
	"$IP --gw 198.18.1.1"
	"$IP --gw 198.18.0.1 --gw 198.18.0.3"
	"$IP --config /tmp"
	"$IP --config $WORK/binary.ini"
	"$IP --config $WORK/rto_min.ini"
	"$IP --config $WORK/rto_init.ini"
	"--config $WORK/mtu.ini"
	"$IP --config /nonexistent.ini"
	"$IP --config $WORK/mtu.ini --config $WORK/mtu.ini"
	"$IP --config"
)

# expect_error NAME BIN ARGS: exit 2, one stderr line, no stdout, no EAL
expect_error() {
	local name=$1 bin=$2 args=$3 rc=0 lines n tag
	tag=$(basename "$bin")
	# shellcheck disable=SC2086  # the case is a word list
	timeout 20 "$bin" "${EAL[@]}" -- $args >"$WORK/out" 2>"$WORK/err" || rc=$?
	lines=$(wc -l <"$WORK/err")
	n=$(wc -c <"$WORK/out")
	if [[ $rc -eq 2 && $lines -eq 1 && $n -eq 0 ]] && ! grep -q 'EAL:' "$WORK/err" &&
		grep -q "^$tag: " "$WORK/err"; then
		tap_line ok "$name: '$args' -> $(cat "$WORK/err")"
	else
		tap_line "not ok" "$name: '$args' -> exit $rc, $lines stderr lines, $n stdout bytes"
		diag <"$WORK/err"
		diag <"$WORK/out"
	fi
}

# app_checks NAME BIN BASE CASES...: the common cases with BASE added, the
# app's own CASES as given; then --help, --version and a good line.
app_checks() {
	local name=$1 bin=$2 base=$3 c rc
	shift 3
	if [[ ! -x $bin ]]; then
		tap_line "not ok" "$name: $bin is not executable"
		return
	fi
	for c in "${COMMON[@]}"; do
		expect_error "$name" "$bin" "$c $base"
	done
	for c in "$@"; do
		expect_error "$name" "$bin" "$c"
	done
	# --help and --version: no EAL, no root (run as nobody), exit 0
	rc=0
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$bin" --help \
		>"$WORK/out" 2>"$WORK/err" || rc=$?
	if [[ $rc -eq 0 ]] && grep -q "^usage: $(basename "$bin")" "$WORK/out" &&
		! grep -q 'EAL:' "$WORK/out" "$WORK/err"; then
		tap_line ok "$name: --help as nobody prints the usage on stdout, exit 0"
	else
		tap_line "not ok" "$name: --help as nobody (exit $rc)"
		diag <"$WORK/err"
	fi
	rc=0
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$bin" "${EAL[@]}" -- --version \
		>"$WORK/out" 2>"$WORK/err" || rc=$?
	if [[ $rc -eq 0 && $(cat "$WORK/out") == "$(basename "$bin") ${TERN_VERSION:-}" &&
		! -s $WORK/err ]]; then
		tap_line ok "$name: --version as nobody: $(cat "$WORK/out")"
	else
		tap_line "not ok" "$name: --version as nobody (exit $rc: $(cat "$WORK/out"))"
		diag <"$WORK/err"
	fi
	# good options get past the parser to the EAL (which then runs out of
	# memory or finds no port: exit 1, not 2)
	rc=0
	# shellcheck disable=SC2086
	timeout 60 "$bin" "${EAL[@]}" -- $IP $base >"$WORK/out" 2>"$WORK/err" || rc=$?
	if [[ $rc -ne 2 ]] && grep -q 'EAL:' "$WORK/out" "$WORK/err"; then
		tap_line ok "$name: '$IP $base' reaches the EAL (exit $rc)"
	else
		tap_line "not ok" "$name: '$IP $base' reaches the EAL (exit $rc)"
		diag <"$WORK/err"
	fi
}

app_checks echo "${TERN_ECHO:-}" "--udp 7" \
	"$IP --udp 7 --udp 8" \
	"$IP --mtu 80" \
	"$IP --mtu 20" \
	"$IP --udp 0" \
	"$IP --duration 0" \
	"$IP --duration 5x" \
	"$IP --tcp 9 --tcp-discard 9" \
	"$IP --stats /nonexistent/dir/s.json" \
	"$IP --stats /tmp" \
	"$IP --udp 7 stray"

app_checks httpd "${TERN_HTTPD:-}" "--port 8080" \
	"$IP --port 80 --port 81" \
	"$IP --port 80 --ports 80-81" \
	"$IP --body-size 65M" \
	"$IP --body-size 1X" \
	"$IP --idle-timeout 0" \
	"$IP --stall-ms 0 --stall-every-ms 10" \
	"$IP --stats /nonexistent/dir/s.json"

app_checks load "${TERN_LOAD:-}" "-c 1 -d 1 http://198.18.0.1/" \
	"$IP -c 1 -c 2 -d 1 http://198.18.0.1/" \
	"$IP -c 1 -d 1 -d 2 http://198.18.0.1/" \
	"$IP -c 1 -d 1 --timeout 0.5ms http://198.18.0.1/" \
	"$IP -c 1 -d 1 -R 1.5k http://198.18.0.1/" \
	"$IP -c 1 -d 1 --json /nonexistent/dir/r.json http://198.18.0.1/" \
	"$IP -c 1 -d 1 http://198.18.0.1/ http://198.18.0.1/"

# tern-stat links no DPDK: the same one-line errors and exit 2, and its
# values take the shared parser's units (cli_num.c).
stat_checks() {
	local bin=$1 c rc lines
	shift
	for c in "$@"; do
		rc=0
		# shellcheck disable=SC2086
		timeout 20 "$bin" $c >"$WORK/out" 2>"$WORK/err" || rc=$?
		lines=$(wc -l <"$WORK/err")
		if [[ $rc -eq 2 && $lines -eq 1 && ! -s $WORK/out ]] &&
			grep -q '^tern-stat: ' "$WORK/err"; then
			tap_line ok "stat: '$c' -> $(cat "$WORK/err")"
		else
			tap_line "not ok" "stat: '$c' -> exit $rc, $lines stderr lines"
			diag <"$WORK/err"
		fi
	done
	# good values get past the parser to the socket (none: exit 1, not 2)
	for c in "-w 500ms --count 1k" "-w 1m --port 80 --lcore 3"; do
		rc=0
		# shellcheck disable=SC2086
		timeout 20 "$bin" $c --file-prefix "tern-cli-none-$$" >"$WORK/out" 2>"$WORK/err" ||
			rc=$?
		if [[ $rc -eq 1 ]] && grep -q 'dpdk_telemetry' "$WORK/err"; then
			tap_line ok "stat: '$c' parses (then no process: exit 1)"
		else
			tap_line "not ok" "stat: '$c' parses (exit $rc)"
			diag <"$WORK/err"
		fi
	done
}
if [[ -x ${TERN_STAT:-} ]]; then
	stat_checks "$TERN_STAT" "--bogus" "-w" "-w 0" "-w 5ms" "-w 2x" "-w 25h" \
		"--count 0" "--count 1.5" "--port 0" "--port 65536" "--lcore -1" \
		"--lcore 1024" "stray"
else
	tap_line "not ok" "stat: TERN_STAT (${TERN_STAT:-unset}) is not executable"
fi

app_checks tcp_client "${TERN_TCP_CLIENT:-}" "--connect 198.18.0.1:7 --bytes 16M" \
	"$IP --connect 198.18.0.1:7 --bytes 16M --bytes 1" \
	"$IP --connect 198.18.0.1:7 --bytes 16X" \
	"$IP --connect 198.18.0.1:7 --bytes -1" \
	"$IP --connect 198.18.0.1:7 --conns 0" \
	"$IP --connect 198.18.0.1:7 --timeout 0" \
	"$IP --connect 198.18.0.1:7 --trace-us 1" \
	"$IP --connect 198.18.0.1" \
	"$IP --bytes 1" \
	"$IP --connect 198.18.0.1:7 --stats /nonexistent/dir/s.json" \
	"$IP --connect 198.18.0.1:7 --trace /nonexistent/dir/t.csv"

tap_plan_exit
