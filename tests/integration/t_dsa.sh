#!/bin/sh
# tests/integration/t_dsa.sh - issue 5: the write path (dsa) with ldapadd/
# ldapmodify/ldapdelete: who may write what, what AD completes, unicodePwd ->
# Kerberos keys, result codes.
. "$top_srcdir/tests/harness/harness.sh"
harness_start

export LDAPTLS_CACERT="$H_DIR/tls/ca.crt"
U="CN=Users,$H_BASE"
C="CN=Computers,$H_BASE"
upw() { printf '"%s"' "$1" | iconv -t UTF-16LE | base64 -w0; }
root_read() { lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "$H_BASE" "$@" 2>&1; }
# as DN PWFILE: ldapmodify over LDAPS with a simple bind (LDIF on stdin).
as() { ldapmodify -x -H "ldaps://$H_ADDR" -D "$1" -y "$2" 2>&1; }
admin() { as "$H_ADMIN_DN" "$H_ADMIN_PW_FILE"; }
( umask 077; printf 'B0b-Secret-42' > "$H_TMP/bob.pw"; printf 'Ws2-Secret-42x' > "$H_TMP/ws2.pw" )

# ---- a user with a password, by a Domain Admin over LDAPS ----
out=$(printf 'dn: CN=bob,%s\nchangetype: add\nobjectClass: user\nsAMAccountName: bob\nunicodePwd:: %s\n' \
	"$U" "$(upw B0b-Secret-42)" | admin)
t_like "Administrator adds user bob with unicodePwd over LDAPS" "$out" 'adding new entry "CN=bob'
t_ok "kinit bob with that password" sh -c "kinit bob < '$H_TMP/bob.pw'"
e=$(root_read '(sAMAccountName=bob)' objectClass cn primaryGroupID sAMAccountType \
	userAccountControl objectSid objectCategory msDS-KeyVersionNumber pwdLastSet accountExpires)
t_like "bob: cn from the RDN" "$e" "^cn: bob$"
t_like "bob: objectClass organizationalPerson added" "$e" "^objectClass: organizationalPerson$"
t_like "bob: primaryGroupID 513" "$e" "^primaryGroupID: 513$"
t_like "bob: sAMAccountType 805306368" "$e" "^sAMAccountType: 805306368$"
t_like "bob: enabled normal account (512)" "$e" "^userAccountControl: 512$"
t_like "bob: objectSid in the domain" "$e" "^objectSid:: AQUAAAAAAAUVAAAA"
t_like "bob: objectCategory Person" "$e" "^objectCategory: cn=Person,"
t_like "bob: msDS-KeyVersionNumber 1" "$e" "^msDS-KeyVersionNumber: 1$"
t_like "bob: pwdLastSet set" "$e" "^pwdLastSet: 1[0-9]{17}$"
t_like "bob: accountExpires never" "$e" "^accountExpires: 9223372036854775807$"
BOB="CN=bob,$U"
t_ok "bob binds with the same password (LDAPS simple bind)" \
	ldapwhoami -x -H "ldaps://$H_ADDR" -D "$BOB" -y "$H_TMP/bob.pw"

# The RID pool: two new accounts get different SIDs.
printf 'dn: CN=u2,%s\nchangetype: add\nobjectClass: user\n\ndn: CN=u3,%s\nchangetype: add\nobjectClass: user\n' \
	"$U" "$U" | admin > /dev/null
s2=$(root_read '(sAMAccountName=u2)' objectSid | grep '^objectSid')
s3=$(root_read '(sAMAccountName=u3)' objectSid | grep '^objectSid')
t_like "u2 got a SID" "$s2" "^objectSid:: "
t_ok "u2 and u3 have different SIDs" test "$s2" != "$s3"
t_like "a user without password is disabled (514)" "$(root_read '(sAMAccountName=u2)' userAccountControl)" \
	"^userAccountControl: 514$"

# Concurrent writes: each is its own connection to the dsa, which serves
# them in parallel (its own write re-enters slapd's overlay meanwhile).  It
# bounds the writes in flight by slapd's threads: up to 26 writers (32
# threads, 2 CPUs: 5 running, 21 waiting) are queued, and only beyond that
# answered "busy" (51) rather than letting slapd deadlock.
for i in $(seq 1 24); do
	printf 'dn: CN=par%s,%s\nchangetype: add\nobjectClass: user\n' "$i" "$U" | admin > "$H_TMP/par.$i" 2>&1 &
done
wait
made=$(root_read '(cn=par*)' objectSid | grep -c '^objectSid')
t_is "24 parallel adds are queued, none refused: all created" "$made" 24
t_is "... with distinct SIDs" "$(root_read '(cn=par*)' objectSid | grep '^objectSid' | sort -u | wc -l)" 24
for i in $(seq 1 48); do
	printf 'dn: CN=many%s,%s\nchangetype: add\nobjectClass: user\n' "$i" "$U" | admin > "$H_TMP/many.$i" 2>&1 &
done
wait
made=$(root_read '(cn=many*)' objectSid | grep -c '^objectSid')
busy=$(cat "$H_TMP"/many.* | grep -c 'Server is busy (51)')
t_is "48 parallel adds: each created or busy" "$((made + busy))" 48
t_ok "... at least 26 created ($made)" test "$made" -ge 26
t_is "... with distinct SIDs" "$(root_read '(cn=many*)' objectSid | grep '^objectSid' | sort -u | wc -l)" "$made"
t_like "slapd still answers" "$(root_read '(sAMAccountName=bob)' dn)" "^dn: "
# A name with a space still gets its keys (kadmin's quoting).
( umask 077; printf 'John-Secret-9' > "$H_TMP/john.pw" )
out=$(printf 'dn: CN=John Smith,%s\nchangetype: add\nobjectClass: user\nsAMAccountName: John Smith\nunicodePwd:: %s\n' \
	"$U" "$(upw John-Secret-9)" | admin)
t_like "a user named 'John Smith' with a password" "$out" 'adding new entry "CN=John Smith'
t_ok "kinit 'John Smith'" sh -c "kinit 'John Smith' < '$H_TMP/john.pw'"
out=$(printf 'dn: CN=u2,%s\nchangetype: modrdn\nnewrdn: CN=u2b\ndeleteoldrdn: 1\n' "$U" | admin)
t_unlike "Administrator renames u2 (modrdn)" "$out" "ldap_rename:|error"
t_like "... cn follows the RDN, sAMAccountName stays" \
	"$(root_read '(cn=u2b)' sAMAccountName | grep sAMAccountName)" "^sAMAccountName: u2$"
out=$(printf 'dn: CN=u3,%s\nchangetype: modrdn\nnewrdn: OU=u3\ndeleteoldrdn: 1\n' "$U" | admin)
t_like "an account's RDN stays CN= (64)" "$out" "Naming violation \(64\)"

# ---- refusals ----
# Anonymous writes never reach the dsa (slapd refuses them first, which is
# why the dsa may let a request without a bind DN through: only slapd's
# own internal operations have none).
out=$(printf 'dn: CN=anon,%s\nchangetype: add\nobjectClass: user\n' "$U" |
	ldapmodify -x -H "ldap://$H_ADDR" 2>&1)
t_like "an anonymous add is refused by slapd (8)" "$out" "Strong\(er\) authentication required \(8\)"
t_unlike "... and nothing was created" "$(root_read '(cn=anon)' dn)" "^dn:"
out=$(printf 'dn: CN=eve,%s\nchangetype: add\nobjectClass: user\nunicodePwd:: %s\n' "$U" "$(upw Eve-Secret-1)" |
	ldapmodify -x -H "ldap://$H_ADDR" -D "$H_ADMIN_DN" -y "$H_ADMIN_PW_FILE" 2>&1)
t_like "unicodePwd over plain LDAP: the simple bind is refused first (13)" "$out" "Confidentiality required \(13\)"
out=$(printf 'dn: CN=WS9,%s\nchangetype: add\nobjectClass: computer\n' "$C" | as "$BOB" "$H_TMP/bob.pw")
t_like "a plain user cannot create a computer (50)" "$out" "Insufficient access \(50\)"
out=$(printf 'dn: %s\nchangetype: modify\nreplace: description\ndescription: x\n' "$H_ADMIN_DN" |
	as "$BOB" "$H_TMP/bob.pw")
t_like "a plain user cannot modify Administrator (50)" "$out" "Insufficient access \(50\)"
out=$(printf 'dn: CN=bob2,%s\nchangetype: add\nobjectClass: user\nsAMAccountName: BOB\n' "$U" | admin)
t_like "a duplicate sAMAccountName (other case) is refused (68)" "$out" "Already exists \(68\)"
out=$(printf 'dn: CN=x1,%s\nchangetype: add\nobjectClass: user\nobjectSid:: AQUAAAAAAAUVAAAA\n' "$U" | admin)
t_like "a client-chosen objectSid is refused (53)" "$out" "unwilling to perform \(53\)"
out=$(printf 'dn: CN=x2,%s\nchangetype: add\nobjectClass: user\nsAMAccountName: bad*name\n' "$U" | admin)
t_like "an invalid sAMAccountName is refused (19)" "$out" "Constraint violation \(19\)"
out=$(printf 'dn: CN=x3,%s\nchangetype: add\nobjectClass: computer\nuserAccountControl: 512\n' "$C" | admin)
t_like "a computer with a user's UAC is refused (53)" "$out" "unwilling to perform \(53\)"
out=$(printf 'dn: CN=krbtgt,%s\nchangetype: delete\n' "$U" | admin)
t_like "krbtgt cannot be deleted (53)" "$out" "unwilling to perform \(53\)"
out=$(printf 'dn: %s\nchangetype: modify\nreplace: msDS-KeyVersionNumber\nmsDS-KeyVersionNumber: 9\n' "$BOB" | admin)
t_like "msDS-KeyVersionNumber is system-only (53)" "$out" "unwilling to perform \(53\)"

# ---- a computer with a password, and its own writes ----
out=$(printf 'dn: CN=WS2,%s\nchangetype: add\nobjectClass: computer\nunicodePwd:: %s\n' \
	"$C" "$(upw Ws2-Secret-42x)" | admin)
t_like "Administrator adds computer WS2 (objectClass computer only, no cn)" "$out" 'adding new entry "CN=WS2'
e=$(root_read '(cn=WS2)' sAMAccountName userAccountControl primaryGroupID)
t_like "WS2: sAMAccountName WS2\$ derived from the RDN" "$e" '^sAMAccountName: WS2\$$'
t_like "WS2: workstation trust account (4096)" "$e" "^userAccountControl: 4096$"
t_like "WS2: primaryGroupID 515" "$e" "^primaryGroupID: 515$"
WS2="CN=WS2,$C"
out=$(printf 'dn: %s\nchangetype: modify\nreplace: dNSHostName\ndNSHostName: ws2.example.com\n-\nreplace: servicePrincipalName\nservicePrincipalName: host/ws2.example.com\nservicePrincipalName: host/WS2\n' \
	"$WS2" | as "$WS2" "$H_TMP/ws2.pw")
t_like "the computer sets its own dNSHostName and SPNs" "$out" 'modifying entry "CN=WS2'
t_unlike "... without an error" "$out" "ldap_modify:"
out=$(printf 'dn: %s\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 528384\n' "$WS2" |
	as "$WS2" "$H_TMP/ws2.pw")
t_like "the computer cannot change its userAccountControl (50)" "$out" "Insufficient access \(50\)"
out=$(printf 'dn: %s\nchangetype: modify\nreplace: dNSHostName\ndNSHostName: dc1.example.com\n' "$WS2" |
	as "$WS2" "$H_TMP/ws2.pw")
t_like "the computer cannot call itself dc1 (50)" "$out" "Insufficient access \(50\)"
out=$(printf 'dn: CN=bob,%s\nchangetype: modify\nreplace: description\ndescription: y\n' "$U" |
	as "$WS2" "$H_TMP/ws2.pw")
t_like "the computer cannot modify another account (50)" "$out" "Insufficient access \(50\)"

# ---- Account Operators ----
printf 'dn: CN=Account Operators,CN=Builtin,%s\nchangetype: modify\nadd: member\nmember: %s\n' \
	"$H_BASE" "$BOB" | admin > /dev/null
out=$(printf 'dn: CN=WS3,%s\nchangetype: add\nobjectClass: computer\n' "$C" | as "$BOB" "$H_TMP/bob.pw")
t_like "an Account Operator creates a computer" "$out" 'adding new entry "CN=WS3'
t_unlike "... without an error" "$out" "ldap_add:"
out=$(printf 'dn: CN=WS4,%s\nchangetype: add\nobjectClass: computer\nuserAccountControl: 528384\n' "$C" |
	as "$BOB" "$H_TMP/bob.pw")
t_like "... but no trusted-for-delegation one (50)" "$out" "Insufficient access \(50\)"
out=$(printf 'dn: %s\nchangetype: modify\nreplace: description\ndescription: z\n' "$H_ADMIN_DN" |
	as "$BOB" "$H_TMP/bob.pw")
t_like "... and cannot touch a Domain Admin (50)" "$out" "Insufficient access \(50\)"
out=$(printf 'dn: CN=WS3,%s\nchangetype: modify\nadd: msDS-AllowedToDelegateTo\nmsDS-AllowedToDelegateTo: host/dc1.example.com\n' \
	"$C" | as "$BOB" "$H_TMP/bob.pw")
t_like "... nor grant constrained delegation (50)" "$out" "Insufficient access \(50\)"

# ---- DnsAdmins: the zone under cn=dns, nothing else ----
( umask 077; printf 'D4na-Secret-42' > "$H_TMP/dana.pw" )
DANA="CN=dana,$U"
ZDN="idnsName=example.com,cn=dns,$H_BASE"
printf 'dn: %s\nchangetype: add\nobjectClass: user\nunicodePwd:: %s\n\ndn: CN=DnsAdmins,%s\nchangetype: modify\nadd: member\nmember: %s\n' \
	"$DANA" "$(upw D4na-Secret-42)" "$U" "$DANA" | admin > /dev/null
out=$(printf 'dn: idnsName=web,%s\nchangetype: add\nobjectClass: idnsRecord\nidnsName: web\naRecord: 10.0.0.9\n' \
	"$ZDN" | as "$DANA" "$H_TMP/dana.pw")
t_like "a DnsAdmins member adds a DNS record" "$out" 'adding new entry "idnsName=web'
t_unlike "... without an error" "$out" "ldap_add:"
out=$(printf 'dn: idnsName=web2,%s\nchangetype: add\nobjectClass: idnsRecord\nidnsName: web2\naRecord: 10.0.0.8\n' \
	"$ZDN" | as "$BOB" "$H_TMP/bob.pw")
t_like "a user outside DnsAdmins cannot (50)" "$out" "Insufficient access \(50\)"
out=$(printf 'dn: CN=WS8,%s\nchangetype: add\nobjectClass: computer\n' "$C" | as "$DANA" "$H_TMP/dana.pw")
t_like "a DnsAdmins member cannot create a computer (50)" "$out" "Insufficient access \(50\)"

# ---- password reset, group, delete ----
( umask 077; printf 'B0b-Secret-43' > "$H_TMP/bob2.pw" )
out=$(printf 'dn: %s\nchangetype: modify\nreplace: unicodePwd\nunicodePwd:: %s\n' "$BOB" "$(upw B0b-Secret-43)" | admin)
t_unlike "Administrator resets bob's password (unicodePwd replace)" "$out" "ldap_modify:"
t_ok "kinit bob with the new password" sh -c "kinit bob < '$H_TMP/bob2.pw'"
t_fail "the old one is refused" sh -c "kinit bob < '$H_TMP/bob.pw'"
t_like "msDS-KeyVersionNumber is now 2" "$(root_read '(sAMAccountName=bob)' msDS-KeyVersionNumber)" \
	"^msDS-KeyVersionNumber: 2$"
out=$(printf 'dn: CN=g1,%s\nchangetype: add\nobjectClass: group\n' "$U" | admin)
t_like "Administrator adds group g1" "$out" 'adding new entry "CN=g1'
e=$(root_read '(cn=g1)' sAMAccountName groupType sAMAccountType objectSid)
t_like "g1: sAMAccountName from cn" "$e" "^sAMAccountName: g1$"
t_like "g1: a global security group" "$e" "^groupType: -2147483646$"
t_like "g1: sAMAccountType 268435456" "$e" "^sAMAccountType: 268435456$"
out=$(printf 'dn: %s\nchangetype: delete\n' "$WS2" | admin)
t_unlike "Administrator deletes WS2" "$out" "ldap_delete:"
t_unlike "WS2 is gone" "$(root_read '(cn=WS2)' dn)" "^dn:"

# GSSAPI binds map to the account too (adcli's path, here with ldapadd);
# the client needs the DC's name: a private /etc/hosts (no DNS).
printf '%s dc1.example.com dc1\n127.0.0.1 localhost\n' "$H_ADDR" > "$H_TMP/hosts"
printf 'dn: CN=u5,%s\nchangetype: add\nobjectClass: user\n' "$U" > "$H_TMP/u5.ldif"
t_ok "kinit Administrator" sh -c "kinit Administrator < '$H_ADMIN_PW_FILE'"
out=$(unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$H_TMP/hosts" \
	ldapmodify -Q -Y GSSAPI -H ldap://dc1.example.com -f "$H_TMP/u5.ldif" 2>&1)
t_unlike "Administrator adds a user over SASL/GSSAPI" "$out" "ldap_add:|error"
t_like "... it exists" "$(root_read '(sAMAccountName=u5)' dn)" "^dn: "
# The dsa is supervised: after kill -9 it is back and writes work again.
pid=$("$MINIDC" status --dir "$H_DIR" | awk '$1 == "dsa" { print $3 }')
t_like "minidc status lists the dsa running" "$("$MINIDC" status --dir "$H_DIR")" "^dsa +running "
kill -9 "$pid"
printf 'dn: CN=u6,%s\nchangetype: add\nobjectClass: user\n' "$U" > "$H_TMP/u6.ldif"
t_ok "writes work again after kill -9 of the dsa (restarted)" t_wait "$H_WAIT" \
	ldapmodify -x -H "ldaps://$H_ADDR" -D "$H_ADMIN_DN" -y "$H_ADMIN_PW_FILE" -f "$H_TMP/u6.ldif"
t_like "... and were completed by the new dsa" "$(root_read '(cn=u6)' objectSid)" "^objectSid:: "
t_unlike "no password in the DC's logs" "$(cat "$H_DIR"/log/*.log)" "Secret-4"
harness_done
