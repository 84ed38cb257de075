#!/bin/sh
# tests/integration/t_privdrop.sh - issue 8 item 2: the services that drop
# privileges (DNS, LDAP ping) work wherever DIR lives, here under a 0700
# parent as in a clone under /root: secure dynamic update with the real
# nsupdate -g and a minidc-join DNS registration succeed, also after a
# restart from a shell with the clients' Kerberos environment; and a layout
# the unprivileged user cannot use is refused by provision and run with one
# line and a non-zero exit.
. "$top_srcdir/tests/harness/harness.sh"
harness_start

P=${MINIDC_DNS_PORT:-53}
J="$top_builddir/join/minidc-join"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
has() { dig @"$H_ADDR" -p "$P" +time=2 +tries=1 +short "$2" "$1" | grep -q -- "$3"; }
upd() { # nsupdate -g as Administrator; the update lines on stdin
	{ printf 'server %s %s\nzone example.com\n' "$H_ADDR" "$P"; cat; printf 'send\n'; } > "$H_TMP/nsu.txt"
	KRB5CCNAME="FILE:$H_TMP/admin.cc" timeout 30 nsupdate -g "$H_TMP/nsu.txt"
}
dns_pid() { "$MINIDC" status --dir "$H_DIR" | awk '$1 == "dns" { print $3 }'; }

# ---- the layout: DIR's parent is 0700 and root's, nobody cannot enter ----
t_is "the domain's parent directory is mode 0700" "$(stat -c %a "$(dirname "$H_DIR")")" 700
t_is "... and owned by root" "$(stat -c %U "$(dirname "$H_DIR")")" root
t_fail "nobody cannot reach DIR/krb5.conf by its path" as_nobody cat "$H_DIR/krb5.conf"
t_fail "nobody cannot reach DIR/run by its path" as_nobody ls "$H_DIR/run"

# ---- nsupdate -g (GSS-TSIG) ----
t_ok "kinit Administrator" sh -c "KRB5CCNAME=FILE:$H_TMP/admin.cc kinit Administrator < '$H_ADMIN_PW_FILE'"
t_ok "nsupdate -g as Administrator adds pd1 A" upd <<NSU
update add pd1.example.com 600 A 10.0.8.1
NSU
t_ok "dig sees pd1" t_wait 10 has pd1.example.com A 10.0.8.1
t_is "the DC log has no TKEY refusal" "$(grep -c "TKEY refused" "$H_DIR/log/minidc.log")" 0
pid=$(dns_pid)
t_is "the DNS server runs as nobody" "$(ps -o user= -p "${pid:-0}" | tr -d ' ')" nobody
t_is "its working directory is its own DIR/run/dns" "$(readlink "/proc/${pid:-0}/cwd")" "$H_DIR/run/dns"
t_is "DIR/run/dns is root's, mode 0755" "$(stat -c '%U %a' "$H_DIR/run/dns")" "root 755"
t_is "DIR/run/dns/rcache is nobody's, mode 0700" "$(stat -c '%U %a' "$H_DIR/run/dns/rcache")" "nobody 700"
t_is "the replay cache is there, nobody's" "$(stat -c %U "$H_DIR/run/dns/rcache/krb5_65534.rcache2" 2>&1)" nobody
t_is "its krb5.conf is DIR/krb5.conf" "$(cmp "$H_DIR/krb5.conf" "$H_DIR/run/dns/krb5.conf" && echo same)" same

# ---- slapd runs as openldap, from DIR/slapd (issue 11 item 8) ----
as_ldap() { setpriv --reuid=openldap --regid=openldap --clear-groups "$@"; }
# in_dir D CMD...: CMD as openldap with D as its working directory, entered
# as root: how slapd reaches its files under a 0700 parent.
in_dir() { d=$1; shift; (cd "$d" && as_ldap "$@"); }
spid=$(cat "$H_DIR/slapd/run/slapd.pid" 2>/dev/null)
t_is "slapd runs as openldap" "$(ps -o user= -p "${spid:-0}" | tr -d ' ')" openldap
t_is "... every uid and gid of it (real, effective, saved, fs)" \
	"$(awk '/^(Uid|Gid):/ { print $2, $3, $4, $5 }' "/proc/${spid:-0}/status" | tr '\n' ' ')" \
	"$(id -u openldap) $(id -u openldap) $(id -u openldap) $(id -u openldap) $(id -g openldap) $(id -g openldap) $(id -g openldap) $(id -g openldap) "
t_is "... with no supplementary group but openldap" \
	"$(awk '/^Groups:/ { $1 = ""; print }' "/proc/${spid:-0}/status" | tr -d ' ')" "$(id -g openldap)"
t_is "its working directory is DIR/slapd" "$(readlink "/proc/${spid:-0}/cwd")" "$H_DIR/slapd"
t_is "DIR/slapd is root:openldap, mode 0750" "$(stat -c '%U:%G %a' "$H_DIR/slapd")" "root:openldap 750"
t_is "its db/ and run/ are openldap's, 0700" "$(stat -c '%U %a' "$H_DIR/slapd/db" "$H_DIR/slapd/run" | tr '\n' ' ')" \
	"openldap 700 openldap 700 "
t_is "the database files are openldap's" "$(find "$H_DIR/slapd/db" -type f ! -user openldap | wc -l)" 0
t_is "ldap.keytab is root:openldap, 0640" "$(stat -c '%U:%G %a' "$H_DIR/slapd/ldap.keytab")" "root:openldap 640"
t_is "slapd.conf and the TLS key are root:openldap, 0640" \
	"$(stat -c '%U:%G %a' "$H_DIR/slapd/slapd.conf" "$H_DIR/slapd/dc.key" | sort -u)" "root:openldap 640"
t_is "the dsa's socket is root:openldap, 0660" "$(stat -c '%U:%G %a' "$H_DIR/slapd/dsa.sock")" "root:openldap 660"
kt=$(klist -k "$H_DIR/slapd/ldap.keytab" | awk 'NR > 3 { print $2 }' | sort -u)
t_like "ldap.keytab has ldap/ keys" "$kt" "^ldap/dc1\.example\.com@EXAMPLE\.COM$"
t_like "... and DC1\$'s (syncrepl's client)" "$kt" '^DC1[$]@EXAMPLE\.COM$'
t_is "... and no other (no host/)" "$(printf '%s\n' "$kt" | grep -Evc '^(ldap/|DC1[$]@)')" 0
t_like "dc.keytab (the full one) has host/ keys" "$(klist -k "$H_DIR/krb5/dc.keytab")" "host/dc1\.example\.com@"
# The attacker is slapd itself (openldap), with its own working directory.
t_ok "openldap reads its own ldap.keytab (from DIR/slapd)" in_dir "$H_DIR/slapd" cat ldap.keytab
t_fail "openldap cannot read dc.keytab (from DIR/slapd)" in_dir "$H_DIR/slapd" cat ../krb5/dc.keytab
t_fail "... nor from DIR" in_dir "$H_DIR" cat krb5/dc.keytab
t_fail "... nor the master key" in_dir "$H_DIR" cat krb5/stash
t_fail "... nor the CA key" in_dir "$H_DIR" cat tls/ca.key
t_fail "... nor the administrator's password" in_dir "$H_DIR" cat secrets/administrator.password
out=$(in_dir "$H_DIR/run" ldapsearch -LLL -Q -Y EXTERNAL -H "ldapi://ldap%2Fldapi" -b "$H_BASE" -s base dn 2>&1)
t_like "openldap's ldapsearch -Y EXTERNAL over ldapi (from DIR/run) is refused" "$out" "Can't contact LDAP server"
t_fail "openldap cannot write slapd.conf" in_dir "$H_DIR/slapd" sh -c 'echo x >> slapd.conf'
t_fail "... nor replace ldap.keytab" in_dir "$H_DIR/slapd" sh -c 'echo x > ldap.keytab.new'
# slapd 2.5 becomes openldap before it reads slapd.conf (servers/slapd/
# main.c: slap_init_user, then read_config): a copy only root may read
# stops a slapd started as root with -u openldap, on a socket of its own.
cp "$H_DIR/slapd/slapd.conf" "$H_DIR/slapd/root-only.conf" && chmod 600 "$H_DIR/slapd/root-only.conf"
probe="ldapi://$(printf '%s' "$H_TMP/probe.sock" | sed 's|/|%2F|g')/"
out=$(cd "$H_DIR/slapd" && timeout 30 slapd -d config -u openldap -g openldap -f root-only.conf -h "$probe" 2>&1; echo "rc=$?")
t_like "slapd -u openldap cannot read a root-only slapd.conf" "$out" "could not open config file \"root-only.conf\": Permission denied"
t_like "... and exits at once (not killed by the timeout)" "$out" "rc=1$"
rm -f "$H_DIR/slapd/root-only.conf"

# ---- the dsa runs as minidc-dsa, in DIR/run/dsa ----
as_dsa() { setpriv --reuid=minidc-dsa --regid=minidc-dsa --clear-groups "$@"; }
dsa_pid() { "$MINIDC" status --dir "$H_DIR" | awk '$1 == "dsa" { print $3 }'; }
dpid=$(dsa_pid)
du=$(id -u minidc-dsa); dg=$(id -g minidc-dsa)
t_is "the dsa runs as minidc-dsa" "$(ps -o user= -p "${dpid:-0}" | tr -d ' ')" minidc-dsa
t_is "... every uid and gid of it" \
	"$(awk '/^(Uid|Gid):/ { print $2, $3, $4, $5 }' "/proc/${dpid:-0}/status" | tr '\n' ' ')" \
	"$du $du $du $du $dg $dg $dg $dg "
t_is "... and no supplementary group" "$(awk '/^Groups:/ { $1 = ""; print }' "/proc/${dpid:-0}/status" | tr -d ' ')" ""
t_is "its working directory is DIR/run/dsa" "$(readlink "/proc/${dpid:-0}/cwd")" "$H_DIR/run/dsa"
t_is "DIR/run/dsa is root:minidc-dsa, mode 0750" "$(stat -c '%U:%G %a' "$H_DIR/run/dsa")" "root:minidc-dsa 750"
t_ok "there is slapd's ldapi socket for the dsa" test -S "$H_DIR/run/dsa/ldapi"
dsa_uri="ldapi://dsa%2Fldapi"
t_like "minidc-dsa's ldapwhoami -Y EXTERNAL there is the DC system identity" \
	"$(in_dir_as() { (cd "$H_DIR/run/dsa" && as_dsa ldapwhoami -Q -Y EXTERNAL -H ldapi://ldapi 2>&1); }; in_dir_as)" \
	"^dn:gidNumber=0\+uidNumber=0,cn=peercred,cn=external,cn=auth$"
out=$(cd "$H_DIR/run" && as_ldap ldapwhoami -Q -Y EXTERNAL -H "$dsa_uri" 2>&1)
t_like "openldap (slapd) cannot use the dsa's ldapi socket" "$out" "Can't contact LDAP server"
out=$(cd "$H_DIR/run" && as_nobody ldapwhoami -Q -Y EXTERNAL -H "$dsa_uri" 2>&1)
t_like "... nor nobody (the DNS server)" "$out" "Can't contact LDAP server"
out=$(cd "$H_DIR/run" && as_dsa ldapwhoami -Q -Y EXTERNAL -H "ldapi://ldap%2Fldapi" 2>&1)
t_like "minidc-dsa cannot use root's ldapi socket" "$out" "Can't contact LDAP server"
for f in krb5/stash krb5/dc.keytab krb5/dns.keytab tls/ca.key tls/dc.key secrets/administrator.password slapd/ldap.keytab; do
	[ -e "$H_DIR/$f" ] || continue
	t_fail "minidc-dsa cannot read $f (from DIR)" sh -c "cd '$H_DIR' && setpriv --reuid=minidc-dsa --regid=minidc-dsa --clear-groups cat $f"
done
t_fail "... nor write in DIR/run/dsa" sh -c "cd '$H_DIR/run/dsa' && setpriv --reuid=minidc-dsa --regid=minidc-dsa --clear-groups touch x"
# The legitimate use: the dsa sets a password (keys under the master key
# it loaded as root), and that user logs on.
( umask 077; printf 'Pd-User-Pass-1' > "$H_TMP/pduser.pw" )
t_ok "minidc user add pduser (through the dsa)" "$MINIDC" user add pduser --password-file "$H_TMP/pduser.pw" --dir "$H_DIR"
t_ok "kinit pduser" sh -c "KRB5CCNAME=FILE:$H_TMP/pduser.cc kinit pduser < '$H_TMP/pduser.pw'"
t_ok "ldapmodify -Y GSSAPI as Administrator (through the dsa)" sh -c "KRB5CCNAME=FILE:$H_TMP/admin.cc ldapmodify -Q -Y GSSAPI -H ldap://$H_ADDR <<LDIF
dn: CN=pduser,CN=Users,$H_BASE
changetype: modify
replace: description
description: set by the administrator
LDIF"
t_like "... the change is there" "$(lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "CN=pduser,CN=Users,$H_BASE" -s base description)" \
	"^description: set by the administrator$"
t_is "the dsa logged no error" "$(grep -c '^.*dsa.*cannot' "$H_DIR/log/minidc.log")" 0

# ---- minidc-join: the A record by GSS-TSIG as the machine account ----
printf '127.0.0.1 localhost\n' > "$H_TMP/hosts"
printf 'nameserver %s\n' "$H_ADDR" > "$H_TMP/resolv.conf"
in_ns() {
	timeout 60 unshare -m sh -c "mount --bind '$H_TMP/hosts' /etc/hosts &&
		mount --bind '$H_TMP/resolv.conf' /etc/resolv.conf && exec \"\$@\"" sh "$@"
}
out=$(in_ns sh -c "'$J' join --domain example.com --host-fqdn pdhost.example.com \
	--keytab '$H_TMP/pdhost.keytab' --stdin-password < '$H_ADMIN_PW_FILE'" 2>"$H_TMP/err")
t_is "join exits 0" "$?" 0
t_is "join: nothing on stderr" "$(cat "$H_TMP/err")" ""
t_like "join registered the A record by GSS-TSIG" "$out" \
	"^DNS: registered pdhost.example.com A 127\.0\.0\.1$"
t_ok "dig sees pdhost" t_wait 10 has pdhost.example.com A 127.0.0.1

# ---- a restart from a shell with the clients' KRB5_CONFIG/KRB5RCACHEDIR ----
t_ok "minidc stop" "$MINIDC" stop --dir "$H_DIR"
t_ok "minidc run, with the clients' Kerberos environment" env KRB5RCACHEDIR="$H_TMP" \
	KRB5_CONFIG="$KRB5_CONFIG" "$MINIDC" run --dir "$H_DIR"
t_ok "nsupdate -g after the restart adds pd2 A" upd <<NSU
update add pd2.example.com 600 A 10.0.8.2
NSU
t_ok "dig sees pd2" t_wait 10 has pd2.example.com A 10.0.8.2
t_is "still no TKEY refusal in the log" "$(grep -c "TKEY refused" "$H_DIR/log/minidc.log")" 0

# ---- layouts that cannot work: one line, non-zero, at once ----
# refused DESC REGEX CMD...: CMD exits non-zero with exactly one line on
# stderr, matching REGEX.
refused() {
	desc=$1; re=$2; shift 2
	"$@" >"$H_TMP/o" 2>"$H_TMP/e"; rc=$?
	t_is "$desc: non-zero exit" "$([ $rc -ne 0 ] && echo nonzero)" nonzero
	t_is "$desc: one line" "$(wc -l < "$H_TMP/e")" 1
	t_like "$desc: says why" "$(cat "$H_TMP/e")" "$re"
}
t_ok "minidc stop (the checks below need the addresses and DIR idle)" "$MINIDC" stop --dir "$H_DIR"
NEW="$H_TMP/new"
PROV="provision --domain example.com --host-ip $H_ADDR --adminpass-file $H_ADMIN_PW_FILE"

# No user to drop to: this private view of the account database lacks
# nobody (and the systemd NSS module, which would make one up).
grep -v '^nobody:' /etc/passwd > "$H_TMP/passwd"
sed 's/^\(passwd\|group\):.*/\1: files/' /etc/nsswitch.conf > "$H_TMP/nsswitch.conf"
no_nobody() {
	unshare -m sh -c "mount --bind '$H_TMP/passwd' /etc/passwd &&
		mount --bind '$H_TMP/nsswitch.conf' /etc/nsswitch.conf && exec \"\$@\"" sh "$@"
}
t_fail "in that view, nobody does not exist" no_nobody id nobody
refused "provision without user nobody" \
	"^minidc provision: user nobody does not exist: the DNS server drops root to it$" \
	no_nobody "$MINIDC" $PROV --dir "$NEW"
t_fail "... and leaves no DIR behind" test -e "$NEW"
refused "run without user nobody" \
	"^minidc run: user nobody does not exist: the DNS server drops root to it$" \
	no_nobody "$MINIDC" run --dir "$H_DIR"
t_fail "... and starts nothing" "$MINIDC" status --dir "$H_DIR"
# Nor without openldap (the slapd package's user), whom slapd becomes.
grep -v '^openldap:' /etc/passwd > "$H_TMP/passwd-ldap"
no_openldap() {
	unshare -m sh -c "mount --bind '$H_TMP/passwd-ldap' /etc/passwd &&
		mount --bind '$H_TMP/nsswitch.conf' /etc/nsswitch.conf && exec \"\$@\"" sh "$@"
}
t_fail "in that view, openldap does not exist" no_openldap id openldap
refused "provision without user openldap" \
	"^minidc provision: user openldap does not exist: slapd drops root to it$" \
	no_openldap "$MINIDC" $PROV --dir "$NEW"
t_fail "... and leaves no DIR behind" test -e "$NEW"
refused "run without user openldap" \
	"^minidc run: user openldap does not exist: slapd drops root to it$" \
	no_openldap "$MINIDC" run --dir "$H_DIR"
t_fail "... and starts nothing" "$MINIDC" status --dir "$H_DIR"

# DIR on a FUSE mount that only its mounter (root) may enter, as a home
# directory on sshfs or gocryptfs: nobody cannot use DIR/run/dns even
# though it owns it.  The mount lives in a private mount namespace.
if [ -c /dev/fuse ]; then
	mkdir -p "$H_TMP/fuse"
	fuse() { # run CMD... with $H_TMP mirrored, root-only, at $H_TMP/fuse
		unshare -m --propagation private sh -c "bindfs --no-allow-other '$H_TMP' '$H_TMP/fuse' &&
			\"\$@\"; rc=\$?; umount '$H_TMP/fuse'; exit \$rc" sh "$@"
	}
	t_ok "root sees DIR through the mount" fuse test -f "$H_TMP/fuse/dc/minidc.conf"
	# slapd, the first service, is the first to find it (openldap).
	refused "provision on a FUSE mount openldap may not enter" \
		"^minidc provision: slapd cannot use $H_TMP/fuse/new/slapd as user openldap \\(uid $(id -u openldap)\\): Permission denied$" \
		fuse "$MINIDC" $PROV --dir "$H_TMP/fuse/new"
	t_fail "... and leaves no DIR behind" test -e "$NEW"
	refused "run of a DIR on that mount" \
		"^minidc run: slapd cannot use $H_TMP/fuse/dc/slapd as user openldap \\(uid $(id -u openldap)\\): Permission denied$" \
		fuse "$MINIDC" run --dir "$H_TMP/fuse/dc"
	t_fail "... and starts nothing" "$MINIDC" status --dir "$H_DIR"
else
	H_NTEST=$((H_NTEST + 1)); echo "ok $H_NTEST - # SKIP no /dev/fuse (kernel feature)"
fi

# The same DIR, reached directly, still runs (the checks changed nothing).
t_ok "minidc run again" "$MINIDC" run --dir "$H_DIR"
t_ok "nsupdate -g adds pd3 A" upd <<NSU
update add pd3.example.com 600 A 10.0.8.3
NSU
t_ok "dig sees pd3" t_wait 10 has pd3.example.com A 10.0.8.3

harness_done
