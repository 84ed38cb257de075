#!/bin/sh
# tests/integration/t_help.sh - every command and subcommand of minidc and
# minidc-join answers --help/help with its usage on stdout and exit 0; a
# usage error names the offending argument (and, for numbers, the valid
# range) and exits 2.  scripts/quickstart --help only prints.  For
# minidc-migrate, what works today (its subcommand help is not done yet).
. "$top_srcdir/tests/harness/harness.sh"
harness_start
J="$top_builddir/join/minidc-join"
M="$top_builddir/migrate-auth/minidc-migrate"

# helps DESC PATTERN CMD...: exit 0, PATTERN on stdout, nothing on stderr
helps() {
	_d=$1; _p=$2; shift 2
	"$@" >"$H_TMP/o" 2>"$H_TMP/e"; _rc=$?
	t_is "$_d: exit 0, stderr empty" "$_rc:$(cat "$H_TMP/e")" "0:"
	t_like "$_d: usage on stdout" "$(cat "$H_TMP/o")" "$_p"
}
# refuses DESC PATTERN CMD...: exit 2, the first stderr line matches
refuses() {
	_d=$1; _p=$2; shift 2
	"$@" >"$H_TMP/o" 2>"$H_TMP/e"; _rc=$?
	t_is "$_d: exit 2" "$_rc" 2
	t_like "$_d: names the problem" "$(head -1 "$H_TMP/e")" "$_p"
}

# ---- minidc ----
for h in help --help -h; do
	helps "minidc $h" "^usage: minidc <command>" "$MINIDC" "$h"
done
refuses "minidc without a command" "^usage: minidc" "$MINIDC"
refuses "minidc frobnicate" "unknown command 'frobnicate'" "$MINIDC" frobnicate
cmds=$("$MINIDC" help | sed -n 's/^  \([a-z-]*\) .*/\1/p')
t_like "minidc help lists the commands" "$(echo $cmds)" \
	"^provision run status stop demote env check-config dns user group computer delegation$"
for c in $cmds; do
	helps "minidc $c --help" "^usage: minidc $c " "$MINIDC" "$c" --help
	helps "minidc $c help" "^usage: minidc $c " "$MINIDC" "$c" help
	refuses "minidc $c --bogus" "^minidc $c: unknown option '--bogus'" \
		"$MINIDC" "$c" --bogus --dir "$H_DIR"
done
for c in run status stop env check-config; do
	refuses "minidc $c --dir (no value)" "^minidc $c: option '--dir' needs a value" \
		"$MINIDC" "$c" --dir
	refuses "minidc $c EXTRA" "^minidc $c: unexpected argument 'extra'" \
		"$MINIDC" "$c" --dir "$H_DIR" extra
done
helps "minidc user add --help (help after a verb)" "^usage: minidc user " \
	"$MINIDC" user add alice --help
refuses "provision --base-port 80" \
	"invalid --base-port '80' \(expected a number in 1024-65000\)" \
	"$MINIDC" provision --domain example.com --dir "$H_TMP/p" --base-port 80
refuses "provision --base-port x" "invalid --base-port 'x' \(expected a number in 1024-65000\)" \
	"$MINIDC" provision --domain example.com --dir "$H_TMP/p" --base-port x
refuses "provision without --domain" "^minidc provision: --domain is required" \
	"$MINIDC" provision --dir "$H_TMP/p"
refuses "provision --domain 'a b'" "^minidc provision: invalid --domain 'a b'" \
	"$MINIDC" provision --domain "a b"
t_fail "... and nothing was provisioned" test -e "$H_TMP/p"
refuses "dns add --ttl -1" "invalid --ttl '-1' \(expected a number in 0-2147483647\)" \
	"$MINIDC" dns add --dir "$H_DIR" --ttl -1 www A 192.0.2.1
refuses "dns frob (unknown verb)" "^minidc dns: 'frob': unknown verb" \
	"$MINIDC" dns frob --dir "$H_DIR"
for c in user group computer delegation; do
	refuses "minidc $c frob (unknown verb)" "^minidc $c: 'frob' with 0 arguments: unknown verb" \
		"$MINIDC" "$c" frob --dir "$H_DIR"
	refuses "minidc $c without a verb" "^minidc $c: no verb given" "$MINIDC" "$c" --dir "$H_DIR"
done
refuses "group addmember with one argument" \
	"^minidc group: 'addmember' with 1 argument: .*wrong number of arguments" \
	"$MINIDC" group addmember Admins --dir "$H_DIR"
refuses "user add with four arguments" "^minidc user: unexpected argument 'd'" \
	"$MINIDC" user add a b c d --dir "$H_DIR"
mkdir -p "$H_TMP/empty-state"
refuses "status without --dir, no domain installed" \
	"^minidc status: --dir DIR or --domain D is required \(no domains provisioned in $H_TMP/empty-state\)" \
	env -u MINIDC_DIR MINIDC_STATEDIR="$H_TMP/empty-state" "$MINIDC" status
refuses "status --domain 'a b'" "^minidc status: invalid --domain 'a b'" \
	"$MINIDC" status --domain "a b"

# ---- minidc-join ----
for h in help --help -h; do
	helps "minidc-join $h" "^usage: minidc-join join --domain" "$J" "$h"
done
for c in join status leave rotate; do
	helps "minidc-join $c --help" "minidc-join $c " "$J" "$c" --help
	refuses "minidc-join $c --bogus" "^minidc-join $c: arguments: unknown option '--bogus'" \
		"$J" "$c" --domain example.com --bogus
	refuses "minidc-join $c --domain (no value)" "^minidc-join $c: arguments: --domain needs a value" \
		"$J" "$c" --domain
done
refuses "minidc-join without a command" "^minidc-join: arguments: no command" "$J"
refuses "minidc-join frob" "^minidc-join: arguments: unknown command 'frob'" "$J" frob
refuses "minidc-join join --password" "passwords are never taken from arguments" \
	"$J" join --domain example.com --password=x
refuses "minidc-join join --host-fqdn with a 16-character label" \
	"first label has 1-15 characters" \
	"$J" join --domain example.com --host-fqdn abcdefghijklmnop.example.com --server "$H_ADDR"

# ---- scripts/quickstart --help: prints, does nothing else ----
# A copy of the script alone: going on would need scripts/deps next to it.
mkdir -p "$H_TMP/qs/scripts" && cp "$top_srcdir/scripts/quickstart" "$H_TMP/qs/scripts/"
helps "quickstart --help" "^usage: scripts/quickstart" sh "$H_TMP/qs/scripts/quickstart" --help
t_is "quickstart --help left nothing behind" "$(ls -A "$H_TMP/qs")" "scripts"
refuses "quickstart --bogus" "^quickstart: unknown argument '--bogus'" \
	sh "$H_TMP/qs/scripts/quickstart" --bogus

# ---- minidc-migrate: what works today ----
helps "minidc-migrate --help" "^usage: minidc-migrate agent" "$M" --help
helps "minidc-migrate help" "^usage: minidc-migrate agent" "$M" help
refuses "minidc-migrate frob" "^minidc-migrate frob: unknown command frob" "$M" frob
refuses "minidc-migrate network add --state (no value)" "--state needs a value" \
	"$M" network add 10.0.0.0/8 --state
refuses "minidc-migrate agent --bogus" "unexpected argument --bogus" "$M" agent --bogus
harness_done
