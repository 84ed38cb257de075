#!/bin/sh
# tests/integration/t_migrate_vmrun.sh - the QEMU VM runtime through the
# agent: a Migration Operator defines, starts, lists, shows, stops and
# removes VMs with minidc-migrate vm (Kerberos to the agent, the PAC
# decides); a user outside Migration Operators/Domain Admins is refused;
# QEMU runs on TCG as the agent's child and an exit is reported, not
# restarted.  The VMs run no guest (no disk to boot, or paused): the HTTP
# guest belongs to the live-migration test.
. "$top_srcdir/tests/harness/harness.sh"
harness_start

J="$top_builddir/join/minidc-join"
M="$top_builddir/migrate-auth/minidc-migrate"
KT1="$H_TMP/host1.keytab"
S1="$H_TMP/state1"
D1="$H_TMP/storage1"
AGENT=""
qemu_pids() { cat "$S1"/run/*/run.json 2>/dev/null | sed -n 's/.*"pid":\([0-9]*\).*/\1/p'; }
trap 'kill $AGENT 2>/dev/null; for q in $(qemu_pids); do kill -9 "$q" 2>/dev/null; done; harness_cleanup' EXIT

free_port() {
	_p=$(( 20000 + ($$ + $1) % 20000 ))
	while ss -Htln "src $H_ADDR:$_p" | grep -q .; do _p=$((_p + 1)); done
	echo "$_p"
}
kinit_pw() { _pw=$1; shift; printf '%s\n' "$_pw" | kinit "$@" >/dev/null 2>&1; }
vm() { "$M" vm "$@" --via "$H_ADDR:$P1" 2>&1; }
# one_line DESC RC OUT: the exit status and a single line of output
one_line() { t_is "$1: exit $2, one line" "$3:$(printf '%s\n' "$4" | wc -l)" "$2:1"; }
list_line() { vm list | grep "^$1 "; }
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

out=$("$J" join --domain example.com --host-fqdn host1.example.com \
	--keytab "$KT1" --server "$H_ADDR" \
	--password-file "$H_ADMIN_PW_FILE" --no-dns-update 2>&1)
t_is "minidc-join host1 exits 0" "$?" 0
printf 'Al1ce-Pass-1\n' | "$MINIDC" user add alice --dir "$H_DIR" >/dev/null 2>&1
t_is "user add alice" "$?" 0
printf 'B0b-Pass-1\n' | "$MINIDC" user add bob --dir "$H_DIR" >/dev/null 2>&1
t_is "user add bob" "$?" 0
t_ok "alice joins Migration Operators" \
	"$MINIDC" group addmember "Migration Operators" alice --dir "$H_DIR"

mkdir -p "$D1"
t_ok "qemu-img creates a 64 MiB raw disk" qemu-img create -q -f raw "$D1/web1.img" 64M
t_ok "and a second one" qemu-img create -q -f raw "$D1/web2.img" 16M
t_is "accel tcg in migrate.conf" "$("$M" accel tcg --state "$S1" 2>&1)" "accel = tcg"
t_like "migrate.conf [vm]" "$(cat "$S1/migrate.conf")" "^accel = tcg$"
out=$("$M" accel hvf --state "$S1" 2>&1)
one_line "accel hvf" 2 "$?" "$out"

P1=$(free_port 1)
"$M" agent --keytab "$KT1" --listen "$H_ADDR:$P1" --state "$S1" \
	--storage-dir "$D1" > "$H_TMP/agent1.out" 2>&1 &
AGENT=$!
t_wait 20 sh -c "ss -Htln 'src $H_ADDR:$P1' | grep -q ."
t_is "agent host1 listening on $H_ADDR:$P1" "$?" 0

# ---- a Migration Operator ----
kinit_pw Al1ce-Pass-1 alice
out=$(vm create web1 --memory 64 --disk web1.img)
t_is "vm create web1" "$?:$out" \
	"0:VM web1 defined on host1.example.com: 64 MiB, 1 disk(s), 0 NIC(s), cpu qemu64"
t_like "the definition is kept in the state directory" \
	"$(cat "$S1/vms/web1.json")" "\"disks\":\\[\"$D1/web1.img\"\\]"
t_is "the definition is 0600" "$(stat -c %a "$S1/vms/web1.json")" 600
out=$(vm create web1 --memory 64 --disk web1.img)
one_line "vm create web1 again" 1 "$?" "$out"
t_like "says it exists" "$out" "VM web1 is already defined$"
out=$(vm create web2 --memory 32 --disk web2.img --compat)
t_is "vm create web2 --compat" "$?:$out" \
	"0:VM web2 defined on host1.example.com: 32 MiB, 1 disk(s), 0 NIC(s), cpu kvm64 (compatibility mode)"

# bad input: one line, non-zero, nothing defined
out=$(vm create bad --memory 1 --disk web1.img); one_line "--memory 1" 2 "$?" "$out"
out=$(vm create bad --memory 64); one_line "no disk, no kernel" 2 "$?" "$out"
out=$(vm create bad --memory 64 --disk web1.img --compat --cpu-model Haswell)
one_line "--compat with --cpu-model" 2 "$?" "$out"
out=$(vm create bad --memory 64 --disk web1.img --nic bridge=br0,mac=01:00:5e:00:00:01)
one_line "a multicast MAC" 2 "$?" "$out"
out=$(vm create bad --memory 64 --disk /etc/passwd)
one_line "a disk outside the storage directory" 1 "$?" "$out"
t_like "is refused with the reason" "$out" "/etc/passwd is not inside the agent's storage directory$"
out=$(vm create bad --memory 64 --disk ../state1/vms/web1.json)
one_line "a relative path that climbs out" 2 "$?" "$out"
out=$(vm create 'bad/name' --memory 64 --disk web1.img); one_line "a bad name" 2 "$?" "$out"
out=$(vm start nope); one_line "vm start of an undefined VM" 1 "$?" "$out"
t_like "says so" "$out" "no VM named nope$"
t_is "nothing else was defined" "$(ls "$S1/vms" | tr '\n' ' ')" "web1.json web2.json "

t_is "vm list: both stopped" "$(vm list)" \
"web1 stopped memory=64MiB disks=$D1/web1.img cpu=qemu64 pid=- accel=-
web2 stopped memory=32MiB disks=$D1/web2.img cpu=kvm64 pid=- accel=-"

out=$(vm start web1 --paused)
t_like "vm start web1 --paused" "$?:$out" \
	"^0:VM web1 started on host1.example.com: QEMU pid [0-9]+, accel tcg, prelaunch$"
line=$(list_line web1)
t_like "vm list: web1 running on TCG" "$line" \
	"^web1 running memory=64MiB disks=$D1/web1.img cpu=qemu64 pid=[0-9]+ accel=tcg$"
pid=$(field "$line" pid)
t_is "the pid is a QEMU" "$(ps -o comm= -p "$pid")" "qemu-system-x86"
t_like "started with TCG, no defaults, paused" "$(tr '\0' ' ' < /proc/$pid/cmdline)" \
	"-nodefaults -no-user-config -machine pc -accel tcg -cpu qemu64 -m 64 .* -S $"
t_wait 10 sh -c "[ \"\$(ps -o ppid= -p $pid | tr -d ' ')\" = $AGENT ]"
t_is "QEMU is the agent's child (the connection child handed it over)" "$?" 0
t_is "its run directory is 0700" "$(stat -c %a "$S1/run/web1")" 700
out=$(vm show web1)
t_like "vm show web1: state" "$out" "^state: running$"
t_like "vm show web1: QEMU's own status (paused before the first cont)" "$out" "^qemu-status: prelaunch$"
t_like "vm show web1: accel" "$out" "^accel: tcg$"
out=$(vm start web1); one_line "vm start of a running VM" 1 "$?" "$out"
t_like "says it runs" "$out" "VM web1 is already running \\(QEMU pid $pid\\)$"
out=$(vm rm web1); one_line "vm rm of a running VM" 1 "$?" "$out"

out=$(vm start web2)
t_like "vm start web2 (running, nothing to boot)" "$?:$out" \
	"^0:VM web2 started on host1.example.com: QEMU pid [0-9]+, accel tcg, running$"
pid2=$(field "$(list_line web2)" pid)
t_like "vm show web2: running" "$(vm show web2)" "^qemu-status: running$"

# ---- a user outside Migration Operators and Domain Admins ----
kinit_pw B0b-Pass-1 bob
for op in "list" "show web1" "stop web1" "rm web2" "start web1"; do
	# shellcheck disable=SC2086
	out=$(vm $op)
	one_line "bob: vm $op" 1 "$?" "$out"
	t_is "bob: vm $op: the reason" "$out" \
		"minidc-migrate vm: refused by host1.example.com: bob@EXAMPLE.COM is not a member of Migration Operators or Domain Admins"
done
out=$(vm create evil --memory 64 --disk web1.img)
one_line "bob: vm create" 1 "$?" "$out"
t_is "bob changed nothing" "$(ls "$S1/vms" | tr '\n' ' ')" "web1.json web2.json "
t_is "web1 still runs" "$(ps -o comm= -p "$pid")" "qemu-system-x86"
t_like "the agent logged the refusal" "$(cat "$H_TMP/agent1.out")" \
	"bob@EXAMPLE.COM vm stop web1: refused by host1.example.com: bob@EXAMPLE.COM is not a member"
kdestroy >/dev/null 2>&1
out=$(vm list); one_line "no ticket at all" 1 "$?" "$out"

# ---- Domain Admins may manage VMs too (Administrator is not an operator) ----
kinit Administrator < "$H_ADMIN_PW_FILE" >/dev/null 2>&1
t_is "kinit Administrator" "$?" 0
t_is "Administrator: vm list (Domain Admins)" "$(vm list | cut -d' ' -f1-2 | tr '\n' ' ')" \
	"web1 running web2 running "
t_like "the agent logged who asked" "$(cat "$H_TMP/agent1.out")" \
	"Administrator@EXAMPLE.COM vm list : 2 VM\\(s\\) on host1.example.com"

# ---- supervision: a QEMU that dies is reported, never restarted ----
kinit_pw Al1ce-Pass-1 alice
kill -9 "$pid2"
t_wait 20 sh -c "grep -q 'VM web2: QEMU (pid $pid2) killed by signal 9, unexpectedly; not restarted' '$H_TMP/agent1.out'"
t_is "the agent reports web2's QEMU killed, not restarted" "$?" 0
t_like "vm list: web2 stopped" "$(list_line web2)" "^web2 stopped .* pid=- accel=-$"
t_like "vm show web2: how it ended" "$(vm show web2)" \
	"^last-exit: QEMU \\(pid $pid2\\) killed by signal 9, unexpectedly; not restarted$"
sleep 2
t_unlike "still nothing restarted it" "$(pgrep -f "run/web2/qmp.sock" | tr '\n' ' ')" "[0-9]"

out=$(vm stop web1)
t_is "vm stop web1" "$?:$out" "0:VM web1 stopped on host1.example.com"
t_wait 10 sh -c "! kill -0 $pid"
t_is "its QEMU is gone" "$?" 0
t_like "vm list: web1 stopped" "$(list_line web1)" "^web1 stopped "
t_like "vm show web1: stopped by request" "$(vm show web1)" "^last-exit: stopped by request$"
t_is "no run directory left" "$(ls "$S1/run" 2>/dev/null | grep -v '\.exit$')" ""
out=$(vm stop web1); one_line "vm stop of a stopped VM" 1 "$?" "$out"
out=$(vm rm web1)
t_is "vm rm web1" "$?:$out" "0:VM web1 removed from host1.example.com (its disks are kept)"
t_is "vm list: only web2" "$(vm list | cut -d' ' -f1)" "web2"
t_ok "its disk is kept" test -f "$D1/web1.img"

# ---- both ways to boot: a bootable raw disk, a kernel given directly ----
# Two tiny guests that print a line on the serial port and halt: a boot
# sector (SeaBIOS loads it from disk 0) and a multiboot kernel (QEMU loads
# it with -kernel; -append is its command line).
python3 - "$D1" <<'PY'
import struct, sys
d = sys.argv[1]
msg = b"minidc-boot-ok\n\0"
mbr = bytes([0x31, 0xC0, 0x8E, 0xD8, 0xFC, 0xBA, 0xF8, 0x03, 0xBE, 0x16, 0x7C,
             0xAC, 0x84, 0xC0, 0x74, 0x03, 0xEE, 0xEB, 0xF8, 0xF4, 0xEB, 0xFD]) + msg
mbr += bytes(510 - len(mbr)) + b"\x55\xAA"
open(d + "/boot.img", "wb").write(mbr + bytes(1024 * 1024 - 512))
base, magic, flags = 0x100000, 0x1BADB002, 0x00010000
hdr = struct.pack("<8I", magic, flags, (-(magic + flags)) & 0xFFFFFFFF,
                  base, base, 0, 0, base + 32)
code = bytes([0xFC, 0x66, 0xBA, 0xF8, 0x03, 0xBE]) + struct.pack("<I", base + 53) + \
       bytes([0xAC, 0x84, 0xC0, 0x74, 0x03, 0xEE, 0xEB, 0xF8, 0xF4, 0xEB, 0xFD])
open(d + "/kernel.bin", "wb").write(hdr + code + b"minidc-kernel-ok\n\0")
PY
t_is "the two guests are written" "$?" 0
out=$(vm create diskboot --memory 32 --disk boot.img)
t_is "vm create diskboot" "$?" 0
out=$(vm create kernboot --memory 32 --kernel kernel.bin --append "quiet x=1")
t_is "vm create kernboot (a kernel, no disk)" "$?:$out" \
	"0:VM kernboot defined on host1.example.com: 32 MiB, 0 disk(s), 0 NIC(s), cpu qemu64"
t_like "vm show kernboot: the kernel inside the storage directory" \
	"$(vm show kernboot)" "^kernel: $D1/kernel.bin$"
t_ok "vm start diskboot" "$M" vm start diskboot --via "$H_ADDR:$P1"
t_ok "vm start kernboot" "$M" vm start kernboot --via "$H_ADDR:$P1"
t_wait 60 grep -q minidc-boot-ok "$S1/run/diskboot/console.log"
t_is "diskboot booted from its disk (its serial console says so)" "$?" 0
t_wait 60 grep -q minidc-kernel-ok "$S1/run/kernboot/console.log"
t_is "kernboot booted its kernel directly" "$?" 0
t_like "kernboot got -append" "$(tr '\0' ' ' < "/proc/$(field "$(list_line kernboot)" pid)/cmdline")" \
	"-kernel $D1/kernel.bin -append quiet x=1 $"
t_ok "vm stop diskboot" "$M" vm stop diskboot --via "$H_ADDR:$P1"
t_ok "vm stop kernboot" "$M" vm stop kernboot --via "$H_ADDR:$P1"
t_ok "vm rm diskboot" "$M" vm rm diskboot --via "$H_ADDR:$P1"
t_ok "vm rm kernboot" "$M" vm rm kernboot --via "$H_ADDR:$P1"

# ---- a CPU model this host cannot fully offer: QEMU runs, the CLI says so ----
out=$(vm create sky --memory 32 --disk web2.img --cpu-model Skylake-Client)
t_is "vm create sky --cpu-model Skylake-Client" "$?" 0
out=$(vm start sky --paused)
t_like "vm start sky names the features TCG lacks" "$?:$out" \
	"^0:VM sky started on host1.example.com: QEMU pid [0-9]+, accel tcg, prelaunch; CPU features this host lacks: .*pcid"
t_like "vm list: cpu=Skylake-Client" "$(list_line sky)" " cpu=Skylake-Client pid=[0-9]+ accel=tcg$"
t_ok "vm stop sky" "$M" vm stop sky --via "$H_ADDR:$P1"
t_ok "vm rm sky" "$M" vm rm sky --via "$H_ADDR:$P1"

# ---- the agent stops its VMs when it is stopped ----
out=$(vm start web2 --paused)
t_is "vm start web2 again" "$?" 0
pid2=$(field "$(list_line web2)" pid)
kill "$AGENT"
wait "$AGENT" 2>/dev/null
t_wait 20 sh -c "! kill -0 $pid2"
t_is "SIGTERM to the agent stops web2's QEMU" "$?" 0
t_like "and logs it" "$(cat "$H_TMP/agent1.out")" "stopping: 1 VM\\(s\\) stopped"
AGENT=""
harness_done
