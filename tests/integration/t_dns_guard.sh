#!/bin/sh
# tests/integration/t_dns_guard.sh - issue 11, items 3, 4: who may create
# and change DNS names by secure dynamic update, with the real nsupdate -g
# as the attacker: rights by the SIDs of the domain's real groups (never a
# group's name), users create nothing unless the zone allows it, DC locator
# names, the apex, NS/SOA and wpad/isatap are for DCs and DNS admins only,
# while a computer still registers its own name and PTR.  Item 7: the
# DNS server's own directory identity reads cn=dns and little else.
. "$top_srcdir/tests/harness/harness.sh"
harness_start

P=${MINIDC_DNS_PORT:-53}
J="$top_builddir/join/minidc-join"
D="dig @$H_ADDR -p $P +time=2 +tries=1"
ZDN="idnsName=example.com,cn=dns,$H_BASE"
RZ=0.0.10.in-addr.arpa
has() { $D +short "$2" "$1" | grep -q -- "$3"; }
lacks() { ! $D +short "$2" "$1" | grep -q -- "$3"; }
mdc() { "$MINIDC" "$@" --dir "$H_DIR"; }
root_mod() { ldapmodify -Q -Y EXTERNAL -H "$H_LDAPI" > /dev/null 2>&1; }
upd() { # WHO [ZONE]: nsupdate -g with WHO's ccache, update lines on stdin
	{ printf 'server %s %s\nzone %s\n' "$H_ADDR" "$P" "${2:-example.com}"; cat; printf 'send\n'; } > "$H_TMP/nsu.txt"
	KRB5CCNAME="FILE:$H_TMP/$1.cc" timeout 30 nsupdate -g "$H_TMP/nsu.txt" 2>&1
}
refused() { # DESC WHO [ZONE]: the update is REFUSED
	_d=$1; shift
	out=$(upd "$@")
	t_like "$_d" "$out" "REFUSED"
}
mkuser() {
	( umask 077; printf 'Pw-Secret-42' > "$H_TMP/$1.pw" )
	mdc user add "$1" --password-file "$H_TMP/$1.pw" > /dev/null &&
		KRB5CCNAME="FILE:$H_TMP/$1.cc" kinit "$1" < "$H_TMP/$1.pw" > /dev/null
}
log_has() { grep -q -- "$1" "$H_DIR/log/minidc.log"; }
setopt() { # zone TRUE|FALSE: idnsAllowDynUpdate on example.com
	printf 'dn: %s\nchangetype: modify\nreplace: idnsAllowDynUpdate\nidnsAllowDynUpdate: %s\n' "$ZDN" "$1" |
		root_mod
}

t_ok "kinit Administrator" sh -c "KRB5CCNAME=FILE:$H_TMP/Administrator.cc kinit Administrator < '$H_ADMIN_PW_FILE'"
for u in bob alice dana; do t_ok "user $u, kinit" mkuser "$u"; done
mdc group addmember DnsAdmins dana > /dev/null
t_ok "reverse zone $RZ" "$MINIDC" dns addzone --dir "$H_DIR" "$RZ"

# ---- a computer registers its own name (minidc-join) and PTR ----
printf '127.0.0.1 localhost\n' > "$H_TMP/hosts"
printf 'nameserver %s\n' "$H_ADDR" > "$H_TMP/resolv.conf"
in_ns() {
	timeout 60 unshare -m sh -c "mount --bind '$H_TMP/hosts' /etc/hosts &&
		mount --bind '$H_TMP/resolv.conf' /etc/resolv.conf && exec \"\$@\"" sh "$@"
}
out=$(in_ns sh -c "'$J' join --domain example.com --host-fqdn gdhost.example.com \
	--keytab '$H_TMP/gdhost.keytab' --stdin-password < '$H_ADMIN_PW_FILE'" 2>&1)
t_like "minidc-join registers the host's own A record by GSS-TSIG" "$out" \
	"^DNS: registered gdhost.example.com A "
t_ok "dig sees gdhost" t_wait 10 has gdhost.example.com A 127.0.0.1
t_ok "kinit GDHOST\$ from its keytab" env KRB5CCNAME="FILE:$H_TMP/gdhost.cc" \
	kinit -k -t "$H_TMP/gdhost.keytab" 'GDHOST$'
t_unlike "the computer adds AAAA to its own name" "$(upd gdhost <<NSU
update add gdhost.example.com 600 AAAA fd00::5
NSU
)" "REFUSED|failed"
t_ok "... served" t_wait 10 has gdhost.example.com AAAA fd00::5
t_unlike "the computer adds its PTR" "$(upd gdhost "$RZ" <<NSU
update add 5.0.0.10.in-addr.arpa 600 PTR gdhost.example.com.
NSU
)" "REFUSED|failed"
t_ok "... served" t_wait 10 has 5.0.0.10.in-addr.arpa PTR gdhost.example.com.
refused "the computer cannot create a PTR to dc1" gdhost "$RZ" <<NSU
update add 6.0.0.10.in-addr.arpa 600 PTR dc1.example.com.
NSU
refused "the computer cannot create another name" gdhost <<NSU
update add other.example.com 600 A 10.0.0.66
NSU
t_ok "... and the log says why" log_has "GDHOST\$@EXAMPLE.COM: REFUSED: only a computer's own host name"

# ---- users create nothing unless the zone allows it ----
refused "bob cannot create bobhost (users: off by default)" bob <<NSU
update add bobhost.example.com 600 A 10.0.0.7
NSU
t_ok "... it does not exist" lacks bobhost.example.com A 10.0.0.7
t_ok "Administrator turns the zone option on (idnsAllowDynUpdate)" setopt TRUE
t_unlike "bob now creates bobhost" "$(upd bob <<NSU
update add bobhost.example.com 600 A 10.0.0.7
NSU
)" "REFUSED|failed"
t_ok "... served" t_wait 10 has bobhost.example.com A 10.0.0.7

# ---- reserved names: not even with the zone option ----
refused "bob cannot create wpad (global query block list)" bob <<NSU
update add wpad.example.com 600 A 10.0.0.66
NSU
refused "... nor isatap" bob <<NSU
update add isatap.example.com 600 A 10.0.0.66
NSU
refused "... nor an SRV under _sites.dc._msdcs" bob <<NSU
update add _ldap._tcp.evil._sites.dc._msdcs.example.com 600 SRV 0 100 389 bobhost.example.com.
NSU
refused "... nor an NS at _msdcs" bob <<NSU
update add _msdcs.example.com 600 NS bobhost.example.com.
NSU
refused "... nor an NS on its own name" bob <<NSU
update add bobhost.example.com 600 NS bobhost.example.com.
NSU
refused "... nor a record at the apex" bob <<NSU
update add example.com 600 TXT "bob was here"
NSU
t_ok "... and the log says why" log_has "bob@EXAMPLE.COM: REFUSED: name reserved for DCs and DNS admins"
t_ok "wpad does not exist" lacks wpad.example.com A 10.0.0.66
t_ok "the zone option off again" setopt FALSE
refused "bob cannot create names again" bob <<NSU
update add bobhost2.example.com 600 A 10.0.0.8
NSU

# ---- item 3: DNS admin rights by SID, never by a group's name ----
# A group named "Domain Controllers" (and one named "DnsAdmins") in cn=dns
# with alice in it, written as the DC itself (the dsa refuses it to
# DnsAdmins: t_tiers.sh).
t_ok "groups named Domain Controllers and DnsAdmins, alice a member" sh -c "printf '%s' '
dn: CN=Domain Controllers,cn=dns,$H_BASE
changetype: add
objectClass: group
member: CN=alice,CN=Users,$H_BASE

dn: CN=DnsAdmins,cn=dns,$H_BASE
changetype: add
objectClass: group
member: CN=alice,CN=Users,$H_BASE
' | ldapmodify -Q -Y EXTERNAL -H '$H_LDAPI'"
refused "alice cannot replace gc._msdcs A through the fake groups" alice <<NSU
update delete gc._msdcs.example.com A
update add gc._msdcs.example.com 600 A 10.0.0.66
NSU
t_ok "gc._msdcs is unchanged" lacks gc._msdcs.example.com A 10.0.0.66
t_unlike "dana (in the domain's DnsAdmins) adds an SRV under _msdcs" "$(upd dana <<NSU
update add _ldap._tcp.site2._sites.dc._msdcs.example.com 600 SRV 0 100 389 dc1.example.com.
NSU
)" "REFUSED|failed"
t_ok "... served" t_wait 10 has _ldap._tcp.site2._sites.dc._msdcs.example.com SRV dc1.example.com.
t_unlike "Administrator (Domain Admins) creates wpad" "$(upd Administrator <<NSU
update add wpad.example.com 600 A 10.0.0.80
NSU
)" "REFUSED|failed"
t_ok "... served" t_wait 10 has wpad.example.com A 10.0.0.80
t_ok "nested: a group in DnsAdmins" sh -c "$(command -v "$MINIDC") group add dnsops --dir '$H_DIR' > /dev/null &&
	$(command -v "$MINIDC") group addmember DnsAdmins dnsops --dir '$H_DIR' &&
	$(command -v "$MINIDC") group addmember dnsops alice --dir '$H_DIR'"
t_unlike "alice, now in DnsAdmins through dnsops, changes the apex" "$(upd alice <<NSU
update add example.com 600 TXT "alice-admin"
NSU
)" "REFUSED|failed"
t_ok "... served" t_wait 10 has example.com TXT alice-admin
# ---- item 7: the DNS server's directory identity ----
# The server opens its ldapi connections before it drops root, with the
# peer credentials of nobody (the user it becomes): slapd names that
# gidNumber=G+uidNumber=U,cn=peercred,... and lets it read cn=dns and the
# few account attributes updates are decided by.  The same credential,
# here: a process of nobody that may still enter root's 0700 directories.
as_dns() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=+dac_override --ambient-caps=+dac_override "$@"
}
t_like "the DNS server's credential binds as nobody's peer identity" \
	"$(as_dns ldapwhoami -Q -Y EXTERNAL -H "$H_LDAPI" 2>&1)" \
	"^dn:gidNumber=$(id -g nobody)\+uidNumber=$(id -u nobody),cn=peercred,cn=external,cn=auth$"
out=$(as_dns ldapsearch -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "$H_BASE" \
	'(sAMAccountName=bob)' userPassword minidcKrbKeyData unicodePwd mail description 2>&1)
t_unlike "... it reads no secret of bob (userPassword, minidcKrbKeyData)" "$out" \
	"^(userPassword|minidcKrbKeyData|unicodePwd)::? "
t_ilike "... but finds bob's entry (what updates are decided by)" "$out" "^dn: CN=bob,"
out=$(as_dns ldapsearch -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "CN=bob,CN=Users,$H_BASE" \
	-s base objectSid primaryGroupID 2>&1)
t_like "... and bob's objectSid" "$out" "^objectSid:: "
t_is "... but nothing else of the domain (krbtgt's keys, any attribute)" \
	"$(as_dns ldapsearch -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "CN=krbtgt,CN=Users,$H_BASE" \
		-s base '*' 2>&1 | grep -ciE '^(minidcKrb|userPassword|description|whenCreated)')" "0"
out=$(printf 'dn: CN=bob,CN=Users,%s\nchangetype: modify\nreplace: description\ndescription: owned\n' \
	"$H_BASE" | as_dns ldapmodify -Q -Y EXTERNAL -H "$H_LDAPI" 2>&1)
t_like "... an ldapmodify of bob is refused" "$out" "Insufficient access \(50\)"
t_is "... bob is unchanged" "$(ldapsearch -LLL -Q -Y EXTERNAL -H "$H_LDAPI" \
	-b "CN=bob,CN=Users,$H_BASE" -s base description | grep -c owned)" "0"
out=$(printf 'dn: CN=evil,CN=Users,%s\nchangetype: add\nobjectClass: user\nsAMAccountName: evil\n' \
	"$H_BASE" | as_dns ldapmodify -Q -Y EXTERNAL -H "$H_LDAPI" 2>&1)
t_like "... it cannot create a user" "$out" "Insufficient access \(50\)"
out=$(printf 'dn: idnsName=evil,%s\nchangetype: add\nobjectClass: user\nsAMAccountName: evil2\nidnsName: evil\n' \
	"$ZDN" | as_dns ldapmodify -Q -Y EXTERNAL -H "$H_LDAPI" 2>&1)
t_like "... not even under cn=dns (DNS classes only, the dsa)" "$out" "Insufficient access \(50\)"
t_like "... it reads the zone" "$(as_dns ldapsearch -LLL -Q -Y EXTERNAL -H "$H_LDAPI" \
	-b "$ZDN" -s base idnsSOAmName 2>&1)" "^idnsSOAmName: "
t_unlike "the computer still updates its own name through that identity" "$(upd gdhost <<NSU
update add gdhost.example.com 600 TXT "still-mine"
NSU
)" "REFUSED|failed"
t_ok "... served" t_wait 10 has gdhost.example.com TXT still-mine
t_is "... and stored with its owner" "$(ldapsearch -LLL -Q -Y EXTERNAL -H "$H_LDAPI" \
	-b "idnsName=gdhost,$ZDN" -s base mdcDnsOwner | sed -n 's/^mdcDnsOwner: //p')" 'GDHOST$@EXAMPLE.COM'
harness_done
