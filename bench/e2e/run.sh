#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tern end-to-end benchmarks against the Linux kernel, on this machine, the
# server pinned to CPU 1 and the client to CPU 0 (issue 6, bench/e2e):
#  1. tern-load -> tern-httpd over net_memif: keep-alive c=10, 100, 1000
#     (1000 not with --quick), --close c=8, and an open loop (-R) at 50% of
#     the measured c=100 keep-alive rate (latency percentiles);
#  2. wrk -> nginx (one worker, 127.0.0.1 on a free port, a 64-byte file,
#     access_log off) with the same connections: keep-alive and
#     'Connection: close';
#  3. bulk: one TCP flow tern-tcp-client -> tern-echo over memif vs iperf3
#     over loopback.
# Writes results/<timestamp>/*.json (one per run) and summary.md (figures
# side by side with the ratio tern/kernel) and prints the table. Everything
# it starts or changes (processes, memif socket, hugepages, hugetlbfs mount)
# is undone on exit; every run is bounded by timeout(1).
#
# usage: bench/e2e/run.sh [--quick]     (--quick: 5 s per run, else 10 s)
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

QUICK=0
for a in "$@"; do
	case $a in
	--quick) QUICK=1 ;;
	*) echo "usage: bench/e2e/run.sh [--quick]" >&2; exit 2 ;;
	esac
done
SECS=$((QUICK ? 5 : 10))
CONNS=(10 100)
[[ $QUICK -eq 1 ]] || CONNS+=(1000)
BULK_BYTES=$((QUICK ? 1 << 30 : 2 << 30))

OUT=$REPO/results/$(date +%Y%m%d-%H%M%S)
WORK=
SRV_PID=
CLI_PID=
HUGE_BEFORE=
MOUNTED_HUGE=0
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
	rm -rf "/var/run/dpdk/$ID"-*
	[[ $MOUNTED_HUGE -eq 1 ]] && umount "$HUGE_MNT"
	[[ -n $HUGE_BEFORE ]] && echo "$HUGE_BEFORE" >"$HUGE_SYS" 2>/dev/null
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

# start_tern_server BIN READY_REGEX APP-ARGS...: a tern server on CPU 1,
# server side of the memif; 0 once ready. Falls back to --no-huge once.
start_tern_server() {
	local bin=$1 ready=$2 name
	shift 2
	name=$(basename "$bin")
	rm -f "$SOCK"
	taskset -c "$SRV_CPU" "$bin" "${EAL_MEM[@]}" --no-pci -l "$SRV_CPU" \
		--file-prefix "$ID-srv" --vdev "net_memif0,role=server,socket=$SOCK" -- \
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
	local name=$1 rc=0
	shift
	echo "-- tern-load $* ($name)"
	timeout -k 5 $((SECS * 3 + 60)) taskset -c "$CLI_CPU" "$LOAD_BIN" "${EAL_MEM[@]}" \
		--no-pci -l "$CLI_CPU" --file-prefix "$ID-cli" \
		--vdev "net_memif0,role=client,socket=$SOCK" -- \
		--config "$REPO/config/memif-load.ini" --latency --json "$OUT/$name.json" \
		"$@" http://198.18.2.1/ >"$WORK/$name.log" 2>&1 &
	CLI_PID=$!
	wait "$CLI_PID" || rc=$?
	CLI_PID=
	grep -E '^ +(Latency|Req/Sec)|Requests/sec|errors' "$WORK/$name.log" || true
	[[ $rc -eq 0 && -s $OUT/$name.json ]] || { note "tern-load $name: exit $rc"; tail -n 5 "$WORK/$name.log"; }
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
		run_load "tern-ka-c$c" -c "$c" -d "$SECS"
	done
	run_load tern-close-c8 -c 8 -d "$SECS" --close
	if [[ -s $OUT/tern-ka-c100.json ]]; then
		rate=$(json_get "$OUT/tern-ka-c100.json" 'int(d["rates"]["requests_per_s"] / 2)')
		echo "$rate" >"$WORK/open-rate"
		run_load tern-open-c100 -c 100 -d "$SECS" -R "$rate"
	fi
	stop_server
}

# --- kernel: nginx + wrk over loopback ----------------------------------------

free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_nginx() {
	local i

	mkdir -p "$WORK/nginx/www"
	head -c 64 /dev/zero | tr '\0' 'x' >"$WORK/nginx/www/index.html"
	PORT=$(free_port)
	cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
master_process off;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
worker_rlimit_nofile 65536;
events { worker_connections 16384; }
http {
	access_log off;
	keepalive_requests 100000000;
	keepalive_timeout 60s;
	client_body_temp_path $WORK/nginx/tmp;
	proxy_temp_path $WORK/nginx/tmp;
	fastcgi_temp_path $WORK/nginx/tmp;
	uwsgi_temp_path $WORK/nginx/tmp;
	scgi_temp_path $WORK/nginx/tmp;
	server {
		listen 127.0.0.1:$PORT reuseport;
		root $WORK/nginx/www;
		location / { index index.html; }
	}
}
EOF
	mkdir -p "$WORK/nginx/tmp"
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

# run_wrk NAME CONNS [wrk args...]: wrk on CPU 0, parsed into $OUT/NAME.json.
run_wrk() {
	local name=$1 c=$2 rc=0
	shift 2
	echo "-- wrk -t1 -c $c -d ${SECS}s --latency $* ($name)"
	timeout -k 5 $((SECS * 3 + 30)) taskset -c "$CLI_CPU" wrk -t1 -c "$c" -d "${SECS}s" \
		--timeout 2s --latency "$@" "http://127.0.0.1:$PORT/index.html" \
		>"$WORK/$name.log" 2>&1 &
	CLI_PID=$!
	wait "$CLI_PID" || rc=$?
	CLI_PID=
	grep -E 'Requests/sec|Latency  |errors|Non-2xx' "$WORK/$name.log" || true
	[[ $rc -eq 0 ]] || note "wrk $name: exit $rc"
	$PY - "$WORK/$name.log" "$OUT/$name.json" "$c" "$SECS" "$*" <<'PYEOF'
import json, re, sys
log, out, conns, secs, extra = sys.argv[1:6]
t = open(log).read()
unit = {"us": 1, "ms": 1e3, "s": 1e6, "m": 6e7}
def us(v):
	m = re.match(r"([\d.]+)(us|ms|s|m)$", v)
	return float(m.group(1)) * unit[m.group(2)] if m else None
pct = {}
for p, v in re.findall(r"^\s+(\d+(?:\.\d+)?)%\s+(\S+)$", t, re.M):
	pct[p.rstrip("0").rstrip(".") if "." in p else p] = us(v)
m = re.search(r"Requests/sec:\s+([\d.]+)", t)
err = {"connect": 0, "read": 0, "write": 0, "timeout": 0, "non_2xx_3xx": 0}
m2 = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
if m2:
	for k, v in zip(("connect", "read", "write", "timeout"), m2.groups()):
		err[k] = int(v)
m3 = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
if m3:
	err["non_2xx_3xx"] = int(m3.group(1))
m4 = re.search(r"(\d+) requests in", t)
lat = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", t)
json.dump({"tool": "wrk", "config": {"connections": int(conns), "duration_s": int(secs),
	   "args": extra}, "requests": int(m4.group(1)) if m4 else None,
	   "requests_per_sec": float(m.group(1)) if m else None,
	   "latency_us": {"mean": us(lat.group(1)) if lat else None,
			  "max": us(lat.group(3)) if lat else None, "percentiles": pct},
	   "errors": err}, open(out, "w"), indent=1)
PYEOF
}

kernel_http() {
	local c

	say "nginx (1 worker, CPU $SRV_CPU, 127.0.0.1) <-> loopback <-> wrk (CPU $CLI_CPU)"
	ulimit -n 65536 2>/dev/null || true
	start_nginx || die "nginx did not start"
	echo "nginx pid $SRV_PID on 127.0.0.1:$PORT, body $(stat -c %s "$WORK/nginx/www/index.html") bytes"
	for c in "${CONNS[@]}"; do
		run_wrk "kernel-ka-c$c" "$c"
	done
	run_wrk kernel-close-c8 8 -H 'Connection: close'
	stop_server
	note "open loop against the kernel not measured: wrk is closed-loop only and the optional tern-load -> nginx over tap/netns was skipped for time"
}

# --- bulk: one TCP flow -------------------------------------------------------

# tern_client_wall BYTES: seconds of wall time for one tern-tcp-client run.
tern_client_wall() {
	local t0 t1 rc=0

	t0=$(date +%s.%N)
	timeout -k 5 300 taskset -c "$CLI_CPU" "$CLIENT_BIN" "${EAL_MEM[@]}" --no-pci \
		-l "$CLI_CPU" --file-prefix "$ID-cli" \
		--vdev "net_memif0,role=client,socket=$SOCK" -- \
		--ip 198.18.2.2/24 --connect 198.18.2.1:7 --bytes "$1" --timeout 100 \
		>"$WORK/tcp-client-$1.log" 2>&1 &
	CLI_PID=$!
	wait "$CLI_PID" || rc=$?
	CLI_PID=
	t1=$(date +%s.%N)
	[[ $rc -eq 0 ]] || { note "tern-tcp-client --bytes $1: exit $rc"; tail -n 3 "$WORK/tcp-client-$1.log"; }
	$PY -c "print($t1 - $t0)"
}

bulk() {
	local t_small t_big port rc=0

	say "bulk: tern-tcp-client (CPU $CLI_CPU) -> tern-echo (CPU $SRV_CPU) over memif, one flow"
	if start_tern_server "$ECHO_BIN" '^tern-echo: ready' --ip 198.18.2.1/24 --tcp 7 \
		--duration 3600; then
		# The wall time includes EAL start and the memif link coming up:
		# a 1-byte run measures that, and is taken off.
		t_small=$(tern_client_wall 1)
		t_big=$(tern_client_wall "$BULK_BYTES")
		grep '^conn 0' "$WORK/tcp-client-$BULK_BYTES.log" || true
		$PY - "$WORK/tcp-client-$BULK_BYTES.log" "$OUT/tern-bulk.json" "$t_small" "$t_big" <<'PYEOF'
import json, re, sys
log, out, ts, tb = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
m = re.search(r"sent (\d+) .*rcvd (\d+)", open(log).read())
sent, rcvd = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
dt = max(tb - ts, 1e-6)
json.dump({"tool": "tern-tcp-client", "sent_bytes": sent, "rcvd_bytes": rcvd,
	   "wall_s": tb, "startup_wall_s": ts, "transfer_s": dt,
	   "mbytes_per_s": sent / dt / 1e6, "gbit_per_s": sent * 8 / dt / 1e9},
	  open(out, "w"), indent=1)
print("tern: sent %d rcvd %d in %.2f s (%.2f s start-up off): %.0f MB/s" %
      (sent, rcvd, dt, ts, sent / dt / 1e6))
PYEOF
		stop_server
	else
		note "tern-echo did not start: tern bulk skipped"
	fi

	say "bulk: iperf3 over loopback (server CPU $SRV_CPU, client CPU $CLI_CPU)"
	if ! command -v iperf3 >/dev/null; then
		apt-get install -y iperf3 >/dev/null 2>&1 || true
	fi
	if ! command -v iperf3 >/dev/null; then
		note "iperf3 not available: kernel bulk skipped"
		return
	fi
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
	[[ $rc -eq 0 ]] || note "iperf3: exit $rc"
	json_get "$OUT/kernel-bulk.json" '"iperf3: %.0f MB/s" % (d["end"]["sum_received"]["bytes"] / d["end"]["sum_received"]["seconds"] / 1e6)' || true
}

# --- summary ------------------------------------------------------------------

summary() {
	printf '%s\n' "${NOTES[@]}" >"$WORK/notes"
	$PY - "$OUT" "$WORK/notes" "$CMDLINE" "${CONNS[*]}" "$(cat "$WORK/open-rate" 2>/dev/null || echo 0)" \
		"${EAL_MEM[*]}" <<'PYEOF'
import json, os, platform, subprocess, sys
out, notes, cmd, conns, rate, mem = sys.argv[1:7]

def load(name):
	try:
		return json.load(open(os.path.join(out, name + ".json")))
	except (OSError, ValueError):
		return None

def tl(d, k):
	if d is None:
		return None
	if k == "rps":
		return d["rates"]["requests_per_s"]
	if k == "err":
		return sum(d["errors"].values())
	return d["latency_us"]["percentiles"].get(k)

def kl(d, k):
	if d is None:
		return None
	if k == "rps":
		return d["requests_per_sec"]
	if k == "err":
		return sum(d["errors"].values())
	return d["latency_us"]["percentiles"].get(k)

def fmt(v):
	if v is None:
		return "n/a"
	if isinstance(v, int):
		return "%d" % v
	return "%.0f" % v if v >= 100 else "%.1f" % v

rows = []
def row(what, t, k):
	ratio = "n/a"
	if t is not None and k:
		ratio = "%.2f" % (t / k)
	rows.append("| %s | %s | %s | %s |" % (what, fmt(t), fmt(k), ratio))

for c in conns.split():
	t, k = load("tern-ka-c" + c), load("kernel-ka-c" + c)
	row("keep-alive c=%s req/s" % c, tl(t, "rps"), kl(k, "rps"))
	for p in ("50", "99", "99.9"):
		row("keep-alive c=%s p%s latency (us)" % (c, p), tl(t, p), kl(k, p))
	row("keep-alive c=%s errors" % c, tl(t, "err"), kl(k, "err"))
t, k = load("tern-close-c8"), load("kernel-close-c8")
row("Connection: close c=8 req/s (= new conn/s)", tl(t, "rps"), kl(k, "rps"))
for p in ("50", "99"):
	row("Connection: close c=8 p%s latency (us)" % p, tl(t, p), kl(k, p))
row("Connection: close c=8 errors", tl(t, "err"), kl(k, "err"))
t, k = load("tern-open-c100"), load("kernel-ka-c100")
row("open loop c=100 at %s req/s: achieved req/s" % rate, tl(t, "rps"), None)
for p in ("50", "99", "99.9"):
	row("open loop p%s latency (us) [kernel: none measured]" % p, tl(t, p), None)
row("open-loop p99 (tern) vs kernel closed-loop c=100 p50 (us)", tl(t, "99"), kl(k, "50"))
t, k = load("tern-bulk"), load("kernel-bulk")
kb = None
if k and "end" in k:
	s = k["end"]["sum_received"]
	kb = s["bytes"] / s["seconds"] / 1e6
row("bulk, one TCP flow, MB/s", t["mbytes_per_s"] if t else None, kb)
row("bulk, one TCP flow, Gbit/s", t["gbit_per_s"] if t else None, kb * 8 / 1e3 if kb else None)

def cpu_model():
	for l in open("/proc/cpuinfo"):
		if l.startswith("model name"):
			return l.split(":", 1)[1].strip()
	return platform.processor()

md = []
md.append("# tern vs Linux kernel, end to end\n")
md.append("- machine: nproc %d, %s, kernel %s" % (os.cpu_count(), cpu_model(), platform.release()))
md.append("- command: `%s`" % cmd)
md.append("- pinning: server on CPU 1, client on CPU 0 (taskset); tern EAL memory: `%s`" % mem)
md.append("- tern: tern-load -> tern-httpd over net_memif (64-byte body); kernel: wrk -t1 -> nginx 1 worker "
	  "over 127.0.0.1 (64-byte file, access_log off); bulk: tern-tcp-client -> tern-echo over memif "
	  "(the echo returns the bytes at the same time; MB/s counts the bytes sent once) vs iperf3 over loopback")
md.append("")
md.append("Ratios are tern/kernel: above 1 is better for req/s and MB/s, below 1 is better for latency. "
	  "wrk reports no p99.9.")
md.append("")
md.append("| figure | tern | kernel | tern/kernel |")
md.append("|---|---:|---:|---:|")
md.extend(rows)
n = [l for l in open(notes).read().splitlines() if l.strip()]
if n:
	md.append("")
	md.append("Notes:")
	md.extend("- " + l for l in n)
text = "\n".join(md) + "\n"
open(os.path.join(out, "summary.md"), "w").write(text)
print(text)
PYEOF
}

# ------------------------------------------------------------------------------

[[ $EUID -eq 0 ]] || die "run as root (hugepages, DPDK)"
[[ $(nproc) -ge 2 ]] || die "needs 2 CPUs (server on CPU 1, client on CPU 0)"
for bin in "$HTTPD_BIN" "$LOAD_BIN" "$ECHO_BIN" "$CLIENT_BIN"; do
	[[ -x $bin ]] || die "no $bin: build first (ninja -C build)"
done
command -v wrk >/dev/null || die "wrk missing (apt-get install wrk)"
command -v nginx >/dev/null || die "nginx missing (apt-get install nginx)"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
T0=$SECONDS
mkdir -p "$OUT"
WORK=$(mktemp -d "/tmp/$ID.XXXXXX")
echo "results in $OUT, ${SECS} s per run"
reserve_hugepages
echo "tern EAL memory flags: ${EAL_MEM[*]}"

tern_http
kernel_http
bulk
say "summary ($OUT/summary.md, $((SECONDS - T0)) s)"
summary
