#!/bin/sh
# bench/write/run.sh - LDAP add rate: our DC (every add through the dsa; with
# unicodePwd the dsa derives and stores the Kerberos keys) vs a plain slapd
# holding the same schema, without and with unicodePwd, 1 and 4 connections,
# both servers in the same run, alternating, R rounds of N adds each; prints
# min/median/max adds/s and the ratios.  Then the time to import I users with
# passwords over 4 connections, extrapolated to 100,000 when I is smaller.
# Both servers over LDAPS (unicodePwd needs an encrypted connection).  Also our
# slapd+dsa CPU per add (from /proc/PID/stat), which a shared machine disturbs less.
# Usage (as root, after scripts/build release): bench/write/run.sh [rounds] [adds] [import]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B="$top/build/release"
MINIDC="$B/dc/minidc"
BENCH="$B/bench/write/writebench"
ROUNDS=${1:-3}; ADDS=${2:-300}; IMPORT=${3:-10000}
CONNS="1 4"
A_OURS=127.0.0.63; A_REF=127.0.0.64
T=$(mktemp -d /tmp/minidc-bench-write.XXXXXX)
refpid=""
cleanup() {
	"$MINIDC" stop --dir "$T/dc" >/dev/null 2>&1 || true
	[ -n "$refpid" ] && kill "$refpid" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
[ -x "$BENCH" ] || { echo "build first: scripts/build release" >&2; exit 1; }
export LDAPTLS_REQCERT=never

printf 'Bench-Pass-123' > "$T/pw"; chmod 600 "$T/pw"
"$MINIDC" provision --domain example.com --dir "$T/dc" --host-ip $A_OURS --adminpass-file "$T/pw" >/dev/null
BASE="DC=example,DC=com"
"$MINIDC" run --dir "$T/dc" >/dev/null

# The reference: plain slapd, the DC's schema, mdb, the DC's TLS key, no
# overlays, no ACLs, no dsa.
mkdir -p "$T/ref/db"
sed -n '1,/^pidfile /p' "$T/dc/slapd/slapd.conf" | sed '$d' > "$T/ref/slapd.conf"
cat >> "$T/ref/slapd.conf" <<CONF
pidfile $T/ref/slapd.pid
loglevel none
TLSCertificateFile $T/dc/tls/dc.crt
TLSCertificateKeyFile $T/dc/tls/dc.key
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
suffix "$BASE"
directory $T/ref/db
rootdn "CN=Manager,$BASE"
rootpw Bench-Pass-123
maxsize 4294967296
index objectClass eq
index sAMAccountName eq
CONF
printf 'dn: %s\nobjectClass: top\nobjectClass: domain\ndc: example\n\ndn: CN=Users,%s\nobjectClass: container\ncn: Users\n\n' "$BASE" "$BASE" > "$T/ref.ldif"
slapadd -q -f "$T/ref/slapd.conf" -b "$BASE" -l "$T/ref.ldif"
setsid slapd -f "$T/ref/slapd.conf" -h "ldaps://$A_REF/" -d 0 >/dev/null 2>&1 &
refpid=$!
for _ in $(seq 50); do ldapsearch -x -H "ldaps://$A_REF" -b '' -s base >/dev/null 2>&1 && break; sleep 0.1; done

OURS="-H ldaps://$A_OURS -D CN=Administrator,CN=Users,$BASE"
REF="-H ldaps://$A_REF -D CN=Manager,$BASE"
HZ=$(getconf CLK_TCK)
# CPU ticks (user+system) slapd and the dsa have used so far.
status() { "$MINIDC" status --dir "$T/dc"; }
SLAPD=$(status | awk '$1 == "slapd" { print $3 }')
cputicks() { d=$(status | awk '$1 == "dsa" { print $3 }'); awk '{s += $14 + $15} END {print s}' "/proc/$SLAPD/stat" "/proc/$d/stat"; }
stats() { sort -g | awk '{a[NR]=$1} END {printf "%.1f %.1f %.1f", a[1], a[int((NR+1)/2)], a[NR]}'; }
med() { echo "$1" | awk '{print $2}'; }
# add SERVER PREFIX CONNS [-P]: N adds, prints adds/s.
add() {
	srv=$1 pfx=$2 c=$3; shift 3
	# shellcheck disable=SC2086
	"$BENCH" $srv -y "$T/pw" -b "CN=Users,$BASE" -n "$ADDS" -c "$c" -p "$pfx" "$@" |
		awk '{print $1}'
}
# ours CPUFILE PREFIX CONNS [-P]: add on our DC; appends slapd+dsa CPU ms per add.
ours() {
	f=$1; shift
	c0=$(cputicks)
	add "$OURS" "$@"
	c1=$(cputicks)
	echo "$c0 $c1" | awk -v hz="$HZ" -v n="$ADDS" '{ printf "%.2f\n", ($2 - $1) / hz * 1000 / n }' >> "$f"
}
echo "LDAP add rate, $ADDS adds per run, $ROUNDS rounds; $(nproc) cores; $(date -u '+%F %H:%M UTC'); load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-22s %-22s %-22s %-22s %-8s %-8s %-8s %s\n' conns "minidc adds/s" "minidc +pwd adds/s" \
	"slapd adds/s" "slapd +pwd adds/s" "ours/ref" "+pwd o/r" "+pwd/no" "minidc CPU ms/add (slapd+dsa) no pwd / +pwd"
for c in $CONNS; do
	for f in on op rn rp onc opc; do : > "$T/$f.txt"; done
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		ours "$T/onc.txt" "n${r}c${c}x" "$c" >> "$T/on.txt"
		ours "$T/opc.txt" "p${r}c${c}x" "$c" -P >> "$T/op.txt"
		add "$REF" "n${r}c${c}x" "$c" >> "$T/rn.txt"
		add "$REF" "p${r}c${c}x" "$c" -P >> "$T/rp.txt"
		r=$((r + 1))
	done
	on=$(stats < "$T/on.txt"); op=$(stats < "$T/op.txt")
	rn=$(stats < "$T/rn.txt"); rp=$(stats < "$T/rp.txt")
	printf '%-6s %-22s %-22s %-22s %-22s %-8.3f %-8.3f %-8.2f %s / %s\n' "$c" \
		"$(echo "$on" | tr ' ' /)" "$(echo "$op" | tr ' ' /)" \
		"$(echo "$rn" | tr ' ' /)" "$(echo "$rp" | tr ' ' /)" \
		"$(echo "$(med "$on") $(med "$rn")" | awk '{print $1/$2}')" \
		"$(echo "$(med "$op") $(med "$rp")" | awk '{print $1/$2}')" \
		"$(echo "$(med "$op") $(med "$on")" | awk '{print $1/$2}')" \
		"$(stats < "$T/onc.txt" | tr ' ' /)" "$(stats < "$T/opc.txt" | tr ' ' /)"
done

# The import: IMPORT users with passwords, 4 connections, into the DC.
out=$("$BENCH" $OURS -y "$T/pw" -b "CN=Users,$BASE" -n "$IMPORT" -c 4 -p imp -P)
secs=$(echo "$out" | awk '{print $6}')
echo "import: $IMPORT users with unicodePwd over 4 connections: $out"
echo "$secs $IMPORT" | awk '{printf "... 100,000 users: %.0f s (%.1f min)%s\n", $1 * 100000 / $2, $1 * 100000 / $2 / 60, ($2 < 100000 ? ", extrapolated linearly" : "")}'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
