# tests/harness/livedomain.sh - the reference scenario's domain, for the
# tests that move real VMs: source after netns.sh and harness.sh.
#   live_domain   # DC on $NETNS_DC, host1/host2 joined (minidc-join),
#                 # delegation host1 -> migrate/host2, alice a Migration
#                 # Operator with a forwardable TGT, /etc/hosts + resolv.conf
#   live_agents [extra agent options]
#                 # agents on $NETNS_H1:$LIVE_PORT and $NETNS_H2:$LIVE_PORT,
#                 # both enabled, 192.168.0.0/24 a migration network on both
#   live_agent_stop N / live_agent_start N [options]: one agent
# Sets J, M, KT1, KT2, S1, S2, D1, D2, VIA1, VIA2, LIVE_PORT.
J="$top_builddir/join/minidc-join"
M="$top_builddir/migrate-auth/minidc-migrate"
LIVE_PORT=7690 # the default port: --to FQDN needs no address
VIA1="$NETNS_H1:$LIVE_PORT"
VIA2="$NETNS_H2:$LIVE_PORT"
AGENT1=""
AGENT2=""
kinit_pw() { _pw=$1; shift; printf '%s\n' "$_pw" | kinit "$@" >/dev/null 2>&1; }

live_domain() {
	KT1="$H_TMP/host1.keytab"
	KT2="$H_TMP/host2.keytab"
	S1="$H_TMP/state1"
	S2="$H_TMP/state2"
	D1="$H_TMP/disks1"
	D2="$H_TMP/disks2"
	mkdir -p "$D1" "$D2"
	netns_names "$H_TMP"
	t_is "/etc/hosts and resolv.conf of the test's own namespace" "$?" 0
	for h in host1 host2; do
		"$J" join --domain example.com --host-fqdn "$h.example.com" \
			--keytab "$H_TMP/$h.keytab" --server "$H_ADDR" \
			--password-file "$H_ADMIN_PW_FILE" --no-dns-update \
			> "$H_TMP/join-$h.out" 2>&1
		t_is "minidc-join $h exits 0" "$?" 0
	done
	t_ok "delegation allow HOST1\$ migrate/host2.example.com" \
		"$MINIDC" delegation allow 'HOST1$' migrate/host2.example.com --dir "$H_DIR"
	printf 'Al1ce-Pass-1\n' | "$MINIDC" user add alice --dir "$H_DIR" >/dev/null 2>&1
	t_is "user add alice" "$?" 0
	t_ok "alice joins Migration Operators" \
		"$MINIDC" group addmember "Migration Operators" alice --dir "$H_DIR"
	kinit_pw Al1ce-Pass-1 -f alice
	t_is "alice: kinit -f" "$?" 0
}

# live_agent_start N [options]: agent N (1 or 2) in the background.
live_agent_start() {
	_n=$1; shift
	eval "_a=\$NETNS_H$_n _kt=\$KT$_n _s=\$S$_n _d=\$D$_n"
	"$M" agent --keytab "$_kt" --listen "$_a:$LIVE_PORT" --state "$_s" \
		--storage-dir "$_d" --principal "migrate/host$_n.example.com" "$@" \
		>> "$H_TMP/agent$_n.out" 2>&1 &
	eval "AGENT$_n=$!"
	t_wait 30 sh -c "ss -Htln 'src $_a:$LIVE_PORT' | grep -q ."
}

live_agent_stop() {
	eval "_p=\$AGENT$1"
	[ -n "$_p" ] || return 0
	kill "$_p" 2>/dev/null
	wait "$_p" 2>/dev/null
	eval "AGENT$1="
	return 0
}

live_agents() {
	for n in 1 2; do
		eval "_s=\$S$n"
		"$M" enable --state "$_s" >/dev/null 2>&1
		t_is "enable host$n" "$?" 0
		t_ok "network add $NETNS_NET on host$n" "$M" network add "$NETNS_NET" --state "$_s"
		live_agent_start "$n" "$@"
		t_is "agent host$n listening on $(eval echo \$NETNS_H$n):$LIVE_PORT" "$?" 0
	done
}

live_cleanup() {
	live_agent_stop 1
	live_agent_stop 2
}

# The poller of a live move's tests (HTTPPOLL, URL, H_TMP, LAST set by the
# test).  js FILE KEY: one value of a JSON object.
js() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@" 2>/dev/null; }
# poll_start: a poller in the background that continues after $LAST
poll_start() {
	rm -f "$H_TMP/stop"
	case $LAST in ''|*[!0-9]*) _after="" ;; *) _after="--after $LAST" ;; esac
	# shellcheck disable=SC2086
	$HTTPPOLL "$URL" --stop-file "$H_TMP/stop" $_after \
		--summary "$H_TMP/poll.json" --log "$H_TMP/poll-log.out" > "$H_TMP/poll-summary.out" 2>&1 &
	POLLER=$!
	t_wait 30 sh -c "[ \$(wc -l < '$H_TMP/poll-log.out') -ge 2 ]"
}
# poll_stop: a few more answers, then stop; status of the poller
poll_stop() {
	_n=$(wc -l < "$H_TMP/poll-log.out")
	t_wait 30 sh -c "[ \$(wc -l < '$H_TMP/poll-log.out') -ge $((_n + 4)) ]"
	touch "$H_TMP/stop"
	wait "$POLLER"
	_rc=$?
	POLLER=""
	_l=$(js "$H_TMP/poll.json" last)
	case $_l in ''|None) ;; *) LAST=$_l ;; esac
	return $_rc
}
