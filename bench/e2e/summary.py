# SPDX-License-Identifier: BSD-3-Clause
#
# summary.md of one bench/e2e/run.sh result directory: the headline (CPU per
# request and per new connection, server and load generator, next to req/s:
# cost.json from bench/e2e/cost.py), the tern vs kernel table (tern-load's
# and wrk's JSON, side by side with tern/kernel), the loop-gap histograms of
# both tern sides per run, the
# connection-scale table when scale.sh wrote scale.csv, the 1-vs-N-lcore
# table when lcores.py wrote lcores.json, and the run's notes. run.sh calls
# it once at the end; it writes DIR/summary.md and prints it. A table
# whose inputs are all missing is left out.
#
# usage: summary.py DIR NOTES_FILE CMDLINE CONNS OPEN_RATE EAL_MEM LOAD0 IDLE_POLL
#   CONNS: the keep-alive connection counts, space-separated; OPEN_RATE:
#   the open-loop run's rate (0: none); LOAD0: load average at the start;
#   IDLE_POLL: how idle vCPUs polled during the kernel runs.
import csv
import json
import os
import platform
import sys


def load(out, name):
	try:
		return json.load(open(os.path.join(out, name + ".json")))
	except (OSError, ValueError):
		return None


def tl(d, k):		# a tern-load figure
	if d is None:
		return None
	if k == "rps":
		return d["rates"]["requests_per_s"]
	if k == "err":
		return sum(d["errors"].values())
	return d["latency_us"]["percentiles"].get(k)


def kl(d, k):		# a wrk figure
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


def cpu_model():
	for line in open("/proc/cpuinfo"):
		if line.startswith("model name"):
			return line.split(":", 1)[1].strip()
	return platform.processor()


class Versus:
	"""The tern vs kernel table: rows, and notes on runs the machine held back."""

	def __init__(self, out):
		self.out = out
		self.rows = []
		self.notes = []
		self.any = False

	def row(self, what, t, k):
		ratio = "n/a"
		if t is not None and k:
			ratio = "%.2f" % (t / k)
		self.any = self.any or t is not None or k is not None
		self.rows.append("| %s | %s | %s | %s |" % (what, fmt(t), fmt(k), ratio))

	def busy(self, k):
		if k is None or not k.get("server_cpu"):
			return
		sc, cc = k["server_cpu"], k.get("client_cpu", {})
		if (sc.get("busy_pct") or 0) < 80 and (cc.get("busy_pct") or 0) < 80:
			args = k["config"]["args"]
			self.notes.append("kernel run c=%s%s: nginx %s%% and wrk %s%% busy: neither was "
					  "the bottleneck, the machine was (compare on a quiet machine)" %
					  (k["config"]["connections"], " " + args if args else "",
					   fmt(sc.get("busy_pct")), fmt(cc.get("busy_pct"))))
		self.rows.append("| &nbsp;&nbsp;kernel side: nginx CPU busy %% / us per request; "
				 "wrk CPU busy %% | | %s / %s; %s | |"
				 % (fmt(sc.get("busy_pct")), fmt(sc.get("us_per_request")),
				    fmt(cc.get("busy_pct"))))

	def build(self, conns, rate):
		for c in conns.split():
			t, k = load(self.out, "tern-ka-c" + c), load(self.out, "kernel-ka-c" + c)
			self.row("keep-alive c=%s req/s" % c, tl(t, "rps"), kl(k, "rps"))
			for p in ("50", "99", "99.9", "99.99"):
				self.row("keep-alive c=%s p%s latency (us)" % (c, p), tl(t, p), kl(k, p))
			self.row("keep-alive c=%s errors" % c, tl(t, "err"), kl(k, "err"))
			self.busy(k)
		t, k = load(self.out, "tern-close-c8"), load(self.out, "kernel-close-c8")
		self.row("Connection: close c=8 req/s (= new conn/s)", tl(t, "rps"), kl(k, "rps"))
		for p in ("50", "99"):
			self.row("Connection: close c=8 p%s latency (us)" % p, tl(t, p), kl(k, p))
		self.row("Connection: close c=8 errors", tl(t, "err"), kl(k, "err"))
		self.busy(k)
		t, k = load(self.out, "tern-open-c100"), load(self.out, "kernel-ka-c100")
		self.row("open loop c=100 at %s req/s: achieved req/s" % rate, tl(t, "rps"), None)
		for p in ("50", "99", "99.9"):
			self.row("open loop p%s latency (us) [kernel: none measured]" % p, tl(t, p), None)
		self.row("open-loop p99 (tern) vs kernel closed-loop c=100 p50 (us)",
			 tl(t, "99"), kl(k, "50"))
		t, k = load(self.out, "tern-bulk"), load(self.out, "kernel-bulk")
		kb = None
		if k and "end" in k:
			kb = k["end"]["sum_received"]["bits_per_second"] / 1e9
		self.row("bulk, one TCP flow, no per-byte work, Gbit/s",
			 t.get("gbit_per_s") if t else None, kb)

	def markdown(self, md):
		if not self.any:
			return
		md.append("Ratios are tern/kernel: above 1 is better for req/s and Gbit/s, below 1 is "
			  "better for latency. An nginx CPU well below 100% busy means the kernel run was "
			  "held back by the machine (other processes, wake-up costs), not by nginx.")
		md.append("")
		md.append("| figure | tern | kernel | tern/kernel |")
		md.append("|---|---:|---:|---:|")
		md.extend(self.rows)


def cpu(us, cyc):
	"""'us (cycles)'"""
	if us is None:
		return "n/a"
	return "%s us (%s cyc)" % (("%.2f" % us) if us < 10 else ("%.1f" % us),
				   "n/a" if cyc is None else "%.0f" % cyc)


def times(a, b):
	return "n/a" if a is None or not b else "%.1fx" % (a / b)


def headline(cost, conns, md):
	"""The headline: req/s and CPU per request, tern vs kernel (issue 14)."""
	if cost is None or not cost.get("runs"):
		return
	runs, hz = cost["runs"], cost.get("tsc_hz")
	rows = []

	def side(t, k, who, what):
		tc = t[who] if t else {}
		kc = k[who] if k else {}
		tus = tc.get("us_per_request")
		est = tc.get("on_cpu_us_per_request_est")
		rows.append("| %s | %s; on CPU %s us | %s | %s (on CPU: %s) |" % (
			what, cpu(tus, tc.get("busy_cycles_per_request")), fmt(est),
			cpu(kc.get("us_per_request"), kc.get("cycles_per_request")),
			times(kc.get("us_per_request"), tus), times(kc.get("us_per_request"), est)))

	ka = [c for c in conns.split() if runs.get("tern-ka-c" + c) or runs.get("kernel-ka-c" + c)]
	pick = "100" if "100" in ka else (ka[0] if ka else None)
	for name, label, unit in (("ka-c%s" % pick, "keep-alive c=%s" % pick, "request"),
				  ("close-c8", "Connection: close c=8", "new connection")):
		t, k = runs.get("tern-" + name), runs.get("kernel-" + name)
		if t is None and k is None:
			continue
		tr = t["requests_per_s"] if t else None
		kr = k["requests_per_s"] if k else None
		rows.append("| **%s: %s/s** | **%s** | **%s** | **%s** |" % (
			label, "req" if unit == "request" else "new conn", fmt(tr), fmt(kr), times(tr, kr)))
		side(t, k, "server", "&nbsp;&nbsp;server CPU per %s: tern-httpd busy cycles / nginx CPU time" % unit)
		side(t, k, "client", "&nbsp;&nbsp;load generator CPU per %s: tern-load busy cycles / wrk CPU time" % unit)
	if not rows:
		return
	md.append("## Headline: CPU per request (issue 14)")
	md.append("")
	md.append("The robust figure is the server's CPU per request (and per new connection), not "
		  "req/s alone: the kernel's req/s is bounded by wrk and moves with the machine's load. "
		  "tern: the stack's busy cycles (TSC cycles from a poll that handled something to the "
		  "next poll, the app's work included) over every request of the run; kernel: nginx's "
		  "CPU time (schedstat) and wrk's user+system time over wrk's requests. Cycles at the "
		  "TSC rate (%s MHz). The last column is how many times tern is better (req/s: "
		  "tern/kernel; CPU: kernel/tern). Busy cycles are TSC time: a vCPU descheduled in a "
		  "busy poll still counts, so a loaded machine inflates tern's figure; 'on CPU' is "
		  "the thread's CPU time (schedstat; tern-load's user+system) times its loop's busy "
		  "share, per request (an estimate: it assumes deschedules fall evenly on busy and "
		  "idle polls). On a quiet machine the two agree." %
		  ("n/a" if not hz else "%.0f" % (hz / 1e6)))
	md.append("")
	md.append("| figure | tern | kernel | tern better by |")
	md.append("|---|---:|---:|---:|")
	md.extend(rows)
	md.append("")
	every = []
	for name in sorted(runs):
		r = runs[name]
		if r is None or not name.startswith("tern-"):
			continue
		sv, cl = r["server"], r["client"]
		every.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
			name, fmt(r["requests_per_s"]), fmt(r["requests_all_phases"]),
			fmt(sv["busy_cycles_per_request"]), fmt(sv["work_cycles_per_request"]),
			fmt(cl["busy_cycles_per_request"]), fmt(cl["work_cycles_per_request"]),
			" / ".join(fmt(x) for x in r.get("loadavg") or [])))
	if every:
		md.append("Every tern run (cycles per request; \"tern's own\" is loop_work_cycles, the "
			  "time inside tern_stack_poll, without the app):")
		md.append("")
		md.append("| run | req/s | requests (all phases) | tern-httpd busy | ... tern's own | "
			  "tern-load busy | ... tern's own | load average before / after |")
		md.append("|---|---:|---:|---:|---:|---:|---:|---|")
		md.extend(every)
		md.append("")


# Coarse ranges of the recorder's log2 buckets (bucket b: below 2^b us).
LONG_BUCKET = 8		# 128 us and more
GAP_RANGES = (("<16us", 0, 5), ("16-128us", 5, 8), ("128us-1ms", 8, 11),
	      ("1-8ms", 11, 14), (">=8ms", 14, 22))


def loop_table(cost, md):
	"""The loop-gap histograms of both tern sides, per run (issue 14 item 4)."""
	if cost is None or not cost.get("runs"):
		return
	rows = []
	for name in sorted(cost["runs"]):
		r = cost["runs"][name]
		if r is None or not name.startswith("tern-"):
			continue
		for who, label in (("server", "tern-httpd"), ("client", "tern-load")):
			h = r[who].get("loop")
			if not h:
				continue
			long_gaps = sum(sum(h[k]["count"][LONG_BUCKET:]) for k in ("gap_idle", "gap_busy"))
			for kind in ("gap_idle", "gap_busy", "work"):
				cnt = h[kind]["count"]
				rows.append("| %s | %s | %s | %s | %.0f | %s |" % (
					name, label, kind,
					" | ".join(fmt(sum(cnt[a:b])) for _, a, b in GAP_RANGES),
					h[kind]["max_ns"] / 1e3,
					"%s / %s" % (fmt(long_gaps), fmt(r[who].get("involuntary_switches")))
					if kind == "gap_idle" else ""))
	if not rows:
		return
	md.append("")
	md.append("Loop gaps (the loop-gap recorder, /tern/loop): polls by time. gap_idle: start to "
		  "start after an idle poll (a long one is the thread off its CPU: the host or "
		  "another process); gap_busy: after a poll that did work (tern's work plus the "
		  "app's); work: inside tern_stack_poll (a long one is a stall inside tern, or a "
		  "deschedule during it). tern-httpd's are the growth during the run (its max may "
		  "predate it), tern-load's its whole process. The last column sets the gaps of 128 us "
		  "or more (idle and busy: every gap is in one of the two) against the thread's "
		  "involuntary context switches over the same time (/proc status; GNU time for "
		  "tern-load): as many switches as long gaps means the long gaps are the scheduler's, "
		  "not tern's:")
	md.append("")
	md.append("| run | side | histogram | %s | max us | gaps >= 128 us / involuntary switches |"
		  % " | ".join(n for n, _, _ in GAP_RANGES))
	md.append("|---|---|---|%s---:|---:|" % ("---:|" * len(GAP_RANGES)))
	md.extend(rows)



def scale_table(out, md):
	"""bench/e2e/scale.sh's table, when it ran."""
	try:
		sc = list(csv.DictReader(open(os.path.join(out, "scale.csv"))))
	except (OSError, ValueError):
		sc = []
	if not sc:
		return
	md.append("")
	md.append("tern-load -> tern-httpd vs concurrent connections (bench/e2e/scale.sh, scale.csv):")
	md.append("")
	md.append("| connections | req/s | RSS KiB | KiB per connection |")
	md.append("|---:|---:|---:|---:|")
	for r in sc:
		md.append("| %s | %s | %s | %s |" % tuple(r.get(k, "") for k in
			  ("conns", "rps", "rss_kib", "kib_per_conn")))


def pct(v):
	return "n/a" if v is None else "%.0f%%" % v


def ratio(v):
	return "n/a" if v is None else "%.2f" % v


def steer(v):
	return "n/a" if v is None else "%.3f" % v


def lcores_table(out, md):
	"""lcores.py's 1-vs-N-lcore figures (lcores.json), when that section ran."""
	d = load(out, "lcores")
	if d is None or not d.get("runs"):
		return
	md.append("")
	md.append("tern-httpd on 1 vs %d lcores (%s; loaded by %s from the namespace; "
		  "lcores.json). Busy cycles are the stack's loop_busy_cycles (TSC ticks from a "
		  "poll that handled something to the next poll, the app's work included), per "
		  "request of that lcore (httpd_requests):" % (d["lcores"], d["device"], d["load"]))
	md.append("")
	md.append("| run | lcore (CPU) | connections | requests | busy cycles / request | "
		  "... scaled by time on CPU (est.) | vs 1 lcore: raw (scaled) | "
		  "frames steered / request | loop busy | thread on CPU |")
	md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for run in d["runs"]:
		name = "%d lcore%s" % (run["lcores"], "" if run["lcores"] == 1 else "s")
		for lc in run["per_lcore"] + [run["all"]]:
			where = "all" if lc["lcore"] is None else "%d (CPU %d%s)" % (
				lc["lcore"], lc["cpu"], ", shared with wrk" if lc["shares_cpu_with_load"] else "")
			md.append("| %s | %s | %s | %s | %s | %s | %s (%s) | %s | %s | %s |" % (
				name, where, fmt(lc["connections"]), fmt(lc["requests"]),
				fmt(lc["busy_cycles_per_request"]),
				fmt(lc["busy_cycles_per_request_on_cpu_est"]),
				ratio(lc["busy_per_request_vs_1"]), ratio(lc["on_cpu_est_vs_1"]),
				steer(lc["steered_per_request"]), pct(lc["loop_busy_pct"]),
				pct(lc["thread_on_cpu_pct"])))
		md.append("| %s | wrk: %s req/s, its CPU %s busy, %s errors | | | | | | | | |" % (
			name, fmt(run["wrk"]["requests_per_sec"]), pct(run["wrk"]["cpu_busy_pct"]),
			fmt(run["wrk"]["errors"])))
	md.append("")
	md.extend("- " + line for line in d["findings"])


def main(argv):
	out, notes, cmd, conns, rate, mem, load0, idle = argv[1:9]
	versus = Versus(out)
	versus.build(conns, rate)
	md = ["# tern vs Linux kernel, end to end\n"]
	md.append("- machine: nproc %d, %s, kernel %s" % (os.cpu_count(), cpu_model(),
							   platform.release()))
	md.append("- command: `%s`" % cmd)
	md.append("- pinning: server on CPU 1, client on CPU 0 (taskset); tern EAL memory: `%s`" % mem)
	if versus.any:
		md.append("- tern: tern-load -> tern-httpd over net_memif (64-byte body); kernel: wrk -t1 "
			  "-> nginx 1 worker over 127.0.0.1 (64-byte body returned from memory, "
			  "access_log off, keepalive_requests 1e9; see run.sh's header); bulk: "
			  "tern-tcp-client --source -> tern-echo --tcp-discard over memif vs iperf3 over "
			  "loopback, one flow each, same duration")
		md.append("- kernel latency percentiles are wrk's own (Lua latency:percentile, 1 us "
			  "steps, closed loop), tern's are tern-load's (closed loop, from the send)")
	md.append("- load average at start / end: %s / %s; idle vCPU polling during kernel runs: %s"
		  % (load0, os.getloadavg()[0], idle))
	md.append("")
	cost = load(out, "cost")
	headline(cost, conns, md)
	versus.markdown(md)
	loop_table(cost, md)
	scale_table(out, md)
	lcores_table(out, md)
	n = [line for line in open(notes).read().splitlines() if line.strip()] + versus.notes
	if n:
		md.append("")
		md.append("Notes:")
		md.extend("- " + line for line in n)
	text = "\n".join(md) + "\n"
	open(os.path.join(out, "summary.md"), "w").write(text)
	print(text)


if __name__ == "__main__":
	main(sys.argv)
