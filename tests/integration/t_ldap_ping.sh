#!/bin/sh
# tests/integration/t_ldap_ping.sh - the LDAP ping over TCP (slapd + rootdse.ldif)
# and UDP (minidc cldap-serve), the AD rootDSE, and adcli info against them (TAP).
# CLDAP is checked with our own client (tests/tools/cldap_ping, liblber over UDP):
# Debian's adcli pings over TCP and Samba's `net ads lookup` is not installed.
set -u
. "$top_srcdir/tests/harness/harness.sh"

PING="$top_builddir/tests/tools/cldap_ping"
harness_start

# ---- helpers ----
# rootdse_search FILTER ATTR...: anonymous base search of the rootDSE, LDIF out.
rootdse_search() {
	_f=$1; shift
	ldapsearch -x -LLL -o ldif-wrap=no -H "ldap://$H_ADDR" -b '' -s base "$_f" "$@"
}
# field NAME TEXT: value of "NAME: value" in cldap_ping's output.
field() {
	printf '%s\n' "$2" | sed -n "s/^$1: //p" | head -n 1
}
# check_blob DESC TEXT: the decoded blob describes our DC (research 1.5/1.6).
check_blob() {
	t_is "$1: opcode 23 (LOGON_SAM_LOGON_RESPONSE_EX)" "$(field opcode "$2")" 23
	t_is "$1: forest" "$(field forest "$2")" example.com
	t_is "$1: domain" "$(field domain "$2")" example.com
	t_is "$1: DC host name" "$(field host "$2")" dc1.example.com
	t_is "$1: NetBIOS domain" "$(field netbios_domain "$2")" EXAMPLE
	t_is "$1: NetBIOS host" "$(field netbios_host "$2")" DC1
	t_is "$1: DC site" "$(field dc_site "$2")" Default-First-Site-Name
	t_is "$1: client site" "$(field client_site "$2")" Default-First-Site-Name
	t_is "$1: LmNt/Lm20 tokens" "$(field lmnt_token "$2")/$(field lm20_token "$2")" 0xffff/0xffff
	_flags=$(field flags "$2")
	# PDC 0x1, LDAP 0x8, DS 0x10, KDC 0x20, WRITABLE 0x100 must all be set.
	t_is "$1: flags PDC|LDAP|DS|KDC|WRITABLE ($_flags)" \
		"$(( ${_flags:-0} & 0x139 ))" "$(( 0x139 ))"
	_guid=$(ldapsearch -Q -LLL -o ldif-wrap=no -Y EXTERNAL -H "$H_LDAPI" \
		-b "$H_BASE" -s base objectGUID 2>/dev/null | sed -n 's/^objectGUID:: //p')
	t_is "$1: domain GUID = objectGUID of $H_BASE" \
		"$(field domain_guid "$2")" "$(guid_text "$_guid")"
}
# guid_text BASE64: AD binary GUID -> text (first three fields little-endian).
guid_text() {
	printf '%s' "$1" | base64 -d 2>/dev/null | od -An -tx1 -v | tr -d ' \n' |
		sed -E 's/^(..)(..)(..)(..)(..)(..)(..)(..)(....)/\4\3\2\1-\6\5-\8\7-\9-/'
}

# ---- TCP: answered by slapd from DIR/rootdse.ldif ----
out=$(rootdse_search '(&(DnsDomain=example.com)(NtVer=\06\00\00\00))' NetLogon)
t_like "TCP ping (adcli domain mode) returns a netlogon value" "$out" '^netlogon:: '
printf '%s\n' "$out" | sed -n 's/^netlogon:: //p' | base64 -d > "$H_TMP/tcp.blob"
blob=$("$PING" -D "$H_TMP/tcp.blob")
check_blob "TCP blob" "$blob"
t_is "TCP blob: NtVersion 5 (V1|V5EX), no optional fields" \
	"$(field nt_version "$blob")" 0x00000005

out=$(rootdse_search '(&(NtVer=\06\00\00\00)(AAC=\00\00\00\00))' NetLogon)
t_like "TCP ping (adcli --domain-controller / realmd filter) answered" "$out" '^netlogon:: '
out=$(rootdse_search '(&(DnsDomain=EXAMPLE.COM.)(NtVer=\14\00\00\00))' NetLogon)
t_like "TCP ping (sssd NtVer 0x14, upper case, trailing dot) answered" "$out" '^netlogon:: '
guid_esc=$(ldapsearch -Q -LLL -o ldif-wrap=no -Y EXTERNAL -H "$H_LDAPI" -b "$H_BASE" \
	-s base objectGUID 2>/dev/null | sed -n 's/^objectGUID:: //p' | base64 -d |
	od -An -tx1 -v | tr -d '\n' | sed 's/ /\\/g')
out=$(rootdse_search "(&(DnsDomain=example.com)(DomainGuid=$guid_esc)(NtVer=\\06\\00\\00\\00))" NetLogon)
t_like "TCP ping with DomainGuid (Windows/Samba style) answered" "$out" '^netlogon:: '
out=$(rootdse_search '(&(DnsDomain=other.com)(NtVer=\06\00\00\00))' NetLogon)
t_unlike "TCP ping for another domain: no entry" "$out" 'netlogon|^dn:'

# ---- rootDSE (research 2.1) ----
out=$(rootdse_search '(objectClass=*)' defaultNamingContext configurationNamingContext \
	rootDomainNamingContext schemaNamingContext dnsHostName supportedCapabilities \
	domainFunctionality supportedSASLMechanisms)
t_like "rootDSE defaultNamingContext" "$out" "^defaultNamingContext: $H_BASE\$"
t_like "rootDSE configurationNamingContext" "$out" \
	"^configurationNamingContext: CN=Configuration,$H_BASE\$"
t_like "rootDSE rootDomainNamingContext" "$out" "^rootDomainNamingContext: $H_BASE\$"
t_like "rootDSE schemaNamingContext" "$out" \
	"^schemaNamingContext: CN=Schema,CN=Configuration,$H_BASE\$"
t_like "rootDSE dnsHostName" "$out" '^dNSHostName: dc1.example.com$'
for cap in 800 1670 1791 1935 2080; do
	t_like "rootDSE supportedCapabilities .$cap" "$out" \
		"^supportedCapabilities: 1.2.840.113556.1.4.$cap\$"
done
t_like "rootDSE domainFunctionality" "$out" '^domainFunctionality: [0-9]+$'
t_like "rootDSE supportedSASLMechanisms (slapd's own) lists GSSAPI" "$out" \
	'^supportedSASLMechanisms: GSSAPI$'

# ---- adcli (Debian 12 pings over TCP) ----
out=$(timeout 30 adcli info --domain-controller="$H_ADDR" 2>&1)
t_like "adcli info --domain-controller=$H_ADDR: domain-name" "$out" '^domain-name = example.com$'
t_like "adcli info: domain-controller = dc1.example.com" "$out" \
	'^domain-controller = dc1.example.com$'
t_like "adcli info: usable = yes" "$out" '^domain-controller-usable = yes$'
t_like "adcli info: DC is writable" "$out" '^domain-controller-flags = .*writable'
# By name and by domain, resolved by the DC's own DNS in a private mount
# namespace (never the machine's resolver): the issue's acceptance commands.
printf '127.0.0.1 localhost\n' > "$H_TMP/hosts"
printf 'nameserver %s\n' "$H_ADDR" > "$H_TMP/resolv.conf"
adcli_ns() {
	timeout 30 unshare -m sh -c "mount --bind '$H_TMP/hosts' /etc/hosts &&
		mount --bind '$H_TMP/resolv.conf' /etc/resolv.conf && adcli info $*" 2>&1
}
out=$(adcli_ns --domain-controller=dc1.example.com)
t_like "adcli info --domain-controller=dc1.example.com: usable = yes" "$out" \
	'^domain-controller-usable = yes$'
out=$(adcli_ns example.com)
t_like "adcli info example.com (SRV discovery): domain-name" "$out" '^domain-name = example.com$'
t_like "adcli info example.com: usable = yes" "$out" '^domain-controller-usable = yes$'
t_like "adcli info example.com: DC is writable" "$out" '^domain-controller-flags = .*writable'

# ---- UDP: minidc cldap-serve ----
out=$("$PING" "$H_ADDR" 'DnsDomain=example.com' 'NtVer=\06\00\00\00' 2>&1)
t_is "CLDAP ping answered with an entry" "$(field entry "$out")" yes
t_is "CLDAP reply: result success" "$(field result "$out")" 0
t_is "CLDAP reply: messageID echoed" "$(field msgid "$out")" 7
check_blob "CLDAP blob" "$out"
out=$("$PING" "$H_ADDR" 'NtVer=\0e\00\00\00' 'AAC=\00\00\00\00' 2>&1)
t_is "CLDAP NtVer 0xe (with IP): DcSockAddr is the DC's address" \
	"$(field dc_address "$out")" "$H_ADDR"
t_is "CLDAP NtVer 0xe: trailing NtVersion 0xd" "$(field nt_version "$out")" 0x0000000d
out=$("$PING" "$H_ADDR" 'DnsDomain=other.com' 'NtVer=\06\00\00\00' 2>&1)
t_is "CLDAP ping for another domain: SearchResultDone only" \
	"$(field entry "$out")/$(field result "$out")" no/0
out=$("$PING" -o "$H_ADDR" 'DnsDomain=example.com' 'NtVer=\06\00\00\00' 2>&1)
t_is "CLDAP OR filter: no entry" "$(field entry "$out")" no
out=$("$PING" -a defaultNamingContext "$H_ADDR" 'DnsDomain=example.com' 'NtVer=\06\00\00\00' 2>&1)
t_is "CLDAP search not asking for netlogon: no entry" "$(field entry "$out")" no

# Malformed datagrams: no answer, no crash, and the responder keeps answering.
t_fail "CLDAP garbage gets no answer" "$PING" -w 300 -r 'deadbeef' "$H_ADDR"
t_fail "CLDAP truncated ping gets no answer" "$PING" -w 300 \
	-r '3040020101633b04000a01000a0100020100' "$H_ADDR"
t_fail "CLDAP huge length gets no answer" "$PING" -w 300 -r '3084ffffffff020101' "$H_ADDR"
big=$(head -c 3000 /dev/zero | od -An -tx1 -v | tr -d ' \n')
t_fail "CLDAP 3000 zero bytes get no answer" "$PING" -w 300 -r "30820bb8$big" "$H_ADDR"
i=0
while [ $i -lt 200 ]; do
	head -c $((i % 90 + 1)) /dev/urandom > "$H_TMP/rnd"
	"$PING" -w 1 -r "$(od -An -tx1 -v "$H_TMP/rnd" | tr -d ' \n')" "$H_ADDR" >/dev/null 2>&1
	i=$((i + 1))
done
out=$("$PING" "$H_ADDR" 'DnsDomain=example.com' 'NtVer=\06\00\00\00' 2>&1)
t_is "CLDAP still answers after 204 bad datagrams" "$(field entry "$out")" yes
# Still running and never restarted: none of those datagrams crashed it.
t_like "supervisor: cldap running, 0 restarts" \
	"$("$MINIDC" status --dir "$H_DIR" 2>&1)" '^cldap +running +[1-9][0-9]* +0$'
pid=$("$MINIDC" status --dir "$H_DIR" 2>/dev/null | awk '$1 == "cldap" { print $3 }')
t_is "cldap-serve answers as nobody" "$(ps -o user= -p "${pid:-0}" | tr -d ' ')" nobody

# A second responder on the same address must fail, not share the port.
dup=$(timeout 10 "$MINIDC" cldap-serve --dir "$H_DIR" 2>&1; echo "rc=$?")
t_like "second cldap-serve on the same address fails" "$dup" 'Address already in use'
t_like "second cldap-serve exit status 1" "$dup" '^rc=1$'

# The same request over TCP and UDP gets the same blob, field by field.
tcp=$("$PING" -D "$H_TMP/tcp.blob")
t_is "TCP and UDP answers decode identically" "$tcp" \
	"$(printf '%s\n' "$out" | sed -n '/^netlogon_len: /,$p')"

harness_done
