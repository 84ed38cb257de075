#!/bin/sh
# tests/integration/t_keys.sh - keys the dsa derives in process for
# unicodePwd are the keys MIT derives (ktutil from the password), kinit and
# the KDB plugin accept them, and the old paths (kadmin.local cpw, kpasswd
# through kadmind) and the new one interoperate, the kvno going up by one
# on each change.
. "$top_srcdir/tests/harness/harness.sh"
harness_start

export LDAPTLS_CACERT="$H_DIR/tls/ca.crt"
U="CN=Users,$H_BASE"
upw() { printf '"%s"' "$1" | iconv -t UTF-16LE | base64 -w0; }
attr() { lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "$H_BASE" "(sAMAccountName=$1)" "$2" | sed -n "s/^$2: //p"; }
admin() { ldapmodify -x -H "ldaps://$H_ADDR" -D "$H_ADMIN_DN" -y "$H_ADMIN_PW_FILE" "$@"; }
kal() { KRB5_KDC_PROFILE="$H_DIR/krb5/kdc.conf" kadmin.local -r EXAMPLE.COM "$@" 2>&1; }
kinit_ok() { printf '%s\n' "$2" | kinit "$1" > /dev/null 2>&1; }
# The stored key of principal $1, enctype $2, as klist -K prints it.
stored_key() {
	rm -f "$H_TMP/st.kt"
	kal -q "ktadd -k $H_TMP/st.kt -norandkey $1" > /dev/null
	klist -K -e -k "$H_TMP/st.kt" | awk -v e="($2)" '$0 ~ e { print $1, $NF }' | head -n 1
}
# The key MIT derives from password $3 for $1 (salt: realm + name), kvno $4.
mit_key() {
	rm -f "$H_TMP/mit.kt"
	printf 'addent -password -p %s -k %s -e %s\n%s\nwkt %s\n' "$1@EXAMPLE.COM" "$4" "$2" "$3" "$H_TMP/mit.kt" |
		ktutil > /dev/null 2>&1
	klist -K -e -k "$H_TMP/mit.kt" | awk -v e="($2)" '$0 ~ e { print $1, $NF }' | head -n 1
}
set_pw_ldap() {
	printf 'dn: CN=%s,%s\nchangetype: modify\nreplace: unicodePwd\nunicodePwd:: %s\n' "$1" "$U" "$(upw "$2")" | admin > /dev/null
}

# ---- new path: an add with unicodePwd ----
printf 'dn: CN=kate,%s\nchangetype: add\nobjectClass: user\nsAMAccountName: kate\nunicodePwd:: %s\n' \
	"$U" "$(upw K4te-Pass-1)" | admin > /dev/null
t_is "an add with unicodePwd works" "$?" 0
t_is "... kate is enabled (512)" "$(attr kate userAccountControl)" 512
t_is "... msDS-KeyVersionNumber 1" "$(attr kate msDS-KeyVersionNumber)" 1
t_ok "... kinit kate works" kinit_ok kate K4te-Pass-1
t_fail "... a wrong password does not" kinit_ok kate K4te-Pass-X
for e in aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96; do
	k=$(mit_key kate $e K4te-Pass-1 1)
	t_like "... MIT derives a $e key from the password" "$k" "^1 \\(0x[0-9a-f]{32,}\\)$"
	t_is "... and the dsa stored that same key" "$(stored_key kate $e)" "$k"
done
gp=$(kal -q "getprinc kate")
t_like "the KDB plugin reads it: kvno 1, AD salt" "$gp" "Key: vno 1, aes256-cts-hmac-sha1-96:special"
t_like "... two keys" "$(printf '%s\n' "$gp" | grep -c '^Key: vno')" "^2$"
t_unlike "... a last password change" "$gp" "Last password change: \[never\]"
t_like "... the master key version" "$gp" "MKey: vno 1"

# ---- old path: kadmin.local cpw (the plugin's change_pwd) ----
printf 'K4te-Pass-2\nK4te-Pass-2\n' | kal -q "cpw kate" > /dev/null
t_is "kadmin.local cpw: kvno 2" "$(attr kate msDS-KeyVersionNumber)" 2
t_ok "... kinit with the new password" kinit_ok kate K4te-Pass-2
t_fail "... not with the old" kinit_ok kate K4te-Pass-1
t_is "... the same key as MIT's" "$(stored_key kate aes256-cts-hmac-sha1-96)" "$(mit_key kate aes256-cts-hmac-sha1-96 K4te-Pass-2 2)"

# ---- kpasswd through kadmind ----
printf 'K4te-Pass-2\nK4te-Pass-3\nK4te-Pass-3\n' | kpasswd kate > /dev/null 2>&1
t_is "kpasswd: kvno 3" "$(attr kate msDS-KeyVersionNumber)" 3
t_ok "... kinit with the new password" kinit_ok kate K4te-Pass-3

# ---- new path again: a modify with unicodePwd ----
t_ok "a unicodePwd reset" set_pw_ldap kate K4te-Pass-4
t_is "... kvno 4" "$(attr kate msDS-KeyVersionNumber)" 4
t_ok "... kinit with the new password" kinit_ok kate K4te-Pass-4
t_fail "... not with the old" kinit_ok kate K4te-Pass-3
t_is "... the same key as MIT's" "$(stored_key kate aes256-cts-hmac-sha1-96)" "$(mit_key kate aes256-cts-hmac-sha1-96 K4te-Pass-4 4)"
t_like "... getprinc: kvno 4 only" "$(kal -q 'getprinc kate' | grep '^Key: vno' | sort -u)" "^Key: vno 4, aes256-cts-hmac-sha1-96:special"
( umask 077; printf '%s' K4te-Pass-4 > "$H_TMP/kate.pw" )
t_ok "... and an LDAP simple bind with it" ldapwhoami -x -H "ldaps://$H_ADDR" -D "CN=kate,$U" -y "$H_TMP/kate.pw"
printf 'K4te-Pass-5\nK4te-Pass-5\n' | kal -q "cpw kate" > /dev/null
t_is "kadmin.local cpw after the dsa: kvno 5" "$(attr kate msDS-KeyVersionNumber)" 5
t_ok "... kinit works" kinit_ok kate K4te-Pass-5

# ---- minidc user add/passwd: no kadmin.local either ----
echo 'L1am-Pass-1' | "$MINIDC" user add liam --dir "$H_DIR" > /dev/null 2>&1
t_is "minidc user add liam" "$?" 0
t_ok "... kinit liam" kinit_ok liam L1am-Pass-1
echo 'L1am-Pass-2' | "$MINIDC" user passwd liam --dir "$H_DIR" > /dev/null 2>&1
t_is "minidc user passwd liam: kvno 2" "$(attr liam msDS-KeyVersionNumber)" 2
t_ok "... kinit with the new password" kinit_ok liam L1am-Pass-2

# ---- a computer: the AD salt (EXAMPLE.COMhost<name>.<domain>) ----
printf 'dn: CN=HOSTK,CN=Computers,%s\nchangetype: add\nobjectClass: computer\nsAMAccountName: HOSTK$\nunicodePwd:: %s\n' \
	"$H_BASE" "$(upw H0stk-Pass-1)" | admin > /dev/null
t_is "a computer added with unicodePwd" "$?" 0
t_ok "... kinit HOSTK\$ with its password (the KDC's salt matches)" kinit_ok 'HOSTK$' H0stk-Pass-1

# ---- a password the dsa cannot turn into keys changes nothing ----
mv "$H_DIR/krb5/stash" "$H_DIR/krb5/stash.real"
cp -p "$H_DIR/krb5/stash.real" "$H_DIR/krb5/stash"
chmod 644 "$H_DIR/krb5/stash"
# The dsa reads the master key when it starts: a new dsa meets this stash.
dsa_pid() { "$MINIDC" status --dir "$H_DIR" | awk '$1 == "dsa" && $2 == "running" { print $3 }'; }
new_dsa() { p=$(dsa_pid); [ -n "$p" ] && [ "$p" != "$1" ]; }
pid=$(dsa_pid)
kill "$pid"
t_ok "the supervisor restarts the dsa" t_wait 30 new_dsa "$pid"
echo 'M1a-Pass-1' | "$MINIDC" user add mia --dir "$H_DIR" > "$H_TMP/mia.out" 2>&1
t_ok "a stash others can read is refused (fresh dsa)" test "$?" -ne 0
t_like "... saying why, on one line" "$(cat "$H_TMP/mia.out")" "^minidc user: cannot add CN=mia,.*(must be 0600|cannot read the master key)"
t_is "... and leaves no account" "$(attr mia userAccountControl)" ""
mv "$H_DIR/krb5/stash.real" "$H_DIR/krb5/stash"
t_unlike "no password in the DC's logs" "$(cat "$H_DIR"/log/*.log)" "Pass-[0-9]"
harness_done
