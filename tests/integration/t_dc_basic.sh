#!/bin/sh
# tests/integration/t_dc_basic.sh - issue 2: provision, run, LDAP with real clients,
# supervision (kill -9 restart), stop/run persistence, secrets' modes.
. "$top_srcdir/tests/harness/harness.sh"
harness_start

# rootDSE, anonymously, as adcli reads it.
out=$(lds -LLL -x -H "ldap://$H_ADDR" -b '' -s base defaultNamingContext 2>&1)
t_like "rootDSE names the default naming context" "$out" "^defaultNamingContext: DC=example,DC=com$"

# Anonymous users see nothing of the domain.
out=$(lds -LLL -x -H "ldap://$H_ADDR" -b "$H_BASE" '(objectClass=*)' dn 2>&1)
t_unlike "anonymous search of the domain returns no entry" "$out" "^dn:"

# Root over ldapi with SASL EXTERNAL reads the domain.
out=$(lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "$H_BASE" '(sAMAccountName=Administrator)' objectSid 2>&1)
t_like "ldapi/EXTERNAL as root finds Administrator" "$out" "^dn: cn=Administrator,cn=Users,dc=example,dc=com$"
t_like "Administrator has an objectSid" "$out" "^objectSid:: AQUAAAAAAAUVAAAA"

# LDAPS with the provisioned CA and a simple bind as Administrator.
out=$(LDAPTLS_CACERT="$H_DIR/tls/ca.crt" lds -LLL -x -H "ldaps://$H_ADDR" \
	-D "$H_ADMIN_DN" -y "$H_ADMIN_PW_FILE" -b "$H_BASE" '(sAMAccountName=krbtgt)' dn 2>&1)
t_like "LDAPS + simple bind reads krbtgt" "$out" "^dn: cn=krbtgt,cn=Users,dc=example,dc=com$"
out=$(LDAPTLS_CACERT="$H_DIR/tls/ca.crt" ldapwhoami -x -ZZ -H "ldap://$H_ADDR" \
	-D "$H_ADMIN_DN" -y "$H_ADMIN_PW_FILE" 2>&1)
t_like "StartTLS + ldapwhoami names the Administrator entry" "$out" "^dn:cn=Administrator,cn=Users,dc=example,dc=com$"
t_fail "LDAPS with another CA is refused" env LDAPTLS_CACERT=/etc/ssl/certs/ca-certificates.crt \
	ldapsearch -x -H "ldaps://$H_ADDR" -b '' -s base
printf 'wrong' > "$H_TMP/bad.pw"
out=$(ldapwhoami -x -ZZ -H "ldap://$H_ADDR" -D "$H_ADMIN_DN" -y "$H_TMP/bad.pw" 2>&1)
t_like "a wrong password is refused with invalidCredentials" "$out" "Invalid credentials \(49\)"
out=$(lds -LLL -x -ZZ -H "ldap://$H_ADDR" -D "$H_ADMIN_DN" -y "$H_ADMIN_PW_FILE" \
	-b "$H_BASE" '(sAMAccountName=krbtgt)' userPassword unicodePwd 2>&1)
t_unlike "password hashes are not readable by users" "$out" "^userPassword"

# The DIT an AD client expects.
out=$(lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "$H_BASE" -s base wellKnownObjects 2>&1)
t_like "wellKnownObjects names CN=Computers" "$out" "B:32:AA312825768811D1ADED00C04FD8D5CD:CN=Computers,DC=example,DC=com"
for g in "Domain Admins" "Domain Users" "Domain Computers" "Domain Controllers" "DnsAdmins" "Migration Operators"; do
	out=$(lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "$H_BASE" "(&(objectClass=group)(sAMAccountName=$g))" dn 2>&1)
	t_like "group $g exists" "$out" "^dn: cn=$g,"
done
out=$(lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "$H_BASE" '(sAMAccountName=Administrator)' memberOf 2>&1)
t_ilike "Administrator is a member of Domain Admins" "$out" "^memberOf: cn=Domain Admins,cn=Users,dc=example,dc=com$"
out=$(lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "$H_BASE" '(sAMAccountName=DC1$)' servicePrincipalName userAccountControl 2>&1)
t_like "DC1\$ carries ldap/dc1.example.com" "$out" "^servicePrincipalName: ldap/dc1.example.com$"
t_like "DC1\$ is a server trust account" "$out" "^userAccountControl: 532480$"
out=$(lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "CN=Partitions,CN=Configuration,$H_BASE" '(nETBIOSName=*)' nETBIOSName 2>&1)
t_like "the crossRef carries the NetBIOS name" "$out" "^nETBIOSName: EXAMPLE$"

# Uniqueness of sAMAccountName (unique overlay), written by root over ldapi.
cat > "$H_TMP/u1.ldif" <<LDIF
dn: CN=u1,CN=Users,$H_BASE
objectClass: user
cn: u1
sAMAccountName: u1

dn: CN=u1b,CN=Users,$H_BASE
objectClass: user
cn: u1b
sAMAccountName: U1
LDIF
out=$(ldapadd -c -Q -Y EXTERNAL -H "$H_LDAPI" -f "$H_TMP/u1.ldif" 2>&1)
t_like "ldapadd of a user works" "$out" 'adding new entry "CN=u1,CN=Users'
t_like "a second sAMAccountName differing only in case is refused" "$out" "Constraint violation"
t_ok "ldapmodify changes an attribute" sh -c "printf 'dn: CN=u1,CN=Users,$H_BASE\nchangetype: modify\nreplace: description\ndescription: marker-42\n' | ldapmodify -Q -Y EXTERNAL -H '$H_LDAPI'"

# Status, env, secrets.
out=$("$MINIDC" status --dir "$H_DIR" 2>&1)
t_like "minidc status shows slapd running" "$out" "^slapd +running +[0-9]+ +0$"
out=$("$MINIDC" env --dir "$H_DIR")
t_like "minidc env exports KRB5_CONFIG" "$out" "^export KRB5_CONFIG='$H_DIR/krb5.conf'$"
t_like "minidc env exports LDAPURI" "$out" "^export LDAPURI='ldap://$H_ADDR:389'$"
t_is "TLS CA key is 0600" "$(stat -c %a "$H_DIR/tls/ca.key")" 600
t_is "TLS DC key is 0600" "$(stat -c %a "$H_DIR/tls/dc.key")" 600
for f in krb5/stash krb5/dc.keytab; do
	[ -e "$H_DIR/$f" ] && t_is "$f is 0600" "$(stat -c %a "$H_DIR/$f")" 600
done
cores=""
# slapd's command line names DIR only percent-encoded: add it by its pid file.
for p in $(pgrep -f "$H_DIR") $(cat "$H_DIR/slapd/run/slapd.pid"); do cores="$cores$(awk '/core file/ {print $5}' "/proc/$p/limits" 2>/dev/null) "; done
t_like "services run" "$cores" "0"
t_unlike "no service may write a core file (secrets)" "$cores" "[1-9]|unlimited"
t_is "... slapd among them" "$(awk '/core file/ {print $5}' "/proc/$(cat "$H_DIR/slapd/run/slapd.pid")/limits")" 0
t_unlike "no password in the DC's logs" "$(cat "$H_DIR"/log/*.log)" "Adm1n-Secret-Pass"

# GSSAPI by address, as quickstart shows it: minidc env sets LDAPSASL_NOCANON
# and the DC has the SPN ldap/<address>; no resolver entry for dc1 needed.
t_ok "kinit Administrator" sh -c 'kinit Administrator < "$H_ADMIN_PW_FILE"'
out=$(ldapwhoami -Q -Y GSSAPI -H "ldap://$H_ADDR" 2>&1)
t_ilike "ldapwhoami -Y GSSAPI -H ldap://<address> is the Administrator" "$out" "^dn:cn=Administrator,cn=Users,dc=example,dc=com$"
t_like "the ticket is for ldap/<address>" "$(klist)" "ldap/$H_ADDR@EXAMPLE.COM"
out=$(ldapwhoami -Y GSS-SPNEGO -H "ldap://$H_ADDR" 2>&1)
t_ilike "GSS-SPNEGO (what adcli picks) binds as the Administrator" "$out" "^dn:cn=Administrator,cn=Users,dc=example,dc=com$"
t_like "with a security layer" "$out" "SASL SSF: (56|128|256)"
out=$(lds -LLL -x -H "ldap://$H_ADDR" -b '' -s base supportedSASLMechanisms 2>&1)
t_like "the rootDSE offers GSSAPI" "$out" "^supportedSASLMechanisms: GSSAPI$"
t_like "the rootDSE offers GSS-SPNEGO" "$out" "^supportedSASLMechanisms: GSS-SPNEGO$"

# Supervision: kill -9 slapd, expect a new slapd to answer.
pid=$("$MINIDC" status --dir "$H_DIR" | awk '$1 == "slapd" { print $3 }')
kill -9 "$pid"
t_ok "slapd answers again after kill -9 (restarted)" t_wait "$H_WAIT" \
	ldapsearch -x -H "ldap://$H_ADDR" -b '' -s base defaultNamingContext
pid2=$("$MINIDC" status --dir "$H_DIR" | awk '$1 == "slapd" { print $3 }')
t_unlike "slapd has a new pid" "$pid2" "^($pid|0|)$"
t_like "the restart is counted" "$("$MINIDC" status --dir "$H_DIR")" "^slapd +running +[0-9]+ +1$"
out=$(lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "$H_BASE" '(sAMAccountName=u1)' description 2>&1)
t_like "data intact after the crash" "$out" "^description: marker-42$"

# Stop and run again: data kept.
t_ok "minidc stop" "$MINIDC" stop --dir "$H_DIR"
t_fail "nothing answers after stop" ldapsearch -x -H "ldap://$H_ADDR" -b '' -s base
t_like "status says not running" "$("$MINIDC" status --dir "$H_DIR")" "not running"
t_ok "minidc run again" "$MINIDC" run --dir "$H_DIR"
out=$(lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "$H_BASE" '(sAMAccountName=u1)' description 2>&1)
t_like "data kept across stop/run" "$out" "^description: marker-42$"
t_fail "a second minidc run is refused" "$MINIDC" run --dir "$H_DIR"

harness_done
