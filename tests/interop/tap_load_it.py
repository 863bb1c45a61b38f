# SPDX-License-Identifier: BSD-3-Clause
#
# Helper of tap_load_interop.sh (issue 13 item 6: the persistent
# multi-queue tap recipe of config/tap-load.ini).
#   recipe INI
#       print the commands of the INI's header comment, one per line as
#       "SECTION<TAB>COMMAND" (SECTION: setup, run, undo), continuation
#       lines joined: the lines a reader would paste, in order.
#   check JSON RC TAG LCORES
#       tern-load's result of one run: exit 0, requests > 0, every one 2xx,
#       no error of any kind or phase, every connection up, and on each of
#       the LCORES (comma-separated) requests and connections of its own.
# check prints TAP lines ("ok - ..." / "not ok - ...") and "# " notes and
# exits 1 when a check failed.
import json
import re
import sys
import itlib  # noqa: E402
from itlib import check, note  # noqa: E402


SECTIONS = (("; Set up once", "setup"), ("; Each run", "run"), ("; Undo", "undo"),
	    ("; Why", None))


def cmd_recipe(ini):
	"""Commands are the comment lines indented by three spaces after ';'
	(a trailing backslash continues one); prose lines name the section."""
	section, cmds, cur = None, [], ""
	with open(ini) as f:
		for line in f:
			line = line.rstrip("\n")
			if not line.startswith(";"):
				break			# the header comment is over
			for head, name in SECTIONS:
				if line.startswith(head):
					section = name
			m = re.match(r";   (\S.*)$", line) or (cur and re.match(r";\s+(\S.*)$", line))
			if section is None or not m:
				continue
			text = m.group(1)
			cur += text[:-1].rstrip() + " " if text.endswith("\\") else text
			if not text.endswith("\\"):
				cmds.append((section, cur))
				cur = ""
	for section, c in cmds:
		print("%s\t%s" % (section, c))
	if not {s for s, _ in cmds} >= {"setup", "run", "undo"}:
		sys.exit("%s: no setup, run and undo commands in its header" % ini)


def cmd_check(path, rc, tag, lcores):
	lcores = [int(x) for x in lcores.split(",")]
	check("%s: tern-load exited with status 0 (every mbuf back in its pool)" % tag,
	      rc == "0", "exit status " + rc)
	try:
		with open(path) as f:
			j = json.load(f)
	except (OSError, ValueError) as e:
		check("%s: tern-load wrote its JSON result" % tag, False, str(e))
		return
	# every kind of error in every phase (ramp-up, warm-up, measured, drain)
	bad = {"%s_%s" % (ph, k): v for ph, e in j["errors_by_phase"].items()
	       for k, v in e.items() if v}
	t, conns = j["totals"], j["config"]["connections"]
	check("%s: %d requests, all 2xx; %d of %d connections up; no errors %r" %
	      (tag, t["requests"], j["connections_up"], conns, bad),
	      t["requests"] > 0 and t["status"]["2xx"] == t["requests"] and not bad and
	      j["connections_up"] == conns and j["connections_left_open"] == 0)
	d = j.get("lcores", {})
	per = {lc: (d.get("lcore%d_requests" % lc, 0), d.get("lcore%d_connections_up" % lc, 0),
		    d.get("lcore%d_flow_rx_steered" % lc, 0)) for lc in lcores}
	note("%s: per lcore (requests, connections up, frames steered to it): %r" % (tag, per))
	check("%s: every lcore of %r served requests on connections of its own" % (tag, lcores),
	      all(r > 0 and u > 0 for r, u, _ in per.values()),
	      "lcores object: %r" % d)
	drops = {lc: d.get("lcore%d_flow_ring_full" % lc, 0) for lc in lcores}
	check("%s: no frame lost in software steering (flow_ring_full %r)" % (tag, drops),
	      not any(drops.values()))


if __name__ == "__main__":
	try:
		globals()["cmd_" + sys.argv[1]](*sys.argv[2:])
	except Exception as e:		# a TAP line, not just a traceback
		import traceback
		check("%s: helper ran to the end" % sys.argv[1], False,
		      "%r\n%s" % (e, traceback.format_exc()))
	sys.exit(1 if itlib.failed else 0)
