#!/bin/sh
# tests/integration/t_adcli.sh - issue 5: Debian's adcli 0.9.1 joins, tests,
# updates and deletes a computer through the dsa (write path), kpasswd and
# the KDC; a non-admin is refused; a second join reuses the account.
. "$top_srcdir/tests/harness/harness.sh"
harness_start

KT="$H_TMP/host2.keytab"
COMP_DN="CN=HOST2,CN=Computers,$H_BASE"
# adcli resolves the domain (SRV) and the DC by name: only through the DC's
# own DNS, in a private mount namespace (never the machine's resolver).
printf '127.0.0.1 localhost\n' > "$H_TMP/hosts"
printf 'nameserver %s\n' "$H_ADDR" > "$H_TMP/resolv.conf"
in_ns() {
	timeout 60 unshare -m sh -c "mount --bind '$H_TMP/hosts' /etc/hosts &&
		mount --bind '$H_TMP/resolv.conf' /etc/resolv.conf && exec \"\$@\"" sh "$@"
}
as_admin() { printf '%s' "$(cat "$H_ADMIN_PW_FILE")" | in_ns "$@"; }
root_read() {
	lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "$H_BASE" "$@" 2>&1
}
kt_kvno() { klist -k "$1" | awk '$2 == "HOST2$@EXAMPLE.COM" { print $1 }' | sort -n | tail -1; }

out=$(in_ns adcli info example.com 2>&1)
t_like "adcli info example.com (DNS discovery): usable" "$out" "domain-controller-usable = yes"
t_like "adcli info example.com: the DC is writable" "$out" "domain-controller-flags = .*writable"
out=$(in_ns adcli info --domain-controller=dc1.example.com 2>&1)
t_like "adcli info --domain-controller=dc1.example.com: usable" "$out" "domain-controller-usable = yes"

# ---- join ----
out=$(as_admin adcli join --domain example.com -U Administrator --stdin-password \
	-H host2.example.com --host-keytab="$KT" -v 2>&1)
t_like "adcli join as Administrator creates HOST2\$" "$out" "Created computer account: $COMP_DN"
t_is "the keytab is 0600" "$(stat -c %a "$KT" 2>&1)" 600
kt=$(klist -k "$KT" 2>&1)
for p in 'HOST2\$' host/HOST2 host/host2.example.com RestrictedKrbHost/HOST2 \
	RestrictedKrbHost/host2.example.com; do
	t_like "keytab has $p" "$kt" " $p@EXAMPLE.COM$"
done

e=$(root_read '(sAMAccountName=HOST2$)' objectClass cn sAMAccountName userAccountControl \
	primaryGroupID sAMAccountType objectSid objectGUID objectCategory dNSHostName \
	servicePrincipalName msDS-SupportedEncryptionTypes msDS-KeyVersionNumber pwdLastSet \
	whenCreated whenChanged operatingSystem)
t_is "objectClass chain top/person/organizationalPerson/user/computer" \
	"$(printf '%s\n' "$e" | sed -n 's/^objectClass: //p' | grep -v '^minidcKrb' | tr '\n' ' ')" \
	"top person organizationalPerson user computer "
t_like "cn comes from the RDN" "$e" "^cn: HOST2$"
t_like "userAccountControl as adcli wrote it (69632)" "$e" "^userAccountControl: 69632$"
t_like "primaryGroupID 515 (Domain Computers)" "$e" "^primaryGroupID: 515$"
t_like "sAMAccountType 805306369 (machine)" "$e" "^sAMAccountType: 805306369$"
t_like "objectSid in the domain (S-1-5-21-...)" "$e" "^objectSid:: AQUAAAAAAAUVAAAA"
t_like "objectGUID (16 bytes)" "$e" "^objectGUID:: [A-Za-z0-9+/]{22}==$"
t_like "objectCategory CN=Computer" "$e" "^objectCategory: cn=Computer,cn=Schema,cn=Configuration,"
t_like "dNSHostName" "$e" "^dNSHostName: host2.example.com$"
t_like "SPN RestrictedKrbHost/host2.example.com" "$e" "^servicePrincipalName: RestrictedKrbHost/host2.example.com$"
t_like "msDS-SupportedEncryptionTypes 28" "$e" "^msDS-SupportedEncryptionTypes: 28$"
t_like "pwdLastSet is an NT time" "$e" "^pwdLastSet: 1[0-9]{17}$"
t_like "whenCreated is a GeneralizedTime" "$e" "^whenCreated: 20[0-9]{12}\.0Z$"
dirkvno=$(printf '%s\n' "$e" | sed -n 's/^msDS-KeyVersionNumber: //p')
t_is "keytab kvno = msDS-KeyVersionNumber" "$(kt_kvno "$KT")" "$dirkvno"

t_ok "kinit -k HOST2\$ with the join keytab" kinit -k -t "$KT" 'HOST2$'
t_ok "kinit Administrator" sh -c "kinit Administrator < '$H_ADMIN_PW_FILE'"
out=$(kvno host/host2.example.com 2>&1)
t_like "kvno host/host2.example.com from Administrator = keytab kvno" "$out" \
	"kvno = $(kt_kvno "$KT")$"

# ---- testjoin, update, testjoin ----
out=$(in_ns adcli testjoin --domain example.com --host-keytab="$KT" 2>&1)
t_like "adcli testjoin" "$out" "Sucessfully validated join"
cp "$KT" "$H_TMP/old.keytab"
old=$(kt_kvno "$KT")
t_ok "adcli update --computer-password-lifetime=0" in_ns adcli update --domain example.com \
	--host-keytab="$KT" -H host2.example.com --computer-password-lifetime=0
t_is "update: keytab kvno + 1" "$(kt_kvno "$KT")" "$((old + 1))"
t_like "update: msDS-KeyVersionNumber + 1" "$(root_read '(sAMAccountName=HOST2$)' msDS-KeyVersionNumber)" \
	"^msDS-KeyVersionNumber: $((old + 1))$"
t_ok "update: the new keys give a TGT" kinit -k -t "$KT" 'HOST2$'
t_fail "update: the old keys are refused for a new AS-REQ" kinit -k -t "$H_TMP/old.keytab" 'HOST2$'
out=$(in_ns adcli testjoin --domain example.com --host-keytab="$KT" 2>&1)
t_like "adcli testjoin after update" "$out" "Sucessfully validated join"

# The machine updates its own SPNs (validated write), not someone else's.
t_ok "the computer adds its own HTTP/host2.example.com" in_ns adcli update --domain example.com \
	--host-keytab="$KT" -H host2.example.com --add-service-principal=HTTP/host2.example.com
t_like "... and it is stored" "$(root_read '(sAMAccountName=HOST2$)' servicePrincipalName)" \
	"^servicePrincipalName: HTTP/host2.example.com$"
out=$(in_ns adcli update --domain example.com --host-keytab="$KT" -H host2.example.com \
	--add-service-principal=HTTP/dc1.example.com -v 2>&1)
t_like "the computer may not claim HTTP/dc1.example.com" "$out" "Insufficient permissions"
t_unlike "... and it is not stored" "$(root_read '(servicePrincipalName=HTTP/dc1.example.com)' dn)" "^dn:"

# ---- second join reuses the account ----
sid1=$(root_read '(sAMAccountName=HOST2$)' objectSid)
out=$(as_admin adcli join --domain example.com -U Administrator --stdin-password \
	-H host2.example.com --host-keytab="$KT" -v 2>&1)
t_like "a second join finds the existing account" "$out" "Found computer account for HOST2\\$"
t_is "... and keeps its objectSid" "$(root_read '(sAMAccountName=HOST2$)' objectSid)" "$sid1"
t_ok "... and its new keytab works" kinit -k -t "$KT" 'HOST2$'

# ---- a non-admin cannot create a computer ----
pw=$(printf '"C4rol-Secret-7"' | iconv -t UTF-16LE | base64 -w0)
printf 'dn: CN=carol,CN=Users,%s\nobjectClass: user\nunicodePwd:: %s\n' "$H_BASE" "$pw" > "$H_TMP/carol.ldif"
t_ok "Administrator adds user carol over LDAPS" ldapadd -x -H "ldaps://$H_ADDR" \
	-D "$H_ADMIN_DN" -y "$H_ADMIN_PW_FILE" -f "$H_TMP/carol.ldif"
t_ok "kinit carol with the password given in unicodePwd" sh -c "printf 'C4rol-Secret-7' | kinit carol"
out=$(printf 'C4rol-Secret-7' | in_ns adcli join --domain example.com -U carol --stdin-password \
	-H host3.example.com --host-keytab="$H_TMP/host3.keytab" 2>&1)
t_like "adcli join as a plain user: insufficient permissions" "$out" "Insufficient permissions"
t_unlike "... and no HOST3\$ exists" "$(root_read '(sAMAccountName=HOST3$)' dn)" "^dn:"

# ---- delete-computer ----
out=$(as_admin adcli delete-computer --domain example.com -U Administrator --stdin-password host2 -v 2>&1)
t_like "adcli delete-computer host2" "$out" "Deleted computer account at"
t_unlike "HOST2\$ is gone" "$(root_read '(sAMAccountName=HOST2$)' dn)" "^dn:"
t_fail "its keys no longer give a TGT" kinit -k -t "$KT" 'HOST2$'
t_unlike "no password in the DC's logs" "$(cat "$H_DIR"/log/*.log)" "Adm1n-Secret-Pass|C4rol-Secret-7"
harness_done
