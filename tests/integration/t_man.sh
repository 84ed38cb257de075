#!/bin/sh
# tests/integration/t_man.sh - the man pages make install puts in place:
# lint-clean for mandoc and groff, rendered by man(1), found by `man NAME`
# with the installed MANPATH, and each program's SYNOPSIS names every
# option its own --help prints.
. "$top_srcdir/tests/harness/harness.sh"
. "$top_srcdir/tests/harness/install.sh"
H_TMP=$(mktemp -d /tmp/minidc-test.XXXXXX)
trap 'harness_cleanup' EXIT
install_to_scratch
MANDIR="$I_ROOT$I_PREFIX/share/man"
for p in man8/minidc.8 man8/minidc-join.8 man8/minidc-migrate.8 \
	man5/minidc.conf.5 man5/migrate.conf.5; do
	f="$MANDIR/$p"
	t_ok "$p installed" test -s "$f"
	t_is "$p: mandoc -T lint finds nothing" "$(mandoc -T lint "$f" 2>&1; echo "rc=$?")" "rc=0"
	t_is "$p: groff -ww -z -man finds nothing" "$(groff -ww -z -man "$f" 2>&1; echo "rc=$?")" "rc=0"
	out=$(MANWIDTH=80 man -l "$f" 2>"$H_TMP/man.err")
	t_is "$p: man -l renders it without a message" "$?:$(cat "$H_TMP/man.err")" "0:"
	t_like "$p: has a NAME section" "$out" "^NAME$"
	t_unlike "$p: no path left unfilled" "$(cat "$f")" "@[a-z]+@"
done
name=$(MANPATH="$MANDIR" MANWIDTH=80 man minidc 2>&1)
t_like "man minidc finds the installed page" "$name" "minidc - provision, run"
t_like "man 5 minidc.conf too" \
	"$(MANPATH="$MANDIR" MANWIDTH=80 man 5 minidc.conf 2>&1)" "SECTION \[ports\]"

# Every --option of a program's usage is in its page.
options_of() { "$@" 2>&1 | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u; }
check_options() {
	page=$1; shift
	text=$(sed 's/\\-/-/g' "$MANDIR/$page") # the source: no hyphenation
	missing=""
	for o in $(options_of "$@"); do
		printf '%s\n' "$text" | grep -q -- "$o" || missing="$missing $o"
	done
	t_is "$page names every option of '$*'" "$missing" ""
}
check_options man8/minidc.8 "$MINIDC" help
check_options man8/minidc-join.8 "$top_builddir/join/minidc-join" --help
check_options man8/minidc-migrate.8 "$top_builddir/migrate-auth/minidc-migrate" --help
harness_done
