#!/bin/sh
# examples/two-host-migration.sh - the reference scenario from scratch:
# a domain (dc1.example.com), two hosts joined to it, constrained
# delegation host1 -> host2, a Migration Operator, a VM "web1" (256 MiB, a
# 1 GiB sparse disk, a small Linux guest serving an HTTP counter that also
# writes every value to its disk) running on host1, and a live
# Move-VM -IncludeStorage to host2 while the counter is polled every 0.5 s.
# Prints each step's command and a report at the end.
#
# usage: examples/two-host-migration.sh [BUILDDIR]     (as root)
#   BUILDDIR: a built tree (default: build/release, built if absent).
# Everything runs in a network namespace of its own (a bridge 192.168.0.0/24
# with the DC at .10, host1 .11, host2 .12 and the guest at .50) and in a
# scratch directory that is removed at the end; the machine's interfaces
# and resolver are never used.  The first run downloads Debian's kernel
# package once (~70 MB) to build the guest.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${MINIDC_NETNS_INSIDE:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "two-host-migration: run as root" >&2; exit 1; }
	"$top/scripts/deps" || exit 1
	if [ -n "${1:-}" ]; then
		B=$(cd "$1" && pwd) || exit 1
	else
		B="$top/build/release"
		[ -x "$B/migrate-auth/minidc-migrate" ] || "$top/scripts/build" release || exit 1
	fi
	GUEST=$("$top/tests/guest/build-guest.sh") || exit 1
	export B GUEST
fi
top_srcdir=$top
export top_srcdir
. "$top/tests/harness/netns.sh"
netns_enter "$@"

MINIDC="$B/dc/minidc"
J="$B/join/minidc-join"
M="$B/migrate-auth/minidc-migrate"
POLL="python3 $top/tests/tools/httppoll.py"
W=$(mktemp -d /tmp/two-host-migration.XXXXXX)
chmod 755 "$W"
AGENTS=""
cleanup() {
	for p in $AGENTS; do kill "$p" 2>/dev/null; done
	for p in $AGENTS; do wait "$p" 2>/dev/null; done
	"$MINIDC" stop --dir "$W/dc" >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@" || { echo "two-host-migration: failed: $*" >&2; exit 1; }; }

step "1. the domain controller dc1.example.com at $NETNS_DC"
( umask 077; head -c 12 /dev/urandom | base64 | tr -d '\n' > "$W/admin.pw" )
run "$MINIDC" provision --domain example.com --dir "$W/dc" --host-ip "$NETNS_DC" \
	--adminpass-file "$W/admin.pw"
run "$MINIDC" run --dir "$W/dc" > /dev/null
eval "$("$MINIDC" env --dir "$W/dc")"
export KRB5CCNAME="FILE:$W/ccache"
netns_names "$W"

step "2. host1 and host2 join the domain (their migrate/ keytabs)"
for h in host1 host2; do
	run "$J" join --domain example.com --host-fqdn "$h.example.com" \
		--keytab "$W/$h.keytab" --server "$NETNS_DC" \
		--password-file "$W/admin.pw" --no-dns-update > /dev/null
done

step "3. host1 may act for users towards host2's agent; alice is a Migration Operator"
run "$MINIDC" delegation allow 'HOST1$' migrate/host2.example.com --dir "$W/dc"
printf 'Al1ce-Pass-1\n' | "$MINIDC" user add alice --dir "$W/dc" > /dev/null
run "$MINIDC" group addmember "Migration Operators" alice --dir "$W/dc"

step "4. the agents: migration enabled, 192.168.0.0/24 a migration network"
for n in 1 2; do
	mkdir -p "$W/state$n" "$W/disks$n"
	run "$M" enable --state "$W/state$n"
	run "$M" network add "$NETNS_NET" --state "$W/state$n"
	eval "_a=\$NETNS_H$n"
	printf '$ %s agent --keytab host%s.keytab --listen %s:7690 ... &\n' "$M" "$n" "$_a"
	"$M" agent --keytab "$W/host$n.keytab" --listen "$_a:7690" --state "$W/state$n" \
		--storage-dir "$W/disks$n" --principal "migrate/host$n.example.com" \
		> "$W/agent$n.log" 2>&1 &
	AGENTS="$AGENTS $!"
done
for a in "$NETNS_H1" "$NETNS_H2"; do
	i=0
	until ss -Htln "src $a:7690" | grep -q .; do
		i=$((i + 1)); [ $i -lt 300 ] || { echo "agent on $a did not start" >&2; exit 1; }
		sleep 0.1
	done
done

step "5. alice: kinit -f (a forwardable TGT: host1 acts for her towards host2)"
printf '$ kinit -f alice\n'
printf 'Al1ce-Pass-1\n' | kinit -f alice > /dev/null || exit 1

step "6. web1 on host1: 256 MiB, a 1 GiB sparse disk, its NIC on $NETNS_BR"
cp "$GUEST/vmlinuz" "$GUEST/initrd.img" "$W/disks1/"
truncate -s 1G "$W/disks1/web1.img"
run "$M" vm create web1 --via "$NETNS_H1:7690" --memory 256 --disk web1.img \
	--kernel vmlinuz --initrd initrd.img \
	--append "console=ttyS0 minidc.ip=$NETNS_GUEST/24" \
	--nic "bridge=$NETNS_BR,mac=52:54:00:12:34:56"
run "$M" vm start web1 --via "$NETNS_H1:7690"
echo "waiting for the guest to boot (TCG here: about 20 s) ..."
$POLL "http://$NETNS_GUEST/cgi-bin/counter" --wait-ready 300 --duration 1 > /dev/null ||
	{ echo "the guest did not answer" >&2; exit 1; }
run "$M" vm list --via "$NETNS_H1:7690"

step "7. the move, while http://$NETNS_GUEST/cgi-bin/counter is polled every 0.5 s"
$POLL "http://$NETNS_GUEST/cgi-bin/counter" --stop-file "$W/stop" \
	--summary "$W/poll.json" > "$W/poll.out" 2>&1 &
POLLER=$!
sleep 2
printf '$ %s move web1 --to host2.example.com --via %s:7690 --include-storage --storage-path vms\n' "$M" "$NETNS_H1"
"$M" move web1 --to host2.example.com --via "$NETNS_H1:7690" --dest-addr "$NETNS_H2:7690" \
	--include-storage --storage-path vms --json > "$W/move.json"
rc=$?
sleep 2
touch "$W/stop"
wait "$POLLER"
prc=$?

step "8. afterwards"
run "$M" vm list --via "$NETNS_H1:7690"
run "$M" vm list --via "$NETNS_H2:7690"
disk=$(dd if="$W/disks2/vms/web1.img" bs=512 count=1 status=none 2>/dev/null | head -n 1 | tr -d ' \0')

step "report"
python3 - "$W/move.json" "$W/poll.json" "$rc" "$prc" "${disk:-none}" <<'PY'
import json, sys
mv, pl, rc, prc, disk = sys.argv[1:6]
try:
    m = json.load(open(mv))
except (OSError, ValueError):
    m = {}
p = json.load(open(pl))
print("move exit status:       %s (%s)" % (rc, m.get("result", "no report")))
if m:
    print("total time:             %.1f s" % (m["total_ms"] / 1000))
    print("downtime (QEMU):        %d ms" % m["downtime_ms"])
    print("storage mirrored:       %.1f MiB (the disk's length; only data travels)" % (m["storage_bytes"] / 2**20))
    print("memory sent:            %.1f MiB in %d rounds, %d zero pages skipped" % (
        m["memory_bytes"] / 2**20, m["rounds"], m["zero_pages"]))
print("polls ok:               %d/%d, longest gap %.2f s" % (p["ok"], p["polls"], p["longest_gap_s"]))
print("counter:                %s..%s, %s" % (p["first"], p["last"],
      "no gap, no repeat, disk = counter in every answer" if not p["problems"] else "; ".join(p["problems"][:3])))
print("host2's disk, sector 0: %s (last counter %s)" % (disk, p["last"]))
ok = rc == "0" and prc == "0" and disk == str(p["last"])
print("RESULT:                 %s" % ("PASS" if ok else "FAIL"))
sys.exit(0 if ok else 1)
PY
