# SPDX-License-Identifier: BSD-3-Clause
#
# Kernel side of the tern-echo interop test (echo_interop.sh): each
# subcommand runs one group of checks (the network ones from inside the
# test's namespace), prints TAP lines and "# " diagnostics, and exits 1
# when a check failed. The script passes its scratch directory in
# TERN_IT_WORK and tern-echo's telemetry socket in TERN_IT_TEL.
import json
import os
import random
import re
import socket
import struct
import subprocess
import time

import itlib
from itlib import check, inet_cksum, note

TERN_IP = "198.18.0.2"
KERN_IP = "198.18.0.1"
KERN_IP2 = "198.18.0.3"		# never talked to tern before check a
IFACE = "tern0"
ECHO_PORT = 7
CLOSED_PORT = 9
WORK = os.environ["TERN_IT_WORK"]
TEL_PATH = os.environ["TERN_IT_TEL"]


# -- DPDK telemetry (SOCK_SEQPACKET, JSON, like usertools/dpdk-telemetry.py)

def tel(cmd="/tern/stats"):
	return itlib.tel(TEL_PATH, cmd)


def settle(base, at_least, timeout=5.0):
	return itlib.settle(tel, base, at_least, timeout)


def ledger(exact):
	"""Remember counts that the final stats JSON must add up to."""
	with open(os.path.join(WORK, "ledger.jsonl"), "a") as f:
		f.write(json.dumps(exact) + "\n")


# Counters some checks cannot predict exactly (background ARP, ICMP from
# ping): asserted per check where they can be, never summed at exit.
NOT_LEDGER = ("ip_rx_pkts", "ip_tx_pkts", "arp_tx_request")


def check_counts(name, d, exact=None, at_least=None, record=True):
	bad = itlib.count_mismatches(d, exact, at_least)
	if record:
		ledger({k: v for k, v in (exact or {}).items() if k not in NOT_LEDGER})
	return check(name, not bad, "; ".join(bad))


def drop_counters():
	return [k for k, v in tel("/tern/stats/desc").items() if v.startswith("drop:")]


# -- kernel-side helpers

def ping(count):
	"""ping from the kernel; returns (sent, received, rtts_ms)."""
	r = subprocess.run(["ping", "-n", "-c", str(count), "-i", "0.2", "-W", "1",
			    "-w", str(count + 5), TERN_IP],
			   capture_output=True, text=True, timeout=count + 15)
	m = re.search(r"(\d+) packets transmitted, (\d+) received", r.stdout)
	rtts = [float(x) for x in re.findall(r"time=([\d.]+) ms", r.stdout)]
	if not m:
		note(r.stdout + r.stderr)
		return count, 0, rtts
	return int(m.group(1)), int(m.group(2)), rtts


def udp_sock(src=KERN_IP, dst_port=ECHO_PORT, timeout=1.0):
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
	s.bind((src, 0))
	s.connect((TERN_IP, dst_port))
	s.settimeout(timeout)
	return s


def udp_roundtrip(payload, src=KERN_IP, timeout=2.0):
	with udp_sock(src, timeout=timeout) as s:
		s.send(payload)
		try:
			return s.recv(65535) == payload
		except socket.timeout:
			return False


def tern_mac():
	with open(os.path.join(WORK, "tern_mac")) as f:
		return f.read().strip()


def mac_bytes(mac):
	return bytes(int(x, 16) for x in mac.split(":"))


def ip4(payload, proto=17, ver=4, ihl=5, tot=None, frag=0x4000, ttl=64,
	src=KERN_IP, dst=TERN_IP, opts=b"", cks_xor=0):
	"""An IPv4 packet with a correct header checksum unless cks_xor."""
	hdr = struct.pack("!BBHHHBBH4s4s", (ver << 4) | ihl, 0,
			  20 + len(opts) + len(payload) if tot is None else tot,
			  0x7e57, frag, ttl, proto, 0, socket.inet_aton(src),
			  socket.inet_aton(dst)) + opts
	c = inet_cksum(hdr) ^ cks_xor
	return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload


def udp4(payload, sport=40000, dport=ECHO_PORT, length=None, src=KERN_IP, dst=TERN_IP):
	ln = 8 + len(payload) if length is None else length
	pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17, 8 + len(payload))
	c = inet_cksum(pseudo + struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)
	return struct.pack("!HHHH", sport, dport, ln, c or 0xffff) + payload


# -- checks

def cmd_arp():
	"""a: ping, ARP in both directions."""
	base = tel()
	sent, got, rtts = ping(5)
	check("a: kernel ping gets 5/5 replies", sent == 5 and got == 5,
	      "transmitted %d, received %d" % (sent, got))
	out = subprocess.run(["ip", "neigh", "show", TERN_IP, "dev", IFACE],
			     capture_output=True, text=True, timeout=10).stdout
	m = re.search(r"lladdr ([0-9a-f:]{17}) (\w+)", out)
	mac = m.group(1) if m else ""
	log_mac = os.environ.get("TERN_IT_LOG_MAC", "").lower()
	check("a: kernel neighbour entry for tern is resolved (REACHABLE/STALE/DELAY)",
	      m is not None and m.group(2) in ("REACHABLE", "STALE", "DELAY"),
	      "ip neigh: %r" % out)
	kmac = open("/sys/class/net/%s/address" % IFACE).read().strip()
	check("a: the MAC the kernel learned is tern's port MAC, not its own",
	      mac != "" and mac != kmac and (log_mac == "" or mac == log_mac),
	      "neigh %r, tern-echo log %r, kernel %r" % (mac, log_mac, kmac))
	with open(os.path.join(WORK, "tern_mac"), "w") as f:
		f.write(mac or "ff:ff:ff:ff:ff:ff")
	d = settle(base, {"icmp_rx_echo": 5})
	check_counts("a: tern answered the kernel's ARP and counted 5 echo requests", d,
		     exact={"icmp_rx_echo": 5, "arp_tx_request": 0},
		     at_least={"arp_rx_request": 1})
	# A source tern has never heard from: it must resolve it itself.
	base = tel()
	ok = udp_roundtrip(b"who-has 198.18.0.3", src=KERN_IP2, timeout=5.0)
	check("a: UDP from a new kernel address (.3) is echoed", ok)
	d = settle(base, {"arp_rx_reply": 1, "udp_tx_pkts": 1})
	check_counts("a: tern resolved the kernel (.3) by ARP: request sent, reply learned", d,
		     exact={"udp_rx_pkts": 1, "udp_tx_pkts": 1},
		     at_least={"arp_tx_request": 1, "arp_rx_reply": 1})


def cmd_udp(n=10000, window=8, seed=0x7e4e):
	"""b: n datagrams, sizes 0..1472, seeded random payloads, bounded window."""
	rng = random.Random(seed)
	base = tel()
	outstanding = []
	sent = matched = mismatched = lost = reordered = 0
	t0 = time.monotonic()
	deadline = t0 + 180
	with udp_sock(timeout=1.0) as s:
		while matched + mismatched + lost < n and time.monotonic() < deadline:
			while sent < n and len(outstanding) < window:
				p = rng.randbytes(sent % 1473)
				s.send(p)
				outstanding.append(p)
				sent += 1
			try:
				r = s.recv(65535)
			except socket.timeout:
				lost += len(outstanding)
				outstanding.clear()
				continue
			if r == outstanding[0]:
				outstanding.pop(0)
				matched += 1
			elif r in outstanding:
				outstanding.remove(r)
				matched += 1
				reordered += 1
			else:
				outstanding.pop(0)
				mismatched += 1
	dt = time.monotonic() - t0
	note("udp: %d sent, %d echoed intact, %d mismatched, %d lost, %d out of order, "
	     "%.2f s (%.0f round trips/s, window %d)" %
	     (sent, matched, mismatched, lost, reordered, dt, matched / dt if dt else 0, window))
	check("b: %d UDP datagrams (0..1472 bytes) echoed byte-identical" % n,
	      matched == n and mismatched == 0 and lost == 0,
	      "matched %d mismatched %d lost %d" % (matched, mismatched, lost))
	d = settle(base, {"udp_tx_pkts": n})
	check_counts("b: tern counted %d datagrams in and out, none dropped" % n, d,
		     exact={"udp_rx_pkts": n, "udp_tx_pkts": n, "chan_ev_full": 0,
			    "chan_ev_full": 0, "tx_drop_full": 0, "tx_drop_nombuf": 0,
			    "udp_rx_bad_csum": 0})


def cmd_badcsum():
	"""c: wrong UDP checksum -> silently dropped and counted."""
	from scapy.all import Ether, IP, UDP, Raw, sendp, get_if_hwaddr, conf
	conf.verb = 0
	mac, kmac = tern_mac(), get_if_hwaddr(IFACE)
	base = tel()
	with udp_sock(timeout=1.0) as s:
		sport = s.getsockname()[1]

		def frame(payload, chksum=None):
			return (Ether(dst=mac, src=kmac) / IP(src=KERN_IP, dst=TERN_IP) /
				UDP(sport=sport, dport=ECHO_PORT, chksum=chksum) / Raw(payload))

		bad = []
		for i in range(3):
			good = Ether(bytes(frame(b"bad checksum %d" % i)))
			right = good[UDP].chksum
			wrong = right ^ 0x0101
			bad.append(frame(b"bad checksum %d" % i, chksum=wrong))
			note("datagram %d: checksum 0x%04x sent as 0x%04x" % (i, right, wrong))
		sendp(bad, iface=IFACE)
		try:
			r = s.recv(65535)
			check("c: datagrams with a bad UDP checksum get no answer", False,
			      "got an answer: %r" % r[:40])
		except socket.timeout:
			check("c: datagrams with a bad UDP checksum get no answer", True)
		# Control: the same frame with its checksum right is answered,
		# so the silence above means something.
		sendp(frame(b"good checksum"), iface=IFACE)
		try:
			ok = s.recv(65535) == b"good checksum"
		except socket.timeout:
			ok = False
		check("c: the same datagram with a correct checksum is echoed", ok)
	d = settle(base, {"udp_rx_bad_csum": 3, "udp_tx_pkts": 1})
	check_counts("c: udp_rx_bad_csum counted the 3 bad datagrams", d,
		     exact={"udp_rx_bad_csum": 3, "udp_rx_pkts": 4, "udp_tx_pkts": 1})


def cmd_closed():
	"""d: closed port -> ICMP port unreachable -> ECONNREFUSED."""
	base = tel()
	with udp_sock(dst_port=CLOSED_PORT, timeout=3.0) as s:
		s.send(b"anyone on port 9?")
		try:
			s.recv(65535)
			res = "an answer"
		except ConnectionRefusedError:
			res = "ECONNREFUSED"
		except socket.timeout:
			res = "a timeout"
	check("d: UDP to a closed port: connected socket gets ECONNREFUSED",
	      res == "ECONNREFUSED", "got " + res)
	d = settle(base, {"icmp_tx_unreach": 1})
	check_counts("d: udp_rx_no_port and icmp_tx_unreach counted once", d,
		     exact={"udp_rx_pkts": 1, "udp_rx_no_port": 1, "icmp_tx_unreach": 1,
			    "icmp_tx_ratelimit": 0, "udp_tx_pkts": 0})


def malformed_frames(mac, kmac):
	"""(name, expected counter, l2 frame) for every malformed kind."""
	e4 = mac_bytes(mac) + mac_bytes(kmac) + b"\x08\x00"
	arp = mac_bytes(mac) + mac_bytes(kmac) + b"\x08\x06"
	bc_arp = b"\xff" * 6 + mac_bytes(kmac) + b"\x08\x06"
	u = udp4(b"malformed")
	good_ip = ip4(u)
	ip6 = struct.pack("!IHBB16s16s", 6 << 28, len(u), 17, 64,
			  socket.inet_pton(socket.AF_INET6, "::ffff:" + KERN_IP),
			  socket.inet_pton(socket.AF_INET6, "::ffff:" + TERN_IP)) + u
	arp_req = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac_bytes(kmac),
			      socket.inet_aton(KERN_IP), b"\0" * 6, socket.inet_aton(TERN_IP))
	f = []
	f += [("IPv4 ethertype, no IP header", "ip_rx_trunc", e4)]
	f += [("IP header cut at 19 bytes", "ip_rx_trunc", e4 + good_ip[:19])]
	f += [("IHL %d" % ihl, "ip_rx_bad_ihl", e4 + ip4(u, ihl=ihl)) for ihl in range(5)]
	f += [("IHL 15, 28 bytes", "ip_rx_bad_ihl", e4 + ip4(u, ihl=15))]
	f += [("IHL 6, 20 bytes", "ip_rx_bad_ihl", e4 + ip4(b"", ihl=6, proto=253)[:20])]
	f += [("total length %d, frame 37" % t, "ip_rx_bad_len", e4 + ip4(u, tot=t))
	      for t in (1000, len(good_ip) + 1, 19, 0)]
	f += [("header checksum wrong", "ip_rx_bad_csum", e4 + ip4(u, cks_xor=0x1234))]
	f += [("header checksum wrong, with options", "ip_rx_bad_csum",
	       e4 + ip4(u, ihl=6, opts=b"\x01\x01\x01\x00", cks_xor=0x0001))]
	f += [("IPv6 header in IPv4 ethertype", "ip_rx_bad_version", e4 + ip6)]
	f += [("IP version %d" % v, "ip_rx_bad_version", e4 + ip4(u, ver=v)) for v in (0, 5, 15)]
	f += [("first fragment (MF)", "ip_rx_frag", e4 + ip4(u, frag=0x2000))]
	f += [("middle fragment", "ip_rx_frag", e4 + ip4(b"x" * 16, frag=0x2000 | 2))]
	f += [("last fragment", "ip_rx_frag", e4 + ip4(b"x" * 16, frag=185))]
	f += [("UDP header of %d bytes" % n, "udp_rx_trunc", e4 + ip4(u[:n])) for n in (0, 4, 7)]
	f += [("UDP length %d" % n, "udp_rx_bad_len", e4 + ip4(udp4(b"12345678", length=n)))
	      for n in (7, 17, 400)]
	f += [("ARP of %d bytes" % n, "arp_rx_trunc", arp + arp_req[:n]) for n in (0, 8, 27)]
	f += [("broadcast ARP of 20 bytes", "arp_rx_trunc", bc_arp + arp_req[:20])]
	return f


def cmd_malformed(seed=0xbad5eed):
	"""e: malformed and garbage frames are counted drops; tern survives."""
	from scapy.all import Raw, sendp, get_if_hwaddr, conf
	conf.verb = 0
	mac, kmac = tern_mac(), get_if_hwaddr(IFACE)
	drops = drop_counters()
	frames = malformed_frames(mac, kmac)
	want = {}
	for _, ctr, _ in frames:
		want[ctr] = want.get(ctr, 0) + 1
	n_ip = sum(1 for _, _, fr in frames if fr[12:14] == b"\x08\x00")
	base = tel()
	sendp([Raw(fr) for _, _, fr in frames], iface=IFACE)
	d = settle(base, want)
	note("sent %d malformed frames: %s" % (len(frames),
	     ", ".join("%s x%d" % kv for kv in sorted(want.items()))))
	exact = dict(want)
	exact.update({"ip_rx_pkts": n_ip, "ip_tx_pkts": 0, "icmp_tx_unreach": 0,
		      "udp_tx_pkts": 0, "udp_rx_pkts": want["udp_rx_trunc"] + want["udp_rx_bad_len"]})
	other = {k: d[k] for k in drops if k not in want and d.get(k, 0) != 0}
	ok = check_counts("e: each malformed kind is dropped under its own counter", d, exact=exact)
	check("e: no other drop counter moved", not other, "unexpected: %r" % other)
	if not ok:
		for name, ctr, fr in frames:
			note("%-40s -> %-18s %s" % (name, ctr, fr[14:54].hex()))

	# Garbage: random bytes behind headers tern would otherwise accept.
	rng = random.Random(seed)
	garbage = []
	for i in range(200):
		kind = i % 4
		if kind == 0:		# IPv4 ethertype, to us
			fr = mac_bytes(mac) + mac_bytes(kmac) + b"\x08\x00"
		elif kind == 1:		# ARP, broadcast
			fr = b"\xff" * 6 + mac_bytes(kmac) + b"\x08\x06"
		elif kind == 2:		# IPv4 with a plausible first byte
			fr = mac_bytes(mac) + mac_bytes(kmac) + b"\x08\x00" + bytes([0x45])
		else:			# any EtherType
			fr = mac_bytes(mac) + mac_bytes(kmac) + rng.randbytes(2)
		garbage.append(fr + rng.randbytes(rng.randrange(0, 1500 - (len(fr) - 14) + 1)))
	base = tel()
	for k in range(0, len(garbage), 50):
		sendp([Raw(fr) for fr in garbage[k:k + 50]], iface=IFACE)
	d = settle(base, {"rx_pkts": len(garbage)})
	nd = sum(d.get(k, 0) for k in drops)
	sent_back = d.get("ip_tx_pkts", 0)
	check("e: %d garbage frames (seeded, 14..1514 bytes) all counted as drops" % len(garbage),
	      nd == len(garbage) and sent_back == 0,
	      "drop counters moved by %d, ip_tx_pkts by %d; %r" %
	      (nd, sent_back, {k: d[k] for k in drops if d.get(k, 0)}))
	ledger({k: d.get(k, 0) for k in drops})

	# Still alive and still correct.
	base = tel()
	sent, got, _ = ping(3)
	echo_ok = udp_roundtrip(b"still there?")
	check("e: tern still answers ping and UDP after the bad frames",
	      got == 3 and echo_ok, "ping %d/%d, udp echo %s" % (got, sent, echo_ok))
	d = settle(base, {"icmp_rx_echo": 3, "udp_tx_pkts": 1})
	ledger({"icmp_rx_echo": 3, "udp_rx_pkts": 1, "udp_tx_pkts": 1})

	# Ethernet padding after a short datagram is trimmed, not echoed.
	with udp_sock(timeout=2.0) as s:
		sport = s.getsockname()[1]
		fr = mac_bytes(mac) + mac_bytes(kmac) + b"\x08\x00" + \
			ip4(udp4(b"pad", sport=sport)) + b"\xee" * 15
		sendp(Raw(fr), iface=IFACE)
		try:
			r = s.recv(65535)
		except socket.timeout:
			r = None
	check("e: a padded frame's datagram is echoed without the padding", r == b"pad",
	      "got %r" % (r,))
	ledger({"udp_rx_pkts": 1, "udp_tx_pkts": 1})


def cmd_snapshot(path):
	with open(path, "w") as f:
		json.dump(tel(), f)


# the loop counters measure time: they move while the stack idles; the
# loop-gap histograms (loop_gap_*, loop_work_*) are not in /tern/stats
STABLE_SKIP = ("rx_pkts", "tx_pkts", "eth_rx_not_us", "timer_expired",
	"loop_busy_cycles", "loop_idle_cycles", "loop_busy_polls", "loop_work_cycles")


def moving(k):
	return k in STABLE_SKIP or k.startswith("loop_")


def cmd_final(stats_path, snap_path, rc):
	"""f: exit status, stats JSON, agreement with telemetry and with the ledger."""
	check("f: tern-echo exited with status 0 (every mbuf back in the pool)",
	      rc == "0", "exit status " + rc)
	try:
		with open(stats_path) as f:
			stats = json.load(f)
		ok = isinstance(stats, dict) and all(
			isinstance(v, int) and v > 0 for v in stats.values())
	except (OSError, ValueError) as e:
		stats, ok = {}, False
		note("stats: %s" % e)
	check("f: the stats JSON parses (an object of positive integers)", ok)
	with open(snap_path) as f:
		snap = json.load(f)
	# The kernel may still ARP in the background; everything else must
	# read the same at exit as over telemetry after the last check.
	diff = {k: (snap.get(k, 0), stats.get(k, 0)) for k in set(snap) | set(stats)
		if not k.startswith("arp_") and not moving(k)
		and snap.get(k, 0) != stats.get(k, 0)}
	check("f: telemetry /tern/stats and the exit JSON agree", ok and not diff,
	      "telemetry vs exit: %r" % diff)
	total = {}
	with open(os.path.join(WORK, "ledger.jsonl")) as f:
		for line in f:
			for k, v in json.loads(line).items():
				total[k] = total.get(k, 0) + v
	diff = {k: (v, stats.get(k, 0)) for k, v in total.items()
		if not moving(k) and stats.get(k, 0) != v}
	check("f: exit counters equal the sum of what every check sent", ok and not diff,
	      "expected vs exit: %r" % diff)
	note("exit counters: " + json.dumps(stats, sort_keys=True))


def cmd_pcap_gen(path):
	from scapy.all import Raw, wrpcap
	wrpcap(path, [Raw(b"\x5a" * n) for n in range(14)], linktype=1)


def cmd_pcap_check(stats_path, rc):
	try:
		with open(stats_path) as f:
			stats = json.load(f)
	except (OSError, ValueError) as e:
		stats = {}
		note("stats: %s" % e)
	check("e: frames of 0..13 bytes (net_pcap) are counted as eth_rx_trunc",
	      stats.get("eth_rx_trunc", 0) == 14 and stats.get("rx_pkts", 0) == 14,
	      "stats %r" % stats)
	check("e: the net_pcap instance exited with status 0", rc == "0", "exit status " + rc)


if __name__ == "__main__":
	itlib.main(globals())
