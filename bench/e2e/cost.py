# SPDX-License-Identifier: BSD-3-Clause
#
# CPU per request and per new connection, server and load generator, tern
# and kernel (issue 14 item 1), and the loop-gap histograms of both tern
# sides in each run (item 4). run.sh calls `snap` just before and just
# after every tern-load run against tern-httpd, and `report` once at the
# end; summary.py reads the cost.json that `report` writes.
#
#   cost.py snap PID MAIN_LCORE TELEMETRY_SOCKET OUT
#       lcores.py's snapshot (/tern/lcores counters, lcore threads'
#       schedstat, load average) plus /tern/loop of the lcore.
#   cost.py report DIR
#       Reads DIR/{tern,kernel}-*.json and the tern-*-srv{0,1}.json
#       snapshots, writes DIR/cost.json and prints one line per run.
#
# The figures, all per request (per new connection in the close runs):
#  - tern-httpd: loop_busy_cycles between the snapshots around the
#    tern-load run (the loop is busy only when it handled something, so
#    only that run adds to it), over every request tern-load completed in
#    every phase (ramp-up, warm-up, window, drain; lcore<N>_requests of
#    its JSON). Also loop_work_cycles: tern's own share, without httpd.
#  - tern-load: its own loop_busy_cycles (its JSON's lcores members, the
#    whole process) over the same requests.
#  - nginx: its CPU time (schedstat, run.sh's run_wrk) over wrk's
#    requests; wrk: its user + system time over the same.
# TSC cycles are turned into microseconds with the stack's TSC rate
# (/tern/loop's tsc_hz) and kernel CPU time into cycles with the same.
# Caveat: busy cycles are TSC time, so a vCPU descheduled in the middle of
# a busy poll still counts (the machine's noise lands on tern's figure);
# schedstat counts only time on a CPU. So each tern side also gets an
# on-CPU estimate: the thread's CPU time over the run (schedstat for
# tern-httpd's lcore thread, user + system of the tern-load process)
# times its loop's busy share (busy / (busy + idle) cycles), per request:
# it assumes deschedules fall evenly on busy and idle polls.
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lcores  # noqa: E402  (snapshots and telemetry)

BUCKETS = 22


def telemetry(path, cmd, params):
	"""One telemetry command with parameters (the reply is keyed by the
	command alone)."""
	import socket
	with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
		s.settimeout(10)
		s.connect(path)
		info = json.loads(s.recv(16384).decode())
		s.send(("%s,%s" % (cmd, params)).encode())
		reply = s.recv(max(65536, info.get("max_output_len", 0)))
	return json.loads(reply.decode())[cmd]


def cmd_snap(pid, main_lcore, sock, out):
	lcores.cmd_snap(pid, main_lcore, sock, out)
	snap = json.load(open(out))
	try:
		snap["loop"] = telemetry(sock, "/tern/loop", main_lcore)
	except (OSError, ValueError, KeyError) as e:
		snap["loop"] = None
		snap["loop_error"] = repr(e)
	snap["ctxt"] = ctxt_switches(int(pid))
	json.dump(snap, open(out, "w"), indent=1)


def ctxt_switches(tid):
	"""Context switches of the main lcore's thread: each involuntary one is a
	time the scheduler took the CPU away, so a gap of the loop's that is
	not tern's own."""
	out = {}
	try:
		for line in open("/proc/%d/task/%d/status" % (tid, tid)):
			k, _, v = line.partition(":")
			if k in ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"):
				out[k] = int(v)
	except OSError:
		pass
	return out


def load(d, name):
	try:
		return json.load(open(os.path.join(d, name + ".json")))
	except (OSError, ValueError):
		return None


def div(a, b):
	return a / b if a is not None and b else None


def bucket_name(b):
	return "lt%dus" % (1 << b) if b < BUCKETS - 1 else "ge%dus" % (1 << (b - 1))


def hist_from_members(members, prefix):
	"""{kind: {"count": [..], "max_ns": n}} from flat JSON members."""
	out = {}
	for kind in ("gap_idle", "gap_busy", "work"):
		cnt = [members.get("%sloop_%s_%s" % (prefix, kind, bucket_name(b)), 0)
		       for b in range(BUCKETS)]
		out[kind] = {"count": cnt, "max_ns": members.get("%sloop_%s_max_ns" % (prefix, kind), 0)}
	return out


def hist_from_snaps(s0, s1):
	"""The /tern/loop histograms' growth between two snapshots; the max is the
	later one's (a max does not subtract: it may predate the window)."""
	if not s0 or not s1 or not s0.get("loop") or not s1.get("loop"):
		return None
	a, b = s0["loop"], s1["loop"]
	return {k: {"count": [y - x for x, y in zip(a[k], b[k])], "max_ns": b[k + "_max_ns"],
		    "max_before_ns": a[k + "_max_ns"]} for k in ("gap_idle", "gap_busy", "work")}


def ctr_delta(s0, s1, lcore, name):
	if not s0 or not s1 or s0.get("counters") is None or s1.get("counters") is None:
		return None
	c0, c1 = s0["counters"].get(str(lcore), {}), s1["counters"].get(str(lcore), {})
	return c1.get(name, 0) - c0.get(name, 0)


def tern_run(d, name, srv_lcore):
	t = load(d, name)
	if t is None:
		return None
	s0, s1 = load(d, name + "-srv0"), load(d, name + "-srv1")
	members = t.get("lcores") or {}
	req = sum(v for k, v in members.items() if re.match(r"lcore\d+_requests$", k))
	cli_busy = sum(v for k, v in members.items() if re.match(r"lcore\d+_loop_busy_cycles$", k))
	cli_work = sum(v for k, v in members.items() if re.match(r"lcore\d+_loop_work_cycles$", k))
	hz = None
	for s in (s1, s0):
		if s and s.get("loop"):
			hz = s["loop"]["tsc_hz"]
	srv_busy = ctr_delta(s0, s1, srv_lcore, "loop_busy_cycles")
	srv_work = ctr_delta(s0, s1, srv_lcore, "loop_work_cycles")
	cli_idle = sum(v for k, v in members.items() if re.match(r"lcore\d+_loop_idle_cycles$", k))
	srv_idle = ctr_delta(s0, s1, srv_lcore, "loop_idle_cycles")
	# on-CPU estimates: the thread's CPU time (schedstat for the server,
	# user + system for tern-load) times its loop's busy share
	srv_on = None
	t0 = s0 and s0["threads"].get(str(srv_lcore))
	t1 = s1 and s1["threads"].get(str(srv_lcore))
	if t0 and t1 and srv_busy is not None and srv_busy + srv_idle > 0:
		srv_on = (t1["run_ns"] - t0["run_ns"]) / 1e3 * srv_busy / (srv_busy + srv_idle)
	cli_on = None
	cc = load(d, name + "-cli-cpu")
	if cc and cli_busy + cli_idle > 0:
		cli_on = cc["cpu_s"] * 1e6 * cli_busy / (cli_busy + cli_idle)
	srv_nvcs = None
	if s0 and s1 and s0.get("ctxt") and s1.get("ctxt"):
		srv_nvcs = s1["ctxt"]["nonvoluntary_ctxt_switches"] - s0["ctxt"]["nonvoluntary_ctxt_switches"]
	cli_nvcs = None
	try:	# GNU time -f "%c %w" around tern-load (run.sh's run_load)
		cli_nvcs = int(open(os.path.join(d, name + "-cli-ctxt.txt")).read().split()[-2])
	except (OSError, ValueError, IndexError):
		pass
	cli_lcores = sorted({int(m.group(1)) for m in
			     (re.match(r"lcore(\d+)_", k) for k in members) if m})
	cli_hist = hist_from_members(members, "lcore%d_" % cli_lcores[0]) if len(cli_lcores) == 1 else None
	return {"requests_all_phases": req, "tsc_hz": hz,
		"requests_per_s": t["rates"]["requests_per_s"],
		"latency_us": t["latency_us"]["percentiles"],
		"server": {"busy_cycles": srv_busy, "work_cycles": srv_work,
			   "busy_cycles_per_request": div(srv_busy, req),
			   "work_cycles_per_request": div(srv_work, req),
			   "us_per_request": div(div(srv_busy, req), div(hz, 1e6)),
			   "on_cpu_us_per_request_est": div(srv_on, req),
			   "involuntary_switches": srv_nvcs,
			   "loop": hist_from_snaps(s0, s1)},
		"client": {"busy_cycles": cli_busy, "work_cycles": cli_work,
			   "busy_cycles_per_request": div(cli_busy, req),
			   "work_cycles_per_request": div(cli_work, req),
			   "us_per_request": div(div(cli_busy, req), div(hz, 1e6)),
			   "on_cpu_us_per_request_est": div(cli_on, req),
			   "involuntary_switches": cli_nvcs,
			   "loop": cli_hist},
		"loadavg": [s.get("loadavg") for s in (s0, s1) if s],
		"cpu_pressure_avg10": [s.get("cpu_pressure_avg10") for s in (s0, s1) if s]}


def kernel_run(d, name, hz):
	k = load(d, name)
	if k is None:
		return None
	n = k.get("requests") or 0
	sc, cc = k.get("server_cpu") or {}, k.get("client_cpu") or {}
	srv_us = div(1e6 * sc["seconds"], n) if sc.get("seconds") is not None else None
	cli_us = div(1e6 * cc["seconds"], n) if cc.get("seconds") is not None else None
	cyc = div(hz, 1e6)
	return {"requests": n, "requests_per_s": k.get("requests_per_sec"),
		"server": {"us_per_request": srv_us, "busy_pct": sc.get("busy_pct"),
			   "cycles_per_request": None if srv_us is None or cyc is None else srv_us * cyc},
		"client": {"us_per_request": cli_us, "busy_pct": cc.get("busy_pct"),
			   "cycles_per_request": None if cli_us is None or cyc is None else cli_us * cyc}}


def cmd_report(d, srv_lcore):
	runs = {}
	hz = None
	names = sorted(f[:-5] for f in os.listdir(d) if re.match(r"tern-(ka-c\d+|close-c\d+|open-c\d+)\.json$", f))
	for name in names:
		r = tern_run(d, name, srv_lcore)
		if r is not None:
			runs[name] = r
			hz = hz or r["tsc_hz"]
	for f in sorted(os.listdir(d)):
		m = re.match(r"(kernel-(ka|close)-c\d+)\.json$", f)
		if m:
			runs[m.group(1)] = kernel_run(d, m.group(1), hz)
	out = {"tsc_hz": hz, "runs": runs}
	json.dump(out, open(os.path.join(d, "cost.json"), "w"), indent=1)
	for name, r in runs.items():
		if r is None:
			continue
		print("%-16s server %s us/req, client %s us/req" % (
			name, fmt(r["server"]["us_per_request"]), fmt(r["client"]["us_per_request"])))


def fmt(v):
	return "n/a" if v is None else "%.2f" % v


def main(argv):
	if len(argv) == 6 and argv[1] == "snap":
		cmd_snap(*argv[2:6])
	elif len(argv) in (3, 4) and argv[1] == "report":
		cmd_report(argv[2], int(argv[3]) if len(argv) == 4 else 1)
	else:
		sys.exit("usage: cost.py snap PID MAIN_LCORE SOCK OUT | report DIR [SERVER_LCORE]")


if __name__ == "__main__":
	main(sys.argv)
