# SPDX-License-Identifier: BSD-3-Clause
#
# Shared pieces of the interop tests' Python helpers (*_it.py), imported
# by them (their own folder is first on sys.path): TAP lines and the
# helper's verdict (`failed`), tern's DPDK telemetry socket, the body
# tern-httpd serves, the Internet checksum, a TCP connect that waits for a
# listener, JSON files, and `main`, the subcommand dispatcher every helper
# ends with. Run as a program it answers the shell's JSON questions
# (lib.sh's json_get and json_check): `json-get FILE EXPR` prints EXPR,
# `json-test FILE COND` exits 0 when COND holds; both are Python over `d`.
import json
import socket
import struct
import sys
import time

failed = 0		# checks that failed in this helper run: its exit status


def note(msg):
	for line in str(msg).splitlines():
		print("# " + line, flush=True)


def check(name, cond, why=""):
	"""A TAP line; on failure, WHY as diagnostics."""
	global failed
	print(("ok - " if cond else "not ok - ") + name, flush=True)
	if not cond:
		failed += 1
		if why:
			note(why)
	return cond


def tel(path, cmd, timeout=5.0, bufsize=65536):
	"""One DPDK telemetry command (its first word names the reply)."""
	with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
		s.settimeout(timeout)
		s.connect(path)
		info = json.loads(s.recv(16384).decode())
		s.send(cmd.encode())
		reply = json.loads(s.recv(max(bufsize, info.get("max_output_len", 0))).decode())
	return reply[cmd.split(",")[0]]


def delta(base, cur):
	"""Counter growth from BASE to CUR (two telemetry snapshots)."""
	return {k: cur.get(k, 0) - base.get(k, 0) for k in set(base) | set(cur)}


def settle(read, base, at_least, timeout):
	"""Wait until each counter in AT_LEAST grew by that much since BASE
	(READ() gives a snapshot) or TIMEOUT passes, give the stack 200 ms to
	finish anything in flight, and return the deltas since BASE."""
	end = time.monotonic() + timeout
	while time.monotonic() < end:
		d = delta(base, read())
		if all(d.get(k, 0) >= v for k, v in at_least.items()):
			break
		time.sleep(0.05)
	time.sleep(0.2)
	return delta(base, read())


def count_mismatches(d, exact=None, at_least=None):
	"""What in the deltas D misses EXACT (counter: value) or AT_LEAST."""
	exact = exact or {}
	at_least = at_least or {}
	bad = ["%s: got %+d, want %d" % (k, d.get(k, 0), v)
	       for k, v in exact.items() if d.get(k, 0) != v]
	bad += ["%s: got %+d, want >= %d" % (k, d.get(k, 0), v)
		for k, v in at_least.items() if d.get(k, 0) < v]
	return bad


def pattern(n):
	"""tern-httpd's /bytes/N body."""
	return bytes(ord("a") + i % 26 for i in range(n))


def cksum_fold(data):
	"""The ones' complement sum of DATA, folded to 16 bits (not inverted)."""
	if len(data) % 2:
		data += b"\0"
	s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
	while s >> 16:
		s = (s & 0xFFFF) + (s >> 16)
	return s


def inet_cksum(data):
	"""The Internet checksum (RFC 1071) of DATA."""
	return ~cksum_fold(data) & 0xFFFF


def connect_retry(ip, port, timeout=20.0, wait_s=20.0):
	"""A TCP connection; refused or unreachable for up to WAIT_S seconds
	(the app says "ready" before its lcores have listened), tried again."""
	deadline = time.time() + wait_s
	while True:
		try:
			return socket.create_connection((ip, port), timeout=timeout)
		except OSError:
			if time.time() > deadline:
				raise
			time.sleep(0.2)


def load_json(path):
	"""The JSON in PATH, or None (with a note) when it is missing or bad."""
	try:
		with open(path) as f:
			return json.load(f)
	except (OSError, ValueError) as e:
		note("%s: %s" % (path, e))
		return None


def main(commands):
	"""Run subcommand argv[1] (cmd_<name>, dashes as underscores) from the
	helper's COMMANDS (its globals()); an exception is a failed check, not
	only a traceback; exit 1 when a check failed."""
	cmd = sys.argv[1]
	try:
		commands["cmd_" + cmd.replace("-", "_")](*sys.argv[2:])
	except Exception as e:		# a TAP line, not just a traceback
		import traceback
		check("%s: helper ran to the end" % cmd, False,
		      "%r\n%s" % (e, traceback.format_exc()))
	sys.exit(1 if failed else 0)


def _json_eval(path, expr):
	with open(path) as f:
		return eval(expr, {"d": json.load(f)})


if __name__ == "__main__":
	if sys.argv[1] == "json-get":
		print(_json_eval(sys.argv[2], sys.argv[3]))
	elif sys.argv[1] == "json-test":
		sys.exit(0 if _json_eval(sys.argv[2], sys.argv[3]) else 1)
	else:
		sys.exit("itlib.py: json-get FILE EXPR | json-test FILE COND")
