#!/bin/sh
# bench/dns/run.sh - our DNS server vs NSD and Knot serving the same zone, same run.
# The zone is the DC's own (provisioned locator records + N host records added to
# the directory), exported with `minidc dns list` for NSD and Knot.  dnsperf sends
# a mix of A, SRV, NXDOMAIN and NODATA queries:
#  1. saturation: QPS and average latency with unlimited offered load;
#  2. fixed rate: the server's CPU time per answered query, from the utime+stime of
#     its own processes in /proc/<pid>/stat (all threads, all NSD children).
# R rounds, servers alternating; prints min/median/max and ratios of medians.
# Usage (as root, after scripts/build release): bench/dns/run.sh [rounds] [seconds] [rate]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
MINIDC=${MINIDC:-$top/build/release/dc/minidc}
ROUNDS=${1:-3}; SECS=${2:-10}; RATE=${3:-20000}
HOSTS=${HOSTS:-1000}
A_OURS=127.0.0.30; A_NSD=127.0.0.32; A_KNOT=127.0.0.33
T=$(mktemp -d /tmp/minidc-bench-dns.XXXXXX)
nsdpid=""; knotpid=""
cleanup() {
	"$MINIDC" stop --dir "$T/dc" >/dev/null 2>&1 || true
	[ -n "$nsdpid" ] && kill "$nsdpid" 2>/dev/null || true
	[ -n "$knotpid" ] && kill "$knotpid" 2>/dev/null || true
	sleep 0.5
	rm -rf "$T"
}
trap cleanup EXIT
[ -x "$MINIDC" ] || { echo "build first: scripts/build release (or set MINIDC)" >&2; exit 1; }
for p in dnsperf nsd knotd; do
	command -v $p >/dev/null 2>&1 || [ -x /usr/sbin/$p ] || { echo "missing $p (scripts/deps)" >&2; exit 1; }
done

# ---- our DC, the zone in the directory ----
printf 'Bench-Pass-123' > "$T/pw"; chmod 600 "$T/pw"
"$MINIDC" provision --domain example.com --dir "$T/dc" --host-ip $A_OURS --adminpass-file "$T/pw" >/dev/null
"$MINIDC" run --dir "$T/dc" >/dev/null
LDAPI="ldapi://$(printf '%s' "$T/dc/run/ldap/ldapi" | sed 's|/|%2F|g')"
ZDN="idnsName=example.com,cn=dns,DC=example,DC=com"
i=0
while [ $i -lt "$HOSTS" ]; do
	printf 'dn: idnsName=host%d,%s\nchangetype: add\nobjectClass: idnsRecord\nidnsName: host%d\naRecord: 10.%d.%d.%d\n\n' \
		$i "$ZDN" $i $((i / 65536 % 256)) $((i / 256 % 256)) $((i % 256))
	i=$((i + 1))
done > "$T/hosts.ldif"
ldapmodify -Q -Y EXTERNAL -H "$LDAPI" -f "$T/hosts.ldif" >/dev/null
for _ in $(seq 50); do
	dig @$A_OURS +short a "host$((HOSTS - 1)).example.com" | grep -q . && break; sleep 0.1
done
ourpid=$(pgrep -f "dns-serve --dir $T/dc" | head -n 1)

# ---- the same zone for NSD and Knot ----
# `dns list` prints every zone (also the reverse zone of the DC's /24): only
# example.com's records, or NSD refuses the file.
{ echo '$ORIGIN example.com.'; "$MINIDC" dns list --dir "$T/dc" |
	awk '$1 ~ /(^|[.])example[.]com[.]$/'; } > "$T/example.com.zone"
mkdir -p "$T/nsd" "$T/knot"
cat > "$T/nsd/nsd.conf" <<CONF
server:
	ip-address: $A_NSD
	port: 53
	server-count: 2
	username: ""
	zonesdir: "$T/nsd"
	database: ""
	pidfile: "$T/nsd/nsd.pid"
	xfrdfile: "$T/nsd/xfrd.state"
	zonelistfile: "$T/nsd/zone.list"
	logfile: "$T/nsd/nsd.log"
	verbosity: 0
	rrl-ratelimit: 0
remote-control:
	control-enable: no
zone:
	name: example.com
	zonefile: "$T/example.com.zone"
CONF
# Each server in its own session, like our supervised DC: with the kernel's
# autogroup scheduling (sched_autogroup_enabled) a session shares the CPU as
# one group, so a server in dnsperf's session would be measured differently.
setsid /usr/sbin/nsd -d -c "$T/nsd/nsd.conf" >/dev/null 2>&1 &
nsdpid=$!
cat > "$T/knot/knot.conf" <<CONF
server:
    listen: $A_KNOT@53
    udp-workers: 2
    tcp-workers: 1
    background-workers: 1
    rundir: "$T/knot"
database:
    storage: "$T/knot"
log:
  - target: stderr
    any: error
zone:
  - domain: example.com
    file: "$T/example.com.zone"
    journal-content: none
    zonefile-sync: -1
CONF
setsid /usr/sbin/knotd -c "$T/knot/knot.conf" >/dev/null 2>&1 &
knotpid=$!
for a in $A_NSD $A_KNOT; do
	for _ in $(seq 50); do dig @$a +short soa example.com | grep -q . && break; sleep 0.1; done
	dig @$a +short soa example.com | grep -q . || { echo "server on $a did not start" >&2; exit 1; }
done

# ---- queries: 40% A, 30% SRV, 15% NXDOMAIN, 15% NODATA ----
awk -v h="$HOSTS" 'BEGIN { srand(42);
	split("_ldap._tcp _ldap._tcp.dc._msdcs _kerberos._tcp _kerberos._udp _kpasswd._tcp _gc._tcp _ldap._tcp.pdc._msdcs _kerberos._tcp.dc._msdcs", s, " ");
	for (i = 0; i < 10000; i++) { r = rand();
		if (r < 0.40) printf "host%d.example.com A\n", int(rand() * h);
		else if (r < 0.70) printf "%s.example.com SRV\n", s[int(rand() * 8) + 1];
		else if (r < 0.85) printf "nosuch%d.example.com A\n", int(rand() * 100000);
		else printf "host%d.example.com AAAA\n", int(rand() * h); } }' > "$T/queries"

cpu_ticks() { # sum of utime+stime over the given pids
	# Fields after the ")" closing comm (which may hold spaces: "nsd: main").
	for p in "$@"; do sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}'; done |
		awk '{s += $1} END {print s + 0}'
}
pids_of() { # name -> pids to account
	case $1 in
	minidc) echo "$ourpid" ;;
	nsd) pgrep -f "nsd -d -c $T/nsd/nsd.conf" | tr '\n' ' ' ;; # main, xfrd, servers
	knot) echo "$knotpid" ;;
	esac
}
addr_of() { case $1 in minidc) echo $A_OURS ;; nsd) echo $A_NSD ;; knot) echo $A_KNOT ;; esac; }
HZ=$(getconf CLK_TCK)
run_sat() { # server -> "qps avg_latency_us lost"
	dnsperf -s "$(addr_of "$1")" -p 53 -d "$T/queries" -l "$SECS" -c 4 -T 2 -q 200 2>&1 |
		awk '/Queries per second/ {q = $4} /Average Latency/ {l = $4 * 1e6} /Queries lost/ {x = $3} END {printf "%d %.0f %d\n", q, l, x}'
}
run_cpu() { # server -> "ns_per_query"
	pids=$(pids_of "$1")
	t0=$(cpu_ticks $pids)
	out=$(dnsperf -s "$(addr_of "$1")" -p 53 -d "$T/queries" -l "$SECS" -c 4 -T 2 -Q "$RATE" 2>&1)
	t1=$(cpu_ticks $pids)
	done_q=$(echo "$out" | awk '/Queries completed/ {print $3}')
	echo "$t0 $t1 $done_q $HZ" | awk '{ printf "%.0f\n", ($2 - $1) / $4 * 1e9 / ($3 > 0 ? $3 : 1) }'
}
stats() { sort -n | awk '{a[NR]=$1} END {printf "%s/%s/%s", a[1], a[int((NR+1)/2)], a[NR]}'; }
med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for s in minidc nsd knot; do : > "$T/$s.qps"; : > "$T/$s.lat"; : > "$T/$s.cpu"; done
r=0
while [ "$r" -lt "$ROUNDS" ]; do
	for s in minidc nsd knot; do
		set -- $(run_sat $s)
		echo "$1" >> "$T/$s.qps"; echo "$2" >> "$T/$s.lat"
		run_cpu $s >> "$T/$s.cpu"
	done
	r=$((r + 1))
done

echo "DNS: $(date -u +%F), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), kernel $(uname -r)"
echo "zone: $(grep -c . "$T/example.com.zone") RRs (AD locator set + $HOSTS hosts); mix 40% A, 30% SRV, 15% NXDOMAIN, 15% NODATA"
echo "dnsperf -c 4 -T 2, ${SECS}s per run, $ROUNDS rounds; CPU at a fixed $RATE QPS; servers: 2 UDP workers each, each in its own session"
printf '%-8s %-26s %-22s %-26s\n' server "QPS sat. (min/med/max)" "latency us (med)" "CPU ns/query (min/med/max)"
for s in minidc nsd knot; do
	printf '%-8s %-26s %-22s %-26s\n' $s "$(stats < "$T/$s.qps")" "$(med < "$T/$s.lat")" "$(stats < "$T/$s.cpu")"
done
oc=$(med < "$T/minidc.cpu"); nc=$(med < "$T/nsd.cpu"); kc=$(med < "$T/knot.cpu")
oq=$(med < "$T/minidc.qps"); nq=$(med < "$T/nsd.qps"); kq=$(med < "$T/knot.qps")
echo "ratio CPU/query minidc/knot = $(echo "$oc $kc" | awk '{printf "%.2f", $1/$2}'), minidc/nsd = $(echo "$oc $nc" | awk '{printf "%.2f", $1/$2}')"
echo "ratio QPS minidc/knot = $(echo "$oq $kq" | awk '{printf "%.2f", $1/$2}'), minidc/nsd = $(echo "$oq $nq" | awk '{printf "%.2f", $1/$2}')"
