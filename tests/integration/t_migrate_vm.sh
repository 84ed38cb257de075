#!/bin/sh
# tests/integration/t_migrate_vm.sh - the VM data path (doc/vm.md): a CPL3
# micro-VM guest runs and reports its counter; it is live-migrated between
# two processes (memory pre-copy with KVM_GET_DIRTY_LOG, stop-and-copy);
# the RAM checksums at the stop point match and the counter continues.
# Skips (77) only when /dev/kvm is absent or KVM_CREATE_VM fails.
M="$top_builddir/migrate-auth/minidc-migrate"
OUT=$(mktemp "${TMPDIR:-/tmp}/t_migrate_vm.XXXXXX") || exit 1
trap 'rm -f "$OUT"' EXIT

if [ ! -e /dev/kvm ]; then
	echo "1..0 # SKIP /dev/kvm is absent (kernel feature)"
	exit 77
fi
"$M" vm-run --mem 8 --ms 300 >"$OUT" 2>&1
rc=$?
if [ "$rc" -eq 3 ]; then
	echo "1..0 # SKIP $(cat "$OUT")"
	exit 77
fi

echo "1..13"
n=0
check() { # check DESCRIPTION COMMAND...
	n=$((n + 1)); _d=$1; shift
	if "$@"; then echo "ok $n - $_d"; else echo "not ok $n - $_d"; sed 's/^/# /' "$OUT"; fi
}
passed() { [ "$1" -eq 0 ] && grep -q "^vm-migrate: PASS" "$OUT"; }
failed() { [ "$1" -eq 1 ] && grep -q "^vm-migrate: FAIL" "$OUT"; }
field() { sed -n "s/.*[ :]$1=\([^ ]*\).*/\1/p" "$OUT" | head -1; }

check "vm-run: the CPL3 guest ran, reported on port 0x10, no gap" \
	test "$rc" -eq 0
check "vm-run: counter advanced" test "$(field counter)" -gt 0

# 1) an idle-ish guest converges in a few rounds
"$M" vm-migrate-local --mem 32 --delay 2000 --warmup-ms 100 \
	--dst-run-ms 100 >"$OUT" 2>&1
rc=$?
check "live migration (slow dirtier) exits 0 ($rc) with PASS" \
	passed "$rc"
check "RAM SHA-256 at the stop point matches" \
	test "$(field src_sha256)" = "$(field dst_sha256)" -a -n "$(field src_sha256)"
check "guest counter in RAM identical at switch-over" \
	test "$(field src_counter)" = "$(field dst_counter)"
check "destination's first report is the source's last + 4096" \
	test "$(( $(field src_last_out) + 4096 ))" -eq "$(field dst_first_out)"
echo "# slow dirtier: $(grep '^vm-migrate: rounds' "$OUT")"

# 2) a fast dirtier on a paced link, round cap: stop-and-copy still exact
"$M" vm-migrate-local --mem 32 --delay 1 --bw 200 --downtime-ms 1 \
	--max-rounds 3 --warmup-ms 100 --dst-run-ms 100 >"$OUT" 2>&1
rc=$?
check "live migration (fast dirtier, round cap) exits 0 ($rc) with PASS" \
	passed "$rc"
check "the round cap was hit (not converged) and pages were re-sent" \
	test "$(field converged)" = 0 -a "$(field rounds)" -eq 3 -a \
	"$(field pages_sent)" -gt 8192
check "RAM checksum matched, counter continued, no bad report" \
	grep -q "checksum_match=1 counter_match=1 counter_continued=1" "$OUT"
echo "# fast dirtier: $(grep '^vm-migrate: rounds' "$OUT")"

# 3) negative control: without the final dirty sync, the pages the guest
# wrote after the last sync are lost, and the checks must see it
"$M" vm-migrate-local --mem 64 --delay 20000 --skip-final-sync 1 \
	--warmup-ms 100 --dst-run-ms 50 >"$OUT" 2>&1
rc=$?
check "negative control (final sync skipped) exits 1 ($rc) with FAIL" \
	failed "$rc"
check "negative control: the RAM checksums differ" \
	grep -q "checksum_match=0" "$OUT"
echo "# negative control: $(grep '^vm-migrate: rounds' "$OUT")"

# 4) bad input: one line, non-zero, no crash
"$M" vm-migrate-local --mem 2 >"$OUT" 2>&1
check "--mem 2 refused (usage, exit 2)" test $? -eq 2
"$M" vm-run --delay x >"$OUT" 2>&1
check "--delay x refused (exit 2)" test $? -eq 2
