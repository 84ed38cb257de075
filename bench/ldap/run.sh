#!/bin/sh
# bench/ldap/run.sh - LDAP search and bind rates: our DC vs a plain slapd holding the same
# entries.  Subtree searches by sAMAccountName over USERS users (default 10,000), then
# simple binds as random users (every user has the same SHA-512 crypt userPassword on both
# servers), C connections, both servers in the same run, alternating, R rounds each; prints
# min/median/max and the ratio of medians.  Both servers are reached over StartTLS: the
# DC refuses simple binds without TLS (as Samba's "ldap server require strong auth").
# Also the server's own CPU time per search (from /proc/PID/stat), the figure that ranks
# servers on a loaded 2-core machine; "CPU ratio" is reference/ours (>= 1: we use less).
# Usage (as root, after scripts/build release):
#   [USERS=N] [MODES="search bind"] bench/ldap/run.sh [rounds] [seconds] [conns...]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-$top/build/release}
MINIDC="$B/dc/minidc"
BENCH="$B/bench/ldap/ldapbench"
ROUNDS=${1:-3}; SECS=${2:-5}; shift 2 2>/dev/null || true
CONNS=${*:-1 4 16}
USERS=${USERS:-10000}
MODES=${MODES:-search bind}
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
# One hash for every user on both servers, so a bind costs the same crypt on each.
UPW=$(openssl passwd -6 -salt benchsaltbench Bench-Pass-123)
"$MINIDC" provision --domain example.com --dir "$T/dc" --host-ip $A_OURS --adminpass-file "$T/pw" >/dev/null
BASE="DC=example,DC=com"
i=0
while [ $i -lt $USERS ]; do
	printf 'dn: CN=user%d,CN=Users,%s\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: user\ncn: user%d\nsAMAccountName: user%d\nuserAccountControl: 512\nuserPassword: {CRYPT}%s\n\n' $i "$BASE" $i $i "$UPW"
	i=$((i + 1))
done > "$T/users.ldif"
# slapd.conf names its files relative to DIR/slapd (doc/security.md).
(cd "$T/dc/slapd" && slapadd -q -f slapd.conf -b "$BASE" -l "$T/users.ldif")
chown -R "$(stat -c %u:%g "$T/dc/slapd/db")" "$T/dc/slapd/db"
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
TLSCertificateFile $T/dc/tls/dc.crt
TLSCertificateKeyFile $T/dc/tls/dc.key
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
# The certificate names dc1.example.com and the bench dials addresses: no name check here
# (a benchmark, not a test of TLS; the tests check names through a private /etc/hosts).
export LDAPTLS_REQCERT=never
# bench_one PID URI DN RESULTFILE CPUFILE: one run; appends ops/s and server CPU us/op.
bench_one() {
	c0=$(cputicks "$1")
	out=$("$BENCH" -Z -m "$mode" -H "$2" -D "$3" -y "$T/pw" -b "$BASE" -n $USERS -c "$c" -t "$SECS" 2>&1) || true
	c1=$(cputicks "$1")
	rate=$(echo "$out" | awk '/\/s,/ {print $1}')
	# A run that measured refusals measured nothing: stop with its reason.
	case "$rate" in ''|0) echo "bench/ldap: $mode on $2 failed: $out" >&2; exit 1;; esac
	echo "$rate" >> "$4"
	echo "$c0 $c1 $rate" | awk -v hz="$HZ" -v s="$SECS" '{ printf "%.1f\n", ($2 - $1) / hz * 1e6 / ($3 * s) }' >> "$5"
}
echo "LDAP search and bind rates over StartTLS, $USERS users, ${SECS}s per run, $ROUNDS rounds; $(nproc) cores; $(date -u '+%F %H:%M UTC'); load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-5s %-24s %-24s %-6s %-18s %-18s %s\n' mode conns "minidc ops/s" "plain slapd ops/s" ratio "minidc CPU us/op" "plain CPU us/op" "CPU ratio"
for mode in $MODES; do
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
	printf '%-6s %-5s %-24s %-24s %-6.2f %-18s %-18s %.2f\n' "$mode" "$c" "$(echo "$o" | tr ' ' /)" "$(echo "$f" | tr ' ' /)" \
		"$(echo "$om $fm" | awk '{print $1/$2}')" "$(echo "$oc" | tr ' ' /)" "$(echo "$fc" | tr ' ' /)" \
		"$(echo "$fcm $ocm" | awk '{print $1/$2}')"
done
done
