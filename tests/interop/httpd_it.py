# SPDX-License-Identifier: BSD-3-Clause
#
# Kernel side of httpd_interop.sh: raw sockets against tern-httpd (HEAD,
# pipelining, split heads, HTTP/1.0, request bodies, error statuses, the
# idle timeout) and its counters over telemetry (`tel`); prints TAP lines
# and "# " diagnostics; exits 1 when a check failed.
import json
import socket
import time

import itlib
from itlib import check, pattern

HOST = "198.18.0.2"
PORT = 80


def connect():
	s = socket.create_connection((HOST, PORT), timeout=10)
	s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
	return s


class Reader:
	"""Reads responses off one connection; knows HEAD has no body."""

	def __init__(self, s):
		self.s = s
		self.buf = b""
		self.eof = False

	def fill(self):
		d = self.s.recv(1 << 16)
		if not d:
			self.eof = True
		self.buf += d
		return bool(d)

	def response(self, head=False):
		while b"\r\n\r\n" not in self.buf:
			if not self.fill():
				return None
		h, self.buf = self.buf.split(b"\r\n\r\n", 1)
		lines = h.decode("latin-1").split("\r\n")
		parts = lines[0].split(" ", 2)
		hdrs = {}
		for ln in lines[1:]:
			k, _, v = ln.partition(":")
			hdrs[k.strip().lower()] = v.strip()
		n = 0 if head else int(hdrs.get("content-length", "0"))
		while len(self.buf) < n:
			if not self.fill():
				return None
		body, self.buf = self.buf[:n], self.buf[n:]
		return {"version": parts[0], "status": int(parts[1]), "headers": hdrs, "body": body}

	def closed(self, timeout=5.0):
		"""True when the server closes (FIN or RST) with nothing more sent."""
		self.s.settimeout(timeout)
		try:
			while self.fill():
				pass
		except ConnectionResetError:
			self.eof = True
		except socket.timeout:
			return False
		return self.eof and not self.buf


def exchange(raw, n=1):
	s = connect()
	s.sendall(raw)
	r = Reader(s)
	out = [r.response() for _ in range(n)]
	return s, r, out


def cmd_head():
	s = connect()
	s.sendall(b"HEAD /bytes/5000 HTTP/1.1\r\nHost: x\r\n\r\nGET /bytes/7 HTTP/1.1\r\nHost: x\r\n\r\n")
	r = Reader(s)
	h = r.response(head=True)
	g = r.response()
	check("HEAD: 200 with Content-Length 5000 and the type, no body bytes",
	      h is not None and h["status"] == 200 and h["headers"].get("content-length") == "5000"
	      and h["headers"].get("content-type") == "application/octet-stream"
	      and g is not None and g["status"] == 200 and g["body"] == pattern(7),
	      "%r %r" % (h, g))
	s.close()


def cmd_pipeline():
	reqs = b"".join(b"GET /bytes/%d HTTP/1.1\r\nHost: x\r\n\r\n" % n for n in (10, 2000, 30))
	s, r, out = exchange(reqs, 3)
	ok = all(o is not None and o["status"] == 200 for o in out) and \
		[len(o["body"]) for o in out] == [10, 2000, 30] and \
		all(o["body"] == pattern(len(o["body"])) for o in out)
	check("pipelining: 3 requests in one write, 3 responses in order", ok,
	      "%r" % [(o and (o["status"], len(o["body"]))) for o in out])
	s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	o = r.response()
	check("Connection: close is answered with Connection: close, then the server closes",
	      o is not None and o["status"] == 200 and
	      o["headers"].get("connection", "").lower() == "close" and r.closed(),
	      "%r" % o)
	s.close()
	# 50 pipelined requests, each head cut into pieces across writes
	s = connect()
	r = Reader(s)
	blob = b"".join(b"GET /bytes/%d HTTP/1.1\r\nHost: x\r\nX-Pad: %s\r\n\r\n" %
			(i, b"p" * (i * 37 % 300)) for i in range(50))
	for i in range(0, len(blob), 97):
		s.sendall(blob[i:i + 97])
		if i % 970 == 0:
			time.sleep(0.01)
	out = [r.response() for _ in range(50)]
	check("50 pipelined requests written in 97-byte pieces: 50 answers in order",
	      all(o is not None and o["status"] == 200 and o["body"] == pattern(i)
		  for i, o in enumerate(out)),
	      "%r" % [(o and (o["status"], len(o["body"]))) for o in out][:10])
	s.close()


def cmd_split():
	s = connect()
	r = Reader(s)
	for piece in (b"GE", b"T /bytes/33 HT", b"TP/1.1\r\nHo", b"st: x\r\n", b"\r\n"):
		s.sendall(piece)
		time.sleep(0.05)
	o = r.response()
	check("a request head sent in 5 pieces 50 ms apart is answered",
	      o is not None and o["status"] == 200 and o["body"] == pattern(33), "%r" % o)
	s.close()


def cmd_http10():
	s, r, (o,) = exchange(b"GET /bytes/5 HTTP/1.0\r\n\r\n")
	check("HTTP/1.0 without keep-alive: answered, then closed",
	      o is not None and o["status"] == 200 and o["body"] == pattern(5) and r.closed(),
	      "%r" % o)
	s.close()
	s, r, (o,) = exchange(b"GET /bytes/6 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	ok = o is not None and o["status"] == 200 and \
		o["headers"].get("connection", "").lower() == "keep-alive"
	s.sendall(b"GET /bytes/4 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	o2 = r.response()
	check("HTTP/1.0 with Connection: keep-alive: two answers on one connection",
	      ok and o2 is not None and o2["body"] == pattern(4), "%r %r" % (o, o2))
	s.close()


def cmd_body():
	s, r, out = exchange(b"GET /bytes/3 HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n"
			     b"hello world"
			     b"GET /bytes/4 HTTP/1.1\r\nHost: x\r\n\r\n", 2)
	check("GET with a Content-Length body: body discarded, next request answered",
	      [o and (o["status"], o["body"]) for o in out] == [(200, pattern(3)), (200, pattern(4))],
	      "%r" % out)
	s.close()
	s, r, out = exchange(b"GET /bytes/5 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
			     b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
			     b"GET /bytes/6 HTTP/1.1\r\nHost: x\r\n\r\n", 2)
	check("GET with a chunked body: body discarded, next request answered",
	      [o and (o["status"], o["body"]) for o in out] == [(200, pattern(5)), (200, pattern(6))],
	      "%r" % out)
	s.close()


ERRORS = [
	("garbage request line", b"\x01\x02 hello there\r\n\r\n", 400),
	("unknown path", b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", 404),
	("bad /bytes/N", b"GET /bytes/12abc HTTP/1.1\r\nHost: x\r\n\r\n", 400),
	("/bytes/N over --max-body", b"GET /bytes/1048577 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
	("POST", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", 405),
	("DELETE", b"DELETE / HTTP/1.1\r\nHost: x\r\n\r\n", 405),
	("unknown method", b"BREW / HTTP/1.1\r\nHost: x\r\n\r\n", 501),
	("9 KiB header", b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9216 + b"\r\n\r\n", 431),
	("HTTP/2.0 request line", b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
]


def cmd_errors():
	for name, raw, want in ERRORS:
		s, r, (o,) = exchange(raw)
		ok = o is not None and o["status"] == want and \
			o["headers"].get("connection", "").lower() == "close"
		if want == 405:
			ok = ok and o["headers"].get("allow") == "GET, HEAD"
		check("%s: %d, Connection: close, then closed" % (name, want), ok and r.closed(),
		      "%r" % o)
		s.close()


def cmd_idle(limit):
	s = connect()
	t0 = time.monotonic()
	r = Reader(s)
	gone = r.closed(timeout=float(limit) + 5)
	dt = time.monotonic() - t0
	check("an idle connection is closed by the server after %.1f s (limit %s s)" % (dt, limit),
	      gone and dt <= float(limit), "closed %r after %.1f s" % (gone, dt))
	s.close()
	# a partial head also times out
	s = connect()
	s.sendall(b"GET / HTTP/1.1\r\nHo")
	t0 = time.monotonic()
	gone = Reader(s).closed(timeout=float(limit) + 5)
	dt = time.monotonic() - t0
	check("a connection stuck mid-head is dropped after %.1f s" % dt,
	      gone and dt <= float(limit), "closed %r after %.1f s" % (gone, dt))
	s.close()


def cmd_tel(path, out):
	stats = itlib.tel(path, "/tern/stats", timeout=20)
	with open(out, "w") as f:
		json.dump(stats, f)


if __name__ == "__main__":
	itlib.main(globals())
