#!/bin/sh
# bench/replication/run.sh - replication lag between two DCs under a stream
# of writes (default 100/s for 20 s): a domain on ADDR1, a second DC joined
# with provision --join-dc on ADDR2, then bench/replication/lag.py.
# Before the lag: the add rate (bench/write/writebench, BENCH_ADDS adds over
# 4 connections, 3 rounds) of dc1 alone, then of dc1 and of dc2 while they
# replicate to each other.  The time to join a big directory: join.sh.
# usage: bench/replication/run.sh [BUILDDIR [RATE [SECONDS]]]   (as root)
set -eu
B=$(cd "${1:-.}" && pwd)
RATE=${2:-100}
SECS=${3:-20}
A1=${BENCH_ADDR1:-127.0.0.31}
A2=${BENCH_ADDR2:-127.0.0.32}
S=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/replbench.XXXXXX)
chmod 700 "$T"
cleanup() {
	for d in dc2 dc1; do "$B/dc/minidc" stop --dir "$T/$d" >/dev/null 2>&1 || true; done
	rm -rf "$T"
}
trap cleanup EXIT
( umask 077; printf '%s' 'Bench-Pass-1' > "$T/admin.pw" )
"$B/dc/minidc" provision --domain example.com --dir "$T/dc1" --host-ip "$A1" \
	--adminpass-file "$T/admin.pw" >/dev/null
"$B/dc/minidc" run --dir "$T/dc1" >/dev/null
echo 'Rw-Secret-71' | "$B/dc/minidc" user add bench --dir "$T/dc1" >/dev/null
# wr ADDR PREFIX: ADDS adds (no password) over 4 connections, adds/s.
ADDS=${BENCH_ADDS:-500}
wr() {
	LDAPTLS_REQCERT=never "$B/bench/write/writebench" -H "ldaps://$1" \
		-D "CN=Administrator,CN=Users,DC=example,DC=com" -y "$T/admin.pw" \
		-b "CN=Users,DC=example,DC=com" -n "$ADDS" -c 4 -p "$2" | awk '{print $1}'
}
stats() { sort -g | awk '{a[NR]=$1} END {printf "%.1f/%.1f/%.1f", a[1], a[int((NR+1)/2)], a[NR]}'; }
for r in 1 2 3; do wr "$A1" "solo$r"; done | stats > "$T/solo"
"$B/dc/minidc" provision --join-dc dc1.example.com --join-dc-ip "$A1" --domain example.com \
	-U Administrator --password-file "$T/admin.pw" --dir "$T/dc2" --host-name dc2 --host-ip "$A2" >/dev/null
"$B/dc/minidc" run --dir "$T/dc2" >/dev/null
# dc1 restarts its slapd once it sees dc2 (new agreement): let it settle.
until grep -q ' DC2 ' "$T/dc1/replication.conf" 2>/dev/null; do sleep 0.5; done
sleep 5
u() { printf 'ldapi://%s' "$(printf '%s' "$T/$1/run/ldap/ldapi" | sed 's|/|%2F|g')"; }
for r in 1 2 3; do wr "$A1" "rep1$r"; done | stats > "$T/rep1"
for r in 1 2 3; do wr "$A2" "rep2$r"; done | stats > "$T/rep2"
echo "adds/s min/median/max ($ADDS adds, 4 connections, no password): dc1 alone $(cat "$T/solo"); dc1 replicating to dc2 $(cat "$T/rep1"); dc2 replicating to dc1 $(cat "$T/rep2")"
m() { cut -d/ -f2 "$1"; }
echo "ratio (median) dc1 replicating / alone: $(echo "scale=2; $(m "$T/rep1") / $(m "$T/solo")" | bc); dc2 / dc1 alone: $(echo "scale=2; $(m "$T/rep2") / $(m "$T/solo")" | bc)"
python3 "$S/lag.py" "$(u dc1)" "$(u dc2)" "CN=bench,CN=Users,DC=example,DC=com" "$RATE" "$SECS"
