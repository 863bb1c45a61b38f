# SPDX-License-Identifier: BSD-3-Clause
#
# A tern-load JSON result against what apps/load/README.md documents
# (load_interop.sh): `load_it.py validate FILE` checks every field and its
# type, the monotonic percentiles and spectrum, the latency count against
# the requests, and no leaked mbufs or connections left open; prints a
# "# " line per fault and exits 1 when there is one.
import sys

import itlib

NUM = (int, float)
PCTS = ("50", "75", "90", "99", "99.9", "99.99", "99.999", "100")
ERRS = ("connect", "read", "write", "timeout", "reset", "non_2xx_3xx")
PHASE = ("requests", "bytes", "connections", "errors")
SCHEMA = {
	"tool": str, "version": int, "duration_s": NUM,
	"config": {"url": str, "connections": int, "duration_s": NUM, "mode": str, "rate": int,
		   "close": bool, "lcores": int, "timeout_s": NUM, "warmup_s": NUM,
		   "headers": list, "dst_ports": str, "in_flight": int},
	"totals": {"requests": int, "bytes": int, "connections": int, "requests_sent": int,
		   "warmup_requests": int, "drained_requests": int, "aborted_at_end": int,
		   "status": {k: int for k in ("1xx", "2xx", "3xx", "4xx", "5xx", "other")}},
	"rates": {"requests_per_s": NUM, "bytes_per_s": NUM, "connections_per_s": NUM},
	"latency_us": {"count": int, "min": NUM, "mean": NUM, "stdev": NUM, "max": NUM,
		       "within_stdev_pct": NUM, "percentiles": {k: NUM for k in PCTS}},
	"spectrum": list,
	"req_per_s": {"samples": int, "mean": NUM, "stdev": NUM, "max": int,
		      "within_stdev_pct": NUM},
	"errors": {k: int for k in ERRS},
	"errors_by_phase": {ph: {k: int for k in ERRS}
			    for ph in ("ramp_up", "warmup", "measured", "drain")},
	"ramp_up": {k: int for k in PHASE},
	"warmup": {k: int for k in PHASE},
	"drain": {k: int for k in PHASE},
	"connections_left_open": int, "mbufs_leaked": int,
}


def walk(obj, sch, path, bad):
	"""Every key of the schema SCH in OBJ, with its type (a bool is no number)."""
	if isinstance(sch, dict):
		if not isinstance(obj, dict):
			bad.append(path + " is not an object")
			return
		for k, s in sch.items():
			if k not in obj:
				bad.append(path + "." + k + " missing")
			else:
				walk(obj[k], s, path + "." + k, bad)
	elif not isinstance(obj, sch) or (sch is not bool and isinstance(obj, bool)):
		bad.append("%s has type %s" % (path, type(obj).__name__))


def faults(d):
	schema = dict(SCHEMA)
	if not d["config"]["close"]:
		schema["ramp_s"] = NUM		# null with --close
	bad = []
	walk(d, schema, "$", bad)
	p = d["latency_us"]["percentiles"]
	vals = [p[k] for k in PCTS]
	if vals != sorted(vals):
		bad.append("percentiles not monotonic: %s" % vals)
	sp = d["spectrum"]
	if not sp or sp[-1]["percentile"] != 100 or any(
			set(e) != {"percentile", "latency_us", "count"} for e in sp):
		bad.append("spectrum entries malformed or not ending at 100")
	if [e["latency_us"] for e in sp] != sorted(e["latency_us"] for e in sp):
		bad.append("spectrum not monotonic")
	if d["latency_us"]["count"] != d["totals"]["requests"]:
		bad.append("latency count %d != requests %d" % (d["latency_us"]["count"],
								 d["totals"]["requests"]))
	if abs(p["100"] - d["latency_us"]["max"]) > 0.01 * d["latency_us"]["max"] + 1:
		bad.append("p100 != max")
	if "errors_by_phase" in d and d["errors_by_phase"]["measured"] != d["errors"]:
		bad.append("errors_by_phase.measured != errors")
	# every connection came up during the ramp-up (ramp_s >= 0): counted there
	if not d["config"]["close"] and d["ramp_s"] >= 0 and \
			d["ramp_up"]["connections"] < d["connections_up"]:
		bad.append("keep-alive: ramp_up.connections %d < connections_up %d" % (
			d["ramp_up"]["connections"], d["connections_up"]))
	if d["mbufs_leaked"] != 0 or d["connections_left_open"] != 0:
		bad.append("leaked mbufs or connections left open")
	return bad


def cmd_validate(path):
	for b in faults(itlib.load_json(path) or {}):
		print("# " + b)
		itlib.failed += 1


if __name__ == "__main__":
	if sys.argv[1] == "validate":
		cmd_validate(sys.argv[2])
		sys.exit(1 if itlib.failed else 0)
	sys.exit("load_it.py validate FILE")
