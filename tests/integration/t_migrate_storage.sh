#!/bin/sh
# tests/integration/t_migrate_storage.sh - Move-VM -IncludeStorage's disk
# copy over the authenticated GSS context: a sparse 64 MiB disk with a few
# MiB of random data is moved; same SHA-256, stays sparse; zstd and
# integrity-only variants; a corrupted stream, an existing target, a path
# outside the storage directory and the policy refusals leave nothing at
# the destination and the source untouched.
. "$top_srcdir/tests/harness/harness.sh"
harness_start

J="$top_builddir/join/minidc-join"
M="$top_builddir/migrate-auth/minidc-migrate"
KT1="$H_TMP/host1.keytab"
KT2="$H_TMP/host2.keytab"
S1="$H_TMP/state1"
S2="$H_TMP/state2"
D1="$H_TMP/disks1"
D2="$H_TMP/disks2"
AGENTS=""
trap 'for p in $AGENTS; do kill "$p" 2>/dev/null; done; harness_cleanup' EXIT

free_port() {
	_p=$(( 20000 + ($$ * 7 + $1) % 20000 ))
	while ss -Htln "src $H_ADDR:$_p" | grep -q . || [ "$_p" = "${P1:-}" ] ||
		[ "$_p" = "${P2:-}" ]; do
		_p=$((_p + 1))
	done
	echo "$_p"
}
kinit_pw() { _pw=$1; shift; printf '%s\n' "$_pw" | kinit "$@" >/dev/null 2>&1; }
sha() { sha256sum < "$1" | cut -d' ' -f1; }
# nothing at the destination: no file, no temp file
d2_empty() { [ -z "$(ls -A "$D2")" ]; }

for h in host1 host2; do
	"$J" join --domain example.com --host-fqdn "$h.example.com" \
		--keytab "$H_TMP/$h.keytab" --server "$H_ADDR" \
		--password-file "$H_ADMIN_PW_FILE" --no-dns-update >/dev/null 2>&1
	t_is "minidc-join $h exits 0" "$?" 0
done
t_ok "delegation allow HOST1\$ migrate/host2.example.com" \
	"$MINIDC" delegation allow 'HOST1$' migrate/host2.example.com --dir "$H_DIR"
printf 'Al1ce-Pass-1\n' | "$MINIDC" user add alice --dir "$H_DIR" >/dev/null 2>&1
t_is "user add alice" "$?" 0
printf 'B0b-Pass-1\n' | "$MINIDC" user add bob --dir "$H_DIR" >/dev/null 2>&1
t_is "user add bob" "$?" 0
t_ok "alice joins Migration Operators" \
	"$MINIDC" group addmember "Migration Operators" alice --dir "$H_DIR"
"$M" enable --state "$S1" >/dev/null 2>&1
"$M" enable --state "$S2" >/dev/null 2>&1
t_ok "network add $H_ADDR/32 on host2" "$M" network add "$H_ADDR/32" --state "$S2"
# host2's address is not in DNS here: host1 reaches it through its network
t_ok "network add $H_ADDR/32 on host1" "$M" network add "$H_ADDR/32" --state "$S1"
mkdir -p "$D1" "$D2"

# ---- the disk: 64 MiB, 4 MiB of random data at scattered offsets (one
# unaligned), 2 MiB of written zeros that must not travel or allocate ----
IMG="$D1/disk.img"
truncate -s 64M "$IMG"
for off in 1 17 40 62; do
	dd if=/dev/urandom of="$IMG" bs=1M count=1 seek="$off" conv=notrunc \
		status=none
done
dd if=/dev/urandom of="$IMG" bs=1 count=1000 seek=$((30 * 1048576 + 12345)) \
	conv=notrunc status=none
dd if=/dev/zero of="$IMG" bs=1M count=2 seek=50 conv=notrunc status=none
SRC_SHA=$(sha "$IMG")
t_is "the source disk is 64 MiB" "$(stat -c %s "$IMG")" 67108864

# ---- agents ----
P1=$(free_port 1)
P2=$(free_port 2)
P3=$(free_port 3)
"$M" agent --keytab "$KT1" --listen "$H_ADDR:$P1" --state "$S1" \
	--storage-dir "$D1" > "$H_TMP/agent1.out" 2>&1 &
AGENTS="$!"
"$M" agent --keytab "$KT2" --listen "$H_ADDR:$P2" --state "$S2" \
	--storage-dir "$D2" > "$H_TMP/agent2.out" 2>&1 &
AGENTS="$AGENTS $!"
t_wait "$H_WAIT" sh -c "ss -Htln 'src $H_ADDR:$P1' | grep -q ."
t_is "agent host1 listening" "$?" 0
t_wait "$H_WAIT" sh -c "ss -Htln 'src $H_ADDR:$P2' | grep -q ."
t_is "agent host2 listening" "$?" 0
VIA="--via $H_ADDR:$P1 --dest-addr $H_ADDR:$P2"
move() { "$M" move vm1 --to host2.example.com --include-storage "$@" 2>&1; }
refused() { # DESC PATTERN ARGS...: exit 1, one line, the reason, no file
	_d=$1; _pat=$2; shift 2
	_out=$(move "$@"); _rc=$?
	t_is "$_d: exit 1, one line" "$_rc:$(printf '%s\n' "$_out" | wc -l)" "1:1"
	t_like "$_d: the reason" "$_out" "$_pat"
	t_ok "$_d: nothing at the destination" d2_empty
}

# ---- the copy ----
kinit_pw Al1ce-Pass-1 -f alice
out=$(move $VIA --storage-path disk.img)
t_is "alice moves vm1 with its disk: exit 0" "$?" 0
t_like "accepted, stored, verified" "$out" \
	"^accepted by host2.example.com: VM vm1 from host1.example.com for alice@EXAMPLE.COM, delegated by HOST1\\\$@EXAMPLE.COM; host2.example.com stored $D2/disk.img \\(67108864 bytes, sha256 $SRC_SHA\\)"
t_is "sha256sum of the copy = of the source" "$(sha "$D2/disk.img")" "$SRC_SHA"
t_is "the copy has the same size" "$(stat -c %s "$D2/disk.img")" 67108864
alloc=$(( $(stat -c %b "$D2/disk.img") * $(stat -c %B "$D2/disk.img") ))
t_ok "the copy stays sparse ($alloc bytes allocated, 4 MiB of data)" \
	test "$alloc" -ge 4194304 -a "$alloc" -le 8388608
sent=$(printf '%s\n' "$out" | sed -n 's/.*(\([0-9]*\) bytes of data in [0-9]* chunks)$/\1/p')
t_ok "only the data travelled, not the zeros (${sent:-?} bytes)" \
	test "${sent:-0}" -ge 4195304 -a "${sent:-0}" -le 4718592
t_is "the source is untouched" "$(sha "$IMG")" "$SRC_SHA"
t_unlike "no temp file left" "$(ls -A "$D2")" "^\\."
t_like "host2's agent logged the stored disk" "$(cat "$H_TMP/agent2.out")" \
	"alice@EXAMPLE.COM disk of VM vm1 from host1.example.com: host2.example.com stored"

out=$(move $VIA --storage-path "$IMG" --dest-path disk-z.img --compress zstd)
t_is "absolute path, --compress zstd, --dest-path: exit 0" "$?" 0
t_is "zstd copy: same sha256" "$(sha "$D2/disk-z.img")" "$SRC_SHA"
out=$(move $VIA --storage-path disk.img --dest-path disk-p.img --no-encrypt)
t_is "--no-encrypt (integrity only): exit 0" "$?" 0
t_is "integrity-only copy: same sha256" "$(sha "$D2/disk-p.img")" "$SRC_SHA"

before=$(ls -A "$D2" | tr '\n' ' ')
out=$(move $VIA --storage-path disk.img)
t_is "the target exists: exit 1, one line" "$?:$(printf '%s\n' "$out" | wc -l)" "1:1"
t_like "the target exists: the reason" "$out" \
	"^minidc-migrate move: refused by host2.example.com: $D2/disk.img already exists$"
t_is "the target exists: nothing new at the destination" \
	"$(ls -A "$D2" | tr '\n' ' ')" "$before"
t_is "the target exists: it is left alone" "$(sha "$D2/disk.img")" "$SRC_SHA"
rm -f "$D2"/*
t_ok "the destination directory is empty again" d2_empty

# ---- a corrupted stream: a proxy flips one byte of a data frame ----
python3 - "$H_ADDR" "$P3" "$P2" > "$H_TMP/proxy.out" 2>&1 <<'PY' &
import socket, sys, threading
addr, lport, dport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((addr, lport)); ls.listen(1); ls.settimeout(60)
a, _ = ls.accept()
b = socket.create_connection((addr, dport), source_address=(addr, 0))
def back():
    try:
        while True:
            d = b.recv(65536)
            if not d: break
            a.sendall(d)
    except OSError: pass
    try: a.shutdown(socket.SHUT_WR)
    except OSError: pass
threading.Thread(target=back, daemon=True).start()
def readn(n):
    buf = b""
    while len(buf) < n:
        d = a.recv(n - len(buf))
        if not d: raise EOFError
        buf += d
    return buf
big = 0
try:
    while True:
        hdr = readn(4); n = int.from_bytes(hdr, "big"); body = bytearray(readn(n))
        if n > 1000:
            big += 1
            if big == 5:
                body[n // 2] ^= 0x40
                print("flipped", flush=True)
        b.sendall(hdr + bytes(body))
except (EOFError, OSError): pass
try: b.shutdown(socket.SHUT_WR)
except OSError: pass
PY
PROXY=$!
t_wait "$H_WAIT" sh -c "ss -Htln 'src $H_ADDR:$P3' | grep -q ."
refused "a corrupted stream" \
	"^minidc-migrate move: failed on host2.example.com: receiving the disk: gss_unwrap: " \
	--via "$H_ADDR:$P1" --dest-addr "$H_ADDR:$P3" --storage-path disk.img
wait "$PROXY" 2>/dev/null
t_is "the proxy did flip a byte" "$(cat "$H_TMP/proxy.out")" "flipped"
t_is "the source is still untouched" "$(sha "$IMG")" "$SRC_SHA"

# ---- refusals: before a single byte of the disk ----
refused "a disk outside host1's storage directory" \
	"^minidc-migrate move: refused by host1.example.com: /etc/passwd is not inside its storage directory$" \
	$VIA --storage-path /etc/passwd
ln -s /etc/passwd "$D1/link.img"
refused "a symlink out of host1's storage directory" \
	"^minidc-migrate move: refused by host1.example.com: link.img is not inside its storage directory$" \
	$VIA --storage-path link.img
refused "a missing disk" \
	"^minidc-migrate move: host1.example.com: nope.img: No such file or directory$" \
	$VIA --storage-path nope.img
kinit_pw B0b-Pass-1 -f bob
refused "bob, not in Migration Operators: refused by the source" \
	"^minidc-migrate move: refused by host1.example.com: bob@EXAMPLE.COM is not a member of Migration Operators$" \
	$VIA --storage-path disk.img
kinit_pw Al1ce-Pass-1 -f alice
"$M" disable --state "$S2" >/dev/null 2>&1
refused "migration disabled on host2" \
	"^minidc-migrate move: refused by host2.example.com: migration is disabled on host2.example.com$" \
	$VIA --storage-path disk.img
"$M" enable --state "$S2" >/dev/null 2>&1
"$M" network remove "$H_ADDR/32" --state "$S2" >/dev/null 2>&1
refused "source address outside host2's migration networks" \
	"^minidc-migrate move: refused by host2.example.com: source address $H_ADDR is not in a migration network of host2.example.com$" \
	$VIA --storage-path disk.img
"$M" network add "$H_ADDR/32" --state "$S2" >/dev/null 2>&1
t_ok "delegation deny HOST1\$ migrate/host2.example.com" \
	"$MINIDC" delegation deny 'HOST1$' migrate/host2.example.com --dir "$H_DIR"
refused "delegation not allowed" \
	"^minidc-migrate move: host1.example.com could not obtain a ticket to migrate/host2.example.com for alice@EXAMPLE.COM" \
	$VIA --storage-path disk.img
t_ok "delegation allow again" \
	"$MINIDC" delegation allow 'HOST1$' migrate/host2.example.com --dir "$H_DIR"
"$M" disable --state "$S1" >/dev/null 2>&1
refused "migration disabled on host1 (the source)" \
	"^minidc-migrate move: refused by host1.example.com: migration is disabled on host1.example.com \\(the source\\)$" \
	$VIA --storage-path disk.img
"$M" enable --state "$S1" >/dev/null 2>&1
kdestroy >/dev/null 2>&1
kinit_pw Al1ce-Pass-1 -F alice
refused "a non-forwardable TGT (kinit -F)" \
	"^minidc-migrate move: the ticket of alice@EXAMPLE.COM to migrate/host1.example.com is not forwardable" \
	$VIA --storage-path disk.img
kinit_pw Al1ce-Pass-1 -f alice
n=$(grep -c "disk of VM" "$H_TMP/agent2.out")
t_is "host2 received a disk only for the 3 accepted moves and the corrupted one" "$n" 4

out=$("$M" move vm1 --to host2.example.com $VIA --include-storage 2>&1)
t_is "--include-storage without --storage-path: usage error" "$?" 2
out=$("$M" move vm1 --to host2.example.com $VIA --include-storage \
	--storage-path disk.img --dest-path ../x 2>&1)
t_is "--dest-path with a slash: usage error" "$?" 2

out=$(move $VIA --storage-path disk.img)
t_is "after all that, the copy still works" "$?:$(sha "$D2/disk.img")" "0:$SRC_SHA"

for p in $AGENTS; do kill "$p" 2>/dev/null; done
for p in $AGENTS; do wait "$p" 2>/dev/null; done
t_unlike "no sanitizer report in the agents' logs" \
	"$(cat "$H_TMP/agent1.out" "$H_TMP/agent2.out")" "Sanitizer|runtime error"
t_unlike "agents stopped" "$(for p in $AGENTS; do kill -0 "$p" 2>/dev/null && echo alive; done)" alive
AGENTS=""
harness_done
