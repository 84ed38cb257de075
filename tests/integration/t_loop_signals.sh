#!/bin/sh
# tests/integration/t_loop_signals.sh - the daemons on lib/loop (issue 10):
# SIGTERM makes the dsa, the LDAP ping responder, the DNS server and the
# replica watcher exit 0 (the supervisor logs how each ended, then restarts
# it); SIGHUP still kills the dsa and the DNS server (default action: the
# supervisor restarts them) and is dropped by the supervisor; `minidc stop`
# ends every service with status 0.
. "$top_srcdir/tests/harness/harness.sh"
harness_start

LOG="$H_DIR/log/minidc.log"
svc_pid() { "$MINIDC" status --dir "$H_DIR" | awk -v s="$1" '$1 == s { print $3 }'; }
running_again() { # SVC OLDPID: running with another pid
	p=$(svc_pid "$1")
	"$MINIDC" status --dir "$H_DIR" | grep -Eq "^$1 +running" &&
		[ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != "$2" ]
}
logged() { grep -q -- "$1" "$LOG"; }

for s in dsa cldap dns replica; do
	pid=$(svc_pid "$s")
	t_ok "$s runs (pid $pid)" test -n "$pid" -a "$pid" != 0
	kill -TERM "$pid"
	t_ok "$s: SIGTERM, exit status 0" t_wait "$H_WAIT" logged "$s: pid $pid exited with status 0"
	t_ok "$s: restarted and ready" t_wait "$H_WAIT" running_again "$s" "$pid"
done

# The dsa still serves after its restart: a write through slapd.
t_ok "the dsa answers a write after the restarts" t_wait "$H_WAIT" sh -c \
	"ldapmodify -Q -Y EXTERNAL -H '$H_LDAPI' >/dev/null 2>&1 <<EOF
dn: CN=Administrator,CN=Users,$H_BASE
changetype: modify
replace: description
description: after SIGTERM
EOF"

for s in dsa dns; do
	pid=$(svc_pid "$s")
	kill -HUP "$pid"
	t_ok "$s: SIGHUP kills it, as before (signal 1)" t_wait "$H_WAIT" logged "$s: pid $pid killed by signal 1"
	t_ok "$s: restarted after SIGHUP" t_wait "$H_WAIT" running_again "$s" "$pid"
done

sup=$(cat "$H_DIR/run/minidc.pid")
kill -HUP "$sup"
t_ok "the supervisor ignores SIGHUP: status answers" "$MINIDC" status --dir "$H_DIR"
t_is "... and stopped nothing" "$(grep -Ec ': stopping \(pid|signal 1: stopping' "$LOG")" 0
t_ok "... still running" kill -0 "$sup"

before=$(wc -l < "$LOG")
t_ok "minidc stop" "$MINIDC" stop --dir "$H_DIR"
t_ok "the supervisor ends" t_wait "$H_WAIT" sh -c "! kill -0 $sup 2>/dev/null"
tail -n +"$before" "$LOG" > "$H_TMP/stop.log"
for s in dsa cldap dns replica; do
	t_like "minidc stop: $s exited with status 0" "$(cat "$H_TMP/stop.log")" "$s: pid [0-9]* exited with status 0"
done
t_is "minidc stop: nobody needed SIGKILL" "$(grep -c 'did not stop' "$H_TMP/stop.log" | tr -d ' ')" 0
harness_done
