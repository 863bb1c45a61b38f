# SPDX-License-Identifier: BSD-3-Clause
#
# Kernel side of the ECN interop test (ecn_interop.sh). Every subcommand
# runs inside one of that test's namespaces: `watch-ss` samples the
# kernel's view of its connections with tern (`ss -tein`: the "ecn" and
# "ecnseen" words) in "linux", `send` is the kernel client that streams
# through tern-echo and back, `counters` saves the router's nftables
# counters (ECT(0) seen, CE set, per direction), and `verify-client` /
# `verify-echo` turn what the sink, ss, the router and tern's --stats saw
# into TAP lines. Shared pieces come from itlib.py (TAP lines and the
# verdict), tcp_it.py (Transfer, the client's output and stats) and
# loss_it.py (the sink's records and the router's counters).
import os
import re
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import itlib			# noqa: E402  (after the path is set)
import tcp_it as it		# noqa: E402
from itlib import check, note	# noqa: E402
import loss_it			# noqa: E402

MIB = 1 << 20
ECN_NOTE = ("tcp_ecn_negotiated", "tcp_tx_ect", "tcp_rx_ce", "tcp_tx_ece", "tcp_rx_cwr",
	    "tcp_rx_ece", "tcp_ecn_reduction", "tcp_tx_cwr", "tcp_tx_retrans",
	    "tcp_fast_retrans", "tcp_rto")


# -- the kernel's view of the connection -------------------------------------

def ss_sample(peer_ip):
	"""`ss -tein` of the connections with peer_ip, one line each
	(synchronized states: a sender may have half-closed already; iproute2
	6.1 prints the options words, "ts sack ecn ecnseen", only with -e or -o)."""
	out = subprocess.run(["ss", "-teinH", "state", "connected", "dst", peer_ip],
			     capture_output=True, text=True, timeout=5).stdout
	return " ".join(out.split())


def ss_bytes(sample):
	return sum(int(x) for x in re.findall(r"bytes_(?:received|acked):(\d+)", sample))


def cmd_watch_ss(out_path, peer_ip, secs):
	"""Keep, in out_path, the sample that had moved the most bytes, until
	secs pass or SIGTERM (the script stops it when the transfer is over)."""
	signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
	best, end = -1, time.monotonic() + float(secs)
	while time.monotonic() < end:
		s = ss_sample(peer_ip)
		if s and ss_bytes(s) > best:
			best = ss_bytes(s)
			with open(out_path + ".tmp", "w") as f:
				f.write(s + "\n")
			os.replace(out_path + ".tmp", out_path)
		time.sleep(0.05)


def ss_words(path):
	try:
		with open(path) as f:
			text = f.read().strip()
	except OSError:
		text = ""
	return text, set(text.split())


def check_ss(tag, path, ecn):
	"""The kernel says whether the connection uses ECN ("ecn") and whether it
	received ECN-capable packets ("ecnseen")."""
	text, words = ss_words(path)
	note("%s: the kernel's socket: %s" % (tag, text or "(never seen)"))
	if ecn:
		return check("%s: ss -tein shows the kernel negotiated ECN with tern and saw "
			     "ECN-capable packets from it (ecn, ecnseen)" % tag,
			     "ecn" in words and "ecnseen" in words)
	return check("%s: ss -tein shows no ECN on the connection (neither ecn nor ecnseen)" % tag,
		     text != "" and "ecn" not in words and "ecnseen" not in words)


# -- the router's counters -------------------------------------------------

def cmd_counters(table, out_path):
	loss_it.cmd_nft_drops(table, out_path)


def note_stats(st, who):
	note("%s: %s" % (who, ", ".join("%s %d" % (k, st.get(k, 0)) for k in ECN_NOTE)))


# -- check 1: tern-tcp-client -> kernel sink --------------------------------

def cmd_verify_client(tag, out, rc, stats_path, log_path, since, nbytes, ss_path, nft0, nft1,
		      tern_ip, mode):
	nbytes, rc, ecn = int(nbytes), int(rc), mode == "ecn"
	conns, summary = it.parse_client(out)
	text, leak = it.client_output(out)
	c, r = conns.get(0), loss_it.sink_record(log_path, tern_ip, since)
	check("%s: tern-tcp-client: 1/1 connection ok, exit status 0 (pool back to baseline)" % tag,
	      rc == 0 and summary == (1, 1) and not leak,
	      "exit %d, summary %r%s\n%s" % (rc, summary, ", mbuf leak" if leak else "",
					     "\n".join(text.splitlines()[-15:])))
	check("%s: kernel sink received all %d bytes to EOF; SHA-256 equals what tern sent" %
	      (tag, nbytes), c is not None and r is not None and r["eof"] and
	      r["err"] is None and c["sent"] == r["rcvd"] == nbytes and c["sent_sha"] == r["sha"],
	      "client %r\nsink %r" % (c, r))
	if r is not None:
		note("%s: %d bytes in %.2f s at the sink: %.2f Mbit/s" %
		     (tag, r["rcvd"], r["secs"], r["rcvd"] * 8e-6 / max(r["secs"], 1e-3)))
	check_ss(tag, ss_path, ecn)
	d = loss_it.drops_delta(nft0, nft1)
	note("%s: router counters %r" % (tag, d))
	st = it.load_stats(stats_path)
	note_stats(st, "tern-tcp-client")
	if not ecn:
		check("%s: the router saw no ECT(0) packet toward Linux (%d)" %
		      (tag, d.get("ect0-to-linux", 0)), d.get("ect0-to-linux", 0) == 0)
		it.stats_check("%s: tern negotiated nothing and marked nothing" % tag, st,
			       want_exact={"tcp_ecn_negotiated": 0, "tcp_tx_ect": 0,
					   "tcp_rx_ece": 0, "tcp_established": 1})
		return
	check("%s: the router marked CE on some of tern's ECT(0) packets (%d of %d)" %
	      (tag, d.get("ce-to-linux", 0), d.get("ect0-to-linux", 0)),
	      d.get("ce-to-linux", 0) > 0)
	it.stats_check("%s: tern negotiated ECN, sent ECT(0), took the kernel's ECE as "
		       "congestion (window cut, CWR sent), no reset or timeout" % tag, st,
		       want_at_least={"tcp_tx_ect": 1, "tcp_rx_ece": 1, "tcp_ecn_reduction": 1,
				      "tcp_tx_cwr": 1},
		       want_exact={"tcp_ecn_negotiated": 1, "tcp_established": 1,
				   "tcp_resets": 0, "tcp_timeout": 0})
	# every cut is announced by a CWR, except one still pending at the end
	check("%s: one CWR per window cut (%d cuts, %d CWR)" %
	      (tag, st.get("tcp_ecn_reduction", 0), st.get("tcp_tx_cwr", 0)),
	      0 <= st.get("tcp_ecn_reduction", 0) - st.get("tcp_tx_cwr", 0) <= 1)


# -- check 2: the kernel -> tern-echo -> the kernel --------------------------

def cmd_send(tag, src, dst, nbytes, limit, ss_path):
	"""Stream nbytes through tern-echo (CUBIC) and read the echo; the
	kernel's view of the connection is sampled half way through."""
	n = int(nbytes)
	host, port = dst.rsplit(":", 1)
	s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	# an algorithm that answers ECE: the host's default may be BBR, which
	# does not (and a namespace may not change its default to CUBIC)
	s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b"cubic")
	s.bind((src, 0))
	s.settimeout(10.0)
	s.connect((host, int(port)))
	t = it.Transfer(s, n, seed=3)
	deadline = time.monotonic() + float(limit)
	t.start()
	t.receive(deadline, until=lambda x: x.rcvd >= n // 2)
	with open(ss_path, "w") as f:
		f.write(ss_sample(host) + "\n")
	t.receive(deadline)
	t.finish(deadline)
	dt = (t.t_recv_done or time.monotonic()) - t.t0
	note("%s: %d MiB each way in %.2f s: %.2f Mbit/s each way" %
	     (tag, n // MIB, dt, n * 8e-6 / dt))
	check("%s: %d MiB kernel -> tern-echo -> kernel, SHA-256 and counts match both ways" %
	      (tag, n // MIB), t.intact(), t.why())


def cmd_verify_echo(tag, stats_path, ss_path, nft0, nft1, mode):
	ecn = mode == "ecn"
	check_ss(tag, ss_path, ecn)
	d = loss_it.drops_delta(nft0, nft1)
	note("%s: router counters %r" % (tag, d))
	st = it.load_stats(stats_path)
	note_stats(st, "tern-echo")
	if not ecn:
		check("%s: the router saw no ECT(0) packet either way (%d to tern, %d to Linux)" %
		      (tag, d.get("ect0-to-tern", 0), d.get("ect0-to-linux", 0)),
		      d.get("ect0-to-tern", 0) == 0 and d.get("ect0-to-linux", 0) == 0)
		it.stats_check("%s: tern-echo refused the kernel's ECN-setup SYN: nothing "
			       "negotiated, marked or echoed" % tag, st,
			       want_exact={"tcp_ecn_negotiated": 0, "tcp_tx_ect": 0,
					   "tcp_rx_ce": 0, "tcp_tx_ece": 0, "tcp_passive_opens": 1})
		return
	check("%s: the router marked CE both ways (%d of %d ECT(0) to tern, %d of %d to Linux)" %
	      (tag, d.get("ce-to-tern", 0), d.get("ect0-to-tern", 0), d.get("ce-to-linux", 0),
	       d.get("ect0-to-linux", 0)),
	      d.get("ce-to-tern", 0) > 0 and d.get("ce-to-linux", 0) > 0)
	it.stats_check("%s: tern-echo as receiver: CE echoed with ECE until the kernel's "
		       "CWR" % tag, st,
		       want_at_least={"tcp_rx_ce": 1, "tcp_tx_ece": 1, "tcp_rx_cwr": 1},
		       want_exact={"tcp_ecn_negotiated": 1, "tcp_passive_opens": 1,
				   "tcp_resets": 0, "tcp_timeout": 0})
	it.stats_check("%s: tern-echo as sender: ECT(0) data, the kernel's ECE cut the "
		       "window, CWR sent" % tag, st,
		       want_at_least={"tcp_tx_ect": 1, "tcp_rx_ece": 1, "tcp_ecn_reduction": 1,
				      "tcp_tx_cwr": 1})
	# the kernel stops echoing after our CWR: far fewer ECEs than ACKs
	check("%s: the kernel's ECE echo ends at tern's CWR (%d ECE in %d segments)" %
	      (tag, st.get("tcp_rx_ece", 0), st.get("tcp_rx_segs", 0)),
	      st.get("tcp_rx_ece", 0) * 2 < st.get("tcp_rx_segs", 0))


if __name__ == "__main__":
	itlib.main(globals())
