#!/bin/sh
# tests/tools/t_selfcontained.sh - nothing in the repository cites a design
# file that lives outside it (the team's shared notes): a newcomer must be
# able to follow every reference from a clone alone (TAP).
cd "$top_srcdir" || exit 1
# Built from parts so that this file does not match itself.
A="ARCHITECT""URE\\.md"
S="STY""LE\\.md"
R="research""/[a-z0-9-]+\\.md"
W="/work""/shared|\\.\\./sha""red/"
hits=$(git ls-files | grep -v '^tests/fuzz/corpus/' |
	xargs grep -nIE "$A|$S|$R|$W" 2>/dev/null)
if [ -z "$hits" ]; then
	echo "ok 1 - no file cites a design note outside the repository"
else
	echo "not ok 1 - cites of files outside the repository (write it into doc/):"
	printf '%s\n' "$hits" | sed 's/^/#   /'
fi
# The check itself can fail: a planted citation is found.
t=$(mktemp)
printf 'see %s\n' "../sha""red/ARCHITECT""URE.md" > "$t"
if grep -qE "$A|$W" "$t"; then
	echo "ok 2 - a planted citation is found"
else
	echo "not ok 2 - a planted citation is not found"
fi
rm -f "$t"
echo "1..2"
