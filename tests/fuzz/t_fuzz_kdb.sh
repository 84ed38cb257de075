#!/bin/sh
# tests/fuzz/t_fuzz_kdb.sh - the KDB value decoders' libFuzzer target, briefly (TAP)
echo "1..3"
exec sh "$top_srcdir/tests/fuzz/fuzz_run.sh" fuzz_kdb kdb 4096 8
