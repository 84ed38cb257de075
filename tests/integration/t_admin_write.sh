#!/bin/sh
# tests/integration/t_admin_write.sh - the admin CLI is a client of the dsa:
# `minidc user add` and `group add` send what the user asked and the dsa
# completes the object (SID, GUID, RID, times, account type...).  The objects
# they make, as root and as a Kerberos admin, are compared attribute by
# attribute with the ones the CLI made when it completed them itself (the
# lists below were taken from that version), and with a computer an LDAP
# client adds.
. "$top_srcdir/tests/harness/harness.sh"
harness_start

U="CN=Users,$H_BASE"
export LDAPTLS_CACERT="$H_DIR/tls/ca.crt"
printf '%s dc1.example.com dc1\n127.0.0.1 localhost\n' "$H_ADDR" > "$H_TMP/hosts"
named() { unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$H_TMP/hosts" "$@"; }
mdc() { "$MINIDC" "$@" --dir "$H_DIR"; }
# shape DN NAME: the entry's attributes, one "name: value" a line, sorted;
# values that differ between any two objects (SIDs, GUIDs, times, keys)
# become '*', the account's name NAME.
shape() {
	lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -s base -b "$1" '*' 2>&1 |
		awk -v n="$2" '
		/^dn:/ { next }
		/^$/ { next }
		{
			i = index($0, ":"); a = substr($0, 1, i - 1)
			v = substr($0, i + 1); sub(/^:? /, "", v)
			if (a ~ /^(objectSid|objectGUID|whenCreated|whenChanged|pwdLastSet|minidcKrbKeyData|minidcKrbTlData|userPassword|mdcPwdHistory|uSNChanged|uSNCreated|tokenGroups)$/)
				v = "*"
			gsub(n, "NAME", v); gsub(toupper(n), "NAME", v)
			print a ": " v
		}' | sort
}
sid() {
	lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -s base -b "$1" objectSid |
		sed -n 's/^objectSid:: //p' | base64 -d | od -An -tx1 | tr -d ' \n'
}
rid() { sid "$1" | tail -c 8; }

# The user and group as the CLI made them before the dsa completed them
# (taken from that version with this test's shape()).
USER_SHAPE='accountExpires: 9223372036854775807
badPasswordTime: 0
badPwdCount: 0
cn: NAME
codePage: 0
countryCode: 0
distinguishedName: cn=NAME,cn=Users,dc=example,dc=com
instanceType: 4
lastLogoff: 0
lastLogon: 0
logonCount: 0
mdcPwdHistory: *
minidcKrbKeyData: *
minidcKrbTlData: *
msDS-KeyVersionNumber: 1
objectCategory: cn=Person,cn=Schema,cn=Configuration,dc=example,dc=com
objectClass: minidcKrbPrincipalAux
objectClass: organizationalPerson
objectClass: person
objectClass: top
objectClass: user
objectGUID: *
objectSid: *
primaryGroupID: 513
pwdLastSet: *
sAMAccountName: NAME
sAMAccountType: 805306368
tokenGroups: *
uSNChanged: *
uSNCreated: *
userAccountControl: 512
userPassword: *
userPrincipalName: NAME@example.com
whenChanged: *
whenCreated: *'
GROUP_SHAPE='cn: NAME
distinguishedName: cn=NAME,cn=Users,dc=example,dc=com
groupType: -2147483646
objectCategory: cn=Group,cn=Schema,cn=Configuration,dc=example,dc=com
objectClass: group
objectClass: top
objectGUID: *
objectSid: *
sAMAccountName: NAME
sAMAccountType: 268435456
uSNChanged: *
uSNCreated: *
whenChanged: *
whenCreated: *'

( umask 077; printf 'Al1ce-Pass-1' > "$H_TMP/alice.pw"; printf 'B0b-Pass-1x' > "$H_TMP/bob.pw" )
t_ok "user add alice (as root)" mdc user add alice --password-file "$H_TMP/alice.pw"
t_ok "group add grpa (as root)" mdc group add grpa
t_ok "kinit Administrator" sh -c "kinit Administrator < '$H_ADMIN_PW_FILE'"
t_ok "user add bob --kerberos" named "$MINIDC" user add bob --kerberos \
	--password-file "$H_TMP/bob.pw" --dir "$H_DIR"
t_ok "group add grpb --kerberos" named "$MINIDC" group add grpb --kerberos --dir "$H_DIR"

ua=$(shape "CN=alice,$U" alice)
ub=$(shape "CN=bob,$U" bob)
t_is "the user made as root has the attributes it had before" "$ua" "$USER_SHAPE"
t_is "... and so has the user made as a Kerberos admin" "$ub" "$USER_SHAPE"
t_is "the group made as root has the attributes it had before" \
	"$(shape "CN=grpa,$U" grpa)" "$GROUP_SHAPE"
t_is "... and so has the group made as a Kerberos admin" \
	"$(shape "CN=grpb,$U" grpb)" "$GROUP_SHAPE"
t_like "alice's SID is the domain's with a RID" "$(sid "CN=alice,$U")" "^010500000000000515000000"
r1=$(rid "CN=alice,$U"); r2=$(rid "CN=grpa,$U"); r3=$(rid "CN=bob,$U"); r4=$(rid "CN=grpb,$U")
t_is "the four objects have four RIDs from one allocator" \
	"$(printf '%s\n' "$r1" "$r2" "$r3" "$r4" | sort -u | wc -l)" 4
t_ok "kinit alice (the dsa set her keys)" sh -c "kinit alice < '$H_TMP/alice.pw'"

# A computer an LDAP client adds: the dsa completes it the same way.
printf 'dn: CN=ws1,CN=Computers,%s\nobjectClass: computer\n' "$H_BASE" > "$H_TMP/ws1.ldif"
t_ok "kinit Administrator again" sh -c "kinit Administrator < '$H_ADMIN_PW_FILE'"
t_ok "ldapadd of a computer (GSSAPI)" named ldapadd -Q -Y GSSAPI \
	-H ldap://dc1.example.com -f "$H_TMP/ws1.ldif"
cs=$(shape "CN=ws1,CN=Computers,$H_BASE" ws1)
t_like "the computer is completed: primaryGroupID 515" "$cs" "^primaryGroupID: 515$"
t_like "... sAMAccountType 805306369" "$cs" "^sAMAccountType: 805306369$"
t_like "... sAMAccountName NAME\$" "$cs" '^sAMAccountName: NAME\$$'
t_like "... a SID" "$cs" "^objectSid: \*$"
t_like "... the Computer category" "$cs" "^objectCategory: cn=Computer,cn=Schema"

# Refusals keep their one-line messages.
out=$(mdc user add alice < "$H_TMP/alice.pw" 2>&1)
t_like "adding alice twice: one line" "$out" "^minidc user: account alice already exists$"
out=$(mdc group add grpa 2>&1)
t_like "adding grpa twice: one line" "$out" "^minidc group: grpa already exists$"
( umask 077; printf 'short' > "$H_TMP/weak.pw" )
out=$(mdc user add weak --password-file "$H_TMP/weak.pw" 2>&1); rc=$?
t_like "a weak password is refused with the dsa's reason" "$out" \
	"^minidc user: cannot add CN=weak,$U: .*0000052D"
t_is "... on one line" "$(printf '%s\n' "$out" | wc -l)" 1
t_ok "... with a non-zero exit ($rc)" test "$rc" -ne 0
t_is "... and leaves no account" "$(lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" \
	-b "$H_BASE" '(sAMAccountName=weak)' 1.1)" ""

# An ldapadd with unicodePwd is one write too: complete, or nothing.
upw() { printf '"%s"' "$1" | iconv -t UTF-16LE | base64 -w0; }
ldadd() { ldapadd -x -H "ldaps://$H_ADDR" -D "$H_ADMIN_DN" -y "$H_ADMIN_PW_FILE" "$@"; }
printf 'dn: CN=carl,%s\nobjectClass: user\nsAMAccountName: carl\nunicodePwd:: %s\n' \
	"$U" "$(upw C4rl-Pass-1)" > "$H_TMP/carl.ldif"
t_ok "ldapadd of a user with unicodePwd (LDAPS)" ldadd -f "$H_TMP/carl.ldif"
t_like "... stored enabled (512)" "$(lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" \
	-b "$H_BASE" '(sAMAccountName=carl)' userAccountControl)" "userAccountControl: 512"
t_ok "... and kinit carl works" sh -c "printf 'C4rl-Pass-1' | kinit carl"
printf 'dn: CN=dora,%s\nobjectClass: user\nsAMAccountName: dora\nunicodePwd:: %s\n' \
	"$U" "$(upw dora)" > "$H_TMP/dora.ldif"
out=$(ldadd -f "$H_TMP/dora.ldif" 2>&1); rc=$?
t_ok "ldapadd with a password the policy refuses fails ($rc)" test "$rc" -ne 0
t_like "... with the policy's reason" "$out" "Constraint violation \(19\)"
t_is "... and stores nothing" "$(lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" \
	-b "$H_BASE" '(sAMAccountName=dora)' 1.1)" ""

# Root's CLI is a client of the running dsa, not a second writer.
t_like "root's writes are the running dsa's" "$(cat "$H_DIR"/log/*.log)" \
	"ADD CN=alice,CN=Users,$H_BASE by the admin CLI: 0"
t_ok "minidc stop" "$MINIDC" stop --dir "$H_DIR"
out=$(mdc user add zed --password-file "$H_TMP/alice.pw" 2>&1); rc=$?
t_ok "with the DC stopped, user add fails ($rc)" test "$rc" -ne 0
t_like "... saying the DC is not running" "$out" "is the DC running"
t_is "... on one line" "$(printf '%s\n' "$out" | wc -l)" 1
harness_done
