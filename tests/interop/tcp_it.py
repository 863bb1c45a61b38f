# SPDX-License-Identifier: BSD-3-Clause
#
# Kernel side of the TCP interop test (tcp_interop.sh): every subcommand
# runs inside the test's network namespace, drives the kernel's TCP against
# tern (tern-echo on 198.18.0.2, tern-tcp-client on 198.18.1.2), prints TAP
# lines ("ok - ..."/"not ok - ...") and "# " diagnostics, and exits 1 when
# a check failed. tern-echo's counters are read live over DPDK telemetry
# (/tern/stats); `server` is the kernel echo server tern-tcp-client talks to.
import hashlib
import json
import os
import random
import re
import resource
import selectors
import signal
import socket
import struct
import subprocess
import threading
import time

import itlib
from itlib import check, delta, note

TERN_IP = "198.18.0.2"		# tern-echo
KERN_IP = "198.18.0.1"		# the kernel, on tern-echo's tap
KERN_VANISH = "198.18.0.9"	# taken away in check 8 (tern-echo side)
TERNC_IP = "198.18.1.2"		# tern-tcp-client
KERNC_IP = "198.18.1.1"		# the kernel, on the client's tap
KERNC_VANISH = "198.18.1.9"	# taken away in check 8 (client side)
ECHO_IFACE = "tern0"
CLIENT_IFACE = "ternc0"
ECHO_PORT = 7			# tern-echo --tcp, and the kernel's streaming echo
DELAYED_PORT = 8		# kernel: read to EOF, then echo it all
CLOSED_PORT = 9			# nobody listens on either side
DISCARD_PORT = 10		# tern-echo --tcp-discard, and the kernel's sink
WORK = os.environ.get("TERN_IT_WORK", ".")
TEL_PATH = os.environ.get("TERN_IT_TEL", "")
MIB = 1 << 20


# -- tern-echo's counters over DPDK telemetry (SOCK_SEQPACKET, JSON)

def tel(cmd="/tern/stats"):
	return itlib.tel(TEL_PATH, cmd)


def settle(base, at_least, timeout=10.0):
	return itlib.settle(tel, base, at_least, timeout)


def check_counts(name, d, exact=None, at_least=None):
	bad = itlib.count_mismatches(d, exact, at_least)
	return check(name, not bad, "; ".join(bad))


TCP_NOTE = ("tcp_rx_segs", "tcp_tx_segs", "tcp_tx_retrans", "tcp_rto", "tcp_fast_retrans",
	    "tcp_rx_dup", "tcp_rx_ooo", "tcp_rx_out_of_wnd", "tcp_rx_dupack",
	    "tcp_tx_zero_wnd_probe", "tcp_rx_zero_wnd_probe", "tcp_snd_full",
	    "tcp_tx_nombuf", "tcp_tx_rst", "tcp_resets", "tx_drop_full", "tx_drop_nombuf")


def note_tcp(d):
	note("tern-echo counters moved: " + ", ".join(
		"%s %+d" % (k, d[k]) for k in TCP_NOTE if d.get(k, 0)))


# -- kernel sockets

def raise_nofile(n):
	soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
	if soft < n:
		resource.setrlimit(resource.RLIMIT_NOFILE, (min(n, hard), hard))


def tcp_connect(src, dst, rcvbuf=None, timeout=30.0):
	s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	if rcvbuf:
		s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
	s.bind((src, 0))
	s.settimeout(timeout)
	s.connect(dst)
	return s


class Transfer:
	"""Stream n seeded bytes on s from a sender thread (then half-close)
	while this thread reads the echo; SHA-256 and byte counts both ways."""

	STALL_S = 15.0		# no progress either way for this long: stop, report

	def finish(self, deadline):
		"""After receive(): the kernel's view when it stalled or ran out
		of time, the sender joined, the sockets closed."""
		if self.stalled or time.monotonic() >= deadline:
			note(ss_info(self.s))
		self.join(1.0 if self.stalled else max(1.0, deadline - time.monotonic()))
		self.close()

	def __init__(self, s, n, seed, chunk=65536, shutdown=True):
		self.s, self.n, self.seed, self.chunk, self.do_shutdown = s, n, seed, chunk, shutdown
		# the sender gets its own socket object: a longer timeout than the
		# reader's polling one (both poll the same non-blocking fd)
		self.ws = s.dup()
		self.ws.settimeout(self.STALL_S)
		self.stalled = False
		self.tx, self.rx = hashlib.sha256(), hashlib.sha256()
		self.sent = self.rcvd = 0
		self.rcvd_at_shutdown = None
		self.eof = False
		self.send_err = self.recv_err = None
		self.t_send_done = self.t_recv_done = None
		self.stop = False

	def _send(self):
		rng = random.Random(self.seed)
		try:
			while self.sent < self.n and not self.stop:
				p = rng.randbytes(min(self.chunk, self.n - self.sent))
				self.tx.update(p)
				self.ws.sendall(p)
				self.sent += len(p)
			if self.do_shutdown and not self.stop:
				self.rcvd_at_shutdown = self.rcvd
				self.ws.shutdown(socket.SHUT_WR)
		except OSError as e:
			self.send_err = e
		self.t_send_done = time.monotonic()

	def start(self):
		self.t0 = time.monotonic()
		self.thread = threading.Thread(target=self._send, daemon=True)
		self.thread.start()

	def receive(self, deadline, until=None):
		"""Read until EOF, an error, the deadline or until(self) is true."""
		buf = bytearray(1 << 18)
		mv = memoryview(buf)
		self.s.settimeout(0.5)
		last, last_progress = (-1, -1), time.monotonic()
		while time.monotonic() < deadline:
			if until is not None and until(self):
				return
			if (self.sent, self.rcvd) != last:
				last, last_progress = (self.sent, self.rcvd), time.monotonic()
			elif time.monotonic() - last_progress > self.STALL_S:
				self.stalled = True
				break
			try:
				k = self.s.recv_into(buf)
			except socket.timeout:
				continue
			except OSError as e:
				self.recv_err = e
				break
			if k == 0:
				self.eof = True
				break
			self.rx.update(mv[:k])
			self.rcvd += k
		self.t_recv_done = time.monotonic()

	def join(self, timeout):
		self.thread.join(timeout)
		return not self.thread.is_alive()

	def close(self):
		self.stop = True
		for x in (self.ws, self.s):
			x.close()

	def intact(self):
		return (self.sent == self.n and self.rcvd == self.n and self.eof and
			self.send_err is None and self.recv_err is None and
			self.tx.digest() == self.rx.digest())

	def why(self):
		return ("sent %d/%d rcvd %d eof %s send error %r recv error %r%s\n"
			"sha256 sent %s\nsha256 rcvd %s" %
			(self.sent, self.n, self.rcvd, self.eof, self.send_err, self.recv_err,
			 ", STALLED: no progress either way for %.0f s" % self.STALL_S
			 if self.stalled else "", self.tx.hexdigest(), self.rx.hexdigest()))


def run_transfer(src, n, seed, rcvbuf=None, read_delay=0.0, limit=150.0, during_delay=None):
	s = tcp_connect(src, (TERN_IP, ECHO_PORT), rcvbuf=rcvbuf, timeout=2.0)
	t = Transfer(s, n, seed)
	deadline = time.monotonic() + limit
	t.start()
	if read_delay:
		time.sleep(read_delay)
		if during_delay is not None:
			during_delay(t)
	t.receive(deadline)
	t.finish(deadline)
	return t


def ss_info(s):
	"""The kernel's view of a connection (state, queues, windows)."""
	try:
		return "kernel socket: " + subprocess.run(
			["ss", "-tni", "src", "%s:%d" % s.getsockname()],
			capture_output=True, text=True, timeout=5).stdout.strip()
	except (OSError, subprocess.SubprocessError) as e:
		return "ss: %r" % e


def tap_drops(iface=ECHO_IFACE):
	"""Frames the kernel dropped on the tap (tx: towards tern)."""
	d = {}
	for k in ("tx_dropped", "rx_dropped"):
		try:
			with open("/sys/class/net/%s/statistics/%s" % (iface, k)) as f:
				d[k] = int(f.read())
		except OSError:
			d[k] = -1
	return d


# -- checks against tern-echo (kernel is the client) ---------------------

def cmd_bulk(nbytes=str(256 * MIB)):
	"""1: one connection, nbytes each way, SHA-256 of both directions."""
	n = int(nbytes)
	base = tel()
	t = run_transfer(KERN_IP, n, seed=1, limit=100.0)
	dt = (t.t_recv_done or time.monotonic()) - t.t0
	note("%d MiB echoed in %.2f s: %.1f MB/s each way (%.1f MB/s both ways)" %
	     (n // MIB, dt, n / dt / 1e6, 2 * n / dt / 1e6))
	note("sha256 sent %s" % t.tx.hexdigest())
	note("sha256 rcvd %s" % t.rx.hexdigest())
	check("1: %d MiB kernel -> tern-echo -> kernel on one connection, "
	      "SHA-256 of both directions match" % (n // MIB), t.intact(), t.why())
	d = settle(base, {"tcp_closed": 1})
	note_tcp(d)
	check_counts("1: tern counted one passive open, one orderly close, no reset or bad checksum", d,
		     exact={"tcp_passive_opens": 1, "tcp_established": 1, "tcp_closed": 1,
			    "tcp_resets": 0, "tcp_tx_rst": 0, "tcp_aborts": 0,
			    "tcp_timeout": 0, "tcp_rx_bad_csum": 0},
		     at_least={"tcp_tx_data_bytes": n})


def cmd_discard(nbytes=str(64 * MIB), sent_log="discard_sent"):
	"""9: nbytes to tern-echo's discard port, half-close, EOF and nothing
	back; appends the bytes sent to WORK/sent_log (the shell compares the sum
	with what tern-echo counted at exit)."""
	n = int(nbytes)
	base = tel()
	s = tcp_connect(KERN_IP, (TERN_IP, DISCARD_PORT))
	buf = bytes(range(256)) * 256
	sent, back, t0 = 0, b"", time.monotonic()
	try:
		while sent < n:
			sent += s.send(memoryview(buf)[:min(len(buf), n - sent)])
		s.shutdown(socket.SHUT_WR)
		while True:
			k = s.recv(65536)
			if not k:
				break
			back += k
	finally:
		s.close()
	dt = time.monotonic() - t0
	with open(os.path.join(WORK, sent_log), "a") as f:
		f.write("%d\n" % sent)
	note("%d MiB to the discard port in %.2f s: %.1f MB/s" % (n // MIB, dt, n / dt / 1e6))
	check("9: kernel sent %d bytes to tern's discard port, got EOF and nothing back" % n,
	      sent == n and not back, "sent %d, got back %d bytes" % (sent, len(back)))
	d = settle(base, {"tcp_closed": 1})
	note_tcp(d)
	check_counts("9: tern counted one passive open, one orderly close, no reset", d,
		     exact={"tcp_passive_opens": 1, "tcp_closed": 1, "tcp_resets": 0,
			    "tcp_tx_rst": 0, "tcp_aborts": 0, "tcp_rx_bad_csum": 0})


def cmd_many(count="1000"):
	"""3: count concurrent connections, each echoes 1-4 KiB, all open at once."""
	n = int(count)
	raise_nofile(n + 64)
	rng = random.Random(3)
	payload = [rng.randbytes(rng.randint(1024, 4096)) for _ in range(n)]
	base, drops0 = tel(), tap_drops()
	sel = selectors.DefaultSelector()
	socks, err = [], {}
	t0 = time.monotonic()
	for i in range(n):
		s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
		s.setblocking(False)
		s.bind((KERN_IP, 0))
		rc = s.connect_ex((TERN_IP, ECHO_PORT))
		if rc not in (0, 115):		# EINPROGRESS
			err[i] = os.strerror(rc)
		socks.append(s)
		sel.register(s, selectors.EVENT_WRITE, i)
	# phase 1: every connection established
	pending = set(range(n)) - set(err)
	deadline = time.monotonic() + 60
	while pending and time.monotonic() < deadline:
		for key, _ in sel.select(timeout=1.0):
			i = key.data
			e = socks[i].getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
			if e:
				err[i] = os.strerror(e)
			pending.discard(i)
			sel.unregister(socks[i])
	t_conn = time.monotonic() - t0
	connected = n - len(pending) - len(err)
	check("3: %d concurrent kernel connections to tern-echo established" % n,
	      connected == n, "connected %d, pending %d, errors %r" %
	      (connected, len(pending), dict(list(err.items())[:10])))
	# phase 2: send each its payload, read the echo; nobody closes yet
	off = [0] * n
	got = [bytearray() for _ in range(n)]
	todo = set()
	for i in range(n):
		if i in err or i in pending:
			continue
		sel.register(socks[i], selectors.EVENT_READ | selectors.EVENT_WRITE, i)
		todo.add(i)
	bad = {}
	deadline = time.monotonic() + 90
	while todo and time.monotonic() < deadline:
		for key, ev in sel.select(timeout=1.0):
			i, s = key.data, socks[key.data]
			try:
				if ev & selectors.EVENT_WRITE and off[i] < len(payload[i]):
					off[i] += s.send(payload[i][off[i]:])
					if off[i] == len(payload[i]):
						sel.modify(s, selectors.EVENT_READ, i)
				if ev & selectors.EVENT_READ:
					b = s.recv(8192)
					if not b:
						bad[i] = "EOF after %d bytes" % len(got[i])
					got[i] += b
					if len(got[i]) >= len(payload[i]) and i not in bad:
						if got[i] != payload[i]:
							bad[i] = "echo differs"
			except BlockingIOError:
				continue
			except OSError as e:
				bad[i] = repr(e)
			if i in bad or (off[i] == len(payload[i]) and len(got[i]) >= len(payload[i])):
				sel.unregister(s)
				todo.discard(i)
	t_echo = time.monotonic() - t0
	# tern's view while every socket is still open: n accepted, none closed
	mid = delta(base, tel())
	ok_echo = [i for i in range(n) if i not in err and i not in pending and
		   i not in bad and bytes(got[i]) == payload[i]]
	total = sum(len(payload[i]) for i in ok_echo)
	note("%d connections up in %.2f s; %d echoed (%d bytes) by %.2f s" %
	     (connected, t_conn, len(ok_echo), total, t_echo))
	check("3: all %d connections echoed their 1-4 KiB correctly while all were open" % n,
	      len(ok_echo) == n, "not done %d, failed %r" % (len(todo), dict(list(bad.items())[:10])))
	check_counts("3: tern had accepted all %d and closed none before the kernel closed any" % n, mid,
		     exact={"tcp_passive_opens": n, "tcp_closed": 0, "tcp_rx_backlog": 0,
			    "tcp_rx_no_tcb": 0})
	for s in socks:
		s.close()
	d = settle(base, {"tcp_closed": n}, timeout=20)
	note_tcp(d)
	note("the kernel dropped on the tap: %r" % delta(drops0, tap_drops()))
	check_counts("3: tern closed all %d after the kernel's FINs, without resets" % n, d,
		     exact={"tcp_passive_opens": n, "tcp_closed": n, "tcp_resets": 0,
			    "tcp_tx_rst": 0, "tcp_timeout": 0, "tcp_aborts": 0})


def cmd_halfclose(nbytes=str(MIB)):
	"""4: the kernel half-closes and still receives every echoed byte, then EOF."""
	n = int(nbytes)
	base = tel()
	t = run_transfer(KERN_IP, n, seed=4, read_delay=0.5, limit=45.0)
	after = t.rcvd - (t.rcvd_at_shutdown if t.rcvd_at_shutdown is not None else t.rcvd)
	note("kernel shut its write side having received %s bytes; %d more arrived after" %
	     (t.rcvd_at_shutdown, after))
	check("4: kernel shut its write side, still received all %d echoed bytes intact, then EOF" % n,
	      t.intact() and t.rcvd_at_shutdown is not None and after > 0,
	      t.why() + "\nbytes received after shutdown(SHUT_WR): %d" % after)
	d = settle(base, {"tcp_closed": 1})
	check_counts("4: tern closed after echoing everything, no data-after-FIN or reset", d,
		     exact={"tcp_closed": 1, "tcp_rx_data_after_fin": 0, "tcp_tx_rst": 0,
			    "tcp_resets": 0})


def cmd_zerownd(nbytes=str(4 * MIB), stall="3"):
	"""5: kernel stops reading (small SO_RCVBUF) for `stall` s, then drains."""
	n, stall = int(nbytes), float(stall)
	base = tel()
	mid = {}

	def sample(t):
		mid.update(delta(base, tel()))
		mid["_sent"] = t.sent
		mid["_ss"] = ss_info(t.s)

	t = run_transfer(KERN_IP, n, seed=5, rcvbuf=65536, read_delay=stall, limit=60.0,
			 during_delay=sample)
	dt = (t.t_recv_done or time.monotonic()) - t.t0
	note("after a %.1f s stall, %d bytes sent by the kernel so far; done in %.2f s" %
	     (stall, t.sent, dt))
	note("at the end of the stall: tcp_tx_zero_wnd_probe %+d, tcp_rx_zero_wnd_probe %+d, "
	     "tcp_snd_full %+d" % (mid.get("tcp_tx_zero_wnd_probe", 0),
				   mid.get("tcp_rx_zero_wnd_probe", 0), mid.get("tcp_snd_full", 0)))
	if "_ss" in mid:
		note("during the stall, " + mid["_ss"])
	check("5: %d MiB through a kernel receiver that stalled %.0f s arrives intact" %
	      (n // MIB, stall), t.intact(), t.why())
	check("5: the kernel's sender was held back during the stall (tern stopped taking data)",
	      mid.get("_sent", n) < n, "the kernel had sent %r of %d bytes when the stall ended" %
	      (mid.get("_sent"), n))
	d = settle(base, {"tcp_closed": 1})
	note_tcp(d)
	check_counts("5: tern probed the kernel's zero window (persist timer) during the stall",
		     mid, at_least={"tcp_tx_zero_wnd_probe": 1})
	check_counts("5: tern's own window closed and it answered the kernel's probes", d,
		     at_least={"tcp_rx_zero_wnd_probe": 1})
	check_counts("5: the connection ended in an orderly close, no timeout or reset", d,
		     exact={"tcp_closed": 1, "tcp_timeout": 0, "tcp_resets": 0, "tcp_tx_rst": 0})


def cmd_refused():
	"""6: kernel connect() to a tern port with no listener -> ECONNREFUSED."""
	base = tel()
	s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	s.bind((KERN_IP, 0))
	s.settimeout(5.0)
	try:
		s.connect((TERN_IP, CLOSED_PORT))
		res = "a connection"
	except ConnectionRefusedError:
		res = "ECONNREFUSED"
	except socket.timeout:
		res = "a timeout"
	except OSError as e:
		res = repr(e)
	finally:
		s.close()
	check("6: kernel connect() to tern port %d (no listener) gets ECONNREFUSED" % CLOSED_PORT,
	      res == "ECONNREFUSED", "got " + res)
	d = settle(base, {"tcp_tx_rst": 1})
	check_counts("6: tern counted the SYN for no connection and answered it with one RST", d,
		     exact={"tcp_rx_no_conn": 1, "tcp_tx_rst": 1, "tcp_passive_opens": 0})


def ss_lines(*filt):
	r = subprocess.run(["ss", "-tanH"] + list(filt), capture_output=True, text=True, timeout=10)
	return [l for l in r.stdout.splitlines() if l.strip()]


def cmd_timewait():
	"""7: the kernel closes first -> the kernel holds TIME-WAIT, tern does not."""
	base = tel()
	s = tcp_connect(KERN_IP, (TERN_IP, ECHO_PORT), timeout=5.0)
	local = "%s:%d" % s.getsockname()
	msg = random.Random(7).randbytes(1000)
	s.sendall(msg)
	got = b""
	try:
		while len(got) < len(msg):
			b = s.recv(4096)
			if not b:
				break
			got += b
	except OSError as e:
		note("recv: %r" % e)
	s.close()		# the kernel's FIN goes first
	check("7: 1000 bytes echoed before the kernel closes", got == msg,
	      "got %d bytes" % len(got))
	tw = []
	end = time.monotonic() + 5
	while time.monotonic() < end:
		tw = ss_lines("state", "time-wait", "src", local)
		if tw:
			break
		time.sleep(0.1)
	check("7: kernel closed first: `ss -tan state time-wait` shows %s -> %s:%d" %
	      (local, TERN_IP, ECHO_PORT), any(TERN_IP + ":%d" % ECHO_PORT in l for l in tw),
	      "ss: %r; all states of %s: %r" % (tw, local, ss_lines("src", local)))
	d = settle(base, {"tcp_closed": 1})
	check_counts("7: tern (the passive closer) went through LAST-ACK, not TIME-WAIT", d,
		     exact={"tcp_closed": 1, "tcp_time_wait": 0, "tcp_resets": 0, "tcp_tx_rst": 0})


def ip_addr_del(addr, iface):
	r = subprocess.run(["ip", "addr", "del", addr + "/24", "dev", iface],
			   capture_output=True, text=True, timeout=10)
	if r.returncode != 0:
		note("ip addr del %s: %s" % (addr, r.stderr.strip()))
	return r.returncode == 0


def cmd_vanish(retries="5", rto_max_ms="2000", limit="30"):
	"""8: the kernel peer vanishes mid-transfer; tern-echo gives up.

	The kernel keeps reading while its address goes: a reader that had
	stopped would be advertising a zero window, and tern would be probing
	it (persist) rather than retransmitting when the peer vanished. Both
	are the peer vanishing, and both must end the connection after
	`retries` unanswered segments, so the check takes either ending
	(tcp_timeout after retransmissions, tcp_persist_timeout after
	zero-window probes) and says which one it saw."""
	limit = float(limit)
	base = tel()
	s = tcp_connect(KERN_VANISH, (TERN_IP, ECHO_PORT), timeout=1.0)
	t = Transfer(s, 256 * MIB, seed=8, shutdown=False)
	t.start()
	t.receive(time.monotonic() + 20, until=lambda x: x.rcvd >= 4 * MIB)
	if t.rcvd < 4 * MIB:
		note("only %d bytes echoed before the cut: %s" % (t.rcvd, t.why()))
	cut = {"ok": False}

	def take_away():
		cut["ok"] = ip_addr_del(KERN_VANISH, ECHO_IFACE)
		cut["t"] = time.monotonic()

	cutter = threading.Thread(target=take_away, daemon=True)
	cutter.start()
	t.receive(time.monotonic() + 15, until=lambda x: not cutter.is_alive())
	cutter.join(15)
	t_cut = cut.get("t", time.monotonic())
	note("took %s away from the kernel after %d bytes echoed" % (KERN_VANISH, t.rcvd))
	t.stop = True
	ends = ("tcp_timeout", "tcp_persist_timeout")
	d = {}
	while time.monotonic() - t_cut < limit:
		d = delta(base, tel())
		if sum(d.get(k, 0) for k in ends) >= 1:
			break
		time.sleep(0.1)
	took = time.monotonic() - t_cut
	note_tcp(d)
	ended = [k for k in ends if d.get(k, 0)]
	check("8: tern-echo aborted the connection to the vanished peer within %.0f s "
	      "(%s, max_retries %s, rto_max_ms %s)" %
	      (limit, ended[0] if len(ended) == 1 else "tcp_timeout or tcp_persist_timeout",
	       retries, rto_max_ms),
	      cut["ok"] and sum(d.get(k, 0) for k in ends) == 1,
	      "tcp_timeout %+d, tcp_persist_timeout %+d after %.1f s" %
	      (d.get("tcp_timeout", 0), d.get("tcp_persist_timeout", 0), took))
	note("%s %.1f s after the peer vanished" % ("/".join(ended) or "no abort", took))
	d = settle(base, {"tcp_closed": 1})
	if d.get("tcp_persist_timeout", 0):
		# the kernel's window was closed at the cut: tern was probing it
		check_counts("8: tern sent at least %s zero-window probes before giving up, then "
			     "freed the TCB" % retries, d,
			     exact={"tcp_persist_timeout": 1, "tcp_timeout": 0, "tcp_closed": 1,
				    "tcp_resets": 0},
			     at_least={"tcp_tx_zero_wnd_probe": int(retries)})
	else:
		check_counts("8: tern retransmitted at least %s times before giving up, then freed "
			     "the TCB" % retries, d,
			     exact={"tcp_timeout": 1, "tcp_persist_timeout": 0, "tcp_closed": 1,
				    "tcp_resets": 0},
			     at_least={"tcp_tx_retrans": int(retries)})
	s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
	t.close()


def cmd_snapshot(path):
	with open(path, "w") as f:
		json.dump(tel(), f)


# -- the kernel echo server for tern-tcp-client ----------------------------

class Server:
	def __init__(self, log_path):
		self.log = open(log_path, "a")
		self.lock = threading.Lock()
		self.active = 0
		self.active_max = 0

	def record(self, rec):
		with self.lock:
			self.log.write(json.dumps(rec) + "\n")
			self.log.flush()

	def handle(self, c, peer, mode):
		with self.lock:
			self.active += 1
			self.active_max = max(self.active_max, self.active)
		local = c.getsockname()
		rx, tx = hashlib.sha256(), hashlib.sha256()
		rcvd = sent = 0
		eof, err = False, None
		t0 = time.monotonic()
		buf = bytearray(1 << 18)
		mv = memoryview(buf)
		held = bytearray()
		c.settimeout(60)
		try:
			while True:
				k = c.recv_into(buf)
				if k == 0:
					eof = True
					break
				rx.update(mv[:k])
				rcvd += k
				if mode == "echo":
					c.sendall(mv[:k])
					tx.update(mv[:k])
					sent += k
				elif mode == "discard":
					pass
				elif len(held) + k <= 64 * MIB:
					held += mv[:k]
				else:
					raise OSError("delayed echo: more than 64 MiB")
			if mode == "delayed":
				# everything goes back only after the peer's FIN
				c.sendall(held)
				tx.update(held)
				sent = len(held)
			c.shutdown(socket.SHUT_WR)
		except OSError as e:
			err = repr(e)
		finally:
			c.close()
			with self.lock:
				self.active -= 1
				amax = self.active_max
		self.record({"mode": mode, "local": "%s:%d" % local, "peer": "%s:%d" % peer,
			     "rcvd": rcvd, "rcvd_sha": rx.hexdigest(), "sent": sent,
			     "sent_sha": tx.hexdigest(), "eof": eof, "err": err,
			     "secs": round(time.monotonic() - t0, 3), "active_max": amax})

	def serve(self, port, mode):
		ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
		ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		ls.bind(("0.0.0.0", port))
		ls.listen(4096)
		threading.Thread(target=self.accept_loop, args=(ls, mode), daemon=True).start()

	def accept_loop(self, ls, mode):
		while True:
			c, peer = ls.accept()
			threading.Thread(target=self.handle, args=(c, peer, mode), daemon=True).start()


def cmd_server(log_path, ready_path):
	raise_nofile(8192)
	threading.stack_size(512 * 1024)
	srv = Server(log_path)
	srv.serve(ECHO_PORT, "echo")
	srv.serve(DELAYED_PORT, "delayed")
	srv.serve(DISCARD_PORT, "discard")
	with open(ready_path, "w") as f:
		f.write("ready\n")
	signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
	while True:
		time.sleep(3600)


# -- checks of tern-tcp-client's runs (the kernel is the server) -----------

def server_records(log_path, since):
	with open(log_path) as f:
		lines = f.readlines()[int(since):]
	return [json.loads(l) for l in lines if l.strip()]


def parse_client(out_path):
	conns, summary = {}, None
	with open(out_path, errors="replace") as f:
		for line in f:
			m = re.match(r"conn (\d+): (ok|FAILED) status (-?\d+) sent (\d+) sha256 "
				     r"([0-9a-f]{64}) rcvd (\d+) sha256 ([0-9a-f]{64})", line)
			if m:
				conns[int(m.group(1))] = {
					"ok": m.group(2) == "ok", "status": int(m.group(3)),
					"sent": int(m.group(4)), "sent_sha": m.group(5),
					"rcvd": int(m.group(6)), "rcvd_sha": m.group(7)}
			m = re.match(r"tern-tcp-client: (\d+)/(\d+) connections ok", line)
			if m:
				summary = (int(m.group(1)), int(m.group(2)))
	return conns, summary


def load_stats(path):
	try:
		with open(path) as f:
			return json.load(f)
	except (OSError, ValueError) as e:
		note("client stats %s: %s" % (path, e))
		return {}


def stats_check(name, stats, want_at_least=None, want_exact=None):
	"""Counters of a finished tern-tcp-client run (its --stats JSON)."""
	d = {k: stats.get(k, 0) for k in set(stats) | set(want_at_least or {}) | set(want_exact or {})}
	return check_counts(name, d, exact=want_exact, at_least=want_at_least)


def client_output(out):
	"""The client's whole output, and whether it reported an mbuf leak."""
	with open(out, errors="replace") as f:
		text = f.read()
	leak = "not returned to the pool" in text
	return text, leak


def cmd_verify_stream(tag, out, rc, stats_path, log_path, since, nconns, nbytes, mode, secs):
	"""2/3/4: tern-tcp-client -> kernel server; hashes on both sides must agree."""
	nconns, nbytes, rc = int(nconns), int(nbytes), int(rc)
	conns, summary = parse_client(out)
	text, leak = client_output(out)
	end = time.monotonic() + 5
	while True:	# a record is written just after the server's close
		recs = [r for r in server_records(log_path, since)
			if r["peer"].startswith(TERNC_IP + ":") and r["mode"] == mode]
		if len(recs) >= nconns or time.monotonic() > end:
			break
		time.sleep(0.1)
	ok_recs = [r for r in recs if r["eof"] and r["err"] is None and r["rcvd"] == nbytes and
		   r["sent"] == nbytes and r["rcvd_sha"] == r["sent_sha"]]
	secs = float(secs)
	if nconns == 1 and secs > 0 and rc == 0:
		note("%s: %d MiB each way in %.2f s (whole client run): %.1f MB/s each way" %
		     (tag, nbytes // MIB, secs, nbytes / secs / 1e6))
	check("%s: tern-tcp-client: %d/%d connections ok, exit status 0 (pool back to baseline)" %
	      (tag, nconns, nconns), rc == 0 and summary == (nconns, nconns) and not leak,
	      "exit %d, summary %r%s\n%s" % (rc, summary, ", mbuf leak" if leak else "",
					     "\n".join(text.splitlines()[-15:])))
	stats_check("%s: tern-tcp-client's stack: %d active opens established, no reset or timeout"
		    % (tag, nconns), load_stats(stats_path),
		    want_exact={"tcp_active_opens": nconns, "tcp_established": nconns,
				"tcp_resets": 0, "tcp_timeout": 0, "tcp_rx_bad_csum": 0})
	bad = [r for r in recs if r not in ok_recs][:5]
	check("%s: kernel %s server saw %d connections, each %d bytes in and out to EOF" %
	      (tag, mode, nconns, nbytes), len(recs) == nconns and len(ok_recs) == nconns,
	      "%d records, %d good; first bad: %r" % (len(recs), len(ok_recs), bad))
	if nconns == 1:
		c, r = conns.get(0), (recs[0] if recs else None)
		check("%s: SHA-256: client sent == kernel received, kernel sent == client received" % tag,
		      c is not None and r is not None and c["sent_sha"] == r["rcvd_sha"] and
		      c["rcvd_sha"] == r["sent_sha"] and c["sent"] == r["rcvd"] == nbytes,
		      "client %r\nkernel %r" % (c, r))
		if c is not None:
			note("sha256 sent by tern %s, received by the kernel %s" %
			     (c["sent_sha"], r["rcvd_sha"] if r else "-"))
	else:
		note("%s: at most %d connections open at once on the kernel side" %
		     (tag, max([r["active_max"] for r in recs] or [0])))
	return recs


def parse_source(out_path):
	"""--source lines: {conn: (ok, status, sent, rcvd)}, the summary."""
	conns, summary = {}, None
	with open(out_path, errors="replace") as f:
		for line in f:
			m = re.match(r"conn (\d+): (ok|FAILED) status (-?\d+) sent (\d+) rcvd (\d+) "
				     r"\(source\)$", line)
			if m:
				conns[int(m.group(1))] = (m.group(2) == "ok", int(m.group(3)),
							  int(m.group(4)), int(m.group(5)))
			m = re.match(r"tern-tcp-client: (\d+)/(\d+) connections ok", line)
			if m:
				summary = (int(m.group(1)), int(m.group(2)))
	return conns, summary


def cmd_verify_source(tag, out, rc, stats_path, log_path, since, nbytes):
	"""10: tern-tcp-client --source -> the kernel's sink: the bytes the
	client counted as sent are exactly those the kernel received (nbytes
	when given, > 0 when the run was bounded by --duration)."""
	rc, nbytes = int(rc), int(nbytes)
	conns, summary = parse_source(out)
	text, leak = client_output(out)
	end = time.monotonic() + 5
	while True:
		recs = [r for r in server_records(log_path, since)
			if r["peer"].startswith(TERNC_IP + ":") and r["mode"] == "discard"]
		if recs or time.monotonic() > end:
			break
		time.sleep(0.1)
	c, r = conns.get(0), (recs[0] if len(recs) == 1 else None)
	check("%s: tern-tcp-client --source: 1/1 connections ok, exit status 0 (pools back to "
	      "baseline)" % tag, rc == 0 and summary == (1, 1) and c is not None and c[0] and
	      not leak, "exit %d, summary %r, conn %r\n%s" % (rc, summary, c,
							     "\n".join(text.splitlines()[-10:])))
	want = nbytes if nbytes > 0 else (c[2] if c else -1)
	check("%s: the kernel's sink received exactly the %d bytes the client sent, then EOF" %
	      (tag, want), c is not None and r is not None and r["eof"] and r["err"] is None and
	      r["rcvd"] == c[2] == want and want > 0 and r["sent"] == 0 and c[3] == 0,
	      "client %r\nkernel %r" % (c, recs))
	stats_check("%s: tern-tcp-client's stack sent at least that many data bytes, refused "
		    "no send" % tag, load_stats(stats_path),
		    want_exact={"tcp_active_opens": 1, "tcp_resets": 0, "tcp_timeout": 0,
				"tcp_snd_refused": 0},
		    want_at_least={"tcp_tx_data_bytes": max(want, 0)})


def cmd_verify_halfclose(out, rc, stats_path, log_path, since, nbytes):
	"""4: tern-tcp-client half-closes, then receives everything (sent after its FIN)."""
	recs = cmd_verify_stream("4", out, rc, stats_path, log_path, since, 1, nbytes,
				 "delayed", 0)
	check("4: the kernel sent all %s bytes only after tern-tcp-client's FIN, and tern received them"
	      % nbytes, len(recs) == 1 and recs[0]["eof"] and recs[0]["sent"] == int(nbytes),
	      "records %r" % recs)


def cmd_verify_refused(out, rc, stats_path):
	"""6: tern-tcp-client to a kernel port with no listener -> status -111."""
	conns, summary = parse_client(out)
	text, leak = client_output(out)
	c = conns.get(0)
	check("6: tern-tcp-client to %s:%d (nothing listening) ends with status -111 (ECONNREFUSED)"
	      % (KERNC_IP, CLOSED_PORT), c is not None and not c["ok"] and c["status"] == -111 and
	      summary == (0, 1) and int(rc) == 1,
	      "exit %s, conn %r\n%s" % (rc, c, "\n".join(text.splitlines()[-10:])))
	check("6: tern-tcp-client's mbuf pool back to baseline after the refused connect",
	      not leak and int(rc) in (0, 1), "exit %s" % rc)
	stats_check("6: tern counted tcp_refused", load_stats(stats_path),
		    want_exact={"tcp_refused": 1, "tcp_active_opens": 1, "tcp_established": 0})


def cmd_verify_timewait(out, rc, stats_path, log_path, since):
	"""7: tern-tcp-client closes first -> tern holds TIME-WAIT, the kernel does not."""
	recs = cmd_verify_stream("7", out, rc, stats_path, log_path, since, 1, 1000, "echo", 0)
	peer = recs[0]["peer"] if recs else "?"
	tw = ss_lines("state", "time-wait", "dst", peer) if recs else ["?"]
	check("7: tern closed first: no kernel TIME-WAIT towards %s (the kernel closed second)" % peer,
	      recs and not tw, "ss: %r" % tw)
	stats_check("7: tern-tcp-client's stack counted tcp_time_wait", load_stats(stats_path),
		    want_exact={"tcp_time_wait": 1, "tcp_resets": 0, "tcp_tx_rst": 0})


def cmd_watch_vanish(limit="30"):
	"""8: wait until the kernel received 4 MiB from tern-tcp-client on
	KERNC_VANISH, then take that address away."""
	end = time.monotonic() + float(limit)
	seen = 0
	while time.monotonic() < end:
		r = subprocess.run(["ss", "-tniH", "state", "established", "src", KERNC_VANISH],
				   capture_output=True, text=True, timeout=10)
		m = re.findall(r"bytes_received:(\d+)", r.stdout)
		seen = max([int(x) for x in m] or [0])
		if seen >= 4 * MIB:
			break
		time.sleep(0.05)
	ok = seen >= 4 * MIB and ip_addr_del(KERNC_VANISH, CLIENT_IFACE)
	print("# took %s away after the kernel had received %d bytes" % (KERNC_VANISH, seen))
	check("8: tern-tcp-client was streaming to %s when it vanished (>= 4 MiB received)" %
	      KERNC_VANISH, ok, "kernel received %d bytes" % seen)
	with open(os.path.join(WORK, "vanish_t"), "w") as f:
		f.write("%f\n" % time.time())


def cmd_verify_vanish(out, rc, stats_path, secs_after):
	conns, summary = parse_client(out)
	text, leak = client_output(out)
	c = conns.get(0)
	check("8: tern-tcp-client's connection to the vanished peer ends with status -110 (ETIMEDOUT) "
	      "%.1f s after the cut" % float(secs_after),
	      c is not None and c["status"] == -110 and int(rc) == 1 and float(secs_after) < 30,
	      "exit %s, conn %r\n%s" % (rc, c, "\n".join(text.splitlines()[-10:])))
	check("8: tern-tcp-client's mbuf pool back to baseline after the timeout",
	      not leak and int(rc) in (0, 1), "exit %s" % rc)
	# the kernel server reads until the cut, so the client retransmits;
	# had the kernel's window been closed at the cut, it would be probing
	# it instead (tcp_persist_timeout), which is also the peer vanishing
	stats = load_stats(stats_path)
	if stats.get("tcp_persist_timeout", 0):
		stats_check("8: tern-tcp-client's stack counted tcp_persist_timeout", stats,
			    want_exact={"tcp_persist_timeout": 1, "tcp_timeout": 0},
			    want_at_least={"tcp_tx_zero_wnd_probe": 1})
	else:
		stats_check("8: tern-tcp-client's stack counted tcp_timeout", stats,
			    want_exact={"tcp_timeout": 1}, want_at_least={"tcp_tx_retrans": 1})


if __name__ == "__main__":
	itlib.main(globals())
