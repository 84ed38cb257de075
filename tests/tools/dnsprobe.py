#!/usr/bin/env python3
# tests/tools/dnsprobe.py - raw DNS probes the stock clients cannot send:
# TCP pipelining, TC without EDNS, malformed packets.  Standard library only.
# usage: dnsprobe.py pipeline|tc|bad ADDR PORT
import socket
import struct
import sys


def qname(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def query(qid, name, qtype, flags=0x0000, qd=1):
    return struct.pack(">HHHHHH", qid, flags, qd, 0, 0, 0) + \
        qname(name) + struct.pack(">HH", qtype, 1)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    return buf


def tcp_exchange(addr, port, msgs):
    s = socket.create_connection((addr, port), timeout=10)
    s.sendall(b"".join(struct.pack(">H", len(m)) + m for m in msgs))
    out = []
    for _ in msgs:
        n = struct.unpack(">H", recv_exact(s, 2))[0]
        out.append(recv_exact(s, n))
    s.close()
    return out


def udp_exchange(addr, port, msg, timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.sendto(msg, (addr, port))
    try:
        return s.recv(65535)
    except socket.timeout:
        return None
    finally:
        s.close()


def hdr(resp):
    qid, flags, qd, an, ns, ar = struct.unpack(">HHHHHH", resp[:12])
    return qid, flags, an


def pipeline(addr, port):
    msgs = [query(1, "example.com", 6), query(2, "example.com", 2),
            query(3, "dc1.example.com", 1)]
    resps = tcp_exchange(addr, port, msgs)
    good = sum(1 for i, r in enumerate(resps)
               if hdr(r)[0] == i + 1 and hdr(r)[1] & 0xf == 0 and hdr(r)[2] >= 1)
    print("ok %d" % good)


def tc(addr, port):
    r = udp_exchange(addr, port, query(7, "big.example.com", 16))
    qid, flags, an = hdr(r)
    if not flags & 0x0200 or len(r) > 512:
        print("udp: no TC (flags %#x, %d bytes)" % (flags, len(r)))
        return
    t = tcp_exchange(addr, port, [query(8, "big.example.com", 16)])[0]
    qid, flags, an = hdr(t)
    print("ok tc" if an >= 20 and not flags & 0x0200 else "tcp: %d answers" % an)


def bad(addr, port):
    res = []
    q = query(11, "example.com", 6)
    r = udp_exchange(addr, port, q[:4] + b"\0\0" + q[6:12])
    res.append("qd0 rcode=%s" % (r[3] & 0xf if r else "none"))
    two = struct.pack(">HHHHHH", 12, 0, 2, 0, 0, 0) + q[12:] + q[12:]
    r = udp_exchange(addr, port, two)
    res.append("qd2 rcode=%s" % (r[3] & 0xf if r else "none"))
    r = udp_exchange(addr, port, q[:17])
    res.append("trunc rcode=%s" % (r[3] & 0xf if r else "none"))
    r = udp_exchange(addr, port, query(13, "example.com", 6, flags=0x8000),
                     timeout=0.5)
    res.append("qr drop" if r is None else "qr answered")
    print(" ".join(res))


if __name__ == "__main__":
    {"pipeline": pipeline, "tc": tc, "bad": bad}[sys.argv[1]](
        sys.argv[2], int(sys.argv[3]))
