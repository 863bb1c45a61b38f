# SPDX-License-Identifier: BSD-3-Clause
#
# Kernel side of the interop test under loss (loss_interop.sh). Every
# subcommand runs inside one of that test's namespaces: `sink` is the
# kernel receiver in "linux" (hashes what each connection brought, and
# samples every connection's byte count for the fairness check), `send`
# pushes bytes through tern-echo and checks the echo, `blast` is the
# competing kernel flow of the fairness check, `verify-client` and `fair`
# compare what the sink saw with tern-tcp-client's report, `nft-drops` reads
# the router's drop counters. Checks print TAP lines (itlib.py); Transfer
# and the client's output and stats parsers come from tcp_it.py.
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import itlib			# noqa: E402  (after the path is set)
import tcp_it as it		# noqa: E402
from itlib import check, note	# noqa: E402

MIB = 1 << 20


# -- the kernel sink (namespace "linux") -----------------------------------

class Sink:
	"""Reads each connection to EOF, hashing; writes one JSON line per
	connection when it ends, and every SAMPLE_S the live byte counts."""

	SAMPLE_S = 0.1

	def __init__(self, log_path, samples_path):
		self.log = open(log_path, "a")
		self.samples = open(samples_path, "a")
		self.lock = threading.Lock()
		self.live = {}		# "ip:port" of the peer -> bytes so far

	def handle(self, c, peer):
		key = "%s:%d" % peer
		h = hashlib.sha256()
		rcvd, eof, err = 0, False, None
		t0 = time.monotonic()
		buf = bytearray(1 << 18)
		mv = memoryview(buf)
		c.settimeout(60)
		try:
			while True:
				k = c.recv_into(buf)
				if k == 0:
					eof = True
					break
				h.update(mv[:k])
				rcvd += k
				self.live[key] = rcvd
			c.shutdown(socket.SHUT_WR)
		except OSError as e:
			err = repr(e)
		finally:
			c.close()
			self.live.pop(key, None)
		with self.lock:
			self.log.write(json.dumps({"peer": key, "rcvd": rcvd, "sha": h.hexdigest(),
						   "eof": eof, "err": err,
						   "secs": round(time.monotonic() - t0, 3)}) + "\n")
			self.log.flush()

	def sampler(self):
		while True:
			time.sleep(self.SAMPLE_S)
			snap = dict(self.live)
			if snap:
				self.samples.write(json.dumps({"t": time.time(), "rcvd": snap}) + "\n")
				self.samples.flush()

	def serve(self, port):
		ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
		ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		ls.bind(("0.0.0.0", port))
		ls.listen(64)
		threading.Thread(target=self.sampler, daemon=True).start()
		while True:
			c, peer = ls.accept()
			threading.Thread(target=self.handle, args=(c, peer), daemon=True).start()


def cmd_sink(port, log_path, samples_path, ready_path):
	import signal
	srv = Sink(log_path, samples_path)
	threading.Thread(target=srv.serve, args=(int(port),), daemon=True).start()
	time.sleep(0.2)
	with open(ready_path, "w") as f:
		f.write("ready\n")
	signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
	while True:
		time.sleep(3600)


def sink_record(log_path, peer_ip, since, wait_s=5.0):
	"""The sink's record of the first connection from peer_ip after line since."""
	end = time.monotonic() + wait_s
	while True:
		recs = [r for r in it.server_records(log_path, since)
			if r["peer"].startswith(peer_ip + ":")]
		if recs or time.monotonic() > end:
			return recs[0] if recs else None
		time.sleep(0.1)


# -- router counters and kernel TCP counters --------------------------------

def nft_drops(table):
	"""{rule comment: packets} of the router's drop rules (run in "router")."""
	out = subprocess.run(["nft", "-j", "list", "table", "inet", table],
			     capture_output=True, text=True, timeout=10, check=True).stdout
	drops = {}
	for item in json.loads(out)["nftables"]:
		rule = item.get("rule")
		if not rule or "comment" not in rule:
			continue
		for e in rule["expr"]:
			if "counter" in e:
				drops[rule["comment"]] = e["counter"]["packets"]
	return drops


def cmd_nft_drops(table, out_path):
	with open(out_path, "w") as f:
		json.dump(nft_drops(table), f)


def kernel_tcp_counters():
	"""This namespace's TCP MIB (RetransSegs, ...) from /proc/net/snmp."""
	with open("/proc/net/snmp") as f:
		rows = [l.split() for l in f if l.startswith("Tcp:")]
	return dict(zip(rows[0][1:], map(int, rows[1][1:])))


def drops_delta(before_path, after_path):
	with open(before_path) as f:
		a = json.load(f)
	with open(after_path) as f:
		b = json.load(f)
	return {k: b.get(k, 0) - a.get(k, 0) for k in b}


def note_stats(st, who):
	note("%s: %s" % (who, ", ".join("%s %d" % (k, st.get(k, 0))
					for k in it.TCP_NOTE + ("tcp_partial_ack",) if st.get(k, 0))))


def cmd_note_stats(path, who):
	note_stats(it.load_stats(path), who)


# -- check 1: tern-tcp-client -> kernel sink --------------------------------

def cmd_verify_client(out, rc, stats_path, log_path, since, nbytes, secs, nft0, nft1, tern_ip):
	"""1: the sink got exactly what tern-tcp-client sent, through a lossy path."""
	nbytes, rc = int(nbytes), int(rc)
	conns, summary = it.parse_client(out)
	text, leak = it.client_output(out)
	c, r = conns.get(0), sink_record(log_path, tern_ip, since)
	note("1: %d MiB in %.2f s (whole client run): %.2f MB/s" %
	     (nbytes // MIB, float(secs), nbytes / float(secs) / 1e6))
	check("1: tern-tcp-client: 1/1 connection ok, exit status 0 (pool back to baseline)",
	      rc == 0 and summary == (1, 1) and not leak,
	      "exit %d, summary %r%s\n%s" % (rc, summary, ", mbuf leak" if leak else "",
					     "\n".join(text.splitlines()[-15:])))
	check("1: kernel sink received all %d bytes to EOF; SHA-256 equals what tern sent" % nbytes,
	      c is not None and r is not None and r["eof"] and r["err"] is None and
	      c["sent"] == r["rcvd"] == nbytes and c["sent_sha"] == r["sha"],
	      "client %r\nsink %r" % (c, r))
	if c is not None and r is not None:
		note("sha256 sent by tern %s, received by the kernel %s" % (c["sent_sha"], r["sha"]))
	d = drops_delta(nft0, nft1)
	note("router dropped %r during check 1" % d)
	check("1: the router's random-drop rule dropped packets toward Linux (%d)" %
	      d.get("to-linux", 0), d.get("to-linux", 0) > 0)
	st = it.load_stats(stats_path)
	note_stats(st, "tern-tcp-client")
	it.stats_check("1: tern retransmitted (tcp_tx_retrans > 0), no reset or timeout", st,
		       want_at_least={"tcp_tx_retrans": 1},
		       want_exact={"tcp_established": 1, "tcp_resets": 0, "tcp_timeout": 0,
				   "tcp_rx_bad_csum": 0})
	# RFC 8985 against the kernel's SACK: RACK (on by default) found the
	# losses and started the recoveries; tail loss probes depend on where
	# the drops fall, so they are reported, not required
	note("1: RACK-TLP: tcp_rack_lost %d, tcp_rack_recovery %d, tcp_rack_lost_rxt %d, "
	     "tcp_rack_reo_timer %d, tcp_tlp_probe %d, tcp_tlp_recovered %d, tcp_rto %d" %
	     tuple(st.get(k, 0) for k in ("tcp_rack_lost", "tcp_rack_recovery", "tcp_rack_lost_rxt",
					  "tcp_rack_reo_timer", "tcp_tlp_probe",
					  "tcp_tlp_recovered", "tcp_rto")))
	it.stats_check("1: RACK (RFC 8985) detected the losses with the kernel's SACK "
		       "(tcp_rack_lost, tcp_rack_recovery > 0)", st,
		       want_at_least={"tcp_rack_lost": 1, "tcp_rack_recovery": 1})


# -- check 2: the kernel -> tern-echo -> the kernel -------------------------

def cmd_send(src, dst, nbytes, limit, out_path):
	"""2: stream nbytes to tern-echo and read the echo; writes the kernel's
	retransmission count (this namespace) to out_path for the script."""
	n = int(nbytes)
	k0 = kernel_tcp_counters()
	host, port = dst.rsplit(":", 1)
	s = it.tcp_connect(src, (host, int(port)), timeout=10.0)
	t = it.Transfer(s, n, seed=2)
	deadline = time.monotonic() + float(limit)
	t.start()
	t.receive(deadline)
	t.finish(deadline)
	dt = (t.t_recv_done or time.monotonic()) - t.t0
	k1 = kernel_tcp_counters()
	retrans = k1["RetransSegs"] - k0["RetransSegs"]
	note("2: %d MiB each way in %.2f s: %.2f MB/s each way; kernel retransmitted %d segments" %
	     (n // MIB, dt, n / dt / 1e6, retrans))
	note("sha256 sent %s" % t.tx.hexdigest())
	note("sha256 rcvd %s" % t.rx.hexdigest())
	check("2: %d MiB kernel -> tern-echo -> kernel under loss, SHA-256 and counts match both ways"
	      % (n // MIB), t.intact(), t.why())
	check("2: the kernel retransmitted toward tern (RetransSegs %+d)" % retrans, retrans > 0)
	with open(out_path, "w") as f:
		json.dump({"kernel_retrans": retrans}, f)


def cmd_verify_echo(stats_path, nft0, nft1):
	"""2: tern-echo's view after it exited: holes filled, its own losses repaired."""
	d = drops_delta(nft0, nft1)
	note("router dropped %r during check 2" % d)
	check("2: the router dropped packets both ways (to tern %d, to Linux %d)" %
	      (d.get("to-tern", 0), d.get("to-linux", 0)),
	      d.get("to-tern", 0) > 0 and d.get("to-linux", 0) > 0)
	st = it.load_stats(stats_path)
	note_stats(st, "tern-echo")
	it.stats_check("2: tern-echo queued out-of-order data and retransmitted its echo, "
		       "one orderly close, no reset", st,
		       want_at_least={"tcp_rx_ooo": 1, "tcp_tx_retrans": 1},
		       want_exact={"tcp_passive_opens": 1, "tcp_closed": 1, "tcp_resets": 0,
				   "tcp_timeout": 0, "tcp_rx_bad_csum": 0})


# -- check 3: fairness ------------------------------------------------------

def cmd_blast(src, dst, secs, cc):
	"""3: the competing kernel flow, congestion control `cc`: send for secs,
	then close (not a check)."""
	host, port = dst.rsplit(":", 1)
	s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, cc.encode())
	s.bind((src, 0))
	s.settimeout(10.0)
	s.connect((host, int(port)))
	note("blast: congestion control %s" % s.getsockopt(
		socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0").decode())
	s.settimeout(5.0)
	buf = os.urandom(1 << 16)
	end, sent = time.monotonic() + float(secs), 0
	try:
		while time.monotonic() < end:
			sent += s.send(buf)
	except OSError as e:
		note("blast: %r after %d bytes" % (e, sent))
	s.close()
	note("blast: the kernel sent %d bytes in %s s" % (sent, secs))


def load_samples(path):
	with open(path) as f:
		return [json.loads(l) for l in f if l.strip()]


def rate_in(samples, peer_ip, t_a, t_b):
	"""bytes/s of the connection from peer_ip between times t_a and t_b."""
	def at(t):
		best = 0
		for s in samples:
			if s["t"] > t:
				break
			best = max([v for k, v in s["rcvd"].items() if k.startswith(peer_ip + ":")] or [0])
		return best
	return (at(t_b) - at(t_a)) / (t_b - t_a)


SLICE_S = 5.0		# check 3 also prints each flow's rate per slice


def cmd_fair(samples_path, a_ip, a_name, b_ip, b_name, warm_s, window_s, limit_s):
	"""3: wait until both flows have moved data, skip warm_s, then measure
	each flow's goodput at the sink over window_s seconds."""
	warm_s, window_s = float(warm_s), float(window_s)
	end = time.monotonic() + float(limit_s)
	t_both = None
	while time.monotonic() < end:
		samples = load_samples(samples_path)
		if samples:
			last = samples[-1]["rcvd"]
			if all(any(k.startswith(ip + ":") and v > 0 for k, v in last.items())
			       for ip in (a_ip, b_ip)):
				t_both = samples[-1]["t"]
				break
		time.sleep(0.1)
	if not check("3: both flows reached the kernel sink (%s %s, %s %s)" %
		     (a_name, a_ip, b_name, b_ip), t_both is not None):
		return
	time.sleep(max(0.0, t_both + warm_s + window_s + 0.3 - time.time()))
	samples = load_samples(samples_path)
	t_a, t_b = t_both + warm_s, t_both + warm_s + window_s
	r_a = rate_in(samples, a_ip, t_a, t_b) * 8e-6
	r_b = rate_in(samples, b_ip, t_a, t_b) * 8e-6
	ratio = max(r_a, r_b) / max(1e-6, min(r_a, r_b))
	figures = "%s %.2f Mbit/s, %s %.2f Mbit/s" % (a_name, r_a, b_name, r_b)
	note("3: over %.0f s through the shared bottleneck: %s, ratio %.2f (sum %.2f Mbit/s)" %
	     (window_s, figures, ratio, r_a + r_b))
	slices = []
	for k in range(int(window_s // SLICE_S)):
		t = t_a + k * SLICE_S
		slices.append("%.1f/%.1f" % (rate_in(samples, a_ip, t, t + SLICE_S) * 8e-6,
					    rate_in(samples, b_ip, t, t + SLICE_S) * 8e-6))
	note("3: Mbit/s %s/%s per %.0f s: %s" % (a_name, b_name, SLICE_S, " ".join(slices)))
	check("3: fairness: %s within a factor of 2 (ratio %.2f)" % (figures, ratio),
	      r_a > 0 and r_b > 0 and ratio <= 2.0)


if __name__ == "__main__":
	itlib.main(globals())
