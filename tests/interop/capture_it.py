# SPDX-License-Identifier: BSD-3-Clause
#
# Kernel side and checks of the packet capture interop tests
# (capture_interop.sh, capture_dumpcap_interop.sh).
#   http IP PORT TRANSCRIPT N SIZE...
#       N sequential HTTP/1.1 GETs of /bytes/SIZE (Connection: close) from
#       kernel sockets; writes what each connection sent and received (and
#       its local port) to TRANSCRIPT as JSON.
#   echo IP PORT TRANSCRIPT BYTES
#       one TCP connection to an echo server: send BYTES, read them back.
#   check PCAPNG TRANSCRIPT SERVER-IP QUEUES [any-dir]
#       walks the pcapng file block by block (section header, interface
#       descriptions, enhanced packet blocks with their direction flag and
#       queue), then per connection of the transcript: the three-way
#       handshake appears in order (SYN in, SYN-ACK out, ACK in), and the
#       bytes of each direction, reassembled by sequence number from the
#       frames of that direction, equal what the kernel sent and received.
#       Queues are below QUEUES; timestamps are this run's wall-clock
#       time; IPv4, TCP and UDP checksums verify (sent frames whose
#       checksums the NIC fills in were completed in the copy). With any-dir (dpdk-dumpcap) neither the direction flag nor
#       the timestamps are checked.
# When tshark is installed (scripts/deps.sh installs it), the streams are
# read a second time through Wireshark's dissectors and must match too.
# Every subcommand prints TAP lines ("ok - ..." / "not ok - ...") and
# "# " diagnostics and exits 1 when a check failed.
import json
import shutil
import socket
import struct
import subprocess
import sys
import time

import itlib
from itlib import check, connect_retry as connect
from itlib import cksum_fold as csum


BT_SHB = 0x0A0D0D0A
BT_IDB = 1
BT_EPB = 6
OPT_EPB_FLAGS = 2
OPT_EPB_QUEUE = 6
DIR_IN = 1
DIR_OUT = 2


def read_all(s):
	got = bytearray()
	while True:
		b = s.recv(65536)
		if not b:
			return bytes(got)
		got += b


def http(ip, port, out, n, sizes):
	conns = []
	for i in range(n):
		size = int(sizes[i % len(sizes)])
		req = b"GET /bytes/%d HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" % size
		with connect(ip, port) as s:
			s.sendall(req)
			got = read_all(s)
			conns.append({"port": s.getsockname()[1], "sent": req.hex(), "received": got.hex()})
		head, _, body = got.partition(b"\r\n\r\n")
		check("GET /bytes/%d: 200 with %d body bytes" % (size, size),
		      head.startswith(b"HTTP/1.1 200") and len(body) == size, head[:200])
	with open(out, "w") as f:
		json.dump(conns, f)


def echo(ip, port, out, nbytes):
	data = bytes((i * 7 + 13) & 0xFF for i in range(nbytes))
	with connect(ip, port) as s:
		s.sendall(data)
		s.shutdown(socket.SHUT_WR)
		got = read_all(s)
		conns = [{"port": s.getsockname()[1], "sent": data.hex(), "received": got.hex()}]
	check("echo of %d bytes came back whole" % nbytes, got == data,
	      "%d bytes back" % len(got))
	with open(out, "w") as f:
		json.dump(conns, f)


def options(buf):
	"""pcapng options: {code: [value, ...]}"""
	opts, off = {}, 0
	while off + 4 <= len(buf):
		code, length = struct.unpack_from("<HH", buf, off)
		if code == 0:
			break
		opts.setdefault(code, []).append(buf[off + 4:off + 4 + length])
		off += 4 + (length + 3) // 4 * 4
	return opts


def blocks(path):
	"""Walk the file; yields (type, body). Raises on a malformed block."""
	data = open(path, "rb").read()
	off = 0
	while off < len(data):
		if off + 12 > len(data):
			raise ValueError("truncated block header at %d" % off)
		btype, blen = struct.unpack_from("<II", data, off)
		if blen < 12 or blen % 4 or off + blen > len(data):
			raise ValueError("bad block length %d at %d" % (blen, off))
		if struct.unpack_from("<I", data, off + blen - 4)[0] != blen:
			raise ValueError("trailing length differs at %d" % off)
		yield btype, data[off + 8:off + blen - 4]
		off += blen


def frames(path):
	"""[(ifid, ts_ns, direction, queue, bytes)], the interface count."""
	out, n_if, first = [], 0, True
	for btype, body in blocks(path):
		if first and btype != BT_SHB:
			raise ValueError("the file does not start with a section header")
		first = False
		if btype == BT_IDB:
			n_if += 1
		elif btype == BT_EPB:
			ifid, hi, lo, caplen, origlen = struct.unpack_from("<IIIII", body)
			pkt = body[20:20 + caplen]
			opts = options(body[20 + (caplen + 3) // 4 * 4:])
			flags = struct.unpack("<I", opts[OPT_EPB_FLAGS][0])[0] if OPT_EPB_FLAGS in opts else 0
			queue = struct.unpack("<I", opts[OPT_EPB_QUEUE][0][:4])[0] \
				if OPT_EPB_QUEUE in opts else None
			if ifid >= n_if:
				raise ValueError("packet on interface %d of %d" % (ifid, n_if))
			out.append((ifid, (hi << 32) | lo, flags & 3, queue, pkt))
	return out, n_if


def cksums_ok(pkt):
	"""True when an IPv4 frame's header and TCP/UDP checksums verify
	(other frames: True)."""
	if len(pkt) < 34 or pkt[12:14] != b"\x08\x00":
		return True
	ihl = (pkt[14] & 0xF) * 4
	tot = struct.unpack_from("!H", pkt, 16)[0]
	if csum(pkt[14:14 + ihl]) != 0xFFFF:
		return False
	proto = pkt[23]
	l4 = pkt[14 + ihl:14 + tot]
	if proto not in (6, 17) or (proto == 17 and l4[6:8] == b"\0\0"):
		return True
	pseudo = pkt[26:34] + struct.pack("!BBH", 0, proto, len(l4))
	return csum(pseudo + l4) == 0xFFFF


def tcp_of(pkt):
	"""(src, sport, dst, dport, seq, flags, payload) of an IPv4/TCP frame."""
	if len(pkt) < 54 or pkt[12:14] != b"\x08\x00" or pkt[23] != 6:
		return None
	ihl = (pkt[14] & 0xF) * 4
	tot = struct.unpack_from("!H", pkt, 16)[0]
	t = 14 + ihl
	sport, dport, seq = struct.unpack_from("!HHI", pkt, t)
	doff = (pkt[t + 12] >> 4) * 4
	flags = pkt[t + 13]
	return (socket.inet_ntoa(pkt[26:30]), sport, socket.inet_ntoa(pkt[30:34]), dport,
		seq, flags, pkt[t + doff:14 + tot])


def stream(segs):
	"""Reassemble [(seq, flags, payload)] from the SYN on; None without it."""
	syn = [s for s in segs if s[1] & 0x02]
	if not syn:
		return None
	isn = syn[0][0]
	buf = {}
	for seq, _, payload in segs:
		if payload:
			buf.setdefault((seq - isn - 1) & 0xFFFFFFFF, payload)
	out, at = bytearray(), 0
	for off in sorted(buf):
		p = buf[off]
		if off > at:
			return bytes(out) + b"<hole>"
		if off + len(p) > at:
			out += p[at - off:]
			at = off + len(p)
	return bytes(out)


def tshark_stream(path, port, to_server):
	"""The bytes of one direction of the connection from client port `port` as tshark
	(Wireshark's dissectors, not ours) reads the file: payloads placed by
	their relative sequence number. None when tshark is missing or fails."""
	if shutil.which("tshark") is None:
		return None
	flt = "tcp.%s == %d && tcp.len > 0" % ("srcport" if to_server else "dstport", port)
	try:
		out = subprocess.run(["tshark", "-r", path, "-Y", flt, "-T", "fields",
				      "-e", "tcp.seq", "-e", "tcp.payload"],
				     capture_output=True, text=True, timeout=120, check=True).stdout
	except (subprocess.SubprocessError, OSError):
		return None
	buf = {}
	for line in out.splitlines():
		seq, _, hexdata = line.partition("\t")
		if seq and hexdata:
			buf.setdefault(int(seq) - 1, bytes.fromhex(hexdata.replace(":", "")))
	data, at = b"", 0
	for off in sorted(buf):
		if off > at:
			break
		data += buf[off][at - off:]
		at = len(data)
	return data


def check_file(path, transcript, server_ip, n_queues, any_dir):
	try:
		fr, n_if = frames(path)
	except (ValueError, struct.error, OSError) as e:
		check("the pcapng file is well formed", False, str(e))
		return
	check("the pcapng file is well formed (%d interfaces, %d frames)" % (n_if, len(fr)),
	      n_if >= 1 and len(fr) > 0)
	now = time.time_ns()
	if not any_dir:
		# dpdk-dumpcap's timestamps come from DPDK 22.11's librte_pcapng
		# in the primary, whose TSC rate is read before the EAL measured
		# it: they are centuries off, and not ours to check
		check("timestamps are wall-clock time of this run",
		      all(now - 3600 * 10**9 < f[1] <= now for f in fr),
		      "first %d, now %d" % (fr[0][1], now) if fr else "")
		check("every frame has a direction",
		      all(f[2] in (DIR_IN, DIR_OUT) for f in fr))
	if not any_dir:
		bad = [i for i, f in enumerate(fr) if not cksums_ok(f[4])]
		check("every IPv4 frame's checksums verify, sent ones included",
		      not bad, "frames %s" % bad[:10])
	check("every frame has a queue below %d" % n_queues,
	      all(f[3] is not None and f[3] < n_queues for f in fr),
	      str(sorted({f[3] for f in fr}, key=str)))
	conns = json.load(open(transcript))
	for c in conns:
		port = c["port"]
		to_srv, to_cli = [], []
		for f in fr:
			t = tcp_of(f[4])
			if t is None:
				continue
			src, sport, dst, dport, seq, flags, payload = t
			if src != server_ip and sport == port and (any_dir or f[2] == DIR_IN):
				to_srv.append((seq, flags, payload))
			elif src == server_ip and dport == port and (any_dir or f[2] == DIR_OUT):
				to_cli.append((seq, flags, payload))
		hs = []
		for f in fr:
			t = tcp_of(f[4])
			if t is None or port not in (t[1], t[3]) or len(hs) == 3:
				continue
			from_cli = t[0] != server_ip
			if t[5] & 0x12 == 0x02 and from_cli:
				hs.append("SYN")
			elif t[5] & 0x12 == 0x12 and not from_cli:
				hs.append("SYN-ACK")
			elif hs == ["SYN", "SYN-ACK"] and t[5] & 0x10 and from_cli:
				hs.append("ACK")
		check("port %d: SYN, SYN-ACK, ACK in that order" % port,
		      hs == ["SYN", "SYN-ACK", "ACK"], str(hs))
		sent = bytes.fromhex(c["sent"])
		got = bytes.fromhex(c["received"])
		a = stream(to_srv)
		b = stream(to_cli)
		check("port %d: the %d bytes the kernel sent are in the capture" % (port, len(sent)),
		      a == sent, "captured %s bytes" % (None if a is None else len(a)))
		check("port %d: the %d bytes the kernel received are in the capture" %
		      (port, len(got)), b == got,
		      "captured %s bytes" % (None if b is None else len(b)))
		if shutil.which("tshark") is not None:
			ta = tshark_stream(path, port, True)
			tb = tshark_stream(path, port, False)
			check("port %d: tshark reads the same bytes, both directions" % port,
			      ta == sent and tb == got,
			      "tshark: %s and %s bytes" % (None if ta is None else len(ta),
							   None if tb is None else len(tb)))


def main():
	cmd = sys.argv[1]
	if cmd == "http":
		http(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), sys.argv[6:])
	elif cmd == "echo":
		echo(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
	elif cmd == "check":
		check_file(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]),
			   len(sys.argv) > 6 and sys.argv[6] == "any-dir")
	else:
		sys.exit("unknown subcommand " + cmd)
	sys.exit(1 if itlib.failed else 0)


if __name__ == "__main__":
	main()
