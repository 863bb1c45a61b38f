#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# HTTP interop test of tern-httpd against the Linux kernel's clients over
# DPDK's net_tap. Run by `meson test` (suite interop) with TERN_HTTPD set;
# runnable by hand as root. It makes its own network namespace with one
# tap, tern0: tern-httpd on 198.18.0.2:80, the kernel on 198.18.0.1.
# Checks: curl bodies (GET /, GET /bytes/100000 byte-exact), HEAD, keep-alive
# (two URLs, one connection: tern's tcp_passive_opens grows by 1),
# pipelining, HTTP/1.0, Connection: close, heads that span segments, request
# bodies on GET (Content-Length and chunked), each error status (400, 404,
# 405, 501, 431, 505), the idle timeout, wrk keep-alive and
# Connection: close runs without errors, and a clean exit (status 0: every
# mbuf back in its pool). The kernel side of the raw-socket checks is
# httpd_it.py. Everything started here
# is stopped by pid and the namespace deleted on any exit.
# Exit status: 0 all passed, 1 a check failed, 77 cannot run.
# TERN_IT_KEEP=1 keeps the scratch directory (logs).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

HTTPD_BIN=${TERN_HTTPD:-$SCRIPT_DIR/../../build/apps/httpd/tern-httpd}
IT=$SCRIPT_DIR/httpd_it.py
ID=tern-httpd-$$
NS=$ID
PREFIX=$ID
KERNEL_MAC=02:00:c6:12:00:01	# locally administered
TERN_IP=198.18.0.2
URL=http://$TERN_IP
DURATION_S=600		# safety net only: the test stops tern-httpd itself
IDLE_S=2
EAL_ARGS=(--no-huge --no-pci -m 512 --no-shconf -l 0)

tel_snapshot() {	# tel_snapshot FILE: tern's counters, live
	timeout 10 "$PY" "$IT" tel "$RUNTIME_DIR/$PREFIX/dpdk_telemetry.v2" "$1"
}

py_step() {		# py_step NAME LIMIT SUBCOMMAND [ARGS...]
	app_step "$HTTPD_PID" tern-httpd "$@"
}

# -- curl checks -------------------------------------------------------------

check_curl_body() {	# check_curl_body PATH BYTES
	local got want code
	code=$(in_ns timeout 20 curl -s -o "$WORK/body" -w '%{http_code} %{size_download}' \
		"$URL$1" || true)
	want=$("$PY" -c 'import sys; n=int(sys.argv[1]); sys.stdout.buffer.write(bytes(97 + i % 26 for i in range(n)))' "$2" | sha256sum | cut -d' ' -f1)
	got=$(sha256sum <"$WORK/body" | cut -d' ' -f1)
	if [[ $code == "200 $2" && $got == "$want" ]]; then
		tap_line ok "curl GET $1: 200, $2 bytes, byte-exact"
	else
		tap_line "not ok" "curl GET $1: 200, $2 bytes, byte-exact (got '$code')"
	fi
}

check_keepalive() {
	local before after opens
	tel_snapshot "$WORK/tel0.json" || true
	in_ns timeout 20 curl -sv -o /dev/null -o /dev/null "$URL/" "$URL/bytes/10" \
		>"$WORK/curl-ka.log" 2>&1 || true
	sleep 0.2
	tel_snapshot "$WORK/tel1.json" || true
	before=$(json_get "$WORK/tel0.json" 'd.get("tcp_passive_opens", 0)' 2>/dev/null || echo -1)
	after=$(json_get "$WORK/tel1.json" 'd.get("tcp_passive_opens", 0)' 2>/dev/null || echo -1)
	opens=$((after - before))
	if [[ $before -ge 0 && $opens -eq 1 ]] && grep -q 'Re-using existing connection' "$WORK/curl-ka.log"; then
		tap_line ok "keep-alive: curl fetches two URLs over one connection (1 accepted)"
	else
		tap_line "not ok" "keep-alive: curl fetches two URLs over one connection ($opens accepted)"
		diag <"$WORK/curl-ka.log"
	fi
}

# -- wrk ----------------------------------------------------------------------

check_wrk() {		# check_wrk NAME [WRK-ARGS...]
	local name=$1 reqs rps
	shift
	in_ns timeout 30 wrk -t1 -c10 -d3s "$@" "$URL/" >"$WORK/wrk.out" 2>&1 || true
	reqs=$(awk '/requests in/ { print $1 }' "$WORK/wrk.out")
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$WORK/wrk.out")
	if [[ -n $reqs && $reqs -gt 0 ]] && ! grep -qE 'Socket errors|Non-2xx' "$WORK/wrk.out"; then
		tap_line ok "wrk $name: $reqs requests ($rps/s), no errors, all 2xx"
	else
		tap_line "not ok" "wrk $name: requests, no errors, all 2xx"
		diag <"$WORK/wrk.out"
	fi
}

# -- preconditions -----------------------------------------------------------

need_root "network namespaces, tap devices"
need_bins HTTPD_BIN
[[ -c /dev/net/tun ]] || skip "no /dev/net/tun"
need_tools ip timeout awk curl sha256sum
WRK=$(command -v wrk || true)
[[ -n $WRK ]] || echo "# no wrk (apt-get install wrk): its checks are skipped"

it_begin
show_on_fail "$WORK/httpd.log" tern-httpd

# -- bad command lines: one-line error, exit 2 ---------------------------------

CLI=("$HTTPD_BIN" "${EAL_ARGS[@]}" --file-prefix "$PREFIX-cli" --)
usage_error "a bad --ip is a one-line error and exit 2" '^tern-httpd: --ip' \
	"${CLI[@]}" --ip 198.18.0.2
for args in "--ports 0-10" "--ports 90-80" "--ports 8080-8200" "--ports 80-" \
	"--port 80 --ports 81-82" "--ports 81-82 --port 80"; do
	# shellcheck disable=SC2086  # the case is a word list
	usage_error "'$args' is a one-line error and exit 2" '^tern-httpd: --port' \
		"${CLI[@]}" --ip 198.18.0.2/24 $args
done
printf '[tcp]\nmax_listeners = 4\n' >"$WORK/listeners.ini"
usage_error "more ports than [tcp] max_listeners is a clear error, exit 2" \
	'^tern-httpd: --ports: 8 ports but \[tcp\] max_listeners is 4' \
	"${CLI[@]}" --ip 198.18.0.2/24 --config "$WORK/listeners.ini" --ports 8080-8087

# -- namespace, tap, tern-httpd --------------------------------------------------

ns_add "$NS"
must_start "tern-httpd starts on net_tap in namespace $NS" HTTPD_PID "$WORK/httpd.log" \
	'^tern-httpd: ready' ip netns exec "$NS" "$HTTPD_BIN" "${EAL_ARGS[@]}" \
	--file-prefix "$PREFIX" --vdev "net_tap0,iface=tern0" -- --ip "$TERN_IP/24" --port 80 \
	--body-size 64 --idle-timeout "$IDLE_S" --duration "$DURATION_S" \
	--stats "$WORK/httpd-stats.json"
tap_kernel_side tern0 "$KERNEL_MAC" 198.18.0.1/24

check_curl_body / 64
check_curl_body /bytes/100000 100000
check_curl_body /bytes/1048576 1048576
check_keepalive
py_step "HEAD" 30 head
py_step "pipelining" 60 pipeline
py_step "split heads" 30 split
py_step "HTTP/1.0" 30 http10
py_step "request bodies on GET" 30 body
py_step "error statuses" 90 errors
py_step "idle timeout" 30 idle $((IDLE_S + 1))
if [[ -n $WRK ]]; then
	check_wrk "-t1 -c10 -d3s keep-alive"
	check_wrk "-t1 -c10 -d3s -H 'Connection: close'" -H 'Connection: close'
fi
# the server still answers after all that
check_curl_body /bytes/1000 1000

alive_check "$HTTPD_PID" "tern-httpd still running after the checks"
stop_checked "$HTTPD_PID" tern-httpd "$WORK/httpd.log"
json_check "tern-httpd's counters at exit: JSON with its own httpd_* counters" \
	'd["httpd_requests"] > 0 and d["httpd_status_431"] == 1 and d["httpd_mbuf_short"] == 0 and d["httpd_ring_full"] == 0' \
	"$WORK/httpd-stats.json"
grep '^tern-httpd: lcore' "$WORK/httpd.log" | diag || true
it_end
