#!/bin/sh
# tests/integration/t_migrate_live.sh - the reference scenario: Move-VM
# -IncludeStorage of a running QEMU VM between two joined hosts under
# Kerberos constrained delegation, while its HTTP counter is polled every
# 0.5 s.  Everything runs in a network namespace of the test's own: a bridge
# on 192.168.0.0/24 with the DC (.10), host1 (.11), host2 (.12) and the
# guest (.50) on a tap the agent creates.  Then the faults: the destination
# agent or its QEMU killed, or the session cut, during the move -> web1
# still answers from host1 and nothing is left on host2.
. "$top_srcdir/tests/harness/netns.sh"
. "$top_srcdir/tests/guest/guest.sh"
# The guest is built (a fresh machine downloads the kernel package once)
# before the test leaves the machine's network.
[ -n "${MINIDC_NETNS_INSIDE:-}" ] || guest_paths ||
	{ echo "Bail out! the test guest could not be built"; exit 99; }
netns_enter "$@"
. "$top_srcdir/tests/harness/harness.sh"
H_DC_ADDR=$NETNS_DC harness_start
. "$top_srcdir/tests/harness/livedomain.sh"
POLLER=""
trap '[ -n "$POLLER" ] && kill "$POLLER" 2>/dev/null; live_cleanup; harness_cleanup' EXIT

live_domain
live_agents
guest_paths
t_is "the test guest is there" "$?" 0
for d in "$D1" "$D2"; do
	cp "$GUEST_KERNEL" "$d/vmlinuz" && cp "$GUEST_INITRD" "$d/initrd.img"
done
# A 1 GiB sparse disk with 160 MiB of data past the guest's sector 0 (the
# storage mirror has something to copy, and lasts long enough to be hit).
truncate -s 1G "$D1/web1.img"
for off in 1 100 300 600 900; do
	dd if=/dev/urandom of="$D1/web1.img" bs=1M count=32 seek="$off" conv=notrunc status=none
done
alloc() { echo $(( $(stat -c %b "$1") * $(stat -c %B "$1") / 1048576 )); }
URL="http://$NETNS_GUEST/cgi-bin/counter"
MAC=52:54:00:12:34:56
js() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@" 2>/dev/null; }
vmlist() { "$M" vm list --via "$1" 2>&1; }
# on_host N: the VM's line in host N's vm list, or nothing
on_host() { vmlist "$(eval echo \$VIA$1)" | grep "^web1 "; }
# host2_gone: host2 neither defines nor runs web1
host2_gone() {
	[ -z "$(on_host 2)" ] && [ ! -e "$S2/vms/web1.json" ] && [ ! -e "$S2/run/web1" ]
}
# host2_empty DIR: that, and nothing in host2's storage directory DIR
host2_empty() { host2_gone && [ -z "$(ls -A "$D2/$1" 2>/dev/null)" ]; }

# ---- web1 on host1 ----
t_ok "vm create web1 on host1 (256 MiB, 1 GiB sparse disk, NIC on $NETNS_BR)" \
	"$M" vm create web1 --via "$VIA1" --memory 256 --disk web1.img \
	--kernel vmlinuz --initrd initrd.img --append "$(guest_append "$NETNS_GUEST")" \
	--nic "bridge=$NETNS_BR,mac=$MAC"
t_ok "vm start web1" "$M" vm start web1 --via "$VIA1"
t_like "vm list on host1: web1 running" "$(on_host 1)" "^web1 +running "
$HTTPPOLL "$URL" --wait-ready 240 --duration 1 --summary "$H_TMP/ready.json" \
	> "$H_TMP/ready.out" 2>&1
t_is "web1 answers from host1: $(head -n 1 "$H_TMP/ready.out")" "$?" 0
LAST=$(js "$H_TMP/ready.json" last)

# The bridge's address must not change when a move adds or removes a tap:
# the guest keeps sending to the address in its ARP entry (a request was
# lost that way for ~5 s, the guest's next ARP).
br_addr() { cat "/sys/class/net/$NETNS_BR/address"; }
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

# ---- faults: each leaves web1 running on host1 and nothing on host2 ----
# (host2 -> host1 is allowed too: a case that went wrong puts web1 back)
t_ok "delegation allow HOST2\$ migrate/host1.example.com" \
	"$MINIDC" delegation allow 'HOST2$' migrate/host1.example.com --dir "$H_DIR"
# fault_move PHASE FAULT: a move of web1 to host2; when it reaches PHASE
# (mirror, pre-copy: the CLI's progress; switch-over: host1's QEMU has
# stopped the guest for the last copy), FAULT hits host2: "agent" (SIGKILL
# of host2's agent, then it is started again), "qemu" (SIGKILL of host2's
# QEMU of web1) or "cut" (the agents' TCP session is reset).
qemu_state() { "$M" vm show web1 --via "$VIA1" 2>/dev/null | sed -n 's/^qemu-status: //p'; }
in_phase() {
	# (switch-over: the CLI shows it when host1's QEMU has completed; its
	# monitor does not answer during the last copy)
	grep -q "^$1 " "$H_TMP/fault.err"
}
# agent2_pids: host2's agent and the processes it forked, not its QEMUs
# (an agent that dies leaves them to the agent that starts next)
agent2_pids() {
	_todo=$AGENT2
	while [ -n "$_todo" ]; do
		_p=${_todo%% *}
		_todo=$(echo "${_todo#"$_p"}" | sed 's/^ *//')
		[ "$(ps -o comm= -p "$_p")" = qemu-system-x86 ] && continue
		echo "$_p"
		_todo=$(echo "$_todo $(ps -o pid= --ppid "$_p" | tr '\n' ' ')" | sed 's/^ *//; s/ *$//')
	done
}
# back_to_host1: after a fault case that went wrong, web1 is put back
back_to_host1() {
	[ -z "$(on_host 1)" ] && on_host 2 | grep -q "^web1 running " || return 0
	echo "# web1 is on host2: moving it back"
	"$M" move web1 --to host1.example.com --via "$VIA2" --dest-addr "$VIA1" \
		--include-storage --storage-path "back$$$(date +%s)" > /dev/null 2>&1
}
# wait_phase PHASE PID: until the move is in PHASE or has ended
wait_phase() {
	_end=$(( $(date +%s) + 120 ))
	while [ "$(date +%s)" -lt "$_end" ]; do
		in_phase "$1" && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
# fault_late FAULT: the switch-over lasts ~0.2 s and the fault came after
# host2 had resumed web1: the move succeeded.  Then web1 runs on host2 only,
# not "migrating" (after host2's agent was killed, the one that starts next
# clears that mark), and the poller saw no failure; web1 goes back.
fault_late() {
	echo "# $1/switch-over: host2 had resumed web1 before the fault: the move succeeded"
	if [ "$1" = agent ]; then
		wait "$AGENT2" 2>/dev/null
		AGENT2=""
		live_agent_start 2
		t_is "$1/switch-over: host2's agent starts again" "$?" 0
	fi
	poll_stop
	t_is "$1/switch-over: zero failed requests: $(head -n 1 "$H_TMP/poll-summary.out")" \
		"$(js "$H_TMP/poll.json" failed)/$(js "$H_TMP/poll.json" problems)" "0/[]"
	t_like "$1/switch-over: host2 runs web1, not marked migrating" "$(on_host 2)" "^web1 +running "
	t_is "$1/switch-over: host1 no longer lists web1" "$(on_host 1)" ""
	back_to_host1
	t_like "$1/switch-over: web1 moved back to host1" "$(on_host 1)" "^web1 +running "
}
fault_move() {
	_ph=$1; _f=$2; _dir="f-$_f-$_ph"
	case $_ph in
	mirror) _args="--storage-bandwidth 4" ;;
	pre-copy) _args="--bandwidth 4" ;;
	switch-over) _args="--bandwidth 8 --downtime 60000" ;;
	esac
	poll_start
	# shellcheck disable=SC2086
	"$M" move web1 --to host2.example.com --via "$VIA1" --dest-addr "$VIA2" \
		--include-storage --storage-path "$_dir" $_args \
		> "$H_TMP/fault.out" 2> "$H_TMP/fault.err" &
	_mv=$!
	wait_phase "$_ph" "$_mv"
	t_is "$_f/$_ph: the move reached $_ph$(kill -0 $_mv 2>/dev/null || echo ": $(tail -n 1 "$H_TMP/fault.err")")" "$?" 0
	# a move that has ended is not hit (a QEMU killed then would be web1
	# running on host2)
	if ! kill -0 "$_mv" 2>/dev/null; then
		echo "# $_f/$_ph: the move ended before the fault"
	else
	case $_f in
	agent) kill -9 $(agent2_pids) ;;
	qemu) _q=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$S2/run/web1/run.json" 2>/dev/null)
		kill -9 "${_q:-0}" ;;
	cut) ss -K src "$NETNS_H1" dst "$NETNS_H2" dport = :"$LIVE_PORT" > "$H_TMP/cut.out" 2>&1
		ss -K src "$NETNS_H2" sport = :"$LIVE_PORT" dst "$NETNS_H1" >> "$H_TMP/cut.out" 2>&1
		grep -q ESTAB "$H_TMP/cut.out" ;;
	esac
	t_is "$_f/$_ph: the fault was injected" "$?" 0
	fi
	wait "$_mv"
	_rc=$?
	if [ "$_ph" = switch-over ] && [ "$_rc" = 0 ]; then
		fault_late "$_f"
		return
	fi
	_last=$(tail -n 1 "$H_TMP/fault.err")
	t_is "$_f/$_ph: move fails (exit 1): $_last" "$_rc" 1
	t_like "$_f/$_ph: with a one-line reason" "$_last" "^minidc-migrate move: "
	if [ "$_f" = agent ]; then
		wait "$AGENT2" 2>/dev/null
		AGENT2=""
		live_agent_start 2
		t_is "$_f/$_ph: host2's agent starts again" "$?" 0
	fi
	poll_stop
	# Every poll was answered while host1 tore the move down (a request
	# that timed out is a failure here too), and the counter continued
	# (no gap, no repeat, disk = counter).
	t_is "$_f/$_ph: web1 kept answering from host1, zero failed requests: $(head -n 1 "$H_TMP/poll-summary.out")" \
		"$(js "$H_TMP/poll.json" failed)/$(js "$H_TMP/poll.json" problems)" "0/[]"
	$HTTPPOLL "$URL" --duration 1 --after "$LAST" > "$H_TMP/poll-after.out" 2>&1
	t_is "$_f/$_ph: and answers every poll after it: $(head -n 1 "$H_TMP/poll-after.out")" "$?" 0
	_l=$(sed -n 's/.*counter [0-9]*\.\.\([0-9]*\),.*/\1/p' "$H_TMP/poll-after.out")
	[ -n "$_l" ] && LAST=$_l
	t_like "$_f/$_ph: vm list on host1: web1 running" "$(on_host 1)" "^web1 +running "
	t_is "$_f/$_ph: QEMU on host1 runs the guest" "$(qemu_state)" running
	t_wait 30 host2_empty "$_dir"
	_rc=$?
	t_is "$_f/$_ph: nothing left on host2 (VM, QEMU, $_dir)" "$_rc" 0
	if [ $_rc -ne 0 ]; then
		echo "# host2: $(on_host 2); $(ls "$S2/vms" "$S2/run" "$D2/$_dir" 2>&1 | tr '\n' ' ')"
		# what was left is removed, so that the next case starts clean
		[ -n "$(on_host 1)" ] && "$M" vm rm web1 --via "$VIA2" > /dev/null 2>&1
		rm -rf "${D2:?}/$_dir"
	fi
	back_to_host1
}
# In make check: host2's agent killed, its QEMU killed, the session cut during the storage
# mirror.  LIVE_FAULTS="all" (or a list such as "agent/mirror cut/pre-copy")
# runs the others: see doc/migrate-tests.md for what they find today.
LIVE_FAULTS=${LIVE_FAULTS:-agent/mirror qemu/mirror cut/mirror}
for ph in mirror pre-copy switch-over; do
	for f in agent qemu cut; do
		case " $LIVE_FAULTS " in *" $f/$ph "*|" all ") ;; *) continue ;; esac
		fault_move "$ph" "$f"
	done
done

# ---- the move: the reference scenario ----
QPID1=$(on_host 1 | tr ' ' '\n' | sed -n 's/^pid=//p')
BR0=$(br_addr)
poll_start
"$M" move web1 --to host2.example.com --via "$VIA1" --dest-addr "$VIA2" --include-storage \
	--storage-path vms --json > "$H_TMP/move.json" 2> "$H_TMP/move.err"
rc=$?
t_is "move web1 --to host2 --include-storage exits 0$( [ $rc -ne 0 ] && echo ": $(tail -n 1 "$H_TMP/move.err")")" "$rc" 0
poll_stop
rc=$?
t_is "the poller during the move: $(head -n 1 "$H_TMP/poll-summary.out")" "$rc" 0
t_is "zero failed requests" "$(js "$H_TMP/poll.json" failed)" 0
t_is "the bridge kept its address" "$(br_addr)" "$BR0"
t_is "the counter continued: no gap, no repeat, disk = counter" \
	"$(js "$H_TMP/poll.json" problems)" "[]"
t_like "the report has the total time and QEMU's downtime" "$(cat "$H_TMP/move.json")" \
	'"downtime_ms": *[0-9]+'
t_unlike "vm list on host1: no web1" "$(vmlist "$VIA1")" "^web1 "
t_like "vm list on host2: web1 running" "$(on_host 2)" "^web1 +running "
t_ok "host1's QEMU of web1 (pid ${QPID1:-?}) is gone" sh -c "! kill -0 ${QPID1:-0}"
IMG2=$(find "$D2/vms" -name 'web1*.img' 2>/dev/null | head -n 1)
t_is "the disk on host2 holds the last value" "$(guest_disk_value "${IMG2:-/dev/null}")" "$LAST"
t_ok "the disk on host2 has the data of host1's past sector 0" \
	cmp -i 512 "$D1/web1.img" "${IMG2:-/dev/null}"
a2=$(alloc "${IMG2:-/dev/null}")
t_ok "and stays sparse (${a2:-?} MiB allocated of 1024, 160 MiB of data)" \
	test "${a2:-9999}" -ge 160 -a "${a2:-9999}" -le 200



# ---- back and forth: host2 -> host1 under the same rules, then again ----
# (the switch-over in the other direction lost a request once: each move
# is polled and must see zero failed requests; LIVE_ROUNDS moves, default 2)
# live_move N FROM TO [OPTIONS]: move N of web1 from host FROM to host TO
live_move() {
	_mn=$1; _via=$(eval echo \$VIA$2); _dvia=$(eval echo \$VIA$3); _h=$3; _o=$2
	shift 3
	_br=$(br_addr)
	poll_start
	"$M" move web1 --to "host$_h.example.com" --via "$_via" --dest-addr "$_dvia" \
		--include-storage --storage-path "rt$_mn" "$@" > "$H_TMP/rt.out" 2> "$H_TMP/rt.err"
	_rc=$?
	t_is "move $_mn: web1 host$_o -> host$_h${*:+ ($*)} exits 0$( [ $_rc -ne 0 ] && echo ": $(tail -n 1 "$H_TMP/rt.err")")" "$_rc" 0
	poll_stop
	t_is "move $_mn: the poller: $(head -n 1 "$H_TMP/poll-summary.out")" "$?" 0
	t_is "move $_mn: zero failed requests" "$(js "$H_TMP/poll.json" failed)" 0
	t_is "move $_mn: the bridge kept its address" "$(br_addr)" "$_br"
	t_is "move $_mn: the counter continued" "$(js "$H_TMP/poll.json" problems)" "[]"
	t_like "move $_mn: vm list on host$_h: web1 running" "$(on_host "$_h")" "^web1 +running "
	t_is "move $_mn: host$_o no longer lists web1" "$(on_host "$_o")" ""
	# figures, not asserted: where the switch-over's time went, and
	# the seconds spent in the mirror (one progress line a second)
	sed -n 's/.*\(VM web1 switch-over, .*\)/# host'"$_h"': \1/p' "$H_TMP/agent$_h.out" | tail -n 1
	echo "# move $_mn: $(grep -c '^mirror ' "$H_TMP/rt.err") progress lines in the mirror"
	t_is "move $_mn: no mirror progress line says 0 B / 0 B" \
		"$(grep -c '^mirror .* 0 B / 0 B ' "$H_TMP/rt.err")" 0
	echo "# move $_mn: $(grep -c '^mirror  *preparing the destination disk$' "$H_TMP/rt.err") line(s) preparing the destination disk"
}
# Move 1 is paced (--bandwidth 32 MiB/s also paces the mirror): the 160 MiB
# of data take ~5 s, the 864 MiB of holes are not counted (they were: 32 s).
_from=2; _to=1
for _round in $(seq 1 "${LIVE_ROUNDS:-2}"); do
	if [ "$_round" = 1 ]; then
		live_move "$_round" "$_from" "$_to" --bandwidth 32
	else
		live_move "$_round" "$_from" "$_to"
	fi
	_t=$_from; _from=$_to; _to=$_t
done
t_ok "host$_from alone has web1: host$_to neither defines nor runs it" \
	sh -c "[ ! -e '$(eval echo \$S$_to)/vms/web1.json' ] && [ ! -e '$(eval echo \$S$_to)/run/web1' ]"
[ -n "${LIVE_KEEP_LOGS:-}" ] && harness_keep_logs

harness_done
