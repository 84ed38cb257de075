#!/bin/sh
# tests/integration/t_layout.sh - the installed layout without --dir:
# provision --domain makes <state dir>/<domain> with run/ linked into
# <run dir>/<domain>; run, status, env, admin commands and stop find the one
# domain by themselves (or by --domain); a run directory emptied by a reboot
# is made again; two domains need --domain.  MINIDC_STATEDIR/MINIDC_RUNDIR
# put the layout's /var/lib/minidc and /run/minidc under this test's dir.
. "$top_srcdir/tests/harness/harness.sh"
H_TMP=$(mktemp -d /tmp/minidc-test.XXXXXX)
chmod 755 "$H_TMP"
trap 'harness_cleanup' EXIT
H_ADDR=$(harness_addr) || { echo "Bail out! no free loopback address"; exit 99; }
H_ADMIN_PW_FILE="$H_TMP/admin.pw"
( umask 077; printf '%s' 'Adm1n-Secret-Pass' > "$H_ADMIN_PW_FILE" )
MINIDC_STATEDIR="$H_TMP/var/lib/minidc" MINIDC_RUNDIR="$H_TMP/run/minidc"
export MINIDC_STATEDIR MINIDC_RUNDIR
unset MINIDC_DIR
D="$MINIDC_STATEDIR/example.com"

out=$("$MINIDC" provision --domain example.com --host-ip "$H_ADDR" \
	--adminpass-file "$H_ADMIN_PW_FILE" 2>&1)
t_like "provision --domain without --dir: in the state directory" "$out" \
	"^provisioned example.com in $D "
t_is "DIR/run links to the run directory" "$(readlink "$D/run")" "$MINIDC_RUNDIR/example.com"
t_ok "check-config finds the one domain" "$MINIDC" check-config
# A reboot empties /run: run makes the directory again.
rm -rf "$MINIDC_RUNDIR"
H_DCS="$D"
out=$("$MINIDC" run 2>&1)
t_like "minidc run (no --dir) starts the one domain" "$out" "running \(pid [0-9]+\)"
t_ok "the run directory is back" test -d "$MINIDC_RUNDIR/example.com"
t_ok "... with the control socket in it" test -S "$MINIDC_RUNDIR/example.com/control.sock"
t_like "minidc status (no --dir)" "$("$MINIDC" status 2>&1)" "^krb5kdc +running"
t_like "minidc status --domain example.com" "$("$MINIDC" status --domain example.com 2>&1)" \
	"^slapd +running"
eval "$("$MINIDC" env)"
export KRB5CCNAME="FILE:$H_TMP/cc"
t_ok "kinit with minidc env (no --dir)" sh -c "kinit Administrator < '$H_ADMIN_PW_FILE'"
t_like "ldapsearch -Y GSSAPI" \
	"$(ldapsearch -LLL -Q -Y GSSAPI -b DC=example,DC=com '(sAMAccountName=Administrator)' dn 2>&1)" \
	"^dn: (CN|cn)=Administrator"
t_like "an admin command (no --dir) confirms" "$("$MINIDC" group add Movers 2>&1)" \
	"^added group Movers "
t_is "... and dns list --domain finds the zone's DC" \
	"$("$MINIDC" dns list --domain example.com 2>&1 | grep -c '^dc1')" 1
# A second domain: without --domain nothing guesses.
out=$("$MINIDC" provision --domain example.org --host-ip "$H_ADDR" --base-port 21400 \
	--adminpass-file "$H_ADMIN_PW_FILE" 2>&1)
t_is "provision a second domain: exit 0" "$?" 0
"$MINIDC" check-config > /dev/null 2>"$H_TMP/err"
t_is "two domains, no --dir: exit 2" "$?" 2
t_like "... says several and where" "$(cat "$H_TMP/err")" \
	"--dir DIR or --domain D is required \(several domains provisioned in $MINIDC_STATEDIR\)"
t_like "check-config --domain example.org" "$("$MINIDC" check-config --domain example.org 2>&1)" \
	"example.org/minidc.conf: ok \(domain example.org"
t_like "stop --domain example.com" "$("$MINIDC" stop --domain example.com 2>&1)" "stopped$"
t_like "status --domain example.com: not running" \
	"$("$MINIDC" status --domain example.com 2>&1)" "not running$"
harness_done
