#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Seed corpora for the fuzz targets, one directory each under corpus/:
stack_input: valid and nearly valid frames addressed to the fuzz stack
(198.18.0.2, MAC 02:00:00:00:00:02), each prefixed with the shape byte 0
(raw; needs scapy); tcp_estab: operation programs for fuzz_tcp_estab_ops.c
(encoded as its op_* functions read them); http_request, http_response:
messages for the parser targets. Deterministic; run with /usr/bin/python3.
Regression inputs the fuzzers found are committed beside the seeds
(fuzz-* and crash-* names) and are not generated here.
usage: gen_corpus.py [TARGET ...]   (default: all)"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

OUR_MAC = "02:00:00:00:00:02"
PEER_MAC = "02:00:00:00:00:01"
OUR, PEER = "198.18.0.2", "198.18.0.1"


def frames():
    from scapy.all import ARP, ICMP, IP, UDP, TCP, Ether, Raw  # noqa: E402
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


def stack_input():
    for name, pkt in frames():
        yield name, b"\x00" + bytes(pkt)


# ---- tcp_estab: operations (see fuzz_tcp_estab_ops.c, op_run) ----
ACK, FIN, SYN, RST, PSH = 0x10, 0x01, 0x02, 0x04, 0x08
C_FULL, C_PLAIN, C_ACTIVE, C_SYN_RCVD, C_SYN_SENT = 0, 1, 2, 3, 4


def seg(conn, flags=ACK, dseq=0, dack=0, wnd=1024, opts=0, length=0, extra=b""):
    """A segment around the connection's numbers; opts bits: 0x01 no
    timestamps, 0x02 SACK (blocks (opts >> 2 & 3) + 1, two bytes each in
    extra), 0x10 TSval moved (one byte in extra), 0x20 SYN options, 0x40
    urgent pointer (two bytes in extra), 0x80 dack from the peer's last
    ACK instead of from all tern sent."""
    return struct.pack(">BBBhhHBB", 0, conn, flags ^ ACK, dseq, dack, wnd, opts,
                       length // 8) + extra


def data(conn, length, fin=False):
    return bytes([3, conn, length // 8, 1 if fin else 0])


def ack(conn, wnd=1024):
    return struct.pack(">BBH", 4, conn, wnd)


def send(conn, length):
    return bytes([5, conn, length // 32 - 1])


def app(conn, what):
    return bytes([6, conn, {"close": 0, "shutdown": 1, "abort": 2, "hold": 3,
                            "nodelay": 4, "cubic": 5}[what]])


def clock(ms):
    return bytes([7, [1, 5, 40, 200, 1000, 3000, 10000, 60000].index(ms)])


def dupacks(conn, n, opts=0, extra=b""):
    return bytes([8, conn, n - 1, opts]) + extra


def tcp_estab():
    every = (C_FULL, C_PLAIN, C_ACTIVE)
    yield "idle", b""
    yield "data_in_order", b"".join(data(c, 512) for c in every)
    yield "send_acked", b"".join(send(c, 4096) + ack(c) for c in every)
    yield "send_unacked_rto", send(C_FULL, 8192) + clock(1000) + clock(3000)
    yield "ooo_then_fill", (seg(C_FULL, dseq=800, length=400) +
                            seg(C_FULL, dseq=400, length=400) +
                            seg(C_FULL, length=400))
    yield "ooo_plain", seg(C_PLAIN, dseq=1000, length=200) + data(C_PLAIN, 1000)
    yield "sack_blocks", (send(C_FULL, 8192) + seg(C_FULL, dack=-8192, opts=0x02 | 0x04,
                          extra=bytes([16, 16, 48, 8])) + clock(200) + ack(C_FULL))
    yield "dupacks", send(C_ACTIVE, 8192) + dupacks(C_ACTIVE, 4) + ack(C_ACTIVE)
    yield "partial_acks", (send(C_PLAIN, 8192) + dupacks(C_PLAIN, 3) +
                           seg(C_PLAIN, dack=1460, opts=0x80) + seg(C_PLAIN, dack=2920, opts=0x80) +
                           ack(C_PLAIN))
    yield "sack_recovery", (send(C_FULL, 8192) + dupacks(C_FULL, 3, 0x02 | 0x04,
                            bytes([23, 23, 46, 23])) + clock(40) + ack(C_FULL))
    yield "cubic_bulk", (app(C_ACTIVE, "cubic") + b"".join(
        send(C_ACTIVE, 8192) + ack(C_ACTIVE, 8192) + clock(40) for _ in range(6)) +
        dupacks(C_ACTIVE, 3) + clock(1000) + ack(C_ACTIVE))
    yield "nodelay_small_sends", (app(C_FULL, "nodelay") + send(C_FULL, 32) + send(C_FULL, 32) +
                                  app(C_FULL, "nodelay") + send(C_FULL, 32) + ack(C_FULL))
    yield "peer_fin_app_close", data(C_FULL, 64, fin=True) + app(C_FULL, "close") + ack(C_FULL)
    yield "app_close_time_wait", (app(C_PLAIN, "close") + ack(C_PLAIN) +
                                  data(C_PLAIN, 0, fin=True) + clock(1000))
    yield "shutdown_both", (app(C_ACTIVE, "shutdown") + data(C_ACTIVE, 128, fin=True) +
                            ack(C_ACTIVE) + app(C_ACTIVE, "close"))
    yield "simultaneous_close", app(C_FULL, "close") + seg(C_FULL, flags=ACK | FIN, dack=-1)
    yield "rst_in_window", seg(C_FULL, flags=RST, dseq=100)
    yield "rst_exact", seg(C_ACTIVE, flags=RST) + seg(C_PLAIN, flags=RST | ACK)
    yield "syn_in_established", seg(C_FULL, flags=SYN, opts=0x20)
    yield "zero_window_persist", (ack(C_FULL, 0) + send(C_FULL, 4096) + clock(1000) +
                                  clock(3000) + ack(C_FULL, 1024))
    yield "app_holds_credit", (app(C_PLAIN, "hold") + b"".join(
        data(C_PLAIN, 1456) for _ in range(8)) + app(C_PLAIN, "hold") + clock(200))
    yield "paws_old_ts", seg(C_FULL, opts=0x10, length=64, extra=b"\x80")
    yield "no_ts_when_agreed", seg(C_ACTIVE, opts=0x01, length=64)
    yield "urgent", seg(C_FULL, flags=ACK | 0x20, opts=0x40, length=16, extra=b"\x00\x08")
    yield "ack_beyond_snd_nxt", send(C_FULL, 1024) + seg(C_FULL, dack=5000)
    yield "keepalive", clock(10000) + clock(10000)
    yield "abort_all", b"".join(app(c, "abort") for c in every)
    yield "syn_rcvd_complete", seg(C_SYN_RCVD) + data(C_SYN_RCVD, 256) + send(C_SYN_RCVD, 1024)
    yield "syn_rcvd_rst", seg(C_SYN_RCVD, flags=RST, dack=-1)
    yield "syn_rcvd_bad_ack", seg(C_SYN_RCVD, dack=100) + clock(1000)
    yield "syn_sent_synack", (seg(C_SYN_SENT, flags=SYN | ACK, dseq=-1, opts=0x20) +
                              data(C_SYN_SENT, 64) + send(C_SYN_SENT, 512) + ack(C_SYN_SENT))
    yield "syn_sent_simultaneous", (seg(C_SYN_SENT, flags=SYN, dseq=-1, opts=0x20) +
                                    seg(C_SYN_SENT))
    # text on the SYN: it starts one after the SYN's sequence number
    yield "syn_sent_synack_text", (seg(C_SYN_SENT, flags=SYN | ACK, dseq=-1, opts=0x20,
                                       length=64) + data(C_SYN_SENT, 64) + ack(C_SYN_SENT))
    yield "syn_sent_simultaneous_text", (seg(C_SYN_SENT, flags=SYN, dseq=-1, opts=0x20,
                                             length=64) + seg(C_SYN_SENT) +
                                         data(C_SYN_SENT, 64))
    yield "syn_sent_rst", seg(C_SYN_SENT, flags=RST | ACK)
    yield "syn_sent_timeout", clock(3000) + clock(3000) + clock(3000)
    yield "send_after_full", b"".join(send(C_FULL, 8192) for _ in range(4)) + ack(C_FULL, 0)


# ---- HTTP ----
def http_request():
    yield "get", b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
    yield "get_http10", b"GET /index.html HTTP/1.0\r\n\r\n"
    yield "keep_alive_10", b"GET / HTTP/1.0\r\nConnection: keep-alive\r\nHost: x\r\n\r\n"
    yield "pipelined", b"GET /a HTTP/1.1\r\nHost: a\r\n\r\nHEAD /b HTTP/1.1\r\nHost: a\r\n\r\n"
    yield "post_length", b"POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
    yield "post_chunked", (b"POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                           b"5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\n")
    yield "te_and_cl", (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                        b"Transfer-Encoding: chunked\r\n\r\n")
    yield "te_list", b"PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"
    yield "connection_list", b"OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n"
    yield "leading_crlf", b"\r\n\r\nDELETE /x HTTP/1.1\r\nHost: a\r\n\r\n"
    yield "unknown_method", b"BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n"
    yield "bare_lf", b"GET / HTTP/1.1\nHost: a\n\n"
    yield "obs_fold", b"GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n"
    yield "two_hosts", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"
    yield "bad_version", b"GET / HTTP/2.0\r\n\r\n"
    yield "long_path", b"GET /" + b"a" * 1100 + b" HTTP/1.1\r\n\r\n"
    yield "cl_overflow", b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"
    yield "cl_list", b"POST / HTTP/1.1\r\nContent-Length: 4, 4\r\n\r\nabcd"
    yield "patch_abs_target", b"PATCH http://a/b?c=d HTTP/1.1\r\nHost: a\r\n\r\n"


def http_response():
    def r(seg, body):
        return bytes([seg]) + body
    yield "ok_length", r(255, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    yield "ok_length_bytewise", r(0, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    yield "chunked", r(2, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                       b"4\r\nabcd\r\n0\r\n\r\n")
    yield "chunked_trailer", r(5, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                               b"a; x=y\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n")
    yield "no_length_close", r(8, b"HTTP/1.0 200 OK\r\n\r\nuntil the end")
    yield "continue_then_ok", r(3, b"HTTP/1.1 100 Continue\r\n\r\n"
                                b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    yield "no_content", r(1, b"HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n")
    yield "not_modified", r(0, b"HTTP/1.1 304 Not Modified\r\n\r\n")
    yield "keep_alive_10", r(9, b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
                             b"Content-Length: 2\r\n\r\nok")
    yield "close", r(0, b"HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
    yield "extra_bytes", r(0, b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab")
    yield "te_and_cl", r(0, b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
    yield "bad_status", r(0, b"HTTP/1.1 20 OK\r\n\r\n")
    yield "big_head", r(40, b"HTTP/1.1 200 OK\r\n" + b"X-Pad: " + b"p" * 8200 + b"\r\n\r\n")


TARGETS = {"stack_input": stack_input, "tcp_estab": tcp_estab,
           "http_request": http_request, "http_response": http_response}


def main(names):
    for t in names or TARGETS:
        out = os.path.join(HERE, "corpus", t)
        os.makedirs(out, exist_ok=True)
        for name, blob in TARGETS[t]():
            with open(os.path.join(out, name), "wb") as f:
                f.write(blob)


if __name__ == "__main__":
    main(sys.argv[1:])
