#!/bin/sh
# tests/integration/t_guest_boot.sh - the building blocks of the live-move
# tests, without minidc: the test guest (Debian's kernel + busybox-static)
# boots under QEMU (TCG) on a tap of the test's own bridge, answers the HTTP
# counter, and each answer's disk value is the counter; httppoll judges them
# and finds a failure when the guest goes away.
. "$top_srcdir/tests/harness/netns.sh"
. "$top_srcdir/tests/guest/guest.sh"
# Build (or find) the guest before leaving the machine's network: a fresh
# machine downloads the kernel package once.
[ -n "${MINIDC_NETNS_INSIDE:-}" ] || guest_paths ||
	{ echo "Bail out! the test guest could not be built"; exit 99; }
netns_enter "$@"

N=0
FAILED=0
ok() { N=$((N + 1)); if [ "$1" -eq 0 ]; then echo "ok $N - $2"; else
	FAILED=$((FAILED + 1)); echo "not ok $N - $2"; fi; }
T=$(mktemp -d /tmp/minidc-guest-test.XXXXXX)
QPID=""
trap '[ -n "$QPID" ] && kill "$QPID" 2>/dev/null; wait; rm -rf "$T"' EXIT

guest_paths
ok $? "the guest builds (or comes from the cache): ${GUEST_DIR:-none}"
[ -n "${GUEST_DIR:-}" ] || { echo "1..$N"; exit 1; }
stat -c '%U %a' "$GUEST_DIR" | grep -qx 'root 755'
ok $? "the cached guest is root-owned 0755"
ok "$(test -s "$GUEST_KERNEL" && test -s "$GUEST_INITRD"; echo $?)" \
	"vmlinuz and initrd.img are there"

netns_tap tap0
ok $? "tap0 on $NETNS_BR"
truncate -s 1G "$T/disk.img"
qemu-system-x86_64 -accel tcg -m 256 -nodefaults -display none \
	-serial "file:$T/console.log" -kernel "$GUEST_KERNEL" -initrd "$GUEST_INITRD" \
	-append "$(guest_append "$NETNS_GUEST")" \
	-drive "file=$T/disk.img,format=raw,if=virtio,cache=none" \
	-netdev tap,id=n0,ifname=tap0,script=no,downscript=no \
	-device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56 &
QPID=$!
URL="http://$NETNS_GUEST/cgi-bin/counter"

# Boot (TCG: 15-20 s here), then a few seconds of polls: all good.
$HTTPPOLL "$URL" --wait-ready 180 --duration 4 --summary "$T/s1.json" \
	> "$T/poll1.out" 2>&1
rc=$?
sed 's/^/# /' "$T/poll1.out"
ok $rc "the guest answers; counter and disk agree, no gap, no failure"
js() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@" 2>/dev/null; }
last=$(js "$T/s1.json" last)
n=$(js "$T/s1.json" polls)
ok "$(test "${n:-0}" -ge 2 && test "$(js "$T/s1.json" ok)" = "$n"; echo $?)" \
	"several polls, every one answered (${n:-0})"

# A second poller continues the same counter (--after).
$HTTPPOLL "$URL" --duration 1.5 --after "${last:-0}" > "$T/poll2.out" 2>&1
ok $? "a second poller sees the counter continue after $last"
$HTTPPOLL "$URL" --duration 1 --after 0 --summary "$T/s3.json" > "$T/poll3.out" 2>&1
ok "$(test $? -eq 1; echo $?)" "httppoll reports a counter that does not continue (exit 1)"
grep -q "(gap)" "$T/poll3.out"
ok $? "and calls it a gap"

# The disk holds what the guest wrote (cache=none, dd conv=fsync).
kill "$QPID"; wait "$QPID" 2>/dev/null; QPID=""
v=$(guest_disk_value "$T/disk.img")
last=$(js "$T/s3.json" last)
ok "$(test -n "$v" && test "$v" = "$last"; echo $?)" "sector 0 of the image holds the last value served ($v = ${last:-none})"

# With the guest gone, polls fail and httppoll says so.
$HTTPPOLL "$URL" --duration 1.5 --timeout 0.5 > "$T/poll4.out" 2>&1
ok "$(test $? -eq 1; echo $?)" "httppoll exits 1 when requests fail"
grep -q "failed" "$T/poll4.out"
ok $? "and reports the failed requests"
$HTTPPOLL "$URL" --wait-ready 1 --duration 1 > /dev/null 2>&1
ok "$(test $? -eq 1; echo $?)" "--wait-ready gives up on a guest that never answers"
[ $FAILED -gt 0 ] && sed 's/^/# console: /' "$T/console.log" | tail -n 30
echo "1..$N"
[ $FAILED -eq 0 ]
