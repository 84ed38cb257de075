#!/usr/bin/env python3
"""httppoll - poll the test guest's HTTP counter and judge the answers.

  httppoll.py URL [--interval 0.5] [--timeout 5] [--duration S]
              [--stop-file F] [--wait-ready S] [--after N]
              [--log FILE] [--summary FILE]

One GET every INTERVAL seconds (a new connection each time, TIMEOUT seconds
per request), until DURATION has passed, STOP-FILE exists, or SIGTERM/SIGINT
arrives.  The guest answers "counter=N disk=M".  Every answer is recorded
(--log: one line per poll).  At the end a summary is printed:

  polls ok 25/25, failed 0, longest gap 0.93 s, counter 1..25, ...

and the exit status is 1 if any request failed, the counter skipped or
repeated a value (or the first one is not AFTER+1 with --after), an answer's
disk value differed from its counter, or no poll succeeded at all; 2 on a
usage error.  --wait-ready S first waits up to S seconds for one good
answer (those tries are not judged) and fails if none comes.  --summary
writes the summary as JSON (last counter, longest gap, ...).
"""
import argparse
import http.client
import json
import os
import re
import signal
import sys
import time
import urllib.parse

ANSWER = re.compile(rb"^counter=(\d+) disk=(\S+)\s*$")
stop_now = False


def on_signal(_signum, _frame):
    global stop_now
    stop_now = True


def get(url, timeout):
    """One GET: (counter, disk, error)."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout)
    try:
        path = u.path or "/"
        if u.query:
            path += "?" + u.query
        conn.request("GET", path, headers={"Connection": "close"})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            return None, None, "HTTP %d" % resp.status
        m = ANSWER.match(body.strip())
        if m is None:
            return None, None, "bad body %r" % body[:60]
        return int(m.group(1)), m.group(2).decode(), None
    except (OSError, http.client.HTTPException) as e:
        return None, None, "%s: %s" % (type(e).__name__, e)
    finally:
        conn.close()


def should_stop(args, t_end):
    if stop_now:
        return True
    if args.stop_file and os.path.exists(args.stop_file):
        return True
    return t_end is not None and time.monotonic() >= t_end


def wait_ready(args):
    t_end = time.monotonic() + args.wait_ready
    err = "no try"
    while time.monotonic() < t_end and not stop_now:
        c, _d, err = get(args.url, args.timeout)
        if err is None:
            return c
        time.sleep(args.interval)
    print("httppoll: %s not ready after %g s (%s)" % (args.url, args.wait_ready, err))
    return None


def judge(rec, prev, after, lost, problems):
    """Check one answer against the previous counter.  lost requests failed
    since that answer: the guest may have counted them before the answer
    was lost, so the counter may move on by up to lost more (a failure is
    already reported as one)."""
    t, c, d, err = rec
    if err is not None:
        problems.append("t=%.2f failed: %s" % (t, err))
        return prev
    if d != str(c):
        problems.append("t=%.2f counter %d but disk %s" % (t, c, d))
    expect = (prev + 1) if prev is not None else (after + 1 if after is not None else None)
    if expect is not None and not expect <= c <= expect + lost:
        kind = "repeat" if c <= expect - 1 else "gap"
        problems.append("t=%.2f counter %d after %s (%s)" % (t, c, expect - 1, kind))
    return c


def poll(args, log):
    recs = []
    t0 = time.monotonic()
    t_end = t0 + args.duration if args.duration is not None else None
    nxt = t0
    while not should_stop(args, t_end):
        now = time.monotonic()
        if now < nxt:
            time.sleep(min(nxt - now, 0.05))
            continue
        nxt += args.interval
        start = time.monotonic()
        c, d, err = get(args.url, args.timeout)
        rec = (start - t0, c, d, err)
        recs.append(rec)
        if log:
            log.write("%.3f %.3f %s\n" % (rec[0], time.monotonic() - start,
                      err if err else "counter=%d disk=%s" % (c, d)))
            log.flush()
        if nxt < time.monotonic():
            nxt = time.monotonic()
    return recs, time.monotonic() - t0


def summarize(recs, elapsed, after):
    problems = []
    prev = None
    lost = 0
    for r in recs:
        prev = judge(r, prev, after, lost, problems)
        lost = lost + 1 if r[3] is not None else 0
    ok = [r for r in recs if r[3] is None]
    # The longest time without a good answer, from the start to the end.
    times = [0.0] + [r[0] for r in ok] + [elapsed]
    gap = max(b - a for a, b in zip(times, times[1:]))
    if not ok:
        problems.append("no poll succeeded")
    s = {
        "polls": len(recs), "ok": len(ok), "failed": len(recs) - len(ok),
        "longest_gap_s": round(gap, 3), "seconds": round(elapsed, 3),
        "first": ok[0][1] if ok else None, "last": ok[-1][1] if ok else None,
        "last_disk": ok[-1][2] if ok else None, "problems": problems,
    }
    return s


def main():
    ap = argparse.ArgumentParser(description="poll the guest's HTTP counter")
    ap.add_argument("url")
    ap.add_argument("--interval", type=float, default=0.5)
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--duration", type=float)
    ap.add_argument("--stop-file")
    ap.add_argument("--wait-ready", type=float, default=0.0)
    ap.add_argument("--after", type=int)
    ap.add_argument("--log")
    ap.add_argument("--summary")
    args = ap.parse_args()
    if args.duration is None and args.stop_file is None:
        print("httppoll: give --duration or --stop-file (or stop it with a signal)",
              file=sys.stderr)
    if args.interval <= 0 or args.timeout <= 0:
        print("httppoll: interval and timeout must be positive", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if args.wait_ready > 0 and wait_ready(args) is None:
        return 1
    log = open(args.log, "w") if args.log else None
    recs, elapsed = poll(args, log)
    if log:
        log.close()
    s = summarize(recs, elapsed, args.after)
    print("polls ok %d/%d, failed %d, longest gap %.2f s, counter %s..%s, last disk %s"
          % (s["ok"], s["polls"], s["failed"], s["longest_gap_s"], s["first"],
             s["last"], s["last_disk"]))
    for p in s["problems"][:20]:
        print("httppoll: " + p)
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump(s, f)
            f.write("\n")
    return 1 if s["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
