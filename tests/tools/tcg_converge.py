#!/usr/bin/env python3
# tests/tools/tcg_converge.py DIR N [conv|noconv] - not a test: QEMU alone
# (no agent, no relay, no storage mirror, user-mode NIC) migrating the test
# guest dirtying 24 MB/s over a unix socket N times with what the agent
# sets for t_migrate_converge (auto-converge, 6 MiB/s, 300 ms downtime), then
# looks for a kernel oops on the destination's console.  It separates a
# fault of QEMU's TCG pre-copy from one of the agent (doc/migrate-tests.md).
# GUEST_DIR: the built guest (tests/guest/guest.sh guest_paths).
# Variants (the figures in doc/migrate-tests.md): ACCEL replaces "tcg" in
# -accel (e.g. tcg,thread=single); PARAMS, a JSON object, is merged into
# migrate-set-parameters (e.g. {"cpu-throttle-tailslow": true}); BW is the
# bandwidth in MiB/s (default 6).
import json, socket, subprocess, sys, time, os
D = sys.argv[1]; n = int(sys.argv[2]); conv = sys.argv[3] == "conv"
G = os.environ["GUEST_DIR"]
os.makedirs(D, exist_ok=True)
def argv(tag, extra):
    return ["qemu-system-x86_64", "-name", "guest=busy", "-nodefaults", "-no-user-config",
            "-machine", "pc", "-accel", os.environ.get("ACCEL", "tcg"), "-cpu", "qemu64", "-m", "192", "-smp", "1",
            "-display", "none", "-chardev", "socket,id=qmp,path=%s/%s.qmp,server=on,wait=off" % (D, tag),
            "-mon", "chardev=qmp,mode=control",
            "-chardev", "file,id=console,path=%s/%s.console" % (D, tag), "-serial", "chardev:console",
            "-netdev", "user,id=net0", "-device", "virtio-net-pci,netdev=net0,mac=52:54:00:12:34:57,id=nic0",
            "-kernel", G + "/vmlinuz", "-initrd", G + "/initrd.img",
            "-append", "console=ttyS0 panic=-1 minidc.ip=192.168.0.50/24 minidc.dirty=24"] + extra
class Q:
    def __init__(s, path):
        for _ in range(100):
            try:
                s.s = socket.socket(socket.AF_UNIX); s.s.connect(path); break
            except OSError: time.sleep(0.1)
        s.f = s.s.makefile("rw"); s.f.readline(); s.cmd("qmp_capabilities")
    def cmd(s, c, **a):
        s.f.write(json.dumps({"execute": c, "arguments": a}) + "\n"); s.f.flush()
        while True:
            l = json.loads(s.f.readline())
            if "event" not in l: return l
for it in range(n):
    for f in os.listdir(D):
        os.unlink(os.path.join(D, f))
    src = subprocess.Popen(argv("src", []), stderr=open(D + "/src.err", "w"))
    qs = Q(D + "/src.qmp")
    t0 = time.time()
    while "guest: ready" not in open(D + "/src.console", errors="replace").read():
        time.sleep(1)
    time.sleep(5)
    dst = subprocess.Popen(argv("dst", ["-incoming", "unix:%s/mig.sock" % D]), stderr=open(D + "/dst.err", "w"))
    qd = Q(D + "/dst.qmp")
    qs.cmd("migrate-set-capabilities", capabilities=[{"capability": "auto-converge", "state": conv}])
    par = {"downtime-limit": 300, "max-bandwidth": int(os.environ.get("BW", "6")) << 20}
    par.update(json.loads(os.environ.get("PARAMS", "{}")))
    r = qs.cmd("migrate-set-parameters", **par)
    if "error" in r:
        sys.exit("migrate-set-parameters: %s" % r["error"])
    time.sleep(0.5)
    qs.cmd("migrate", uri="unix:%s/mig.sock" % D)
    while True:
        st = qs.cmd("query-migrate")["return"]
        if st.get("status") in ("completed", "failed", "cancelled"): break
        time.sleep(0.5)
    rounds = st.get("ram", {}).get("dirty-sync-count")
    thr = st.get("cpu-throttle-percentage")  # absent once completed on some versions
    time.sleep(8)
    c = open(D + "/dst.console", errors="replace").read()
    bad = any(w in c for w in ("Oops", "BUG:", "panic", "general protection"))
    print("iter", it, st.get("status"), "rounds", rounds, "total-ms", st.get("total-time"), "throttle", thr,
          "dst-crash" if bad else "dst-ok", flush=True)
    if bad:
        os.rename(D + "/dst.console", "%s.crash%d" % (D, it))
    src.kill(); dst.kill(); src.wait(); dst.wait()
