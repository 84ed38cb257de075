#!/bin/sh
# tests/tools/t_format.sh - every C file is as clang-format (.clang-format) writes it (TAP)
cd "$top_srcdir" || exit 1
bad=""
for f in $(git ls-files '*.c' '*.h'); do
	clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
done
if [ -z "$bad" ]; then
	echo "ok 1 - clang-format: every C file formatted"
else
	echo "not ok 1 - clang-format: run clang-format -i on:$bad"
fi
echo "1..1"
