#!/bin/sh
# tests/integration/t_quickstart.sh - issue 2: scripts/quickstart provisions example.com and
# runs the DC in the foreground; its rootDSE answers; SIGTERM stops every service.
. "$top_srcdir/tests/harness/harness.sh"
H_TMP=$(mktemp -d /tmp/minidc-test.XXXXXX)
trap 'harness_cleanup' EXIT
A=$(harness_addr) || exit 99
D="$H_TMP/var/example.com"
MINIDC_BIN="$MINIDC" MINIDC_ADDR=$A MINIDC_DIR="$D" "$top_srcdir/scripts/quickstart" > "$H_TMP/qs.out" 2>&1 &
qs=$!
H_DCS="$D"
t_ok "quickstart reports every service ready" t_wait 120 grep -q "all services ready" "$H_TMP/qs.out"
out=$(lds -LLL -x -H "ldap://$A" -b '' -s base defaultNamingContext 2>&1)
t_like "rootDSE: defaultNamingContext: DC=example,DC=com" "$out" "^defaultNamingContext: DC=example,DC=com$"
t_like "quickstart prints the KRB5_CONFIG line" "$(cat "$H_TMP/qs.out")" "minidc env --dir $D"
t_like "quickstart says where the password is" "$(cat "$H_TMP/qs.out")" "$D/secrets/administrator.password"
t_is "the generated password file is 0600" "$(stat -c %a "$D/secrets/administrator.password")" 600
t_like "the DC runs in the foreground (supervisor logs on stderr)" "$(cat "$H_TMP/qs.out")" "minidc: info: all services ready"
kill -TERM $qs
t_ok "SIGTERM ends quickstart" t_wait "$H_WAIT" sh -c "! kill -0 $qs"
t_fail "no service left answering" ldapsearch -x -H "ldap://$A" -b '' -s base
t_like "the supervisor logged the stop" "$(cat "$H_TMP/qs.out")" "domain controller stopped"
harness_done
