#!/bin/sh
# tests/integration/t_migrate_agentconf.sh - `minidc-migrate agent` as a
# service runs it: every setting from migrate.conf's [agent] section
# (--config FILE only; the command line wins over the file), READY=1 on
# $NOTIFY_SOCKET once it listens (a python3 listener plays systemd's part,
# as in t_notify.sh), one log line and STOPPING=1 on SIGTERM, exit 0; the
# state commands keep the [agent] section when they rewrite the file.
. "$top_srcdir/tests/harness/harness.sh"
harness_start

J="$top_builddir/join/minidc-join"
M="$top_builddir/migrate-auth/minidc-migrate"
C="$H_TMP/etc"
CONF="$C/migrate.conf"
agent="" lsn=""
trap 'kill $agent $lsn 2>/dev/null; harness_cleanup' EXIT

free_port() {
	_p=$(( 20000 + ($$ + $1) % 20000 ))
	while ss -Htln "src $H_ADDR:$_p" | grep -q . || [ "$_p" = "${P1:-}" ]; do
		_p=$((_p + 1))
	done
	echo "$_p"
}

"$J" join --domain example.com --host-fqdn host1.example.com \
	--keytab "$H_TMP/host1.keytab" --server "$H_ADDR" \
	--password-file "$H_ADMIN_PW_FILE" --no-dns-update >"$H_TMP/join.out" 2>&1
t_is "minidc-join host1 exits 0" "$?" 0
P1=$(free_port 1)
P2=$(free_port 2)
mkdir -p "$C" "$H_TMP/storage"
cat > "$CONF" <<EOC
[migration]
enabled = no

[agent]
listen = $H_ADDR:$P1
keytab = $H_TMP/host1.keytab
storage-dir = $H_TMP/storage
EOC

# ---- the state commands keep [agent] (state dir = the file's directory) ----
t_is "enable --state $C" "$("$M" enable --state "$C" 2>&1)" "migration enabled"
t_is "network add confirms in one line" \
	"$("$M" network add "$H_ADDR/32" --state "$C" 2>&1)" \
	"$H_ADDR/32 added to the migration networks"
t_like "migrate.conf still has the agent's listen address" "$(cat "$CONF")" \
	"^listen = $H_ADDR:$P1$"
t_like "... and its keytab" "$(cat "$CONF")" "^keytab = $H_TMP/host1.keytab$"
t_like "migrate.conf is headed as migrate.conf(5)" "$(head -1 "$CONF")" \
	"^# migrate.conf: minidc configuration, see migrate.conf\\(5\\)$"

# ---- a listener for the service manager's datagrams ----
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("up", flush=True)
while True:
    print(s.recv(4096).decode().replace("\n", "|"), flush=True)
' "$H_TMP/notify.sock" > "$H_TMP/notes" 2>&1 &
lsn=$!
t_wait 10 grep -q '^up$' "$H_TMP/notes"

# ---- only --config ----
NOTIFY_SOCKET="$H_TMP/notify.sock" "$M" agent --config "$CONF" \
	> "$H_TMP/agent.out" 2>&1 &
agent=$!
t_wait "$H_WAIT" grep -q 'READY=1' "$H_TMP/notes"
t_like "READY=1 arrived" "$(cat "$H_TMP/notes")" "^READY=1|STATUS=listening$"
t_ok "... and the agent listens on the file's address" \
	sh -c "ss -Htln 'src $H_ADDR:$P1' | grep -q ."
t_like "it logged the address and account from the file" "$(cat "$H_TMP/agent.out")" \
	"host1.example.com listening on $H_ADDR:$P1 as HOST1\\\$@EXAMPLE.COM"
printf '%s\n' 'Adm1n-Secret-Pass' | kinit Administrator >/dev/null 2>&1
t_like "it serves (vm list as Administrator; state and storage from the file)" \
	"$("$M" vm list --via "$H_ADDR:$P1" 2>&1; echo "rc=$?")" "^rc=0$"
t_is "one READY=1 only" "$(grep -c 'READY=1' "$H_TMP/notes")" 1
kill -TERM "$agent"
wait "$agent"
t_is "SIGTERM: exit 0" "$?" 0
agent=""
t_like "SIGTERM: one log line saying so" "$(cat "$H_TMP/agent.out")" \
	"SIGTERM received: stopping"
t_like "SIGTERM: STOPPING=1" "$(cat "$H_TMP/notes")" "^STOPPING=1$"
t_unlike "no error logged" "$(cat "$H_TMP/agent.out")" "rror"

# ---- the command line wins ----
"$M" agent --config "$CONF" --listen "$H_ADDR:$P2" > "$H_TMP/agent2.out" 2>&1 &
agent=$!
t_wait "$H_WAIT" sh -c "ss -Htln 'src $H_ADDR:$P2' | grep -q ."
t_is "--listen over the file's listen" "$?" 0
t_fail "... and not on the file's address" sh -c "ss -Htln 'src $H_ADDR:$P1' | grep -q ."
kill -TERM "$agent"; wait "$agent"; agent=""

# ---- a broken file: one line naming it, exit 1, nothing listens ----
printf '[agent]\nlisten = %s:%s\nport = 1\n' "$H_ADDR" "$P1" > "$H_TMP/bad.conf"
out=$("$M" agent --config "$H_TMP/bad.conf" 2>&1)
t_is "unknown key: exit 1, one line" "$?:$(printf '%s\n' "$out" | wc -l)" "1:1"
t_like "... naming the file and the key" "$out" "$H_TMP/bad.conf: .*port"
out=$("$M" agent --config "$H_TMP/none.conf" 2>&1)
t_like "a missing --config file is an error" "$out" "$H_TMP/none.conf"
printf '[agent]\nlisten = %s:%s\n' "$H_ADDR" "$P1" > "$H_TMP/nokt.conf"
out=$("$M" agent --config "$H_TMP/nokt.conf" --keytab "$H_TMP/none.keytab" 2>&1)
t_like "--keytab over the default: the error names it" "$out" "$H_TMP/none.keytab"
harness_done
