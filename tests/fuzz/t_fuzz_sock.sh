#!/bin/sh
# tests/fuzz/t_fuzz_sock.sh - run the back-sock protocol libFuzzer target briefly (TAP)
# The seed corpus is copied so that new inputs never land in the source tree.
set -u
fuzzer="$top_builddir/tests/fuzz/fuzz_sock"
seeds="$top_srcdir/tests/fuzz/corpus/sock"
secs="${FUZZ_SECONDS:-15}"
work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz_sock.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" && cp "$seeds"/* "$work/corpus/"

echo "1..3"
nseeds=$(ls "$seeds" | wc -l)
if [ "$nseeds" -ge 5 ] && [ -x "$fuzzer" ]; then
	echo "ok 1 - fuzzer built, $nseeds seeds"
else
	echo "not ok 1 - fuzzer built ($fuzzer), seeds ($nseeds)"
fi
if "$fuzzer" -runs=0 "$seeds"/* >"$work/seeds.log" 2>&1; then
	echo "ok 2 - seed corpus replays cleanly"
else
	echo "not ok 2 - seed corpus replays cleanly"; sed 's/^/# /' "$work/seeds.log" | tail -40
fi
if "$fuzzer" -max_total_time="$secs" -max_len=4096 -timeout=10 \
	-artifact_prefix="$work/" "$work/corpus" >"$work/fuzz.log" 2>&1; then
	echo "ok 3 - ${secs}s of fuzzing without a crash ($(grep -o 'Done [0-9]* runs' "$work/fuzz.log"))"
else
	echo "not ok 3 - ${secs}s of fuzzing without a crash"
	sed 's/^/# /' "$work/fuzz.log" | tail -60
	for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
		[ -f "$f" ] && echo "# artifact $(basename "$f"): $(od -An -tx1 "$f" | tr -d '\n' | head -c 600)"
	done
fi
