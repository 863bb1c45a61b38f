# SPDX-License-Identifier: BSD-3-Clause
#
# One wrk run of bench/e2e/run.sh (run_wrk) as JSON: wrk's log (its
# --latency table, and the "spectrum P US" lines the script's Lua done()
# prints), the CPU time the server and wrk used over the run, written to
# OUT. run.sh calls it once per wrk run; summary.py and lcores.py read the
# result.
#
# usage: wrk_json.py LOG OUT CONNS SECS THREADS ARGS WALL_S SERVER_CPU_S WRK_CPU_S
#   ARGS: wrk's extra arguments as one string; SERVER_CPU_S: "-" when no
#   server process was measured (its CPU is not one thread's schedstat).
import json
import re
import sys

UNIT_US = {"us": 1, "ms": 1e3, "s": 1e6, "m": 6e7}


def us(v):
	m = re.match(r"([\d.]+)(us|ms|s|m)$", v)
	return float(m.group(1)) * UNIT_US[m.group(2)] if m else None


def percentiles(t, spectrum):
	pct = {}
	for p, v in re.findall(r"^\s+(\d+(?:\.\d+)?)%\s+(\S+)$", t, re.M):
		pct[p.rstrip("0").rstrip(".") if "." in p else p] = us(v)
	for want in ("99.9", "99.99", "99.999"):	# nearest spectrum point at or above
		above = [s for s in spectrum if s["percentile"] >= float(want) - 1e-9]
		if above:
			pct[want] = above[0]["latency_us"]
	return pct


def errors(t):
	err = {"connect": 0, "read": 0, "write": 0, "timeout": 0, "non_2xx_3xx": 0}
	m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
	if m:
		for k, v in zip(("connect", "read", "write", "timeout"), m.groups()):
			err[k] = int(v)
	m = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
	if m:
		err["non_2xx_3xx"] = int(m.group(1))
	return err


def share(sec, wall):
	return 100 * sec / wall if sec is not None and wall > 0 else None


def main(argv):
	log, out, conns, secs, threads, extra, wall, srv, cli = argv[1:10]
	wall, cli = float(wall), float(cli)
	srv = None if srv == "-" else float(srv)
	t = open(log).read()
	spectrum = [{"percentile": float(p), "latency_us": float(v)}
		    for p, v in re.findall(r"^spectrum (\S+) (\d+)$", t, re.M)]
	m = re.search(r"Requests/sec:\s+([\d.]+)", t)
	m_n = re.search(r"(\d+) requests in", t)
	n = int(m_n.group(1)) if m_n else 0
	lat = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", t)
	json.dump({"tool": "wrk",
		   "config": {"connections": int(conns), "duration_s": int(secs),
			      "threads": int(threads), "args": extra},
		   "requests": n,
		   "requests_per_sec": float(m.group(1)) if m else None,
		   "latency_us": {"mean": us(lat.group(1)) if lat else None,
				  "max": us(lat.group(3)) if lat else None,
				  "percentiles": percentiles(t, spectrum),
				  "source": "wrk (Lua latency:percentile, 1 us steps)"},
		   "spectrum": spectrum,
		   "server_cpu": None if srv is None else {
			   "seconds": srv, "wall_s": wall, "busy_pct": share(srv, wall),
			   "us_per_request": 1e6 * srv / n if n else None},
		   "client_cpu": {"seconds": cli, "wall_s": wall, "busy_pct": share(cli, wall)},
		   "errors": errors(t)}, open(out, "w"), indent=1)


if __name__ == "__main__":
	main(sys.argv)
