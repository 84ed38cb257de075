#!/bin/sh
# tests/integration/t_join.sh - minidc-join against a real DC, checked with
# real clients: join (DNS discovery in a private namespace), keytab, kvno,
# status, rotate, rejoin, leave, and the failures (one line, nothing made).
. "$top_srcdir/tests/harness/harness.sh"
harness_start

J="$top_builddir/join/minidc-join"
KT="$H_TMP/host2.keytab"
K5="$H_TMP/join-krb5.conf"
COMP_DN="CN=HOST2,CN=Computers,$H_BASE"
# Name resolution only through the DC's own DNS (never the machine's).
printf '127.0.0.1 localhost\n' > "$H_TMP/hosts"
printf 'nameserver %s\n' "$H_ADDR" > "$H_TMP/resolv.conf"
in_ns() {
	timeout 60 unshare -m sh -c "mount --bind '$H_TMP/hosts' /etc/hosts &&
		mount --bind '$H_TMP/resolv.conf' /etc/resolv.conf && exec \"\$@\"" sh "$@"
}
root_read() {
	lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "$H_BASE" "$@" 2>&1
}
kt_kvno() { klist -k "$1" | awk '$2 == "HOST2$@EXAMPLE.COM" { print $1 }' | sort -n | tail -1; }
# kvno of SPN as seen by a fresh Administrator TGT (no cached ticket).
admin_kvno() {
	kdestroy >/dev/null 2>&1
	kinit Administrator < "$H_ADMIN_PW_FILE" >/dev/null 2>&1 || return 1
	kvno "$1" 2>&1 | sed -n 's/.*: kvno = //p'
}
# one_line DESC STDERR-FILE PATTERN: exactly one line, of our form.
one_line() {
	t_is "$1: one line on stderr" "$(wc -l < "$2")" 1
	t_like "$1: the line says what and why" "$(cat "$2")" "^minidc-join $3"
}
JARGS="--domain example.com --host-fqdn host2.example.com --keytab $KT"

# ---- join with discovery (SRV, A, LDAP ping) through the DC's DNS ----
out=$(in_ns sh -c "'$J' join $JARGS --stdin-password --krb5-conf-out '$K5' \
	< '$H_ADMIN_PW_FILE'" 2>"$H_TMP/err")
t_is "join exits 0" "$?" 0
t_is "join: nothing on stderr" "$(cat "$H_TMP/err")" ""
t_like "join found the DC by DNS and the LDAP ping" "$out" \
	"^domain controller dc1.example.com \($H_ADDR\)$"
t_ilike "join created $COMP_DN" "$out" "^created computer account $COMP_DN$"
t_like "join registered the A record by GSS-TSIG" "$out" \
	"^DNS: registered host2.example.com A 127\.0\.0\.1$"
t_like "join registers the PTR in the reverse zone provision made (the DC's /24)" "$out" \
	"^DNS: registered 1\.0\.0\.127\.in-addr\.arpa PTR host2\.example\.com$"
t_is "dig @DC host2.example.com A" "$(dig @"$H_ADDR" +time=5 +tries=3 +short host2.example.com A)" \
	"127.0.0.1"
t_is "the record is owned by HOST2\$ (the update was signed as the machine)" \
	"$(lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "idnsName=example.com,cn=dns,$H_BASE" \
	'(idnsName=host2)' mdcDnsOwner | sed -n 's/^mdcDnsOwner: //p')" 'HOST2$@EXAMPLE.COM'
t_is "the keytab is 0600" "$(stat -c %a "$KT" 2>&1)" 600
kt=$(klist -k "$KT" 2>&1)
for p in 'HOST2\$' host/HOST2 host/host2.example.com RestrictedKrbHost/HOST2 \
	RestrictedKrbHost/host2.example.com migrate/HOST2 migrate/host2.example.com; do
	t_like "keytab has $p" "$kt" " $p@EXAMPLE.COM$"
done
t_ok "kinit -k -t KEYTAB HOST2\$" kinit -k -t "$KT" 'HOST2$'
t_ok "kinit -k with the krb5.conf minidc-join wrote" \
	env KRB5_CONFIG="$K5" KRB5CCNAME="FILE:$H_TMP/cc2" kinit -k -t "$KT" 'HOST2$'
t_like "the written krb5.conf names the KDC by address" "$(cat "$K5")" \
	"kdc = $H_ADDR:88"

e=$(root_read '(sAMAccountName=HOST2$)' objectClass sAMAccountName userAccountControl \
	dNSHostName servicePrincipalName objectSid msDS-KeyVersionNumber)
t_like "ldapsearch: the computer exists (objectClass computer)" "$e" "^objectClass: computer$"
t_like "ldapsearch: sAMAccountName HOST2\$" "$e" '^sAMAccountName: HOST2\$$'
t_like "ldapsearch: userAccountControl 4096" "$e" "^userAccountControl: 4096$"
t_like "ldapsearch: dNSHostName" "$e" "^dNSHostName: host2.example.com$"
for p in host/HOST2 host/host2.example.com RestrictedKrbHost/HOST2 \
	RestrictedKrbHost/host2.example.com migrate/HOST2 migrate/host2.example.com; do
	t_like "ldapsearch: SPN $p" "$e" "^servicePrincipalName: $p$"
done
t_like "ldapsearch: objectSid completed by the DC" "$e" "^objectSid:: AQUAAAAAAAUVAAAA"
dirkvno=$(printf '%s\n' "$e" | sed -n 's/^msDS-KeyVersionNumber: //p')
kv=$(kt_kvno "$KT")
t_is "keytab kvno = msDS-KeyVersionNumber" "$kv" "$dirkvno"
t_is "kvno host/host2.example.com from Administrator = keytab kvno" \
	"$(admin_kvno host/host2.example.com)" "$kv"

out=$("$J" status $JARGS --server "$H_ADDR" 2>&1)
t_is "status exits 0" "$?" 0
t_like "status: the keytab is valid" "$out" "HOST2\\\$@EXAMPLE.COM: keytab .* is valid \(kvno $kv\)"

# ---- rotate: kvno + 1, the old keys refused ----
cp "$KT" "$H_TMP/old.keytab"
out=$("$J" rotate $JARGS --server "$H_ADDR" 2>&1)
t_is "rotate exits 0" "$?" 0
t_is "rotate: keytab kvno + 1" "$(kt_kvno "$KT")" "$((kv + 1))"
t_like "rotate: msDS-KeyVersionNumber + 1" "$(root_read '(sAMAccountName=HOST2$)' \
	msDS-KeyVersionNumber)" "^msDS-KeyVersionNumber: $((kv + 1))$"
t_is "rotate: kvno host/host2.example.com from Administrator" \
	"$(admin_kvno host/host2.example.com)" "$((kv + 1))"
t_ok "rotate: the new keys give a TGT" kinit -k -t "$KT" 'HOST2$'
t_fail "rotate: the old keys are refused" kinit -k -t "$H_TMP/old.keytab" 'HOST2$'
t_is "rotate: the keytab is still 0600" "$(stat -c %a "$KT" 2>&1)" 600
t_is "rotate: the keytab holds the new and the previous kvno" \
	"$(klist -k "$KT" | awk '$2 == "HOST2$@EXAMPLE.COM" { print $1 }' | sort -un | tr '\n' ' ')" \
	"$kv $((kv + 1)) "
out=$(in_ns "$J" status --domain example.com --server dc1.example.com \
	--host-fqdn host2.example.com --keytab "$KT" 2>&1)
t_like "status --server dc1.example.com (the name resolved by the DC's DNS)" "$out" \
	"is valid \(kvno $((kv + 1))\) at dc1.example.com \($H_ADDR\)"

# ---- a second join reuses the account; other principals' keys stay ----
printf 'rkt %s\nrkt %s\nwkt %s\n' "$KT" "$H_DIR/krb5/dc.keytab" "$H_TMP/merged.keytab" |
	ktutil >/dev/null 2>&1
mv "$H_TMP/merged.keytab" "$KT" && chmod 600 "$KT"
t_like "the keytab also holds DC1\$ keys now" "$(klist -k "$KT")" ' DC1\$@EXAMPLE.COM$'
sid1=$(root_read '(sAMAccountName=HOST2$)' objectSid)
t_ok "minidc dns addzone 127.in-addr.arpa" "$MINIDC" dns addzone --dir "$H_DIR" 127.in-addr.arpa
out=$("$J" join $JARGS --server "$H_ADDR" --password-file "$H_ADMIN_PW_FILE" 2>&1)
t_is "second join exits 0" "$?" 0
t_like "second join registers the PTR in 127.in-addr.arpa" "$out" \
	"^DNS: registered 1\.0\.0\.127\.in-addr\.arpa PTR host2\.example\.com$"
t_is "dig @DC -x 127.0.0.1" "$(dig @"$H_ADDR" +time=5 +tries=3 +short -x 127.0.0.1)" \
	"host2.example.com."
t_ilike "second join reuses $COMP_DN" "$out" "^reusing computer account $COMP_DN$"
t_is "... the account keeps its objectSid" "$(root_read '(sAMAccountName=HOST2$)' objectSid)" "$sid1"
t_is "... the keytab has the new kvno" "$(kt_kvno "$KT")" "$((kv + 2))"
t_ok "... and its keys give a TGT" kinit -k -t "$KT" 'HOST2$'
t_like "... and the DC1\$ keys are still there" "$(klist -k "$KT")" ' DC1\$@EXAMPLE.COM$'
t_is "... and only the new HOST2\$ kvno is left" \
	"$(klist -k "$KT" | awk '$2 == "HOST2$@EXAMPLE.COM" { print $1 }' | sort -u)" "$((kv + 2))"
out=$("$J" join $JARGS --server "$H_ADDR" --password-file "$H_ADMIN_PW_FILE" \
	--no-dns-update 2>&1)
t_is "third join (--no-dns-update) exits 0" "$?" 0
t_unlike "... and leaves DNS alone" "$out" "^DNS"
out=$("$J" join $JARGS --server "$H_ADDR" --password-file "$H_ADMIN_PW_FILE" \
	-U 'EXAMPLE\Administrator' --no-dns-update 2>&1)
t_is "join -U 'EXAMPLE\\Administrator' (NetBIOS form) exits 0" "$?" 0
out=$("$J" join $JARGS --server "$H_ADDR" --password-file "$H_ADMIN_PW_FILE" \
	-U 'OTHER\Administrator' --no-dns-update 2>&1)
t_like "join -U 'OTHER\\Administrator' (another domain) is refused" "$out" \
	"-U 'OTHER.Administrator': OTHER is not the NetBIOS name of example.com \\(EXAMPLE\\)"

# ---- failures: one line, non-zero, nothing created ----
printf 'Wrong-Pass-1' | "$J" join --domain example.com --server "$H_ADDR" \
	--host-fqdn host3.example.com --keytab "$H_TMP/host3.keytab" --stdin-password \
	>/dev/null 2>"$H_TMP/err"
t_is "wrong admin password: exit 1" "$?" 1
one_line "wrong admin password" "$H_TMP/err" "join: admin login Administrator@EXAMPLE.COM: wrong password"
t_unlike "wrong admin password: no HOST3\$" "$(root_read '(sAMAccountName=HOST3$)' dn)" "^dn:"
t_fail "wrong admin password: no keytab" test -e "$H_TMP/host3.keytab"
"$J" join --domain example.com --password=Adm1n-Secret-Pass >/dev/null 2>"$H_TMP/err"
t_is "a password in argv: exit 2" "$?" 2
t_like "a password in argv is refused" "$(head -1 "$H_TMP/err")" \
	"^minidc-join join: arguments: passwords are never taken from arguments"
t_unlike "... and not echoed" "$(cat "$H_TMP/err")" "Adm1n"
"$J" frobnicate >/dev/null 2>"$H_TMP/err"
t_like "an unknown command: one error line first" "$(head -1 "$H_TMP/err")" \
	"^minidc-join: arguments: unknown command 'frobnicate' \(join, status, leave, rotate, help\)$"
"$J" status --domain example.com --host-fqdn host9.example.com --server "$H_ADDR" \
	--keytab "$H_TMP/none.keytab" >/dev/null 2>"$H_TMP/err"
t_is "status without a keytab: exit 1" "$?" 1
one_line "status without a keytab" "$H_TMP/err" "status: keytab: .*none.keytab: No such file"
in_ns "$J" status --domain example.org --host-fqdn host2.example.org --keytab "$KT" \
	>/dev/null 2>"$H_TMP/err"
t_is "discovery of an unknown domain: exit 1" "$?" 1
one_line "discovery of an unknown domain" "$H_TMP/err" "status: discovery: SRV _ldap._tcp.dc._msdcs.example.org"

"$J" join --domain example.com --server "$H_ADDR" --host-fqdn host3.example.com \
	--keytab "$H_TMP/host3.keytab" < /dev/null >/dev/null 2>"$H_TMP/err"
t_is "no password on stdin: exit 1" "$?" 1
t_like "no password on stdin: the last line says why" "$(tail -1 "$H_TMP/err")" \
	"^minidc-join join: admin login Administrator@EXAMPLE.COM: .*password"
cp "$H_ADMIN_PW_FILE" "$H_TMP/open.pw" && chmod 644 "$H_TMP/open.pw"
"$J" join --domain example.com --server "$H_ADDR" --host-fqdn host3.example.com \
	--keytab "$H_TMP/host3.keytab" --password-file "$H_TMP/open.pw" >/dev/null 2>"$H_TMP/err"
t_is "a password file readable by others: exit 1" "$?" 1
one_line "a password file readable by others" "$H_TMP/err" "join: password file: .*open.pw: readable by others"
NOADDR=$(harness_addr)
"$J" status $JARGS --server "$NOADDR" >/dev/null 2>"$H_TMP/err"
t_is "no DC at the address: exit 1" "$?" 1
one_line "no DC at the address" "$H_TMP/err" "status: LDAP ping: $NOADDR \(UDP 389\): "

# A plain user may not create a computer: one line, nothing left.
pw=$(printf '"C4rol-Secret-7"' | iconv -t UTF-16LE | base64 -w0)
printf 'dn: CN=carol,CN=Users,%s\nobjectClass: user\nunicodePwd:: %s\n' "$H_BASE" "$pw" > "$H_TMP/carol.ldif"
t_ok "Administrator adds user carol over LDAPS" ldapadd -x -H "ldaps://$H_ADDR" \
	-D "$H_ADMIN_DN" -y "$H_ADMIN_PW_FILE" -f "$H_TMP/carol.ldif"
printf 'C4rol-Secret-7' | "$J" join --domain example.com --server "$H_ADDR" -U carol \
	--host-fqdn host3.example.com --keytab "$H_TMP/host3.keytab" --stdin-password \
	>/dev/null 2>"$H_TMP/err"
t_is "join as a plain user: exit 1" "$?" 1
one_line "join as a plain user" "$H_TMP/err" "join: create CN=HOST3,CN=Computers,$H_BASE: Insufficient access"
t_unlike "join as a plain user: no HOST3\$" "$(root_read '(sAMAccountName=HOST3$)' dn)" "^dn:"
t_fail "join as a plain user: no keytab" test -e "$H_TMP/host3.keytab"

# ---- leave ----
out=$(in_ns sh -c "'$J' leave $JARGS --stdin-password < '$H_ADMIN_PW_FILE'" 2>&1)
t_is "leave exits 0" "$?" 0
t_like "leave: the A record is removed (as the admin)" "$out" \
	"^DNS: removed host2.example.com A 127\.0\.0\.1$"
t_like "leave: the PTR record is removed" "$out" \
	"^DNS: removed 1\.0\.0\.127\.in-addr\.arpa PTR host2\.example\.com$"
# The DNS server serves the directory's state once its sync has the
# deletes (a short lag, as AD's DNS has): wait for that state.
no_answer() { [ -z "$(dig @"$H_ADDR" +time=5 +tries=3 +short "$@")" ]; }
t_ok "leave: dig @DC host2.example.com A is empty" t_wait "$H_WAIT" no_answer host2.example.com A
t_ok "leave: dig @DC -x 127.0.0.1 is empty" t_wait "$H_WAIT" no_answer -x 127.0.0.1
t_unlike "leave: HOST2\$ is gone" "$(root_read '(sAMAccountName=HOST2$)' dn)" "^dn:"
kt=$(klist -k "$KT" 2>&1 | awk 'NR > 3 { print $2 }')
t_unlike "leave: no HOST2\$ or SPN keys left in the keytab" "$kt" "HOST2|host2"
t_like "leave: the DC1\$ keys stay" "$kt" '^DC1\$@EXAMPLE.COM$'
t_fail "leave: the old keys give no TGT" kinit -k -t "$H_TMP/old.keytab" 'HOST2$'
"$J" leave $JARGS --server "$H_ADDR" --password-file "$H_ADMIN_PW_FILE" >/dev/null 2>"$H_TMP/err"
t_is "leave again: exit 1" "$?" 1
one_line "leave again" "$H_TMP/err" "leave: computer account: HOST2\\\$ does not exist in example.com"

t_unlike "no password in the DC's logs" "$(cat "$H_DIR"/log/*.log)" "Adm1n-Secret-Pass|C4rol-Secret-7"
harness_done
