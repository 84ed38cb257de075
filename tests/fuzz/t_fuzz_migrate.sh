#!/bin/sh
# tests/fuzz/t_fuzz_migrate.sh - minidc-migrate's message and PAC decoders,
# briefly (TAP)
echo "1..3"
exec sh "$top_srcdir/tests/fuzz/fuzz_run.sh" fuzz_migrate migrate 4096 15
