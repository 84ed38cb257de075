#!/usr/bin/env python3
# tests/tools/tcphostile.py - hostile DNS-over-TCP clients (raw sockets,
# standard library only), bounded in count and time:
#   slowloris ADDR PORT N SECONDS GAP   N connections, each sending one byte
#                                       of a query every GAP seconds, opened
#                                       again when the server closes them
#   noread ADDR PORT N SECONDS          N connections pipelining queries
#                                       without ever reading an answer
# Prints "opened K" and "closed_by_server K" (connections the server ended)
# and exits 0 after SECONDS.
import errno
import socket
import struct
import sys
import time


def query(qid):
    name = b"".join(bytes([len(x)]) + x for x in (b"dc1", b"example", b"com"))
    msg = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + name + b"\0" + \
        struct.pack(">HH", 1, 1)
    return struct.pack(">H", len(msg)) + msg


def connect(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect((addr, port))
    except BlockingIOError:
        pass
    return s


def closed(s):
    """True if the peer closed s (EOF or reset); never blocks."""
    try:
        return s.recv(65536) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def slowloris(addr, port, n, seconds, gap):
    end = time.monotonic() + seconds
    msg = query(7)
    conns = {}
    opened = ended = 0
    while time.monotonic() < end:
        while len(conns) < n:
            conns[connect(addr, port)] = 0
            opened += 1
        for s in list(conns):
            if closed(s):
                ended += 1
                s.close()
                del conns[s]
                continue
            pos = conns[s]
            try:
                s.send(msg[pos % len(msg):pos % len(msg) + 1])
                conns[s] = pos + 1
            except BlockingIOError:
                pass
            except OSError:
                ended += 1
                s.close()
                del conns[s]
        time.sleep(gap)
    for s in conns:
        s.close()
    print("opened", opened)
    print("closed_by_server", ended)


def noread(addr, port, n, seconds):
    end = time.monotonic() + seconds
    conns = []
    for _ in range(n):
        s = socket.create_connection((addr, port), timeout=5)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.setblocking(False)
        conns.append(s)
    ended = set()
    qid = 0
    burst = b"".join(query(i) for i in range(64))
    while time.monotonic() < end and len(ended) < n:
        for s in conns:
            if s in ended:
                continue
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                ended.add(s)  # reset by the server
                continue
            try:
                s.send(burst)  # pipelined queries; answers never read
                qid += 64
            except BlockingIOError:
                pass
            except OSError as e:
                if e.errno in (errno.EPIPE, errno.ECONNRESET):
                    ended.add(s)
        time.sleep(0.01)
    for s in conns:
        s.close()
    print("opened", n)
    print("closed_by_server", len(ended))


def main(argv):
    if len(argv) == 6 and argv[0] == "slowloris":
        slowloris(argv[1], int(argv[2]), int(argv[3]), float(argv[4]),
                  float(argv[5]))
        return 0
    if len(argv) == 5 and argv[0] == "noread":
        noread(argv[1], int(argv[2]), int(argv[3]), float(argv[4]))
        return 0
    print("usage: tcphostile.py slowloris ADDR PORT N SECONDS GAP | "
          "noread ADDR PORT N SECONDS", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
