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
# mbuf back in its pool). The kernel side of the raw-socket checks is a
# Python helper written into the scratch directory. Everything started here
# is stopped by pid and the namespace deleted on any exit.
# Exit status: 0 all passed, 1 a check failed, 77 cannot run.
# TERN_IT_KEEP=1 keeps the scratch directory (logs).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

HTTPD_BIN=${TERN_HTTPD:-$SCRIPT_DIR/../../build/apps/httpd/tern-httpd}
PY=/usr/bin/python3
ID=tern-httpd-$$
NS=$ID
PREFIX=$ID
RUNTIME_DIR=/var/run/dpdk
KERNEL_MAC=02:00:c6:12:00:01	# locally administered
TERN_IP=198.18.0.2
URL=http://$TERN_IP
DURATION_S=600		# safety net only: the test stops tern-httpd itself
IDLE_S=2
EAL_ARGS=(--no-huge --no-pci -m 512 --no-shconf -l 0)

WORK=
HTTPD_PID=

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
	local rc=$? pid

	set +e
	trap - EXIT INT TERM
	for pid in "$STEP_PID" "$HTTPD_PID"; do
		[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && stop_pid "$pid"
	done
	if [[ -e /var/run/netns/$NS ]]; then
		# Anything still inside our own namespace was started by us.
		for pid in $(ip netns pids "$NS" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$NS"
	fi
	rm -rf "${RUNTIME_DIR:?}/$PREFIX" "${RUNTIME_DIR:?}/$PREFIX"-cli
	if [[ -n $WORK && -d $WORK ]]; then
		if [[ $rc -ne 0 && -f $WORK/httpd.log ]]; then
			echo "# tern-httpd log (tail):"
			tail -n 20 "$WORK/httpd.log" | diag
		fi
		if [[ -n ${TERN_IT_KEEP:-} ]]; then
			echo "# kept $WORK"
		else
			rm -rf "$WORK"
		fi
	fi
	exit "$rc"
}

write_helper() {	# the kernel side of the raw-socket checks
	cat >"$WORK/httpd_it.py" <<'EOF'
# Kernel side of httpd_interop.sh: raw sockets against tern-httpd; prints
# TAP lines and "# " diagnostics; exits 1 when a check failed.
import hashlib
import json
import socket
import sys
import time

HOST = "198.18.0.2"
PORT = 80
failed = 0


def check(name, cond, why=""):
	global failed
	print(("ok - " if cond else "not ok - ") + name, flush=True)
	if not cond:
		failed += 1
		for line in str(why).splitlines():
			print("# " + line, flush=True)
	return cond


def pattern(n):
	return bytes(ord("a") + i % 26 for i in range(n))


def connect():
	s = socket.create_connection((HOST, PORT), timeout=10)
	s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
	return s


class Reader:
	"""Reads responses off one connection; knows HEAD has no body."""

	def __init__(self, s):
		self.s = s
		self.buf = b""
		self.eof = False

	def fill(self):
		d = self.s.recv(1 << 16)
		if not d:
			self.eof = True
		self.buf += d
		return bool(d)

	def response(self, head=False):
		while b"\r\n\r\n" not in self.buf:
			if not self.fill():
				return None
		h, self.buf = self.buf.split(b"\r\n\r\n", 1)
		lines = h.decode("latin-1").split("\r\n")
		parts = lines[0].split(" ", 2)
		hdrs = {}
		for ln in lines[1:]:
			k, _, v = ln.partition(":")
			hdrs[k.strip().lower()] = v.strip()
		n = 0 if head else int(hdrs.get("content-length", "0"))
		while len(self.buf) < n:
			if not self.fill():
				return None
		body, self.buf = self.buf[:n], self.buf[n:]
		return {"version": parts[0], "status": int(parts[1]), "headers": hdrs, "body": body}

	def closed(self, timeout=5.0):
		"""True when the server closes (FIN or RST) with nothing more sent."""
		self.s.settimeout(timeout)
		try:
			while self.fill():
				pass
		except ConnectionResetError:
			self.eof = True
		except socket.timeout:
			return False
		return self.eof and not self.buf


def exchange(raw, n=1):
	s = connect()
	s.sendall(raw)
	r = Reader(s)
	out = [r.response() for _ in range(n)]
	return s, r, out


def cmd_head():
	s = connect()
	s.sendall(b"HEAD /bytes/5000 HTTP/1.1\r\nHost: x\r\n\r\nGET /bytes/7 HTTP/1.1\r\nHost: x\r\n\r\n")
	r = Reader(s)
	h = r.response(head=True)
	g = r.response()
	check("HEAD: 200 with Content-Length 5000 and the type, no body bytes",
	      h is not None and h["status"] == 200 and h["headers"].get("content-length") == "5000"
	      and h["headers"].get("content-type") == "application/octet-stream"
	      and g is not None and g["status"] == 200 and g["body"] == pattern(7),
	      "%r %r" % (h, g))
	s.close()


def cmd_pipeline():
	reqs = b"".join(b"GET /bytes/%d HTTP/1.1\r\nHost: x\r\n\r\n" % n for n in (10, 2000, 30))
	s, r, out = exchange(reqs, 3)
	ok = all(o is not None and o["status"] == 200 for o in out) and \
		[len(o["body"]) for o in out] == [10, 2000, 30] and \
		all(o["body"] == pattern(len(o["body"])) for o in out)
	check("pipelining: 3 requests in one write, 3 responses in order", ok,
	      "%r" % [(o and (o["status"], len(o["body"]))) for o in out])
	s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	o = r.response()
	check("Connection: close is answered with Connection: close, then the server closes",
	      o is not None and o["status"] == 200 and
	      o["headers"].get("connection", "").lower() == "close" and r.closed(),
	      "%r" % o)
	s.close()
	# 50 pipelined requests, each head cut into pieces across writes
	s = connect()
	r = Reader(s)
	blob = b"".join(b"GET /bytes/%d HTTP/1.1\r\nHost: x\r\nX-Pad: %s\r\n\r\n" %
			(i, b"p" * (i * 37 % 300)) for i in range(50))
	for i in range(0, len(blob), 97):
		s.sendall(blob[i:i + 97])
		if i % 970 == 0:
			time.sleep(0.01)
	out = [r.response() for _ in range(50)]
	check("50 pipelined requests written in 97-byte pieces: 50 answers in order",
	      all(o is not None and o["status"] == 200 and o["body"] == pattern(i)
		  for i, o in enumerate(out)),
	      "%r" % [(o and (o["status"], len(o["body"]))) for o in out][:10])
	s.close()


def cmd_split():
	s = connect()
	r = Reader(s)
	for piece in (b"GE", b"T /bytes/33 HT", b"TP/1.1\r\nHo", b"st: x\r\n", b"\r\n"):
		s.sendall(piece)
		time.sleep(0.05)
	o = r.response()
	check("a request head sent in 5 pieces 50 ms apart is answered",
	      o is not None and o["status"] == 200 and o["body"] == pattern(33), "%r" % o)
	s.close()


def cmd_http10():
	s, r, (o,) = exchange(b"GET /bytes/5 HTTP/1.0\r\n\r\n")
	check("HTTP/1.0 without keep-alive: answered, then closed",
	      o is not None and o["status"] == 200 and o["body"] == pattern(5) and r.closed(),
	      "%r" % o)
	s.close()
	s, r, (o,) = exchange(b"GET /bytes/6 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	ok = o is not None and o["status"] == 200 and \
		o["headers"].get("connection", "").lower() == "keep-alive"
	s.sendall(b"GET /bytes/4 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	o2 = r.response()
	check("HTTP/1.0 with Connection: keep-alive: two answers on one connection",
	      ok and o2 is not None and o2["body"] == pattern(4), "%r %r" % (o, o2))
	s.close()


def cmd_body():
	s, r, out = exchange(b"GET /bytes/3 HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n"
			     b"hello world"
			     b"GET /bytes/4 HTTP/1.1\r\nHost: x\r\n\r\n", 2)
	check("GET with a Content-Length body: body discarded, next request answered",
	      [o and (o["status"], o["body"]) for o in out] == [(200, pattern(3)), (200, pattern(4))],
	      "%r" % out)
	s.close()
	s, r, out = exchange(b"GET /bytes/5 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
			     b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
			     b"GET /bytes/6 HTTP/1.1\r\nHost: x\r\n\r\n", 2)
	check("GET with a chunked body: body discarded, next request answered",
	      [o and (o["status"], o["body"]) for o in out] == [(200, pattern(5)), (200, pattern(6))],
	      "%r" % out)
	s.close()


ERRORS = [
	("garbage request line", b"\x01\x02 hello there\r\n\r\n", 400),
	("unknown path", b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", 404),
	("bad /bytes/N", b"GET /bytes/12abc HTTP/1.1\r\nHost: x\r\n\r\n", 400),
	("/bytes/N over --max-body", b"GET /bytes/1048577 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
	("POST", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", 405),
	("DELETE", b"DELETE / HTTP/1.1\r\nHost: x\r\n\r\n", 405),
	("unknown method", b"BREW / HTTP/1.1\r\nHost: x\r\n\r\n", 501),
	("9 KiB header", b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9216 + b"\r\n\r\n", 431),
	("HTTP/2.0 request line", b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
]


def cmd_errors():
	for name, raw, want in ERRORS:
		s, r, (o,) = exchange(raw)
		ok = o is not None and o["status"] == want and \
			o["headers"].get("connection", "").lower() == "close"
		if want == 405:
			ok = ok and o["headers"].get("allow") == "GET, HEAD"
		check("%s: %d, Connection: close, then closed" % (name, want), ok and r.closed(),
		      "%r" % o)
		s.close()


def cmd_idle(limit):
	s = connect()
	t0 = time.monotonic()
	r = Reader(s)
	gone = r.closed(timeout=float(limit) + 5)
	dt = time.monotonic() - t0
	check("an idle connection is closed by the server after %.1f s (limit %s s)" % (dt, limit),
	      gone and dt <= float(limit), "closed %r after %.1f s" % (gone, dt))
	s.close()
	# a partial head also times out
	s = connect()
	s.sendall(b"GET / HTTP/1.1\r\nHo")
	t0 = time.monotonic()
	gone = Reader(s).closed(timeout=float(limit) + 5)
	dt = time.monotonic() - t0
	check("a connection stuck mid-head is dropped after %.1f s" % dt,
	      gone and dt <= float(limit), "closed %r after %.1f s" % (gone, dt))
	s.close()


def cmd_tel(path, out):
	with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
		s.settimeout(20)
		s.connect(path)
		info = json.loads(s.recv(16384).decode())
		s.send(b"/tern/stats")
		reply = json.loads(s.recv(max(65536, info.get("max_output_len", 0))).decode())
	with open(out, "w") as f:
		json.dump(reply["/tern/stats"], f)


if __name__ == "__main__":
	cmd = sys.argv[1]
	try:
		globals()["cmd_" + cmd](*sys.argv[2:])
	except Exception as e:
		import traceback
		check("%s: helper ran to the end" % cmd, False, "%r\n%s" % (e, traceback.format_exc()))
	sys.exit(1 if failed else 0)
EOF
}

tel_snapshot() {	# tel_snapshot FILE: tern's counters, live
	timeout 10 "$PY" "$WORK/httpd_it.py" tel "$RUNTIME_DIR/$PREFIX/dpdk_telemetry.v2" "$1"
}

json_get() {		# json_get FILE KEY: a counter, 0 when absent
	"$PY" -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], 0))' "$1" "$2"
}

httpd_alive() {
	kill -0 "$HTTPD_PID" 2>/dev/null
}

py_step() {		# py_step NAME LIMIT SUBCOMMAND [ARGS...]
	if ! httpd_alive; then
		tap_line "not ok" "$1 (tern-httpd is not running)"
		return 0
	fi
	step "$1" "$2" ip netns exec "$NS" "$PY" "$WORK/httpd_it.py" "${@:3}"
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
	before=$(json_get "$WORK/tel0.json" tcp_passive_opens 2>/dev/null || echo -1)
	after=$(json_get "$WORK/tel1.json" tcp_passive_opens 2>/dev/null || echo -1)
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

[[ $EUID -eq 0 ]] || skip "needs root (network namespaces, tap devices)"
if [[ ! -x $HTTPD_BIN ]]; then
	# meson always passes a built binary: a missing one is an error there.
	if [[ -n ${TERN_HTTPD:-} ]]; then
		echo "not ok - $HTTPD_BIN is not executable"
		echo "1..1"
		exit 1
	fi
	skip "not built: $HTTPD_BIN"
fi
[[ -c /dev/net/tun ]] || skip "no /dev/net/tun"
for tool in ip timeout awk curl sha256sum; do
	command -v "$tool" >/dev/null || skip "missing $tool"
done
[[ -x $PY ]] || skip "no $PY"
WRK=$(command -v wrk || true)
[[ -n $WRK ]] || echo "# no wrk (apt-get install wrk): its checks are skipped"

WORK=$(mktemp -d "/tmp/$ID.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
T_START=$SECONDS
write_helper

# -- bad command lines: one-line error, exit 2 ---------------------------------

rc=0
timeout 30 "$HTTPD_BIN" "${EAL_ARGS[@]}" --file-prefix "$PREFIX-cli" -- \
	--ip 198.18.0.2 >"$WORK/cli.log" 2>&1 || rc=$?
if [[ $rc -eq 2 ]] && grep -q '^tern-httpd: --ip' "$WORK/cli.log"; then
	tap_line ok "a bad --ip is a one-line error and exit 2"
else
	tap_line "not ok" "a bad --ip is a one-line error and exit 2 (got $rc)"
	diag <"$WORK/cli.log"
fi

for args in "--ports 0-10" "--ports 90-80" "--ports 8080-8200" "--ports 80-" \
	"--port 80 --ports 81-82" "--ports 81-82 --port 80"; do
	rc=0
	# shellcheck disable=SC2086  # the case is a word list
	timeout 30 "$HTTPD_BIN" "${EAL_ARGS[@]}" --file-prefix "$PREFIX-cli" -- \
		--ip 198.18.0.2/24 $args >"$WORK/cli.log" 2>&1 || rc=$?
	if [[ $rc -eq 2 ]] && grep -q '^tern-httpd: --port' "$WORK/cli.log"; then
		tap_line ok "'$args' is a one-line error and exit 2: $(grep '^tern-httpd: --port' "$WORK/cli.log")"
	else
		tap_line "not ok" "'$args' is a one-line error and exit 2 (got $rc)"
		diag <"$WORK/cli.log"
	fi
done
printf '[tcp]\nmax_listeners = 4\n' >"$WORK/listeners.ini"
rc=0
timeout 30 "$HTTPD_BIN" "${EAL_ARGS[@]}" --file-prefix "$PREFIX-cli" -- \
	--ip 198.18.0.2/24 --config "$WORK/listeners.ini" --ports 8080-8087 >"$WORK/cli.log" 2>&1 || rc=$?
if [[ $rc -eq 2 ]] && grep -q '^tern-httpd: --ports: 8 ports but \[tcp\] max_listeners is 4' "$WORK/cli.log"; then
	tap_line ok "more ports than [tcp] max_listeners is a clear error, exit 2"
else
	tap_line "not ok" "more ports than [tcp] max_listeners is a clear error, exit 2 (got $rc)"
	diag <"$WORK/cli.log"
fi

# -- namespace, tap, tern-httpd --------------------------------------------------

ip netns add "$NS"
in_ns ip link set lo up
in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
	2>/dev/null || true

# Started directly so that $! is tern-httpd itself (`ip netns exec` execs).
ip netns exec "$NS" "$HTTPD_BIN" "${EAL_ARGS[@]}" --file-prefix "$PREFIX" \
	--vdev "net_tap0,iface=tern0" -- --ip "$TERN_IP/24" --port 80 --body-size 64 \
	--idle-timeout "$IDLE_S" --duration "$DURATION_S" --stats "$WORK/httpd-stats.json" \
	>"$WORK/httpd.log" 2>&1 &
HTTPD_PID=$!
if ! wait_line "$HTTPD_PID" "$WORK/httpd.log" '^tern-httpd: ready'; then
	echo "# tern-httpd did not become ready:"
	diag <"$WORK/httpd.log"
	tap_line "not ok" "tern-httpd starts on net_tap"
	tap_plan_exit
fi
tap_line ok "tern-httpd starts on net_tap in namespace $NS (pid $HTTPD_PID)"

# net_tap gives the kernel side the port's own MAC; a distinct one makes
# tern address the kernel by the MAC it learned, as on a real wire.
in_ns ip link set tern0 address "$KERNEL_MAC"
in_ns ip addr add 198.18.0.1/24 dev tern0
in_ns ip link set tern0 up

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

if httpd_alive; then
	tap_line ok "tern-httpd still running after the checks"
else
	tap_line "not ok" "tern-httpd still running after the checks"
fi
stop_pid "$HTTPD_PID"
HTTPD_PID=
if [[ $STOP_RC -eq 0 ]]; then
	tap_line ok "tern-httpd exited with status 0 (every mbuf back in its pool)"
else
	tap_line "not ok" "tern-httpd exited with status 0 (got $STOP_RC)"
	tail -n 5 "$WORK/httpd.log" | diag
fi
if "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["httpd_requests"] > 0 and d["httpd_status_431"] == 1 and d["httpd_mbuf_short"] == 0 and d["httpd_ring_full"] == 0 else 1)' \
	"$WORK/httpd-stats.json" 2>/dev/null; then
	tap_line ok "tern-httpd's counters at exit: JSON with its own httpd_* counters"
else
	tap_line "not ok" "tern-httpd's counters at exit: JSON with its own httpd_* counters"
	diag <"$WORK/httpd-stats.json" || true
fi
grep '^tern-httpd: lcore' "$WORK/httpd.log" | diag || true
echo "# run time $((SECONDS - T_START)) s"
tap_plan_exit
