#!/bin/sh
# tests/fuzz/t_fuzz_qmp.sh - the QMP reader and the VM definition parser,
# briefly (TAP)
echo "1..3"
exec sh "$top_srcdir/tests/fuzz/fuzz_run.sh" fuzz_qmp qmp 16384 10
