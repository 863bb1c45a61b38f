# SPDX-License-Identifier: BSD-3-Clause
#
# Kernel side and checks of the multi-core interop test
# (multicore_interop.sh): HTTP clients and a UDP client with many source
# ports (each run inside the test's network namespace, so the kernel's flow
# hash spreads them over tern's queues), DPDK telemetry reads, and the
# per-lcore assertions on the apps' exit JSON. Every subcommand prints TAP
# lines ("ok - ..." / "not ok - ...") and "# " diagnostics and exits 1 when
# a check failed.
#
# Per-lcore figures are the apps' flat "lcore<N>_<name>" keys, written only
# when more than one lcore runs; with one lcore the plain key is that
# lcore's figure.
import json
import random
import selectors
import socket
import subprocess
import threading
import time

import itlib
from itlib import check, load_json, note, pattern

# Short socket timeouts: a connection lost to a misdirected frame fails in
# seconds, not minutes (every connect and read of a clean run takes ms).
SOCK_TIMEOUT = 5

# Counters that must stay 0 in a clean run: a RST or an unmatched segment
# would be misdirection answered wrongly; the flow_* drops are steering
# that lost a frame.
CLEAN_ZERO = ("tcp_tx_rst", "tcp_rx_no_conn", "tcp_resets", "flow_ring_full",
	      "flow_no_owner", "flow_share_nombuf")


def lcore_value(d, lcores, lc, name):
	"""An lcore's figure: its lcore<N>_ key, or the plain key with one lcore."""
	if len(lcores) == 1:
		return d.get(name, 0)
	return d.get("lcore%d_%s" % (lc, name), 0)


def parse_lcores(s):
	return [int(x) for x in s.split(",") if x != ""]


# -- telemetry ------------------------------------------------------------------

def tel(path, cmd):
	return itlib.tel(path, cmd, timeout=20)


def cmd_tel_lcores(path, lcores, counter, tag):
	"""/tern/lcores answers one object per lcore; `counter` > 0 on each."""
	lcores = parse_lcores(lcores)
	try:
		d = tel(path, "/tern/lcores")
	except (OSError, ValueError, KeyError) as e:
		check("%s: /tern/lcores answers" % tag, False, repr(e))
		return
	got = sorted(int(k) for k in d)
	check("%s: /tern/lcores has one object per lcore %r" % (tag, lcores), got == lcores,
	      "keys %r" % got)
	vals = {lc: d.get(str(lc), {}).get(counter, 0) for lc in lcores}
	check("%s: live, every lcore's %s > 0: %r" % (tag, counter, vals),
	      all(v > 0 for v in vals.values()))
	try:
		one = tel(path, "/tern/lcores," + counter)
		check("%s: /tern/lcores,%s gives that counter alone per lcore" % (tag, counter),
		      all(list(one.get(str(lc), {}).keys()) == [counter] for lc in lcores),
		      "%r" % one)
	except (OSError, ValueError, KeyError) as e:
		check("%s: /tern/lcores,%s answers" % (tag, counter), False, repr(e))


# -- HTTP clients ---------------------------------------------------------------

def http_get(s, buf, path, close):
	"""One request on s; returns (status, body, server_closes, buf)."""
	req = "GET %s HTTP/1.1\r\nHost: x\r\n%s\r\n" % (path, "Connection: close\r\n" if close else "")
	s.sendall(req.encode())
	while b"\r\n\r\n" not in buf:
		d = s.recv(65536)
		if not d:
			raise ConnectionError("EOF in the response head")
		buf += d
	head, buf = buf.split(b"\r\n\r\n", 1)
	lines = head.decode("latin-1").split("\r\n")
	hdrs = {}
	for ln in lines[1:]:
		k, _, v = ln.partition(":")
		hdrs[k.strip().lower()] = v.strip()
	n = int(hdrs.get("content-length", "0"))
	while len(buf) < n:
		d = s.recv(65536)
		if not d:
			raise ConnectionError("EOF in the body")
		buf += d
	body, buf = buf[:n], buf[n:]
	return int(lines[0].split(" ")[1]), body, hdrs.get("connection", "").lower() == "close", buf


def eof_after(s, timeout=SOCK_TIMEOUT):
	s.settimeout(timeout)
	try:
		return s.recv(1) == b""
	except ConnectionResetError:
		return False		# a RST is not an orderly close


class Tally:
	def __init__(self):
		self.lock = threading.Lock()
		self.ok = 0
		self.conns = 0
		self.bad = []

	def fail(self, what):
		with self.lock:
			self.bad.append(what)


def sizes(seed, n):
	rng = random.Random(seed)
	return [rng.choice((0, 1, 64, 1000, 1448, 1449, 5000, 65536, 100000)) for _ in range(n)]


def wait_all(barrier):
	try:
		barrier.wait()
	except threading.BrokenBarrierError:
		pass			# some never connected: reported by the caller


def keepalive_client(host, port, i, reqs, t, barrier):
	try:
		s = socket.create_connection((host, port), timeout=SOCK_TIMEOUT)
		s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
	except OSError as e:
		t.fail("conn %d: connect: %r" % (i, e))
		wait_all(barrier)
		return
	with t.lock:
		t.conns += 1
	wait_all(barrier)		# every connection open at once
	buf = b""
	try:
		for j, n in enumerate(sizes(i, reqs)):
			st, body, _, buf = http_get(s, buf, "/bytes/%d" % n, close=False)
			if st != 200 or body != pattern(n):
				t.fail("conn %d req %d: status %d, %d bytes (want %d)" % (i, j, st, len(body), n))
				return
			with t.lock:
				t.ok += 1
		s.shutdown(socket.SHUT_WR)
		if not eof_after(s):
			t.fail("conn %d: no orderly close after our FIN" % i)
	except OSError as e:
		t.fail("conn %d: %r" % (i, e))
	finally:
		s.close()


def close_client(host, port, i, t):
	n = sizes(1000 + i, 1)[0]
	try:
		s = socket.create_connection((host, port), timeout=SOCK_TIMEOUT)
		st, body, closes, buf = http_get(s, b"", "/bytes/%d" % n, close=True)
		with t.lock:
			t.conns += 1
		if st != 200 or body != pattern(n) or not closes or buf:
			t.fail("close %d: status %d, %d bytes (want %d), Connection: close %s" %
			       (i, st, len(body), n, closes))
		elif not eof_after(s):
			t.fail("close %d: the server did not close after Connection: close" % i)
		else:
			with t.lock:
				t.ok += 1
		s.close()
	except OSError as e:
		t.fail("close %d: %r" % (i, e))


def run_threads(targets, limit):
	ths = [threading.Thread(target=f, args=a, daemon=True) for f, a in targets]
	for th in ths:
		th.start()
	end = time.monotonic() + limit
	for th in ths:
		th.join(max(0.1, end - time.monotonic()))
	return sum(th.is_alive() for th in ths)


def cmd_http(host, port, conns, reqs, closes, tally_path, tag):
	"""`conns` keep-alive connections open at once, `reqs` requests each,
	then `closes` one-request Connection: close connections, 32 at a time;
	every body byte-exact; the counts go to tally_path for the checks."""
	port, conns, reqs, closes = int(port), int(conns), int(reqs), int(closes)
	t = Tally()
	barrier = threading.Barrier(conns, timeout=2 * SOCK_TIMEOUT)
	t0 = time.monotonic()
	stuck = run_threads([(keepalive_client, (host, port, i, reqs, t, barrier))
			     for i in range(conns)], 60)
	ka_conns, ka_ok = t.conns, t.ok
	check("%s: %d kernel keep-alive connections open at once, %d requests each, "
	      "bodies byte-exact, orderly close" % (tag, conns, reqs),
	      ka_conns == conns and ka_ok == conns * reqs and not t.bad and not stuck,
	      "connected %d, answered %d of %d, %d stuck; first failures: %r" %
	      (ka_conns, ka_ok, conns * reqs, stuck, t.bad[:5]))
	t2 = Tally()
	for k in range(0, closes, 32):
		stuck += run_threads([(close_client, (host, port, i, t2))
				      for i in range(k, min(closes, k + 32))], 3 * SOCK_TIMEOUT)
	check("%s: %d Connection: close requests, each on its own connection, answered "
	      "byte-exact, then closed by the server" % (tag, closes),
	      t2.ok == closes and not t2.bad and not stuck,
	      "answered %d of %d; first failures: %r" % (t2.ok, closes, t2.bad[:5]))
	note("%s: %d + %d connections, %d + %d requests in %.2f s" %
	     (tag, ka_conns, t2.conns, ka_ok, t2.ok, time.monotonic() - t0))
	with open(tally_path, "w") as f:
		json.dump({"conns": ka_conns + t2.conns, "requests": ka_ok + t2.ok}, f)


def cmd_wait_closed(ip, limit="20"):
	"""Until the kernel has no connection with `ip` other than in TIME-WAIT
	(so stopping the server resets nothing)."""
	end = time.monotonic() + float(limit)
	left = []
	while time.monotonic() < end:
		r = subprocess.run(["ss", "-Htn", "state", "connected", "exclude", "time-wait",
				    "dst", ip], capture_output=True, text=True, timeout=10)
		left = [ln for ln in r.stdout.splitlines() if ln.strip()]
		if not left:
			return
		time.sleep(0.1)
	check("every kernel connection to %s closed within %s s" % (ip, limit), False,
	      "still open: %r" % left[:5])


# -- UDP client -----------------------------------------------------------------

UDP_WINDOW = 64		# datagrams in flight at most
UDP_RESEND_S = 1.0		# unanswered this long: sent again ...
UDP_TRIES = 3			# ... up to this many times in all


def cmd_udp(host, port, nsocks, per_sock, tally_path, tag):
	"""nsocks sockets (distinct source ports), per_sock datagrams each, at
	most UDP_WINDOW in flight; every one answered with the same bytes from
	host:port. UDP may lose a datagram on a loaded machine: one unanswered
	for UDP_RESEND_S is sent again (the resends are counted and reported)."""
	port, nsocks, per_sock = int(port), int(nsocks), int(per_sock)
	sel = selectors.DefaultSelector()
	socks = []
	for i in range(nsocks):
		s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		s.bind(("0.0.0.0", 0))
		s.setblocking(False)
		socks.append(s)
		sel.register(s, selectors.EVENT_READ, i)
	rng = random.Random(7)
	todo = [(i, b"%d:%d:" % (i, r) + rng.randbytes(rng.randrange(0, 1000)))
		for r in range(per_sock) for i in range(nsocks)]
	todo.reverse()
	flight = {}			# (sock, payload) -> (tries, last sent)
	got, sent, bad, lost = 0, 0, [], []
	end = time.monotonic() + 60
	while (todo or flight) and time.monotonic() < end:
		now = time.monotonic()
		for key, (tries, t) in list(flight.items()):
			if now - t < UDP_RESEND_S:
				continue
			if tries >= UDP_TRIES:
				lost.append(key)
				del flight[key]
				continue
			socks[key[0]].sendto(key[1], (host, port))
			flight[key] = (tries + 1, now)
			sent += 1
		while todo and len(flight) < UDP_WINDOW:
			key = todo.pop()
			socks[key[0]].sendto(key[1], (host, port))
			flight[key] = (1, now)
			sent += 1
		for skey, _ in sel.select(timeout=0.1):
			while True:
				try:
					p, src = socks[skey.data].recvfrom(65536)
				except BlockingIOError:
					break
				if src != (host, port):
					bad.append((skey.data, src, p[:20]))
				elif flight.pop((skey.data, p), None) is not None:
					got += 1	# a late duplicate of a resend is ignored
	n = nsocks * per_sock
	note("%s: %d datagrams sent (%d resends), %d answered" % (tag, sent, sent - n, got))
	check("%s: %d datagrams from %d source ports, every one echoed byte-identical" %
	      (tag, n, nsocks), got == n and not bad,
	      "echoed %d of %d, %d lost after %d tries, unexpected %d: %r" %
	      (got, n, len(lost), UDP_TRIES, len(bad), bad[:5]))
	for s in socks:
		s.close()
	with open(tally_path, "w") as f:
		json.dump({"datagrams": got, "sent": sent}, f)


# -- checks on the exit JSON ------------------------------------------------------

def common_checks(tag, d, lcores, conn_key):
	"""Every lcore owned connections; no RST or unmatched segment; with
	more than one lcore, steering happened where the device spreads flows
	by a hash tern cannot predict (tap, af_packet), and none was needed
	between two terns over memif."""
	per = {lc: lcore_value(d, lcores, lc, conn_key) for lc in lcores}
	check("%s: every lcore owned connections (%s per lcore: %r)" % (tag, conn_key, per),
	      all(v > 0 for v in per.values()))
	dirty = {k: d.get(k, 0) for k in CLEAN_ZERO if d.get(k, 0)}
	per_rst = {lc: lcore_value(d, lcores, lc, "tcp_tx_rst") for lc in lcores}
	check("%s: no RST sent, no segment without a connection, no steering drop" % tag,
	      not dirty, "%r; tcp_tx_rst per lcore %r" % (dirty, per_rst))
	if len(lcores) > 1:
		st = {lc: lcore_value(d, lcores, lc, "flow_rx_steered") for lc in lcores}
		if tag.startswith("memif"):
			# two tern processes with the same number of queues: memif
			# joins queue i to queue i and both ends compute the same
			# symmetric owner, so every frame already lands home
			check("%s: no frame needed steering between two terns (flow_rx_steered %r)"
			      % (tag, st), sum(st.values()) == 0)
		else:
			check("%s: frames steered to their owning lcore (flow_rx_steered %r)"
			      % (tag, st), sum(st.values()) > 0)


def positive_ints(tag, d, only_prefix=""):
	"""The exit JSON is an object of integers; those named only_prefix...
	(all when empty) are positive: per-lcore keys are written non-zero only."""
	ok = isinstance(d, dict) and all(isinstance(v, int) for v in d.values()) and all(
		v > 0 for k, v in d.items() if k.startswith(only_prefix))
	return check("%s: the exit JSON is an object of integers, %s positive" %
		     (tag, "the %s* ones" % only_prefix if only_prefix else "all"), ok,
		     "%r" % (d if not isinstance(d, dict) else
			     {k: v for k, v in d.items() if not (isinstance(v, int) and v > 0)}))


def cmd_check_httpd(stats_path, lcores, tally_path, rc, tag):
	"""tern-httpd's exit: status 0 (pool back), counts match the clients."""
	lcores = parse_lcores(lcores)
	check("%s: tern-httpd exited with status 0 (every mbuf back in its pool)" % tag,
	      rc == "0", "exit status " + rc)
	d = load_json(stats_path)
	tally = load_json(tally_path) if tally_path != "-" else None
	if not positive_ints(tag, d, "lcore"):
		return
	if tally is not None:
		check("%s: tern-httpd answered the %d requests on %d connections the kernel made" %
		      (tag, tally["requests"], tally["conns"]),
		      d.get("httpd_requests") == tally["requests"] and
		      d.get("httpd_conns_accepted") == tally["conns"] and
		      d.get("tcp_passive_opens") == tally["conns"],
		      "httpd_requests %s, httpd_conns_accepted %s, tcp_passive_opens %s" %
		      (d.get("httpd_requests"), d.get("httpd_conns_accepted"),
		       d.get("tcp_passive_opens")))
	per = {lc: lcore_value(d, lcores, lc, "httpd_requests") for lc in lcores}
	check("%s: every lcore served requests, and they add up (%r)" % (tag, per),
	      all(v > 0 for v in per.values()) and sum(per.values()) == d.get("httpd_requests"))
	common_checks(tag, d, lcores, "httpd_conns_accepted")


def cmd_check_echo(stats_path, lcores, tally_path, rc, tag):
	lcores = parse_lcores(lcores)
	check("%s: tern-echo exited with status 0 (every mbuf back in its pool)" % tag,
	      rc == "0", "exit status " + rc)
	d = load_json(stats_path)
	tally = load_json(tally_path)
	if not positive_ints(tag, d) or tally is None:
		return
	per = {lc: lcore_value(d, lcores, lc, "udp_tx_pkts") for lc in lcores}
	tx = d.get("udp_tx_pkts", 0)
	check("%s: tern echoed between the %d datagrams answered and the %d sent (resends "
	      "included): %d, and every lcore sent some (%r)" %
	      (tag, tally["datagrams"], tally["sent"], tx, per),
	      tally["datagrams"] <= tx <= tally["sent"] and all(v > 0 for v in per.values()))
	if len(lcores) > 1:
		app = {lc: d.get("lcore%d_echo_udp_datagrams" % lc, 0) for lc in lcores}
		check("%s: every lcore's app echoed datagrams, %d in all (%r)" % (tag, tx, app),
		      all(v > 0 for v in app.values()) and sum(app.values()) == tx)
	drops = {k: d.get(k, 0) for k in ("udp_rx_no_port", "arp_resolve_fail", "flow_ring_full",
					  "flow_no_owner", "flow_share_nombuf") if d.get(k, 0)}
	check("%s: no datagram dropped for want of a socket, a neighbour or a ring" % tag,
	      not drops, "%r" % drops)
	if len(lcores) > 1:
		st = {lc: lcore_value(d, lcores, lc, "flow_rx_steered") for lc in lcores}
		if tag.startswith("memif"):
			# two tern processes with the same number of queues: memif
			# joins queue i to queue i and both ends compute the same
			# symmetric owner, so every frame already lands home
			check("%s: no frame needed steering between two terns (flow_rx_steered %r)"
			      % (tag, st), sum(st.values()) == 0)
		else:
			check("%s: frames steered to their owning lcore (flow_rx_steered %r)"
			      % (tag, st), sum(st.values()) > 0)


def cmd_check_load(json_path, lcores, conns, rc, tag, sent_want="-"):
	"""tern-load's exit and JSON: every connection up, per lcore too, no
	errors; sent_want (the server's count) equals requests_sent."""
	lcores, conns = parse_lcores(lcores), int(conns)
	check("%s: tern-load exited with status 0 (every mbuf back in its pool)" % tag,
	      rc == "0", "exit status " + rc)
	j = load_json(json_path)
	if j is None:
		check("%s: tern-load wrote its JSON result" % tag, False)
		return
	errs = dict(j["errors"])
	errs.update({"warmup": j["warmup"]["errors"], "drain": j["drain"]["errors"]})
	check("%s: %d of %d connections up, > 0 requests, all 2xx, no errors" %
	      (tag, j.get("connections_up", -1), conns),
	      j.get("connections_up") == conns and j["totals"]["requests"] > 0 and
	      j["totals"]["status"]["2xx"] == j["totals"]["requests"] and
	      not any(errs.values()) and j["connections_left_open"] == 0,
	      "errors %r, requests %d, left open %d" %
	      (errs, j["totals"]["requests"], j["connections_left_open"]))
	if sent_want != "-":
		check("%s: the server answered exactly the %d requests tern-load sent (got %s)" %
		      (tag, j["totals"]["requests_sent"], sent_want),
		      int(sent_want) == j["totals"]["requests_sent"])
	if len(lcores) > 1:
		d = j.get("lcores", {})
		per = {lc: (d.get("lcore%d_connections_up" % lc, 0), d.get("lcore%d_connections" % lc, 0))
		       for lc in lcores}
		check("%s: every lcore brought up all of its connections (up, assigned: %r)" %
		      (tag, per), all(u > 0 and u == a for u, a in per.values()))
		# the stacks' counters, summed, for the common checks
		flat = {}
		for k, v in d.items():
			name = k.split("_", 1)[1]
			flat[name] = flat.get(name, 0) + v
		flat.update(d)
		common_checks(tag, flat, lcores, "tcp_active_opens")
	else:	# one lcore: its counters too (bench/e2e's busy cycles), none other's
		d = j.get("lcores", {})
		check("%s: the lcores object names only lcore %d" % (tag, lcores[0]),
		      bool(d) and all(k.startswith("lcore%d_" % lcores[0]) for k in d))


def cmd_check_client(stats_path, out_path, lcores, conns, rc, tag):
	"""tern-tcp-client's exit: every connection echoed intact, per lcore."""
	lcores, conns = parse_lcores(lcores), int(conns)
	with open(out_path, errors="replace") as f:
		text = f.read()
	check("%s: tern-tcp-client: %d/%d connections ok (SHA-256 both ways), exit 0" %
	      (tag, conns, conns), rc == "0" and
	      "tern-tcp-client: %d/%d connections ok" % (conns, conns) in text,
	      "exit %s\n%s" % (rc, "\n".join(text.splitlines()[-5:])))
	d = load_json(stats_path)
	if not positive_ints(tag, d):
		return
	common_checks(tag, d, lcores, "tcp_active_opens")
	per = {lc: lcore_value(d, lcores, lc, "tcp_established") for lc in lcores}
	check("%s: every lcore's connections were established (%r)" % (tag, per),
	      all(v > 0 for v in per.values()) and sum(per.values()) == conns)


def cmd_setup_error_or_run(rc, err_path, app, tag):
	"""An unequal queue count: a run that worked (checked elsewhere) or a
	one-line setup error from the app, never a hang (timeout's 124)."""
	rc = int(rc)
	with open(err_path, errors="replace") as f:
		lines = [ln for ln in f.read().splitlines() if ln.startswith(app + ": ")]
	check("%s: %s ended by itself within its bound (exit %d)" % (tag, app, rc),
	      rc not in (124, 137))
	if rc != 0:
		check("%s: %s's failure is a setup error it names in one line" % (tag, app),
		      len(lines) >= 1, "no '%s: ' line" % app)
		note("%s: %s" % (tag, lines[-1] if lines else "-"))


if __name__ == "__main__":
	itlib.main(globals())
