#!/bin/sh
# tests/integration/t_replica.sh - issue 13: a second DC on slapd's own
# multi-provider syncrepl.  Two harness DCs on their own 127.0.0.x; real
# clients (kinit, kpasswd, ldapsearch, ldapmodify, nsupdate -g, dig, adcli,
# minidc-join).  Every "replicated" check polls up to a generous bound.
. "$top_srcdir/tests/harness/harness.sh"
harness_start
harness_start_dc2

J="$top_builddir/join/minidc-join"
BOUND=120
l1() { lds -Q -LLL -Y EXTERNAL -H "$H_LDAPI" -b "$H_BASE" "$@" 2>/dev/null; }
l2() { lds -Q -LLL -Y EXTERNAL -H "$H2_LDAPI" -b "$H_BASE" "$@" 2>/dev/null; }
# wait_for DESC CMD...: an assertion that CMD succeeds within the bound.
wait_for() { _d=$1; shift; t_ok "$_d" t_wait $BOUND "$@"; }
on1() { [ -n "$(l1 "$1" dn)" ]; }
on2() { [ -n "$(l2 "$1" dn)" ]; }
val1() { l1 "$1" "$2" | sed -n "s/^$2:: *//p; s/^$2: //p"; }
val2() { l2 "$1" "$2" | sed -n "s/^$2:: *//p; s/^$2: //p"; }
# Client configurations naming one KDC (and kpasswd) only, or both.
only() { # only ADDR OUT: krb5.conf whose KDC, kpasswd and kadmin are ADDR
	sed -e "/kdc = /d" -e "s/^\(\t*\)\(admin_server\|kpasswd_server\) = [0-9.]*/\1\2 = $1/" \
		-e "s/^\(\t*\)\(admin_server = .*\)$/\1kdc = $1:88\n\1\2/" "$H2_KRB5" > "$2"
}
K1="$H_TMP/krb5-dc1.conf"; only "$H_ADDR" "$K1"
K2="$H_TMP/krb5-dc2.conf"; only "$H2_ADDR" "$K2"
kinit_at() { # kinit_at KRB5CONF PASSWORD NAME
	printf '%s\n' "$2" | KRB5_CONFIG=$1 KRB5CCNAME="FILE:$H_TMP/cc.at" kinit "$3" >/dev/null 2>&1
}
both() { on2 "(sAMAccountName=u1n$1)" && on1 "(sAMAccountName=u2n$1)"; }
sid_of() { # sid_of ldapfn NAME: objectSid, base64
	$1 "(sAMAccountName=$2)" objectSid | sed -n 's/^objectSid:: //p'
}

# ---- the join's results ----
t_is "dc2's stash is 0600" "$(stat -c %a "$H2_DIR/krb5/stash")" 600
t_is "the master key stash is the same on both DCs" \
	"$(md5sum < "$H2_DIR/krb5/stash")" "$(md5sum < "$H_DIR/krb5/stash")"
t_is "dc2's keytab is 0600" "$(stat -c %a "$H2_DIR/krb5/dc.keytab")" 600
t_like "dc2's keytab has DC2\$" "$(klist -k "$H2_DIR/krb5/dc.keytab")" ' DC2\$@EXAMPLE.COM$'
t_is "dc2's DNS keytab is 0600" "$(stat -c %a "$H2_DIR/krb5/dns.keytab")" 600
t_like "... with DNS/dc2 only (the DNS server's own account, dns-dc2)" \
	"$(klist -k "$H2_DIR/krb5/dns.keytab" | awk 'NR>3{print $2}' | sort -u | tr '\n' ' ')" \
	'^DNS/dc2.example.com@EXAMPLE.COM dns/dc2.example.com@EXAMPLE.COM $'
t_like "dc2's krb5.conf lists its own KDC" "$(cat "$H2_KRB5")" "kdc = $H2_ADDR:88"
t_like "... and dc1's" "$(cat "$H2_KRB5")" "kdc = $H_ADDR:88"
e=$(l1 '(sAMAccountName=DC2$)' userAccountControl primaryGroupID mdcRidNext mdcRidPoolEnd)
t_like "DC2\$ exists on dc1 as a DC (SERVER_TRUST | TRUSTED_FOR_DELEGATION)" "$e" "^userAccountControl: 532480$"
t_like "... in Domain Controllers (primaryGroupID 516)" "$e" "^primaryGroupID: 516$"
t_like "... with its own RID pool from the RID master" "$e" "^mdcRidPoolEnd: [0-9]+$"
wait_for "dc1 replicates from dc2 too (its agreements name DC2)" \
	grep -q "^peer [0-9]* DC2 $H2_ADDR " "$H_DIR/replication.conf"
t_ok "the DC keytab of dc2 decrypts a ticket from dc1's KDC" sh -c \
	"KRB5_CONFIG=$K1 KRB5CCNAME=FILE:$H_TMP/cc.adm kinit Administrator < '$H_ADMIN_PW_FILE' &&
	 KRB5_CONFIG=$K1 KRB5CCNAME=FILE:$H_TMP/cc.adm kvno -k '$H2_DIR/krb5/dc.keytab' host/dc2.example.com"

# ---- both directions, both KDCs ----
echo 'Al1ce-Pass-1' | "$MINIDC" user add alice --dir "$H_DIR" > "$H_TMP/alice.out" 2>&1
t_is "minidc user add alice on dc1" "$?" 0
wait_for "alice (added on dc1) gets a TGT from dc2's KDC" kinit_at "$K2" Al1ce-Pass-1 alice
echo 'B0b-Pass-1' | "$MINIDC" user add bob --dir "$H2_DIR" > "$H_TMP/bob.out" 2>&1
t_is "minidc user add bob on dc2" "$?" 0
wait_for "bob (added on dc2) gets a TGT from dc1's KDC" kinit_at "$K1" B0b-Pass-1 bob
printf 'B0b-Pass-1\nB0b-Pass-2\nB0b-Pass-2\n' | KRB5_CONFIG=$K2 KRB5CCNAME="FILE:$H_TMP/cc.kpw" \
	kpasswd bob > "$H_TMP/kpw2.out" 2>&1
t_is "kpasswd bob against dc2's kpasswd" "$?" 0
wait_for "... and dc1's KDC takes the new password" kinit_at "$K1" B0b-Pass-2 bob
printf 'Al1ce-Pass-1\nAl1ce-Pass-2\nAl1ce-Pass-2\n' | KRB5_CONFIG=$K1 KRB5CCNAME="FILE:$H_TMP/cc.kpw" \
	kpasswd alice > "$H_TMP/kpw1.out" 2>&1
t_is "kpasswd alice against dc1's kpasswd" "$?" 0
wait_for "... and dc2's KDC takes the new password" kinit_at "$K2" Al1ce-Pass-2 alice
t_fail "... not the old one" kinit_at "$K2" Al1ce-Pass-1 alice

# ---- RID pools: accounts created at once on each DC get distinct SIDs ----
for i in 1 2 3 4; do
	( echo "Pw-Pass-$i-x" | "$MINIDC" user add "u1n$i" --dir "$H_DIR"; echo "status $?" ) > "$H_TMP/u1n$i.out" 2>&1 &
	( echo "Pw-Pass-$i-y" | "$MINIDC" user add "u2n$i" --dir "$H2_DIR"; echo "status $?" ) > "$H_TMP/u2n$i.out" 2>&1 &
done
wait
for i in 1 2 3 4; do
	t_like "minidc user add u1n$i on dc1 (concurrently)" "$(cat "$H_TMP/u1n$i.out")" "^status 0$"
	t_like "minidc user add u2n$i on dc2 (concurrently)" "$(cat "$H_TMP/u2n$i.out")" "^status 0$"
	wait_for "u1n$i (dc1) and u2n$i (dc2) are on both DCs" both "$i"
done
sids=$(l1 '(|(sAMAccountName=u1n*)(sAMAccountName=u2n*)(sAMAccountName=alice)(sAMAccountName=bob))' objectSid |
	sed -n 's/^objectSid:: //p')
t_is "10 accounts from both DCs: 10 objectSids" "$(printf '%s\n' "$sids" | grep -c .)" 10
t_is "... all distinct" "$(printf '%s\n' "$sids" | sort -u | grep -c .)" 10
t_is "bob's objectSid is the same on both DCs" "$(sid_of l1 bob)" "$(sid_of l2 bob)"

# ---- DNS: both DCs' records; an update on dc2 is answered by dc1 ----
P=${MINIDC_DNS_PORT:-53}
t_is "dig @dc1 dc2.example.com A" "$(dig @"$H_ADDR" -p "$P" +time=2 +tries=1 +short dc2.example.com A)" "$H2_ADDR"
srv=$(dig @"$H_ADDR" -p "$P" +time=2 +tries=1 +short _kerberos._tcp.example.com SRV)
t_like "the KDC SRV records list dc1" "$srv" " dc1\.example\.com\.$"
t_like "... and dc2" "$srv" " dc2\.example\.com\.$"
wait_for "dc2's DNS serves dc1's records" sh -c \
	"dig @$H2_ADDR -p $P +time=2 +tries=1 +short _ldap._tcp.dc._msdcs.example.com SRV | grep -q dc1.example.com"
ADMCC="$H_TMP/admin.cc"
t_ok "kinit Administrator (dc2's KDC)" sh -c \
	"KRB5_CONFIG=$K2 KRB5CCNAME=FILE:$ADMCC kinit Administrator < '$H_ADMIN_PW_FILE'"
printf 'server %s %s\nzone example.com\nupdate add repl1.example.com 300 A 10.9.8.7\nsend\n' \
	"$H2_ADDR" "$P" > "$H_TMP/nsu.txt"
KRB5_CONFIG=$K2 KRB5CCNAME="FILE:$ADMCC" timeout 60 nsupdate -g "$H_TMP/nsu.txt" > "$H_TMP/nsu.out" 2>&1
t_is "nsupdate -g on dc2 adds repl1.example.com" "$?" 0
wait_for "dc1 answers repl1.example.com A" sh -c \
	"dig @$H_ADDR -p $P +time=2 +tries=1 +short repl1.example.com A | grep -qx 10.9.8.7"

# ---- joins through dc2 (adcli, minidc-join) exist on dc1 ----
printf '127.0.0.1 localhost\n' > "$H_TMP/hosts"
printf 'nameserver %s\n' "$H2_ADDR" > "$H_TMP/resolv.conf"
in_ns() {
	timeout 90 unshare -m sh -c "mount --bind '$H_TMP/hosts' /etc/hosts &&
		mount --bind '$H_TMP/resolv.conf' /etc/resolv.conf && exec \"\$@\"" sh "$@"
}
out=$(printf '%s' "$(cat "$H_ADMIN_PW_FILE")" | in_ns adcli join --domain example.com \
	--domain-controller=dc2.example.com -U Administrator --stdin-password \
	-H host3.example.com --host-keytab="$H_TMP/host3.keytab" -v 2>&1)
t_like "adcli join through dc2 creates HOST3\$" "$out" "Created computer account"
wait_for "HOST3\$ (joined through dc2) exists on dc1" on1 '(sAMAccountName=HOST3$)'
out=$(in_ns "$J" join --domain example.com --server "$H2_ADDR" --host-fqdn host4.example.com \
	--keytab "$H_TMP/host4.keytab" --stdin-password --no-dns-update < "$H_ADMIN_PW_FILE" 2>&1)
t_like "minidc-join through dc2 creates HOST4\$" "$out" "created computer account"
wait_for "HOST4\$ (joined through dc2) exists on dc1" on1 '(sAMAccountName=HOST4$)'
t_ok "kinit -k HOST4\$ at dc1's KDC" env KRB5_CONFIG="$K1" KRB5CCNAME="FILE:$H_TMP/cc.h4" \
	kinit -k -t "$H_TMP/host4.keytab" 'HOST4$'

# ---- one change, then minidc status: both DCs in sync ----
mod() { printf 'dn: CN=alice,CN=Users,%s\nchangetype: modify\nreplace: description\ndescription: %s\n' "$H_BASE" "$2" |
	ldapmodify -Q -Y EXTERNAL -H "$1" > /dev/null 2>&1; }
mod "$H_LDAPI" "from-dc1"
desc2_is() { [ "$(val2 '(sAMAccountName=alice)' description)" = "$1" ]; }
wait_for "a description written on dc1 reaches dc2" desc2_is from-dc1
insync() { "$MINIDC" status --dir "$H2_DIR" | grep -q "peer DC1 .* from it in sync .* to it in sync"; }
wait_for "minidc status on dc2: peer DC1 in sync both ways" insync
t_like "... with its contextCSN" "$("$MINIDC" status --dir "$H2_DIR")" "peer DC1 .*contextCSN [0-9]{14}"

# ---- conflicting writes of one attribute on both DCs at once converge ----
# Ten rounds of simultaneous replaces (ldapmodify on each DC); after each,
# both DCs hold the same value, one of the two written (the later write).
same() {
	_a=$(val1 '(sAMAccountName=alice)' description)
	[ -n "$_a" ] && [ "$_a" = "$(val2 '(sAMAccountName=alice)' description)" ]
}
settled() { insync && "$MINIDC" status --dir "$H_DIR" | grep -q "peer DC2 .* from it in sync .* to it in sync" && same; }
conv=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	mod "$H_LDAPI" "r$i-dc1" & p1=$!
	mod "$H2_LDAPI" "r$i-dc2" & p2=$!
	wait "$p1" "$p2"
	# Equal while replication is still moving proves nothing: wait until
	# both DCs report each other in sync, then compare.
	if t_wait "$BOUND" settled && same; then
		case $(val1 '(sAMAccountName=alice)' description) in
		"r$i-dc1" | "r$i-dc2") conv=$((conv + 1)) ;;
		esac
	fi
	echo "# round $i: dc1 $(val1 '(sAMAccountName=alice)' description), dc2 $(val2 '(sAMAccountName=alice)' description)"
done
t_is "10 rounds of conflicting writes: both DCs agree on one written value each time" "$conv" 10

# ---- dc1 stopped: dc2 serves kinit, ldapsearch, joins ----
t_ok "minidc stop dc1" "$MINIDC" stop --dir "$H_DIR"
t_ok "kinit alice with both KDCs in krb5.conf (dc1 down)" kinit_at "$H_DIR/krb5.conf" Al1ce-Pass-2 alice
t_ok "kinit Administrator (dc1 down)" sh -c \
	"KRB5_CONFIG=$H_DIR/krb5.conf KRB5CCNAME=FILE:$ADMCC kinit Administrator < '$H_ADMIN_PW_FILE'"
out=$(KRB5_CONFIG=$H_DIR/krb5.conf KRB5CCNAME="FILE:$ADMCC" ldapsearch -Q -LLL -N -Y GSSAPI -H "ldap://$H2_ADDR" \
	-b "$H_BASE" '(sAMAccountName=bob)' sAMAccountName 2>&1)
t_like "ldapsearch -Y GSSAPI at dc2 (dc1 down)" "$out" "^sAMAccountName: bob$"
echo 'C4rol-Pass-1' | "$MINIDC" user add carol --dir "$H2_DIR" > "$H_TMP/carol.out" 2>&1
t_is "minidc user add carol on dc2 (dc1 down)" "$?" 0
out=$(in_ns "$J" join --domain example.com --server "$H2_ADDR" --host-fqdn host5.example.com \
	--keytab "$H_TMP/host5.keytab" --stdin-password --no-dns-update < "$H_ADMIN_PW_FILE" 2>&1)
t_like "minidc-join through dc2 (dc1 down)" "$out" "created computer account"
mod "$H2_LDAPI" "while-dc1-down"
t_like "minidc status on dc2 says dc1 is unreachable" "$("$MINIDC" status --dir "$H2_DIR")" \
	"peer DC1 .* unreachable, last error: "

# ---- dc1 restarted: it converges ----
"$MINIDC" run --dir "$H_DIR" > "$H_TMP/run-again.out" 2>&1
t_is "minidc run dc1 again" "$?" 0
wait_for "carol (added while dc1 was down) reaches dc1" on1 '(sAMAccountName=carol)'
wait_for "HOST5\$ (joined while dc1 was down) reaches dc1" on1 '(sAMAccountName=HOST5$)'
desc_is() { [ "$(val1 '(sAMAccountName=alice)' description)" = "$1" ]; }
wait_for "the description written while dc1 was down reaches dc1" desc_is while-dc1-down
wait_for "carol gets a TGT from dc1's KDC" kinit_at "$K1" C4rol-Pass-1 carol

# ---- both directories, entry by entry ----
dump() { lds -Q -LLL -Y EXTERNAL -H "$1" -b "$H_BASE" '*' entryUUID entryCSN creatorsName \
	createTimestamp modifiersName modifyTimestamp > "$2" 2>/dev/null; }
equal() { dump "$H_LDAPI" "$H_TMP/dc1.ldif" && dump "$H2_LDAPI" "$H_TMP/dc2.ldif" &&
	python3 "$top_srcdir/tests/tools/dircmp.py" "$H_TMP/dc1.ldif" "$H_TMP/dc2.ldif" > "$H_TMP/dircmp.out"; }
wait_for "dircmp: both directories are equal, entry by entry" equal
t_like "dircmp compared the whole domain" "$(cat "$H_TMP/dircmp.out")" "^[0-9]{2,} entries, equal$"
echo "# $(cat "$H_TMP/dircmp.out")"

# ---- minidc demote dc2: account, records and dc1's agreement go ----
out=$("$MINIDC" demote --dir "$H2_DIR" 2>&1)
t_is "minidc demote dc2" "$?" 0
t_like "... says what it removed" "$out" "dc2.example.com removed from example.com"
t_fail "dc2 is stopped" "$MINIDC" status --dir "$H2_DIR"
noagree() { ! grep -q " DC2 " "$H_DIR/replication.conf"; }
wait_for "dc1 drops its agreement with dc2" noagree
nodc2() { [ -z "$(l1 '(sAMAccountName=DC2$)' dn)" ]; }
t_ok "dc1's directory has no DC2\$" nodc2
noa() { [ -z "$(dig @"$H_ADDR" -p "$P" +time=2 +tries=1 +short dc2.example.com A)" ]; }
wait_for "dig @dc1 dc2.example.com A: nothing" noa
t_unlike "the KDC SRV records no longer list dc2" \
	"$(dig @"$H_ADDR" -p "$P" +time=2 +tries=1 +short _kerberos._tcp.example.com SRV)" "dc2"
t_like "... but still dc1" \
	"$(dig @"$H_ADDR" -p "$P" +time=2 +tries=1 +short _kerberos._tcp.example.com SRV)" " dc1\.example\.com\.$"
g2=$(sed -n 's/^ntds_guid = //p' "$H2_DIR/minidc.conf")
t_like "dc2's NTDS GUID is known" "$g2" "^[0-9a-f-]{36}$"
nocname() { [ -z "$(l1 "(idnsName=$g2._msdcs)" dn)" ]; }
wait_for "dc1 has no entry left for dc2's NTDS GUID CNAME ($g2._msdcs)" nocname
t_ok "kinit alice at dc1 after the demote" kinit_at "$H_DIR/krb5.conf" Al1ce-Pass-2 alice
harness_done
