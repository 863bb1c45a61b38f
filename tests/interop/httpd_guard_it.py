# SPDX-License-Identifier: BSD-3-Clause
#
# Kernel side of httpd_guard_interop.sh: slow clients against tern-httpd,
# run inside that test's namespace. `attack` runs, at once: a wave of
# slowloris clients from one address (one header line every 1-2 s, never
# the end of the head; each reconnects when closed), a legitimate client
# from another address measured before, during and after the wave, and a
# client that sends a request body at a few bytes a second. It checks that
# the slowloris heads get 408 and a close at the header deadline, that
# the connections of the first wave beyond the per-address cap are reset
# at once while the other address is served, that the slow body gets 408,
# and that every legitimate request succeeds. `host` checks the Host rule
# (RFC 9112 3.2). `stats` checks tern-httpd's counters at exit against
# what `attack` saw. Prints TAP lines and "# " diagnostics; exit 1 when a
# check failed.
import json
import random
import select
import socket
import threading
import time

import itlib
from itlib import check, note

PORT = 80


def connect(server, src, timeout=5.0):
	s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	s.settimeout(timeout)
	s.bind((src, 0))
	s.connect((server, PORT))
	s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
	return s


def read_response(s):
	"""Status of one response (body read by Content-Length), or None."""
	buf = b""
	while b"\r\n\r\n" not in buf:
		d = s.recv(4096)
		if not d:
			return None
		buf += d
	head, body = buf.split(b"\r\n\r\n", 1)
	lines = head.decode("latin-1").split("\r\n")
	n = 0
	for ln in lines[1:]:
		k, _, v = ln.partition(":")
		if k.strip().lower() == "content-length":
			n = int(v)
	while len(body) < n:
		d = s.recv(65536)
		if not d:
			return None
		body += d
	return int(lines[0].split(" ")[1])


def one_request(server, src, raw):
	"""Status of a request on a new connection, or the error as a string."""
	try:
		s = connect(server, src)
		try:
			s.sendall(raw)
			st = read_response(s)
			return st if st is not None else "closed without an answer"
		finally:
			s.close()
	except OSError as e:
		return repr(e)


class Legit(threading.Thread):
	"""A request every PERIOD_S on a new connection; results by phase."""

	PERIOD_S = 0.25

	def __init__(self, server, src):
		super().__init__(daemon=True)
		self.server, self.src = server, src
		self.phase = "before"
		self.results = {"before": [], "during": [], "after": []}
		self.stop = threading.Event()

	def run(self):
		raw = b"GET /bytes/100 HTTP/1.1\r\nHost: legit\r\nConnection: close\r\n\r\n"
		while not self.stop.is_set():
			t0 = time.monotonic()
			st = one_request(self.server, self.src, raw)
			self.results[self.phase].append((st, time.monotonic() - t0))
			self.stop.wait(max(0.0, self.PERIOD_S - (time.monotonic() - t0)))


class Loris:
	"""One slowloris connection: a request line and Host, then one header
	line every 1-2 s, never the empty line."""

	def __init__(self, server, src, k, rng):
		self.k, self.rng = k, rng
		self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
		self.s.bind((src, 0))
		self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
		self.s.settimeout(5)
		self.t_first = time.monotonic()
		self.next_line = self.t_first + rng.uniform(1.0, 2.0)
		self.lines = 0
		self.buf = b""
		self.reset = False
		try:
			# a handshake that completes, then a RST: refused at accept
			# (seen by connect() itself when the RST is quick enough)
			self.s.connect((server, PORT))
			self.s.setblocking(False)
			self.s.send(b"GET / HTTP/1.1\r\nHost: loris\r\n")
		except (ConnectionResetError, BrokenPipeError):
			self.reset = True	# reset at accept, already

	def tick(self, now):
		if now < self.next_line:
			return
		self.lines += 1
		# ~100 bytes a line: above --min-rate, so only the deadline applies
		line = b"X-Loris-%d: %s\r\n" % (self.lines, b"z" * 86)
		try:
			self.s.send(line)
		except OSError:
			pass			# reset or closed: the read side says so
		self.next_line = now + self.rng.uniform(1.0, 2.0)

	def readable(self):
		"""None while open; else (kind, data) with kind 'eof' or 'reset'."""
		if self.reset:
			return ("reset", self.buf)
		try:
			d = self.s.recv(4096)
		except BlockingIOError:
			return None
		except ConnectionResetError:
			return ("reset", self.buf)
		if d:
			self.buf += d
			return None
		return ("eof", self.buf)


def slow_body(server, src, out):
	"""A GET with a 100 kB body sent at 5 bytes a second."""
	t0 = time.monotonic()
	try:
		s = connect(server, src)
		s.sendall(b"GET /bytes/10 HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
		s.setblocking(False)
		buf = b""
		while time.monotonic() - t0 < 15:
			try:
				s.send(b"hello")
			except OSError:
				pass
			r, _, _ = select.select([s], [], [], 1.0)
			if r:
				try:
					d = s.recv(4096)
				except OSError:
					d = b""
				buf += d
				if not d or b"\r\n\r\n" in buf:
					break
		out["status"] = buf.split(b"\r\n", 1)[0].decode("latin-1")
		out["secs"] = time.monotonic() - t0
		s.close()
	except OSError as e:
		out["status"] = repr(e)


def cmd_attack(server, addr_a, addr_b, n, cap, head_timeout, attack_s, out_path):
	n, cap = int(n), int(cap)
	head_timeout, attack_s = float(head_timeout), float(attack_s)
	rng = random.Random(11)
	legit = Legit(server, addr_b)
	legit.start()
	time.sleep(1.5)

	legit.phase = "during"
	body = {}
	body_thread = threading.Thread(target=slow_body, args=(server, addr_b, body), daemon=True)
	body_thread.start()
	loris, first_wave = [], []
	for k in range(n):
		try:
			loris.append(Loris(server, addr_a, k, rng))
		except OSError as e:
			note("slowloris %d: connect: %r" % (k, e))
	first_wave = list(loris)
	# the first wave's fate a moment later: the cap resets the surplus
	time.sleep(1.0)
	reset_first, open_first = 0, 0
	for lo in first_wave:
		r = lo.readable()
		if r is None:
			open_first += 1
		elif r[0] == "reset" or not r[1]:
			reset_first += 1
			lo.s.close()
			loris.remove(lo)
	b_now = one_request(server, addr_b, b"GET / HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n")
	check("per-address cap: of %d slowloris connections from %s, %d stay open and %d are "
	      "reset at accept (cap %d)" % (n, addr_a, open_first, reset_first, cap),
	      open_first == min(n, cap) and reset_first == n - min(n, cap),
	      "open %d, reset %d" % (open_first, reset_first))
	check("while %s is at its cap, a connection from %s is served (200)" % (addr_a, addr_b),
	      b_now == 200, "got %r" % (b_now,))

	# slowloris until attack_s: each closed one is replaced
	got_408, churn, early, late, other = 0, 0, [], [], []
	t_end = time.monotonic() + attack_s
	k = n
	while time.monotonic() < t_end:
		now = time.monotonic()
		for lo in list(loris):
			lo.tick(now)
			r = lo.readable()
			if r is None:
				continue
			kind, data = r
			lived = now - lo.t_first
			if data.startswith(b"HTTP/1.1 408 "):
				got_408 += 1
				if lived < head_timeout - 0.5:
					early.append(round(lived, 2))
				elif lived > head_timeout + 3:
					late.append(round(lived, 2))
			elif not data and lived < 2:
				# reset at accept: a replacement that came before the
				# close of the one it replaces was counted
				churn += 1
			else:
				other.append((kind, data[:40], round(lived, 2), lo.lines))
			lo.s.close()
			loris.remove(lo)
			try:
				loris.append(Loris(server, addr_a, k, rng))
				k += 1
			except OSError as e:
				other.append(("connect", repr(e), 0, 0))
		time.sleep(0.02)
	for lo in loris:
		lo.s.close()
	note("slowloris: %d connections in all, %d reset at accept while replacing" % (k, churn))
	check("slowloris heads are answered 408 and closed at the %.0f s header deadline, "
	      "though a line arrives every 1-2 s (%d of them)" % (head_timeout, got_408),
	      got_408 >= min(n, cap) and not early and not late and not other,
	      "early %r late %r other %r" % (early, late, other[:5]))
	body_thread.join(20)
	check("a request body sent at 5 bytes/s gets 408 (%s after %.1f s)" %
	      (body.get("status"), body.get("secs", -1)),
	      body.get("status", "").startswith("HTTP/1.1 408 "), "%r" % body)

	legit.phase = "after"
	time.sleep(2.0)
	legit.stop.set()
	legit.join(15)
	for phase in ("before", "during", "after"):
		res = legit.results[phase]
		bad = [r for r in res if r[0] != 200]
		worst = max((r[1] for r in res), default=0)
		check("legitimate client %s the attack: %d of %d requests answered 200 "
		      "(slowest %.2f s)" % (phase, len(res) - len(bad), len(res), worst),
		      len(res) > 0 and not bad, "%r" % bad[:5])
	with open(out_path, "w") as f:
		json.dump({"loris_408": got_408, "loris_reset": reset_first}, f)


def cmd_host(server, src):
	cases = [
		("HTTP/1.1 without Host", b"GET / HTTP/1.1\r\n\r\n", 400),
		("HTTP/1.1 with two Host lines",
		 b"GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", 400),
		("HTTP/1.0 with two Host lines",
		 b"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400),
		("HTTP/1.0 without Host", b"GET / HTTP/1.0\r\n\r\n", 200),
		("HTTP/1.1 with an empty Host", b"GET / HTTP/1.1\r\nHost:\r\n\r\n", 200),
	]
	for name, raw, want in cases:
		st = one_request(server, src, raw)
		check("%s: %d" % (name, want), st == want, "got %r" % (st,))


def cmd_stats(path, seen_path):
	d = json.load(open(path))
	seen = json.load(open(seen_path))
	check("--stats is a flat object of non-negative integers",
	      all(isinstance(v, int) and v >= 0 for v in d.values()),
	      "%r" % [k for k, v in d.items() if not (isinstance(v, int) and v >= 0)])
	ht = d.get("httpd_head_timeouts", -1)
	sr = d.get("httpd_slow_requests", -1)
	check("httpd_head_timeouts %d >= the %d 408s the slowloris clients read" %
	      (ht, seen["loris_408"]), ht >= seen["loris_408"] > 0)
	check("httpd_slow_requests %d >= 1" % sr, sr >= 1)
	check("httpd_status_408 %d = head timeouts + slow requests" % d.get("httpd_status_408", -1),
	      d.get("httpd_status_408") == ht + sr)
	check("httpd_conns_addr_refused %d >= the %d resets seen" %
	      (d.get("httpd_conns_addr_refused", -1), seen["loris_reset"]),
	      d.get("httpd_conns_addr_refused", -1) >= seen["loris_reset"] > 0)
	check("httpd_bad_host is 3", d.get("httpd_bad_host") == 3, "%r" % d.get("httpd_bad_host"))
	check("no connection beyond the table (httpd_conns_overflow 0), no short buffers",
	      d.get("httpd_conns_overflow") == 0 and d.get("httpd_head_buf_short") == 0
	      and d.get("httpd_mbuf_short") == 0)


if __name__ == "__main__":
	itlib.main(globals())
