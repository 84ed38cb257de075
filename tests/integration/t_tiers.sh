#!/bin/sh
# tests/integration/t_tiers.sh - issue 11, items 1, 2, 5: the dsa's tiers
# with real clients as the attacker (ldapmodify -Y GSSAPI, ldapmodrdn, kinit,
# kvno), each refusal beside the legitimate use that still works.
. "$top_srcdir/tests/harness/harness.sh"
harness_start

export LDAPTLS_CACERT="$H_DIR/tls/ca.crt"
U="CN=Users,$H_BASE"
C="CN=Computers,$H_BASE"
ZDN="idnsName=example.com,cn=dns,$H_BASE"
upw() { printf '"%s"' "$1" | iconv -t UTF-16LE | base64 -w0; }
root_read() { lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "$H_BASE" "$@" 2>&1; }
mdc() { "$MINIDC" "$@" --dir "$H_DIR"; }
# The client needs the DC's name for GSSAPI: a private /etc/hosts.
printf '%s dc1.example.com dc1\n127.0.0.1 localhost\n' "$H_ADDR" > "$H_TMP/hosts"
# gss NAME: ldapmodify -Y GSSAPI as NAME (its ccache), LDIF on stdin.
gss() {
	KRB5CCNAME="FILE:$H_TMP/$1.cc" unshare -m sh -c \
		'mount --bind "$0" /etc/hosts && exec "$@"' "$H_TMP/hosts" \
		ldapmodify -Q -Y GSSAPI -H ldap://dc1.example.com 2>&1
}
gss_rdn() { # NAME DN NEWRDN NEWSUP
	KRB5CCNAME="FILE:$H_TMP/$1.cc" unshare -m sh -c \
		'mount --bind "$0" /etc/hosts && exec "$@"' "$H_TMP/hosts" \
		ldapmodrdn -Q -Y GSSAPI -H ldap://dc1.example.com -r -s "$4" "$2" "$3" 2>&1
}
# mkuser NAME: a user with password NAME-Secret-42, kinit into NAME.cc.
mkuser() {
	( umask 077; printf 'Pw-Secret-42' > "$H_TMP/$1.pw" )
	mdc user add "$1" --password-file "$H_TMP/$1.pw" > /dev/null &&
		KRB5CCNAME="FILE:$H_TMP/$1.cc" kinit "$1" < "$H_TMP/$1.pw" > /dev/null
}
reset_pw() { # DN PASSWORD: LDIF replacing unicodePwd
	printf 'dn: %s\nchangetype: modify\nreplace: unicodePwd\nunicodePwd:: %s\n' "$1" "$(upw "$2")"
}

# ---- item 1: Account Operators and protected accounts (nesting) ----
for u in ao carol nested deep ao2; do
	t_ok "user $u exists, kinit $u" mkuser "$u"
done
mdc group addmember "Account Operators" ao > /dev/null
mdc group addmember "Account Operators" ao2 > /dev/null
mdc group add Tier0 > /dev/null
mdc group add Tier1 > /dev/null
t_ok "Tier0 is nested in Domain Admins" mdc group addmember "Domain Admins" Tier0
t_ok "nested is a member of Tier0, Tier1 of Tier0, deep of Tier1" sh -c \
	"$(command -v "$MINIDC") group addmember Tier0 nested --dir '$H_DIR' &&
	 $(command -v "$MINIDC") group addmember Tier0 Tier1 --dir '$H_DIR' &&
	 $(command -v "$MINIDC") group addmember Tier1 deep --dir '$H_DIR'"

out=$(reset_pw "CN=carol,$U" C4rol-New-Pass-1 | gss ao)
t_unlike "the Account Operator resets an ordinary user's password (GSSAPI)" "$out" "ldap_modify|rror"
t_ok "... kinit carol with it" sh -c "printf C4rol-New-Pass-1 | KRB5CCNAME=FILE:$H_TMP/carol.cc kinit carol"
out=$(reset_pw "CN=nested,$U" Owned-By-Ao-1 | gss ao)
t_like "the Account Operator cannot reset a nested Domain Admin's password (50)" "$out" "Insufficient access \(50\)"
t_like "... with a clear reason" "$out" "protected account"
t_fail "... and the password did not change" sh -c "printf Owned-By-Ao-1 | KRB5CCNAME=FILE:$H_TMP/x.cc kinit nested"
out=$(reset_pw "CN=deep,$U" Owned-By-Ao-1 | gss ao)
t_like "... nor of a member two levels down (deep in Tier1 in Tier0)" "$out" "Insufficient access \(50\)"
out=$(printf 'dn: CN=nested,%s\nchangetype: modify\nreplace: description\ndescription: x\n' "$U" | gss ao)
t_like "... nor any other attribute of it" "$out" "Insufficient access \(50\)"
out=$(printf 'dn: CN=Tier0,%s\nchangetype: modify\nadd: member\nmember: CN=ao,%s\n' "$U" "$U" | gss ao)
t_like "the Account Operator cannot add itself to Tier0 (a protected group)" "$out" "Insufficient access \(50\)"
out=$(printf 'dn: CN=Domain Admins,%s\nchangetype: modify\nadd: member\nmember: CN=ao,%s\n' "$U" "$U" | gss ao)
t_like "... nor to Domain Admins" "$out" "Insufficient access \(50\)"
out=$(reset_pw "CN=ao2,$U" Owned-By-Ao-1 | gss ao)
t_like "... nor take over another Account Operator" "$out" "Insufficient access \(50\)"
t_ok "kinit Administrator" sh -c "KRB5CCNAME=FILE:$H_TMP/Administrator.cc kinit Administrator < '$H_ADMIN_PW_FILE'"
out=$(reset_pw "CN=nested,$U" Admin-Sets-It-1 | gss Administrator)
t_unlike "a Domain Admin still resets nested's password" "$out" "ldap_modify|rror"
t_ok "... kinit nested with it" sh -c "printf Admin-Sets-It-1 | KRB5CCNAME=FILE:$H_TMP/x.cc kinit nested"
t_ok "once out of Tier0, deep is an ordinary user again" sh -c \
	"$(command -v "$MINIDC") group delmember Tier1 deep --dir '$H_DIR'"
out=$(reset_pw "CN=deep,$U" Ao-Sets-It-1 | gss ao)
t_unlike "... and the Account Operator manages it" "$out" "ldap_modify|rror"

# ---- item 2: DnsAdmins write DNS objects under cn=dns, nothing else ----
mkuser dana
mdc group addmember DnsAdmins dana > /dev/null
out=$(printf 'dn: idnsName=web,%s\nchangetype: add\nobjectClass: idnsRecord\nidnsName: web\naRecord: 10.0.0.9\n' \
	"$ZDN" | gss dana)
t_unlike "a DnsAdmin adds a DNS record (GSSAPI)" "$out" "ldap_add|rror"
out=$(printf 'dn: CN=evil,%s\nchangetype: add\nobjectClass: user\nsAMAccountName: evil\nunicodePwd:: %s\n' \
	"$ZDN" "$(upw Evil-Secret-42)" | gss dana)
t_like "a DnsAdmin cannot create a user under cn=dns (50)" "$out" "Insufficient access \(50\)"
t_like "... with a clear reason" "$out" "only write DNS objects"
t_fail "... kinit evil fails" sh -c "printf Evil-Secret-42 | KRB5CCNAME=FILE:$H_TMP/x.cc kinit evil"
out=$(printf 'dn: CN=EVILPC,%s\nchangetype: add\nobjectClass: computer\nservicePrincipalName: http/dc1.example.com\n' \
	"$ZDN" | gss dana)
t_like "... nor a computer with a foreign SPN" "$out" "Insufficient access \(50\)"
out=$(printf 'dn: CN=Domain Controllers,cn=dns,%s\nchangetype: add\nobjectClass: group\nmember: CN=dana,%s\n' \
	"$H_BASE" "$U" | gss dana)
t_like "... nor a group named Domain Controllers" "$out" "Insufficient access \(50\)"
out=$(printf 'dn: idnsName=web,%s\nchangetype: modify\nadd: objectClass\nobjectClass: user\n' "$ZDN" | gss dana)
t_like "... nor turn a record into a user" "$out" "Insufficient access \(50\)"
out=$(gss_rdn dana "idnsName=web,$ZDN" "CN=web" "$U")
t_like "... nor move a record out of cn=dns (the target is checked)" "$out" "Insufficient access \(50\)"
t_like "... with a clear reason" "$out" "move DNS objects out"
t_like "the record is still in the zone" "$(root_read '(idnsName=web)' dn)" "^dn: idnsName=web,idnsName=example.com"
out=$(gss_rdn dana "idnsName=web,$ZDN" "idnsName=www" "$ZDN")
t_unlike "a DnsAdmin renames a record inside the zone" "$out" "ldap_rename|rror"
t_like "... it is now www" "$(root_read '(idnsName=www)' dn)" "^dn: idnsName=www,idnsName=example.com"
out=$(gss_rdn dana "CN=carol,$U" "CN=carol" "cn=dns,$H_BASE")
t_like "a DnsAdmin cannot move a user into cn=dns (the source is checked)" "$out" "Insufficient access \(50\)"

# ---- item 5: a computer's writes to itself ----
( umask 077; printf 'Ws5-Secret-42x' > "$H_TMP/ws5.pw" )
WS5="CN=WS5,$C"
printf 'dn: %s\nchangetype: add\nobjectClass: computer\nunicodePwd:: %s\n' "$WS5" "$(upw Ws5-Secret-42x)" |
	gss Administrator > /dev/null
t_ok "kinit WS5\$ with its password" sh -c "KRB5CCNAME=FILE:$H_TMP/ws5.cc kinit 'WS5\$' < '$H_TMP/ws5.pw'"
self() { # LDIF body lines after the dn, as WS5 over GSSAPI
	printf 'dn: %s\nchangetype: modify\n%s\n' "$WS5" "$1" | gss ws5
}
out=$(self 'replace: dNSHostName
dNSHostName: ws5.example.com
-
replace: servicePrincipalName
servicePrincipalName: host/ws5.example.com
servicePrincipalName: host/WS5')
t_unlike "WS5 sets its own dNSHostName and SPNs in the domain" "$out" "ldap_modify|rror"
t_ok "kvno host/ws5.example.com works" env KRB5CCNAME="FILE:$H_TMP/ws5.cc" kvno host/ws5.example.com
out=$(self 'replace: dNSHostName
dNSHostName: ws5.attacker.test')
t_like "WS5 cannot call itself ws5.attacker.test (50)" "$out" "Insufficient access \(50\)"
t_like "... with a clear reason" "$out" "outside the domain example.com"
out=$(self 'add: servicePrincipalName
servicePrincipalName: http/ws5.attacker.test')
t_like "... nor take http/ws5.attacker.test" "$out" "Insufficient access \(50\)"
out=$(self 'add: servicePrincipalName
servicePrincipalName: krbtgt/WS5')
t_like "... nor krbtgt/WS5 (19)" "$out" "Constraint violation \(19\)"
t_like "... with a clear reason" "$out" "belong to the KDC alone"
out=$(self 'add: servicePrincipalName
servicePrincipalName: kadmin/WS5')
t_like "... nor kadmin/WS5" "$out" "Constraint violation \(19\)"
t_fail "kvno krbtgt/WS5 fails" env KRB5CCNAME="FILE:$H_TMP/ws5.cc" kvno "krbtgt/WS5@$H_REALM"
out=$(printf 'dn: %s\nchangetype: modify\nadd: servicePrincipalName\nservicePrincipalName: K/M\n' "$WS5" |
	gss Administrator)
t_like "not even a Domain Admin gives an account K/M" "$out" "Constraint violation \(19\)"
out=$(printf 'dn: %s\nchangetype: modify\nadd: servicePrincipalName\nservicePrincipalName: http/web.example.com\n' "$WS5" |
	gss Administrator)
t_unlike "... while a Domain Admin still adds an ordinary SPN" "$out" "ldap_modify|rror"
t_ok "kvno http/web.example.com works" env KRB5CCNAME="FILE:$H_TMP/ws5.cc" kvno http/web.example.com

# ---- item 9: the password policy (length 7, 3 classes, no account name) ----
mkuser alice
kpw() { # OLD NEW: kpasswd alice
	printf '%s\n%s\n%s\n' "$1" "$2" "$2" | KRB5CCNAME="FILE:$H_TMP/kpw.cc" kpasswd alice 2>&1
}
out=$(kpw Pw-Secret-42 a)
t_like "kpasswd alice to 'a' is refused" "$out" "rejected|not changed"
t_like "... with the reason" "$out" "Password is too short"
out=$(kpw Pw-Secret-42 alllowercase1)
t_like "... so is a password of two character classes" "$out" "not contain enough character classes"
out=$(kpw Pw-Secret-42 Alice-Pw-42)
t_like "... and one containing the account name" "$out" "password quality failure"
t_ok "alice's password is unchanged" sh -c "printf Pw-Secret-42 | KRB5CCNAME=FILE:$H_TMP/x.cc kinit alice"
out=$(kpw Pw-Secret-42 Good-Pass-77)
t_unlike "kpasswd to a password that meets the policy works" "$out" "rejected|not changed"
t_ok "... kinit alice with it" sh -c "printf Good-Pass-77 | KRB5CCNAME=FILE:$H_TMP/x.cc kinit alice"
out=$(reset_pw "CN=alice,$U" short | gss Administrator)
t_like "a Domain Admin's unicodePwd reset to 'short' is refused too (19)" "$out" "Constraint violation \(19\)"
t_like "... with AD's reason" "$out" "does not meet the length requirement: at least 7 characters"
out=$(printf 'dn: CN=alice,%s\nchangetype: modify\nreplace: description\ndescription: x\n' "$U" |
	ldapmodify -x -H "ldap://$H_ADDR" -D "CN=alice,$U" -w Good-Pass-77 2>&1)
t_like "a simple bind with a password over plain LDAP is refused" "$out" "Confidentiality required \(13\)"
out=$(reset_pw "CN=alice,$U" Good-Pass-78 | KRB5CCNAME="FILE:$H_TMP/Administrator.cc" unshare -m sh -c \
	'mount --bind "$0" /etc/hosts && exec "$@"' "$H_TMP/hosts" \
	ldapmodify -Q -Y GSSAPI -O maxssf=0 -H ldap://dc1.example.com 2>&1)
t_like "unicodePwd over GSSAPI without a security layer is refused (53)" "$out" "unwilling to perform \(53\)"
t_ok "... while LDAPS works" ldapwhoami -x -H "ldaps://$H_ADDR" -D "CN=alice,$U" -w Good-Pass-77
t_ok "... and StartTLS" ldapwhoami -x -ZZ -H "ldap://$H_ADDR" -D "CN=alice,$U" -w Good-Pass-77
# History: none of the last 24 passwords (the current one too), by
# kpasswd or by an administrator's unicodePwd reset (minidc checks resets:
# AD does only with its policy-hints control).
mkuser histy
hkpw() { # OLD NEW: kpasswd histy
	printf '%s\n%s\n%s\n' "$1" "$2" "$2" | KRB5CCNAME="FILE:$H_TMP/hkpw.cc" kpasswd histy 2>&1
}
hkinit() { printf '%s' "$1" | KRB5CCNAME="FILE:$H_TMP/x.cc" kinit histy > /dev/null 2>&1; }
admin_ldaps() { ldapmodify -x -H "ldaps://$H_ADDR" -D "CN=Administrator,$U" -y "$H_ADMIN_PW_FILE" 2>&1; }
out=$(hkpw Pw-Secret-42 Pw-Secret-42)
t_like "kpasswd histy to its current password is refused" "$out" "rejected|not changed"
t_like "... with the history reason" "$out" "New password was used previously"
out=$(hkpw Pw-Secret-42 Hist-Pass-11)
t_unlike "kpasswd histy to a new password works" "$out" "rejected|not changed"
t_ok "... kinit histy with it" hkinit Hist-Pass-11
out=$(hkpw Hist-Pass-11 Pw-Secret-42)
t_like "kpasswd histy back to an older password is refused" "$out" "rejected|not changed"
t_ok "... histy's password is unchanged" hkinit Hist-Pass-11
out=$(hkpw Hist-Pass-11 Hist-Pass-12)
t_unlike "... a third one works" "$out" "rejected|not changed"
out=$(reset_pw "CN=histy,$U" Hist-Pass-11 | admin_ldaps)
t_like "an administrator's unicodePwd reset (LDAPS) to an older password is refused (19)" "$out" "Constraint violation \(19\)"
t_like "... with AD's reason" "$out" "does not meet the history requirement"
t_ok "... and the password is unchanged" hkinit Hist-Pass-12
out=$(reset_pw "CN=histy,$U" Hist-Pass-13 | admin_ldaps)
t_unlike "... a reset to a new password works" "$out" "ldap_modify|rror"
t_ok "... kinit histy with it" hkinit Hist-Pass-13
out=$(hkpw Hist-Pass-13 Hist-Pass-13)
t_like "kpasswd knows the password the reset set (one history for both paths)" "$out" "rejected|not changed"
h=$(root_read '(sAMAccountName=histy)' mdcPwdHistory)
t_like "the history holds SHA-512 crypt hashes" "$h" '^mdcPwdHistory: \$6\$'
t_unlike "... never a password" "$h" "Hist-Pass|Pw-Secret"
# One hash per password set: the simple-bind hash is the history's newest.
up=$(root_read '(sAMAccountName=histy)' userPassword | sed -n 's/^userPassword:: //p' | base64 -d)
newest=$(printf '%s\n' "$h" | sed -n 's/^mdcPwdHistory: //p' | cut -d' ' -f1)
t_is "userPassword is {CRYPT} + the history's newest hash" "$up" "{CRYPT}$newest"
printf 'Hist-Pass-13' | KRB5CCNAME="FILE:$H_TMP/histy.cc" kinit histy > /dev/null 2>&1
out=$(KRB5CCNAME="FILE:$H_TMP/histy.cc" unshare -m sh -c \
	'mount --bind "$0" /etc/hosts && exec "$@"' "$H_TMP/hosts" \
	ldapsearch -LLL -Q -Y GSSAPI -H ldap://dc1.example.com -b "CN=histy,$U" -s base \
	mdcPwdHistory sAMAccountName 2>&1)
t_like "histy reads its own entry over GSSAPI" "$out" "^sAMAccountName: histy$"
t_unlike "... but not its history" "$out" "mdcPwdHistory"
# Lockout: 10 bad passwords lock the account for 10 minutes.
mkuser locky
for i in 1 2 3 4 5 6 7 8 9 10; do
	printf 'Wrong-Pass-%s\n' "$i" | KRB5CCNAME="FILE:$H_TMP/x.cc" kinit locky > /dev/null 2>&1
done
t_is "locky's badPwdCount is 10" "$(root_read '(sAMAccountName=locky)' badPwdCount | sed -n 's/^badPwdCount: //p')" 10
out=$(printf 'Pw-Secret-42\n' | KRB5CCNAME="FILE:$H_TMP/x.cc" kinit locky 2>&1)
t_like "after 10 bad passwords the right one is refused (locked out)" "$out" "revoked"
t_ok "another user still logs on" sh -c "printf Good-Pass-77 | KRB5CCNAME=FILE:$H_TMP/x.cc kinit alice"
t_is "... and a good logon leaves alice's badPwdCount at 0" \
	"$(root_read '(sAMAccountName=alice)' badPwdCount | sed -n 's/^badPwdCount: //p')" 0
# An administrator's unlock (AD's Unlock-ADAccount): lockoutTime 0, which
# also clears badPwdCount.
attr() { root_read "(sAMAccountName=$1)" "$2" | sed -n "s/^$2: //p"; }
unlock_ldif() { # NAME VALUE
	printf 'dn: CN=%s,%s\nchangetype: modify\nreplace: lockoutTime\nlockoutTime: %s\n' "$1" "$U" "$2"
}
locky_kinit() { printf 'Pw-Secret-42\n' | KRB5CCNAME="FILE:$H_TMP/x.cc" kinit locky 2>&1; }
t_like "the KDC set locky's lockoutTime (the lock's NT time)" "$(attr locky lockoutTime)" '^[1-9][0-9]{16,}$'
t_ok "user bob exists, kinit bob" mkuser bob
out=$(unlock_ldif locky 0 | gss bob)
t_like "a plain user cannot unlock locky (50)" "$out" "Insufficient access \(50\)"
t_is "... locky's badPwdCount is still 10" "$(attr locky badPwdCount)" 10
out=$(unlock_ldif bob 0 | gss bob)
t_like "... nor himself" "$out" "Insufficient access \(50\)"
out=$(unlock_ldif nested 0 | gss ao)
t_like "an Account Operator cannot unlock a protected account (50)" "$out" "Insufficient access \(50\)"
out=$(unlock_ldif locky 5 | gss ao)
t_like "lockoutTime: 5 is refused (53)" "$out" "unwilling to perform \(53\)"
t_like "... with AD's rule" "$out" "lockoutTime may only be replaced by 0"
t_is "... locky's badPwdCount is still 10" "$(attr locky badPwdCount)" 10
out=$(unlock_ldif locky 0 | gss ao)
t_unlike "an Account Operator unlocks locky (lockoutTime: 0, GSSAPI)" "$out" "ldap_modify|rror"
t_is "... locky's badPwdCount is 0" "$(attr locky badPwdCount)" 0
t_is "... and its lockoutTime 0" "$(attr locky lockoutTime)" 0
out=$(locky_kinit)
t_unlike "... kinit locky with the right password works" "$out" "revoked|kinit:"
lock_locky() {
	for i in 1 2 3 4 5 6 7 8 9 10; do
		printf 'Wrong-Pass-%s\n' "$i" | KRB5CCNAME="FILE:$H_TMP/x.cc" kinit locky > /dev/null 2>&1
	done
}
cli_as() { # NAME ARGS...: minidc as NAME's ticket (--kerberos, GSSAPI)
	n=$1; shift
	KRB5CCNAME="FILE:$H_TMP/$n.cc" unshare -m sh -c \
		'mount --bind "$0" /etc/hosts && exec "$@"' "$H_TMP/hosts" \
		"$MINIDC" "$@" --kerberos --dir "$H_DIR" 2>&1
}
lock_locky
t_like "10 more bad passwords lock locky again" "$(locky_kinit)" "revoked"
t_like "bob's minidc user unlock locky --kerberos is refused (one line)" \
	"$(cli_as bob user unlock locky)" "^minidc user: cannot unlock .*Insufficient access"
t_like "... and locky is still locked" "$(locky_kinit)" "revoked"
t_is "minidc user unlock locky (root, ldapi)" "$(mdc user unlock locky 2>&1)" "unlocked user locky"
t_is "... locky's badPwdCount is 0" "$(attr locky badPwdCount)" 0
t_unlike "... kinit locky works again" "$(locky_kinit)" "revoked|kinit:"
lock_locky
t_like "locked a third time" "$(locky_kinit)" "revoked"
t_is "the Account Operator's minidc user unlock locky --kerberos" \
	"$(cli_as ao user unlock locky)" "unlocked user locky"
t_unlike "... kinit locky works again" "$(locky_kinit)" "revoked|kinit:"
t_like "minidc user unlock of no such user fails" "$(mdc user unlock nobody-here 2>&1)" "no user nobody-here"
# Simple binds (StartTLS) share the KDC's counter: 10 wrong passwords lock
# the account for LDAP and Kerberos alike, and the lock is checked before
# the password.
t_ok "user bindy exists" mkuser bindy
( umask 077; printf 'Wrong-Pass-1' > "$H_TMP/bindy-bad.pw" )
bindy_bind() { # PASSWORD-FILE
	ldapwhoami -x -ZZ -H "ldap://$H_ADDR" -D "CN=bindy,$U" -y "$H_TMP/$1" 2>&1
}
out=$(bindy_bind bindy-bad.pw)
t_like "a wrong simple bind of bindy fails (49)" "$out" "Invalid credentials \(49\)"
t_unlike "... not as a locked account" "$out" "data 775"
t_is "... and counts: bindy's badPwdCount is 1" "$(attr bindy badPwdCount)" 1
t_like "... at badPasswordTime" "$(attr bindy badPasswordTime)" '^[1-9][0-9]{16,}$'
out=$(bindy_bind bindy.pw)
t_like "the right simple bind works" "$out" "^dn:[Cc][Nn]=bindy,"
t_is "... and clears bindy's badPwdCount" "$(attr bindy badPwdCount)" 0
for i in 1 2 3 4 5 6 7 8 9 10; do bindy_bind bindy-bad.pw > /dev/null; done
t_is "10 wrong simple binds: bindy's badPwdCount is 10" "$(attr bindy badPwdCount)" 10
t_like "... the tenth set lockoutTime" "$(attr bindy lockoutTime)" '^[1-9][0-9]{16,}$'
out=$(bindy_bind bindy.pw)
t_like "the right simple bind is refused now (49)" "$out" "Invalid credentials \(49\)"
t_like "... with AD's account-locked reason (data 775)" "$out" "AcceptSecurityContext error, data 775"
t_is "... and it did not count" "$(attr bindy badPwdCount)" 10
t_like "kinit bindy with the right password is refused too (one counter)" \
	"$(printf 'Pw-Secret-42\n' | KRB5CCNAME="FILE:$H_TMP/x.cc" kinit bindy 2>&1)" "revoked"
t_is "the Account Operator's minidc user unlock bindy --kerberos" \
	"$(cli_as ao user unlock bindy)" "unlocked user bindy"
t_like "... the right simple bind works again" "$(bindy_bind bindy.pw)" "^dn:[Cc][Nn]=bindy,"
t_is "... and bindy's badPwdCount is 0" "$(attr bindy badPwdCount)" 0
( umask 077; printf 'C4rol-New-Pass-1' > "$H_TMP/carol-new.pw"; printf 'Good-Pass-77' > "$H_TMP/alice-good.pw" )
printf 'Wrong-Pass-1\n' | KRB5CCNAME="FILE:$H_TMP/x.cc" kinit carol > /dev/null 2>&1
t_is "a bad Kerberos password counts for carol" "$(attr carol badPwdCount)" 1
t_like "carol's right simple bind works" \
	"$(ldapwhoami -x -ZZ -H "ldap://$H_ADDR" -D "CN=carol,$U" -y "$H_TMP/carol-new.pw" 2>&1)" "^dn:[Cc][Nn]=carol,"
t_is "... and clears the KDC's count" "$(attr carol badPwdCount)" 0
t_like "alice's right simple bind works" \
	"$(ldapwhoami -x -ZZ -H "ldap://$H_ADDR" -D "CN=alice,$U" -y "$H_TMP/alice-good.pw" 2>&1)" "^dn:[Cc][Nn]=alice,"
t_is "... and leaves alice's badPwdCount at 0" "$(attr alice badPwdCount)" 0

# ---- item 8: the ldapi socket is the DC's own (root's) ----
t_is "the ldapi socket's directory is root's, mode 0700" "$(stat -c '%U %a' "$H_DIR/run/ldap")" "root 700"
# Open every directory above it to others (the test domain lives under a
# 0700 directory) so that only the socket's own directory stands in the way.
modes=$(stat -c '%a %n' "$H_TMP" "$H_DIR" "$H_DIR/run")
chmod o+x "$H_TMP" "$H_DIR" "$H_DIR/run"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	ldapsearch -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "$H_BASE" -s base dn 2>&1)
t_like "nobody's ldapsearch -Y EXTERNAL over ldapi is refused" "$out" "Can't contact LDAP server"
t_unlike "... and read nothing" "$out" "^dn:"
# Nor slapd's own user: slapd runs as openldap, and the socket it made as
# root before it dropped privileges is as far from it as from anyone.
out=$(setpriv --reuid=openldap --regid=openldap --clear-groups \
	ldapsearch -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "$H_BASE" -s base dn 2>&1)
t_like "openldap's ldapsearch -Y EXTERNAL over ldapi is refused" "$out" "Can't contact LDAP server"
printf '%s\n' "$modes" | while read -r m p; do chmod "$m" "$p"; done
t_like "root's still works" "$(root_read -s base dn)" "^dn: (DC|dc)=example,(DC|dc)=com"
harness_done
