#!/bin/sh
# tests/fuzz/t_fuzz_join.sh - minidc-join's DNS answer parsers, briefly (TAP)
echo "1..3"
exec sh "$top_srcdir/tests/fuzz/fuzz_run.sh" fuzz_join join 2048 15
