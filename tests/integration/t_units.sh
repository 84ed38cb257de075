#!/bin/sh
# tests/integration/t_units.sh - the systemd units that make install puts in
# place pass `systemd-analyze verify` without a single message (unknown keys,
# missing programs or man pages all print one), and keep their hardening.
. "$top_srcdir/tests/harness/harness.sh"
. "$top_srcdir/tests/harness/install.sh"
H_TMP=$(mktemp -d /tmp/minidc-test.XXXXXX)
trap 'harness_cleanup' EXIT
install_to_scratch
# What an installed minidc reads: every schema file of the tree (slapd
# reads them all from the directory), the slapd modules; no libtool archive.
for f in "$top_srcdir"/dc/schema/*.ldif; do
	t_ok "installed: schema $(basename "$f")" \
		test -f "$I_ROOT$I_PREFIX/share/minidc/schema/$(basename "$f")"
done
for f in minidc.so mdcad.so mdcdnhook.so; do
	t_ok "installed: lib/minidc/$f" test -f "$I_ROOT$I_PREFIX/lib/minidc/$f"
done
t_is "no libtool archive installed" "$(find "$I_ROOT" -name '*.la')" ""
U="$I_PREFIX/lib/systemd/system"
t_ok "minidc@.service installed" test -f "$I_ROOT$U/minidc@.service"
t_ok "minidc-migrate-agent.service installed" \
	test -f "$I_ROOT$U/minidc-migrate-agent.service"
t_like "tmpfiles.d makes the runtime directory" \
	"$(cat "$I_ROOT$I_PREFIX/lib/tmpfiles.d/minidc.conf")" "^d /.*/minidc 0755 root root"

# verify --root looks up every unit inside the root: give it the host's.
mkdir -p "$I_ROOT/lib/systemd"
cp -a /lib/systemd/system "$I_ROOT/lib/systemd/"
cp "$I_ROOT$U/minidc@.service" "$I_ROOT$U/minidc@example.com.service"
verify() {
	MANPATH="$I_ROOT$I_PREFIX/share/man" systemd-analyze verify \
		--root="$I_ROOT" "$@" 2>&1
	echo "rc=$?"
}
t_is "systemd-analyze verify minidc@example.com.service: clean" \
	"$(verify "$U/minidc@example.com.service")" "rc=0"
t_is "systemd-analyze verify minidc-migrate-agent.service: clean" \
	"$(verify "$U/minidc-migrate-agent.service")" "rc=0"
# The check itself: a unit with a typo or a missing program is not clean.
sed 's/^Type=notify/Type=notify\nFrobnicate=yes/' \
	"$I_ROOT$U/minidc@.service" > "$I_ROOT$U/minidc@typo.com.service"
t_like "verify reports an unknown key" \
	"$(verify "$U/minidc@typo.com.service")" "Unknown key 'Frobnicate'"
rm -f "$I_ROOT$U/minidc@typo.com.service"
mv "$I_ROOT$I_PREFIX/sbin/minidc" "$I_ROOT/minidc.moved"
t_like "verify reports a missing program" \
	"$(verify "$U/minidc@example.com.service")" "is not executable"
mv "$I_ROOT/minidc.moved" "$I_ROOT$I_PREFIX/sbin/minidc"

unit=$(cat "$I_ROOT$U/minidc@.service")
t_like "minidc@: Type=notify" "$unit" "^Type=notify$"
t_like "minidc@: runs the domain in the state directory" "$unit" \
	"^ExecStart=$I_PREFIX/sbin/minidc run --dir /.*/lib/minidc/%i --foreground$"
for k in ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes \
	ProtectHome=yes "ReadWritePaths=/.*/lib/minidc/%i" "RuntimeDirectory=minidc/%i" \
	MemoryDenyWriteExecute=yes SystemCallFilter=@system-service; do
	t_like "minidc@: $k" "$unit" "^$k$"
done
exp=$(systemd-analyze security --offline=yes --root="$I_ROOT" \
	"$U/minidc@example.com.service" 2>&1 | sed -n 's/.*Overall exposure level[^:]*: \([0-9.]*\).*/\1/p')
echo "# systemd-analyze security: minidc@ exposure $exp"
t_like "minidc@: exposure rated below 3.5 (OK)" "$exp" "^([0-2]\.[0-9]|3\.[0-4])$"
agent=$(cat "$I_ROOT$U/minidc-migrate-agent.service")
for k in ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes ProtectHome=yes; do
	t_like "minidc-migrate-agent: $k" "$agent" "^$k$"
done
t_like "minidc-migrate-agent: Type=notify" "$agent" "^Type=notify$"
t_like "minidc-migrate-agent: no arguments (all in migrate.conf)" "$agent" \
	"^ExecStart=/.*/minidc-migrate agent$"
harness_done
