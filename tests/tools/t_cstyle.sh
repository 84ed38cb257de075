#!/bin/sh
# tests/tools/t_cstyle.sh - the style checker as a test (TAP)
exec sh "$top_srcdir/tests/tools/cstyle.sh" --tap "$top_srcdir"
