#!/bin/sh
# tests/integration/t_help.sh - every command and subcommand of minidc and
# minidc-join answers --help/help with its usage on stdout and exit 0; a
# usage error names the offending argument (and, for numbers, the valid
# range) and exits 2.  scripts/quickstart --help only prints.  The same for
# every minidc-migrate command and subcommand.
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
refuses "user unlock without a name" \
	"^minidc user: 'unlock' with 0 arguments: .*wrong number of arguments" \
	"$MINIDC" user unlock --dir "$H_DIR"
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

# ---- minidc-migrate ----
for h in help --help -h; do
	helps "minidc-migrate $h" "^usage: minidc-migrate agent" "$M" "$h"
done
refuses "minidc-migrate without a command" "^usage: minidc-migrate agent" "$M"
refuses "minidc-migrate frob" "^minidc-migrate frob: unknown command 'frob'" "$M" frob
mcmds=$("$M" help | sed -n 's/^\(usage:\)\{0,1\} *minidc-migrate \([a-z]*\).*/\2/p' | uniq)
t_like "minidc-migrate help lists the commands" "$(echo $mcmds)" \
	"^agent enable disable network move check vm accel help$"
for c in $mcmds; do
	helps "minidc-migrate $c --help" "^usage: minidc-migrate $c" "$M" "$c" --help
	helps "minidc-migrate $c help" "^usage: minidc-migrate $c" "$M" "$c" help
	helps "minidc-migrate help $c" "^usage: minidc-migrate $c" "$M" help "$c"
	[ "$c" = help ] && continue
	refuses "minidc-migrate $c --bogus" "^minidc-migrate $c: unknown option '--bogus'" \
		"$M" "$c" --bogus
	refuses "minidc-migrate $c --state (no value)" "^minidc-migrate $c: --state needs a value" \
		"$M" "$c" --state
	t_is "minidc-migrate $c --bogus: one line" "$(wc -l < "$H_TMP/e")" 1
done
for s in "network add" "network remove" "network list" "vm create" "vm start" \
	"vm stop" "vm show" "vm rm" "vm list"; do
	helps "minidc-migrate $s --help" "^usage: minidc-migrate ${s% *}" "$M" $s --help
done
helps "minidc-migrate move VM --to F --help (help after arguments)" \
	"^usage: minidc-migrate move" "$M" move vm1 --to host2.example.com --help
helps "minidc-migrate vm create --append --help (a value is not --help)" \
	"^usage: minidc-migrate vm" "$M" vm create x --append --help --help
refuses "minidc-migrate check without --via" "^minidc-migrate check: --via is required$" \
	"$M" check vm1 --to host2.example.com
refuses "minidc-migrate check --include-storage" \
	"^minidc-migrate check: --include-storage is not an option of check \\(VM --to --via \\[--dest-addr\\] \\[--storage-path DIR\\]\\)$" \
	"$M" check vm1 --to host2.example.com --via 127.0.0.1:1 --include-storage
refuses "minidc-migrate check --to 'a b'" "^minidc-migrate check: invalid --to 'a b'$" \
	"$M" check vm1 --to "a b" --via 127.0.0.1:1
refuses "minidc-migrate help frob" "^minidc-migrate help: unknown command 'frob'" "$M" help frob
MV="move vm1 --to host2.example.com --via 127.0.0.1:1"
for o in "--bandwidth x:1-1048576 MiB/s" "--storage-bandwidth 0:1-1048576 MiB/s" \
	"--downtime 60001:1-60000 ms" "--watchdog -1:1-3600 s"; do
	opt=${o%%:*} rng=${o#*:}
	refuses "minidc-migrate move $opt" \
		"^minidc-migrate move: invalid ${opt% *} '${opt#* }' \\(expected $rng\\)$" \
		"$M" $MV $opt
done
refuses "minidc-migrate vm create --memory 1" \
	"^minidc-migrate vm: invalid --memory '1' \\(expected 16-1048576 MiB\\)$" \
	"$M" vm create x --via 127.0.0.1:1 --memory 1 --disk a.img
refuses "minidc-migrate enable EXTRA" "^minidc-migrate enable: unexpected argument 'extra'" \
	"$M" enable extra --state "$H_TMP/ms"
refuses "minidc-migrate network add with a host address" \
	"^minidc-migrate network: 10.1.2.3/8: not a network" \
	"$M" network add 10.1.2.3/8 --state "$H_TMP/ms"
refuses "minidc-migrate move --config (agent only)" "^minidc-migrate move: --config is for agent" \
	"$M" move vm1 --config x
t_fail "... and no state was written" test -e "$H_TMP/ms"
harness_done
