#!/usr/bin/env python3
"""tcprate - plain TCP throughput between two addresses (the reference for
the migration channel's throughput): a receiver on DST:PORT, a sender bound
to SRC, MIB mebibytes in 256 KiB writes; prints MiB/s as seen by the
receiver (first byte to last byte).

  tcprate.py SRC DST PORT MIB
"""
import socket
import sys
import threading
import time


def receive(ls, result):
    c, _ = ls.accept()
    n = 0
    t0 = None
    buf = memoryview(bytearray(1 << 20))
    while True:
        got = c.recv_into(buf)
        if not got:
            break
        if t0 is None:
            t0 = time.monotonic()
        n += got
    result.append((n, time.monotonic() - (t0 or time.monotonic())))
    c.close()


def main():
    if len(sys.argv) != 5:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    src, dst, port, mib = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((dst, port))
    ls.listen(1)
    result = []
    t = threading.Thread(target=receive, args=(ls, result))
    t.start()
    s = socket.create_connection((dst, port), source_address=(src, 0))
    buf = b"\x5a" * (256 << 10)
    for _ in range(mib * 4):
        s.sendall(buf)
    s.close()
    t.join()
    n, secs = result[0]
    print("%.1f" % (n / (1 << 20) / max(secs, 1e-6)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
