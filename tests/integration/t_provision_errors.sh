#!/bin/sh
# tests/integration/t_provision_errors.sh - issue 2: every bad provisioning input gets
# one clear line and a non-zero exit, and nothing half-provisioned is left behind.
. "$top_srcdir/tests/harness/harness.sh"
H_TMP=$(mktemp -d /tmp/minidc-test.XXXXXX)
trap 'harness_cleanup' EXIT
A=$(harness_addr) || exit 99
H_ADMIN_PW_FILE="$H_TMP/pw"; printf 'Pass-w0rd-123' > "$H_ADMIN_PW_FILE"; chmod 600 "$H_ADMIN_PW_FILE"
D="$H_TMP/d"

# expect_error DESC REGEX ARGS...: exit non-zero, exactly one line on stderr
# matching REGEX, and DIR absent afterwards.
expect_error() {
	desc=$1; re=$2; shift 2
	"$MINIDC" provision "$@" >"$H_TMP/o" 2>"$H_TMP/e"; rc=$?
	t_is "$desc: non-zero exit" "$([ $rc -ne 0 ] && echo nonzero)" nonzero
	t_is "$desc: one line" "$(wc -l < "$H_TMP/e")" 1
	t_like "$desc: says why" "$(cat "$H_TMP/e")" "$re"
	t_is "$desc: nothing left behind" "$([ -e "$D" ] && echo exists || echo absent)" absent
}
P="--dir $D --host-ip $A --adminpass-file $H_ADMIN_PW_FILE"
expect_error "malformed domain" "invalid domain name 'exa mple.com'" --domain "exa mple.com" $P
expect_error "one-label domain" "invalid domain name 'example'" --domain example $P
expect_error "malformed realm" "invalid realm 'EXAMPLE COM'" --domain example.com --realm "EXAMPLE COM" $P
expect_error "malformed NetBIOS name" "invalid NetBIOS name" --domain example.com --netbios "TOO-LONG-NETBIOS-NAME" $P
expect_error "missing password file" "cannot read password file" --domain example.com --dir "$D" --host-ip "$A" --adminpass-file "$H_TMP/none"
: > "$H_TMP/empty"
expect_error "empty password file" "password file .* is empty" --domain example.com --dir "$D" --host-ip "$A" --adminpass-file "$H_TMP/empty"
expect_error "bad address" "invalid --host-ip" --domain example.com --dir "$D" --host-ip 127.0.0.999 --adminpass-file "$H_ADMIN_PW_FILE"
# A port in use: hold the LDAP port with a listener of our own.
python3 -c "import socket,time,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('$A', 389)); s.listen(); print('up', flush=True); time.sleep(30)" > "$H_TMP/hold" &
hold=$!
t_wait "$H_WAIT" grep -q up "$H_TMP/hold"
expect_error "port in use" "LDAP port $A:389/tcp is in use" --domain example.com $P
kill $hold; wait $hold 2>/dev/null

# An existing directory is never touched without --force.
mkdir "$D"; echo keep > "$D/marker"
"$MINIDC" provision --domain example.com $P > /dev/null 2>"$H_TMP/e"; rc=$?
t_is "existing DIR: refused" "$rc" 1
t_like "existing DIR: says why" "$(cat "$H_TMP/e")" "already exists \(use --force to replace it\)"
t_is "existing DIR: untouched" "$(cat "$D/marker")" keep
"$MINIDC" provision --force --domain example.com $P > /dev/null 2>"$H_TMP/e"; rc=$?
t_is "--force on a foreign non-empty dir: refused" "$rc" 1
t_is "foreign dir still untouched" "$(cat "$D/marker")" keep
rm -rf "$D"

# A good provision, then --force replaces it; --base-port moves every port.
t_ok "provision works" "$MINIDC" provision --domain example.com $P
t_ok "provision --force replaces a minidc dir" "$MINIDC" provision --force --domain example.com $P --base-port 20400
out=$(cat "$D/minidc.conf")
t_like "--base-port moves LDAP" "$out" "^ldap = 20400$"
t_like "--base-port moves DNS" "$out" "^dns = 20405$"
t_ok "check-config accepts it" "$MINIDC" check-config --dir "$D"
t_is "generated files are private" "$(stat -c %a "$D/tls/dc.key")" 600
t_fail "unknown command fails" "$MINIDC" frobnicate
harness_done
