#!/bin/sh
# tests/integration/t_dns_big.sh - issue 8: records too big for a DNS message.
# The shape of the report (a 183-character owner, a TXT of 257 strings of 254
# bytes: 65535 bytes of RDATA) used to kill the DNS server on `dig AXFR`
# (heap overflow).  Now: ldapmodify as the domain admin is refused with a
# clear error, nsupdate -g gets REFUSED for a set that would not fit; the
# same record stored behind the dsa's back (ldapi as the DC
# identity, as an older directory may hold it) is left out of the zone with a
# log line; a record just under the limit is stored and transferred in a
# message of its own; the server answers throughout and is never restarted.
. "$top_srcdir/tests/harness/harness.sh"
harness_start

P=${MINIDC_DNS_PORT:-53}
D="dig @$H_ADDR -p $P +time=10 +tries=1"
ZDN="idnsName=example.com,cn=dns,$H_BASE"
LOG="$H_DIR/log/minidc.log"
L63a=$(printf '%063d' 0 | tr 0 a)
L63b=$(printf '%063d' 0 | tr 0 b)
L43c=$(printf '%043d' 0 | tr 0 c)
L43d=$(printf '%043d' 0 | tr 0 d)
L43e=$(printf '%043d' 0 | tr 0 e)
BIG="$L63a.$L63b.$L43c"   # + .example.com: 183 characters
OLD="$L63a.$L63b.$L43d"   # the one an old directory holds
NEAR="$L63a.$L63b.$L43e"  # just under the limit
t_is "the owner name has 183 characters" "$(printf '%s' "$BIG.example.com" | wc -c)" 183
W=$(printf '%0254d' 0 | tr 0 x)
# txt N: a TXT value of N unquoted strings of 254 bytes (N * 255 bytes of RDATA)
txt() { _i=0; _v=$W; while [ $((_i += 1)) -lt "$1" ]; do _v="$_v $W"; done; printf '%s' "$_v"; }
# record NAME N: LDIF adding NAME with that TXT
record() {
	printf 'dn: idnsName=%s,%s\nchangetype: add\nobjectClass: idnsRecord\nidnsName: %s\ntXTRecord: %s\n' \
		"$1" "$ZDN" "$1" "$(txt "$2")"
}
admin() { ldapmodify -x -H "ldaps://$H_ADDR" -D "$H_ADMIN_DN" -y "$H_ADMIN_PW_FILE" 2>&1; }
exists() {
	ldapsearch -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "idnsName=$1,$ZDN" -s base dn 2>/dev/null | grep -q '^dn:'
}
dns_pid() { pgrep -f "minidc dns-serve --dir $H_DIR\$" | head -n 1; }
t_wait "$H_WAIT" sh -c "$D +short soa example.com | grep -q dc1"
PID0=$(dns_pid)
t_like "the DNS server runs" "$PID0" "^[0-9]+$"

# ---- storage refuses what no DNS message can carry ----
out=$(record "$BIG" 257 | admin)
t_like "ldapmodify as the admin: the 65535-byte TXT is refused" "$out" "Constraint violation"
t_like "with a clear reason" "$out" "DNS record refused: $BIG\.example\.com\. TXT: a record of 65535 bytes of data does not fit a DNS message"
t_fail "nothing was stored" exists "$BIG"
out=$(record "$NEAR" 255 | admin)
t_unlike "ldapmodify as the admin: a 65025-byte TXT is stored" "$out" "ldap_add|error|violation"
t_ok "it is in the directory" exists "$NEAR"
out=$(printf 'dn: idnsName=%s,%s\nchangetype: modify\nadd: tXTRecord\ntXTRecord: %s\n' "$NEAR" "$ZDN" "$(txt 2)" | admin)
t_like "a second TXT at that name is refused (the set would not fit)" "$out" "DNS record refused: .* TXT: the records of this type"

# ---- DNS UPDATE refuses what would not fit too (nsupdate -g as the admin) ----
t_ok "kinit Administrator" sh -c "kinit Administrator < '$H_ADMIN_PW_FILE'"
printf 'server %s %s\nzone example.com\nupdate add %s.example.com 900 TXT %s\nsend\n' \
	"$H_ADDR" "$P" "$NEAR" "$(txt 2)" > "$H_TMP/nsu.txt"
out=$(timeout 60 nsupdate -g "$H_TMP/nsu.txt" 2>&1)
t_like "nsupdate -g: a second TXT next to the 65025-byte one is REFUSED" "$out" "update failed: REFUSED"
t_ok "the DNS server logs why" t_wait "$H_WAIT" grep -q \
	"UPDATE by Administrator@EXAMPLE.COM: REFUSED: $NEAR\.example\.com\. TXT: the records of this type" "$LOG"
t_is "the directory still holds one TXT there" "$(ldapsearch -LLL -Q -Y EXTERNAL -H "$H_LDAPI" \
	-b "idnsName=$NEAR,$ZDN" -s base tXTRecord | grep -c '^tXTRecord')" 1

# ---- an oversized record already in the directory ----
record "$OLD" 257 > "$H_TMP/old.ldif"
t_ok "the DC identity stores the 65535-byte TXT bypassing the dsa" \
	ldapmodify -Q -Y EXTERNAL -H "$H_LDAPI" -f "$H_TMP/old.ldif"
t_ok "the record just under the limit is answered (TCP)" t_wait "$H_WAIT" sh -c \
	"$D +tcp txt $NEAR.example.com | grep -q 'ANSWER: 1,'"
t_ok "the zone loader logs the record it does not serve" t_wait "$H_WAIT" \
	grep -q "idnsName=$OLD,.*1 record(s) not served: $OLD\.example\.com\. TXT: a record of 65535 bytes" "$LOG"
out=$($D txt "$OLD.example.com")
t_like "the oversized record is not answered" "$out" "status: NOERROR.*ANSWER: 0,|ANSWER: 0,"

# ---- dig AXFR: every record, several messages, the server keeps running ----
# Transfers are refused until the zone allows the peer (as in AD).
t_ok "minidc dns transfer allow example.com 127.0.0.1" \
	"$MINIDC" dns transfer allow --dir "$H_DIR" example.com 127.0.0.1
t_ok "the transfer is allowed once the zone is reloaded" t_wait "$H_WAIT" sh -c \
	"$D -b 127.0.0.1 axfr example.com | grep -q 'XFR size'"
for i in 1 2 3; do
	$D -b 127.0.0.1 axfr example.com > "$H_TMP/axfr$i.out" 2>&1
	t_like "AXFR $i succeeds" "$(tail -n 5 "$H_TMP/axfr$i.out")" "XFR size: [0-9]+ records \(messages [2-9]"
done
out=$(cat "$H_TMP/axfr1.out")
t_is "AXFR: the SOA opens and closes it" "$(grep -c '^example\.com\..*IN[[:space:]]*SOA' "$H_TMP/axfr1.out")" 2
t_like "AXFR carries the 65025-byte TXT" "$out" "^$NEAR\.example\.com\..*IN[[:space:]]+TXT"
t_unlike "AXFR leaves out the record no message can carry" "$out" "^$OLD\.example\.com\."
# Every record the directory holds in this zone, except that one (minidc dns
# list reads the directory, every zone, the SOA once; the transfer has it
# twice; provisioning also made a reverse zone, which is not transferred).
"$MINIDC" dns list --dir "$H_DIR" > "$H_TMP/list.out" 2>&1
nlist=$(grep -v "^$OLD\.example\.com\." "$H_TMP/list.out" | grep -c '^\([^[:space:]]*\.\)\{0,1\}example\.com\.[[:space:]]')
nxfr=$(sed -n 's/^;; XFR size: \([0-9]*\) records.*/\1/p' "$H_TMP/axfr1.out")
t_is "AXFR: every record of the zone (minidc dns list + the closing SOA)" "$nxfr" "$((nlist + 1))"
# The entry that holds it accepts only a change that removes it.
out=$(printf 'dn: idnsName=%s,%s\nchangetype: modify\nreplace: dNSTTL\ndNSTTL: 300\n' "$OLD" "$ZDN" | admin)
t_like "the admin's change that keeps the oversized record is refused" "$out" "DNS record refused: $OLD\.example\.com\. TXT: a record of 65535"
out=$(printf 'dn: idnsName=%s,%s\nchangetype: modify\ndelete: tXTRecord\n' "$OLD" "$ZDN" | admin)
t_unlike "the admin may remove the oversized record" "$out" "ldap_modify|error|violation"
t_is "it is gone from the directory" "$(ldapsearch -LLL -Q -Y EXTERNAL -H "$H_LDAPI" \
	-b "idnsName=$OLD,$ZDN" -s base tXTRecord | grep -c '^tXTRecord')" 0
t_like "the server still answers" "$($D +short soa example.com)" "^dc1\.example\.com\."
t_is "the DNS server was never restarted" "$(dns_pid)" "$PID0"
t_unlike "no DNS server exit in the log" "$(cat "$LOG")" "dns: pid [0-9]+ (killed|exited)"

harness_done
