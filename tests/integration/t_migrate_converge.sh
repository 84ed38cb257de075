#!/bin/sh
# tests/integration/t_migrate_converge.sh - the live move's limits, in the
# reference scenario's domain and network (a namespace of the test's own):
# a guest that dirties memory faster than the capped link converges with
# auto-converge (the default) and, with --no-auto-converge, does not, and
# is cancelled cleanly (still running on host1, nothing on host2); a VM
# whose CPU model host2 cannot offer is refused before any byte moves,
# naming the missing features and --compat, and the same VM defined with
# --compat moves.
. "$top_srcdir/tests/harness/netns.sh"
. "$top_srcdir/tests/guest/guest.sh"
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
cp "$GUEST_KERNEL" "$D1/vmlinuz" && cp "$GUEST_INITRD" "$D1/initrd.img"
URL="http://$NETNS_GUEST/cgi-bin/counter"
on_host() { "$M" vm list --via "$(eval echo \$VIA$1)" 2>&1 | grep "^$2 "; }
host2_empty() { # VM DIR
	[ -z "$(on_host 2 "$1")" ] && [ ! -e "$S2/vms/$1.json" ] && [ ! -e "$S2/run/$1" ] &&
		[ -z "$(ls -A "$D2/$2" 2>/dev/null)" ]
}
move() { # VM DIR [options]: move VM to host2, stdout/stderr in move.out/move.err
	_vm=$1 _dir=$2; shift 2
	"$M" move "$_vm" --to host2.example.com --via "$VIA1" --dest-addr "$VIA2" \
		--include-storage --storage-path "$_dir" "$@" > "$H_TMP/move.out" 2> "$H_TMP/move.err"
}

# ---- a guest dirtying 24 MB/s behind a 6 MiB/s link ----
truncate -s 256M "$D1/busy.img"
t_ok "vm create busy (192 MiB, the guest dirtying 24 MB/s)" \
	"$M" vm create busy --via "$VIA1" --memory 192 --disk busy.img \
	--kernel vmlinuz --initrd initrd.img --append "$(guest_append "$NETNS_GUEST" 24)" \
	--nic "bridge=$NETNS_BR,mac=52:54:00:12:34:57"
t_ok "vm start busy" "$M" vm start busy --via "$VIA1"
$HTTPPOLL "$URL" --wait-ready 240 --duration 1 > "$H_TMP/ready.out" 2>&1
t_is "busy answers from host1: $(head -n 1 "$H_TMP/ready.out")" "$?" 0
t_wait 30 sh -c "python3 -c 'import urllib.request,sys; sys.exit(b\"dirty\" not in urllib.request.urlopen(\"http://$NETNS_GUEST/cgi-bin/status\").read())'"
t_is "the guest's dirtier runs" "$?" 0

# Without auto-converge the pre-copy cannot catch up: the rounds go on
# until the user cancels; then busy runs on host1 and host2 has nothing.
move busy noconv --bandwidth 6 --no-auto-converge &
mv=$!
t_wait 120 sh -c "[ \$(sed -n '/^pre-copy /p' '$H_TMP/move.err' | wc -l) -ge 20 ]"
t_is "--no-auto-converge: still in pre-copy after 20 progress lines" "$?" 0
t_ok "kill -0 $mv: the move is still running" kill -0 "$mv"
out=$("$M" move --cancel busy --via "$VIA1" 2>&1)
t_is "move --cancel busy exits 0: $out" "$?" 0
wait "$mv"
rc=$?
t_is "the move ends with exit 1: $(tail -n 1 "$H_TMP/move.err")" "$rc" 1
t_like "and says it was cancelled" "$(tail -n 1 "$H_TMP/move.err")" "cancel"
t_like "busy still runs on host1" "$(on_host 1 busy)" "^busy running "
t_wait 30 host2_empty busy noconv
t_is "nothing of busy on host2" "$?" 0
$HTTPPOLL "$URL" --duration 2 > "$H_TMP/after.out" 2>&1
t_is "busy answers from host1: $(head -n 1 "$H_TMP/after.out")" "$?" 0

# With auto-converge (the default) QEMU throttles the guest until the
# pre-copy converges, and the move completes.
move busy conv --bandwidth 6 --json
rc=$?
t_is "with auto-converge: the move completes$( [ $rc -ne 0 ] && echo ": $(tail -n 1 "$H_TMP/move.err")")" "$rc" 0
t_like "busy runs on host2" "$(on_host 2 busy)" "^busy running "
t_is "and no longer on host1" "$(on_host 1 busy)" ""
r=$(js "$H_TMP/move.out" rounds)
t_ok "over several rounds (${r:-?})" test "${r:-0}" -ge 2
$HTTPPOLL "$URL" --wait-ready 30 --duration 2 > "$H_TMP/after.out" 2>&1
t_is "busy answers from host2: $(head -n 1 "$H_TMP/after.out")" "$?" 0
t_ok "vm stop busy on host2" "$M" vm stop busy --via "$VIA2"

# ---- CPU models ----
truncate -s 16M "$D1/cpu.img"
t_ok "vm create web2 --cpu-model Skylake-Server (64 MiB, nothing to boot)" \
	"$M" vm create web2 --via "$VIA1" --memory 64 --disk cpu.img --cpu-model Skylake-Server
t_ok "vm start web2 on host1" "$M" vm start web2 --via "$VIA1"
move web2 cpu
rc=$?
last=$(tail -n 1 "$H_TMP/move.err")
t_is "the move of web2 is refused (exit 1): $last" "$rc" 1
t_like "by host2: it cannot offer Skylake-Server, naming the missing features and --compat" \
	"$last" "^minidc-migrate move: refused by host2.example.com: host2\\.example\\.com cannot offer CPU model Skylake-Server \\(missing: [a-z0-9_. -]+\\); define the VM with --compat \\(kvm64\\) to move it$"
t_unlike "before any data: no progress was shown" "$(cat "$H_TMP/move.err")" "^(mirror|pre-copy) "
t_ok "nothing of web2 on host2" host2_empty web2 cpu
t_like "web2 still runs on host1" "$(on_host 1 web2)" "^web2 running "
t_ok "vm stop web2" "$M" vm stop web2 --via "$VIA1"
t_ok "vm rm web2" "$M" vm rm web2 --via "$VIA1"
t_ok "vm create web2 --compat" "$M" vm create web2 --via "$VIA1" --memory 64 \
	--disk cpu.img --compat
t_ok "vm start web2" "$M" vm start web2 --via "$VIA1"
move web2 cpu
rc=$?
t_is "with --compat the move is accepted and completes$( [ $rc -ne 0 ] && echo ": $(tail -n 1 "$H_TMP/move.err")")" "$rc" 0
t_like "web2 runs on host2 with the baseline model" "$(on_host 2 web2)" "^web2 running .*cpu=kvm64 "

harness_done
