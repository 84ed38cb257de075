#!/bin/sh
# tests/fuzz/t_fuzz_adsid.sh - the AD overlay helpers' libFuzzer target, briefly (TAP)
echo "1..3"
exec sh "$top_srcdir/tests/fuzz/fuzz_run.sh" fuzz_adsid adsid 600 8
