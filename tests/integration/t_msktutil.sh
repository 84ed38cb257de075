#!/bin/sh
# tests/integration/t_msktutil.sh - msktutil 1.2 on a member host (private
# namespace over a copy of /etc, tests/harness/member.sh): `msktutil create`
# and `msktutil update` with no options but an admin's ticket (TAP).
set -u
. "$top_srcdir/tests/harness/harness.sh"
. "$top_srcdir/tests/harness/member.sh" "$@"

if [ "$H_IN_NS" = 0 ]; then
	harness_start
	member_prepare host6
	member_enter "$0"
fi
member_setup
export KRB5CCNAME="FILE:$H_TMP/member.ccache"
root_read() { lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "$H_BASE" "$@" 2>&1; }

t_ok "kinit Administrator (the member's krb5.conf, KDC from DNS)" \
	sh -c "kinit Administrator < '$H_ADMIN_PW_FILE'"
out=$(timeout 120 msktutil create 2>&1)
t_is "msktutil create: exit status 0" "$?" 0
printf '%s\n' "$out" | sed 's/^/# create: /'
t_unlike "msktutil create: no error" "$out" '[Ee]rror|failed'
e=$(root_read '(sAMAccountName=HOST6$)' sAMAccountName userAccountControl dNSHostName \
	servicePrincipalName msDS-KeyVersionNumber objectCategory)
t_ilike "the account HOST6\$ exists (msktutil names it host6\$)" "$e" '^sAMAccountName: host6\$$'
t_like "its SPN host/host6.example.com" "$e" '^servicePrincipalName: host/host6.example.com$'
t_like "its dNSHostName" "$e" '^dNSHostName: host6.example.com$'
kvno=$(printf '%s\n' "$e" | sed -n 's/^msDS-KeyVersionNumber: //p')
kt=$(klist -k /etc/krb5.keytab 2>&1)
t_like "keytab has host6\$ at the directory's kvno $kvno" "$kt" "^ *$kvno host6\\\$@EXAMPLE.COM$"
t_ok "the keytab's keys get a TGT" kinit -k -t /etc/krb5.keytab 'host6$'

t_ok "kinit Administrator again" sh -c "kinit Administrator < '$H_ADMIN_PW_FILE'"
out=$(timeout 120 msktutil update 2>&1)
t_is "msktutil update: exit status 0" "$?" 0
printf '%s\n' "$out" | sed 's/^/# update: /'
t_unlike "msktutil update: no 'Already exists'" "$out" 'Already exists'
kvno2=$(root_read '(sAMAccountName=HOST6$)' msDS-KeyVersionNumber | sed -n 's/^msDS-KeyVersionNumber: //p')
t_ok "msktutil update changed the password (kvno $kvno -> $kvno2)" test "${kvno2:-0}" -gt "${kvno:-0}"
t_like "the keytab has the new kvno $kvno2" "$(klist -k /etc/krb5.keytab 2>&1)" \
	"^ *$kvno2 host6\\\$@EXAMPLE.COM$"
t_ok "the new keys get a TGT" kinit -k -t /etc/krb5.keytab 'host6$'

harness_done
