#!/bin/sh
# tests/fuzz/t_fuzz_vm.sh - the VM pre-copy frame decoders, briefly (TAP)
echo "1..3"
exec sh "$top_srcdir/tests/fuzz/fuzz_run.sh" fuzz_vm vm 20000 10
