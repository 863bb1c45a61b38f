#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Generate tests/wire/vectors.h: golden frames for the wire layer.

Every frame is built with scapy, then dissected again by scapy, and the
expected values written next to the bytes come from that dissection (and
from scapy's own checksum routines), so test_wire_golden.c compares tern's
parsers against an independent implementation, never against themselves.
Malformed frames carry the exact counter id tern must return for them.

Run with the system interpreter:  /usr/bin/python3 tests/wire/gen_vectors.py
(--check compares with the committed file instead of writing it). The output
is deterministic: every field that scapy would otherwise pick (ids, ports,
sequence numbers, MACs) is given explicitly. Addresses are from
198.18.0.0/15 only.
"""

import argparse
import logging
import os
import socket
import struct
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy import VERSION as SCAPY_VERSION  # noqa: E402
from scapy.layers.inet import (ICMP, IP, TCP, UDP, IPerror,  # noqa: E402
                               IPOption_Router_Alert, IPOption_RR,
                               UDPerror, in4_chksum)
from scapy.layers.l2 import ARP, Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402
from scapy.utils import checksum  # noqa: E402

MAC_A = "02:00:5e:10:00:01"
MAC_B = "02:00:5e:10:00:02"
MAC_BCAST = "ff:ff:ff:ff:ff:ff"
MAC_ZERO = "00:00:00:00:00:00"
IP_A = "198.18.0.1"
IP_B = "198.18.0.2"
IP_C = "198.19.255.254"
IP_R = "198.18.0.9"

TCP_WSCALE_MAX = 14
PAYLOAD_56 = bytes(range(56))


def eth(src=MAC_A, dst=MAC_B):
    return Ether(src=src, dst=dst)


def ip(src=IP_A, dst=IP_B, **kw):
    kw.setdefault("id", 0x1c46)
    kw.setdefault("ttl", 64)
    kw.setdefault("flags", "DF")
    return IP(src=src, dst=dst, **kw)


def pad60(frame):
    """Ethernet minimum frame (without FCS) as a NIC would deliver it."""
    return frame + bytes(max(0, 60 - len(frame)))


# ---------------------------------------------------------------- vectors
# Each entry: (name, frame bytes, expected counter, tcp options are in
# tern's emit layout). The expected counter is CTR_NONE for good frames.

def arp_vectors():
    req = eth(dst=MAC_BCAST) / ARP(op=1, hwsrc=MAC_A, psrc=IP_A,
                                   hwdst=MAC_ZERO, pdst=IP_B)
    rep = eth(src=MAC_B, dst=MAC_A) / ARP(op=2, hwsrc=MAC_B, psrc=IP_B,
                                          hwdst=MAC_A, pdst=IP_A)
    rb = bytes(rep)
    bad_htype = bytearray(rb)
    bad_htype[15] = 6                       # IEEE 802 hardware type
    bad_plen = bytearray(rb)
    bad_plen[19] = 16
    bad_hlen = bytearray(rb)
    bad_hlen[18] = 8
    bad_ptype = bytearray(rb)
    bad_ptype[16:18] = b"\x86\xdd"
    return [
        ("arp_request", bytes(req), "CTR_NONE", False),
        ("arp_reply", rb, "CTR_NONE", False),
        ("arp_reply_padded", pad60(rb), "CTR_NONE", False),
        ("arp_trunc", rb[:14 + 27], "CTR_ARP_RX_TRUNC", False),
        ("arp_bad_htype", bytes(bad_htype), "CTR_ARP_RX_BAD_HDR", False),
        ("arp_bad_ptype", bytes(bad_ptype), "CTR_ARP_RX_BAD_HDR", False),
        ("arp_bad_hlen", bytes(bad_hlen), "CTR_ARP_RX_BAD_HDR", False),
        ("arp_bad_plen", bytes(bad_plen), "CTR_ARP_RX_BAD_HDR", False),
        ("arp_bad_op", bytes(eth() / ARP(op=3, hwsrc=MAC_A, psrc=IP_A,
                                         hwdst=MAC_B, pdst=IP_B)),
         "CTR_ARP_RX_BAD_OP", False),
    ]


def ip_vectors():
    udp = ip() / UDP(sport=40000, dport=7) / Raw(b"hello tern")
    good = bytes(eth() / udp)
    opts = bytes(eth() / ip(options=[IPOption_Router_Alert(),
                                     IPOption_RR(routers=[IP_R])],
                            tos=0x10) /
                 UDP(sport=5353, dport=5353) / Raw(b"opts"))
    frag = bytes(eth() / ip(flags="MF", frag=185, id=0xbeef) /
                 UDP(sport=1, dport=2) / Raw(b"x" * 16))
    v6 = bytearray(good)
    v6[14] = 0x65
    ihl4 = bytearray(good)
    ihl4[14] = 0x44
    ihl15 = bytes(eth() / ip(ihl=15, proto=17) / Raw(bytes(8)))
    return [
        ("eth_trunc", good[:13], "CTR_ETH_RX_TRUNC", False),
        ("ip4_udp", good, "CTR_NONE", False),
        ("ip4_opts_udp", opts, "CTR_NONE", False),
        ("ip4_fragment", frag, "CTR_NONE", False),
        ("ip4_trunc", good[:14 + 19], "CTR_IP_RX_TRUNC", False),
        ("ip4_bad_version", bytes(v6), "CTR_IP_RX_BAD_VERSION", False),
        ("ip4_bad_ihl_small", bytes(ihl4), "CTR_IP_RX_BAD_IHL", False),
        ("ip4_bad_ihl_beyond", ihl15[:14 + 28], "CTR_IP_RX_BAD_IHL", False),
        ("ip4_len_beyond_frame", bytes(eth() / ip(len=200) / UDP(sport=1, dport=2)),
         "CTR_IP_RX_BAD_LEN", False),
        ("ip4_len_below_hdr", bytes(eth() / ip(len=19) / UDP(sport=1, dport=2)),
         "CTR_IP_RX_BAD_LEN", False),
        ("ip4_bad_cksum", bytes(eth() / ip(chksum=0x1234) / UDP(sport=1, dport=2)),
         "CTR_IP_RX_BAD_CSUM", False),
    ]


def icmp_vectors():
    req = eth() / ip() / ICMP(type=8, id=0x1234, seq=1) / Raw(PAYLOAD_56)
    rep = eth(src=MAC_B, dst=MAC_A) / ip(src=IP_B, dst=IP_A, id=0x99aa) / \
        ICMP(type=0, id=0x1234, seq=1) / Raw(PAYLOAD_56)
    odd = eth() / ip() / ICMP(type=8, id=7, seq=0xfffe) / Raw(b"abc")
    unr = eth(src=MAC_B, dst=MAC_A) / ip(src=IP_B, dst=IP_A, flags=0) / \
        ICMP(type=3, code=3) / \
        IPerror(src=IP_A, dst=IP_B, id=0x1c46, flags="DF") / \
        UDPerror(sport=40000, dport=9) / Raw(b"quoted")
    trunc = eth() / ip(proto=1) / Raw(b"\x08\x00\xf7\xff")
    return [
        ("icmp_echo_request", bytes(req), "CTR_NONE", False),
        ("icmp_echo_reply", bytes(rep), "CTR_NONE", False),
        ("icmp_echo_odd", bytes(odd), "CTR_NONE", False),
        ("icmp_port_unreach", bytes(unr), "CTR_NONE", False),
        ("icmp_trunc", bytes(trunc), "CTR_ICMP_RX_TRUNC", False),
        ("icmp_bad_cksum", bytes(eth() / ip() / ICMP(type=8, id=1, seq=2, chksum=0xdead) /
                                 Raw(b"ping")), "CTR_ICMP_RX_BAD_CSUM", False),
    ]


def udp_ffff_frame():
    """A datagram whose computed checksum is 0, so RFC 768 sends 0xffff:
    a 2-byte payload word equal to the checksum of the datagram with a
    zero word makes the one's complement sum all ones."""
    base = ip(id=0x4242) / UDP(sport=1234, dport=4321) / Raw(b"ffff" + bytes(2))
    c = IP(bytes(base))[UDP].chksum
    assert c != 0xffff
    pkt = eth() / ip(id=0x4242) / UDP(sport=1234, dport=4321) / \
        Raw(b"ffff" + struct.pack("!H", c))
    raw = bytes(pkt)
    assert Ether(raw)[UDP].chksum == 0xffff
    return raw


def udp_vectors():
    def u(**kw):
        return UDP(sport=kw.pop("sport", 40001), dport=kw.pop("dport", 53), **kw)
    small = bytes(eth() / ip() / u() / Raw(b"!"))
    return [
        ("udp_odd_payload", bytes(eth() / ip() / u() / Raw(b"tern-o7")), "CTR_NONE", False),
        ("udp_empty", bytes(eth() / ip() / u()), "CTR_NONE", False),
        ("udp_zero_cksum", bytes(eth() / ip() / u(chksum=0) / Raw(b"no checksum")),
         "CTR_NONE", False),
        ("udp_cksum_ffff", udp_ffff_frame(), "CTR_NONE", False),
        ("udp_padded", pad60(small), "CTR_NONE", False),
        ("udp_large", bytes(eth() / ip(src=IP_C) / u(sport=9, dport=65535) /
                            Raw(bytes((i * 7 + 3) & 0xff for i in range(1401)))),
         "CTR_NONE", False),
        ("udp_trunc", bytes(eth() / ip(proto=17) / Raw(b"\x9c\x41\x00\x35\x00\x08\x00")),
         "CTR_UDP_RX_TRUNC", False),
        ("udp_bad_len_big", bytes(eth() / ip() / u(len=100) / Raw(b"short")),
         "CTR_UDP_RX_BAD_LEN", False),
        ("udp_bad_len_small", bytes(eth() / ip() / u(len=7) / Raw(b"tiny")),
         "CTR_UDP_RX_BAD_LEN", False),
        ("udp_bad_cksum", bytes(eth() / ip() / u(chksum=0xbeef) / Raw(b"bad sum")),
         "CTR_UDP_RX_BAD_CSUM", False),
    ]


def tcp(opts=None, **kw):
    kw.setdefault("sport", 40002)
    kw.setdefault("dport", 80)
    kw.setdefault("seq", 0x11223344)
    kw.setdefault("ack", 0)
    kw.setdefault("flags", "A")
    kw.setdefault("window", 64240)
    return TCP(options=opts or [], **kw)


TS = ("Timestamp", (0x01020304, 0xa0b0c0d0))
NOP = ("NOP", None)


def tcp_good_vectors():
    syn = [("MSS", 1460), ("SAckOK", b""), TS, NOP, ("WScale", 7)]
    syn_nots = [("MSS", 1460), NOP, NOP, ("SAckOK", b""), NOP, ("WScale", 9)]
    sack = [(0x11223400 + i * 0x1000, 0x11223800 + i * 0x1000) for i in range(4)]

    def sack_opt(n):
        return ("SAck", tuple(x for blk in sack[:n] for x in blk))
    out = [
        ("tcp_syn", tcp(syn, flags="S", ack=0), True),
        ("tcp_syn_nots", tcp(syn_nots, flags="S", window=65535), True),
        ("tcp_synack", tcp(syn, flags="SA", ack=0xcafef00d, sport=80, dport=40002), True),
        ("tcp_syn_mss_only", tcp([("MSS", 536)], flags="S"), True),
        ("tcp_ack_ts", tcp([NOP, NOP, TS], ack=0x55667788) / Raw(b"GET / HTTP/1.0\r\n\r\n!"),
         True),
        ("tcp_plain_flags", tcp(flags="FPAU", urgptr=3, ack=1) / Raw(b"urg"), True),
        ("tcp_rst", tcp(flags="R", window=0), True),
        ("tcp_ece_cwr", tcp(flags="SEC"), True),
    ]
    for n in range(1, 4):
        out.append(("tcp_sack%d_ts" % n,
                    tcp([NOP, NOP, TS, NOP, NOP, sack_opt(n)], ack=0x11223300), True))
    out.append(("tcp_sack4", tcp([NOP, NOP, sack_opt(4)], ack=0x11223300), True))
    out += [
        ("tcp_unknown_opts", tcp([("MSS", 1400), (30, b"\x00\x81\x02\x03"), NOP,
                                  (254, b"\xf9\x89"), ("UTO", 0x8005)], flags="S"), False),
        ("tcp_other_order", tcp([NOP, ("WScale", 2), ("SAckOK", b""), ("MSS", 8960), TS],
                                flags="S"), False),
        ("tcp_ws_clamped", tcp([("MSS", 1460), NOP, ("WScale", 15)], flags="S"), False),
        ("tcp_ws_255", tcp([NOP, ("WScale", 255)], flags="S"), False),
        ("tcp_dup_mss_last_wins", tcp([("MSS", 1000), ("MSS", 1200)], flags="S"), False),
        ("tcp_eol_then_junk", tcp(flags="S", dataofs=8) /
         Raw(b"\x02\x04\x05\xb4\x00\xff\x01\x99" + b"\x00\x03\x00\x00"), False),
        ("tcp_nop_only", tcp([NOP, NOP, NOP, NOP]), False),
        ("tcp_sack_without_perm", tcp([NOP, NOP, sack_opt(2)], ack=5), True),
    ]
    frames = []
    for name, seg, layout in out:
        frames.append((name, bytes(eth() / ip() / seg), "CTR_NONE", layout))
    frames.append(("tcp_ack_padded", pad60(bytes(eth() / ip() / tcp())), "CTR_NONE", True))
    return frames


def tcp_raw_opts(name, opt_bytes, ctr="CTR_TCP_RX_BAD_OPT", flags="S"):
    """A segment whose option bytes are given verbatim (scapy cannot build
    malformed options), padded to a 4-byte multiple with EOL; scapy still
    computes the checksum over them."""
    opt_bytes += bytes(-len(opt_bytes) % 4)
    seg = tcp(flags=flags, dataofs=5 + len(opt_bytes) // 4) / Raw(opt_bytes)
    return (name, bytes(eth() / ip() / seg), ctr, False)


def tcp_bad_vectors():
    good = bytes(eth() / ip() / tcp() / Raw(b"data"))
    off4 = bytearray(good)
    off4[14 + 20 + 12] = 0x40
    return [
        ("tcp_trunc", bytes(eth() / ip(proto=6) / Raw(bytes(19))), "CTR_TCP_RX_TRUNC", False),
        ("tcp_bad_off_small", bytes(off4), "CTR_TCP_RX_BAD_OFF", False),
        ("tcp_bad_off_beyond", bytes(eth() / ip() / tcp(dataofs=15) / Raw(bytes(8))),
         "CTR_TCP_RX_BAD_OFF", False),
        ("tcp_bad_cksum", bytes(eth() / ip() / tcp(chksum=0x0bad) / Raw(b"data")),
         "CTR_TCP_RX_BAD_CSUM", False),
        tcp_raw_opts("tcp_opt_len0", b"\x63\x00\x01\x01"),
        tcp_raw_opts("tcp_opt_len1", b"\x63\x01\x01\x01"),
        tcp_raw_opts("tcp_opt_past_hdr", b"\x01\x63\x0a\x00"),
        tcp_raw_opts("tcp_opt_kind_last", b"\x01\x01\x01\x02"),
        tcp_raw_opts("tcp_mss_len3", b"\x02\x03\x05\x01"),
        tcp_raw_opts("tcp_mss_len5", b"\x02\x05\x05\xb4\x00\x01\x01\x01"),
        tcp_raw_opts("tcp_ws_len4", b"\x03\x04\x07\x00"),
        tcp_raw_opts("tcp_ws_len2", b"\x03\x02\x01\x01"),
        tcp_raw_opts("tcp_sackok_len3", b"\x04\x03\x00\x01"),
        tcp_raw_opts("tcp_ts_len8", b"\x08\x08" + bytes(6)),
        tcp_raw_opts("tcp_ts_len11", b"\x08\x0b" + bytes(9)),
        tcp_raw_opts("tcp_sack_len2", b"\x01\x01\x05\x02", flags="A"),
        tcp_raw_opts("tcp_sack_len9", b"\x05\x09" + bytes(7), flags="A"),
        tcp_raw_opts("tcp_sack4_trailing_nops", b"\x01\x01\x05\x22" +
                     bytes(range(32)) + b"\x01\x01\x01\x01", flags="A", ctr="CTR_NONE"),
    ]


def all_vectors():
    return (arp_vectors() + ip_vectors() + icmp_vectors() + udp_vectors() +
            tcp_good_vectors() + tcp_bad_vectors())


# ------------------------------------------------ scapy's view of a frame

def mac(s):
    return [int(x, 16) for x in s.split(":")]


def ip_u32(s):
    return struct.unpack("!I", socket.inet_aton(s))[0]


# Layer of every counter: the test parses up to it, and expects the fields
# of the layers before it (plus the layer itself for L4 checksum drops,
# where the header parse succeeds and only verification fails).
CTR_LAYER = {
    "ETH": 0, "ARP": 1, "IP": 1, "ICMP": 2, "UDP": 2, "TCP": 2,
}


def is_fragment(ipl):
    return bool(int(ipl.flags) & 1) or ipl.frag != 0


def parsed_layers(d, ctr):
    """Names of the layers whose parse tern must accept."""
    chain = ["eth"]
    if ARP in d:
        chain.append("arp")
    elif IP in d:
        chain.append("ip")
        # Fragments stop at IP (tern does not reassemble).
        if not is_fragment(d[IP]):
            chain.append({1: "icmp", 17: "udp", 6: "tcp"}[d[IP].proto])
    if ctr == "CTR_NONE":
        return chain
    if ctr in ("CTR_UDP_RX_BAD_CSUM", "CTR_TCP_RX_BAD_CSUM"):
        return chain
    return chain[:CTR_LAYER[ctr.split("_")[1]]]


def tcp_opts_view(opts):
    v = {"mss": None, "ws": None, "sack_perm": False, "ts": None, "sack": []}
    for kind, val in opts:
        if kind == "MSS":
            v["mss"] = val
        elif kind == "WScale":
            v["ws"] = min(val, TCP_WSCALE_MAX)     # RFC 7323 2.3
        elif kind == "SAckOK":
            v["sack_perm"] = True
        elif kind == "Timestamp":
            v["ts"] = val
        elif kind == "SAck":
            v["sack"] = [val[i:i + 2] for i in range(0, len(val), 2)]
        elif kind == "EOL":
            break
    return v


def tern_layout(v):
    """tern's option emit layout (see lib/wire/tcp_hdr.c), from the view."""
    b = b""
    if v["mss"] is not None:
        b += struct.pack("!BBH", 2, 4, v["mss"])
    if v["ts"] is not None:
        b += b"\x04\x02" if v["sack_perm"] else b"\x01\x01"
        b += struct.pack("!BBII", 8, 10, *v["ts"])
    elif v["sack_perm"]:
        b += b"\x01\x01\x04\x02"
    if v["ws"] is not None:
        b += struct.pack("!BBBB", 1, 3, 3, v["ws"])
    if v["sack"]:
        b += struct.pack("!BBBB", 1, 1, 5, 2 + 8 * len(v["sack"]))
        for left, right in v["sack"]:
            b += struct.pack("!II", left, right)
    return b


def l4_cksums(d, raw):
    """(checksum in the frame, scapy's correct checksum) for the L4 header."""
    ipl = d[IP]
    l4 = bytes(ipl.payload)[:ipl.len - ipl.ihl * 4]
    field = {1: 2, 17: 6, 6: 16}[ipl.proto]
    wire = struct.unpack("!H", l4[field:field + 2])[0]
    zeroed = l4[:field] + b"\x00\x00" + l4[field + 2:]
    if ipl.proto == 1:
        good = checksum(zeroed)
    else:
        good = in4_chksum(ipl.proto, ipl, zeroed)
        if ipl.proto == 17 and good == 0:
            good = 0xffff       # RFC 768, as scapy's UDP.post_build does
    return wire, good


def describe(name, raw, ctr, layout):
    e = {"name": name, "raw": raw, "ctr": ctr, "layers": [], "tcp_emit": False}
    if len(raw) < 14:
        return e
    d = Ether(raw)
    e["layers"] = parsed_layers(d, ctr)
    e["eth"] = (mac(d.dst), mac(d.src), d.type)
    if ARP in d and "arp" in e["layers"]:
        a = d[ARP]
        e["arp"] = (a.op, mac(a.hwsrc), ip_u32(a.psrc), mac(a.hwdst), ip_u32(a.pdst))
    if IP not in d or d[IP].version != 4 or d[IP].ihl < 5 or \
            14 + d[IP].ihl * 4 > len(raw):
        return e
    ipl = d[IP]
    hdr = raw[14:14 + ipl.ihl * 4]
    e["ip_cksum"] = (ipl.chksum, checksum(hdr[:10] + b"\x00\x00" + hdr[12:]))
    if "ip" in e["layers"]:
        e["ip"] = (ipl.ihl * 4, ipl.tos, ipl.len, ipl.id,
                   (int(ipl.flags) << 13) | ipl.frag, ipl.ttl, ipl.proto,
                   ip_u32(ipl.src), ip_u32(ipl.dst))
    l4_ok = ctr in ("CTR_NONE", "CTR_ICMP_RX_BAD_CSUM", "CTR_UDP_RX_BAD_CSUM",
                    "CTR_TCP_RX_BAD_CSUM", "CTR_TCP_RX_BAD_OPT")
    if l4_ok and not is_fragment(ipl):
        e["l4_cksum"] = l4_cksums(d, raw)
    describe_l4(e, d, layout)
    return e


def describe_l4(e, d, layout):
    if "icmp" in e["layers"]:
        c = d[ICMP]
        rest = bytes(c)[4:8]
        if c.type in (0, 8):
            e["icmp"] = (c.type, c.code, c.id, c.seq)
        else:   # the 4 "rest" bytes as two 16-bit halves
            e["icmp"] = (c.type, c.code) + struct.unpack("!HH", rest)
    if "udp" in e["layers"]:
        u = d[UDP]
        e["udp"] = (u.sport, u.dport, u.len)
    if "tcp" in e["layers"]:
        t = d[TCP]
        v = tcp_opts_view(t.options)
        opt_bytes = bytes(t)[20:t.dataofs * 4]
        e["tcp"] = (t.sport, t.dport, t.seq, t.ack, t.dataofs * 4, int(t.flags),
                    t.window, t.urgptr)
        e["tcp_opts"] = v
        e["tcp_emit"] = opt_bytes == tern_layout(v)
        if layout and not e["tcp_emit"]:
            raise SystemExit("%s: not in tern's layout" % e["name"])


# ---------------------------------------------------------------- output

def c_bytes(b, indent="\t"):
    lines = []
    for i in range(0, len(b), 12):
        lines.append(indent + " ".join("0x%02x," % x for x in b[i:i + 12]))
    return "\n".join(lines) if lines else indent + "0x00, /* empty */"


def c_mac(m):
    return "{ " + ", ".join("0x%02x" % x for x in m) + " }"


def c_bool(x):
    return "true" if x else "false"


def c_entry(e):
    L = e["layers"]
    out = ["\t{", '\t\t.name = "%s",' % e["name"],
           "\t\t.frame = wv_%s," % e["name"], "\t\t.len = %d," % len(e["raw"]),
           "\t\t.expect_ctr = %s," % e["ctr"]]
    layer_bits = " | ".join("WV_%s" % x.upper() for x in L) or "0"
    out.append("\t\t.layers = %s," % layer_bits)
    if "ip_cksum" in e:
        out.append("\t\t.has_ip_cksum = true, .ip_cksum_wire = 0x%04x, "
                   ".ip_cksum_good = 0x%04x," % e["ip_cksum"])
    if "l4_cksum" in e:
        out.append("\t\t.has_l4_cksum = true, .l4_cksum_wire = 0x%04x, "
                   ".l4_cksum_good = 0x%04x," % e["l4_cksum"])
    if "eth" in e:
        dst, src, typ = e["eth"]
        out.append("\t\t.eth = { %s, %s, 0x%04x }," % (c_mac(dst), c_mac(src), typ))
    if "arp" in e:
        op, sha, spa, tha, tpa = e["arp"]
        out.append("\t\t.arp = { %d, %s, 0x%08x, %s, 0x%08x }," %
                   (op, c_mac(sha), spa, c_mac(tha), tpa))
    if "ip" in e:
        out.append("\t\t.ip = { %d, 0x%02x, %d, 0x%04x, 0x%04x, %d, %d, "
                   "0x%08x, 0x%08x }," % e["ip"])
    if "icmp" in e:
        out.append("\t\t.icmp = { %d, %d, 0x%04x, 0x%04x }," % e["icmp"])
    if "udp" in e:
        out.append("\t\t.udp = { %d, %d, %d }," % e["udp"])
    if "tcp" in e:
        out.append("\t\t.tcp = { %d, %d, 0x%08x, 0x%08x, %d, 0x%02x, %d, %d }," %
                   e["tcp"])
        out.append(c_opts(e["tcp_opts"]))
        out.append("\t\t.tcp_emit_exact = %s," % c_bool(e["tcp_emit"]))
    out.append("\t},")
    return "\n".join(out)


def c_opts(v):
    ts = v["ts"] or (0, 0)
    sack = ""
    if v["sack"]:
        sack = ",\n\t\t\t.sack = { %s }" % ", ".join(
            "{ 0x%08x, 0x%08x }" % tuple(b) for b in v["sack"])
    return ("\t\t.opts = { .has_mss = %s, .mss = %d, .has_ws = %s, .ws = %d, "
            ".sack_perm = %s,\n\t\t\t.has_ts = %s, .ts_val = 0x%08x, "
            ".ts_ecr = 0x%08x, .n_sack = %d%s }," %
            (c_bool(v["mss"] is not None), v["mss"] or 0,
             c_bool(v["ws"] is not None), v["ws"] or 0, c_bool(v["sack_perm"]),
             c_bool(v["ts"] is not None), ts[0], ts[1], len(v["sack"]), sack))


HEADER = """/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Golden wire vectors, GENERATED by tests/wire/gen_vectors.py (scapy %s);
 * do not edit, re-run the generator. Each vector is a whole Ethernet frame,
 * the counter tern must return for it (CTR_NONE when good) and scapy's
 * dissection of it: which layers tern must accept (`layers`), their field
 * values in host order, and the checksums as on the wire and as scapy
 * recomputes them. Included by tests/wire/test_wire_golden.c and
 * test_wire_roundtrip.c only.
 */
#ifndef TERN_WIRE_VECTORS_H
#define TERN_WIRE_VECTORS_H

#include <stdbool.h>
#include <stdint.h>

#include "counters.h"

#define WV_ETH 0x01u
#define WV_ARP 0x02u
#define WV_IP 0x04u
#define WV_ICMP 0x08u
#define WV_UDP 0x10u
#define WV_TCP 0x20u

struct wv_eth {
	uint8_t dst[6];
	uint8_t src[6];
	uint16_t type;
};

struct wv_arp {
	uint16_t op;
	uint8_t sha[6];
	uint32_t spa;
	uint8_t tha[6];
	uint32_t tpa;
};

struct wv_ip {
	uint8_t hdr_len;
	uint8_t tos;
	uint16_t total_len;
	uint16_t id;
	uint16_t frag;		/* flags << 13 | offset */
	uint8_t ttl;
	uint8_t proto;
	uint32_t src;
	uint32_t dst;
};

struct wv_icmp {
	uint8_t type;
	uint8_t code;
	uint16_t id;		/* bytes 4-5 (echo id, else "rest") */
	uint16_t seq;		/* bytes 6-7 */
};

struct wv_udp {
	uint16_t sport;
	uint16_t dport;
	uint16_t len;
};

struct wv_tcp {
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t hdr_len;
	uint8_t flags;
	uint16_t window;
	uint16_t urgptr;
};

struct wv_tcp_opts {
	bool has_mss;
	uint16_t mss;
	bool has_ws;
	uint8_t ws;		/* already clamped to 14 (RFC 7323 2.3) */
	bool sack_perm;
	bool has_ts;
	uint32_t ts_val;
	uint32_t ts_ecr;
	uint8_t n_sack;
	uint32_t sack[4][2];
};

struct wire_vec {
	const char *name;
	const uint8_t *frame;
	uint32_t len;
	unsigned int expect_ctr;
	unsigned int layers;	/* WV_* whose parse must succeed */
	bool has_ip_cksum;
	uint16_t ip_cksum_wire;	/* numeric value of the field */
	uint16_t ip_cksum_good;	/* scapy's checksum of this header */
	bool has_l4_cksum;
	uint16_t l4_cksum_wire;
	uint16_t l4_cksum_good;	/* UDP: 0 already mapped to 0xffff */
	struct wv_eth eth;
	struct wv_arp arp;
	struct wv_ip ip;
	struct wv_icmp icmp;
	struct wv_udp udp;
	struct wv_tcp tcp;
	struct wv_tcp_opts opts;
	bool tcp_emit_exact;	/* options are in tern's emit layout */
};
"""


def render():
    vecs = [describe(*v) for v in all_vectors()]
    names = [e["name"] for e in vecs]
    assert len(names) == len(set(names)), "duplicate vector names"
    parts = [HEADER % SCAPY_VERSION]
    for e in vecs:
        parts.append("static const uint8_t wv_%s[] = {\n%s\n};\n" %
                     (e["name"], c_bytes(e["raw"])))
    parts.append("static const struct wire_vec wire_vecs[] = {")
    parts += [c_entry(e) for e in vecs]
    parts.append("};\n\n#endif")
    return "\n".join(parts) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("-o", "--output", default=os.path.join(here, "vectors.h"))
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if the output file differs")
    args = ap.parse_args()
    text = render()
    if args.check:
        with open(args.output) as f:
            same = f.read() == text
        print("%s: %s" % (args.output, "up to date" if same else "STALE"))
        return 0 if same else 1
    with open(args.output, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
