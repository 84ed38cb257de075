#!/bin/sh
# tests/integration/t_join_host.sh - what minidc-join does to the host: it
# writes the realm's krb5.conf when there is none (forwardable, KDC by
# address), leaves an existing one alone unless asked, then keeps a backup;
# --host-ip picks the registered address; -U takes NETBIOS\NAME and
# NAME@domain.  And the DC's admin commands confirm what they changed.
. "$top_srcdir/tests/harness/harness.sh"
harness_start

J="$top_builddir/join/minidc-join"
HK5="$H_TMP/host-krb5.conf" # the "host's" krb5.conf: KRB5_CONFIG names it
DCK5=$KRB5_CONFIG
join_as() { # USER HOST [ARGS...]: join HOST with the admin password file
	_u=$1; _h=$2; shift 2
	env KRB5_CONFIG="$HK5" "$J" join --domain example.com --server "$H_ADDR" \
		-U "$_u" --password-file "$H_ADMIN_PW_FILE" --host-fqdn "$_h.example.com" \
		--keytab "$H_TMP/$_h.keytab" "$@"
}

# ---- a host without krb5.conf; EXAMPLE\Administrator; --host-ip ----
out=$(join_as 'EXAMPLE\Administrator' host4 --host-ip 192.0.2.44 2>"$H_TMP/err")
t_is "join -U 'EXAMPLE\\Administrator' exits 0" "$?:$(cat "$H_TMP/err")" "0:"
t_like "join says it wrote the host's krb5.conf" "$out" \
	"^krb5.conf: wrote $HK5 for EXAMPLE.COM \(forwardable tickets\)$"
k5=$(cat "$HK5" 2>&1)
t_like "krb5.conf: forwardable = true" "$k5" "^	forwardable = true$"
t_like "krb5.conf: the KDC by address" "$k5" "^		kdc = $H_ADDR:88$"
t_like "krb5.conf: default realm" "$k5" "^	default_realm = EXAMPLE.COM$"
t_is "krb5.conf is 0644" "$(stat -c %a "$HK5")" 644
t_like "join registered the --host-ip address" "$out" \
	"^DNS: registered host4.example.com A 192\.0\.2\.44$"
t_is "dig @DC host4.example.com A: the --host-ip address" \
	"$(dig @"$H_ADDR" +time=2 +tries=1 +short host4.example.com A)" "192.0.2.44"
# kinit with nothing but the written file: the ticket is forwardable
# without -f (what minidc-migrate move needs).
export KRB5CCNAME="FILE:$H_TMP/cc-host"
env KRB5_CONFIG="$HK5" kinit Administrator < "$H_ADMIN_PW_FILE" >/dev/null 2>&1
t_is "kinit Administrator with the written krb5.conf" "$?" 0
t_like "the ticket is forwardable (klist -f: F)" "$(klist -f 2>&1 | grep -A1 krbtgt/)" \
	"Flags: [A-Za-z]*F"
t_ok "kinit -k HOST4\$ with the written krb5.conf" \
	env KRB5_CONFIG="$HK5" kinit -k -t "$H_TMP/host4.keytab" 'HOST4$'

# ---- an existing krb5.conf stays; Administrator@example.com ----
cp "$HK5" "$H_TMP/k5.before"
out=$(join_as Administrator@example.com host5 --no-dns-update 2>"$H_TMP/err")
t_is "join -U Administrator@example.com exits 0" "$?:$(cat "$H_TMP/err")" "0:"
t_like "an existing krb5.conf: said, left alone" "$out" \
	"^krb5.conf: $HK5 exists, left as it is \(--krb5-conf-out $HK5 replaces it"
t_ok "the existing file is unchanged" cmp "$HK5" "$H_TMP/k5.before"
t_ok "join -U ADMINISTRATOR@EXAMPLE.COM (realm form) exits 0" \
	join_as ADMINISTRATOR@EXAMPLE.COM host5 --no-dns-update --no-krb5-conf

# ---- --krb5-conf-out over a file: backup, never overwritten ----
printf '# the admin own file\n' > "$H_TMP/own.conf"
out=$(join_as Administrator host5 --no-dns-update --krb5-conf-out "$H_TMP/own.conf" 2>&1)
t_like "--krb5-conf-out over a file: says where the old one is" "$out" \
	"^krb5.conf: wrote $H_TMP/own.conf for EXAMPLE.COM .*; the old file is $H_TMP/own.conf.bak$"
t_is "the backup holds the old file" "$(cat "$H_TMP/own.conf.bak")" "# the admin own file"
t_like "the new file is the realm's" "$(cat "$H_TMP/own.conf")" "forwardable = true"
join_as Administrator host5 --no-dns-update --krb5-conf-out "$H_TMP/own.conf" >/dev/null 2>&1
t_is "a second replacement keeps the first backup" "$(cat "$H_TMP/own.conf.bak")" \
	"# the admin own file"
t_like "... and makes own.conf.bak.1" "$(cat "$H_TMP/own.conf.bak.1" 2>&1)" "forwardable = true"

# ---- usage errors name the argument; exit 2; nothing contacted ----
bad() { # DESC PATTERN ARGS...
	_d=$1; _p=$2; shift 2
	"$J" "$@" >/dev/null 2>"$H_TMP/err"
	t_is "$_d: exit 2" "$?" 2
	t_like "$_d: names it" "$(head -1 "$H_TMP/err")" "$_p"
}
bad "-U 'EXAMPLE\\'" "-U 'EXAMPLE\\\\': no user name" join --domain example.com -U 'EXAMPLE\' \
	--server "$H_ADDR" --password-file "$H_ADMIN_PW_FILE"
bad "-U in another domain" "-U 'a@other.org': the user must be in example.com" \
	join --domain example.com -U a@other.org --server "$H_ADDR"
bad "--host-ip 300.1.2.3" "invalid --host-ip '300.1.2.3' \(expected an IPv4 address" \
	join --domain example.com --host-ip 300.1.2.3
bad "--host-ip for status" "are for join only" status --domain example.com --host-ip 192.0.2.1
bad "--no-krb5-conf with --krb5-conf-out" "exclude each other" \
	join --domain example.com --no-krb5-conf --krb5-conf-out /tmp/x

# ---- admin commands confirm in one line (and did it) ----
printf 'Al1ce-Pass-1\n' | "$MINIDC" user add alice --dir "$H_DIR" >/dev/null 2>&1
out=$("$MINIDC" group addmember "Migration Operators" alice --dir "$H_DIR" 2>&1)
t_is "group addmember: one line" "$out" "added alice to group Migration Operators"
t_ilike "... alice is a member (memberOf)" \
	"$(lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "$H_BASE" '(sAMAccountName=alice)' memberOf 2>&1)" \
	"^memberOf: CN=Migration Operators,"
out=$("$MINIDC" delegation allow 'HOST4$' migrate/host5.example.com --dir "$H_DIR" 2>&1)
t_is "delegation allow: one line" "$out" 'HOST4$ may now delegate to migrate/host5.example.com'
t_is "... delegation list shows it" \
	"$("$MINIDC" delegation list 'HOST4$' --dir "$H_DIR" 2>&1)" "migrate/host5.example.com"
out=$("$MINIDC" delegation deny 'HOST4$' migrate/host5.example.com --dir "$H_DIR" 2>&1)
t_is "delegation deny: one line" "$out" 'HOST4$ may no longer delegate to migrate/host5.example.com'
out=$("$MINIDC" group delmember "Migration Operators" alice --dir "$H_DIR" 2>&1)
t_is "group delmember: one line" "$out" "removed alice from group Migration Operators"
out=$("$MINIDC" group add Movers --dir "$H_DIR" 2>&1)
t_like "group add: one line" "$out" "^added group Movers \(CN=Movers,CN=Users,$H_BASE\)$"
out=$("$MINIDC" user disable alice --dir "$H_DIR" 2>&1)
t_is "user disable: one line" "$out" "disabled user alice"
out=$("$MINIDC" computer del host5 --dir "$H_DIR" 2>&1)
t_ilike "computer del: one line" "$out" '^deleted computer HOST5\$ \(CN=HOST5,CN=Computers,'
KRB5_CONFIG=$DCK5
harness_done
