#!/bin/sh
# tests/integration/t_migrate_hostile.sh - the migration agent against
# hostile peers (python sockets as the attacker), in a network namespace of
# the test's own (netns.sh):
#  - a peer outside the agent's migration networks that is no registered
#    host of the domain is refused before any GSS work; a registered one
#    is greeted;
#  - 70 connections from one address dripping a byte a second: the agent
#    serves 4 of them at a time ([agent] auth-per-address), refuses the
#    rest, and closes each at its authentication deadline ([agent]
#    auth-timeout); meanwhile a Migration Operator's vm list and move work;
#  - a user outside Migration Operators, and an operator, ask host1 to move
#    toward an attacker's listener: both are refused and the listener sees
#    no connection at all; toward the destination's registered address the
#    move works.
. "$top_srcdir/tests/harness/netns.sh"
netns_enter "$@"
. "$top_srcdir/tests/harness/harness.sh"
H_DC_ADDR=$NETNS_DC harness_start
. "$top_srcdir/tests/harness/livedomain.sh"
HP="$top_srcdir/tests/tools/mighostile.py"
LSN=""
trap '[ -n "$LSN" ] && kill "$LSN" 2>/dev/null; live_cleanup; harness_cleanup' EXIT

IN=192.168.0.66      # inside the migration network, no host's address
OUT=10.9.9.9         # outside it, no name
REG=10.9.9.12        # outside it, host3.example.com
FOREIGN=10.9.9.13    # outside it, a name of another domain
LISTENER=10.9.9.10   # the attacker's listener
ip addr add "$IN/24" dev "$NETNS_BR" &&
	for a in $OUT $REG $FOREIGN $LISTENER; do
		ip addr add "$a/32" dev "$NETNS_BR" || exit 1
	done
t_is "the attacker's addresses on $NETNS_BR" "$?" 0

live_domain
printf '%s host3.example.com\n%s host3.attacker.test\n' "$REG" "$FOREIGN" \
	>> "$H_TMP/hosts"
mkdir -p "$S1"
printf '[agent]\nauth-timeout = 3\nauth-per-address = 4\n' > "$S1/migrate.conf"
live_agents --config "$S1/migrate.conf"
t_like "enable kept host1's [agent] limits" "$(cat "$S1/migrate.conf")" \
	"^auth-per-address = 4$"
probe() { python3 "$HP" probe "$1" "$NETNS_H1" "$LIVE_PORT" 2>&1; }
log1() { cat "$H_TMP/agent1.out"; }

# ---- who may talk to the agent at all ----
t_is "$OUT (no migration network, no name): refused before authentication" \
	"$(probe $OUT)" \
	"ERROR refused by host1.example.com: $OUT is neither in a migration network of host1.example.com nor the registered address of a host of its domain"
t_like "... and the agent logged it" "$(log1)" \
	"connection refused by host1.example.com: $OUT is neither in a migration network"
t_like "$FOREIGN (named in another domain): refused" "$(probe $FOREIGN)" \
	"^ERROR refused by host1.example.com: $FOREIGN is neither"
t_is "$REG (host3.example.com, forward-confirmed): greeted" "$(probe $REG)" \
	"HELLO host1.example.com"
t_is "$IN (a migration network): greeted" "$(probe $IN)" "HELLO host1.example.com"

# ---- 70 slow-drip connections from one address ----
python3 "$HP" drip "$IN" "$NETNS_H1" "$LIVE_PORT" 70 10 "$H_TMP/drip.ready" \
	> "$H_TMP/drip.out" 2>&1 &
DRIP=$!
t_wait 30 test -e "$H_TMP/drip.ready"
t_is "the 70 connections are open" "$?" 0
out=$("$M" vm list --via "$VIA1" 2>&1)
t_is "meanwhile alice's vm list works" "$?" 0
out=$("$M" move vm1 --to host2.example.com --via "$VIA1" 2>&1)
t_is "meanwhile alice's move works" "$?:$out" \
	"0:accepted by host2.example.com: VM vm1 from host1.example.com for alice@EXAMPLE.COM, delegated by HOST1\$@EXAMPLE.COM"
wait "$DRIP"
drip=$(cat "$H_TMP/drip.out")
t_like "the dripping connections over 4 were refused" "$drip" \
	"^refused [0-9]+: too many connections from $IN are authenticating, try later$"
deadline=$(printf '%s\n' "$drip" | sed -n 's/^deadline //p')
t_ok "the agent closed greeted ones at their deadline (${deadline:-none})" \
	test "${deadline:-0}" -ge 4
t_unlike "the agent never said it was busy" "$drip" "busy"
t_like "host1 logged the refusals" "$(log1)" \
	"refused a connection from $IN: 4 connections from it are authenticating"
t_like "host1 logged the deadline" "$(log1)" \
	"closed the connection from $IN: not authenticated within 3 s"

# ---- the source connects nowhere it should not ----
printf 'B0b-Pass-1\n' | "$MINIDC" user add bob --dir "$H_DIR" >/dev/null 2>&1
t_is "user add bob" "$?" 0
python3 "$HP" listen "$LISTENER" "$LIVE_PORT" "$H_TMP/listener.out" 2>&1 &
LSN=$!
t_wait 10 grep -q listening "$H_TMP/listener.out"
t_is "the attacker's listener on $LISTENER:$LIVE_PORT" "$?" 0
kinit_pw B0b-Pass-1 -f bob
out=$("$M" move vm1 --to host2.example.com --via "$VIA1" \
	--dest-addr "$LISTENER:$LIVE_PORT" 2>&1)
t_is "bob toward the listener: refused by host1" "$?:$out" \
	"1:minidc-migrate move: refused by host1.example.com: bob@EXAMPLE.COM is not a member of Migration Operators"
kinit_pw Al1ce-Pass-1 -f alice
out=$("$M" move vm1 --to host2.example.com --via "$VIA1" \
	--dest-addr "$LISTENER:$LIVE_PORT" 2>&1)
t_is "alice toward the listener: refused by host1" "$?:$out" \
	"1:minidc-migrate move: refused by host1.example.com: $LISTENER is neither the registered address of host2.example.com nor inside a migration network of host1.example.com"
t_is "the listener saw no connection" "$(cat "$H_TMP/listener.out")" "listening"
# host2's address is no longer in host1's networks: only its registration
# lets host1 connect.  (The commands of this test reach host1 from
# $NETNS_GW, the bridge's first address: that one stays.)
"$M" network remove "$NETNS_NET" --state "$S1" >/dev/null 2>&1 &&
	"$M" network add 10.200.0.0/16 --state "$S1" >/dev/null 2>&1 &&
	"$M" network add "$NETNS_GW/32" --state "$S1" >/dev/null 2>&1
t_is "host1's migration networks: 10.200.0.0/16 and $NETNS_GW/32" "$?" 0
out=$("$M" move vm1 --to host2.example.com --via "$VIA1" 2>&1)
t_is "alice toward host2's registered address: accepted" "$?:$out" \
	"0:accepted by host2.example.com: VM vm1 from host1.example.com for alice@EXAMPLE.COM, delegated by HOST1\$@EXAMPLE.COM"
t_is "the listener still saw no connection" "$(cat "$H_TMP/listener.out")" "listening"
harness_done
