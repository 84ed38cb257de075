#!/bin/sh
# tests/integration/t_migrate_auth.sh - minidc-migrate's Kerberos control
# plane against a real DC: two hosts joined with minidc-join, two agents,
# S4U2Proxy through msDS-AllowedToDelegateTo, the destination's policy
# (PAC delegation-info, Migration Operators, enabled, migration networks)
# and each refusal with its reason on the CLI.
. "$top_srcdir/tests/harness/harness.sh"
harness_start

J="$top_builddir/join/minidc-join"
M="$top_builddir/migrate-auth/minidc-migrate"
KT1="$H_TMP/host1.keytab"
KT2="$H_TMP/host2.keytab"
S1="$H_TMP/state1"
S2="$H_TMP/state2"
AGENTS=""
trap 'for p in $AGENTS; do kill "$p" 2>/dev/null; done; harness_cleanup' EXIT

# A free TCP port on the DC's address (the agents share it: the address is
# ours for this test, the ports tell the hosts apart).
free_port() {
	_p=$(( 20000 + ($$ + $1) % 20000 ))
	while ss -Htln "src $H_ADDR:$_p" | grep -q . || [ "$_p" = "${P1:-}" ]; do
		_p=$((_p + 1))
	done
	echo "$_p"
}
kinit_pw() { _pw=$1; shift; printf '%s\n' "$_pw" | kinit "$@" >/dev/null 2>&1; }
move() { "$M" move vm1 --to host2.example.com "$@" 2>&1; }

for h in host1 host2; do
	out=$("$J" join --domain example.com --host-fqdn "$h.example.com" \
		--keytab "$H_TMP/$h.keytab" --server "$H_ADDR" \
		--password-file "$H_ADMIN_PW_FILE" --no-dns-update 2>&1)
	t_is "minidc-join $h exits 0" "$?" 0
done
t_like "host1's keytab has migrate/host1.example.com" "$(klist -k "$KT1")" \
	" migrate/host1.example.com@EXAMPLE.COM$"
t_ok "delegation allow HOST1\$ migrate/host2.example.com" \
	"$MINIDC" delegation allow 'HOST1$' migrate/host2.example.com --dir "$H_DIR"
printf 'Al1ce-Pass-1\n' | "$MINIDC" user add alice --dir "$H_DIR" >/dev/null 2>&1
t_is "user add alice" "$?" 0
printf 'B0b-Pass-1\n' | "$MINIDC" user add bob --dir "$H_DIR" >/dev/null 2>&1
t_is "user add bob" "$?" 0
t_ok "alice joins Migration Operators" \
	"$MINIDC" group addmember "Migration Operators" alice --dir "$H_DIR"

# ---- state commands ----
t_is "a new host: migration disabled, no networks" \
	"$("$M" network list --state "$S2" 2>&1)" ""
t_is "enable host2" "$("$M" enable --state "$S2" 2>&1)" "migration enabled"
t_ok "network add $H_ADDR/32 on host2" "$M" network add "$H_ADDR/32" --state "$S2"
t_ok "network add 2001:db8::/32 on host2" "$M" network add 2001:db8::/32 --state "$S2"
t_is "network list" "$("$M" network list --state "$S2" 2>&1 | tr '\n' ' ')" \
	"$H_ADDR/32 2001:db8::/32 "
out=$("$M" network add 10.1.2.3/8 --state "$S2" 2>&1)
t_is "network add with host bits: one line, exit 2" "$?:$(echo "$out" | wc -l)" "2:1"
out=$("$M" network remove 10.0.0.0/8 --state "$S2" 2>&1)
t_like "network remove of an absent network says so" "$out" "not a migration network"
t_ok "network remove 2001:db8::/32" "$M" network remove 2001:db8::/32 --state "$S2"
t_like "migrate.conf" "$(cat "$S2/migrate.conf")" "^enabled = yes$"
# host2's address is not in DNS here: host1 reaches it through its network
t_ok "network add $H_ADDR/32 on host1" "$M" network add "$H_ADDR/32" --state "$S1"

# ---- agents ----
P1=$(free_port 1)
P2=$(free_port 2)
"$M" agent --keytab "$KT1" --listen "$H_ADDR:$P1" --state "$S1" \
	> "$H_TMP/agent1.out" 2>&1 &
AGENTS="$!"
"$M" agent --keytab "$KT2" --listen "$H_ADDR:$P2" --state "$S2" \
	--principal migrate/host2.example.com > "$H_TMP/agent2.out" 2>&1 &
AGENTS="$AGENTS $!"
t_wait "$H_WAIT" sh -c "ss -Htln 'src $H_ADDR:$P1' | grep -q ."
t_is "agent host1 listening on $H_ADDR:$P1" "$?" 0
t_wait "$H_WAIT" sh -c "ss -Htln 'src $H_ADDR:$P2' | grep -q ."
t_is "agent host2 listening on $H_ADDR:$P2" "$?" 0
t_like "agent host1 found migrate/host1.example.com in its keytab" \
	"$(cat "$H_TMP/agent1.out")" "host1.example.com listening on $H_ADDR:$P1 as HOST1\\\$@EXAMPLE.COM \\(migrate/host1.example.com@EXAMPLE.COM\\)"
VIA="--via $H_ADDR:$P1 --dest-addr $H_ADDR:$P2"

refused() { # DESC PATTERN ARGS...: exit 1, one line, the reason
	_d=$1; _pat=$2; shift 2
	_out=$(move "$@"); _rc=$?
	t_is "$_d: exit 1, one line" "$_rc:$(printf '%s\n' "$_out" | wc -l)" "1:1"
	t_like "$_d: the reason" "$_out" "$_pat"
}

# ---- the move ----
kinit_pw Al1ce-Pass-1 -f alice
refused "migration not enabled on host1 (the source)" \
	"^minidc-migrate move: refused by host1.example.com: migration is disabled on host1.example.com \\(the source\\)$" $VIA
t_ok "enable host1" "$M" enable --state "$S1"
out=$(move $VIA)
t_is "alice (kinit -f, Migration Operators): move exits 0" "$?" 0
t_is "the destination accepted, delegated by HOST1\$" "$out" \
	"accepted by host2.example.com: VM vm1 from host1.example.com for alice@EXAMPLE.COM, delegated by HOST1\$@EXAMPLE.COM"
t_like "host2's agent logged the acceptance" "$(cat "$H_TMP/agent2.out")" \
	"alice@EXAMPLE.COM offers VM vm1 \\(host1.example.com\\): accepted by host2"
t_like "the KDC logged the constrained delegation for alice" \
	"$(cat "$H_DIR"/log/krb5kdc.log 2>/dev/null)" "CONSTRAINED-DELEGATION s4u-client=alice@EXAMPLE.COM"

# ---- refusals, each with its reason ----
kinit_pw B0b-Pass-1 -f bob
refused "bob, not in Migration Operators: refused by the source" \
	"^minidc-migrate move: refused by host1.example.com: bob@EXAMPLE.COM is not a member of Migration Operators$" $VIA

kinit_pw Al1ce-Pass-1 -f alice
t_ok "delegation deny HOST1\$ migrate/host2.example.com" \
	"$MINIDC" delegation deny 'HOST1$' migrate/host2.example.com --dir "$H_DIR"
refused "delegation not allowed" \
	"^minidc-migrate move: host1.example.com could not obtain a ticket to migrate/host2.example.com for alice@EXAMPLE.COM \\(constrained delegation\\): authenticating: KDC can't fulfill requested option \\(is the target in the host account's msDS-AllowedToDelegateTo\\?\\)$" $VIA
# ---- check: the same prerequisite, told with its fix; the fix works ----
out=$("$M" check vm1 --to host2.example.com $VIA 2>&1)
t_is "check without the delegation: exit 1" "$?" 1
t_like "check: the user's ticket ok" "$out" "^ok forwardable ticket of alice@EXAMPLE.COM$"
t_like "check: the source ok" "$out" "^ok migration enabled on host1.example.com \\(the source\\)$"
t_like "check: the delegation MISSING" "$out" \
	"^MISSING constrained delegation from HOST1\\$ to migrate/host2.example.com$"
t_like "check: its fix" "$out" \
	"^  fix: minidc delegation allow 'HOST1\\$' migrate/host2.example.com --dir DIR$"
t_like "check: what the refusal hides is unchecked" "$out" \
	"^unchecked migration enabled on host2.example.com \\(the destination\\)$"
fix=$(printf '%s\n' "$out" | sed -n 's/^  fix: //p' | sed "s|^minidc |$MINIDC |; s|--dir DIR|--dir '$H_DIR'|")
# (the printed command with the DC's directory, minidc as built here)
t_ok "running the printed fix" sh -c "$fix"
out=$("$M" check vm1 --to host2.example.com $VIA 2>&1)
t_is "check after the fix: exit 0" "$?" 0
t_is "check after the fix: every prerequisite ok or n/a" \
	"$(printf '%s\n' "$out" | grep -Evc '^(ok|n/a) ')" 0
t_is "... ten of them ok" "$(printf '%s\n' "$out" | grep -c '^ok ')" 10
# vm1 is defined nowhere: its move is the policy round trip (the source's
# operator and address rules, then the destination's), which never meets
# the VM, its name, CPU model and storage
t_is "... four n/a" "$(printf '%s\n' "$out" | grep -c '^n/a ')" 4
t_like "... the CPU model n/a, and why" "$out" \
	"^n/a CPU model \\(unknown\\) of VM vm1 offered by host2.example.com \\(no VM vm1 on host1.example.com: its move is the policy round trip only\\)$"
kinit_pw B0b-Pass-1 -f bob
out=$("$M" check vm1 --to host2.example.com $VIA 2>&1)
t_is "check as bob: exit 1" "$?" 1
t_like "check as bob: not in Migration Operators" "$out" \
	"^MISSING bob@EXAMPLE.COM in Migration Operators$"
t_like "check as bob: the fix, and a new ticket" "$out" \
	"^  fix: minidc group addmember 'Migration Operators' bob --dir DIR; then kinit -f bob@EXAMPLE.COM"
kinit_pw Al1ce-Pass-1 -f alice

"$M" disable --state "$S2" >/dev/null 2>&1
refused "migration disabled on host2" \
	"^minidc-migrate move: refused by host2.example.com: migration is disabled on host2.example.com$" $VIA
"$M" enable --state "$S2" >/dev/null 2>&1

"$M" network remove "$H_ADDR/32" --state "$S2" >/dev/null 2>&1
"$M" network add 192.0.2.0/24 --state "$S2" >/dev/null 2>&1
refused "source address outside host2's migration networks" \
	"^minidc-migrate move: refused by host2.example.com: source address $H_ADDR is not in a migration network of host2.example.com$" $VIA
"$M" network add "$H_ADDR/32" --state "$S2" >/dev/null 2>&1

refused "alice straight to the destination (no delegation-info)" \
	"^minidc-migrate move: refused by host2.example.com: alice@EXAMPLE.COM connected directly: no constrained-delegation info" \
	--via "$H_ADDR:$P2" --direct host1.example.com

kdestroy >/dev/null 2>&1
kinit_pw Al1ce-Pass-1 -F alice
refused "a non-forwardable TGT (kinit -F)" \
	"^minidc-migrate move: the ticket of alice@EXAMPLE.COM to migrate/host1.example.com is not forwardable \\(kinit -f\\): host1.example.com cannot act for the user$" $VIA

# ---- after all that, the happy path still works ----
kinit_pw Al1ce-Pass-1 -f alice
out=$(move $VIA)
t_is "alice again: accepted" "$?:$out" \
	"0:accepted by host2.example.com: VM vm1 from host1.example.com for alice@EXAMPLE.COM, delegated by HOST1\$@EXAMPLE.COM"

# ---- garbage on the wire: the agent answers or hangs up, and lives on ----
printf '\377\377\377\377garbage' | timeout 5 python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(sys.stdin.buffer.read()); s.shutdown(socket.SHUT_WR)
while s.recv(4096): pass' "$H_ADDR" "$P1" >/dev/null 2>&1
kill -0 ${AGENTS%% *} 2>/dev/null
t_is "agent host1 survives a malformed frame" "$?" 0
out=$(move $VIA)
t_is "and still serves" "$?" 0

out=$("$M" move 'bad/vm' --to host2.example.com --via "$H_ADDR:$P1" 2>&1)
t_is "a bad VM name: usage error, one line" "$?:$(printf '%s\n' "$out" | wc -l)" "2:1"
out=$("$M" agent --keytab "$H_TMP/nope.keytab" --listen "$H_ADDR:1" --state "$S1" 2>&1)
t_is "agent with a missing keytab: exit 1" "$?" 1
t_like "agent with a missing keytab: says so" "$out" "nope.keytab"

for p in $AGENTS; do kill "$p" 2>/dev/null; done
for p in $AGENTS; do wait "$p" 2>/dev/null; done
t_unlike "agents stopped" "$(for p in $AGENTS; do kill -0 "$p" 2>/dev/null && echo alive; done)" alive
AGENTS=""
harness_done
