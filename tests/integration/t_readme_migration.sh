#!/bin/sh
# tests/integration/t_readme_migration.sh - README.md's "Live migration
# between two hosts" as it stands: the block between <!-- live-migration -->
# and <!-- /live-migration --> is run by sh, unchanged, in a network and
# mount namespace of its own (tests/harness/netns.sh: the DC at .10, host1
# .11, host2 .12), with the built programs first on PATH.  Its check must
# say ok to every prerequisite, its live move must succeed and host2 must
# then run the VM (a firmware-only VM: a Linux guest's move under load is
# t_migrate_live.sh's).
. "$top_srcdir/tests/harness/netns.sh"
netns_enter "$@"
. "$top_srcdir/tests/harness/harness.sh"
H_TMP=$(mktemp -d /tmp/minidc-test.XXXXXX)
chmod 755 "$H_TMP"
S="$H_TMP/readme.sh"
cleanup() {
	for p in $(cat "$H_TMP/pids" 2>/dev/null); do kill "$p" 2>/dev/null; done
	d=$(cat "$H_TMP/cwd" 2>/dev/null)
	[ -n "$d" ] && "$MINIDC" stop --dir "$d/dc" >/dev/null 2>&1
	harness_cleanup
}
trap cleanup EXIT
netns_names "$H_TMP"
t_is "/etc/hosts and resolv.conf of the test's own namespace" "$?" 0

# The block, its four-space indent removed.
sed -n '/^<!-- live-migration -->$/,/^<!-- \/live-migration -->$/p' \
	"$top_srcdir/README.md" | sed '1d;$d' | sed 's/^    //' > "$S"
t_like "README.md has the section's block, with a check" "$(cat "$S")" \
	"^minidc-migrate check web1 --to host2.example.com --via 192.168.0.11$"
t_like "... and a move" "$(cat "$S")" "^minidc-migrate move web1 --to host2.example.com "
t_like "... and it starts at the DC's provision" "$(cat "$S")" "^minidc provision "
# the shell's own background jobs (the agents), and where the block ran
printf 'rc=$?\njobs -p > "%s/pids"\npwd > "%s/cwd"\nexit $rc\n' "$H_TMP" "$H_TMP" >> "$S"

B=$top_builddir
out=$(cd "$H_TMP" && TMPDIR="$H_TMP" KRB5CCNAME="FILE:$H_TMP/ccache" \
	PATH="$B/dc:$B/join:$B/migrate-auth:$PATH" sh "$S" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
t_is "the README block: exit 0" "$rc" 0
t_is "check: fourteen prerequisites ok" "$(printf '%s\n' "$out" | grep -c '^ok ')" 14
t_unlike "check: nothing missing, unchecked or n/a" "$out" "^(MISSING|unchecked|n/a) "
t_like "check: the delegation host1 -> host2 ok" "$out" \
	"^ok constrained delegation from HOST1\\$ to migrate/host2.example.com$"
t_like "vm start of the block said so" "$out" "^VM web1 started on host1.example.com"
t_like "the move: live, from host1" "$out" "^VM web1 moved live from host1.example.com in "
t_like "afterwards host2 runs web1 (the block's vm list)" "$out" "^web1 running memory=64MiB disks=[^ ]*/host2/disks/vms/web1.img "
d=$(cat "$H_TMP/cwd")
t_like "the block ran in a directory of its own under TMPDIR" "$d" "^$H_TMP/tmp\\."
t_like "the agents read their settings from migrate.conf" "$(cat "$d/host2/agent.log")" \
	"host2.example.com listening on 192.168.0.12:7690 as HOST2\\\$@EXAMPLE.COM"
harness_done
