#!/bin/sh
# tests/fuzz/t_fuzz_dns.sh - run the DNS libFuzzer targets briefly (TAP):
# fuzz_dns_packet (fast path, slow path, AXFR; its zones hold the oversized
# record of issue 8) and fuzz_dns_update (UPDATE,
# TKEY, TSIG).  The seed corpus is copied so new inputs never land in the tree.
set -u
seeds="$top_srcdir/tests/fuzz/corpus/dns"
secs="${FUZZ_SECONDS:-8}"
work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz_dns.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
n=0
echo "1..6"
for t in packet update; do
	fuzzer="$top_builddir/tests/fuzz/fuzz_dns_$t"
	mkdir "$work/$t" && cp "$seeds"/* "$work/$t/"
	nseeds=$(ls "$seeds" | wc -l)
	n=$((n + 1))
	if [ "$nseeds" -ge 10 ] && [ -x "$fuzzer" ]; then
		echo "ok $n - fuzz_dns_$t built, $nseeds seeds"
	else
		echo "not ok $n - fuzz_dns_$t built ($fuzzer), seeds ($nseeds)"
	fi
	n=$((n + 1))
	if "$fuzzer" -runs=0 "$seeds"/* >"$work/$t.seeds.log" 2>&1; then
		echo "ok $n - fuzz_dns_$t: seed corpus replays cleanly"
	else
		echo "not ok $n - fuzz_dns_$t: seed corpus replays cleanly"
		sed 's/^/# /' "$work/$t.seeds.log" | tail -40
	fi
	n=$((n + 1))
	if "$fuzzer" -max_total_time="$secs" -max_len=1500 -timeout=10 \
		-artifact_prefix="$work/$t-" "$work/$t" >"$work/$t.log" 2>&1; then
		echo "ok $n - fuzz_dns_$t: ${secs}s without a crash ($(grep -o 'Done [0-9]* runs' "$work/$t.log"))"
	else
		echo "not ok $n - fuzz_dns_$t: ${secs}s without a crash"
		sed 's/^/# /' "$work/$t.log" | tail -60
		for f in "$work/$t"-crash-* "$work/$t"-leak-* "$work/$t"-timeout-*; do
			[ -f "$f" ] && echo "# artifact $(basename "$f"): $(od -An -tx1 "$f" | tr -d '\n' | head -c 600)"
		done
	fi
done
