#!/bin/sh
# tests/pkg/t_deb_install.sh - run by hand (as root, ~2-3 min; not part of
# make check): build the .debs from a clean clone of HEAD with
# dpkg-buildpackage, install them with apt-get into a fresh Debian 12
# chroot made by mmdebstrap from this machine's apt sources, and there:
# minidc provision + minidc run from the installed files serve kinit and
# ldapsearch, minidc-join enrolls a host, and man minidc works.
# The domain controller runs in a network namespace of its own (loopback
# only).  Then the chroot boots with systemd (systemd-nspawn, private
# network) and the packaged units run there: minidc@example.com (Type=notify,
# hardened) and minidc-migrate-agent.  Speaks TAP; KEEP=1 keeps the work
# directory; BUILDDEP=1 also builds the packages inside a fresh Debian 12
# with nothing but build-essential and `apt-get build-dep ./` (Build-Depends
# complete; about 2 minutes more).
#   usage: tests/pkg/t_deb_install.sh [SOURCE-TREE]   (default: this tree)
set -u
src=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
H_TMP=$(mktemp -d /var/tmp/minidc-deb.XXXXXX)
R="$H_TMP/root"
n=0 nfail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); nfail=$((nfail + 1)); echo "not ok $n - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/#   /'; }
check() { # DESC CMD...: ok if CMD succeeds (its output shown on failure)
	_d=$1; shift
	if _o=$("$@" 2>&1); then ok "$_d"; else notok "$_d" "$_o"; fi
}
like() { # DESC TEXT REGEX
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then ok "$1"; else notok "$1" "$2"; fi
}
cleanup() {
	umount -R "$R/proc" "$R/dev" 2>/dev/null
	[ -n "${KEEP:-}" ] && { echo "# kept $H_TMP"; return; }
	rm -rf "$H_TMP"
}
trap cleanup EXIT
if ! unshare -n true 2>/dev/null; then
	echo "1..0 # SKIP no network namespaces (unshare -n) in this kernel"
	exit 77
fi
t0=$(date +%s)

# ---- the packages, from a clean clone of HEAD ----
git clone -q "$src" "$H_TMP/src" && git -C "$H_TMP/src" log --oneline -1 | sed 's/^/# HEAD /'
(cd "$H_TMP/src" && dpkg-buildpackage -us -uc -b) > "$H_TMP/build.log" 2>&1
check "dpkg-buildpackage -us -uc -b from a clean clone" test -s "$H_TMP/minidc-dc_"*_amd64.deb
[ "$nfail" -eq 0 ] || { tail -30 "$H_TMP/build.log"; echo "1..$n"; exit 1; }
for p in minidc-dc minidc-client minidc-migrate; do
	check "$p .deb built" test -s "$(ls "$H_TMP/${p}_"*_amd64.deb)"
done
like "minidc-dc depends on the servers it runs" \
	"$(dpkg-deb -f "$H_TMP"/minidc-dc_*_amd64.deb Depends)" "slapd.*krb5-kdc.*krb5-admin-server"
like "minidc-migrate depends on QEMU" \
	"$(dpkg-deb -f "$H_TMP"/minidc-migrate_*_amd64.deb Depends)" "qemu-system-x86.*qemu-utils"
echo "# built in $(( $(date +%s) - t0 )) s"
if [ -n "${BUILDDEP:-}" ]; then
	B="$H_TMP/bd"
	mmdebstrap --quiet --variant=apt --mode=root --include=build-essential \
		bookworm "$B" "$(grep -ls 'bookworm' /etc/apt/sources.list.d/*.sources \
		/etc/apt/sources.list 2>/dev/null | head -1)" > "$H_TMP/bd.log" 2>&1
	git clone -q "$H_TMP/src" "$B/src"
	mount -t proc proc "$B/proc"
	chroot "$B" sh -c 'apt-get update -q && cd /src &&
		DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q ./ &&
		dpkg-buildpackage -us -uc -b' >> "$H_TMP/bd.log" 2>&1
	umount "$B/proc"
	check "in a fresh Debian 12: apt-get build-dep ./ && dpkg-buildpackage -b" \
		test -s "$(ls "$B"/minidc-dc_*_amd64.deb 2>/dev/null | head -1)"
	rm -rf "$B"
fi

# ---- a fresh Debian 12 from this machine's apt sources ----
sources=$(grep -ls 'bookworm' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -1)
mmdebstrap --quiet --variant=apt --mode=root --include=systemd,systemd-sysv,dbus \
	bookworm "$R" "$sources" > "$H_TMP/mmdebstrap.log" 2>&1
check "mmdebstrap bookworm (from $sources)" test -x "$R/usr/bin/apt-get"
# No package may start its daemons in the chroot (slapd, krb5-kdc).
printf '#!/bin/sh\nexit 101\n' > "$R/usr/sbin/policy-rc.d"; chmod 755 "$R/usr/sbin/policy-rc.d"
mkdir -p "$R/tmp/debs" && cp "$H_TMP"/minidc-dc_*.deb "$H_TMP"/minidc-client_*.deb \
	"$H_TMP"/minidc-migrate_*.deb "$R/tmp/debs/"
cp /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null
mount -t proc proc "$R/proc" && mount --rbind /dev "$R/dev"
in_root() { chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 "$@"; }
# (mmdebstrap leaves no package lists behind)
in_root sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -q /tmp/debs/*.deb man-db' > "$H_TMP/apt.log" 2>&1
check "apt-get install ./*.deb into the chroot pulls every dependency" \
	in_root dpkg-query -W minidc-dc minidc-client minidc-migrate slapd krb5-kdc \
	krb5-admin-server qemu-system-x86 qemu-utils krb5-user
[ "$nfail" -eq 0 ] || { tail -20 "$H_TMP/apt.log"; echo "1..$n"; exit 1; }
echo "# chroot ready at $(( $(date +%s) - t0 )) s"
for f in /usr/sbin/minidc /usr/bin/minidc-join /usr/sbin/minidc-migrate \
	/usr/lib/minidc/minidc.so /lib/systemd/system/minidc@.service \
	/lib/systemd/system/minidc-migrate-agent.service; do
	check "installed: $f" test -e "$R$f"
done
check "installed: /etc/minidc and /var/lib/minidc" test -d "$R/etc/minidc" -a -d "$R/var/lib/minidc"
like "man minidc works in the chroot" "$(in_root env MANWIDTH=80 man minidc 2>&1 | head -5)" \
	"minidc +- +provision, +run +and +administer"
like "man 5 migrate.conf works" "$(in_root env MANWIDTH=80 man 5 migrate.conf 2>&1 | head -5)" \
	"migrate.conf +- +a +host's +settings"

# ---- the installed files serve a domain (in a network namespace) ----
cat > "$R/tmp/dc.sh" <<'DC'
set -u
pw=/var/lib/minidc/example.com/secrets/administrator.password
echo "== provision"; minidc provision --domain example.com --host-ip 127.0.0.1 2>&1
echo "rc=$?"
echo "== runlink $(readlink /var/lib/minidc/example.com/run)"
echo "== run"; minidc run 2>&1; echo "rc=$?"
echo "== status"; minidc status 2>&1
eval "$(minidc env)"
export KRB5CCNAME=FILE:/tmp/cc
echo "== kinit"; kinit Administrator < "$pw" 2>&1; echo "rc=$?"; klist 2>&1
echo "== ldapsearch -x"; ldapsearch -x -LLL -H ldap://127.0.0.1 -b '' -s base defaultNamingContext 2>&1
echo "== ldapsearch -Y GSSAPI"
ldapsearch -LLL -Q -Y GSSAPI -b DC=example,DC=com '(sAMAccountName=Administrator)' dn 2>&1
echo "== join"
# krb5-config (pulled by krb5-user) leaves a template /etc/krb5.conf: a
# host "without one" is a host where it was removed.
rm -f /etc/krb5.conf
minidc-join join --domain example.com --server 127.0.0.1 --host-fqdn host2.example.com \
	--password-file "$pw" --krb5-conf /etc/krb5.conf 2>&1; echo "rc=$?"
echo "== joined kinit"; KRB5_CONFIG=/etc/krb5.conf kinit -k 'HOST2$' 2>&1; echo "rc=$?"
grep -c 'forwardable = true' /etc/krb5.conf
echo "== migrate"; minidc-migrate --help >/dev/null 2>&1; echo "rc=$?"
echo "== stop"; minidc stop 2>&1
DC
out=$(unshare -n -m -p --fork sh -c 'ip link set lo up && exec chroot "$1" \
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
	timeout 150 sh /tmp/dc.sh' sh "$R" 2>&1)
printf '%s\n' "$out" > "$H_TMP/dc.log"
section() { printf '%s\n' "$out" | sed -n "/^== $1\$/,/^== /p"; }
like "minidc provision (default dir /var/lib/minidc/example.com)" "$(section provision)" \
	"^provisioned example.com in /var/lib/minidc/example.com"
like "DIR/run links to /run/minidc/example.com" "$out" "^== runlink /run/minidc/example.com$"
like "minidc run: every service ready" "$(section run)" "running \(pid [0-9]+\)"
like "minidc status: slapd, kdc, dns running" "$(section status)" "krb5kdc +running"
like "kinit Administrator" "$(section kinit)" "krbtgt/EXAMPLE.COM@EXAMPLE.COM"
like "ldapsearch -x: the rootDSE" "$(section 'ldapsearch -x')" \
	"^defaultNamingContext: DC=example,DC=com"
like "ldapsearch -Y GSSAPI as Administrator" "$(section 'ldapsearch -Y GSSAPI')" \
	"^dn: (CN|cn)=Administrator,(CN|cn)=Users,(DC|dc)=example,(DC|dc)=com"
like "minidc-join join from the package" "$(section join)" '^joined example.com as HOST2\$@EXAMPLE.COM'
like "minidc-join wrote /etc/krb5.conf (none before)" "$(section join)" "^krb5.conf: wrote /etc/krb5.conf"
like "kinit -k with the join's keytab and krb5.conf" "$(section 'joined kinit')" "^rc=0$"
like "minidc-migrate --help" "$(section migrate)" "^rc=0$"
like "minidc stop" "$(section stop)" "stopped"
[ "$nfail" -gt 0 ] && sed 's/^/# dc: /' "$H_TMP/dc.log"

# ---- the same root booted with systemd: the packaged units ----
umount -R "$R/proc" "$R/dev" 2>/dev/null
systemd-nspawn -D "$R" --boot --register=no --keep-unit --private-network \
	--console=pipe > "$H_TMP/nspawn.log" 2>&1 &
nspawn=$!
trap 'kill "$nspawn" 2>/dev/null; wait "$nspawn" 2>/dev/null; cleanup' EXIT
init="" st="" end=$(( $(date +%s) + 60 ))
while [ "$(date +%s)" -lt "$end" ]; do
	init=$(pgrep -P "$nspawn" | head -1)
	[ -n "$init" ] && st=$(nsenter -t "$init" -a systemctl is-system-running 2>/dev/null)
	case "$st" in running | degraded) break ;; esac
	sleep 1
done
like "the chroot boots with systemd (nspawn)" "${st:-none}" "^(running|degraded)$"
E="nsenter -t ${init:-0} -a"
was=$($E systemctl is-active slapd 2>&1)
check "systemctl start minidc@example.com (returns once READY=1)" \
	$E systemctl start minidc@example.com
like "its status line is the supervisor's READY=1 STATUS" \
	"$($E systemctl show -p StatusText minidc@example.com)" \
	"^StatusText=domain controller dc1.example.com for EXAMPLE.COM: all services ready$"
like "the packaged slapd unit was stopped (Conflicts=; it was $was)" \
	"$($E systemctl is-active slapd 2>&1)" "^(inactive|failed)$"
like "kinit and ldapsearch -Y GSSAPI under the hardened unit" \
	"$($E sh -c 'eval "$(minidc env)"; export KRB5CCNAME=FILE:/tmp/cc;
		kinit Administrator < /var/lib/minidc/example.com/secrets/administrator.password &&
		ldapsearch -LLL -Q -Y GSSAPI -b DC=example,DC=com "(sAMAccountName=krbtgt)" dn' 2>&1)" \
	"^dn: (CN|cn)=krbtgt,"
like "the journal has the supervisor's lines" \
	"$($E journalctl -u minidc@example.com --no-pager 2>&1)" "minidc: info: all services ready"
$E sh -c 'printf "[agent]\nlisten = 127.0.0.1:6600\nprincipal = migrate/host2.example.com\n" \
	> /etc/minidc/migrate.conf && minidc-migrate enable --state /etc/minidc' >/dev/null 2>&1
check "systemctl start minidc-migrate-agent (Type=notify: returns once READY=1)" $E systemctl start minidc-migrate-agent
up="" end=$(( $(date +%s) + 30 ))
while [ "$(date +%s)" -lt "$end" ]; do
	up=$($E journalctl -u minidc-migrate-agent --no-pager 2>&1 | grep "listening on 127.0.0.1:6600")
	[ -n "$up" ] && break
	sleep 1
done
like "the hardened agent listens as the host (migrate.conf in /etc/minidc)" "$up" \
	'host2.example.com listening on 127.0.0.1:6600 as HOST2\$@EXAMPLE.COM'
check "systemctl stop minidc-migrate-agent" $E systemctl stop minidc-migrate-agent
check "systemctl stop minidc@example.com" $E systemctl stop minidc@example.com
like "... and it is inactive" "$($E systemctl is-active minidc@example.com 2>&1)" "^inactive$"
kill "$nspawn"; wait "$nspawn" 2>/dev/null
echo "# total $(( $(date +%s) - t0 )) s"
echo "1..$n"
[ "$nfail" -eq 0 ]
