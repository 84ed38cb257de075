#!/bin/sh
# tests/integration/t_kerberos.sh - issue 3: the domain's Kerberos with real
# clients (kinit, klist, kvno, kpasswd, kadmin, ldapwhoami/ldapsearch -Y GSSAPI)
# against stock krb5kdc/kadmind running our KDB plugin over the directory.
. "$top_srcdir/tests/harness/harness.sh"
harness_start

ADMPW=$(cat "$H_ADMIN_PW_FILE")
ldapi() { ldapsearch -Q -LLL -Y EXTERNAL -H "$H_LDAPI" -b "$H_BASE" "$@"; }
attr() { ldapi "(sAMAccountName=$1)" "$2" | sed -n "s/^$2: //p"; }
kinit_pw() { _pw=$1; shift; printf '%s\n' "$_pw" | kinit "$@" 2>&1; }  # PW [OPTS] NAME
# GSSAPI LDAP clients need the DC's name: a private /etc/hosts (no DNS).
printf '%s dc1.example.com dc1\n127.0.0.1 localhost\n' "$H_ADDR" > "$H_TMP/hosts"
named() { unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$H_TMP/hosts" "$@"; }

# ---- files ----
t_is "dc.keytab is 0600" "$(stat -c %a "$H_DIR/krb5/dc.keytab")" 600
t_is "stash is 0600" "$(stat -c %a "$H_DIR/krb5/stash")" 600
kt=$(klist -k "$H_DIR/krb5/dc.keytab")
for p in 'DC1\$' host/dc1.example.com ldap/dc1.example.com; do
	t_like "keytab has $p" "$kt" " $p@EXAMPLE.COM"
done
# The DNS server's keys are its own account's, in a keytab of their own.
t_unlike "dc.keytab has no DNS/ key" "$kt" " DNS/"
t_is "dns.keytab is 0600" "$(stat -c %a "$H_DIR/krb5/dns.keytab")" 600
kt=$(klist -k "$H_DIR/krb5/dns.keytab")
for p in DNS/dc1.example.com dns/dc1.example.com; do
	t_like "dns.keytab has $p" "$kt" " $p@EXAMPLE.COM"
done
t_unlike "dns.keytab has nothing else" "$(printf '%s\n' "$kt" | sed -n '4,$p' | grep -iv ' dns/')" "@"
t_ok "dns.keytab decrypts a ticket for DNS/dc1.example.com" sh -c \
	"kinit Administrator < '$H_ADMIN_PW_FILE' > /dev/null && kvno -k '$H_DIR/krb5/dns.keytab' DNS/dc1.example.com"

# ---- Administrator, service tickets, GSSAPI to slapd ----
out=$(kinit_pw "$ADMPW" Administrator)
t_is "kinit Administrator with the provisioned password" "$?" 0
t_like "klist shows Administrator@EXAMPLE.COM" "$(klist)" "Default principal: Administrator@EXAMPLE.COM"
t_like "kvno ldap/dc1.example.com" "$(kvno ldap/dc1.example.com 2>&1)" "ldap/dc1.example.com@EXAMPLE.COM: kvno = 1"
t_ok "the DC keytab decrypts its ticket" kvno -k "$H_DIR/krb5/dc.keytab" host/dc1.example.com
out=$(named ldapwhoami -Q -Y GSSAPI -H ldap://dc1.example.com 2>&1 | tr A-Z a-z)
t_like "ldapwhoami -Y GSSAPI is the Administrator entry" "$out" "^dn: *cn=administrator,cn=users,dc=example,dc=com$"
out=$(named ldapsearch -Q -LLL -Y GSSAPI -H ldap://dc1.example.com -b "$H_BASE" '(sAMAccountName=DC1$)' dNSHostName minidcKrbKeyData 2>&1)
t_like "ldapsearch -Y GSSAPI reads the domain" "$out" "dNSHostName: dc1.example.com"
t_unlike "... but not the Kerberos keys" "$out" "minidcKrbKeyData"
out=$(named ldapsearch -Q -LLL -Y GSSAPI -H ldap://dc1.example.com -b "$H_BASE" '(sAMAccountName=krbtgt)' minidcKrbKeyData minidcKrbTlData userPassword 2>&1)
t_unlike "krbtgt's keys are not readable over GSSAPI" "$out" "minidcKrbKeyData|minidcKrbTlData|userPassword"

out=$(printf '%s\n' "$ADMPW" | kinit -E Administrator@example.com 2>&1)
t_is "enterprise name (implicit UPN) Administrator@example.com" "$?" 0

# ---- unknown principal, wrong password ----
out=$(kinit_pw x nosuchuser)
t_like "unknown principal: the KDC's own error" "$out" "not found in Kerberos database"
out=$(kinit_pw wrong-password Administrator)
t_like "wrong password: pre-authentication failure" "$out" "Password incorrect|Preauthentication failed"

# ---- minidc user add, kinit, kpasswd, kvno mirror ----
echo 'Al1ce-Pass-1' | "$MINIDC" user add alice --dir "$H_DIR" > "$H_TMP/add.out" 2>&1
t_is "minidc user add alice (password on stdin)" "$?" 0
out=$(kinit_pw Al1ce-Pass-1 alice)
t_like "kinit alice" "$(klist 2>&1)" "Default principal: alice@EXAMPLE.COM"
t_like "alice has an LDAP password hash too" "$(ldapi '(sAMAccountName=alice)' userPassword)" "userPassword::"
llt=$(attr alice lastLogonTimestamp)
t_like "a logon sets lastLogonTimestamp (NT time)" "$llt" "^1[0-9]{17}$"
kinit_pw Al1ce-Pass-1 alice > /dev/null
t_is "... and the next AS-REQ does not write it again" "$(attr alice lastLogonTimestamp)" "$llt"
printf 'Al1ce-Pass-1\nAl1ce-Pass-2\nAl1ce-Pass-2\n' | kpasswd alice > "$H_TMP/kpw.out" 2>&1
t_is "kpasswd alice" "$?" 0
t_fail "old password fails after kpasswd" sh -c "echo Al1ce-Pass-1 | kinit alice"
t_ok "new password works after kpasswd" sh -c "echo Al1ce-Pass-2 | kinit alice"
( umask 077; printf '%s' Al1ce-Pass-2 > "$H_TMP/alice.pw" )
t_ok "LDAP simple bind (StartTLS) with the new password" ldapwhoami -x -ZZ -H "$LDAPURI" -D "CN=alice,CN=Users,$H_BASE" -y "$H_TMP/alice.pw"
kinit_pw "$ADMPW" Administrator > /dev/null
kvno kadmin/admin > /dev/null 2>&1
gp=$(kadmin -c "$KRB5CCNAME" -q "getprinc alice" 2>&1)
kv=$(printf '%s\n' "$gp" | sed -n 's/^Key: vno \([0-9]*\),.*/\1/p' | head -n 1)
t_is "msDS-KeyVersionNumber equals the key's kvno" "$(attr alice msDS-KeyVersionNumber)" "${kv:-none}"
t_is "kvno went up with the password change" "$kv" 2
t_like "keys use the AD salt" "$gp" "aes256-cts-hmac-sha1-96:special"
t_like "pwdLastSet is an NT time" "$(attr alice pwdLastSet)" "^1[0-9]{17}$"

# ---- kadmind authorization: Domain Admins yes, others only themselves ----
printf 'Al1ce-Pass-3\nAl1ce-Pass-3\n' | kadmin -c "$KRB5CCNAME" -q "cpw alice" > "$H_TMP/cpw.out" 2>&1
t_ok "a Domain Admin resets alice's password via kadmind" sh -c "echo Al1ce-Pass-3 | kinit alice"
kvno kadmin/admin > /dev/null 2>&1
out=$(kadmin -c "$KRB5CCNAME" -q "getprinc Administrator" 2>&1)
t_like "alice may not read Administrator via kadmind" "$out" "requires .*privilege|Operation requires"
printf 'x-New-1\nx-New-1\n' | kadmin -c "$KRB5CCNAME" -q "cpw Administrator" > "$H_TMP/cpw2.out" 2>&1
t_ok "... nor set Administrator's password" sh -c "printf '%s\n' '$ADMPW' | kinit Administrator"

# ---- forwardable tickets and NOT_DELEGATED ----
kinit_pw Al1ce-Pass-3 -f alice > /dev/null
kvno host/dc1.example.com > /dev/null 2>&1
t_like "kinit -f: service ticket to a computer SPN is forwardable" \
	"$(klist -f | grep -A1 'host/dc1.example.com@' | tail -n 1)" "Flags: F"
uac=$(attr alice userAccountControl)
ldapmodify -Q -Y EXTERNAL -H "$H_LDAPI" > /dev/null <<EOM
dn: CN=alice,CN=Users,$H_BASE
changetype: modify
replace: userAccountControl
userAccountControl: $((uac | 0x100000))
EOM
notfwd() { kdestroy >/dev/null 2>&1; printf 'Al1ce-Pass-3\n' | kinit -f alice >/dev/null 2>&1 &&
	kvno host/dc1.example.com >/dev/null 2>&1 &&
	! klist -f | grep -A1 'host/dc1.example.com@' | tail -n 1 | grep -q 'Flags: F'; }
# A plain ldapmodify does not touch the KDC's stamp: the KDC sees it once its
# cached copy is older than 1 s (the 1 s rule); wait for that state.
t_ok "NOT_DELEGATED (set by ldapmodify) -> ticket no longer forwardable" t_wait "$H_WAIT" notfwd

# ---- disable ----
"$MINIDC" user disable alice --dir "$H_DIR" > "$H_TMP/dis.out" 2>&1
t_is "minidc user disable alice" "$?" 0
out=$(kinit_pw Al1ce-Pass-3 alice)
t_like "disabled account: kinit refused (revoked)" "$out" "revoked|disabled"
"$MINIDC" user enable alice --dir "$H_DIR" > /dev/null 2>&1
t_ok "enabled again: kinit works" sh -c "echo Al1ce-Pass-3 | kinit alice"

# ---- bad input to the CLI: one line, non-zero, nothing changes ----
before=$(ldapi '(objectClass=*)' 1.1 | grep -c '^dn:')
for bad in 'a/b' 'x,y' '' 'waytoolongusername-xxxxxxx' 'bad*name'; do
	out=$(echo pw | "$MINIDC" user add "$bad" --dir "$H_DIR" 2>&1)
	rc=$?
	t_is "user add '$bad': fails with one line" "$rc:$(printf '%s\n' "$out" | wc -l)" "1:1"
done
out=$("$MINIDC" delegation allow alice 'not an spn' --dir "$H_DIR" 2>&1)
t_is "delegation allow with a bad SPN fails with one line" "$?:$(printf '%s\n' "$out" | wc -l)" "1:1"
out=$("$MINIDC" user passwd nosuch --dir "$H_DIR" < /dev/null 2>&1)
t_like "passwd of an unknown user" "$out" "^minidc user: no user nosuch$"
t_is "the directory did not change" "$(ldapi '(objectClass=*)' 1.1 | grep -c '^dn:')" "$before"

# ---- groups, computers, delegation ----
t_ok "group add" "$MINIDC" group add ops --dir "$H_DIR"
t_ok "group addmember" "$MINIDC" group addmember ops alice --dir "$H_DIR"
t_like "group list ops" "$("$MINIDC" group list ops --dir "$H_DIR" | tr A-Z a-z)" "cn=alice,cn=users"
ridof() { ldapi "(sAMAccountName=$1)" objectSid | sed -n 's/^objectSid:: //p' |
	base64 -d | tail -c 4 | od -An -tu4 | tr -d ' '; }
"$MINIDC" group add opsall --dir "$H_DIR" > /dev/null 2>&1
"$MINIDC" group addmember opsall ops --dir "$H_DIR" > /dev/null 2>&1
kinit_pw Al1ce-Pass-3 alice > /dev/null
pac=$("$top_builddir/tests/tools/pacgroups" "$H_DIR/krb5/dc.keytab" host@dc1.example.com 2>&1)
t_like "alice's PAC (through GSSAPI) names her groups: ops" "$pac" "^group $(ridof ops)$"
t_like "... and the group ops is nested in: opsall" "$pac" "^group $(ridof opsall)$"
t_like "... and Domain Users as primary group" "$pac" "^primary 513$"
domsid=$(sed -n 's/^sid *= *//p' "$H_DIR/minidc.conf")
t_like "... with the RIDs relative to the domain's SID (LogonDomainId)" "$pac" "^domain $domsid$"
kinit_pw "$ADMPW" Administrator > /dev/null
pac=$("$top_builddir/tests/tools/pacgroups" "$H_DIR/krb5/dc.keytab" host@dc1.example.com 2>&1)
t_like "Administrator's PAC: user RID 500" "$pac" "^user 500$"
t_like "... in Domain Admins (512)" "$pac" "^group 512$"
t_ok "group delmember" "$MINIDC" group delmember ops alice --dir "$H_DIR"
t_like "computer list" "$("$MINIDC" computer list --dir "$H_DIR")" '^DC1\$$'
t_fail "computer del refuses the DC" "$MINIDC" computer del DC1 --dir "$H_DIR"
t_ok "delegation allow" "$MINIDC" delegation allow alice host/dc1.example.com --dir "$H_DIR"
t_is "delegation list" "$("$MINIDC" delegation list alice --dir "$H_DIR")" "host/dc1.example.com"
t_ok "delegation deny" "$MINIDC" delegation deny alice host/dc1.example.com --dir "$H_DIR"
t_is "delegation list after deny" "$("$MINIDC" delegation list alice --dir "$H_DIR")" ""

# ---- the CLI as a Kerberos admin (GSSAPI over LDAP; the dsa authorizes) ----
kinit_pw "$ADMPW" Administrator > /dev/null
t_ok "user add --kerberos as a Domain Admin" named sh -c \
	"echo B0b-Pass-1 | '$MINIDC' user add bob --kerberos --dir '$H_DIR'"
t_ok "kinit bob" sh -c "echo B0b-Pass-1 | kinit bob"
kinit_pw "$ADMPW" Administrator > /dev/null
t_ok "user passwd --kerberos (unicodePwd through the dsa)" named sh -c \
	"echo B0b-Pass-2 | '$MINIDC' user passwd bob --kerberos --dir '$H_DIR'"
t_ok "kinit bob with the new password" sh -c "echo B0b-Pass-2 | kinit bob"
out=$(named sh -c "echo Ev3-Pass-1x | '$MINIDC' user add eve --kerberos --dir '$H_DIR'" 2>&1)
t_like "a plain user may not add users (one line)" "$out" "^minidc user: cannot add .*Insufficient access"

"$MINIDC" group addmember "Domain Admins" bob --dir "$H_DIR" > /dev/null 2>&1
kinit_pw B0b-Pass-2 bob > /dev/null
kvno kadmin/admin > /dev/null 2>&1
out=$(kadmin -c "$KRB5CCNAME" -q "getprinc Administrator" 2>&1)
t_like "a new Domain Admins member administers principals via kadmind" "$out" "Principal: Administrator@EXAMPLE.COM"

# ---- constrained delegation (S4U2Self + S4U2Proxy) from msDS-AllowedToDelegateTo ----
echo 'Sv-Pass-1x' | "$MINIDC" user add svc1 --dir "$H_DIR" > /dev/null 2>&1
ldapmodify -Q -Y EXTERNAL -H "$H_LDAPI" > /dev/null <<EOM
dn: CN=svc1,CN=Users,$H_BASE
changetype: modify
add: servicePrincipalName
servicePrincipalName: http/svc1.example.com
-
replace: userAccountControl
userAccountControl: $((0x200 | 0x1000000))
EOM
KRB5_KDC_PROFILE="$H_DIR/krb5/kdc.conf" kadmin.local -r EXAMPLE.COM \
	-q "ktadd -k $H_TMP/svc1.keytab -norandkey svc1" > /dev/null 2>&1
t_ok "delegation allow svc1 -> host/dc1" "$MINIDC" delegation allow svc1 host/dc1.example.com --dir "$H_DIR"
s4u() { kdestroy >/dev/null 2>&1; kinit -k -t "$H_TMP/svc1.keytab" svc1 >/dev/null 2>&1 &&
	kvno -U Administrator -P host/dc1.example.com; }
t_ok "S4U2Proxy to an allowed SPN works" s4u
t_fail "... and not to another SPN" sh -c "kvno -U Administrator -P ldap/dc1.example.com"
"$MINIDC" delegation deny svc1 host/dc1.example.com --dir "$H_DIR" > /dev/null 2>&1
t_fail "S4U2Proxy refused once the target is removed" s4u

# ---- the supervisor restarts killed Kerberos daemons ----
for d in krb5kdc kadmind; do
	pidf="$H_DIR/run/$d.pid"
	old=$(cat "$pidf")
	kill -9 "$old"
	newpid() { n=$(cat "$pidf" 2>/dev/null) && [ -n "$n" ] && [ "$n" != "$old" ] && kill -0 "$n"; }
	t_ok "kill -9 $d: restarted by the supervisor" t_wait "$H_WAIT" newpid
done
t_ok "kinit works after the restarts" t_wait "$H_WAIT" sh -c "printf '%s\n' '$ADMPW' | kinit Administrator"
# slapd writes its pid file as openldap, in its own DIR/slapd/run.
pidf="$H_DIR/slapd/run/slapd.pid"
old=$(cat "$pidf")
kill -9 "$old"
t_ok "kill -9 slapd: restarted by the supervisor" t_wait "$H_WAIT" newpid
t_ok "the KDB plugin reconnects to the new slapd: kinit works" t_wait "$H_WAIT" sh -c \
	"printf '%s\n' '$ADMPW' | kinit Administrator"
t_ok "kpasswd port answers after the restart" t_wait "$H_WAIT" sh -c \
	"printf 'Al1ce-Pass-3\nAl1ce-Pass-4\nAl1ce-Pass-4\n' | kpasswd alice"

harness_done
