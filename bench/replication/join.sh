#!/bin/sh
# bench/replication/join.sh - how long a new DC takes to join a big directory.
# usage: bench/replication/join.sh [BUILDDIR [USERS [ROUNDS]]]   (as root)
# A domain on ADDR1 gets USERS users (default 100000), cloned from one
# `minidc user add` user by populate.py and loaded with slapadd while its
# slapd is stopped (an import over LDAP would take most of the run).  Then,
# ROUNDS times (default 3):
#   ours: `minidc provision --join-dc` of dc2 on ADDR2 (account, keytab,
#         agreements and the first full refresh of the directory), timed to
#         its exit; then `minidc run` to ready; then `minidc demote` and a
#         clean directory for the next round;
#   reference: a plain slapd 2.5 consumer on the same schema, no overlays,
#         syncrepl refreshOnly over ldapi as root, timed until its
#         contextCSN equals the provider's.
# Prints each round and min/median/max of both, and their ratio.
set -eu
B=$(cd "${1:-.}" && pwd)
N=${2:-100000}
ROUNDS=${3:-3}
A1=${BENCH_ADDR1:-127.0.0.31}
A2=${BENCH_ADDR2:-127.0.0.32}
S=$(cd "$(dirname "$0")" && pwd)
M="$B/dc/minidc"
BASE="DC=example,DC=com"
T=$(mktemp -d /tmp/joinbench.XXXXXX)
chmod 700 "$T"
cleanup() {
	[ -f "$T/ref/slapd.pid" ] && kill "$(cat "$T/ref/slapd.pid")" 2>/dev/null || true
	for d in dc2 dc1; do "$M" stop --dir "$T/$d" >/dev/null 2>&1 || true; done
	rm -rf "$T"
}
trap cleanup EXIT
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }
uri() { printf 'ldapi://%s' "$(printf '%s' "$1" | sed 's|/|%2F|g')"; }
count() { ldapsearch -Q -LLL -Y EXTERNAL -H "$1" -b "$BASE" -z 0 1.1 2>/dev/null | grep -c '^dn:' || true; }
csn() { ldapsearch -Q -LLL -Y EXTERNAL -H "$1" -b "$BASE" -s base contextCSN 2>/dev/null | grep '^contextCSN' | sort | tr '\n' ' '; }

( umask 077; printf '%s' 'Bench-Pass-1' > "$T/admin.pw" )
"$M" provision --domain example.com --dir "$T/dc1" --host-ip "$A1" \
	--adminpass-file "$T/admin.pw" >/dev/null
"$M" run --dir "$T/dc1" >/dev/null
echo 'Bench-User-1' | "$M" user add tmpl --dir "$T/dc1" >/dev/null
"$M" stop --dir "$T/dc1" >/dev/null
# slapd.conf names its files relative to DIR/slapd (doc/security.md).
(cd "$T/dc1/slapd" && slapcat -f slapd.conf -b "$BASE" -a '(sAMAccountName=tmpl)' -o ldif-wrap=no) \
	>"$T/tmpl.ldif" 2>/dev/null
python3 "$S/populate.py" "$T/tmpl.ldif" "$N" 900000 >"$T/users.ldif"
t=$(now)
(cd "$T/dc1/slapd" && slapadd -q -f slapd.conf -b "$BASE" -l "$T/users.ldif") 2>/dev/null
chown -R "$(stat -c %u:%g "$T/dc1/slapd/db")" "$T/dc1/slapd/db"
echo "slapadd of $N users: $(since "$t") s"
rm -f "$T/users.ldif"
"$M" run --dir "$T/dc1" >/dev/null
U1=$(uri "$T/dc1/run/ldap/ldapi")
entries=$(count "$U1")
echo "dc1 holds $entries entries"

# The reference consumer: dc1's schema, back-mdb, the same indexes.
mkdir -p "$T/ref/db" "$T/ref/run"
awk '/^[ \t]/ { if (k) print; next }
     { k = ($1 ~ /^(attributetype|attributeType|objectclass|objectClass|objectidentifier|ldapsyntax)$/); if (k) print }' \
	"$T/dc1/slapd/slapd.conf" >"$T/ref/schema.conf"
ref_conf() {
	cat <<CONF
include $T/ref/schema.conf
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile $T/ref/slapd.pid
database mdb
suffix "$BASE"
directory $T/ref/db
rootdn "gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth"
maxsize 4294967296
$(grep '^index ' "$T/dc1/slapd/slapd.conf")
syncrepl rid=001 provider=$U1 type=refreshOnly interval=00:00:10:00
  searchbase="$BASE" bindmethod=sasl saslmech=EXTERNAL schemachecking=off
CONF
}
ref_conf >"$T/ref/slapd.conf"
UR=$(uri "$T/ref/run/ldapi")

# dc1 restarts its slapd when an agreement comes or goes: wait for the
# change to show in its replication.conf and for slapd to answer again.
settle() {
	i=0
	while [ $i -lt 600 ]; do
		if grep -q ' DC2 ' "$T/dc1/replication.conf" 2>/dev/null; then has=1; else has=0; fi
		[ "$has" = "$1" ] && [ -n "$(csn "$U1")" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	sleep 3
	[ -n "$(csn "$U1")" ] || { echo "join.sh: dc1 does not answer" >&2; exit 1; }
}
ours=""
refs=""
r=1
while [ "$r" -le "$ROUNDS" ]; do
	t=$(now)
	"$M" provision --join-dc dc1.example.com --join-dc-ip "$A1" --domain example.com \
		-U Administrator --password-file "$T/admin.pw" --dir "$T/dc2" --host-name dc2 \
		--host-ip "$A2" >/dev/null
	j=$(since "$t")
	"$M" run --dir "$T/dc2" >/dev/null
	jr=$(since "$t")
	settle 1
	# dc1 restarts its slapd once it sees the new agreement: count when
	# dc2 answers again (bounded: a count short of dc1's is printed).
	i=0
	got=$(count "$(uri "$T/dc2/run/ldap/ldapi")")
	while [ "$got" -lt "$entries" ] && [ $i -lt 60 ]; do
		sleep 1
		i=$((i + 1))
		got=$(count "$(uri "$T/dc2/run/ldap/ldapi")")
	done
	"$M" demote --dir "$T/dc2" >/dev/null
	"$M" stop --dir "$T/dc2" >/dev/null 2>&1 || true
	rm -rf "$T/dc2"
	settle 0
	rm -rf "$T/ref/db" && mkdir "$T/ref/db"
	t=$(now)
	slapd -f "$T/ref/slapd.conf" -h "$UR"
	want=$(csn "$U1")
	until [ "$(csn "$UR")" = "$want" ]; do sleep 0.2; done
	rf=$(since "$t")
	rgot=$(count "$UR")
	kill "$(cat "$T/ref/slapd.pid")"
	while [ -f "$T/ref/slapd.pid" ]; do sleep 0.1; done
	printf 'round %d: ours provision --join-dc %.1f s (to ready %.1f s, %d entries); plain slapd refresh %.1f s (%d entries)\n' \
		"$r" "$j" "$jr" "$got" "$rf" "$rgot"
	ours="$ours $j"
	refs="$refs $rf"
	r=$((r + 1))
done
stat3() { printf '%s\n' $1 | sort -n | awk '{a[NR]=$1} END {printf "%.1f/%.1f/%.1f", a[1], a[int((NR+1)/2)], a[NR]}'; }
med() { printf '%s\n' $1 | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "users $N: ours join s min/median/max $(stat3 "$ours"); plain slapd refresh $(stat3 "$refs"); ratio (median) $(echo "scale=2; $(med "$ours") / $(med "$refs")" | bc)"
