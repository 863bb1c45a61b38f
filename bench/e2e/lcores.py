# SPDX-License-Identifier: BSD-3-Clause
#
# Per-lcore figures of bench/e2e/run.sh's lcores section (issue 10):
# tern-httpd on 1 lcore and on N lcores, served over net_af_packet and
# loaded by wrk. run.sh calls `snap` just before and just after each wrk
# run and `report` once both runs are done; summary.py reads the
# lcores.json that `report` writes.
#
#   lcores.py snap PID MAIN_LCORE TELEMETRY_SOCKET OUT
#       One snapshot of a running tern app: each stack's counters through
#       DPDK telemetry (/tern/lcores) and each lcore thread's CPU time
#       (/proc/PID/task/TID/schedstat: on CPU, waiting on a run queue),
#       with CLOCK_MONOTONIC. The main lcore's thread is the process's
#       first; the others are EAL's "rte-worker-<lcore>".
#   lcores.py report DIR WRK_CPUS RUN...
#       RUN is K@LCORES (e.g. 1@1 2@0-1: K lcores on EAL list LCORES, lcore
#       i on CPU i); WRK_CPUS is the CPU list wrk was pinned to. Reads
#       DIR/lcores-K-{httpd,wrk,snap0,snap1}.json for each run, writes
#       DIR/lcores.json and prints a table.
#
# Sources: requests, busy cycles and frames steered per lcore come from
# tern-httpd's exit JSON (flat "lcore<N>_<name>" keys with several
# lcores, plain keys with one), so "busy cycles per request" is
# loop_busy_cycles / httpd_requests of that lcore over the whole run (the
# loop is busy only when it handled something, so nothing but the load
# adds to it). The telemetry and schedstat deltas cover the wrk run alone
# and give how busy each loop was (busy / (busy + idle) cycles) and how
# much of the wall time each lcore's thread was on a CPU.
import json
import os
import re
import socket
import sys
import time

TEL_CMD = "/tern/lcores"
# The ceiling for one software steering hop (bench/micro/bench_steer
# measures the hop itself).
HOP_CEILING_TICKS = 100
GOAL_RATIO = 1.10
# Below this share of the wall time on its CPU, a thread's TSC cycles are
# mostly someone else's: its lcore's figures are not judged.
QUIET_ON_CPU_PCT = 90


def telemetry(path, cmd):
	with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
		s.settimeout(10)
		s.connect(path)
		info = json.loads(s.recv(16384).decode())
		s.send(cmd.encode())
		reply = s.recv(max(65536, info.get("max_output_len", 0)))
	return json.loads(reply.decode())[cmd]


def lcore_threads(pid, main_lcore):
	"""{lcore: {"tid", "run_ns", "wait_ns", "last_cpu"}} of PID's lcore threads."""
	threads = {}
	for tid in os.listdir("/proc/%d/task" % pid):
		base = "/proc/%d/task/%s/" % (pid, tid)
		try:
			comm = open(base + "comm").read().strip()
			run_ns, wait_ns = open(base + "schedstat").read().split()[:2]
			stat = open(base + "stat").read()
		except OSError:
			continue
		m = re.match(r"(?:rte|lcore)-worker-(\d+)$", comm)
		if int(tid) == pid:
			lcore = main_lcore
		elif m:
			lcore = int(m.group(1))
		else:
			continue
		f = stat.rsplit(")", 1)[1].split()	# f[i] is stat field i + 3
		threads[str(lcore)] = {"tid": int(tid), "run_ns": int(run_ns),
				       "wait_ns": int(wait_ns), "utime_ticks": int(f[11]),
				       "stime_ticks": int(f[12]), "last_cpu": int(f[36])}
	return threads


def cmd_snap(pid, main_lcore, sock, out):
	snap = {"mono_ns": time.monotonic_ns()}
	try:
		snap["counters"] = telemetry(sock, TEL_CMD)
	except (OSError, ValueError, KeyError) as e:
		snap["counters"] = None
		snap["telemetry_error"] = repr(e)
	snap["threads"] = lcore_threads(int(pid), int(main_lcore))
	snap["loadavg"] = float(open("/proc/loadavg").read().split()[0])
	try:	# "some avg10=..": share of time something waited for a CPU
		psi = open("/proc/pressure/cpu").readline()
		snap["cpu_pressure_avg10"] = float(re.search(r"avg10=([\d.]+)", psi).group(1))
	except (OSError, AttributeError):
		snap["cpu_pressure_avg10"] = None
	json.dump(snap, open(out, "w"), indent=1)


# -- report ----------------------------------------------------------------------

def parse_cpus(s):
	cpus = set()
	for part in s.split(","):
		lo, _, hi = part.partition("-")
		cpus.update(range(int(lo), int(hi or lo) + 1))
	return cpus


def load(path):
	try:
		return json.load(open(path))
	except (OSError, ValueError):
		return None


def div(a, b):
	return a / b if a is not None and b else None


def stat(stats, k, lcore, name):
	"""An lcore's figure from the app's exit JSON: lcore<N>_<name>, or <name> alone."""
	key = name if k == 1 else "lcore%d_%s" % (lcore, name)
	return stats.get(key, 0)


def window(s0, s1, lcore):
	"""(busy cycles, idle cycles, on-CPU ns, run-queue ns, wall ns, kernel share of the
	thread's CPU time) over the wrk run."""
	wall = s1["mono_ns"] - s0["mono_ns"]
	busy = idle = None
	if s0.get("counters") is not None and s1.get("counters") is not None:
		c0, c1 = s0["counters"].get(str(lcore), {}), s1["counters"].get(str(lcore), {})
		busy = c1.get("loop_busy_cycles", 0) - c0.get("loop_busy_cycles", 0)
		idle = c1.get("loop_idle_cycles", 0) - c0.get("loop_idle_cycles", 0)
	t0, t1 = s0["threads"].get(str(lcore)), s1["threads"].get(str(lcore))
	run = wait = sys_share = None
	if t0 and t1:
		run, wait = t1["run_ns"] - t0["run_ns"], t1["wait_ns"] - t0["wait_ns"]
		ut = t1["utime_ticks"] - t0["utime_ticks"]
		st = t1["stime_ticks"] - t0["stime_ticks"]
		sys_share = div(st, ut + st)
	return busy, idle, run, wait, wall, sys_share


def figures(lcore, cpu, shared, conns, req, busy, steered, rx, win):
	wbusy, widle, run, wait, wall, sys_share = win
	on_cpu = div(run, wall)
	return {"lcore": lcore, "cpu": cpu, "shares_cpu_with_load": shared,
		"connections": conns, "requests": req, "loop_busy_cycles": busy,
		"flow_rx_steered": steered, "rx_pkts": rx,
		"busy_cycles_per_request": div(busy, req),
		"steered_per_request": div(steered, req),
		"rx_frames_per_request": div(rx, req),
		"steered_of_rx_pct": None if div(steered, rx) is None else 100 * steered / rx,
		"loop_busy_pct": None if wbusy is None or wbusy + widle == 0
		else 100 * wbusy / (wbusy + widle),
		"thread_on_cpu_pct": None if on_cpu is None else 100 * on_cpu,
		"thread_runqueue_pct": None if div(wait, wall) is None else 100 * wait / wall,
		# af_packet sends with a syscall, and the kernel's receive path for
		# the peer (veth, TCP, waking wrk) runs inside it, on this CPU
		"thread_kernel_pct": None if sys_share is None else 100 * sys_share,
		# TSC ticks run on while the thread is off its CPU (the load
		# generator or anything else on the machine holds it); scaling by
		# the on-CPU share assumes preemption falls evenly on busy and idle
		# intervals: an estimate
		"busy_cycles_per_request_on_cpu_est": None if on_cpu is None or not req
		else busy * min(on_cpu, 1.0) / req,
		"window": {"busy_cycles": wbusy, "idle_cycles": widle, "on_cpu_ns": run,
			   "runqueue_ns": wait, "wall_ns": wall}}


def one_run(d, k, lcores, wrk_cpus):
	stats = load(os.path.join(d, "lcores-%d-httpd.json" % k))
	wrk = load(os.path.join(d, "lcores-%d-wrk.json" % k))
	s0 = load(os.path.join(d, "lcores-%d-snap0.json" % k))
	s1 = load(os.path.join(d, "lcores-%d-snap1.json" % k))
	if stats is None or wrk is None:
		return None
	per = []
	for lc in sorted(parse_cpus(lcores)):
		win = window(s0, s1, lc) if s0 and s1 else (None,) * 4 + (0, None)
		per.append(figures(lc, lc, lc in wrk_cpus, stat(stats, k, lc, "httpd_conns_accepted"),
				   stat(stats, k, lc, "httpd_requests"),
				   stat(stats, k, lc, "loop_busy_cycles"),
				   stat(stats, k, lc, "flow_rx_steered"), stat(stats, k, lc, "rx_pkts"),
				   win))
	tot = {key: sum(p[key] for p in per) for key in
	       ("connections", "requests", "loop_busy_cycles", "flow_rx_steered", "rx_pkts")}
	wins = [p["window"] for p in per]

	def wsum(key):
		vals = [w[key] for w in wins]
		return None if None in vals else sum(vals)
	walls = max(w["wall_ns"] for w in wins) * len(wins)
	allf = figures(None, None, any(p["shares_cpu_with_load"] for p in per),
		       tot["connections"], tot["requests"], tot["loop_busy_cycles"], tot["flow_rx_steered"], tot["rx_pkts"],
		       (wsum("busy_cycles"), wsum("idle_cycles"), wsum("on_cpu_ns"),
			wsum("runqueue_ns"), walls, None))
	return {"lcores": k, "eal_lcores": lcores, "per_lcore": per, "all": allf,
		"loadavg": s0.get("loadavg") if s0 else None,
		"cpu_pressure_avg10": s0.get("cpu_pressure_avg10") if s0 else None,
		"wrk": {"requests": wrk["requests"], "requests_per_sec": wrk["requests_per_sec"],
			"cpu_busy_pct": wrk["client_cpu"]["busy_pct"],
			"errors": sum(wrk["errors"].values()), "config": wrk["config"]}}


def compare(runs):
	"""Each lcore's busy cycles per request against the 1-lcore run's."""
	base = runs[0]["all"]["busy_cycles_per_request"]
	base_est = runs[0]["all"]["busy_cycles_per_request_on_cpu_est"]
	base_steer = runs[0]["all"]["steered_per_request"] or 0
	for run in runs:
		for f in run["per_lcore"] + [run["all"]]:
			f["busy_per_request_vs_1"] = div(f["busy_cycles_per_request"], base)
			f["on_cpu_est_vs_1"] = div(f["busy_cycles_per_request_on_cpu_est"], base_est)
			f["requests_pct"] = div(100 * f["requests"], run["all"]["requests"])
			extra = None
			spr = f["steered_per_request"]
			if base is not None and f["busy_cycles_per_request"] is not None and \
			   spr is not None and spr > base_steer:
				extra = (f["busy_cycles_per_request"] - base) / (spr - base_steer)
			f["extra_busy_cycles_per_steered_frame"] = extra


def fmt(v, form="%.0f"):
	return "n/a" if v is None else form % v


def contended(lcores):
	"""The lcores (of those given, not sharing a CPU with wrk) that held their CPU < 90%."""
	return [f for f in lcores if not f["shares_cpu_with_load"] and
		(f["thread_on_cpu_pct"] or 100) < QUIET_ON_CPU_PCT]


def goal(runs):
	one, many = runs[0], runs[-1]
	alone = [f for f in many["per_lcore"] if not f["shares_cpu_with_load"]] or many["per_lcore"]
	worst = max((f["busy_per_request_vs_1"] or 0) for f in alone)
	verdict = "met" if worst <= GOAL_RATIO else "missed"
	if contended(one["per_lcore"] + alone):
		verdict = "not judged, the machine was busy"
	ratios = ", ".join("lcore %d %s" % (f["lcore"], fmt(f["busy_per_request_vs_1"], "%.2f"))
			   for f in many["per_lcore"])
	est = ", ".join("lcore %d %s" % (f["lcore"], fmt(f["on_cpu_est_vs_1"], "%.2f"))
			for f in many["per_lcore"])
	return ("busy cycles per request, %d lcores / 1 lcore: %s (all: %s); scaled by each "
		"thread's time on its CPU: %s (all: %s). Goal (issue 10, on a device with RSS): "
		"<= %.2f; on the lcore%s with a CPU of %s own in both runs: %.2f, %s" %
		(many["lcores"], ratios, fmt(many["all"]["busy_per_request_vs_1"], "%.2f"), est,
		 fmt(many["all"]["on_cpu_est_vs_1"], "%.2f"), GOAL_RATIO,
		 "s" if len(alone) > 1 else "", "their" if len(alone) > 1 else "its",
		 worst, verdict))


def steering(runs):
	one, many = runs[0], runs[-1]
	a = many["all"]
	out = ["no device with RSS here: net_af_packet's queues are fed by the kernel's "
	       "PACKET_FANOUT hash, which tern cannot predict, so the %d-lcore figures include "
	       "software steering: %s frames steered per request (flow_rx_steered; %s%% of the "
	       "frames received); at the issue's ceiling of %d ticks per hop that is at most %s "
	       "ticks per request (bench/micro/bench_steer measures the hop itself)" %
	       (many["lcores"], fmt(a["steered_per_request"], "%.3f"),
		fmt(a["steered_of_rx_pct"], "%.1f"), HOP_CEILING_TICKS,
		fmt(div(HOP_CEILING_TICKS * a["flow_rx_steered"], a["requests"]), "%.1f"))]
	out.append("requests per lcore, %d lcores: %s. The load is closed-loop: connections "
		   "turn around at different speeds (one served on wrk's own CPU, or without a "
		   "steering hop, comes back sooner) and per-request figures weigh the fast ones "
		   "more, so frames steered per request can be well below the share of "
		   "connections whose frames arrive on the wrong queue" %
		   (many["lcores"], ", ".join("lcore %d %s%% (%d connections)" % (
			   f["lcore"], fmt(f["requests_pct"]), f["connections"])
			   for f in many["per_lcore"])))
	for f in many["per_lcore"]:
		extra = f["extra_busy_cycles_per_steered_frame"]
		if f["shares_cpu_with_load"] or extra is None:
			continue
		if contended([f] + one["per_lcore"]):
			out.append("lcore %d: the cost of a steered frame end to end is not resolved "
				   "on a busy machine (%s busy cycles per steered frame more than 1 "
				   "lcore, raw)" % (f["lcore"], fmt(extra)))
			continue
		if extra <= 0:
			out.append("lcore %d (a CPU of its own in both runs) spent no more busy cycles "
				   "per request than 1 lcore: the steering hop is below what this "
				   "measurement resolves" % f["lcore"])
			continue
		out.append("lcore %d (a CPU of its own in both runs): %s busy cycles per request "
			   "more than 1 lcore, %s per steered frame: an upper bound on the hop end "
			   "to end (fewer requests per poll and cross-core cache traffic count there "
			   "too)" % (f["lcore"], fmt(f["busy_cycles_per_request"] -
						  one["all"]["busy_cycles_per_request"]),
				     fmt(f["extra_busy_cycles_per_steered_frame"])))
	return out


def contention(runs, wrk_cpus):
	many = runs[-1]
	out = []
	for f in many["per_lcore"]:
		if f["shares_cpu_with_load"]:
			out.append("lcore %d shares CPU %d with wrk: its TSC cycles run on while wrk "
				   "holds the CPU (its thread was on the CPU %s%% of the run), so its "
				   "raw busy cycles per request are inflated; scaled: ~%s (an estimate)" %
				   (f["lcore"], f["cpu"], fmt(f["thread_on_cpu_pct"]),
				    fmt(f["busy_cycles_per_request_on_cpu_est"])))
	for run in runs:
		busy = contended(run["per_lcore"])
		if busy:
			out.append("%d lcore%s: the machine was busy (load average %s at the start, CPU "
				   "pressure some avg10 %s%%): lcore %s held %s CPU only %s%% of the run, "
				   "so raw busy cycles include time spent waiting for the CPU; compare "
				   "the scaled figures, or rerun on a quiet machine" % (
					   run["lcores"], "" if run["lcores"] == 1 else "s",
					   run["loadavg"], run["cpu_pressure_avg10"],
					   ", ".join(str(f["lcore"]) for f in busy),
					   "its" if len(busy) == 1 else "their",
					   "/".join(fmt(f["thread_on_cpu_pct"]) for f in busy)))
		lb = run["all"]["loop_busy_pct"]
		if lb is not None and lb < 90 and not busy:
			out.append("%d lcore%s: tern's loops were busy %s%% of the wrk run and wrk's "
				   "CPU %s%%: tern was not the bottleneck (%s req/s)" %
				   (run["lcores"], "" if run["lcores"] == 1 else "s", fmt(lb),
				    fmt(run["wrk"]["cpu_busy_pct"]), fmt(run["wrk"]["requests_per_sec"])))
	shared = [f for f in many["per_lcore"] if f["shares_cpu_with_load"]]
	if shared:
		out.append("this machine has %d CPUs: wrk (CPU %s) and tern's lcore %s share a CPU in "
			   "the %d-lcore run, so the two runs' req/s do not compare; per-lcore busy "
			   "cycles per request do. With more CPUs than lcores (bench/e2e/run.sh "
			   "--lcores N on a machine with N+1 CPUs or more) tern takes CPUs 1..N and "
			   "wrk the rest" % (os.cpu_count(), ",".join(map(str, sorted(wrk_cpus))),
					     ",".join(str(f["lcore"]) for f in shared), many["lcores"]))
	return out


def findings(runs, wrk_cpus):
	kern = ", ".join("%d lcore%s %s%%" % (run["lcores"], "" if run["lcores"] == 1 else "s",
					     "/".join(fmt(f["thread_kernel_pct"]) for f in run["per_lcore"]))
			 for run in runs)
	notes = ["af_packet sends with a syscall per burst, and on a veth the kernel's receive "
		 "path for the peer (TCP, waking wrk) runs inside it on tern's CPU: busy cycles "
		 "include that kernel work, in both runs alike (share of each lcore thread's CPU "
		 "time in the kernel: %s)" % kern]
	return [goal(runs)] + contention(runs, wrk_cpus) + steering(runs) + notes


def print_table(runs):
	form = "%-9s %-5s %5s %9s %9s %9s %11s %9s %6s %6s"
	print(form % ("run", "lcore", "conns", "requests", "busy/req", "(on CPU)", "vs 1 (est)",
		      "steer/req", "busy%", "oncpu%"))
	for run in runs:
		for f in run["per_lcore"] + [run["all"]]:
			print(form % (
				"%d lcore%s" % (run["lcores"], "" if run["lcores"] == 1 else "s"),
				"all" if f["lcore"] is None else f["lcore"], f["connections"],
				f["requests"], fmt(f["busy_cycles_per_request"]),
				fmt(f["busy_cycles_per_request_on_cpu_est"]),
				"%s (%s)" % (fmt(f["busy_per_request_vs_1"], "%.2f"),
					     fmt(f["on_cpu_est_vs_1"], "%.2f")),
				fmt(f["steered_per_request"], "%.3f"), fmt(f["loop_busy_pct"]),
				fmt(f["thread_on_cpu_pct"])))
		print("%-9s wrk %s req/s, CPU %s%% busy, %d errors" % (
			"", fmt(run["wrk"]["requests_per_sec"]), fmt(run["wrk"]["cpu_busy_pct"]),
			run["wrk"]["errors"]))


def cmd_report(d, wrk_cpus, specs):
	wrk_cpus = parse_cpus(wrk_cpus)
	runs = []
	for spec in specs:
		k, _, lcores = spec.partition("@")
		run = one_run(d, int(k), lcores, wrk_cpus)
		if run is None:
			print("lcores: no results of the %s-lcore run" % k, file=sys.stderr)
			return 1
		runs.append(run)
	compare(runs)
	cfg = runs[0]["wrk"]["config"]
	result = {"lcores": runs[-1]["lcores"], "device": "net_af_packet on a veth, "
		  "qpairs = lcores, software steering", "wrk_cpus": sorted(wrk_cpus),
		  "load": "wrk -t%d -c %d keep-alive %d s (kernel TCP)" % (
			  cfg["threads"], cfg["connections"], cfg["duration_s"]),
		  "runs": runs}
	result["findings"] = findings(runs, wrk_cpus)
	json.dump(result, open(os.path.join(d, "lcores.json"), "w"), indent=1)
	print_table(runs)
	for line in result["findings"]:
		print("- " + line)
	return 0


def main(argv):
	if len(argv) == 6 and argv[1] == "snap":
		cmd_snap(*argv[2:6])
		return 0
	if len(argv) >= 5 and argv[1] == "report":
		return cmd_report(argv[2], argv[3], argv[4:])
	print("usage: lcores.py snap PID MAIN_LCORE SOCKET OUT | report DIR WRK_CPUS K@LCORES...",
	      file=sys.stderr)
	return 2


if __name__ == "__main__":
	sys.exit(main(sys.argv))
