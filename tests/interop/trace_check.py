#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
#
# Checks of a tern-tcp-client --trace file (run by trace_interop.sh; prints
# TAP lines, exit 0 even on failures: the TAP lines carry the verdict).
#
#   trace_check.py csv FILE PERIOD_US MIN_EPISODES   the CSV of a bulk run
#   trace_check.py json FILE                         a .json (array) trace
#   trace_check.py jsonl FILE                        a .jsonl trace
#
# The CSV checks follow from what the trace and TCP promise: the exact
# header; t_us never goes back; the first row is the connection just
# established with nothing in flight and cwnd = IW10 (RFC 6928); a row that
# no event forced is at least one period after the previous one, so the
# row count is bounded by duration / period + events; cwnd > 0, RTO at
# least SRTT; bytes in flight within cwnd (+ limited transmit and a FIN)
# except during recovery, in the SRTT before a recovery starts (RACK,
# RFC 8985 6.2, declares a loss only once its reordering window, at most
# SRTT, has passed; meanwhile SACKed segments leave the pipe and new data
# takes their place, RFC 6675 5 (3), so the flight counted from snd.una
# grows past cwnd), or after a timeout (cwnd collapsed to one
# segment, RFC 5681 3.1) until the retransmissions catch up; at least
# MIN_EPISODES fast-recovery episodes, each entered with ssthresh at least
# 2 SMSS and below the window before it, and left with cwnd at most
# ssthresh + 2 SMSS (RFC 5681 3.2 / RFC 6582 3.2: cwnd <= ssthresh on
# leaving; ACKs later in the same RX burst may add one slow-start step of
# RFC 3465's L = 2 SMSS before the row is sampled).
import csv
import json
import sys

HEADER = ["t_us", "conn", "mss", "cwnd", "ssthresh", "snd_wnd", "flight", "srtt_us",
	  "rto_us", "recovery", "state"]
INT_COLS = HEADER[:-1]
STATES = {"SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2",
	  "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT"}


def tap(ok, name, why=""):
	print(("ok - " if ok else "not ok - ") + name)
	if not ok and why:
		print("# " + why)
	return ok


def forced(prev, row):
	return (prev["ssthresh"] != row["ssthresh"] or prev["recovery"] != row["recovery"]
		or prev["state"] != row["state"])


def first_bad(rows, pred):
	for i, r in enumerate(rows):
		if not pred(i, r):
			return i, r
	return None


def check_flight(rows):
	"""flight <= cwnd + slack, except in recovery, in RACK's reordering
	window before it, and after an RTO."""
	catch_up = False
	exempt = 0
	starts = [rows[i]["t_us"] for i, _ in episodes(rows)]
	for r in rows:
		slack = 3 * r["mss"]
		if any(0 <= t - r["t_us"] <= r["srtt_us"] for t in starts):
			exempt += 1
			continue
		if r["cwnd"] <= r["mss"] and r["flight"] > r["cwnd"]:
			catch_up = True		# the loss window after a timeout
		if catch_up and r["flight"] <= r["cwnd"] + slack:
			catch_up = False
		if r["recovery"] == 1 or catch_up:
			exempt += 1
			continue
		if r["flight"] > r["cwnd"] + slack:
			return False, "t_us %d: flight %d > cwnd %d + %d" % (
				r["t_us"], r["flight"], r["cwnd"], slack), exempt
	return True, "", exempt


def episodes(rows):
	"""(entry index, exit index or None) of every recovery episode."""
	out, start = [], None
	for i, r in enumerate(rows):
		if r["recovery"] == 1 and start is None:
			start = i
		elif r["recovery"] == 0 and start is not None:
			out.append((start, i))
			start = None
	if start is not None:
		out.append((start, None))
	return out


def check_episodes(rows, min_episodes):
	eps = episodes(rows)
	print("# %d recovery episode(s)" % len(eps))
	tap(len(eps) >= min_episodes, "at least %d recovery episode(s) (got %d)" %
	    (min_episodes, len(eps)))
	bad = []
	for a, b in eps:
		e, before = rows[a], rows[a - 1] if a > 0 else None
		if e["ssthresh"] < 2 * e["mss"] or (before and e["ssthresh"] > before["cwnd"] + e["mss"]):
			bad.append("entry at %d us: ssthresh %d, cwnd before %s" % (
				e["t_us"], e["ssthresh"], before["cwnd"] if before else "-"))
		if b is not None and rows[b]["cwnd"] > rows[b]["ssthresh"] + 2 * rows[b]["mss"]:
			bad.append("exit at %d us: cwnd %d > ssthresh %d + 2 SMSS" % (
				rows[b]["t_us"], rows[b]["cwnd"], rows[b]["ssthresh"]))
	if eps:
		tap(not bad, "every recovery episode lowers ssthresh and leaves cwnd <= ssthresh + 2 SMSS",
		    "; ".join(bad[:5]))


def check_csv(path, period_us, min_episodes):
	with open(path, newline="") as f:
		rd = csv.reader(f)
		header = next(rd, None)
		raw = list(rd)
	if not tap(header == HEADER, "trace header is %s" % ",".join(HEADER), "got %s" % header):
		return
	try:
		rows = [dict(zip(HEADER, [int(v) for v in r[:-1]] + [r[-1]])) for r in raw]
	except ValueError as e:
		tap(False, "every trace row parses", str(e))
		return
	tap(all(len(r) == len(HEADER) for r in raw) and len(rows) >= 20,
	    "trace has >= 20 well-formed rows (%d)" % len(rows))
	if len(rows) < 2:
		return
	tap(all(r["conn"] == 0 for r in rows), "one connection, index 0")
	bad = first_bad(rows, lambda i, r: i == 0 or r["t_us"] >= rows[i - 1]["t_us"])
	tap(bad is None, "t_us is monotonic", "row %s" % (bad,))
	r0 = rows[0]
	tap(r0["state"] == "ESTABLISHED" and r0["flight"] == 0 and r0["cwnd"] == 10 * r0["mss"]
	    and r0["mss"] == 1460 and r0["ssthresh"] == 0,
	    "first row: ESTABLISHED, nothing in flight, cwnd = 10 * MSS 1460, ssthresh unset",
	    str(r0))
	bad = first_bad(rows, lambda i, r: r["cwnd"] > 0 and r["mss"] == r0["mss"] and
			r["state"] in STATES and r["recovery"] in (0, 1) and r["snd_wnd"] >= 0)
	tap(bad is None, "every row: cwnd > 0, a synchronized state, recovery 0/1", str(bad))
	bad = first_bad(rows, lambda i, r: r["srtt_us"] > 0 and r["rto_us"] >= r["srtt_us"])
	tap(bad is None, "every row: SRTT measured (> 0) and RTO >= SRTT", str(bad))
	# the sampling rule, and the bound on the output it gives
	n_forced = sum(1 for i in range(1, len(rows)) if forced(rows[i - 1], rows[i]))
	bad = first_bad(rows, lambda i, r: i == 0 or forced(rows[i - 1], r) or
			r["t_us"] - rows[i - 1]["t_us"] >= period_us - 1)
	tap(bad is None, "rows no event forced are >= %d us apart" % period_us, str(bad))
	bound = rows[-1]["t_us"] // period_us + n_forced + 2
	tap(len(rows) <= bound, "row count %d <= duration / period + %d events + 2 = %d" % (
		len(rows), n_forced, bound))
	ok, why, exempt = check_flight(rows)
	tap(ok, "flight <= cwnd + 3 MSS outside recovery, the SRTT before it and RTO catch-up (%d rows exempt)" %
	    exempt, why)
	tap(any(r["ssthresh"] > 0 for r in rows) or min_episodes == 0,
	    "ssthresh set by a congestion event")
	tap(rows[-1]["state"] != "ESTABLISHED" or rows[-1]["flight"] == 0,
	    "last row: closing, or nothing left in flight", str(rows[-1]))
	check_episodes(rows, min_episodes)


def check_json(path, lines):
	with open(path) as f:
		try:
			rows = [json.loads(l) for l in f if l.strip()] if lines else json.load(f)
		except ValueError as e:
			tap(False, "%s parses as %s" % (path, "JSON Lines" if lines else "JSON"), str(e))
			return
	kind = "JSON Lines" if lines else "one JSON array"
	tap(isinstance(rows, list) and len(rows) >= 2, "%s trace: %s of >= 2 rows" % (
		"jsonl" if lines else "json", kind))
	if not isinstance(rows, list) or not rows:
		return
	tap(all(list(r.keys()) == HEADER for r in rows), "every row has the CSV's keys in order")
	tap(all(isinstance(r[k], int) for r in rows for k in INT_COLS) and
	    all(r["state"] in STATES for r in rows), "numbers are integers, states are names")
	tap(rows[0]["cwnd"] == 10 * rows[0]["mss"] and rows[0]["flight"] == 0,
	    "first row: cwnd = IW10, nothing in flight", str(rows[0]))
	tap(all(rows[i]["t_us"] >= rows[i - 1]["t_us"] for i in range(1, len(rows))),
	    "t_us is monotonic")


def main(argv):
	if len(argv) >= 5 and argv[1] == "csv":
		check_csv(argv[2], int(argv[3]), int(argv[4]))
	elif len(argv) == 3 and argv[1] in ("json", "jsonl"):
		check_json(argv[2], argv[1] == "jsonl")
	else:
		print("usage: trace_check.py csv FILE PERIOD_US MIN_EPISODES | json FILE | jsonl FILE",
		      file=sys.stderr)
		return 2
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
