#!/bin/sh
# tests/fuzz/fuzz_run.sh - run one libFuzzer target briefly and print TAP (3 results).
# Usage (from a t_fuzz_*.sh script): fuzz_run.sh TARGET CORPUS-NAME MAX-LEN SECONDS [FIRST-NUMBER]
# 1: the target is built and has >= 5 seeds; 2: every seed replays cleanly (a crash
# there is a regression on a known input); 3: SECONDS of fuzzing without a crash.
# The seeds are copied so that new inputs never land in the source tree.
set -u
name=$1; corpus=$2; maxlen=$3; secs=${FUZZ_SECONDS:-$4}; n=${5:-1}
fuzzer="$top_builddir/tests/fuzz/$name"
seeds="$top_srcdir/tests/fuzz/corpus/$corpus"
work=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" && cp "$seeds"/* "$work/corpus/"
nseeds=$(ls "$seeds" | wc -l)
if [ "$nseeds" -ge 5 ] && [ -x "$fuzzer" ]; then
	echo "ok $n - $name built, $nseeds seeds"
else
	echo "not ok $n - $name built ($fuzzer), seeds ($nseeds)"
fi
if "$fuzzer" -runs=0 "$seeds"/* >"$work/seeds.log" 2>&1; then
	echo "ok $((n + 1)) - $name: seed corpus replays cleanly"
else
	echo "not ok $((n + 1)) - $name: seed corpus replays cleanly"; sed 's/^/# /' "$work/seeds.log" | tail -40
fi
if "$fuzzer" -max_total_time="$secs" -max_len="$maxlen" -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$work/" "$work/corpus" >"$work/fuzz.log" 2>&1; then
	echo "ok $((n + 2)) - $name: ${secs}s without a crash ($(grep -o 'Done [0-9]* runs' "$work/fuzz.log"))"
else
	echo "not ok $((n + 2)) - $name: ${secs}s without a crash"
	sed 's/^/# /' "$work/fuzz.log" | tail -60
	for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
		[ -f "$f" ] && echo "# artifact $(basename "$f"): $(od -An -tx1 "$f" | tr -d '\n' | head -c 600)"
	done
fi
