#!/bin/sh
# tests/fuzz/t_fuzz_sock.sh - the back-sock protocol libFuzzer target, briefly (TAP)
echo "1..3"
exec sh "$top_srcdir/tests/fuzz/fuzz_run.sh" fuzz_sock sock 4096 15
