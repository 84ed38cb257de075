#!/bin/sh
# tests/integration/t_notify.sh - `minidc run --foreground` under a service
# manager's NOTIFY_SOCKET (what systemd gives a Type=notify unit): READY=1
# arrives once, after every service answers, and STOPPING=1 on SIGTERM; no
# child (slapd, krb5kdc, kadmind) inherits the socket.  A listener in
# python3 plays systemd's part (the sd_notify datagram protocol).
. "$top_srcdir/tests/harness/harness.sh"
H_TMP=$(mktemp -d /tmp/minidc-test.XXXXXX)
chmod 755 "$H_TMP"
trap 'kill $dc $lsn 2>/dev/null; harness_cleanup' EXIT
dc="" lsn=""
H_ADDR=$(harness_addr) || { echo "Bail out! no free loopback address"; exit 99; }
H_ADMIN_PW_FILE="$H_TMP/admin.pw"
( umask 077; printf '%s' 'Adm1n-Secret-Pass' > "$H_ADMIN_PW_FILE" )
D="$H_TMP/dc"
harness_provision "$D" "$H_ADDR" > "$H_TMP/provision.out" 2>&1 ||
	{ echo "Bail out! provision: $(cat "$H_TMP/provision.out")"; exit 99; }
H_DCS="$D"

# listener: every datagram as one line, "<ms since start> <text with \n as |>"
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("up", flush=True)
t0 = time.monotonic()
while True:
    m = s.recv(4096).decode()
    print("%d %s" % ((time.monotonic() - t0) * 1000, m.replace("\n", "|")), flush=True)
' "$H_TMP/notify.sock" > "$H_TMP/notes" 2>&1 &
lsn=$!
t_wait 10 grep -q '^up$' "$H_TMP/notes"
NOTIFY_SOCKET="$H_TMP/notify.sock" "$MINIDC" run --dir "$D" --foreground \
	> "$H_TMP/run.out" 2>&1 &
dc=$!
t_wait 120 grep -q 'READY=1' "$H_TMP/notes"
t_like "READY=1 with a STATUS line" "$(cat "$H_TMP/notes")" \
	"READY=1\|STATUS=domain controller dc1.example.com for EXAMPLE.COM: all services ready"
# When READY=1 came, every service already answered: status says running.
st=$("$MINIDC" status --dir "$D" 2>&1)
for s in slapd dsa krb5kdc kadmind dns cldap; do
	t_like "at READY=1: $s running" "$st" "^$s +running"
done
t_like "READY=1 was sent after the supervisor logged 'all services ready'" \
	"$(grep -n 'all services ready' "$H_TMP/run.out" | head -1)" "all services ready"
t_ok "ldapsearch answers at once" ldapsearch -x -LLL -H "ldap://$H_ADDR" -b '' -s base \
	defaultNamingContext
for p in slapd krb5kdc kadmind; do
	pid=$(pgrep -f "^/usr/sbin/$p .*$D" | head -1)
	t_unlike "$p (pid $pid) has no NOTIFY_SOCKET" \
		"$(tr '\0' '\n' < "/proc/$pid/environ" 2>&1)" "^NOTIFY_SOCKET="
done
t_is "one READY=1 only" "$(grep -c 'READY=1' "$H_TMP/notes")" 1
kill -TERM "$dc"
t_wait 60 grep -q 'STOPPING=1' "$H_TMP/notes"
t_like "SIGTERM: STOPPING=1" "$(cat "$H_TMP/notes")" "STOPPING=1"
wait "$dc"
t_is "minidc run exits 0 after SIGTERM" "$?" 0
dc=""

# An unusable NOTIFY_SOCKET is logged, and the DC still runs.
NOTIFY_SOCKET="$H_TMP/nobody-listens" "$MINIDC" run --dir "$D" --foreground \
	> "$H_TMP/run2.out" 2>&1 &
dc=$!
t_wait 120 grep -q 'all services ready' "$H_TMP/run2.out"
t_like "a dead NOTIFY_SOCKET: one error line naming it" "$(cat "$H_TMP/run2.out")" \
	"service manager notification to $H_TMP/nobody-listens"
t_ok "... and the DC serves" ldapsearch -x -LLL -H "ldap://$H_ADDR" -b '' -s base
kill -TERM "$dc"; wait "$dc"; dc=""
harness_done
