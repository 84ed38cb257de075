#!/bin/sh
# tests/fuzz/t_fuzz_kdb.sh - run the KDB value decoders' libFuzzer target briefly (TAP).
set -u
seeds="$top_srcdir/tests/fuzz/corpus/kdb"
secs="${FUZZ_SECONDS:-8}"
fuzzer="$top_builddir/tests/fuzz/fuzz_kdb"
work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz_kdb.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
echo "1..3"
cp "$seeds"/* "$work/"
if [ -x "$fuzzer" ] && [ "$(ls "$seeds" | wc -l)" -ge 5 ]; then
	echo "ok 1 - fuzz_kdb built, seeds present"
else
	echo "not ok 1 - fuzz_kdb built ($fuzzer), seeds present"
fi
if "$fuzzer" -runs=0 "$seeds"/* > "$work/seeds.log" 2>&1; then
	echo "ok 2 - fuzz_kdb: seed corpus replays cleanly"
else
	echo "not ok 2 - fuzz_kdb: seed corpus replays cleanly"
	sed 's/^/# /' "$work/seeds.log" | tail -40
fi
mkdir "$work/c" && cp "$seeds"/* "$work/c/"
if "$fuzzer" -max_total_time="$secs" -max_len=4096 -timeout=10 \
	-artifact_prefix="$work/" "$work/c" > "$work/run.log" 2>&1; then
	echo "ok 3 - fuzz_kdb: ${secs}s without a crash ($(grep -o 'Done [0-9]* runs' "$work/run.log"))"
else
	echo "not ok 3 - fuzz_kdb: ${secs}s without a crash"
	sed 's/^/# /' "$work/run.log" | tail -60
fi
