#!/usr/bin/env python3
# bench/replication/lag.py - replication lag under a steady write stream.
# usage: lag.py LDAPI1 LDAPI2 DN RATE SECONDS
# Writes "description: <n> <ns>" to DN on the first DC at RATE per second
# (one ldapmodify over ldapi, records streamed), and watches DN on both DCs
# with an RFC 4533 refreshAndPersist search (ldapsearch -E sync=rp).  Lag of
# a write = when a DC's stream shows it - when it was sent.  Prints the
# rate reached and min/median/p95/max lag on the first DC (its own sync
# stream: the reference) and on the second (replicated), and their ratio.
import subprocess
import sys
import threading
import time

ld1, ld2, dn, rate, secs = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
seen = {ld1: {}, ld2: {}}


def watch(uri):
    p = subprocess.Popen(["ldapsearch", "-Q", "-LLL", "-o", "ldif-wrap=no", "-Y", "EXTERNAL",
                          "-H", uri, "-b", dn, "-s", "base", "-E", "!sync=rp", "description"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
    for line in p.stdout:
        if line.startswith("description: "):
            n = line.split()[1]
            seen[uri].setdefault(n, time.monotonic_ns())


threads = [threading.Thread(target=watch, args=(u,), daemon=True) for u in (ld1, ld2)]
for t in threads:
    t.start()
time.sleep(1.0)
w = subprocess.Popen(["ldapmodify", "-Q", "-c", "-Y", "EXTERNAL", "-H", ld1],
                     stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=None, text=True)
sent = {}
start = time.monotonic()
n = 0
while time.monotonic() - start < secs:
    due = start + n / rate
    now = time.monotonic()
    if due > now:
        time.sleep(due - now)
    sent[str(n)] = time.monotonic_ns()
    w.stdin.write("dn: %s\nchangetype: modify\nreplace: description\ndescription: %d\n\n" % (dn, n))
    w.stdin.flush()
    n += 1
w.stdin.close()
w.wait()
elapsed = time.monotonic() - start
time.sleep(5.0)


def stats(uri):
    lags = sorted((seen[uri][k] - sent[k]) / 1e6 for k in seen[uri] if k in sent)
    if not lags:
        return None
    return (len(lags), lags[0], lags[len(lags) // 2], lags[int(len(lags) * 0.95)], lags[-1])


print("writes: %d in %.1f s (%.1f/s asked %.0f/s)" % (n, elapsed, n / elapsed, rate))
r = {}
for name, uri in (("dc1 (own stream)", ld1), ("dc2 (replicated)", ld2)):
    s = stats(uri)
    r[uri] = s
    if s is None:
        print("%s: no change seen" % name)
    else:
        print("%s: seen %d, lag ms min/median/p95/max %.1f/%.1f/%.1f/%.1f" % ((name,) + s))
if r[ld1] and r[ld2] and r[ld1][2] > 0:
    print("ratio median lag replicated/local: %.2f" % (r[ld2][2] / r[ld1][2]))
