#!/bin/sh
# tests/integration/t_migrate_faults.sh - the faults of a live move with
# storage, each held in its phase so that it hits there every run: the
# destination agent killed, its QEMU killed, or the agents' session cut
# during the storage mirror, the memory pre-copy and the switch-over ->
# web1 still answers from host1 (zero failed polls) and nothing is left on
# host2.  Then the source agent killed in the switch-over, before and after
# its COMMIT, and started again: it asks host2 how the move ended and
# either resumes web1 or removes its paused copy; with host2's agent down
# too it keeps web1 paused and says so until host2 answers or an operator
# cancels.  web1 answers from exactly one host.  Same network and domain as
# t_migrate_live.sh (doc/migrate-tests.md).
. "$top_srcdir/tests/harness/netns.sh"
. "$top_srcdir/tests/guest/guest.sh"
[ -n "${MINIDC_NETNS_INSIDE:-}" ] || guest_paths ||
	{ echo "Bail out! the test guest could not be built"; exit 99; }
netns_enter "$@"
. "$top_srcdir/tests/harness/harness.sh"
H_DC_ADDR=$NETNS_DC harness_start
. "$top_srcdir/tests/harness/livedomain.sh"
POLLER=""
HELD="" # processes the test stopped (SIGSTOP): continued on exit
trap '[ -n "$HELD" ] && kill -CONT $HELD 2>/dev/null; [ -n "$POLLER" ] && kill "$POLLER" 2>/dev/null; live_cleanup; harness_cleanup' EXIT

live_domain
live_agents
guest_paths
t_is "the test guest is there" "$?" 0
for d in "$D1" "$D2"; do
	cp "$GUEST_KERNEL" "$d/vmlinuz" && cp "$GUEST_INITRD" "$d/initrd.img"
done
# A 256 MiB sparse disk with 24 MiB of data past the guest's sector 0: at
# 2 MiB/s the mirror lasts ~12 s, far longer than the test takes to see it.
truncate -s 256M "$D1/web1.img"
for off in 1 100 200; do
	dd if=/dev/urandom of="$D1/web1.img" bs=1M count=8 seek="$off" conv=notrunc status=none
done
URL="http://$NETNS_GUEST/cgi-bin/counter"
MAC=52:54:00:12:34:56
vmlist() { "$M" vm list --via "$1" 2>&1; }
on_host() { vmlist "$(eval echo \$VIA$1)" | grep "^web1 "; }
host2_gone() {
	[ -z "$(on_host 2)" ] && [ ! -e "$S2/vms/web1.json" ] && [ ! -e "$S2/run/web1" ]
}
host2_empty() { host2_gone && [ -z "$(ls -A "$D2/$1" 2>/dev/null)" ]; }
qemu_state() { "$M" vm show web1 --via "$VIA1" 2>/dev/null | sed -n 's/^qemu-status: //p'; }

t_ok "vm create web1 on host1 (256 MiB, 256 MiB sparse disk, NIC on $NETNS_BR)" \
	"$M" vm create web1 --via "$VIA1" --memory 256 --disk web1.img \
	--kernel vmlinuz --initrd initrd.img --append "$(guest_append "$NETNS_GUEST")" \
	--nic "bridge=$NETNS_BR,mac=$MAC"
t_ok "vm start web1" "$M" vm start web1 --via "$VIA1"
$HTTPPOLL "$URL" --wait-ready 240 --duration 1 --summary "$H_TMP/ready.json" \
	> "$H_TMP/ready.out" 2>&1
t_is "web1 answers from host1: $(head -n 1 "$H_TMP/ready.out")" "$?" 0
LAST=$(js "$H_TMP/ready.json" last)

# poll_once NAME: one second of polls continuing the counter; LAST moves on
poll_once() {
	$HTTPPOLL "$URL" --duration 1 --after "$LAST" > "$H_TMP/poll-after.out" 2>&1
	_rc=$?
	_l=$(sed -n 's/.*counter [0-9]*\.\.\([0-9]*\),.*/\1/p' "$H_TMP/poll-after.out")
	[ -n "$_l" ] && LAST=$_l
	return $_rc
}

# descendants PID: PID and every process under it, QEMUs excluded (an agent
# that dies leaves its VMs to the agent that starts next)
descendants() {
	_todo=$1
	while [ -n "$_todo" ]; do
		_p=${_todo%% *}
		_todo=$(echo "${_todo#"$_p"}" | sed 's/^ *//')
		[ "$(ps -o comm= -p "$_p")" = qemu-system-x86 ] && continue
		echo "$_p"
		_todo=$(echo "$_todo $(ps -o pid= --ppid "$_p" | tr '\n' ' ')" | sed 's/^ *//; s/ *$//')
	done
}
# controller N: host N's controller of the move (the agent's connection
# child; on host2 the parent of web1's QEMU)
controller2() {
	for _c in $(ps -o pid= --ppid "$AGENT2"); do
		ps -o comm= --ppid "$_c" | grep -q qemu && echo "$_c"
	done
}
# log_since N FILE PATTERN: PATTERN in FILE after its first N lines
log_since() { tail -n +"$(($1 + 1))" "$2" | grep -q "$3"; }
# move_start DIR ARGS: web1 host1 -> host2 in the background ($MV)
move_start() {
	_d=$1; shift
	"$M" move web1 --to host2.example.com --via "$VIA1" --dest-addr "$VIA2" \
		--include-storage --storage-path "$_d" "$@" \
		> "$H_TMP/fault.out" 2> "$H_TMP/fault.err" &
	MV=$!
}
# hold_switch NAME: host2's controller is stopped during the mirror, so it
# cannot answer the SWITCH that follows the pre-copy; returns once host1
# has sent it (the move is then in the switch-over until the test lets
# host2 go: CTL2)
hold_switch() {
	_n1=$(wc -l < "$H_TMP/agent1.out")
	t_wait 120 sh -c "grep -q '^mirror' '$H_TMP/fault.err'"
	t_is "$1: the mirror runs" "$?" 0
	CTL2=$(controller2)
	t_like "$1: host2's controller of the move found" "$CTL2" "^[0-9]+$"
	kill -STOP "$CTL2"
	HELD="$HELD $CTL2"
	t_wait 180 log_since "$_n1" "$H_TMP/agent1.out" "VM web1 switch-over, source: SWITCH sent"
	t_is "$1: host1 completed the pre-copy and sent SWITCH (held there)" "$?" 0
}
release() { kill -CONT "$@" 2>/dev/null; HELD=""; }

# fault_move PHASE FAULT: a move of web1 to host2 held in PHASE, then FAULT
# hits host2: "agent" (SIGKILL of host2's agent and its processes, not its
# QEMU; it is started again), "qemu" (SIGKILL of host2's QEMU of web1) or
# "cut" (the agents' TCP session is reset).  mirror: paced at 2 MiB/s, hit
# at its first progress line; pre-copy: the mirror unpaced, the memory at
# 1 MiB/s (the guest's ~20 MiB of non-zero pages last ~20 s), hit at its
# first progress line; switch-over: hold_switch.
fault_move() {
	_ph=$1; _f=$2; _dir="f-$_f-$_ph"; CTL2=""
	case $_ph in
	mirror) _args="--storage-bandwidth 2" ;;
	pre-copy) _args="--bandwidth 1 --storage-bandwidth 1000" ;;
	switch-over) _args="--storage-bandwidth 4" ;;
	esac
	poll_start
	# shellcheck disable=SC2086
	move_start "$_dir" $_args
	if [ "$_ph" = switch-over ]; then
		hold_switch "$_f/$_ph"
	else
		t_wait 120 sh -c "grep -q '^$_ph ' '$H_TMP/fault.err' || ! kill -0 $MV"
		t_ok "$_f/$_ph: the move is in the $_ph" sh -c "grep -q '^$_ph ' '$H_TMP/fault.err' && kill -0 $MV"
	fi
	case $_f in
	agent) kill -9 $(descendants "$AGENT2") ;;
	qemu) _q=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$S2/run/web1/run.json" 2>/dev/null)
		kill -9 "${_q:-0}" ;;
	cut) ss -K src "$NETNS_H1" dst "$NETNS_H2" dport = :"$LIVE_PORT" > "$H_TMP/cut.out" 2>&1
		ss -K src "$NETNS_H2" sport = :"$LIVE_PORT" dst "$NETNS_H1" >> "$H_TMP/cut.out" 2>&1
		grep -q ESTAB "$H_TMP/cut.out" ;;
	esac
	t_is "$_f/$_ph: the fault was injected" "$?" 0
	[ -n "$CTL2" ] && release "$CTL2"
	wait "$MV"
	_rc=$?
	_last=$(tail -n 1 "$H_TMP/fault.err")
	t_is "$_f/$_ph: move fails (exit 1): $_last" "$_rc" 1
	t_like "$_f/$_ph: web1 keeps running on host1, with a one-line reason" "$_last" \
		"^minidc-migrate move: move of VM web1 failed, it keeps running on host1"
	if [ "$_f" = agent ]; then
		wait "$AGENT2" 2>/dev/null
		AGENT2=""
		live_agent_start 2
		t_is "$_f/$_ph: host2's agent starts again" "$?" 0
	fi
	poll_stop
	t_is "$_f/$_ph: web1 kept answering from host1, zero failed requests: $(head -n 1 "$H_TMP/poll-summary.out")" \
		"$(js "$H_TMP/poll.json" failed)/$(js "$H_TMP/poll.json" problems)" "0/[]"
	poll_once
	t_is "$_f/$_ph: and answers every poll after it: $(head -n 1 "$H_TMP/poll-after.out")" "$?" 0
	t_like "$_f/$_ph: vm list on host1: web1 running" "$(on_host 1)" "^web1 +running "
	t_is "$_f/$_ph: QEMU on host1 runs the guest" "$(qemu_state)" running
	t_wait 30 host2_empty "$_dir"
	_rc=$?
	t_is "$_f/$_ph: nothing left on host2 (VM, QEMU, $_dir)" "$_rc" 0
	if [ $_rc -ne 0 ]; then
		echo "# host2: $(on_host 2); $(ls "$S2/vms" "$S2/run" "$D2/$_dir" 2>&1 | tr '\n' ' ')"
		[ -n "$(on_host 1)" ] && "$M" vm rm web1 --via "$VIA2" > /dev/null 2>&1
		rm -rf "${D2:?}/$_dir"
	fi
}
# FAULTS: all nine by default; a list such as "agent/mirror cut/pre-copy"
# runs those only (and "none" none of them)
FAULTS=${FAULTS:-all}
for ph in mirror pre-copy switch-over; do
	for f in agent qemu cut; do
		case " $FAULTS " in *" $f/$ph "*|" all ") ;; *) continue ;; esac
		fault_move "$ph" "$f"
	done
done

# ---- the source agent dies in the switch-over, and starts again ----
# agent1_fifo: host1's agent with its log through a FIFO that the test
# can fill: a controller's next log line then blocks (the hold after COMMIT)
agent1_fifo() {
	rm -f "$H_TMP/agent1.fifo"
	mkfifo "$H_TMP/agent1.fifo"
	cat "$H_TMP/agent1.fifo" >> "$H_TMP/agent1.out" &
	CAT1=$!
	"$M" agent --keytab "$KT1" --listen "$NETNS_H1:$LIVE_PORT" --state "$S1" \
		--storage-dir "$D1" --principal migrate/host1.example.com \
		> "$H_TMP/agent1.fifo" 2>&1 &
	AGENT1=$!
	t_wait 30 sh -c "ss -Htln 'src $NETNS_H1:$LIVE_PORT' | grep -q ."
}
# fifo_fill: the FIFO's buffer full (the reader is stopped)
fifo_fill() {
	python3 - "$H_TMP/agent1.fifo" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK)
for chunk in (4096, 1):
    while True:
        try:
            os.write(fd, b"\n" * chunk)
        except BlockingIOError:
            break
PY
}
# kill_agent1: host1's agent and its processes, not its QEMU
kill_agent1() {
	kill -9 $(descendants "$AGENT1")
	wait "$AGENT1" 2>/dev/null
	AGENT1=""
}
QPID1=$(on_host 1 | tr ' ' '\n' | sed -n 's/^pid=//p')

# Before COMMIT: host2's controller is held at SWITCH (hold_switch), host1's
# agent is killed, host2 goes on without COMMIT and rolls back.  The agent
# that starts next finds web1 paused by a move that did not end, asks
# host2 (OUTCOME as HOST1$): not there, so web1 resumes in the same QEMU.
move_start s-before --storage-bandwidth 4
hold_switch "source killed before COMMIT"
_n1=$(wc -l < "$H_TMP/agent1.out")
kill_agent1
release "$CTL2"
wait "$MV"
t_is "source killed before COMMIT: the move fails" "$?" 1
t_wait 60 host2_empty s-before
t_is "source killed before COMMIT: host2 rolled back (nothing left there)" "$?" 0
live_agent_start 1
t_is "host1's agent starts again" "$?" 0
t_wait 60 log_since "$_n1" "$H_TMP/agent1.out" "VM web1: host2.example.com answers .*did not commit there, resumed here"
t_is "host1 asked host2 and resumed web1: $(tail -n +"$((_n1 + 1))" "$H_TMP/agent1.out" | grep 'VM web1' | tail -n 1)" "$?" 0
t_like "source killed before COMMIT: vm list on host1: web1 running, the same QEMU" \
	"$(on_host 1)" "^web1 +running .* pid=$QPID1 "
t_is "source killed before COMMIT: QEMU on host1 runs the guest" "$(qemu_state)" running
t_ok "source killed before COMMIT: host2 does not run web1" host2_gone
poll_once
t_is "source killed before COMMIT: web1 answers from host1: $(head -n 1 "$H_TMP/poll-after.out")" "$?" 0
t_is "no outgoing record is left on host1" "$(ls -A "$S1/outgoing" 2>/dev/null)" ""

# Nobody to ask: host1's and host2's agents are both killed at SWITCH.
# host1's next agent cannot learn how the move ended: web1 stays paused,
# marked migrating, the log says so with the command; the operator, who
# knows host2 does not run it, cancels: web1 resumes on host1.  host2's
# next agent removes its never resumed copy.
move_start s-cancel --storage-bandwidth 4
hold_switch "both agents killed"
_n1=$(wc -l < "$H_TMP/agent1.out")
kill_agent1
kill -9 $(descendants "$AGENT2")
wait "$AGENT2" 2>/dev/null
AGENT2=""
HELD=""
wait "$MV"
t_is "both agents killed: the move fails" "$?" 1
agent1_fifo
t_is "host1's agent starts again (both killed)" "$?" 0
t_wait 30 log_since "$_n1" "$H_TMP/agent1.out" "VM web1 is paused here: .*minidc-migrate move --cancel web1 --via $VIA1 resumes it here"
t_is "both agents killed: host1 says web1 waits, and how to resume it" "$?" 0
t_like "both agents killed: vm list on host1: web1 migrating" "$(on_host 1)" "^web1 +migrating "
t_like "both agents killed: host1's QEMU holds the guest paused" "$(qemu_state)" "^(paused|postmigrate)$"
t_like "move --cancel web1 on host1" "$("$M" move --cancel web1 --via "$VIA1" 2>&1)" "cancel of VM web1 requested"
t_wait 30 log_since "$_n1" "$H_TMP/agent1.out" "VM web1: resumed here on move --cancel"
t_is "both agents killed: host1 resumed web1 on move --cancel" "$?" 0
t_like "both agents killed: vm list on host1: web1 running, the same QEMU" \
	"$(on_host 1)" "^web1 +running .* pid=$QPID1 "
live_agent_start 2
t_is "host2's agent starts again (both killed)" "$?" 0
t_wait 30 host2_empty s-cancel
t_is "both agents killed: host2's next agent removed its copy" "$?" 0
poll_once
t_is "both agents killed: web1 answers from host1: $(head -n 1 "$H_TMP/poll-after.out")" "$?" 0

# After COMMIT: host2 is held at SWITCH again; host1's log FIFO is filled
# (its reader stopped), then host2 goes on: it answers PREPARED, host1
# sends COMMIT and blocks writing "COMMIT sent"; host2 resumes web1 and
# answers DONE, which host1 never reads; host1's agent is killed.  The
# agent that starts next asks host2: web1 runs there, so the paused copy
# on host1 is removed.
move_start s-after --storage-bandwidth 4
hold_switch "source killed after COMMIT"
_n1=$(wc -l < "$H_TMP/agent1.out")
_n2=$(wc -l < "$H_TMP/agent2.out")
kill -STOP "$CAT1"
HELD="$HELD $CAT1"
fifo_fill
t_is "source killed after COMMIT: host1's log is held" "$?" 0
release "$CTL2"
t_wait 60 log_since "$_n2" "$H_TMP/agent2.out" "VM web1 switch-over, destination: SWITCH.*resumed"
t_is "source killed after COMMIT: host2 resumed web1 on host1's COMMIT" "$?" 0
kill_agent1
release "$CAT1"
sleep 1 # it copies what the FIFO held, then goes
kill "$CAT1" 2>/dev/null
wait "$CAT1" 2>/dev/null
wait "$MV"
t_is "source killed after COMMIT: the move's CLI fails" "$?" 1
# host2's agent is down too when host1's starts: host1 cannot know, so
# web1 stays paused there, marked migrating, until host2 answers
kill -9 $(descendants "$AGENT2")
wait "$AGENT2" 2>/dev/null
AGENT2=""
live_agent_start 1
t_is "host1's agent starts again (after COMMIT)" "$?" 0
t_wait 30 log_since "$_n1" "$H_TMP/agent1.out" "VM web1 is paused here: its move to host2.example.com ended without a word from it"
t_is "host2 unreachable: host1 says web1 waits, paused: $(tail -n +"$((_n1 + 1))" "$H_TMP/agent1.out" | grep 'VM web1 is paused' | tail -n 1)" "$?" 0
t_like "host2 unreachable: vm list on host1: web1 migrating" "$(on_host 1)" "^web1 +migrating "
t_like "host2 unreachable: host1's QEMU holds the guest paused" "$(qemu_state)" "^(paused|postmigrate)$"
live_agent_start 2
t_is "host2's agent starts again (after COMMIT)" "$?" 0
t_wait 60 log_since "$_n1" "$H_TMP/agent1.out" "VM web1: host2.example.com answers .*committed there, the paused copy here is removed"
t_is "host1 asked host2 and removed its copy: $(tail -n +"$((_n1 + 1))" "$H_TMP/agent1.out" | grep 'VM web1' | tail -n 1)" "$?" 0
t_is "source killed after COMMIT: host1 no longer lists web1" "$(on_host 1)" ""
# (gone, or a zombie: the killed agent's QEMUs went to whoever reaps orphans)
t_ok "source killed after COMMIT: host1's QEMU of web1 (pid ${QPID1:-?}) is gone" \
	sh -c "! ps -o stat= -p ${QPID1:-0} | grep -qv '^Z'"
t_ok "source killed after COMMIT: host1 has no definition of web1" test ! -e "$S1/vms/web1.json"
t_wait 30 sh -c "$M vm list --via $VIA2 2>&1 | grep -q '^web1 *running '"
t_like "source killed after COMMIT: vm list on host2: web1 running" "$(on_host 2)" "^web1 +running "
poll_once
t_is "source killed after COMMIT: web1 answers from host2: $(head -n 1 "$H_TMP/poll-after.out")" "$?" 0
t_is "no outgoing record is left on host1 (after COMMIT)" "$(ls -A "$S1/outgoing" 2>/dev/null)" ""

harness_done
