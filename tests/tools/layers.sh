#!/bin/sh
# tests/tools/layers.sh - dependencies point down only (doc/architecture.md
# section 5).  Every folder of C code is in one layer:
#
#   3  dc/                                  the minidc program shell (and,
#                                           until they move out, the dsa,
#                                           cldap and replica code)
#   2  dns/ join/ migrate-auth/ dc/kdb/ dc/slapo/   services and clients
#   1  ad/                                  what the DC and the hosts share
#   0  lib/                                 generic code
#
# A file may include headers of its own folder and of lower layers; never of
# a higher layer, nor of another folder of its own layer (two services that
# share something put it in ad/).  The same rule holds for the libraries a
# library or program of a folder links (*_LIBADD, *_LDADD in Makefile.inc).
# tests/ and bench/ are above everything and not checked.
#
# Prints one line per violation and exits 1 if there is any.
# Usage: layers.sh SRCDIR   (as a TAP test: layers.sh --tap SRCDIR)
tap=no
[ "${1:-}" = --tap ] && { tap=yes; shift; }
src=${1:-${top_srcdir:-.}}
cd "$src" || exit 2
# Outside a git checkout (a release tarball, the self-test's tree): every
# file but a build directory's.
list() {
	git ls-files --cached --others --exclude-standard "$@" 2>/dev/null ||
		find . -path ./build -prune -o -type f -print | sed 's|^\./||' |
		grep -E "$(printf '%s\n' "$@" | sed 's/[.]/\\./g; s/[*]/.*/g; s/^/^/; s/$/$/' | paste -sd'|')"
}
files=$(list '*.c' '*.h')
mks=$(list '*.inc')
out=$(mktemp) || exit 2

# The folder ("group") of a path: its longest known prefix; "" if none.
# Prints "group rank".
group_awk='
function group(p) {
	if (p ~ /^dc\/kdb\//) return "dc/kdb 2"
	if (p ~ /^dc\/slapo\//) return "dc/slapo 2"
	if (p ~ /^dc\//) return "dc 3"
	if (p ~ /^(dns|join|migrate-auth)\//) { sub(/\/.*/, "", p); return p " 2" }
	if (p ~ /^ad\//) return "ad 1"
	if (p ~ /^lib\//) return "lib 0"
	return ""
}
# 1 if a file of group/rank gf may use something of group/rank gi.
function allowed(gf, gi,   a, b) {
	if (gf == "" || gi == "") return 1
	split(gf, a, " "); split(gi, b, " ")
	if (a[1] == b[1]) return 1
	return b[2] + 0 < a[2] + 0
}
# "dc/ (layer 3) is above dns/ (layer 2)" for the report.
function why(gf, gi,   a, b) {
	split(gf, a, " "); split(gi, b, " ")
	return sprintf("%s/ (layer %d) is %s %s/ (layer %d)", b[1], b[2],
	               b[2] == a[2] ? "beside" : "above", a[1], a[2])
}'

# Includes: '#include "x/y.h"' in file f (a name without a folder is the
# file's own folder, or a system header such as slapd's).
for f in $files; do
	[ -f "$f" ] || continue
	grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*/[^"]*"' "$f" |
		sed "s|^|$f:|"
done | awk -F: "$group_awk"'
{
	f = $1; line = $2; inc = $0
	sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc)
	if (!allowed(group(f), group(inc)))
		printf "%s:%s: includes %s: %s\n", f, line, inc,
		       why(group(f), group(inc))
}' >>"$out"

# Link lines: the folder of a target is the folder its canonical name
# starts with (join_libminidcjoin_la_LIBADD -> join/).
for m in $mks; do
	[ -f "$m" ] || continue
	awk -v m="$m" "$group_awk"'
	{
		while ($0 ~ /\\$/ && (getline nxt) > 0) { sub(/\\$/, ""); $0 = $0 " " nxt }
		if ($1 !~ /_(LIBADD|LDADD)$/) next
		t = $1; g = ""
		if (t ~ /^dc_kdb_/) g = "dc/kdb/"
		else if (t ~ /^dc_slapo_/) g = "dc/slapo/"
		else if (t ~ /^dc_/) g = "dc/"
		else if (t ~ /^migrate_auth_/) g = "migrate-auth/"
		else if (t ~ /^(dns|join|ad|lib)_/) { g = t; sub(/_.*/, "/", g) }
		if (g == "") next
		for (i = 2; i <= NF; i++)
			if ($i ~ /\.la$/ && !allowed(group(g "x"), group($i)))
				printf "%s: %s links %s: %s\n", m, t, $i,
				       why(group(g "x"), group($i))
	}' "$m"
done >>"$out"

bad=$(wc -l <"$out")
if [ "$tap" = yes ]; then
	if [ "$bad" -eq 0 ]; then
		echo "ok 1 - layers: no include or link points up or sideways"
	else
		echo "not ok 1 - layers: $bad violation(s)"
		sed 's/^/# /' "$out"
	fi
	echo "1..1"
else
	cat "$out"
fi
rm -f "$out"
[ "$bad" -eq 0 ]
