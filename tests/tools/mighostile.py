#!/usr/bin/env python3
# tests/tools/mighostile.py - hostile peers of a minidc-migrate agent (raw
# sockets, standard library only), bounded in count and time:
#   drip SRC ADDR PORT N SECONDS READY   keep N connections from SRC open,
#       each sending one byte every second of a frame that never completes
#       in time (a 4 KiB TOKEN frame); a closed
#       one is opened again.  READY is written once each of the first N has
#       had its first frame.  Prints "hello K" (connections the agent
#       greeted), "deadline K" (greeted, then closed by the agent while
#       dripping) and "refused K: TEXT" per ERROR text.
#   probe SRC ADDR PORT      one connection from SRC: prints the first
#       frame, "HELLO host" or "ERROR text", or "EOF"
#   listen ADDR PORT OUT     accept connections until killed; writes
#       "listening" to OUT, then one "connection from IP" line each
# Agent frames: u32be length (type + payload), u8 type, payload; HELLO (1)
# and ERROR (4) carry a u16be-length string.
import select
import socket
import struct
import sys
import time

HELLO, ERROR = 1, 4
# What a dripper sends, a byte a second: the header of a well-formed 4 KiB
# TOKEN frame, then its body, which never ends in time (so only a deadline
# can close the connection, never a malformed frame).
DRIP = b"\0\0\x10\0\x02" + b"A"


def connect(src, addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.connect((addr, port))
    s.setblocking(False)
    return s


class Peer:
    def __init__(self, s):
        self.s, self.buf, self.frames, self.eof = s, b"", [], False
        self.sent = 0

    def pump(self):
        """Read what is there; parse whole frames; note EOF/reset."""
        try:
            while True:
                d = self.s.recv(65536)
                if not d:
                    self.eof = True
                    break
                self.buf += d
        except BlockingIOError:
            pass
        except OSError:
            self.eof = True
        while len(self.buf) >= 4:
            n = struct.unpack(">I", self.buf[:4])[0]
            if len(self.buf) < 4 + n or n < 1:
                break
            body, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
            text = body[3:3 + struct.unpack(">H", body[1:3])[0]] \
                if len(body) >= 3 else b""
            self.frames.append((body[0], text.decode("ascii", "replace")))


def drip(src, addr, port, n, seconds, ready):
    end = time.monotonic() + seconds
    peers, hello, deadline, refused = [], 0, 0, {}
    initial, told, tick = None, False, 0.0
    while time.monotonic() < end:
        now = time.monotonic()
        drop = now - tick >= 1.0
        if drop:  # a byte each, and the closed ones again, once a second
            tick = now
            while len(peers) < n:
                peers.append(Peer(connect(src, addr, port)))
        if initial is None:
            initial = list(peers)
        select.select([p.s for p in peers if not p.eof], [], [], 0.2)
        for p in list(peers):
            seen = len(p.frames)
            p.pump()
            for t, text in p.frames[seen:]:
                if t == HELLO:
                    hello += 1
                elif t == ERROR:
                    refused[text] = refused.get(text, 0) + 1
            if p.eof:
                if p.frames and p.frames[0][0] == HELLO:
                    deadline += 1
                p.s.close()
                peers.remove(p)
                continue
            if drop:
                try:
                    p.s.send(DRIP[min(p.sent, len(DRIP) - 1):][:1])
                    p.sent += 1
                except OSError:
                    pass
        if not told and all(p.frames or p.eof for p in initial):
            with open(ready, "w") as f:
                f.write("ready\n")
            told = True
    print("hello %d" % hello)
    print("deadline %d" % deadline)
    for text, k in sorted(refused.items()):
        print("refused %d: %s" % (k, text))


def probe(src, addr, port):
    p = Peer(connect(src, addr, port))
    end = time.monotonic() + 10
    while not p.frames and not p.eof and time.monotonic() < end:
        select.select([p.s], [], [], 0.5)
        p.pump()
    if p.frames:
        t, text = p.frames[0]
        print("%s %s" % ("HELLO" if t == HELLO else
                         "ERROR" if t == ERROR else "frame %d" % t, text))
    else:
        print("EOF")


def listen(addr, port, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    with open(out, "a") as f:
        f.write("listening\n")
    while True:
        c, (ip, _) = s.accept()
        with open(out, "a") as f:
            f.write("connection from %s\n" % ip)
        c.close()


def main(argv):
    if argv[1:2] == ["drip"] and len(argv) == 8:
        drip(argv[2], argv[3], int(argv[4]), int(argv[5]), float(argv[6]),
             argv[7])
    elif argv[1:2] == ["probe"] and len(argv) == 5:
        probe(argv[2], argv[3], int(argv[4]))
    elif argv[1:2] == ["listen"] and len(argv) == 5:
        listen(argv[2], int(argv[3]), argv[4])
    else:
        sys.stderr.write("usage: mighostile.py drip|probe|listen ...\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
