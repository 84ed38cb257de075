#!/bin/sh
# tests/integration/t_replica.sh - issue 13: a second DC on slapd's own
# multi-provider syncrepl.  Two harness DCs on their own 127.0.0.x; real
# clients (kinit, ldapsearch, nsupdate -g, dig, adcli, minidc-join).
. "$top_srcdir/tests/harness/harness.sh"
harness_start
harness_start_dc2

ADMPW=$(cat "$H_ADMIN_PW_FILE")
l1() { lds -Q -LLL -Y EXTERNAL -H "$H_LDAPI" -b "$H_BASE" "$@" 2>/dev/null; }
l2() { lds -Q -LLL -Y EXTERNAL -H "$H2_LDAPI" -b "$H_BASE" "$@" 2>/dev/null; }
# wait_for DESC CMD...: poll CMD until it succeeds (bound, not a timing).
wait_for() { _d=$1; shift; t_ok "$_d" t_wait 120 "$@"; }

t_is "dc2's stash is 0600" "$(stat -c %a "$H2_DIR/krb5/stash")" 600
t_is "the stash is the same on both DCs" "$(md5sum < "$H2_DIR/krb5/stash")" "$(md5sum < "$H_DIR/krb5/stash")"
t_is "dc2's keytab is 0600" "$(stat -c %a "$H2_DIR/krb5/dc.keytab")" 600
t_like "dc2's krb5.conf lists its own KDC" "$(cat "$H2_KRB5")" "kdc = $H2_ADDR:88"
t_like "... and dc1's" "$(cat "$H2_KRB5")" "kdc = $H_ADDR:88"
harness_done
