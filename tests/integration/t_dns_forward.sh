#!/bin/sh
# tests/integration/t_dns_forward.sh - issue 4: the DNS engine without a
# directory (dns-serve --zone): forwarding of out-of-zone names to configured
# forwarders, AXFR allow-list, TCP idle handling, clean SIGTERM.
. "$top_srcdir/tests/harness/harness.sh"
H_TMP=$(mktemp -d /tmp/minidc-test.XXXXXX)
A=$(harness_addr) || { echo "Bail out! no free loopback address"; exit 99; }
P1=5301; P2=5302
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	harness_release_addrs
	rm -rf "$H_TMP"
}
trap cleanup EXIT

cat > "$H_TMP/com.zone" <<ZONE
\$ORIGIN example.com.
@ 3600 IN SOA dc1.example.com. hostmaster.example.com. 5 900 600 86400 3600
@ 900 IN NS dc1.example.com.
dc1 900 IN A 127.0.0.1
ZONE
cat > "$H_TMP/org.zone" <<ZONE
\$ORIGIN example.org.
@ 3600 IN SOA ns.example.org. hostmaster.example.org. 9 900 600 86400 3600
@ 900 IN NS ns.example.org.
www 900 IN A 192.0.2.80
ZONE
"$MINIDC" dns-serve --zone "$H_TMP/org.zone" --origin example.org --listen "$A" \
	--port $P2 --workers 1 > "$H_TMP/org.log" 2>&1 &
pids="$pids $!"
"$MINIDC" dns-serve --zone "$H_TMP/com.zone" --origin example.com --listen "$A" \
	--port $P1 --forwarders "$A:$P2" --axfr-allow "127.0.0.0/8" > "$H_TMP/com.log" 2>&1 &
compid=$!
pids="$pids $compid"
D="dig @$A -p $P1 +time=5 +tries=3"
# gone PID: the process has exited (a zombie not yet reaped counts).
gone() { [ ! -e "/proc/$1" ] || grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null; }
t_ok "both servers answer" t_wait "$H_WAIT" sh -c "$D +short soa example.com | grep -q dc1 && dig @$A -p $P2 +short soa example.org | grep -q ns"

t_is "our zone is answered locally" "$($D +short a dc1.example.com)" "127.0.0.1"
out=$($D a www.example.org)
t_like "an out-of-zone name is forwarded and relayed" "$out" "^www\.example\.org\.[[:space:]]+900[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.80$"
t_like "the relayed answer is the forwarder's (its AA)" "$out" "flags: qr aa"
out=$($D +tcp a www.example.org)
t_like "forwarding works for TCP clients too" "$out" "192\.0\.2\.80"
out=$($D a nosuch.example.org)
t_like "the forwarder's NXDOMAIN is relayed" "$out" "status: NXDOMAIN"
orgpid=$(echo $pids | awk '{print $1}')
kill "$orgpid"
t_ok "the forwarder stops on SIGTERM" t_wait "$H_WAIT" gone "$orgpid"
out=$($D a www.example.org)
t_like "a dead forwarder gives SERVFAIL, not silence" "$out" "status: SERVFAIL"
t_like "AXFR from an allowed address" "$($D axfr example.com)" "XFR size: 4 records"
out=$(dig @$A -p $P1 -b 127.0.0.1 axfr example.com 2>&1)
t_like "AXFR from 127.0.0.1 (allowed by /8)" "$out" "XFR size: 4 records"
out=$(python3 "$top_srcdir/tests/tools/dnsprobe.py" pipeline "$A" $P1 2>&1)
t_is "pipelined TCP queries" "$out" "ok 3"
t_ok "SIGTERM is delivered to the server" kill "$compid"
t_ok "SIGTERM stops the server" t_wait "$H_WAIT" gone "$compid"
wait $compid; rc=$?
t_is "the exit status after SIGTERM is 0" "$rc" "0"
t_unlike "no sanitizer report in the server log" "$(cat "$H_TMP/com.log")" "Sanitizer|runtime error"
out=$("$MINIDC" dns-serve --zone "$H_TMP/nonexistent" --origin example.com --listen "$A" --port $P1 2>&1); rc=$?
t_is "a missing zone file is an error" "$rc" "1"
t_like "with a one-line reason" "$out" "cannot load the zone"
out=$("$MINIDC" dns-serve --bogus 2>&1); rc=$?
t_is "a bad option is a usage error" "$rc" "2"
harness_done
