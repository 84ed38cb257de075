#!/bin/sh
# tests/fuzz/t_fuzz_cldap.sh - the CLDAP/netlogon libFuzzer target, briefly (TAP)
echo "1..3"
exec sh "$top_srcdir/tests/fuzz/fuzz_run.sh" fuzz_cldap cldap 2048 15
