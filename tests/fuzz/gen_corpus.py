#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Seed corpus for fuzz_stack_input: valid and nearly valid frames addressed
to the fuzz stack (198.18.0.2, MAC 02:00:00:00:00:02), each prefixed with
the shape byte 0 (raw). Deterministic; run with /usr/bin/python3 (scapy)."""
import os
import sys

from scapy.all import ARP, ICMP, IP, UDP, TCP, Ether, Raw  # noqa: E402

OUR_MAC = "02:00:00:00:00:02"
PEER_MAC = "02:00:00:00:00:01"
OUR, PEER = "198.18.0.2", "198.18.0.1"


def frames():
    e = Ether(src=PEER_MAC, dst=OUR_MAC)
    yield "arp_request", Ether(src=PEER_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(
        op=1, hwsrc=PEER_MAC, psrc=PEER, pdst=OUR)
    yield "arp_reply", e / ARP(op=2, hwsrc=PEER_MAC, psrc=PEER, hwdst=OUR_MAC, pdst=OUR)
    yield "icmp_echo", e / IP(src=PEER, dst=OUR) / ICMP(id=1, seq=1) / Raw(b"x" * 56)
    yield "icmp_unreach", e / IP(src=PEER, dst=OUR) / ICMP(type=3, code=3) / IP(
        src=OUR, dst=PEER) / UDP(sport=7, dport=9)
    yield "udp_closed", e / IP(src=PEER, dst=OUR) / UDP(sport=1000, dport=9) / Raw(b"hi")
    yield "udp_zero_cksum", e / IP(src=PEER, dst=OUR) / UDP(sport=1000, dport=9, chksum=0)
    yield "ip_options", e / IP(src=PEER, dst=OUR, options=b"\x01\x01\x01\x00") / UDP(
        sport=1, dport=2)
    yield "ip_fragment", e / IP(src=PEER, dst=OUR, flags="MF") / UDP(sport=1, dport=2)
    yield "tcp_syn", e / IP(src=PEER, dst=OUR) / TCP(
        sport=1234, dport=80, flags="S",
        options=[("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)), ("WScale", 7)])
    yield "proto_99", e / IP(src=PEER, dst=OUR, proto=99) / Raw(b"abcd")


def main(out):
    os.makedirs(out, exist_ok=True)
    for name, pkt in frames():
        with open(os.path.join(out, name), "wb") as f:
            f.write(b"\x00" + bytes(pkt))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus", "stack_input"))
