#!/bin/sh
# tests/integration/t_adview.sh - what AD constructs at read time, served by
# the slapd overlay mdcad (dc/slapo/mdcad.h) and the rootDSE file: asserted
# with ldapsearch, and `net ads info` for the DC's clock (TAP).
set -u
. "$top_srcdir/tests/harness/harness.sh"
harness_start

# root over ldapi is the DC identity; asks as a client would (no '+').
q() { lds -Q -LLL -Y EXTERNAL -H "$H_LDAPI" "$@" 2>&1; }
# ql: q in lower case (slapd keeps the stored case of DNs: cn=alice,cn=Users,...).
ql() { q "$@" | tr 'A-Z' 'a-z'; }
val() { sed -n "s/^$1: //p" | head -n 1; }
# sid_text BASE64: binary SID -> S-1-... (as AD prints it).
sid_text() {
	printf '%s' "$1" | base64 -d | od -An -tu1 -v | tr -s ' \n' ' ' | awk '{
		n = $2; auth = 0; for (i = 3; i <= 8; i++) auth = auth * 256 + $i
		s = sprintf("S-%d-%.0f", $1, auth)
		for (k = 0; k < n; k++) { o = 9 + 4 * k
			s = s sprintf("-%.0f", $o + 256 * $(o + 1) + 65536 * $(o + 2) + 16777216 * $(o + 3)) }
		print s }'
}
sid_of() { sid_text "$(q -b "$1" -s base objectSid | sed -n 's/^objectSid:: //p')"; }

# ---- rootDSE ----
rd=$(lds -x -LLL -H "ldap://$H_ADDR" -b '' -s base '(objectClass=*)' currentTime \
	highestCommittedUSN isGlobalCatalogReady ldapServiceName supportedLDAPPolicies 2>&1)
ct=$(printf '%s\n' "$rd" | val currentTime)
t_like "rootDSE currentTime is a GeneralizedTime" "$ct" '^[0-9]{14}\.0Z$'
# The DC's clock, not a time rendered at start: equal to this host's clock
# (same machine) within Kerberos' 5-minute skew.
ct_s=$(date -u -d "$(printf '%s' "$ct" | sed -E 's/^(....)(..)(..)(..)(..)(..).*/\1-\2-\3 \4:\5:\6/')" +%s 2>/dev/null)
d=$(( ${ct_s:-0} - $(date -u +%s) )); d=${d#-}
t_ok "rootDSE currentTime is the DC's clock (|diff| = ${d}s <= 300)" test "$d" -le 300
usn1=$(printf '%s\n' "$rd" | val highestCommittedUSN)
t_like "rootDSE highestCommittedUSN is a number" "$usn1" '^[0-9]+$'
t_is "rootDSE isGlobalCatalogReady" "$(printf '%s\n' "$rd" | val isGlobalCatalogReady)" TRUE
t_is "rootDSE ldapServiceName" "$(printf '%s\n' "$rd" | val ldapServiceName)" \
	'example.com:dc1$@EXAMPLE.COM'
t_like "rootDSE supportedLDAPPolicies lists MaxPageSize" "$rd" '^supportedLDAPPolicies: MaxPageSize$'
rd2=$(lds -x -LLL -H "ldap://$H_ADDR" -b '' -s base '(objectClass=*)' 2>&1)
t_like "rootDSE '*' read carries currentTime too (as AD)" "$rd2" '^currentTime: '

# ---- accounts: alice in ops, ops nested in ops2 ----
echo 'Al1ce-Pass-1' | "$MINIDC" user add alice --dir "$H_DIR" > /dev/null 2>&1
t_ok "group add ops" "$MINIDC" group add ops --dir "$H_DIR"
t_ok "group add ops2" "$MINIDC" group add ops2 --dir "$H_DIR"
t_ok "alice into ops" "$MINIDC" group addmember ops alice --dir "$H_DIR"
t_ok "ops into ops2 (nested)" "$MINIDC" group addmember ops2 ops --dir "$H_DIR"
ALICE="CN=alice,CN=Users,$H_BASE"
OPS="CN=ops,CN=Users,$H_BASE"
OPS2="CN=ops2,CN=Users,$H_BASE"
alice_l=$(printf '%s' "$ALICE" | tr 'A-Z' 'a-z')

# ---- USNs ----
a=$(q -b "$ALICE" -s base uSNChanged uSNCreated)
ch=$(printf '%s\n' "$a" | val uSNChanged)
t_like "alice: uSNChanged is a number" "$ch" '^[0-9]+$'
t_like "alice: uSNCreated is a number" "$(printf '%s\n' "$a" | val uSNCreated)" '^[0-9]+$'
usn2=$(lds -x -LLL -H "ldap://$H_ADDR" -b '' -s base '(objectClass=*)' highestCommittedUSN | val highestCommittedUSN)
t_ok "highestCommittedUSN grew past alice's uSNChanged ($usn1 < $ch <= $usn2)" \
	test "$usn1" -lt "${ch:-0}" -a "${ch:-0}" -le "$usn2"

# USN filters (SSSD's refreshes): on what the USNs are computed from.
cr=$(q -b "$ALICE" -s base uSNCreated | val uSNCreated)
t_ilike "(uSNChanged>=alice's) finds alice" \
	"$(q -b "$H_BASE" "(&(sAMAccountName=alice)(uSNChanged>=$ch))" dn)" "^dn: $ALICE\$"
t_unlike "(uSNChanged>=alice's + 1) does not" \
	"$(ql -b "$H_BASE" "(&(sAMAccountName=alice)(uSNChanged>=$((ch + 1))))" dn)" "^dn: $alice_l\$"
t_ilike "(uSNChanged<=alice's) finds alice" \
	"$(q -b "$H_BASE" "(&(sAMAccountName=alice)(uSNChanged<=$ch))" dn)" "^dn: $ALICE\$"
t_unlike "(uSNChanged<=alice's - 1) does not" \
	"$(ql -b "$H_BASE" "(&(sAMAccountName=alice)(uSNChanged<=$((ch - 1))))" dn)" "^dn: $alice_l\$"
t_ilike "(uSNCreated>=alice's) finds alice" \
	"$(q -b "$H_BASE" "(&(sAMAccountName=alice)(uSNCreated>=${cr:-x}))" dn)" "^dn: $ALICE\$"
t_unlike "(uSNCreated>=alice's + 1 s) does not" \
	"$(ql -b "$H_BASE" "(&(sAMAccountName=alice)(uSNCreated>=$((${cr:-0} + 1000000))))" dn)" \
	"^dn: $alice_l\$"

# ---- distinguishedName (SSSD's GPO code reads it) ----
dc1=$(q -b "$H_BASE" '(&(objectclass=user)(sAMAccountName=DC1$))' distinguishedName)
t_ilike "(&(objectclass=user)(sAMAccountName=DC1\$)) distinguishedName = its DN" "$dc1" \
	"^distinguishedName: CN=DC1,OU=Domain Controllers,$H_BASE\$"
t_ilike "distinguishedName in a '*' read" "$(q -b "$ALICE" -s base)" "^distinguishedName: $ALICE\$"

# ---- tokenGroups ----
dom_sid=$(sid_of "$H_BASE")
t_like "domain SID" "$dom_sid" '^S-1-5-21-[0-9]+-[0-9]+-[0-9]+$'
tg=$(q -b "$ALICE" -s base tokenGroups | sed -n 's/^tokenGroups:: //p' | while read -r v; do
	sid_text "$v"; done | sort | tr '\n' ' ')
want=$(printf '%s\n' "$dom_sid-513" "$(sid_of "$OPS")" "$(sid_of "$OPS2")" | sort | tr '\n' ' ')
t_is "alice tokenGroups = Domain Users + ops + ops2 (nested)" "$tg" "$want"
t_unlike "tokenGroups not in a subtree search (base only, as AD)" \
	"$(q -b "CN=Users,$H_BASE" '(sAMAccountName=alice)' tokenGroups)" '^tokenGroups'

# ---- string-form SID filters ----
t_like "(objectSid=$dom_sid-513) finds Domain Users" \
	"$(q -b "$H_BASE" "(objectSid=$dom_sid-513)" sAMAccountName)" '^sAMAccountName: Domain Users$'
t_like "(&(objectClass=group)(objectSid=S-1-5-32-544)) finds BUILTIN Administrators" \
	"$(q -b "$H_BASE" '(&(objectClass=group)(objectSid=S-1-5-32-544))' sAMAccountName)" \
	'^sAMAccountName: Administrators$'
t_unlike "(objectSid=$dom_sid-99999) finds nothing" \
	"$(q -b "$H_BASE" "(objectSid=$dom_sid-99999)" dn)" '^dn:'
t_ilike "a bad SID string is only a non-match" \
	"$(q -b "$H_BASE" '(|(objectSid=S-1-x)(sAMAccountName=alice))' dn)" "^dn: $ALICE\$"

# ---- short objectCategory names ----
t_ilike "(objectCategory=person) matches users" \
	"$(q -b "$H_BASE" '(objectCategory=person)' dn)" "^dn: $ALICE\$"
t_ilike "(objectCategory=user) matches users (category Person)" \
	"$(q -b "$H_BASE" '(&(objectCategory=user)(sAMAccountName=alice))' dn)" "^dn: $ALICE\$"
t_ilike "(&(|(objectCategory=Computer)(objectCategory=User))(sAMAccountName=dc1\$)) (msktutil)" \
	"$(q -b "$H_BASE" '(&(|(objectCategory=Computer)(objectCategory=User))(sAMAccountName=dc1$))' dn)" \
	'^dn: CN=DC1,'
t_unlike "(objectCategory=group) does not match alice" \
	"$(ql -b "$H_BASE" '(&(objectCategory=group)(sAMAccountName=alice))' dn)" '^dn:'

# ---- LDAP_MATCHING_RULE_IN_CHAIN ----
t_ilike "memberOf:1.2.840.113556.1.4.1941:=ops2 finds alice (nested)" \
	"$(q -b "$H_BASE" "(memberOf:1.2.840.113556.1.4.1941:=$OPS2)" dn)" "^dn: $ALICE\$"
t_unlike "plain memberOf=ops2 does not find alice" \
	"$(ql -b "$H_BASE" "(memberOf=$OPS2)" dn)" "^dn: $alice_l\$"
t_ilike "memberOf in-chain with a direct group finds alice" \
	"$(q -b "$H_BASE" "(&(objectClass=user)(memberOf:1.2.840.113556.1.4.1941:=$OPS))" dn)" "^dn: $ALICE\$"
out=$(q -b "$H_BASE" "(member:1.2.840.113556.1.4.1941:=$ALICE)" dn)
t_ilike "member in-chain with alice finds ops" "$out" "^dn: $OPS\$"
t_ilike "member in-chain with alice finds ops2" "$out" "^dn: $OPS2\$"

# ---- extended DNs as search bases, account names as bind DNs ----
t_ilike "<WKGUID=aa312825...,DC=example,DC=com> is CN=Computers" \
	"$(q -b "<WKGUID=aa312825768811d1aded00c04fd8d5cd,$H_BASE>" -s base dn)" \
	"^dn: CN=Computers,$H_BASE\$"
t_ilike "<WKGUID=...,dc=EXAMPLE,dc=COM> (msktutil's spelling) too" \
	"$(q -b '<WKGUID=aa312825768811d1aded00c04fd8d5cd,dc=EXAMPLE,dc=COM>' -s base distinguishedName)" \
	"^distinguishedName: CN=Computers,$H_BASE\$"
guid_hex=$(q -b "$ALICE" -s base objectGUID | sed -n 's/^objectGUID:: //p' | base64 -d |
	od -An -tx1 -v | tr -d ' \n')
t_ilike "<GUID=32 hex digits> is alice" "$(q -b "<GUID=$guid_hex>" -s base dn)" "^dn: $ALICE\$"
# Text form: the first three fields are stored little-endian.
guid_txt=$(printf '%s' "$guid_hex" |
	sed -E 's/^(..)(..)(..)(..)(..)(..)(..)(..)(....)/\4\3\2\1-\6\5-\8\7-\9-/')
t_ilike "<GUID=$guid_txt> (dashed form) is alice" "$(q -b "<GUID=$guid_txt>" -s base dn)" "^dn: $ALICE\$"
t_ilike "<SID=$dom_sid-512> is Domain Admins, subtree under it works" \
	"$(q -b "<SID=$dom_sid-512>" -s base sAMAccountName)" '^sAMAccountName: Domain Admins$'
out=$(q -b '<GUID=00000000000000000000000000000000>' -s base dn; echo "rc=$?")
t_like "an unknown <GUID=...>: noSuchObject (32)" "$out" 'rc=32'
out=$(q -b '<FOO=bar>' -s base dn; echo "rc=$?")
t_like "an unknown extended form: noSuchObject (32)" "$out" 'rc=32'
out=$(q -b 'not a dn' -s base dn; echo "rc=$?")
t_like "a plain invalid DN is still invalidDNSyntax (34)" "$out" 'rc=34'
export LDAPTLS_CACERT="$H_DIR/tls/ca.crt"
printf '%s' 'Al1ce-Pass-1' > "$H_TMP/alice.pw"
t_ilike "simple bind as alice@example.com (UPN)" \
	"$(ldapwhoami -x -ZZ -H "ldap://$H_ADDR" -D alice@example.com -y "$H_TMP/alice.pw" 2>&1)" \
	"^dn:$ALICE\$"
t_ilike "simple bind as EXAMPLE\\alice" \
	"$(ldapwhoami -x -ZZ -H "ldap://$H_ADDR" -D 'EXAMPLE\alice' -y "$H_TMP/alice.pw" 2>&1)" \
	"^dn:$ALICE\$"
t_ilike "simple bind as alice@EXAMPLE.COM (sAMAccountName@realm)" \
	"$(ldapwhoami -x -ZZ -H "ldap://$H_ADDR" -D alice@EXAMPLE.COM -y "$H_TMP/alice.pw" 2>&1)" \
	"^dn:$ALICE\$"
printf '%s' 'wrong' > "$H_TMP/bad.pw"
out=$(ldapwhoami -x -ZZ -H "ldap://$H_ADDR" -D alice@example.com -y "$H_TMP/bad.pw" 2>&1; echo "rc=$?")
t_like "UPN bind with a wrong password: invalidCredentials (49)" "$out" 'rc=49'
out=$(ldapwhoami -x -ZZ -H "ldap://$H_ADDR" -D nobody@example.com -y "$H_TMP/bad.pw" 2>&1; echo "rc=$?")
t_like "UPN bind of an unknown account: invalidCredentials (49)" "$out" 'rc=49'
out=$(ldapwhoami -x -ZZ -H "ldap://$H_ADDR" -D 'OTHER\alice' -y "$H_TMP/alice.pw" 2>&1; echo "rc=$?")
t_like "another NetBIOS domain: invalidCredentials (49)" "$out" 'rc=49'

# ---- Global Catalog: the same DIT on 3268 and 3269 (TLS) ----
# Simple binds need TLS (StartTLS on 3268, as on 389).
adm() { LDAPTLS_CACERT="$H_DIR/tls/ca.crt" lds -LLL -x -D "$H_ADMIN_DN" -y "$H_ADMIN_PW_FILE" "$@" 2>&1; }
t_ilike "GC ldap://:3268 finds alice" \
	"$(adm -ZZ -H "ldap://$H_ADDR:3268" -b "$H_BASE" '(sAMAccountName=alice)' dn)" "^dn: $ALICE\$"
t_ilike "GC ldaps://:3269 finds alice" \
	"$(LDAPTLS_CACERT="$H_DIR/tls/ca.crt" adm -H "ldaps://$H_ADDR:3269" -b "$H_BASE" \
		'(sAMAccountName=alice)' dn)" "^dn: $ALICE\$"
t_like "GC rootDSE: isGlobalCatalogReady" \
	"$(lds -x -LLL -H "ldap://$H_ADDR:3268" -b '' -s base isGlobalCatalogReady)" \
	'^isGlobalCatalogReady: TRUE$'
lds -x -LLL -H "ldap://$H_ADDR" -b '' -s base '(&(DnsDomain=example.com)(NtVer=\06\00\00\00))' \
	NetLogon | sed -n 's/^netlogon:: //p' | base64 -d > "$H_TMP/ping.blob"
flags=$("$top_builddir/tests/tools/cldap_ping" -D "$H_TMP/ping.blob" | sed -n 's/^flags: //p')
t_is "LDAP ping flags carry GC (0x4) ($flags)" "$(( ${flags:-0} & 4 ))" 4
t_like "_gc._tcp SRV names port 3268" \
	"$(dig +short -p "$(sed -n '/^\[ports\]/,/^\[/s/^dns *= *//p' "$H_DIR/minidc.conf")" \
		"@$H_ADDR" srv _gc._tcp.example.com)" '^0 100 3268 dc1\.example\.com\.$'

# ---- Samba's net ads info: reads currentTime ----
cat > "$H_TMP/smb.conf" <<EOC
[global]
workgroup = EXAMPLE
realm = EXAMPLE.COM
security = ads
EOC
out=$(timeout 60 net ads info -s "$H_TMP/smb.conf" -S "$H_ADDR" 2>&1)
t_like "net ads info: LDAP server" "$out" "^LDAP server: $H_ADDR\$"
t_like "net ads info: Realm" "$out" '^Realm: EXAMPLE.COM$'
st=$(printf '%s\n' "$out" | sed -n 's/^Server time: //p')
st_s=$(date -u -d "$st" +%s 2>/dev/null)
d=$(( ${st_s:-0} - $(date -u +%s) )); d=${d#-}
t_ok "net ads info: Server time is the DC's ($st, |diff| ${d}s <= 300)" test "$d" -le 300
# Kerberos only (the password from PASSWD_FILE, never argv): libads first
# probes GSS-SPNEGO with an empty token, then binds with Kerberos, sealed.
out=$(PASSWD_FILE="$H_ADMIN_PW_FILE" timeout 60 net ads search --use-kerberos=required \
	-U Administrator -s "$H_TMP/smb.conf" -S "$H_ADDR" '(sAMAccountName=alice)' sAMAccountName 2>&1)
t_like "net ads search --use-kerberos=required '(sAMAccountName=alice)'" "$out" \
	'^sAMAccountName: alice$'
t_like "net ads search: one reply" "$out" '^Got 1 replies$'
t_like "slapd survived the SPNEGO probe (0 restarts)" \
	"$("$MINIDC" status --dir "$H_DIR" 2>&1)" '^slapd +running +[0-9]+ +0$'

harness_done
