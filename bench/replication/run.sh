#!/bin/sh
# bench/replication/run.sh - replication lag between two DCs under a stream
# of writes (default 100/s for 20 s): a domain on ADDR1, a second DC joined
# with provision --join-dc on ADDR2, then bench/replication/lag.py.
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
echo 'Bench-User-1' | "$B/dc/minidc" user add bench --dir "$T/dc1" >/dev/null
"$B/dc/minidc" provision --join-dc dc1.example.com --join-dc-ip "$A1" --domain example.com \
	-U Administrator --password-file "$T/admin.pw" --dir "$T/dc2" --host-name dc2 --host-ip "$A2" >/dev/null
"$B/dc/minidc" run --dir "$T/dc2" >/dev/null
# dc1 restarts its slapd once it sees dc2 (new agreement): let it settle.
until grep -q ' DC2 ' "$T/dc1/replication.conf" 2>/dev/null; do sleep 0.5; done
sleep 5
u() { printf 'ldapi://%s' "$(printf '%s' "$T/$1/run/ldapi" | sed 's|/|%2F|g')"; }
python3 "$S/lag.py" "$(u dc1)" "$(u dc2)" "CN=bench,CN=Users,DC=example,DC=com" "$RATE" "$SECS"
