#!/bin/sh
# tests/tools/cstyle.sh - the house rules a compiler does not enforce (doc/architecture.md section 6):
# no strcpy/strcat/sprintf/vsprintf/gets/*scanf/alloca, no VLAs we can spot, no #if
# inside function bodies.  Prints one line per violation; exit 1 if any.
# Usage: cstyle.sh SRCDIR   (as a TAP test: cstyle.sh --tap SRCDIR)
tap=no
[ "${1:-}" = --tap ] && { tap=yes; shift; }
src=${1:-${top_srcdir:-.}}
files=$(cd "$src" && git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]')
bad=0
report() { bad=$((bad + 1)); echo "${tap:+# }$1"; }
for f in $files; do
	p="$src/$f"
	[ -f "$p" ] || continue
	# Banned calls (word boundary, not in comments or strings is good enough here).
	grep -nE '(^|[^a-z_])(strcpy|strcat|sprintf|vsprintf|gets|sscanf|fscanf|scanf|alloca)[[:space:]]*\(' "$p" |
		grep -vE '^[0-9]+:[[:space:]]*(/\*|\*)' | grep -vE 'snprintf|vsnprintf|asprintf' |
		while IFS= read -r l; do echo "$f:$l: banned function"; done
	# Preprocessor conditionals inside a function body: a line starting with
	# #if/#ifdef at brace depth > 0.
	awk -v f="$f" '
		/^[[:space:]]*#[[:space:]]*if/ { if (depth > 0) printf "%s:%d: #if inside a function body\n", f, NR }
		{ line = $0; gsub(/"([^"\\]|\\.)*"/, "", line); gsub(/\x27([^\x27\\]|\\.)*\x27/, "", line)
		  sub(/\/\/.*/, "", line)
		  n = gsub(/{/, "{", line); m = gsub(/}/, "}", line); depth += n - m }' "$p"
done > /tmp/cstyle.$$
bad=$(wc -l < /tmp/cstyle.$$)
if [ "$tap" = yes ]; then
	if [ "$bad" -eq 0 ]; then echo "ok 1 - house style: no banned functions, no #if in function bodies"
	else echo "not ok 1 - house style: $bad violation(s)"; sed 's/^/# /' /tmp/cstyle.$$; fi
	echo "1..1"
else
	cat /tmp/cstyle.$$
fi
rm -f /tmp/cstyle.$$
[ "$bad" -eq 0 ]
