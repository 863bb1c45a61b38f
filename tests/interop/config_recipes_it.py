# SPDX-License-Identifier: BSD-3-Clause
#
# Helper of config_recipes_interop.sh (issue 13 item 6: every file in
# config/ runs as written). For each group of config files (a file, or a
# server's file then its client's), the commands of each file's header
# comment (tests/apps/readme_check.py's reading: ';' + three spaces, with
# backslash continuations) run in order, changed only so that the test
# owns what it creates and uses the build:
#   - namespaces (`ip netns add X`), veth names (`ip link add X ... peer
#     name Y`), --file-prefix values and memif socket paths get a suffix
#     of this run; `tern-*` programs are the build's, `config/*.ini` the
#     source tree's, and tern-load's `-d 10` is `-d 2`.
# A tern-echo or tern-httpd line starts a server in the background (its
# "ready" line awaited, timeout(1) around it); tern-load and
# tern-tcp-client lines must exit 0 (tern-load also with requests > 0 and
# no error line); any other line must exit 0. A line that needs hugepages
# (a tern app without --no-huge, dpdk-dumpcap) is skipped and said so. At
# the end of a group its servers get SIGTERM and must exit 0 (every mbuf
# back), and everything the group made is removed.
#   config_recipes_it.py SRC TAG CREATED-FILE GROUP...
# GROUP is a comma-separated list of config file names, or =FILE for one
# that another test runs as written. Every config/*.ini must be in some
# group. The programs' paths come from TERN_ECHO, TERN_HTTPD, TERN_LOAD and
# TERN_TCP_CLIENT. CREATED-FILE lists what was made (one
# "kind name" per line) for the wrapper's clean-up if this is killed.
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "apps"))
from readme_check import recipe_commands  # noqa: E402
import itlib  # noqa: E402
from itlib import check, note  # noqa: E402

APPS = ("tern-echo", "tern-httpd", "tern-load", "tern-tcp-client")
SERVERS = ("tern-echo", "tern-httpd")
BINS = {a: os.environ.get("TERN_" + a[5:].upper().replace("-", "_"), a) for a in APPS}


class Group:
	def __init__(self, src, tag, created):
		self.src, self.tag, self.created = src, tag, created
		self.names = {}		# recipe name -> ours
		self.servers = []	# (name, Popen, log path)
		self.made = []		# (kind, name) to remove

	def remember(self, kind, name):
		self.made.append((kind, name))
		with open(self.created, "a") as f:
			f.write("%s %s\n" % (kind, name))

	def ours(self, kind, name):
		"""Our name for a recipe's; one name may be a namespace and a
		--file-prefix both (tern-demo): each kind is removed at the end."""
		ours = self.names.setdefault(name, "%s-%s" % (name, self.tag))
		if (kind, ours) not in self.made:
			self.remember(kind, ours)
		return ours

	def rewrite(self, cmd):
		"""Names are replaced where they are names: a namespace after
		`netns add|exec|del`, `ip -n` or `netns`, a prefix after --file-prefix, a
		veth anywhere (its names are unlike anything else), a socket path."""
		name = r"[A-Za-z0-9_.-]+"
		ns = r"((?:\bip netns (?:add|exec|del)|\bip -n|\bnetns(?! (?:add|exec|del|pids|list)\b)) )(%s)" % name
		for m in re.finditer(ns, cmd):
			self.ours("ns", m.group(2))
		for m in re.finditer(r"\bip link add (%s) type veth peer name (%s)" % (name, name), cmd):
			self.ours("link", m.group(1))
			self.ours("link", m.group(2))
		for m in re.finditer(r"--file-prefix[ =](%s)" % name, cmd):
			self.ours("prefix", m.group(1))
		for m in re.finditer(r"socket=(/\S+?\.sock)\b", cmd):
			if m.group(1) not in self.names:
				ours = m.group(1)[:-5] + "-" + self.tag + ".sock"
				self.names[m.group(1)] = ours
				self.remember("file", ours)
		cmd = re.sub(ns, lambda m: m.group(1) + self.names.get(m.group(2), m.group(2)), cmd)
		cmd = re.sub(r"(--file-prefix[ =])(%s)" % name,
			     lambda m: m.group(1) + self.names[m.group(2)], cmd)
		for kind, ours in self.made:
			old = ours[:-len(self.tag) - 1]
			if kind == "link":
				cmd = re.sub(r"(?<![\w-])%s(?![\w-])" % re.escape(old), ours, cmd)
		for old, ours in self.names.items():
			if old.startswith("/"):
				cmd = cmd.replace(old, ours)
		cmd = re.sub(r"(?<![\w/.-])(%s)(?= )" % "|".join(APPS),
			     lambda m: BINS[m.group(1)], cmd)
		cmd = re.sub(r"(?<![\w/.-])config/([\w.-]+\.ini)",
			     lambda m: os.path.join(self.src, "config", m.group(1)), cmd)
		return re.sub(r" -d 10 ", " -d 2 ", cmd)

	def run_line(self, label, cmd):
		words = cmd.split()
		if words[:3] == ["ip", "netns", "exec"]:
			words = words[4:]
		prog = os.path.basename(words[0]) if words else ""
		if prog == "dpdk-dumpcap" or (prog in APPS and "--no-huge" not in words):
			print("ok - %s # SKIP needs hugepages" % label, flush=True)
			return True
		note("$ " + cmd)
		if prog in SERVERS:
			return self.start_server(label, prog, cmd)
		limit = 300 if prog in APPS else 60
		p = subprocess.run(["timeout", "-k", "5", str(limit), "bash", "-c", cmd],
				   capture_output=True, text=True)
		out = p.stdout + p.stderr
		ok = p.returncode == 0
		why = "exit %d\n%s" % (p.returncode, "\n".join(
			ln for ln in out.splitlines()[-12:] if not ln.startswith("EAL:")))
		if ok and prog == "tern-load":
			m = re.search(r"(\d+) requests in", p.stdout)
			ok = m is not None and int(m.group(1)) > 0 and "errors" not in p.stdout
			why += "\n" + p.stdout
		elif ok and prog == "tern-tcp-client":
			note("\n".join(ln for ln in out.splitlines() if "connections ok" in ln))
		return check("%s: runs (exit %d)" % (label, p.returncode), ok, why)

	def start_server(self, label, prog, cmd):
		log = os.path.join(os.environ.get("WORK", "/tmp"), "srv-%s-%d.log" % (prog, len(self.made)))
		f = open(log, "w")
		p = subprocess.Popen(["timeout", "-k", "5", "400", "bash", "-c", cmd],
				     stdout=f, stderr=subprocess.STDOUT)
		f.close()
		self.remember("pid", str(p.pid))
		self.servers.append((prog, p, log))
		deadline = time.monotonic() + 180	# start-up took 80 s at load 17
		while time.monotonic() < deadline and p.poll() is None:
			with open(log, errors="replace") as lf:
				if re.search(r"^%s: ready" % prog, lf.read(), re.M):
					return check("%s: %s is ready (pid %d)" % (label, prog, p.pid), True)
			time.sleep(0.2)
		with open(log, errors="replace") as lf:
			tail = lf.read().splitlines()[-10:]
		return check("%s: %s is ready" % (label, prog), False,
			     "exit %r\n%s" % (p.poll(), "\n".join(tail)))

	def finish(self, name):
		for prog, p, log in reversed(self.servers):
			if p.poll() is None:
				p.terminate()
			try:
				rc = p.wait(120)
			except subprocess.TimeoutExpired:
				p.kill()
				rc = p.wait()
			with open(log, errors="replace") as lf:
				tail = [ln for ln in lf.read().splitlines() if not ln.startswith("{")][-6:]
			check("%s: %s exits 0 on SIGTERM (every mbuf back)" % (name, prog), rc == 0,
			      "exit %d\n%s" % (rc, "\n".join(tail)))
		for kind, n in self.made:
			remove(kind, n)


def remove(kind, n):
	"""What a group made: namespaces (with what runs in them), veths left in
	the root namespace, sockets, DPDK runtime directories."""
	if kind == "ns" and os.path.exists("/var/run/netns/" + n):
		pids = subprocess.run(["ip", "netns", "pids", n], capture_output=True,
				      text=True).stdout.split()
		for pid in pids:
			subprocess.run(["kill", "-KILL", pid], capture_output=True)
		subprocess.run(["ip", "netns", "del", n], capture_output=True)
	elif kind == "link" and os.path.exists("/sys/class/net/" + n):
		subprocess.run(["ip", "link", "del", n], capture_output=True)
	elif kind == "file" and os.path.exists(n):
		os.unlink(n)
	elif kind == "prefix":
		subprocess.run(["rm", "-rf", "/var/run/dpdk/" + n])


def main(src, tag, created, *groups):
	inis = sorted(f for f in os.listdir(os.path.join(src, "config")) if f.endswith(".ini"))
	grouped = {f.lstrip("=") for g in groups for f in g.split(",")}
	check("every config/*.ini is run by a group (%s)" % " ".join(inis),
	      set(inis) <= grouped, "not run: %s" % " ".join(sorted(set(inis) - grouped)))
	for g in groups:
		if g.startswith("="):
			note("%s: run as written by another test" % g[1:])
			continue
		files = g.split(",")
		grp = Group(src, tag, created)
		try:
			for f in files:
				cmds = recipe_commands(os.path.join(src, "config", f))
				if not check("%s: its header has commands (%d)" % (f, len(cmds)), cmds):
					continue
				for i, c in enumerate(cmds):
					if not grp.run_line("%s line %d" % (f, i + 1), grp.rewrite(c)):
						break
				else:
					continue
				break		# a line failed: the group's later lines cannot work
		finally:
			grp.finish(g)


if __name__ == "__main__":
	try:
		main(*sys.argv[1:])
	except Exception as e:		# a TAP line, not just a traceback
		import traceback
		check("config recipes: helper ran to the end", False,
		      "%r\n%s" % (e, traceback.format_exc()))
	sys.exit(1 if itlib.failed else 0)
