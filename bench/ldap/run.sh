#!/bin/sh
# bench/ldap/run.sh - LDAP search rate: our DC vs a plain slapd holding the same entries.
# Subtree searches by sAMAccountName over 10,000 users, C connections, both servers in
# the same run, alternating, R rounds each; prints min/median/max and the ratio of medians.
# Usage (as root, after scripts/build release): bench/ldap/run.sh [rounds] [seconds] [conns...]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B="$top/build/release"
MINIDC="$B/dc/minidc"
BENCH="$B/bench/ldap/ldapbench"
ROUNDS=${1:-3}; SECS=${2:-5}; shift 2 2>/dev/null || true
CONNS=${*:-1 4 16}
USERS=10000
A_OURS=127.0.0.61; A_REF=127.0.0.62
T=$(mktemp -d /tmp/minidc-bench-ldap.XXXXXX)
refpid=""
cleanup() {
	"$MINIDC" stop --dir "$T/dc" >/dev/null 2>&1 || true
	[ -n "$refpid" ] && kill "$refpid" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
[ -x "$BENCH" ] || { echo "build first: scripts/build release" >&2; exit 1; }

printf 'Bench-Pass-123' > "$T/pw"; chmod 600 "$T/pw"
"$MINIDC" provision --domain example.com --dir "$T/dc" --host-ip $A_OURS --adminpass-file "$T/pw" >/dev/null
BASE="DC=example,DC=com"
i=0
while [ $i -lt $USERS ]; do
	printf 'dn: CN=user%d,CN=Users,%s\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: user\ncn: user%d\nsAMAccountName: user%d\nuserAccountControl: 512\n\n' $i "$BASE" $i $i
	i=$((i + 1))
done > "$T/users.ldif"
slapadd -q -f "$T/dc/slapd.conf" -b "$BASE" -l "$T/users.ldif"
"$MINIDC" run --dir "$T/dc" >/dev/null

# The reference: plain slapd, same schema, mdb, one index, no overlays, no ACLs.
mkdir -p "$T/ref/db"
sed -n '1,/^pidfile /p' "$T/dc/slapd.conf" | sed '$d' > "$T/ref/slapd.conf"
cat >> "$T/ref/slapd.conf" <<CONF
pidfile $T/ref/slapd.pid
loglevel none
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
suffix "$BASE"
directory $T/ref/db
rootdn "CN=Manager,$BASE"
rootpw Bench-Pass-123
maxsize 4294967296
index objectClass eq
index sAMAccountName eq,sub
CONF
{ printf 'dn: %s\nobjectClass: top\nobjectClass: domain\ndc: example\n\ndn: CN=Users,%s\nobjectClass: container\ncn: Users\n\n' "$BASE" "$BASE"; cat "$T/users.ldif"; } > "$T/ref.ldif"
slapadd -q -f "$T/ref/slapd.conf" -b "$BASE" -l "$T/ref.ldif"
slapd -f "$T/ref/slapd.conf" -h "ldap://$A_REF/" -d 0 >/dev/null 2>&1 &
refpid=$!
for _ in $(seq 50); do ldapsearch -x -H "ldap://$A_REF" -b '' -s base >/dev/null 2>&1 && break; sleep 0.1; done

stats() { sort -n | awk '{a[NR]=$1} END {printf "%d %d %d", a[1], a[int((NR+1)/2)], a[NR]}'; }
echo "LDAP search rate, $USERS users, ${SECS}s per run, $ROUNDS rounds; $(nproc) cores; $(date -u +%F)"
printf '%-6s %-28s %-28s %s\n' conns "minidc (min/median/max)" "plain slapd (min/median/max)" "ratio(median)"
for c in $CONNS; do
	: > "$T/ours.txt"; : > "$T/ref.txt"
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		"$BENCH" -H "ldap://$A_OURS" -D "CN=Administrator,CN=Users,$BASE" -y "$T/pw" -b "$BASE" -n $USERS -c "$c" -t "$SECS" | awk '{print $1}' >> "$T/ours.txt"
		"$BENCH" -H "ldap://$A_REF" -D "CN=Manager,$BASE" -y "$T/pw" -b "$BASE" -n $USERS -c "$c" -t "$SECS" | awk '{print $1}' >> "$T/ref.txt"
		r=$((r + 1))
	done
	o=$(stats < "$T/ours.txt"); f=$(stats < "$T/ref.txt")
	om=$(echo "$o" | awk '{print $2}'); fm=$(echo "$f" | awk '{print $2}')
	printf '%-6s %-28s %-28s %.2f\n' "$c" "$(echo "$o" | tr ' ' /)" "$(echo "$f" | tr ' ' /)" "$(echo "$om $fm" | awk '{print $1/$2}')"
done
