# tests/harness/member.sh - a Linux member host for client tests (SSSD,
# msktutil, ...): a private mount and UTS namespace whose /etc is a copy of
# the machine's (hosts, resolv.conf naming the DC's DNS, a member's
# krb5.conf and nsswitch.conf, no keytab, no sssd.conf) and whose
# /var/lib/sss, /var/log/sssd and /run are fresh: never the machine's own
# configuration.  Source after harness.sh.
#   member_prepare NAME      # after harness_start: $R = the host's root
#   member_enter "$0" ARGS   # re-runs the test inside the namespace; exits
#   member_setup             # first thing inside: mounts, hostname NAME
[ "${1:-}" = --in-ns ] && H_IN_NS=1 || H_IN_NS=0

member_prepare() {
	R="$H_TMP/root"
	mkdir -p "$R/run" "$R/log" "$R/sss"
	cp -a /etc "$R/etc"
	cp -a /var/lib/sss/. "$R/sss/" 2>/dev/null
	find "$R/sss" -type f -delete
	rm -f "$R/etc/krb5.keytab" "$R/etc/sssd/sssd.conf"
	printf '127.0.0.1 localhost\n' > "$R/etc/hosts"
	printf 'nameserver %s\n' "$H_ADDR" > "$R/etc/resolv.conf"
	printf '%s\n' "$1" > "$R/etc/hostname"
	# What a member host's krb5.conf says: the realm, the rest from DNS.
	printf '[libdefaults]\n\tdefault_realm = EXAMPLE.COM\n\tdns_lookup_kdc = true\n\trdns = false\n' \
		> "$R/etc/krb5.conf"
	printf 'passwd: files sss\ngroup: files sss\nshadow: files sss\nhosts: files dns\n' \
		> "$R/etc/nsswitch.conf"
	H_MEMBER=$1
	export R H_MEMBER
}

member_enter() {
	_script=$1; shift
	unshare -m -u --propagation private sh "$_script" --in-ns "$@"
	_rc=$?
	[ "$_rc" -eq 0 ] || H_NFAIL=1
	exit "$_rc"
}

member_setup() {
	mkdir -p /var/log/sssd 2>/dev/null
	if ! { mount --bind "$R/etc" /etc && mount --bind "$R/sss" /var/lib/sss &&
		mount --bind "$R/log" /var/log/sssd && mount --bind "$R/run" /run &&
		hostname "$H_MEMBER.example.com"; }; then
		echo "Bail out! cannot set up the member host's namespace"
		exit 99
	fi
	# A member host uses its own krb5.conf and caches.
	unset KRB5_CONFIG KRB5CCNAME LDAPURI LDAPBASE LDAPTLS_CACERT
}
