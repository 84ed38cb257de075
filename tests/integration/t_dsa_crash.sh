#!/bin/sh
# tests/integration/t_dsa_crash.sh - issue 8.3: no write is acknowledged
# unless it was stored.  slapd's sock overlay answers "success" when the dsa
# closes its connection without a RESULT; these are the three ways that
# happened: an oversize request, a dsa killed with requests waiting, and a
# dsa killed while it derives a new account's keys.  Each write must end
# stored with success, or with an error and nothing stored (an add with a
# password is one write: no account without its keys, not even disabled).
. "$top_srcdir/tests/harness/harness.sh"
harness_start

export LDAPTLS_CACERT="$H_DIR/tls/ca.crt"
U="CN=Users,$H_BASE"
upw() { printf '"%s"' "$1" | iconv -t UTF-16LE | base64 -w0; }
root_read() { lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "$H_BASE" "$@" 2>&1; }
admin() { ldapmodify -x -H "ldaps://$H_ADDR" -D "$H_ADMIN_DN" -y "$H_ADMIN_PW_FILE" "$@"; }
dsa_pid() { "$MINIDC" status --dir "$H_DIR" | awk '$1 == "dsa" && $2 == "running" { print $3 }'; }
# Connections waiting in the dsa socket's accept queue (Recv-Q of the listener).
dsa_backlog() { ss -xlnH | awk -v p="$H_DIR/slapd/dsa.sock" '$5 == p { print $3 }'; }
backlog_ge() { [ "$(dsa_backlog)" -ge "$1" ] 2>/dev/null; }
new_dsa() { p=$(dsa_pid); [ -n "$p" ] && [ "$p" != "$1" ]; }
# Enabled: userAccountControl without ACCOUNTDISABLE (2).
uac_of() { root_read "(sAMAccountName=$1)" userAccountControl | awk '/^userAccountControl:/ { print $2 }'; }
enabled() { u=$(uac_of "$1"); [ -n "$u" ] && [ $((u & 2)) -eq 0 ]; }
# The invariant for an account whose add may have been cut short.
absent_disabled_or_keyed() {
	[ -z "$(uac_of "$1")" ] && return 0
	enabled "$1" || return 0
	kinit "$1" < "$2" > /dev/null 2>&1
}

printf 'dn: CN=big,%s\nchangetype: add\nobjectClass: user\ndescription: before\n' "$U" | admin > /dev/null
BIG="CN=big,$U"
pid0=$(dsa_pid)
t_ok "the dsa runs" test -n "$pid0"

# ---- (a) a request over the dsa's 4 MiB limit ----
# 5 MiB of description: slapd takes it (16 MiB for bound users), the dsa's
# bound is 4 MiB.  The dsa used to stop reading and close: slapd said 0.
head -c 5242880 /dev/zero | tr '\0' a > "$H_TMP/big.val"
{ printf 'dn: %s\nchangetype: modify\nreplace: description\ndescription: ' "$BIG"
  cat "$H_TMP/big.val"; printf '\n'; } > "$H_TMP/big.ldif"
admin -f "$H_TMP/big.ldif" > "$H_TMP/big.out" 2>&1
rc=$?
t_ok "an oversize modify fails (rc $rc)" test "$rc" -ne 0
t_like "... with adminLimitExceeded (11)" "$(cat "$H_TMP/big.out")" "Administrative limit exceeded \(11\)"
t_like "... and changed nothing" "$(root_read '(cn=big)' description)" "^description: before$"
t_is "... the same dsa still serves" "$(dsa_pid)" "$pid0"
out=$(printf 'dn: %s\nchangetype: modify\nreplace: description\ndescription: after-a\n' "$BIG" | admin 2>&1)
t_unlike "... and a normal modify then works" "$out" "ldap_modify:"
t_like "... and is stored" "$(root_read '(cn=big)' description)" "^description: after-a$"

# ---- (b) writes waiting on a stopped dsa, then the dsa is killed ----
kill -STOP "$pid0"
printf 'dn: %s\nchangetype: modify\nreplace: description\ndescription: lost-b\n' "$BIG" > "$H_TMP/b-mod.ldif"
printf 'dn: CN=lostb,%s\nchangetype: add\nobjectClass: user\n' "$U" > "$H_TMP/b-add.ldif"
( admin -f "$H_TMP/b-mod.ldif" > "$H_TMP/b-mod.out" 2>&1; echo $? > "$H_TMP/b-mod.rc" ) &
( admin -f "$H_TMP/b-add.ldif" > "$H_TMP/b-add.out" 2>&1; echo $? > "$H_TMP/b-add.rc" ) &
# One that slapd cannot finish writing (it blocks on the full socket).
( admin -f "$H_TMP/big.ldif" > "$H_TMP/b-big.out" 2>&1; echo $? > "$H_TMP/b-big.rc" ) &
t_ok "the three writes reach the stopped dsa's socket" t_wait 30 backlog_ge 3
kill -KILL "$pid0"
wait
t_ok "the modify fails (rc $(cat "$H_TMP/b-mod.rc"))" test "$(cat "$H_TMP/b-mod.rc")" -ne 0
t_ok "the add fails (rc $(cat "$H_TMP/b-add.rc"))" test "$(cat "$H_TMP/b-add.rc")" -ne 0
t_ok "the oversize modify fails (rc $(cat "$H_TMP/b-big.rc"))" test "$(cat "$H_TMP/b-big.rc")" -ne 0
t_like "... with other (80)" "$(cat "$H_TMP/b-mod.out" "$H_TMP/b-add.out")" "Other \(e.g., implementation specific\) error \(80\)"
t_like "the modify stored nothing" "$(root_read '(cn=big)' description)" "^description: after-a$"
t_unlike "the add stored nothing" "$(root_read '(cn=lostb)' dn)" "^dn:"
t_ok "the supervisor restarts the dsa" t_wait 30 new_dsa "$pid0"
pid1=$(dsa_pid)
printf 'dn: CN=afterb,%s\nchangetype: add\nobjectClass: user\n' "$U" > "$H_TMP/afterb.ldif"
t_ok "a later add works" t_wait 30 admin -f "$H_TMP/afterb.ldif"
t_like "... completed by the new dsa" "$(root_read '(cn=afterb)' objectSid)" "^objectSid:: "

# ---- (c) the dsa is killed while it derives a new account's keys ----
( umask 077; printf 'C4rol-Secret-42' > "$H_TMP/carol.pw" )
printf 'dn: CN=carol,%s\nchangetype: add\nobjectClass: user\nsAMAccountName: carol\nunicodePwd:: %s\n' \
	"$U" "$(upw C4rol-Secret-42)" > "$H_TMP/carol.ldif"
kadmin_child() { [ -n "$(pgrep -x -P "$1" kadmin.local)" ]; }
# hold_at_keys PID stops the dsa with a debugger where it turns the password
# into keys (mdc_dsa_keys_mods), before the account is written; there gdb
# queues SIGSTOP and detaches, and the dsa stays stopped until killed.
hold_at_keys() {
	rm -f "$H_TMP/gdb.out" "$H_TMP/gdb.armed"
	gdb -q -nx -batch -p "$1" -ex 'set pagination off' -ex 'break mdc_dsa_keys_mods' \
		-ex "shell touch '$H_TMP/gdb.armed'" -ex 'continue' -ex "shell kill -STOP $1" \
		-ex 'detach' > "$H_TMP/gdb.out" 2>&1 &
	gpid=$!
	t_wait 120 test -e "$H_TMP/gdb.armed"
}
stopped_at_keys() {
	grep -q 'Breakpoint 1, mdc_dsa_keys_mods' "$H_TMP/gdb.out" &&
		[ "$(awk '{ print $3 }' "/proc/$1/stat")" = T ]
}
t_ok "gdb holds the dsa before its keys" hold_at_keys "$pid1"
( admin -f "$H_TMP/carol.ldif" > "$H_TMP/carol.out" 2>&1; echo $? > "$H_TMP/carol.rc" ) &
t_ok "the add's dsa stops where it derives the keys" t_wait 60 stopped_at_keys "$pid1"
t_fail "... and runs no kadmin.local" kadmin_child "$pid1"
t_is "... carol is not written yet" "$(uac_of carol)" ""
kill -KILL "$pid1"
kill "$gpid" 2>/dev/null
wait
t_ok "the add fails (rc $(cat "$H_TMP/carol.rc"))" test "$(cat "$H_TMP/carol.rc")" -ne 0
t_like "... with other (80)" "$(cat "$H_TMP/carol.out")" "Other \(e.g., implementation specific\) error \(80\)"
t_is "... and stored nothing" "$(uac_of carol)" ""
t_ok "the supervisor restarts the dsa" t_wait 30 new_dsa "$pid1"
t_is "... and carol is still absent" "$(uac_of carol)" ""
t_ok "the same add again works" t_wait 30 admin -f "$H_TMP/carol.ldif"
t_ok "... and kinit carol works" sh -c "kinit carol < '$H_TMP/carol.pw'"
t_is "carol is enabled (512)" "$(uac_of carol)" 512
t_is "... and not marked incomplete" "$(root_read '(sAMAccountName=carol)' mdcIncomplete | grep -c '^mdcIncomplete')" 0

# ---- a modify that sets the password and enables the account ----
# Normal path: one modify, the account enabled with its keys.
printf 'dn: CN=erin,%s\nchangetype: add\nobjectClass: user\n' "$U" | admin > /dev/null
t_is "erin starts disabled (514)" "$(uac_of erin)" 514
( umask 077; printf 'Er1n-Secret-42' > "$H_TMP/erin.pw" )
printf 'dn: CN=erin,%s\nchangetype: modify\nreplace: unicodePwd\nunicodePwd:: %s\n-\nreplace: userAccountControl\nuserAccountControl: 512\n' \
	"$U" "$(upw Er1n-Secret-42)" > "$H_TMP/erin.ldif"
t_ok "one modify sets erin's password and enables her" admin -f "$H_TMP/erin.ldif"
t_is "... erin is enabled (512)" "$(uac_of erin)" 512
t_ok "... and kinit erin works" sh -c "kinit erin < '$H_TMP/erin.pw'"
# Killed before the keys: the account stays disabled.
pid1=$(dsa_pid)
kill -KILL "$pid1"
t_ok "the supervisor restarts the dsa" t_wait 30 new_dsa "$pid1"
printf 'dn: CN=frank,%s\nchangetype: add\nobjectClass: user\n' "$U" | admin > /dev/null
( umask 077; printf 'Fr4nk-Secret-42' > "$H_TMP/frank.pw" )
printf 'dn: CN=frank,%s\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 512\n-\nreplace: unicodePwd\nunicodePwd:: %s\n' \
	"$U" "$(upw Fr4nk-Secret-42)" > "$H_TMP/frank.ldif"
pid1=$(dsa_pid)
t_ok "gdb holds the dsa before its keys" hold_at_keys "$pid1"
( admin -f "$H_TMP/frank.ldif" > "$H_TMP/frank.out" 2>&1; echo $? > "$H_TMP/frank.rc" ) &
t_ok "the modify's dsa stops where it derives the keys" t_wait 60 stopped_at_keys "$pid1"
kill -KILL "$pid1"
kill "$gpid" 2>/dev/null
wait
t_ok "the modify fails (rc $(cat "$H_TMP/frank.rc"))" test "$(cat "$H_TMP/frank.rc")" -ne 0
t_fail "frank is not enabled (his keys are not set)" enabled frank
t_ok "frank is disabled, or has his keys" absent_disabled_or_keyed frank "$H_TMP/frank.pw"
t_ok "the supervisor restarts the dsa" t_wait 30 new_dsa "$pid1"

# The admin CLI is a client of the dsa: the dsa killed while it derives the
# keys of the user the CLI adds leaves nothing, and the CLI says so.
pid1=$(dsa_pid)
( umask 077; echo 'G1na-Secret-42' > "$H_TMP/gina.pw" )
t_ok "gdb holds the dsa before its keys" hold_at_keys "$pid1"
( "$MINIDC" user add gina --dir "$H_DIR" < "$H_TMP/gina.pw" > "$H_TMP/gina.out" 2>&1; echo $? > "$H_TMP/gina.rc" ) &
t_ok "minidc user add's dsa stops where it derives the keys" t_wait 60 stopped_at_keys "$pid1"
kill -KILL "$pid1"
kill "$gpid" 2>/dev/null
wait
t_ok "minidc user add fails (rc $(cat "$H_TMP/gina.rc"))" test "$(cat "$H_TMP/gina.rc")" -ne 0
t_like "... saying why" "$(cat "$H_TMP/gina.out")" "^minidc user: cannot add CN=gina,.*stopped before it answered"
t_is "... on one line" "$(wc -l < "$H_TMP/gina.out")" 1
t_is "... and gina is not stored" "$(uac_of gina)" ""
t_ok "the supervisor restarts the dsa" t_wait 30 new_dsa "$pid1"

# Accounts left marked by a dsa that wrote an add in two steps (before adds
# were one write) are removed by the next dsa: the sweep.  The system
# identity writes one with a dead writer's pid, as such a dsa left it.
sleep 0 & dead=$!; wait "$dead"
printf 'dn: CN=olduser,%s\nobjectClass: user\nsAMAccountName: olduser\nuserAccountControl: 514\nmdcIncomplete: %s\n' \
	"$U" "$dead" | ldapadd -Q -Y EXTERNAL -H "$H_LDAPI" > /dev/null 2>&1
t_is "a marked account from an old dsa" "$(uac_of olduser)" 514
pid1=$(dsa_pid)
kill -KILL "$pid1"
t_ok "the supervisor restarts the dsa" t_wait 30 new_dsa "$pid1"
olduser_gone() { [ -z "$(uac_of olduser)" ]; }
t_ok "the new dsa removes it" t_wait 30 olduser_gone
t_like "... and says so in the log" "$(cat "$H_DIR"/log/*.log)" "removed 1 account a dsa that died left incomplete"

# Nobody but the dsa marks an account incomplete (the sweep deletes those).
out=$(printf 'dn: CN=mallory,%s\nchangetype: add\nobjectClass: user\nmdcIncomplete: 1\n' "$U" | admin 2>&1)
t_like "a client cannot set mdcIncomplete (53)" "$out" "unwilling to perform \(53\)"
t_unlike "no password in the DC's logs" "$(cat "$H_DIR"/log/*.log)" "Secret-4"
harness_done
