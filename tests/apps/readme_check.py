#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
#
# The README's command blocks against the programs they describe (issue 13
# item 6: "every README command runs as written"). A block the tests check
# is an indented block right after a marker line
#     <!-- runs-in-test: KIND [ARG] -->
# (blank lines between them allowed). Kinds:
#   help          app synopses ("tern-X ..." lines, continuations indented):
#                 each app's --help and --version exit 0, and every option
#                 the README names is in its --help
#   recipe FILE   the block's commands are those of FILE's header comment
#                 (config/*.ini), in order: README and file cannot diverge
#   stat-sample   tern-stat's sample: "# tern-stat ..." lines and what
#                 they printed; checked against live processes (subcommand
#                 stat-sample, run by tests/interop/readme_stat_interop.sh)
# The C snippet (```c) is extracted and built by tests/install.
#
#   readme_check.py static README BINDIR
#       the marker kinds, help and recipe blocks (no root, no network)
#   readme_check.py stat-sample README STAT PREFIX=REPLACEMENT...
#       runs each sample command (the README's --file-prefix values
#       replaced) and checks the sample's layout against the real output
# TAP lines on stdout; exit 1 when a check failed.
import os
import re
import shlex
import shutil
import subprocess
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "interop"))
import itlib  # noqa: E402
from itlib import check, note  # noqa: E402

KINDS = ("help", "recipe", "stat-sample")
MARK = re.compile(r"^<!-- runs-in-test: (\S+)(?: (\S+))? -->\s*$")


def blocks(readme):
	"""[(kind, arg, [lines of the indented block, indent removed])]."""
	with open(readme) as f:
		lines = f.read().splitlines()
	out, i = [], 0
	while i < len(lines):
		m = MARK.match(lines[i])
		i += 1
		if not m:
			continue
		while i < len(lines) and lines[i].strip() == "":
			i += 1
		body = []
		while i < len(lines) and (lines[i].startswith("    ") or lines[i].strip() == ""):
			body.append(lines[i][4:])
			i += 1
		while body and body[-1].strip() == "":
			body.pop()
		out.append((m.group(1), m.group(2), body))
	return out


def commands(lines):
	"""Shell lines with backslash continuations joined, spaces squeezed."""
	cmds, cur = [], ""
	for ln in lines:
		ln = ln.strip()
		if not ln:
			continue
		if ln.endswith("\\"):
			cur += ln[:-1].strip() + " "
			continue
		cmds.append(" ".join((cur + ln).split()))
		cur = ""
	return cmds


# -- static checks ---------------------------------------------------------------

def synopses(lines):
	"""{app: text} from "tern-X ..." lines and their indented continuations."""
	apps, cur = {}, None
	for ln in lines:
		m = re.match(r"(tern-[a-z-]+)\s(.*)$", ln)
		if m:
			cur = m.group(1)
			apps[cur] = apps.get(cur, "") + " " + m.group(2)
		elif cur is not None and ln.startswith(" "):
			apps[cur] += " " + ln
	return apps


def options(text):
	"""The option names a synopsis uses: --long and -x (not EAL's words)."""
	text = re.sub(r"\(.*?\)", " ", text)		# prose in parentheses
	return sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[a-zA-Z])(?![\w-])", text)))


def check_help(lines, bindir):
	apps = synopses(lines)
	check("help block: synopses of %s" % ", ".join(sorted(apps)), len(apps) >= 1)
	for app in sorted(apps):
		path = find_bin(bindir, app)
		if not check("%s: built (%s)" % (app, path), path is not None):
			continue
		h = subprocess.run([path, "--help"], capture_output=True, text=True, timeout=20)
		v = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=20)
		check("%s --help: exit 0, usage on stdout, nothing on stderr" % app,
		      h.returncode == 0 and h.stdout.startswith("usage: ") and h.stderr == "",
		      "exit %d\n%s" % (h.returncode, h.stderr))
		check("%s --version: exit 0, '%s <version>'" % (app, app),
		      v.returncode == 0 and re.fullmatch(re.escape(app) + r" \d+\.\d+\.\d+\n",
							 v.stdout) is not None,
		      "exit %d: %r %r" % (v.returncode, v.stdout, v.stderr))
		b = subprocess.run([path, "--bogus-option"], capture_output=True, text=True,
				   timeout=20)
		check("%s --bogus-option: exit 2, one line naming it, nothing on stdout" % app,
		      b.returncode == 2 and b.stdout == "" and len(b.stderr.splitlines()) == 1 and
		      b.stderr.startswith(app + ": ") and "--bogus-option" in b.stderr,
		      "exit %d: %r %r" % (b.returncode, b.stdout, b.stderr))
		known = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[a-zA-Z])(?![\w-])", h.stdout))
		missing = [o for o in options(apps[app]) if o not in known]
		check("%s: every option of the README's synopsis is in --help (%d)" %
		      (app, len(options(apps[app]))), not missing,
		      "not in --help: %s" % " ".join(missing))


def find_bin(bindir, app):
	for root, _, files in os.walk(bindir):
		if app in files and os.access(os.path.join(root, app), os.X_OK):
			return os.path.join(root, app)
	return None


def all_bins(bindir):
	return {f for _, _, files in os.walk(bindir) for f in files
		if re.fullmatch(r"tern-[a-z-]+", f)}


def recipe_commands(path):
	"""The header comment's commands: ';' and three spaces, then the
	command; a trailing backslash continues it on the next line."""
	lines, cont = [], False
	with open(path) as f:
		for ln in f:
			ln = ln.rstrip("\n")
			if not ln.startswith(";"):
				break
			if cont or re.match(r";   \S", ln):
				lines.append(ln[1:])
				cont = ln.endswith("\\")
	return commands(lines)


def check_recipe(lines, arg, src):
	want = recipe_commands(os.path.join(src, arg))
	got = commands(lines)
	check("recipe %s: the README block is the file's %d commands" % (arg, len(want)),
	      want and got == want,
	      "README:\n  %s\nfile:\n  %s" % ("\n  ".join(got), "\n  ".join(want)))


# Programs a reader of the README or config/ is told to run, which
# scripts/deps.sh must install (CI runs it first). Not here: iperf3 and
# perf, which only the benchmarks use (bench/e2e/run.sh installs iperf3).
TOOLS = ("dpdk-dumpcap", "dpdk-telemetry.py", "dpdk-hugepages.py", "ethtool", "nginx",
	 "wrk", "tcpdump", "tshark", "curl", "gnuplot", "ping", "ip")


def check_tools(src):
	text = open(os.path.join(src, "README.md")).read()
	for name in sorted(os.listdir(os.path.join(src, "config"))):
		if name.endswith(".ini"):
			text += open(os.path.join(src, "config", name)).read()
	named = [t for t in TOOLS if re.search(r"(?<![\w./-])%s(?![\w-])" % re.escape(t), text)]
	missing = [t for t in named if shutil.which(t) is None]
	check("the programs README and config/ name are installed (scripts/deps.sh): %s" %
	      " ".join(named), not missing, "not found: %s" % " ".join(missing))


def cmd_static(readme, bindir):
	src = os.path.dirname(os.path.abspath(readme))
	bl = blocks(readme)
	kinds = [k for k, _, _ in bl]
	check("README markers: every kind is known (%s)" % ", ".join(kinds),
	      all(k in KINDS for k in kinds))
	check("README markers: a help, a recipe and a stat-sample block",
	      all(k in kinds for k in KINDS))
	documented = set()
	for kind, arg, body in bl:
		check("%s block is not empty" % kind, bool(body))
		if kind == "help":
			check_help(body, bindir)
			documented |= set(synopses(body))
		elif kind == "recipe":
			check_recipe(body, arg, src)
	check_tools(src)
	built = all_bins(bindir)
	check("every app built has a synopsis in a help block (%s)" % ", ".join(sorted(built)),
	      built and built <= documented, "none: %s" % " ".join(sorted(built - documented)))


# -- tern-stat's sample ------------------------------------------------------------

def sample_runs(body):
	"""[(command, [lines it printed])] from "# tern-stat ..." lines."""
	runs = []
	for ln in body:
		if ln.startswith("# "):
			runs.append((ln[2:], []))
		elif runs:
			runs[-1][1].append(ln)
	return runs


def spans(line):
	return [(m.start(), m.end()) for m in re.finditer(r"\S+", line)]


def layout(name, sample, real):
	"""Rows as columns: a column whose real cells all start at one place is
	left-aligned there, all end at one place right-aligned; each sample
	cell must start (left) or end (right) at the same place."""
	cols = {}
	for ln in real:
		for i, (a, b) in enumerate(spans(ln)):
			cols.setdefault(i, (set(), set()))
			cols[i][0].add(a)
			cols[i][1].add(b)
	ncols = {len(spans(ln)) for ln in real}
	bad = []
	for ln in sample:
		sp = spans(ln)
		if len(sp) not in ncols:
			bad.append("%d columns, real rows have %r: %r" % (len(sp), ncols, ln))
			continue
		for i, (a, b) in enumerate(sp):
			starts, ends = cols[i]
			left = len(starts) == 1 and a in starts
			right = len(ends) == 1 and b in ends
			if not (left or right):
				bad.append("column %d at %d..%d (real: starts %r, ends %r): %r" %
					   (i + 1, a, b, sorted(starts), sorted(ends), ln))
				break
	check("%s: the sample's %d rows have the real column layout" % (name, len(sample)),
	      sample and real and not bad, "\n".join(bad[:6]) or "no rows in the sample or real")


def info_keys(line):
	return [w.split(":")[0] for w in line.split()]


def check_stat_run(cmd, sample, real, states):
	name = "'%s'" % cmd
	check("%s: header line as tern-stat prints it" % name,
	      bool(sample) and bool(real) and sample[0] == real[0],
	      "README: %r\nreal:   %r" % (sample[0] if sample else "", real[0] if real else ""))
	if cmd.endswith("-s | head -4"):
		check("%s: second header line too" % name, sample[1:2] == real[1:2],
		      "README: %r\nreal:   %r" % (sample[1:2], real[1:2]))
		check("%s: the same counters in the same order" % name,
		      [s.split()[0] for s in sample[2:]] == [r.split()[0] for r in real[2:]],
		      "README: %r\nreal:   %r" % (sample[2:], real[2:]))
		layout(name, sample[2:], real[2:])
		return
	s_rows = [ln for ln in sample[1:] if not ln.startswith("\t")]
	r_rows = [ln for ln in real[1:] if not ln.startswith("\t")]
	layout(name, s_rows, r_rows)
	# the states must be names tern-stat uses; not the same as now: the
	# echo client's half-closed connection may be CLOSE_WAIT or LAST_ACK
	s_states = {r.split()[-1] for r in s_rows}
	check("%s: the sample's states are tern-stat's names (%s)" %
	      (name, ",".join(sorted(s_states))), s_states <= states,
	      "unknown: %r" % (s_states - states))
	s_info = [ln for ln in sample if ln.startswith("\t")]
	r_info = [ln for ln in real if ln.startswith("\t")]
	if s_info:
		n = len(s_info)
		# the cc name first (a value, not a key), then key:value pairs
		got = [info_keys(ln)[1:] if j % n == 0 else info_keys(ln) for j, ln in
		       enumerate(r_info[:n])]
		want = [info_keys(ln)[1:] if j == 0 else info_keys(ln) for j, ln in enumerate(s_info)]
		check("%s: the internals lines have the real keys, in order" % name,
		      len(r_info) >= n and got == want,
		      "README: %r\nreal:   %r" % (want, got))
		ccs = {info_keys(ln)[0] for ln in r_info[::n]}
		check("%s: the sample's congestion control is a real one (%s)" % (name, s_info[0].split()[0]),
		      s_info[0].split()[0] in ccs, "real: %r" % ccs)
		check("%s: internals lines start with a tab and a space, as printed" % name,
		      all(ln.startswith("\t ") for ln in s_info + r_info[:n]))


def cmd_stat_sample(readme, stat, *prefixes):
	subst = dict(p.split("=", 1) for p in prefixes)
	samples = [b for k, _, b in blocks(readme) if k == "stat-sample"]
	if not check("README has one stat-sample block", len(samples) == 1):
		return
	h = subprocess.run([stat, "--help"], capture_output=True, text=True, timeout=20)
	# the state list: from the second --state (its description) to --port
	text = h.stdout.split("--state", 2)[-1].split("--port")[0]
	states = set(re.findall(r"\b[A-Z][A-Z_0-9]*[A-Z0-9]\b", text))
	check("tern-stat --help names the states (%d)" % len(states), len(states) >= 11)
	runs = sample_runs(samples[0])
	check("the sample shows %d tern-stat commands" % len(runs), len(runs) >= 3)
	for cmd, sample in runs:
		argv = shlex.split(cmd)
		if not check("'%s' is a tern-stat command" % cmd, argv[0] == "tern-stat"):
			continue
		for i, a in enumerate(argv[:-1]):
			if a == "--file-prefix":
				argv[i + 1] = subst.get(argv[i + 1], argv[i + 1])
		line = " ".join(shlex.quote(a) for a in [stat] + argv[1:])
		line = line.replace("'|'", "|")		# the sample's pipe stays a pipe
		p = subprocess.run(["bash", "-o", "pipefail", "-c", line], capture_output=True,
				   text=True, timeout=60)
		ok = p.returncode == 0 or (p.returncode == 141 and "| head" in cmd)
		check("'%s' runs (exit %d)" % (cmd, p.returncode), ok, p.stderr)
		if ok:
			check_stat_run(cmd, sample, p.stdout.splitlines(), states)
			note("real output of '%s':\n%s" % (cmd, p.stdout))


if __name__ == "__main__":
	try:
		globals()["cmd_" + sys.argv[1].replace("-", "_")](*sys.argv[2:])
	except Exception as e:		# a TAP line, not just a traceback
		import traceback
		check("%s: ran to the end" % sys.argv[1], False,
		      "%r\n%s" % (e, traceback.format_exc()))
	sys.exit(1 if itlib.failed else 0)
