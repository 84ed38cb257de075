#!/bin/sh
# tests/integration/t_dns_query.sh - issue 4: the DC's zone answered to dig and
# kdig (UDP and TCP), every AD locator record with AA, and the protocol rules
# (EDNS, opcodes, NXDOMAIN/NODATA, case, REFUSED, TC, AXFR, bad packets).
. "$top_srcdir/tests/harness/harness.sh"
harness_start

P=${MINIDC_DNS_PORT:-53}
D="dig @$H_ADDR -p $P +time=5 +tries=3"
K="kdig @$H_ADDR -p $P +time=5 +retry=2"
conf() { sed -n "s/^$1 *= *//p" "$H_DIR/minidc.conf" | head -n 1; }
LDAP_PORT=$(sed -n '/^\[ports\]/,/^\[/s/^ldap *= *//p' "$H_DIR/minidc.conf")
KDC_PORT=$(sed -n '/^\[ports\]/,/^\[/s/^kdc *= *//p' "$H_DIR/minidc.conf")
GC_PORT=$(sed -n '/^\[ports\]/,/^\[/s/^gc *= *//p' "$H_DIR/minidc.conf")
KPW_PORT=$(sed -n '/^\[ports\]/,/^\[/s/^kpasswd *= *//p' "$H_DIR/minidc.conf")
DGUID=$(sed -n '/^\[domain\]/,/^\[/s/^guid *= *//p' "$H_DIR/minidc.conf")
NGUID=$(conf ntds_guid)
SITE=Default-First-Site-Name

# ---- the zone: SOA, NS, A ----
out=$($D +norec soa example.com)
t_like "SOA: NOERROR" "$out" "status: NOERROR"
t_like "SOA: authoritative (aa)" "$out" "flags: qr aa;"
t_like "SOA names dc1 as MNAME" "$out" "IN[[:space:]]+SOA[[:space:]]+dc1\.example\.com\. hostmaster\.example\.com\. [0-9]+ 900 600 86400 3600"
t_is "NS of the zone" "$($D +short ns example.com)" "dc1.example.com."
t_is "A of dc1" "$($D +short a dc1.example.com)" "$H_ADDR"
t_is "A of the apex" "$($D +short a example.com)" "$H_ADDR"
t_is "A of gc._msdcs" "$($D +short a gc._msdcs.example.com)" "$H_ADDR"
t_is "CNAME of the NTDS GUID" "$($D +short cname "$NGUID._msdcs.example.com")" "dc1.example.com."
t_is "TXT _kerberos names the realm" "$($D +short txt _kerberos.example.com)" '"EXAMPLE.COM"'

# ---- every locator SRV record, UDP (dig) and TCP (kdig) ----
srv_check() { # name port
	out=$($D +norec srv "$1.example.com")
	t_like "SRV $1 (udp): 0 100 $2 dc1, aa" "$out" "flags: qr aa;.*ANSWER: 1,"
	t_like "SRV $1 (udp) data" "$out" "IN[[:space:]]+SRV[[:space:]]+0 100 $2 dc1\.example\.com\."
	out=$($K +tcp +norec srv "$1.example.com")
	t_like "SRV $1 (tcp, kdig) data and aa" "$out" "Flags: qr aa;.*|IN[[:space:]]+SRV[[:space:]]+0 100 $2 dc1\.example\.com\."
	t_like "SRV $1 (tcp, kdig) answer" "$out" "SRV[[:space:]]+0 100 $2 dc1\.example\.com\."
}
for n in _ldap._tcp "_ldap._tcp.$SITE._sites" _ldap._tcp.dc._msdcs \
	"_ldap._tcp.$SITE._sites.dc._msdcs" _ldap._tcp.pdc._msdcs \
	"_ldap._tcp.$DGUID.domains._msdcs" \
	_ldap._tcp.DomainDnsZones "_ldap._tcp.$SITE._sites.DomainDnsZones" \
	_ldap._tcp.ForestDnsZones "_ldap._tcp.$SITE._sites.ForestDnsZones"; do
	srv_check "$n" "$LDAP_PORT"
done
# The Global Catalog has its own port (slapd serves the same DIT there).
for n in _ldap._tcp.gc._msdcs "_ldap._tcp.$SITE._sites.gc._msdcs" _gc._tcp \
	"_gc._tcp.$SITE._sites"; do
	srv_check "$n" "$GC_PORT"
done
for n in _kerberos._tcp _kerberos._udp "_kerberos._tcp.$SITE._sites" \
	_kerberos._tcp.dc._msdcs "_kerberos._tcp.$SITE._sites.dc._msdcs" \
	_kerberos-master._tcp _kerberos-master._udp; do
	srv_check "$n" "$KDC_PORT"
done
for n in _kpasswd._tcp _kpasswd._udp; do
	srv_check "$n" "$KPW_PORT"
done
out=$($D srv _ldap._tcp.dc._msdcs.example.com)
t_like "SRV answers carry the target's A in ADDITIONAL" "$out" "^dc1\.example\.com\.[[:space:]]+900[[:space:]]+IN[[:space:]]+A[[:space:]]+$H_ADDR$"

# ---- EDNS (ISC EDNS compliance checks) ----
out=$($D +norec +noedns soa example.com)
t_like "plain DNS: SOA" "$out" "IN[[:space:]]+SOA"
t_unlike "plain DNS: no OPT in the reply" "$out" "OPT PSEUDOSECTION"
out=$($D +norec +edns=0 soa example.com)
t_like "EDNS 0: OPT version 0 in the reply" "$out" "EDNS: version: 0, flags:; udp: 1232"
out=$($D +norec +edns=100 +noednsneg soa example.com)
t_like "EDNS 100: BADVERS" "$out" "status: BADVERS"
t_like "EDNS 100: reply OPT has version 0" "$out" "EDNS: version: 0"
t_unlike "EDNS 100: no SOA" "$out" "^example\.com\..*IN[[:space:]]+SOA"
out=$($D +norec +ednsopt=100 soa example.com)
t_like "unknown EDNS option: NOERROR + SOA" "$out" "IN[[:space:]]+SOA"
t_unlike "unknown EDNS option is not echoed" "$out" "OPT=100"
out=$($D +norec +ednsflags=0x80 soa example.com)
t_like "unknown EDNS flag: NOERROR" "$out" "status: NOERROR"
t_like "unknown EDNS flag is not echoed" "$out" "EDNS: version: 0, flags:; udp"
out=$($D +norec +dnssec soa example.com)
t_like "DO bit is echoed" "$out" "EDNS: version: 0, flags: do;"
out=$($D +norec +edns=100 +noednsneg +ednsopt=100 soa example.com)
t_like "EDNS 100 + option: BADVERS" "$out" "status: BADVERS"

# ---- opcodes, types, names ----
out=$($D +norec +opcode=15 +header-only)
t_like "unknown opcode: NOTIMP" "$out" "status: NOTIMP"
out=$($D +norec type1000 example.com)
t_like "unknown type: NOERROR" "$out" "status: NOERROR"
t_like "unknown type: empty answer, SOA in AUTHORITY" "$out" "ANSWER: 0, AUTHORITY: 1,"
t_like "unknown type: the SOA has the negative TTL" "$out" "^example\.com\.[[:space:]]+3600[[:space:]]+IN[[:space:]]+SOA"
out=$($D +norec +zflag +ad +cd +rec soa example.com)
t_like "header bits: RD and CD copied, AD/RA/Z clear" "$out" "flags: qr aa rd cd;"
for n in _tcp.example.com dc._msdcs.example.com _msdcs.example.com _sites.example.com \
	"$SITE._sites.example.com" "$DGUID.domains._msdcs.example.com"; do
	out=$($D +norec a "$n")
	t_like "empty non-terminal $n: NOERROR" "$out" "status: NOERROR"
	t_like "empty non-terminal $n: NODATA with the SOA" "$out" "flags: qr aa;.*ANSWER: 0, AUTHORITY: 1,"
done
out=$($D +norec a nosuch.example.com)
t_like "NXDOMAIN" "$out" "status: NXDOMAIN"
t_like "NXDOMAIN is authoritative with the SOA" "$out" "flags: qr aa;.*ANSWER: 0, AUTHORITY: 1,"
out=$($D +norec srv _LDAP._Tcp.ExAmPle.CoM)
t_like "case of the question is preserved" "$out" "^_LDAP\._Tcp\.ExAmPle\.CoM\.[[:space:]]+900[[:space:]]+IN[[:space:]]+SRV[[:space:]]+0 100 $LDAP_PORT dc1\.example\.com\."
for rd in +norec +rec; do
	out=$($D $rd a www.example.org)
	t_like "out of zone ($rd): REFUSED" "$out" "status: REFUSED"
	t_unlike "out of zone ($rd): not authoritative, no RA" "$out" "flags:[a-z ]* (aa|ra)[ ;]"
done
# ---- zone transfers: refused unless the zone allows the peer (AD) ----
out=$($D -b 127.0.0.1 axfr example.com)
t_like "AXFR is refused by default, even from loopback" "$out" "Transfer failed|REFUSED"
t_unlike "... and carries no record" "$out" "IN[[:space:]]+SOA"
out=$($K -b 127.0.0.1 axfr example.com 2>&1)
t_like "kdig AXFR is refused by default" "$out" "REFUSED"
SERIAL=$($D +short soa example.com | awk '{print $3}')
t_like "the zone has a serial" "$SERIAL" "^[0-9]+$"
OLD=$((SERIAL > 1 ? SERIAL - 1 : 0))
out=$($D -b 127.0.0.1 ixfr=$OLD example.com)
t_like "dig IXFR=$OLD is refused by default" "$out" "Transfer failed|REFUSED"
out=$($K -b 127.0.0.1 ixfr=$OLD example.com 2>&1)
t_like "kdig IXFR=$OLD is refused by default" "$out" "REFUSED"
out=$($K -b 127.0.0.1 +notcp ixfr=$SERIAL example.com 2>&1)
t_like "UDP IXFR (kdig) is refused by default" "$out" "REFUSED"
t_is "transfer list: empty" "$("$MINIDC" dns transfer list --dir "$H_DIR" example.com 2>&1)" ""
out=$("$MINIDC" dns transfer allow --dir "$H_DIR" example.com 999.0.0.1 2>&1); rc=$?
t_is "transfer allow of a bad address: exit 2" "$rc" 2
t_like "... naming it" "$out" "invalid address '999.0.0.1'"
out=$("$MINIDC" dns transfer allow --dir "$H_DIR" example.org 127.0.0.1 2>&1)
t_like "transfer allow of an unknown zone fails" "$out" "no such zone 'example.org'"
t_ok "minidc dns transfer allow example.com 127.0.0.1" \
	"$MINIDC" dns transfer allow example.com 127.0.0.1 --dir "$H_DIR"
t_is "transfer list names it" "$("$MINIDC" dns transfer list --dir "$H_DIR" example.com)" "127.0.0.1"
t_like "kept on the zone entry as idnsAllowTransfer" \
	"$(lds -Q -Y EXTERNAL -H "$H_LDAPI" -b "idnsName=example.com,cn=dns,$H_BASE" -s base idnsAllowTransfer)" \
	"^idnsAllowTransfer: 127\.0\.0\.1;$"
t_ok "the allowed peer gets the zone" t_wait "$H_WAIT" sh -c \
	"$D -b 127.0.0.1 axfr example.com | grep -q 'XFR size: [0-9]* records'"
out=$($D -b 127.0.0.1 axfr example.com)
t_like "AXFR from 127.0.0.1 after transfer allow" "$out" "XFR size: [0-9]+ records"
NAXFR=$(printf '%s\n' "$out" | sed -n 's/^;; XFR size: \([0-9]*\) records.*/\1/p')
t_is "AXFR: the SOA opens and closes it" "$(printf '%s\n' "$out" | grep -c '^example\.com\..*IN[[:space:]]*SOA')" 2
out=$($D -b 127.0.0.3 axfr example.com)
t_like "AXFR from 127.0.0.3 (not listed) is still refused" "$out" "Transfer failed|REFUSED"
t_unlike "... with no record" "$out" "IN[[:space:]]+SOA"
out=$($D -b 127.0.0.3 ixfr=$OLD example.com)
t_like "IXFR from 127.0.0.3 is refused" "$out" "Transfer failed|REFUSED"
out=$($D -b 127.0.0.1 +norec axfr example.net)
t_like "AXFR of a zone we do not serve is refused" "$out" "Transfer failed|REFUSED"
# IXFR (RFC 1995): no journal, so the whole zone in AXFR form over TCP.
out=$($D -b 127.0.0.1 ixfr=$OLD example.com)
t_is "dig IXFR=$OLD: the whole zone" \
	"$(printf '%s\n' "$out" | sed -n 's/^;; XFR size: \([0-9]*\) records.*/\1/p')" "$NAXFR"
out=$($K -b 127.0.0.1 ixfr=$OLD example.com 2>&1)
t_like "kdig IXFR=$OLD: the zone, as AXFR" "$out" "Received [0-9]+ B \(1 messages?, $NAXFR records\)|$NAXFR records"
t_like "kdig IXFR=$OLD: carries the locator records" "$out" "_ldap\._tcp\.dc\._msdcs\.example\.com\..*SRV"
# The client already current: the SOA alone (RFC 1995 section 2).
SERIAL=$($D +short soa example.com | awk '{print $3}')
out=$($D -b 127.0.0.1 ixfr=$SERIAL example.com)
t_like "IXFR with the current serial over TCP: one SOA" "$out" "XFR size: 1 records"
out=$($D -b 127.0.0.1 +notcp ixfr=$SERIAL example.com)
t_like "UDP IXFR with the current serial: over UDP" "$out" "SERVER: .*\(UDP\)"
t_like "... the SOA is the answer" "$out" "^example\.com\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+SOA[[:space:]]+dc1\.example\.com\. [^ ]+ $SERIAL "
t_is "... and nothing else" "$(printf '%s\n' "$out" | grep -c '[[:space:]]IN[[:space:]]')" 1
out=$($K -b 127.0.0.1 +notcp ixfr=$SERIAL example.com 2>&1)
t_like "kdig UDP IXFR with the current serial: one record over UDP" "$out" "\(1 messages, 1 records\)"
# Behind, over UDP: our SOA alone, which sends the client to TCP.
out=$($K -b 127.0.0.1 +notcp ixfr=$OLD example.com 2>&1)
t_like "kdig UDP IXFR from an old serial: our SOA alone" "$out" "\(1 messages, 1 records\)"
t_like "... the current one" "$out" "SOA[[:space:]]+dc1\.example\.com\. [^ ]+ $SERIAL "
t_ok "minidc dns transfer deny example.com 127.0.0.1" \
	"$MINIDC" dns transfer deny --dir "$H_DIR" example.com 127.0.0.1
t_ok "AXFR from 127.0.0.1 is refused again" t_wait "$H_WAIT" sh -c \
	"$D -b 127.0.0.1 axfr example.com | grep -Eq 'Transfer failed|REFUSED'"
t_is "transfer list: empty again" "$("$MINIDC" dns transfer list --dir "$H_DIR" example.com)" ""
out=$("$MINIDC" dns transfer deny --dir "$H_DIR" example.com 127.0.0.1 2>&1); rc=$?
t_is "transfer deny of an address not listed: exit 1" "$rc:$out" "1:minidc dns: transfer deny 127.0.0.1: not in the zone's list"
# A whole network, e.g. the other DNS servers of a site.
t_ok "minidc dns transfer allow example.com 127.0.0.0/29" \
	"$MINIDC" dns transfer allow --dir "$H_DIR" example.com 127.0.0.0/29
t_ok "AXFR from 127.0.0.3 (inside the /29)" t_wait "$H_WAIT" sh -c \
	"$D -b 127.0.0.3 axfr example.com | grep -q 'XFR size: [0-9]* records'"
out=$($D -b 127.0.0.9 axfr example.com)
t_like "AXFR from 127.0.0.9 (outside the /29) refused" "$out" "Transfer failed|REFUSED"
t_ok "transfer deny 127.0.0.0/29" \
	"$MINIDC" dns transfer deny --dir "$H_DIR" example.com 127.0.0.0/29
# Only those who may write the zone entry change its list (as in AD):
# a user's ldapmodify is refused, the administrator's works.
( umask 077; printf '%s' 'Xq7-Secret-9' > "$H_TMP/bob.pw" )
t_ok "user bob" "$MINIDC" user add bob --password-file "$H_TMP/bob.pw" --dir "$H_DIR"
xfr_ldif() { printf 'dn: idnsName=example.com,cn=dns,%s\nchangetype: modify\nreplace: idnsAllowTransfer\nidnsAllowTransfer: %s\n' "$H_BASE" "$1"; }
out=$(xfr_ldif 'any;' | ldapmodify -x -H "ldaps://$H_ADDR" -D "CN=bob,CN=Users,$H_BASE" -y "$H_TMP/bob.pw" 2>&1)
t_like "bob cannot open the zone to everyone with ldapmodify" "$out" "Insufficient access|\(50\)"
t_is "... the list is unchanged" "$("$MINIDC" dns transfer list --dir "$H_DIR" example.com)" ""
out=$($D -b 127.0.0.5 axfr example.com)
t_like "... and AXFR from 127.0.0.5 is still refused" "$out" "Transfer failed|REFUSED"
out=$(xfr_ldif '127.0.0.5;' | ldapmodify -x -H "ldaps://$H_ADDR" -D "$H_ADMIN_DN" -y "$H_ADMIN_PW_FILE" 2>&1)
t_unlike "Administrator sets idnsAllowTransfer with ldapmodify" "$out" "ldap_modify|error|Insufficient"
t_ok "... AXFR from 127.0.0.5 then works" t_wait "$H_WAIT" sh -c \
	"$D -b 127.0.0.5 axfr example.com | grep -q 'XFR size: [0-9]* records'"
t_ok "transfer deny 127.0.0.5" "$MINIDC" dns transfer deny --dir "$H_DIR" example.com 127.0.0.5

# ---- TCP, pipelining, TC ----
# A big RRset (20 TXT of 60 bytes) written straight into the directory.
{
	printf 'dn: idnsName=big,idnsName=example.com,cn=dns,%s\nchangetype: add\n' "$H_BASE"
	printf 'objectClass: idnsRecord\nidnsName: big\n'
	for i in $(seq 10 29); do
		printf 'tXTRecord: "%s-%s"\n' "$i" "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz01234"
	done
} > "$H_TMP/big.ldif"
t_ok "a 20-record TXT set is added with ldapmodify" \
	ldapmodify -Q -Y EXTERNAL -H "$H_LDAPI" -f "$H_TMP/big.ldif"
t_ok "the big TXT set is served" t_wait "$H_WAIT" sh -c \
	"$D +short txt big.example.com | grep -q 29-abc"
out=$($K +tcp soa example.com)
t_like "kdig over TCP: SOA" "$out" "SOA[[:space:]]+dc1\.example\.com\."
python3 "$top_srcdir/tests/tools/dnsprobe.py" pipeline "$H_ADDR" "$P" > "$H_TMP/pipe.out" 2>&1
t_is "three pipelined TCP queries are all answered in order" "$(cat "$H_TMP/pipe.out")" "ok 3"
python3 "$top_srcdir/tests/tools/dnsprobe.py" tc "$H_ADDR" "$P" > "$H_TMP/tc.out" 2>&1
t_is "an answer over 512 bytes without EDNS has TC=1, and comes whole over TCP" "$(cat "$H_TMP/tc.out")" "ok tc"

# ---- malformed packets ----
python3 "$top_srcdir/tests/tools/dnsprobe.py" bad "$H_ADDR" "$P" > "$H_TMP/bad.out" 2>&1
t_like "QDCOUNT 0 and 2: FORMERR" "$(cat "$H_TMP/bad.out")" "qd0 rcode=1.*qd2 rcode=1"
t_like "truncated question: FORMERR" "$(cat "$H_TMP/bad.out")" "trunc rcode=1"
t_like "a response (QR=1) is dropped" "$(cat "$H_TMP/bad.out")" "qr drop"
t_like "the server still answers after bad packets" "$($D +short soa example.com)" "^dc1\.example\.com\."

# ---- unsigned and HMAC-signed updates ----
printf 'server %s %s\nzone example.com\nupdate add x1.example.com 300 A 10.9.9.9\nsend\n' "$H_ADDR" "$P" > "$H_TMP/u.txt"
out=$(nsupdate "$H_TMP/u.txt" 2>&1)
t_like "unsigned UPDATE: REFUSED" "$out" "REFUSED"
printf 'server %s %s\nzone example.org\nupdate add x1.example.org 300 A 10.9.9.9\nsend\n' "$H_ADDR" "$P" > "$H_TMP/u2.txt"
out=$(nsupdate "$H_TMP/u2.txt" 2>&1)
t_like "unsigned UPDATE of another zone: NOTAUTH" "$out" "NOTAUTH"
printf 'server %s %s\nzone example.com\nkey hmac-sha256:k1 %s\nupdate add x1.example.com 300 A 10.9.9.9\nsend\n' \
	"$H_ADDR" "$P" "$(printf 0123456789abcdef0123456789abcdef | base64)" > "$H_TMP/u3.txt"
out=$(nsupdate "$H_TMP/u3.txt" 2>&1)
t_like "UPDATE signed with an unknown HMAC key: NOTAUTH/BADKEY" "$out" "NOTAUTH|BADKEY|tsig verify failure|expected a TSIG"
t_is "nothing was added by refused updates" "$($D +short a x1.example.com)" ""

# ---- privileges ----
pid=$(pgrep -f "dns-serve --dir $H_DIR" | head -n 1)
t_is "the DNS daemon runs as nobody after binding" "$(ps -o user= -p "$pid" | tr -d ' ')" "nobody"

harness_done
