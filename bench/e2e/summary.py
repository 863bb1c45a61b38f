# SPDX-License-Identifier: BSD-3-Clause
#
# summary.md of one bench/e2e/run.sh result directory: the tern vs kernel
# table (tern-load's and wrk's JSON, side by side with tern/kernel), the
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
	versus.markdown(md)
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
