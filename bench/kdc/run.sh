#!/bin/sh
# bench/kdc/run.sh - AS-REQ (pre-auth) and TGS-REQ per second: krb5kdc with
# our KDB plugin (a real minidc domain) vs stock krb5kdc with db2 holding the
# same principals, in the same run; prints min/median/max and the ratio.
# With USERS=N both databases also hold N other users (ours: copies of a real
# user loaded with slapadd, as bench/replication does; db2: kadmin.local
# addprinc -randkey), to see how the rates change with the size of the domain.
# usage: [USERS=N] bench/kdc/run.sh [BUILDDIR [SECONDS [ROUNDS]]]   (as root)
set -eu
B=$(cd "${1:-.}" && pwd)
SECS=${2:-5}
ROUNDS=${3:-3}
ADDR=${BENCH_ADDR:-127.0.0.29}
DB2PORT=${BENCH_DB2_PORT:-20088}
PW=Kdc-Speed-19
USERS=${USERS:-0}
S=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/kdcbench.XXXXXX)
cleanup() {
	"$B/dc/minidc" stop --dir "$T/dc" >/dev/null 2>&1 || true
	[ -f "$T/db2/kdc.pid" ] && kill "$(cat "$T/db2/kdc.pid")" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# ---- ours: a provisioned domain, user "bench" made with the CLI ----
( umask 077; printf '%s' "$PW" > "$T/admin.pw" )
"$B/dc/minidc" provision --domain example.com --dir "$T/dc" --host-ip "$ADDR" \
	--adminpass-file "$T/admin.pw" >/dev/null
"$B/dc/minidc" run --dir "$T/dc" >/dev/null
echo "$PW" | "$B/dc/minidc" user add bench --dir "$T/dc" >/dev/null
if [ "$USERS" -gt 0 ]; then
	BASE="DC=example,DC=com"
	"$B/dc/minidc" stop --dir "$T/dc" >/dev/null
	# slapd.conf names its files relative to DIR/slapd (doc/security.md).
	(cd "$T/dc/slapd" && slapcat -f slapd.conf -b "$BASE" -a '(sAMAccountName=bench)' \
		-o ldif-wrap=no) >"$T/tmpl.ldif" 2>/dev/null
	python3 "$S/replication/populate.py" "$T/tmpl.ldif" "$USERS" 900000 >"$T/users.ldif"
	(cd "$T/dc/slapd" && slapadd -q -f slapd.conf -b "$BASE" -l "$T/users.ldif") 2>/dev/null
	chown -R "$(stat -c %u:%g "$T/dc/slapd/db")" "$T/dc/slapd/db"
	rm -f "$T/users.ldif"
	"$B/dc/minidc" run --dir "$T/dc" >/dev/null
fi

# ---- reference: stock db2 realm, same principals and enctypes ----
mkdir -p "$T/db2"
cat > "$T/db2/kdc.conf" <<EOC
[kdcdefaults]
	kdc_listen = $ADDR:$DB2PORT
	kdc_tcp_listen = $ADDR:$DB2PORT
[realms]
	EXAMPLE.COM = {
		database_name = $T/db2/principal
		key_stash_file = $T/db2/stash
		master_key_type = aes256-cts-hmac-sha1-96
		supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
		max_life = 10h
		max_renewable_life = 7d
		default_principal_flags = +preauth
	}
[logging]
	kdc = FILE:$T/db2/kdc.log
EOC
sed "s/kdc = .*/kdc = $ADDR:$DB2PORT/" "$T/dc/krb5.conf" > "$T/db2/krb5.conf"
db2() { KRB5_CONFIG=$T/db2/krb5.conf KRB5_KDC_PROFILE=$T/db2/kdc.conf "$@"; }
m=$(head -c 24 /dev/urandom | base64)
printf '%s\n%s\n' "$m" "$m" | db2 kdb5_util -r EXAMPLE.COM create -s >/dev/null
printf '%s\n%s\n' "$PW" "$PW" | db2 kadmin.local -q "addprinc bench" >/dev/null 2>&1
db2 kadmin.local -q "addprinc -randkey DC1\$" >/dev/null 2>&1
db2 kadmin.local -q "addprinc -randkey host/dc1.example.com" >/dev/null 2>&1
[ "$USERS" -gt 0 ] && seq -f 'addprinc -randkey u%06g' 1 "$USERS" |
	db2 kadmin.local -r EXAMPLE.COM >/dev/null 2>&1
db2 krb5kdc -r EXAMPLE.COM -P "$T/db2/kdc.pid"
sleep 0.5

# run MODE KRB5_CONFIG -> rate
run() {
	rate=$(echo "$PW" | KRB5_CONFIG=$2 "$B/bench/kdc/kdcbench" "$1" bench@EXAMPLE.COM \
		host/dc1.example.com@EXAMPLE.COM "$SECS" | awk '{ sub("/s", "", $4); print $4 }')
	# A run that measured failures measured nothing: stop with its reason.
	case "$rate" in ''|0) echo "bench/kdc: $1 against $2 failed" >&2; exit 1;; esac
	echo "$rate"
}
stats() { sort -n | awk '{ v[NR] = $1 } END { printf "%d %d %d", v[1], v[int((NR + 1) / 2)], v[NR] }'; }

for mode in as tgs; do
	: > "$T/ours.$mode"; : > "$T/db2.$mode"
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		run $mode "$T/dc/krb5.conf" >> "$T/ours.$mode"
		run $mode "$T/db2/krb5.conf" >> "$T/db2.$mode"
		r=$((r + 1))
	done
	set -- $(stats < "$T/ours.$mode"); o_min=$1 o_med=$2 o_max=$3
	set -- $(stats < "$T/db2.$mode"); d_min=$1 d_med=$2 d_max=$3
	ratio=$(awk -v a="$o_med" -v b="$d_med" 'BEGIN { printf "%.2f", a / b }')
	label=$([ $mode = as ] && echo "AS-REQ+preauth (kinit/s)" || echo "TGS-REQ (tickets/s)")
	printf '%-26s minidc KDB min/med/max %6d %6d %6d | db2 %6d %6d %6d | ratio %s\n' \
		"$label" "$o_min" "$o_med" "$o_max" "$d_min" "$d_med" "$d_max" "$ratio"
done
echo "# $USERS other users, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), ${SECS}s x $ROUNDS rounds, 1 client, $ADDR"
