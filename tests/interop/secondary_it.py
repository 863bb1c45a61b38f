# SPDX-License-Identifier: BSD-3-Clause
#
# Kernel side of the app-in-its-own-process interop test
# (secondary_interop.sh), run inside the test's namespace.
#   tcp IP PORT CONNS BYTES
#       CONNS concurrent connections each send BYTES (a pattern of their
#       own), half-close, and must read exactly those bytes back.
#   udp IP PORT COUNT
#       COUNT datagrams of 1..1400 bytes, each echoed back unchanged
#       (resent up to 5 times: UDP may drop).
#   hold IP PORT READY_FILE
#       one connection that echoes 1000 bytes, writes READY_FILE, then
#       waits (up to 60 s) for the server side to go away and says how:
#       "reset" (RST) or "closed" (FIN) on stdout.
# tcp and udp print TAP lines ("ok - ..." / "not ok - ...") and exit 1
# when a check failed.
import socket
import sys
import threading

import itlib
from itlib import check


def pattern(seed, n):
	return bytes((i * 31 + seed * 7 + (i >> 8)) & 0xFF for i in range(n))


def connect(ip, port):
	return itlib.connect_retry(ip, port, timeout=30)


def one_tcp(ip, port, seed, nbytes, out):
	data = pattern(seed, nbytes)
	got = bytearray()
	try:
		with connect(ip, port) as s:
			sender = threading.Thread(target=lambda: (s.sendall(data),
								   s.shutdown(socket.SHUT_WR)))
			sender.start()
			while True:
				b = s.recv(65536)
				if not b:
					break
				got += b
			sender.join()
	except OSError as e:
		out[seed] = "error: %s after %d bytes" % (e, len(got))
		return
	out[seed] = "ok" if bytes(got) == data else "%d bytes back, differ" % len(got)


def tcp(ip, port, conns, nbytes):
	out = {}
	threads = [threading.Thread(target=one_tcp, args=(ip, port, k, nbytes, out))
		   for k in range(conns)]
	for t in threads:
		t.start()
	for t in threads:
		t.join(120)
	bad = {k: v for k, v in out.items() if v != "ok"}
	check("%d TCP connections each echo %d bytes exactly" % (conns, nbytes),
	      len(out) == conns and not bad, str(bad))


def udp(ip, port, count):
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.settimeout(1)
	good = 0
	for k in range(count):
		data = pattern(k, 1 + (k * 97) % 1400)
		for _ in range(5):
			s.sendto(data, (ip, port))
			try:
				back, _ = s.recvfrom(2048)
			except socket.timeout:
				continue
			if back == data:
				good += 1
				break
	check("%d UDP datagrams echoed unchanged" % count, good == count,
	      "%d of %d" % (good, count))


def hold(ip, port, ready):
	s = connect(ip, port)
	data = pattern(99, 1000)
	s.sendall(data)
	got = bytearray()
	while len(got) < len(data):
		b = s.recv(65536)
		if not b:
			break
		got += b
	with open(ready, "w") as f:
		f.write("echoed %d\n" % len(got))
	s.settimeout(60)
	try:
		b = s.recv(1)
		print("closed" if not b else "data", flush=True)
	except ConnectionResetError:
		print("reset", flush=True)
	except socket.timeout:
		print("still open", flush=True)


def main():
	cmd, ip, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
	if cmd == "tcp":
		tcp(ip, port, int(sys.argv[4]), int(sys.argv[5]))
	elif cmd == "udp":
		udp(ip, port, int(sys.argv[4]))
	elif cmd == "hold":
		hold(ip, port, sys.argv[4])
	else:
		sys.exit("unknown subcommand " + cmd)
	sys.exit(1 if itlib.failed else 0)


if __name__ == "__main__":
	main()
