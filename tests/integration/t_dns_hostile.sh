#!/bin/sh
# tests/integration/t_dns_hostile.sh - issue 11, items 10 and 12 (DNS half):
# hostile clients.  A GSS-TSIG client (tests/tools/gsstsig.py: dnspython and
# python-gssapi with a real ticket) replays a signed update and floods the
# TKEY table; raw python sockets hold TCP connections open byte by byte and
# pipeline queries without reading.  Each time the server refuses the
# attack and the legitimate client (nsupdate -g, dig +tcp) still works.
. "$top_srcdir/tests/harness/harness.sh"
harness_start

P=${MINIDC_DNS_PORT:-53}
PY=/usr/bin/python3 # Debian's, with python3-gssapi and python3-dnspython
G="$top_srcdir/tests/tools/gsstsig.py"
D="dig @$H_ADDR -p $P +time=2 +tries=1"
has() { $D +short "$2" "$1" | grep -q -- "$3"; }
lacks() { ! $D +short "$2" "$1" | grep -q -- "$3"; }
log_has() { grep -q -- "$1" "$H_DIR/log/minidc.log"; }
mkuser() {
	( umask 077; printf 'Pw-Secret-42' > "$H_TMP/$1.pw" )
	"$MINIDC" user add "$1" --dir "$H_DIR" --password-file "$H_TMP/$1.pw" > /dev/null &&
		KRB5CCNAME="FILE:$H_TMP/$1.cc" kinit "$1" < "$H_TMP/$1.pw" > /dev/null
}
upd() { # WHO: nsupdate -g, update lines on stdin
	{ printf 'server %s %s\nzone example.com\n' "$H_ADDR" "$P"; cat; printf 'send\n'; } > "$H_TMP/nsu.txt"
	KRB5CCNAME="FILE:$H_TMP/$1.cc" timeout 30 nsupdate -g "$H_TMP/nsu.txt" 2>&1
}
t_ok "kinit Administrator" sh -c "KRB5CCNAME=FILE:$H_TMP/adm.cc kinit Administrator < '$H_ADMIN_PW_FILE'"
for u in bob eve; do t_ok "user $u, kinit" mkuser "$u"; done
# Users may create names here, so that the attackers' updates would land.
t_ok "the zone lets users create names" sh -c "printf 'dn: idnsName=example.com,cn=dns,%s\nchangetype: modify\nreplace: idnsAllowDynUpdate\nidnsAllowDynUpdate: TRUE\n' '$H_BASE' |
	ldapmodify -Q -Y EXTERNAL -H '$H_LDAPI'"

# ---- item 7: the DNS server holds only DNS/ keys ----
t_ok "a TKEY with a ticket for DNS/dc1.example.com makes a key" \
	$PY "$G" tkey "$H_ADDR" "$P" "$H_TMP/eve.cc" DNS@dc1.example.com
t_fail "... one for host/dc1.example.com does not (the DC's key, not the server's)" \
	$PY "$G" tkey "$H_ADDR" "$P" "$H_TMP/eve.cc" host@dc1.example.com
t_fail "... nor one for ldap/dc1.example.com" \
	$PY "$G" tkey "$H_ADDR" "$P" "$H_TMP/eve.cc" ldap@dc1.example.com
t_ok "... and the log says why" log_has "TKEY refused: "

# ---- item 12: a replayed signed update ----
out=$($PY "$G" replay "$H_ADDR" "$P" "$H_TMP/eve.cc" replay1.example.com. 2>&1)
t_like "eve's signed update is accepted once" "$out" "^first NOERROR$"
t_like "... the very same bytes again are refused (NOTAUTH)" "$out" "^replay NOTAUTH$"
t_ok "... and the log says why" log_has "TSIG refused for eve@EXAMPLE.COM: a replayed message"
t_ok "replay1 exists (from the first)" t_wait 10 has replay1.example.com A 10.0.0.61

# ---- item 12: one principal cannot evict the others' TKEY contexts ----
out=$($PY "$G" evict "$H_ADDR" "$P" "$H_TMP/bob.cc" "$H_TMP/eve.cc" 200 victim.example.com. 2>&1)
t_like "bob's first update with his key" "$out" "^victim-before NOERROR$"
t_like "eve makes 200 keys (more than the table holds)" "$out" "^attacker-keys 200$"
t_like "bob's key still works afterwards" "$out" "^victim-after NOERROR$"
t_ok "... his second update is served" t_wait 10 has victim.example.com A 10.0.0.63
t_unlike "nsupdate -g as Administrator still works" "$(upd adm <<NSU
update add after-flood.example.com 600 A 10.0.0.64
NSU
)" "REFUSED|failed|NOTAUTH"
t_ok "... served" t_wait 10 has after-flood.example.com A 10.0.0.64

# ---- item 10: DNS over TCP against hostile clients ----
# The attackers come from 127.0.0.1; the legitimate dig from the DC's own
# address (another client as far as the server can tell).
H="$top_srcdir/tests/tools/tcphostile.py"
DT="dig @$H_ADDR -p $P -b $H_ADDR +tcp +time=5 +tries=1 +short"
digs_ok() { # five dig +tcp in a row, each answered
	for _i in 1 2 3 4 5; do
		[ "$($DT a dc1.example.com)" = "$H_ADDR" ] || return 1
		sleep 1
	done
}
t_is "dig +tcp answers" "$($DT a dc1.example.com)" "$H_ADDR"
python3 "$H" slowloris "$H_ADDR" "$P" 300 16 2 > "$H_TMP/slow.out" 2>&1 &
apid=$!
sleep 3
t_ok "dig +tcp answers while 300 connections send one byte every 2 s" digs_ok
wait $apid
out=$(cat "$H_TMP/slow.out")
t_like "the slow connections were opened" "$out" "^opened [0-9]+"
n=$(sed -n 's/^closed_by_server //p' "$H_TMP/slow.out")
t_ok "the server closed each of them (a message must arrive whole): $n" test "${n:-0}" -ge 300
python3 "$H" noread "$H_ADDR" "$P" 4 16 > "$H_TMP/noread.out" 2>&1 &
apid=$!
sleep 2
t_ok "dig +tcp answers while 4 clients pipeline queries and never read" digs_ok
wait $apid
t_like "the server closed the 4 clients that never read" "$(cat "$H_TMP/noread.out")" "^closed_by_server 4$"
t_is "dig +tcp still answers afterwards" "$($DT a dc1.example.com)" "$H_ADDR"
t_like "dig over UDP too" "$($D +short a dc1.example.com)" "^$H_ADDR$"
harness_done
