#!/bin/sh
# tests/integration/t_sssd.sh - a Linux member host: joined with adcli, SSSD
# 2.8 with the configuration `realm join` writes (id_provider = ad, GPO access
# control enforcing), then once more with ad_server set (groups through the
# Global Catalog).  The host lives in a private namespace over a copy of /etc
# (tests/harness/member.sh): never the machine's own configuration (TAP).
set -u
. "$top_srcdir/tests/harness/harness.sh"
. "$top_srcdir/tests/harness/member.sh" "$@"

if [ "$H_IN_NS" = 0 ]; then
	harness_start
	pw() { printf '%s\n' "$1" | "$MINIDC" user add "$2" --dir "$H_DIR" >/dev/null 2>&1; }
	pw 'Al1ce-Pass-1' alice && pw 'B0b-Pass-1' bob &&
		"$MINIDC" group add ops --dir "$H_DIR" >/dev/null 2>&1 &&
		"$MINIDC" group add ops2 --dir "$H_DIR" >/dev/null 2>&1 &&
		"$MINIDC" group addmember ops alice --dir "$H_DIR" >/dev/null 2>&1 &&
		"$MINIDC" group addmember ops2 ops --dir "$H_DIR" >/dev/null 2>&1 &&
		"$MINIDC" user disable bob --dir "$H_DIR" >/dev/null 2>&1 ||
		{ echo "Bail out! creating the test accounts failed"; exit 99; }
	member_prepare host2
	# su is one of the services SSSD's GPO code maps to interactive logon
	# (an unmapped one is denied).  Only pam_sss, so no pam_rootok or
	# pam_unix answers for it.
	printf 'auth required pam_sss.so\naccount required pam_sss.so\n' > "$R/etc/pam.d/su"
	member_enter "$0"
fi
# ---- inside the namespace ----
member_setup
SSSD_PID=""
stop_sssd() {
	[ -n "$SSSD_PID" ] || return 0
	kill "$SSSD_PID" 2>/dev/null
	t_wait 30 sh -c "! kill -0 $SSSD_PID 2>/dev/null" >/dev/null 2>&1
	SSSD_PID=""
}
trap 'stop_sssd' EXIT

out=$(printf '%s' "$(cat "$H_ADMIN_PW_FILE")" | timeout 120 adcli join --domain example.com \
	-U Administrator --stdin-password -v 2>&1)
t_like "adcli join example.com (DNS discovery, /etc/krb5.keytab)" "$out" \
	'Created computer account: CN=HOST2,CN=Computers,'
t_like "the host keytab has HOST2\$" "$(klist -k /etc/krb5.keytab 2>&1)" ' HOST2\$@EXAMPLE.COM$'

# write_conf [EXTRA-LINE]: sssd.conf as `realm join` writes it (sssd 2.8
# defaults: ad_gpo_access_control = enforcing), plus EXTRA-LINE.
write_conf() {
	cat > /etc/sssd/sssd.conf <<EOF
[sssd]
domains = example.com
config_file_version = 2
services = nss, pam

[domain/example.com]
default_shell = /bin/sh
krb5_store_password_if_offline = True
cache_credentials = True
krb5_realm = EXAMPLE.COM
realmd_tags = manages-system joined-with-adcli
id_provider = ad
fallback_homedir = /home/%u@%d
ad_domain = example.com
use_fully_qualified_names = True
ldap_id_mapping = True
access_provider = ad
${1:-}
EOF
	chmod 600 /etc/sssd/sssd.conf
}
# start_sssd LOG: a fresh cache, sssd in the foreground (no systemd), up
# when the NSS responder answers for the domain.
start_sssd() {
	rm -rf /var/lib/sss/db/* /var/lib/sss/mc/* /var/lib/sss/pubconf/kdcinfo.* 2>/dev/null
	sssd -i -d "${MDC_SSSD_DEBUG:-0x0270}" --logger=stderr > "$H_TMP/$1" 2>&1 &
	SSSD_PID=$!
	t_ok "sssd starts ($1)" t_wait 60 getent passwd administrator@example.com
}
# gc_used WHAT: sssd_be holds a connection to the Global Catalog port.
gc_used() {
	t_like "$1: SSSD reads groups from the Global Catalog ($H_ADDR:3268)" \
		"$(ss -Htnp "dst $H_ADDR:3268" 2>&1)" 'sssd_be'
}
# checks WHAT: the issue's acceptance list.
checks() {
	_w=$1
	out=$(getent passwd alice@example.com)
	t_like "$_w: getent passwd alice@example.com" "$out" '^alice@example.com:\*:[0-9]+:[0-9]+:'
	out=$(id alice@example.com 2>&1)
	t_like "$_w: id alice: primary group domain users" "$out" 'gid=[0-9]+\(domain users@example.com\)'
	t_like "$_w: id alice: member of ops" "$out" '[0-9]+\(ops@example.com\)'
	t_like "$_w: id alice: member of ops2 (nested)" "$out" '[0-9]+\(ops2@example.com\)'
	out=$(getent group 'domain admins@example.com')
	t_like "$_w: getent group 'domain admins@example.com' lists administrator" "$out" \
		'^domain admins@example.com:\*:[0-9]+:.*administrator@example.com'
	gid=$(printf '%s' "$out" | cut -d: -f3)
	t_like "$_w: getent group $gid (by GID)" "$(getent group "${gid:-x}")" '^domain admins@example.com:'
	out=$(echo 'Al1ce-Pass-1' | sssctl user-checks alice@example.com -s su -a auth 2>&1)
	t_like "$_w: sssctl user-checks alice -a auth (right password)" "$out" 'pam_authenticate.*: Success'
	out=$(sssctl user-checks alice@example.com -s su -a acct 2>&1)
	t_like "$_w: sssctl user-checks alice -a acct (GPO enforcing, no GPO linked)" "$out" \
		'pam_acct_mgmt.*: Success'
	out=$(echo 'Wrong-Pass-9' | sssctl user-checks alice@example.com -s su -a auth 2>&1)
	t_unlike "$_w: a wrong password is refused" "$out" 'pam_authenticate.*: Success'
	t_like "$_w: ... with an authentication failure" "$out" 'pam_authenticate.*: Authentication failure'
	out=$(sssctl user-checks bob@example.com -s su -a acct 2>&1)
	t_unlike "$_w: disabled bob: acct refused" "$out" 'pam_acct_mgmt.*: Success'
	out=$(echo 'B0b-Pass-1' | sssctl user-checks bob@example.com -s su -a auth 2>&1)
	t_unlike "$_w: disabled bob: auth refused" "$out" 'pam_authenticate.*: Success'
}

write_conf
start_sssd sssd-discovery.out
checks "discovery"
gc_used "discovery"
[ -n "${MDC_SSSD_KEEP:-}" ] && cp "$H_TMP/sssd-discovery.out" "$MDC_SSSD_KEEP"
stop_sssd

write_conf 'ad_server = dc1.example.com'
start_sssd sssd-ad_server.out
checks "ad_server"
gc_used "ad_server"
stop_sssd

harness_done
