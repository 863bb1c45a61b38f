# SPDX-License-Identifier: BSD-3-Clause
#
# Kernel side and checks of the SYN flood interop test
# (syncookie_interop.sh; issue 11): a flood of spoofed SYNs written with an
# AF_PACKET socket onto the kernel end of tern's net_tap (prebuilt frames
# from random sources in 198.19.0.0/16, paced to a target rate, in a
# process of its own), while the kernel's TCP connects to tern-echo as the
# legitimate client: before, during and after the flood. Every subcommand
# prints TAP lines ("ok - ..." / "not ok - ...") and "# " diagnostics and
# exits 1 when a check failed.
#   flood  IFACE TERN_IP PORT RATE SECS OUT.json   measure and check:
#          before: every connection completes; during: >= 90% complete
#          within CONNECT_LIMIT_S (three SYNs), unless the host's tap
#          queue dropped more than HOST_LOSS_MAX of the frames before
#          tern saw them (then it drops legitimate SYNs as often as
#          spoofed ones, whatever the stack does: at least one must
#          complete, and tern's own refusals are judged at exit); after:
#          the first connection begun after the flood completes within
#          1 s of its start, and the rest all complete
#   exit   STATS.json STATUS                        tern-echo's counters at
#          exit: cookies sent and validated, no SYN refused for a full
#          backlog, no SYN-ACK amplification, exit status 0 (its mbuf
#          pool back at its level)
import json
import os
import random
import socket
import struct
import sys
import time

import itlib
from itlib import check, note
from itlib import inet_cksum as csum

CONNECT_LIMIT_S = 7.0		# the kernel's SYN retransmissions at 1 and 3 s still count
MSG = b"syncookie interop 0123456789abcdef"
N_FRAMES = 16384		# distinct spoofed SYNs, sent round-robin
# Above this share of frames lost at the tap the host, not tern, decides
# whether a legitimate SYN arrives (cmd_flood)
HOST_LOSS_MAX = 0.10
CHUNK = 64			# frames between clock reads


def syn_frame(dst_mac, src_mac, src_ip, dst_ip, sport, dport, seq, tsval):
	"""Ethernet/IPv4/TCP SYN with MSS, SACK-permitted, TS and WS, as Linux sends."""
	opts = struct.pack("!BBH", 2, 4, 1460) + bytes([4, 2]) + \
		struct.pack("!BBII", 8, 10, tsval, 0) + bytes([1, 3, 3, 7])
	tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, (20 + len(opts)) // 4 << 4,
			  0x02, 64240, 0, 0) + opts
	pseudo = src_ip + dst_ip + struct.pack("!BBH", 0, 6, len(tcp))
	tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
	ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), random.getrandbits(16),
			 0x4000, 64, 6, 0, src_ip, dst_ip)
	ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
	return dst_mac + src_mac + b"\x08\x00" + ip + tcp


def mac_of(iface):
	with open("/sys/class/net/%s/address" % iface) as f:
		return bytes.fromhex(f.read().strip().replace(":", ""))


def neigh_mac(ip):
	with open("/proc/net/arp") as f:
		for line in f.readlines()[1:]:
			cols = line.split()
			if cols[0] == ip and cols[3] != "00:00:00:00:00:00":
				return bytes.fromhex(cols[3].replace(":", ""))
	return None


def flooder(iface, tern_ip, port, rate, secs, wfd):
	"""Child process: send spoofed SYNs at `rate` for `secs`; report the count."""
	rnd = random.Random(11)
	dst_mac, src_mac = neigh_mac(tern_ip), mac_of(iface)
	dst_ip = socket.inet_aton(tern_ip)
	frames = [syn_frame(dst_mac, src_mac, bytes([198, 19, rnd.randrange(256),
						       rnd.randrange(1, 255)]),
			    dst_ip, rnd.randrange(1024, 65536), port, rnd.getrandbits(32),
			    rnd.getrandbits(32)) for _ in range(N_FRAMES)]
	s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
	s.bind((iface, 0))
	s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
	send = s.send
	sent = errors = 0
	t0 = time.monotonic()
	end = t0 + secs
	i = 0
	while True:
		now = time.monotonic()
		if now >= end:
			break
		ahead = sent - (now - t0) * rate
		if ahead > CHUNK:
			time.sleep(ahead / rate)
			continue
		for _ in range(CHUNK):
			try:
				send(frames[i])
				sent += 1
			except OSError:
				errors += 1
			i = (i + 1) % N_FRAMES
	took = time.monotonic() - t0
	os.write(wfd, json.dumps({"sent": sent, "errors": errors, "secs": took}).encode())
	os._exit(0)


def tap_drops(iface):
	"""Frames the kernel could not queue to tern (tap's tx_dropped)."""
	try:
		with open("/sys/class/net/%s/statistics/tx_dropped" % iface) as f:
			return int(f.read())
	except (OSError, ValueError):
		return 0


def connect_once(ip, port):
	"""One legitimate connection: connect, echo MSG, close. Seconds or None."""
	t = time.monotonic()
	try:
		with socket.create_connection((ip, port), timeout=CONNECT_LIMIT_S) as c:
			c.settimeout(max(0.1, CONNECT_LIMIT_S - (time.monotonic() - t)))
			c.sendall(MSG)
			got = b""
			while len(got) < len(MSG):
				b = c.recv(4096)
				if not b:
					break
				got += b
			if got != MSG:
				return None
	except OSError:
		return None
	took = time.monotonic() - t
	return took if took <= CONNECT_LIMIT_S else None


def cmd_flood(iface, tern_ip, port, rate, secs, out):
	port, rate, secs = int(port), int(rate), float(secs)
	before = [connect_once(tern_ip, port) for _ in range(10)]
	check("before the flood: 10 of 10 connections complete",
	      all(t is not None for t in before), "results %s" % before)
	if neigh_mac(tern_ip) is None:
		check("tern's MAC is known to the kernel", False)
		return
	drops0 = tap_drops(iface)
	r, w = os.pipe()
	pid = os.fork()
	if pid == 0:
		os.close(r)
		flooder(iface, tern_ip, port, rate, secs, w)
	os.close(w)
	t_start = time.monotonic()
	time.sleep(min(1.0, secs / 4))		# the backlog fills first
	during = []
	while time.monotonic() - t_start < secs - CONNECT_LIMIT_S:
		during.append(connect_once(tern_ip, port))
		time.sleep(0.02)
	rep = json.loads(os.read(r, 4096).decode() or "{}")
	os.waitpid(pid, 0)
	t_end = t_start + rep.get("secs", secs)
	# after: the first connection begun once the flood is over
	while time.monotonic() < t_end:
		time.sleep(0.01)
	t0 = time.monotonic()
	first = connect_once(tern_ip, port)
	recovery = (time.monotonic() - t_end) if first is not None else None
	after = [connect_once(tern_ip, port) for _ in range(10)]
	achieved = rep.get("sent", 0) / max(rep.get("secs", 1), 1e-3)
	ok = [t for t in during if t is not None]
	frac = len(ok) / max(len(during), 1)
	note("flood: %d SYNs in %.1f s = %.0f SYN/s (target %d), %d send errors"
	     % (rep.get("sent", 0), rep.get("secs", 0), achieved, rate, rep.get("errors", 0)))
	note("during: %d of %d connections complete (%.1f%%), slowest %.3f s"
	     % (len(ok), len(during), 100 * frac, max(ok) if ok else -1))
	dropped = tap_drops(iface) - drops0
	host_loss = dropped / max(rep.get("sent", 0) + len(during) + 21, 1)
	note("frames the kernel dropped on the tap (its queue to tern full): %d (%.0f%% of "
	     "those offered)" % (dropped, 100 * host_loss))
	check("flood rate reached at least 50k SYN/s or the target", achieved >= min(rate, 50000) * 0.9,
	      "only %.0f SYN/s" % achieved)
	# The bar. Without cookies a full backlog locked everyone out
	# for 61 s; with them a legitimate SYN is lost only where the host is
	# too busy to read the tap (seen: 2 of 4 with an ASan build beside 8
	# other jobs on 2 CPUs, 42 of 42 with two; and 5 of 6 within 3 s with
	# an ASan build while another interop test ran: one SYN lost twice).
	# A lost SYN costs the client a 1 s retry and a second one 2 s more,
	# so each try may take up to CONNECT_LIMIT_S and a busy run makes few:
	# 3 are enough to judge.
	if host_loss <= HOST_LOSS_MAX:
		check("during the flood: >= 90%% of legitimate connections complete (%d of %d)"
		      % (len(ok), len(during)), len(during) >= 3 and frac >= 0.9)
	else:
		# The host could not feed tern the flood: its tap queue dropped
		# legitimate SYNs as often as spoofed ones, before tern saw
		# them (seen: 57% of all frames, an ASan build beside two busy
		# loops; 1 of 2 tries completed, the other lost three SYNs).
		# No stack meets the bar then; what tern controls is judged at
		# exit instead (no SYN refused for a full backlog) and here:
		# legitimate connections still got through.
		note("the host dropped %.0f%% of the frames at the tap (> %.0f%%): completion "
		     "during the flood is not judged against 90%%; tern's own refusals are, "
		     "at exit (tcp_rx_backlog)" % (100 * host_loss, 100 * HOST_LOSS_MAX))
		check("during the flood, with the host dropping %.0f%% at the tap: legitimate "
		      "connections still complete (%d of %d)" % (100 * host_loss, len(ok), len(during)),
		      len(ok) >= 1)
	# timed from its own start: on a busy host this script may begin it
	# late (seen: 0.52 s after the flood), which is not tern's recovery
	note("first connection after the flood began %.3f s after it ended" % (t0 - t_end))
	check("after the flood: first connection completes within 1 s (%.3f s)"
	      % (first if first is not None else -1), first is not None and first < 1.0,
	      "%.3f s after the flood ended" % (recovery if recovery is not None else -1))
	check("after the flood: 10 of 10 connections complete",
	      all(t is not None for t in after), "results %s" % after)
	with open(out, "w") as f:
		json.dump({"rate": achieved, "during_ok": len(ok), "during": len(during),
			   "recovery_s": recovery, "legit": 10 + len(during) + 11,
			   "host_loss": host_loss}, f)


def cmd_exit(stats_path, status, flood_path):
	try:
		with open(stats_path) as f:
			st = json.load(f)
	except (OSError, ValueError) as e:
		st = {}
		note("stats %s: %s" % (stats_path, e))
	try:
		with open(flood_path) as f:
			fl = json.load(f)
	except (OSError, ValueError):
		fl = {}
	keys = ("tcp_rx_segs", "tcp_tx_segs", "tcp_cookie_sent", "tcp_cookie_ok",
		"tcp_cookie_bad", "tcp_synack_shed", "tcp_synack_budget", "tcp_tx_retrans",
		"tcp_rto", "tcp_rx_backlog", "tcp_passive_opens", "tcp_established")
	note("tern-echo: " + ", ".join("%s %d" % (k, st.get(k, 0)) for k in keys))
	check("tern-echo exits 0 (mbuf pool back at its level)", int(status) == 0,
	      "status %s" % status)
	check("SYN cookies were sent", st.get("tcp_cookie_sent", 0) > 0)
	check("legitimate connections came back with valid cookies",
	      st.get("tcp_cookie_ok", 0) > 0)
	# what a full backlog did without cookies: refuse SYNs (the lock-out)
	check("no SYN refused for a full backlog (tcp_rx_backlog 0)",
	      st.get("tcp_rx_backlog", 0) == 0, "tcp_rx_backlog %d" % st.get("tcp_rx_backlog", 0))
	# one SYN-ACK per SYN at most: what tern sent stays below what it got
	# (each legitimate connection exchanges a handful of segments each way)
	check("no SYN-ACK amplification (segments sent <= received)",
	      st.get("tcp_tx_segs", 0) <= st.get("tcp_rx_segs", 0),
	      "sent %d, received %d" % (st.get("tcp_tx_segs", 0), st.get("tcp_rx_segs", 0)))
	# a flood SYN repeated for a 4-tuple still half-open is answered again
	# (tcp_tx_retrans, one per SYN); the timer resends nothing (tcp_rto)
	check("half-open entries were shed, not retransmitted by the timer",
	      st.get("tcp_rto", 0) <= fl.get("legit", 1000) and
	      st.get("tcp_synack_shed", 0) > 0,
	      "tcp_rto %d, tcp_synack_shed %d" % (st.get("tcp_rto", 0),
						   st.get("tcp_synack_shed", 0)))


def main():
	cmd, args = sys.argv[1], sys.argv[2:]
	if cmd == "flood":
		cmd_flood(*args)
	elif cmd == "exit":
		cmd_exit(*args)
	else:
		print("unknown subcommand %s" % cmd, file=sys.stderr)
		sys.exit(2)
	sys.exit(1 if itlib.failed else 0)


if __name__ == "__main__":
	main()
