#!/bin/sh
# bench/ldap/run.sh - LDAP search rate: our DC vs a plain slapd holding the same entries.
# Subtree searches by sAMAccountName over 10,000 users, C connections, both servers in
# the same run, alternating, R rounds each; prints min/median/max and the ratio of medians.
# Also the server's own CPU time per search (from /proc/PID/stat), the figure that ranks
# servers on a loaded 2-core machine; "CPU ratio" is reference/ours (>= 1: we use less).
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
# slapd.conf names its files relative to DIR/slapd (doc/security.md).
(cd "$T/dc/slapd" && slapadd -q -f slapd.conf -b "$BASE" -l "$T/users.ldif")
"$MINIDC" run --dir "$T/dc" >/dev/null

# The reference: plain slapd, same schema, mdb, one index, no overlays, no ACLs.
mkdir -p "$T/ref/db"
sed -n '1,/^pidfile /p' "$T/dc/slapd/slapd.conf" | sed '$d' > "$T/ref/slapd.conf"
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
# In its own session, like the supervised DC: with autogroup scheduling a
# server sharing the load generator's session gets a different CPU share.
setsid slapd -f "$T/ref/slapd.conf" -h "ldap://$A_REF/" -d 0 >/dev/null 2>&1 &
refpid=$!
for _ in $(seq 50); do ldapsearch -x -H "ldap://$A_REF" -b '' -s base >/dev/null 2>&1 && break; sleep 0.1; done

stats() { sort -n | awk '{a[NR]=$1} END {printf "%d %d %d", a[1], a[int((NR+1)/2)], a[NR]}'; }
statsf() { sort -g | awk '{a[NR]=$1} END {printf "%.1f %.1f %.1f", a[1], a[int((NR+1)/2)], a[NR]}'; }
# CPU ticks (user+system) a process has used so far.
cputicks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
ourpid=$("$MINIDC" status --dir "$T/dc" | awk '$1 == "slapd" { print $3 }')
# bench_one PID URI DN RESULTFILE CPUFILE: one run; appends searches/s and server CPU us/search.
bench_one() {
	c0=$(cputicks "$1")
	rate=$("$BENCH" -H "$2" -D "$3" -y "$T/pw" -b "$BASE" -n $USERS -c "$c" -t "$SECS" | awk '{print $1}')
	c1=$(cputicks "$1")
	echo "$rate" >> "$4"
	echo "$c0 $c1 $rate" | awk -v hz="$HZ" -v s="$SECS" '{ printf "%.1f\n", ($2 - $1) / hz * 1e6 / ($3 * s) }' >> "$5"
}
echo "LDAP search rate, $USERS users, ${SECS}s per run, $ROUNDS rounds; $(nproc) cores; $(date -u +%F)"
printf '%-6s %-24s %-24s %-6s %-20s %-20s %s\n' conns "minidc searches/s" "plain slapd searches/s" ratio "minidc CPU us/search" "plain CPU us/search" "CPU ratio"
for c in $CONNS; do
	: > "$T/ours.txt"; : > "$T/ref.txt"; : > "$T/ourscpu.txt"; : > "$T/refcpu.txt"
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		bench_one "$ourpid" "ldap://$A_OURS" "CN=Administrator,CN=Users,$BASE" "$T/ours.txt" "$T/ourscpu.txt"
		bench_one "$refpid" "ldap://$A_REF" "CN=Manager,$BASE" "$T/ref.txt" "$T/refcpu.txt"
		r=$((r + 1))
	done
	o=$(stats < "$T/ours.txt"); f=$(stats < "$T/ref.txt")
	oc=$(statsf < "$T/ourscpu.txt"); fc=$(statsf < "$T/refcpu.txt")
	om=$(echo "$o" | awk '{print $2}'); fm=$(echo "$f" | awk '{print $2}')
	ocm=$(echo "$oc" | awk '{print $2}'); fcm=$(echo "$fc" | awk '{print $2}')
	printf '%-6s %-24s %-24s %-6.2f %-20s %-20s %.2f\n' "$c" "$(echo "$o" | tr ' ' /)" "$(echo "$f" | tr ' ' /)" \
		"$(echo "$om $fm" | awk '{print $1/$2}')" "$(echo "$oc" | tr ' ' /)" "$(echo "$fc" | tr ' ' /)" \
		"$(echo "$fcm $ocm" | awk '{print $1/$2}')"
done
