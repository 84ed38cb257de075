#!/bin/sh
# tests/integration/t_dns_update.sh - issue 4: secure dynamic update with real
# nsupdate -g (GSS-TSIG), the owner rule, records written to the directory and
# served from the sync stream, changes made with ldapmodify and `minidc dns`
# served once the sync stream brings them, persistence across stop/run.
. "$top_srcdir/tests/harness/harness.sh"
harness_start

P=${MINIDC_DNS_PORT:-53}
D="dig @$H_ADDR -p $P +time=5 +tries=3"
ZDN="idnsName=example.com,cn=dns,$H_BASE"
has() { # name type expected-substring: true once dig shows it
	$D +short "$2" "$1" | grep -q -- "$3"
}
hasnt() { [ -z "$($D +short "$2" "$1")" ]; }
upd() { # ccache file, then nsupdate lines on stdin
	_cc=$1; shift
	{ printf 'server %s %s\nzone example.com\n' "$H_ADDR" "$P"; cat; printf 'send\n'; } > "$H_TMP/nsu.txt"
	KRB5CCNAME="FILE:$_cc" timeout 30 nsupdate -g "$H_TMP/nsu.txt"
}
upd_ms() { # like upd, in the Windows-2000 style that Samba and AD also speak
	_cc=$1; shift
	{ printf 'server %s %s\nzone example.com\n' "$H_ADDR" "$P"; cat; printf 'send\n'; } > "$H_TMP/nsu.txt"
	KRB5CCNAME="FILE:$_cc" timeout 30 nsupdate -g -o "$H_TMP/nsu.txt"
}
upd_zone() { # zone ccache: nsupdate -g for another zone
	_z=$1; _cc=$2; shift 2
	{ printf 'server %s %s\nzone %s\n' "$H_ADDR" "$P" "$_z"; cat; printf 'send\n'; } > "$H_TMP/nsu.txt"
	KRB5CCNAME="FILE:$_cc" timeout 30 nsupdate -g "$H_TMP/nsu.txt"
}
owner_of() {
	ldapsearch -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "idnsName=$1,$ZDN" -s base mdcDnsOwner 2>/dev/null |
		sed -n 's/^mdcDnsOwner: //p'
}

# ---- identities: Administrator and an ordinary principal ----
ADMCC="$H_TMP/admin.cc"
USRCC="$H_TMP/user2.cc"
t_ok "kinit Administrator" sh -c "KRB5CCNAME=FILE:$ADMCC kinit Administrator < '$H_ADMIN_PW_FILE'"
t_ok "kadmin creates an ordinary principal user2" sh -c \
	"kadmin -p Administrator -q 'addprinc -randkey user2' < '$H_ADMIN_PW_FILE'"
t_ok "kadmin extracts user2's keys" sh -c \
	"kadmin -p Administrator -q 'ktadd -k $H_TMP/user2.kt user2' < '$H_ADMIN_PW_FILE'"
t_ok "kinit user2 from its keytab" env KRB5CCNAME="FILE:$USRCC" kinit -k -t "$H_TMP/user2.kt" user2
# Users create names only where the zone allows it (off by default; issue
# 11 and t_dns_guard.sh): this test's zones allow it.
t_fail "by default user2 cannot create a name" upd "$USRCC" <<NSU
update add early.example.com 600 A 10.0.0.30
NSU
t_ok "Administrator lets users create names in example.com (idnsAllowDynUpdate)" sh -c \
	"printf 'dn: %s\nchangetype: modify\nreplace: idnsAllowDynUpdate\nidnsAllowDynUpdate: TRUE\n' '$ZDN' |
	 ldapmodify -Q -Y EXTERNAL -H '$H_LDAPI'"

# ---- Administrator adds, the change is served and stored ----
t_ok "nsupdate -g as Administrator adds host2 A" upd "$ADMCC" <<NSU
update add host2.example.com 3600 A 10.0.0.2
NSU
t_ok "dig sees host2" t_wait "$H_WAIT" has host2.example.com A 10.0.0.2
out=$(ldapsearch -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "$ZDN" '(idnsName=host2)' aRecord mdcDnsOwner dNSTTL 2>&1)
t_like "host2 is in the directory" "$out" "^aRecord: 10\.0\.0\.2$"
t_like "the directory keeps the TTL" "$out" "^dNSTTL: 3600$"
t_is "Administrator owns host2" "$(owner_of host2)" "Administrator@EXAMPLE.COM"
out=$($D +norec a host2.example.com)
t_like "the new record is authoritative" "$out" "flags: qr aa;"

t_ok "nsupdate -g -o (gss.microsoft.com, TKEY in ANSWER) adds mshost" upd_ms "$ADMCC" <<NSU
update add mshost.example.com 600 A 10.0.0.12
NSU
t_ok "dig sees mshost" t_wait "$H_WAIT" has mshost.example.com A 10.0.0.12

# Back-to-back updates of one name (sssd sends A, then AAAA): none is lost,
# though the second arrives before the first has come back through the sync.
t_ok "three updates of one name in one nsupdate session" upd "$USRCC" <<NSU
update add burst.example.com 600 A 10.0.0.31
send
update add burst.example.com 600 AAAA fd00::31
send
update add burst.example.com 600 TXT "third"
NSU
t_ok "the A is served" t_wait "$H_WAIT" has burst.example.com A 10.0.0.31
t_ok "the AAAA is served" t_wait "$H_WAIT" has burst.example.com AAAA fd00::31
t_ok "the TXT is served" t_wait "$H_WAIT" has burst.example.com TXT third

# ---- the owner rule ----
t_fail "user2 cannot replace host2 (owned by Administrator)" upd "$USRCC" <<NSU
update delete host2.example.com A
update add host2.example.com 3600 A 10.0.0.66
NSU
t_is "host2 is unchanged" "$($D +short a host2.example.com)" "10.0.0.2"
t_fail "user2 cannot change a provisioned locator record" upd "$USRCC" <<NSU
update delete _ldap._tcp.example.com SRV
NSU
t_ok "the locator record is still there" has _ldap._tcp.example.com SRV "dc1.example.com."
t_ok "user2 creates host7" upd "$USRCC" <<NSU
update add host7.example.com 600 A 10.0.0.7
NSU
t_ok "dig sees host7" t_wait "$H_WAIT" has host7.example.com A 10.0.0.7
t_is "user2 owns host7" "$(owner_of host7)" "user2@EXAMPLE.COM"
t_ok "user2 replaces its own host7" upd "$USRCC" <<NSU
update delete host7.example.com A
update add host7.example.com 600 A 10.0.0.77
NSU
t_ok "dig sees the new host7" t_wait "$H_WAIT" has host7.example.com A 10.0.0.77
t_ok "Administrator may change host7 too (Domain Admins)" upd "$ADMCC" <<NSU
update add host7.example.com 600 TXT "admin-was-here"
NSU
t_ok "dig sees Administrator's TXT on host7" t_wait "$H_WAIT" has host7.example.com TXT admin-was-here
t_ok "prerequisite 'name in use' holds for host7" upd "$USRCC" <<NSU
prereq yxdomain host7.example.com
update add host7.example.com 600 A 10.0.0.78
NSU
t_fail "prerequisite 'name not in use' fails for host7 (YXDOMAIN)" upd "$USRCC" <<NSU
prereq nxdomain host7.example.com
update add host7.example.com 600 A 10.0.0.79
NSU
t_ok "the failed prerequisite changed nothing" sh -c "! $D +short a host7.example.com | grep -q 10.0.0.79"

# ---- unsigned updates ----
printf 'server %s %s\nzone example.com\nupdate add host3.example.com 300 A 10.0.0.3\nsend\n' "$H_ADDR" "$P" > "$H_TMP/unsigned.txt"
out=$(nsupdate "$H_TMP/unsigned.txt" 2>&1)
t_like "an unsigned nsupdate is REFUSED" "$out" "REFUSED"
t_ok "host3 does not exist" hasnt host3.example.com A

# ---- deletion ----
t_ok "nsupdate -g as Administrator deletes host2" upd "$ADMCC" <<NSU
update delete host2.example.com A
NSU
t_ok "host2 is gone from DNS" t_wait "$H_WAIT" sh -c "$D a host2.example.com | grep -q 'status: NXDOMAIN'"
out=$(ldapsearch -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "$ZDN" '(idnsName=host2)' dn 2>&1)
t_unlike "host2 is gone from the directory" "$out" "^dn:"

# ---- changes made in the directory ----
t_ok "ldapmodify adds host9" ldapmodify -Q -Y EXTERNAL -H "$H_LDAPI" <<LDIF
dn: idnsName=host9,$ZDN
changetype: add
objectClass: idnsRecord
idnsName: host9
aRecord: 10.0.0.9
LDIF
t_ok "host9 is answered, no restart" t_wait "$H_WAIT" has host9.example.com A 10.0.0.9
t_ok "ldapmodify changes host9" ldapmodify -Q -Y EXTERNAL -H "$H_LDAPI" <<LDIF
dn: idnsName=host9,$ZDN
changetype: modify
replace: aRecord
aRecord: 10.0.0.99
LDIF
t_ok "the new host9 address is answered" t_wait "$H_WAIT" has host9.example.com A 10.0.0.99
t_ok "ldapdelete removes host9" ldapdelete -Q -Y EXTERNAL -H "$H_LDAPI" "idnsName=host9,$ZDN"
t_ok "host9 is NXDOMAIN" t_wait "$H_WAIT" sh -c "$D a host9.example.com | grep -q 'status: NXDOMAIN'"

# ---- a second zone (reverse) in the same container ----
t_ok "ldapmodify adds a reverse zone with a PTR" ldapmodify -Q -Y EXTERNAL -H "$H_LDAPI" <<LDIF
dn: idnsName=0.10.in-addr.arpa,cn=dns,$H_BASE
changetype: add
objectClass: idnsRecord
objectClass: idnsZone
idnsName: 0.10.in-addr.arpa
idnsZoneActive: TRUE
idnsSOAmName: dc1.example.com.
idnsSOArName: hostmaster.example.com.
idnsSOAserial: 1
idnsSOArefresh: 900
idnsSOAretry: 600
idnsSOAexpire: 86400
idnsSOAminimum: 3600
nSRecord: dc1.example.com.
idnsAllowDynUpdate: TRUE

dn: idnsName=5.1,idnsName=0.10.in-addr.arpa,cn=dns,$H_BASE
changetype: add
objectClass: idnsRecord
idnsName: 5.1
pTRRecord: host5.example.com.
LDIF
t_ok "the reverse zone is served" t_wait "$H_WAIT" has 5.1.0.10.in-addr.arpa PTR host5.example.com.
out=$($D +norec -x 10.0.1.5)
t_like "dig -x answers authoritatively" "$out" "flags: qr aa;"
t_like "the reverse zone's SOA" "$($D +short soa 0.10.in-addr.arpa)" "^dc1\.example\.com\. hostmaster\.example\.com\. "
t_like "NXDOMAIN in the reverse zone carries its SOA" "$($D -x 10.0.9.9)" "^0\.10\.in-addr\.arpa\.[[:space:]].*SOA"
t_like "our SOA still names dc1" "$($D +short soa example.com)" "^dc1\.example\.com\. "
t_is "our zone has one SOA" "$($D +short soa example.com | wc -l | tr -d ' ')" "1"
t_ok "a record of the other zone is not grafted onto ours" hasnt 5.1.example.com PTR
t_like "a zone we do not have is still REFUSED" "$($D ptr 5.1.0.11.in-addr.arpa)" "status: REFUSED"
t_ok "user2 adds its PTR with nsupdate -g (as sssd does)" upd_zone 0.10.in-addr.arpa "$USRCC" <<NSU
update add 7.0.0.10.in-addr.arpa 600 PTR host7.example.com.
NSU
t_ok "dig -x sees it" t_wait "$H_WAIT" has 7.0.0.10.in-addr.arpa PTR host7.example.com.
t_is "user2 owns the PTR" "$(ldapsearch -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "idnsName=7.0,idnsName=0.10.in-addr.arpa,cn=dns,$H_BASE" -s base mdcDnsOwner 2>/dev/null | sed -n 's/^mdcDnsOwner: //p')" "user2@EXAMPLE.COM"
t_fail "user2 cannot change the provisioned-style PTR 5.1" upd_zone 0.10.in-addr.arpa "$USRCC" <<NSU
update delete 5.1.0.10.in-addr.arpa PTR
NSU
t_ok "minidc dns add puts a PTR into the reverse zone" \
	"$MINIDC" dns add --dir "$H_DIR" 9.0.0.10.in-addr.arpa. PTR host9.example.com.
t_ok "it is answered" t_wait "$H_WAIT" has 9.0.0.10.in-addr.arpa PTR host9.example.com.
t_ok "minidc dns del removes it" "$MINIDC" dns del --dir "$H_DIR" 9.0.0.10.in-addr.arpa. PTR
t_ok "it is gone" t_wait "$H_WAIT" hasnt 9.0.0.10.in-addr.arpa PTR
out=$("$MINIDC" dns add --dir "$H_DIR" www.example.net. A 10.0.0.1 2>&1); rc=$?
t_is "a name in no zone of ours is a usage error" "$rc" "2"
t_ok "minidc dns addzone 1.10.in-addr.arpa" "$MINIDC" dns addzone --dir "$H_DIR" 1.10.in-addr.arpa
t_ok "the new zone's SOA is answered" t_wait "$H_WAIT" has 1.10.in-addr.arpa SOA "dc1.example.com. hostmaster.example.com."
t_is "its NS is this DC" "$($D +short ns 1.10.in-addr.arpa)" "dc1.example.com."
out=$("$MINIDC" dns addzone --dir "$H_DIR" 1.10.in-addr.arpa 2>&1); rc=$?
t_is "adding it twice fails" "$rc" "1"
t_like "with a one-line reason" "$out" "^minidc dns: addzone 1\.10\.in-addr\.arpa: the zone exists$"
t_ok "minidc dns add a PTR into it" "$MINIDC" dns add --dir "$H_DIR" 3.0.1.10.in-addr.arpa. PTR host3.example.com.
t_ok "the PTR is answered" t_wait "$H_WAIT" has 3.0.1.10.in-addr.arpa PTR host3.example.com.
t_ok "minidc dns delzone removes the zone and its names" "$MINIDC" dns delzone --dir "$H_DIR" 1.10.in-addr.arpa
t_ok "the zone is no longer served (REFUSED)" t_wait "$H_WAIT" sh -c "$D soa 1.10.in-addr.arpa | grep -q 'status: REFUSED'"
out=$("$MINIDC" dns delzone --dir "$H_DIR" example.com 2>&1); rc=$?
t_is "the domain's own zone cannot be deleted" "$rc" "1"
t_is "the domain's zone is still served" "$($D +short ns example.com)" "dc1.example.com."

# ---- minidc dns add|list|del ----
t_ok "minidc dns add" "$MINIDC" dns add --dir "$H_DIR" --ttl 300 web CNAME dc1
t_ok "the CNAME is answered" t_wait "$H_WAIT" has web.example.com CNAME dc1.example.com.
out=$("$MINIDC" dns list --dir "$H_DIR" 2>&1)
t_like "minidc dns list shows it" "$out" "^web\.example\.com\.[[:space:]]+300[[:space:]]+IN[[:space:]]+CNAME[[:space:]]+dc1\.example\.com\.$"
t_like "minidc dns list shows the locator records" "$out" "^_kerberos\._tcp\.dc\._msdcs\.example\.com\..*SRV"
t_ok "minidc dns del" "$MINIDC" dns del --dir "$H_DIR" web CNAME
t_ok "the CNAME is gone" t_wait "$H_WAIT" hasnt web.example.com CNAME
out=$("$MINIDC" dns del --dir "$H_DIR" web CNAME 2>&1); rc=$?
t_is "deleting a missing record fails" "$rc" "1"
t_like "with a one-line reason" "$out" "^minidc dns: del web: no such record$"
out=$("$MINIDC" dns add --dir "$H_DIR" bad A not-an-address 2>&1); rc=$?
t_is "a malformed record is a usage error" "$rc" "2"

# ---- the directory restarts under us ----
# slapd names DIR only percent-encoded: its pid file (DIR/slapd/run).
spid=$(cat "$H_DIR/slapd/run/slapd.pid")
dpid=$(pgrep -f "dns-serve --dir $H_DIR" | head -n 1)
t_ok "slapd is killed (-9)" kill -9 "$spid"
t_ok "the supervisor restarts the DNS server too" t_wait "$H_WAIT" sh -c \
	"p=\$(pgrep -f 'dns-serve --dir $H_DIR' | head -n 1); [ -n \"\$p\" ] && [ \"\$p\" != $dpid ]"
t_ok "the zone is answered again" t_wait "$H_WAIT" has dc1.example.com A "$H_ADDR"
# The pgrep above can match its own sh -c: wait for slapd itself.
t_ok "slapd answers again" t_wait "$H_WAIT" sh -c \
	"ldapwhoami -Q -Y EXTERNAL -H '$H_LDAPI' > /dev/null 2>&1"
t_ok "ldapmodify after the restart" ldapmodify -Q -Y EXTERNAL -H "$H_LDAPI" <<LDIF
dn: idnsName=after,$ZDN
changetype: add
objectClass: idnsRecord
idnsName: after
aRecord: 10.0.0.42
LDIF
t_ok "is answered (the sync stream is back)" t_wait "$H_WAIT" has after.example.com A 10.0.0.42

# ---- persistence across stop/run ----
t_ok "nsupdate -g adds host8 before the restart" upd "$ADMCC" <<NSU
update add host8.example.com 3600 A 10.0.0.8
NSU
t_ok "host8 is served" t_wait "$H_WAIT" has host8.example.com A 10.0.0.8
t_ok "minidc stop" "$MINIDC" stop --dir "$H_DIR"
t_ok "minidc run" "$MINIDC" run --dir "$H_DIR"
t_is "host8 survived the restart" "$($D +short a host8.example.com)" "10.0.0.8"
t_is "host7 survived the restart" "$($D +short a host7.example.com | sort | head -n 1)" "10.0.0.77"
t_ok "a fresh TKEY/update works after the restart" upd "$ADMCC" <<NSU
update delete host8.example.com A
NSU
t_ok "host8 is gone" t_wait "$H_WAIT" hasnt host8.example.com A

harness_done
