#!/bin/sh
# tests/fuzz/t_fuzz_chan.sh - the data channel's record decoder, briefly
# (TAP)
echo "1..3"
exec sh "$top_srcdir/tests/fuzz/fuzz_run.sh" fuzz_chan chan 70000 10
