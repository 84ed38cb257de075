#!/bin/sh
# tests/integration/t_provision_dns.sh - DNS for member hosts set up by
# provision: forwarders (--forwarder, or the machine's resolvers that are not
# the DC itself) and the reverse zone with the DC's PTR (TAP).
set -u
. "$top_srcdir/tests/harness/harness.sh"
harness_start
conf() { sed -n "/^\[$2\]/,/^\[/s/^$3 *= *//p" "$1/minidc.conf" | head -n 1; }

# ---- the reverse zone ----
t_is "dig -x $H_ADDR: the DC's PTR" \
	"$(dig @"$H_ADDR" +time=2 +tries=1 +short -x "$H_ADDR")" "dc1.example.com."
rev=$(printf '%s' "$H_ADDR" | awk -F. '{ print $3 "." $2 "." $1 ".in-addr.arpa" }')
t_like "the reverse zone $rev has an SOA (authoritative)" \
	"$(dig @"$H_ADDR" +time=2 +tries=1 soa "$rev")" 'flags: qr aa'
t_is "harness DCs have no forwarders (--forwarder none)" "$(conf "$H_DIR" dns forwarders)" ""

# ---- a test forwarder serving example.org ----
FWD=$(harness_addr) || { echo "Bail out! no second address"; exit 99; }
cat > "$H_TMP/org.zone" <<ZONE
\$ORIGIN example.org.
@ 3600 IN SOA ns.example.org. hostmaster.example.org. 9 900 600 86400 3600
@ 900 IN NS ns.example.org.
www 900 IN A 192.0.2.80
ZONE
"$MINIDC" dns-serve --zone "$H_TMP/org.zone" --origin example.org --listen "$FWD" \
	--port 53 --workers 1 > "$H_TMP/fwd.out" 2>&1 &
fwd_pid=$!
t_ok "the test forwarder answers" t_wait 10 sh -c \
	"dig @$FWD +time=1 +tries=1 +short soa example.org | grep -q ns.example.org"

# ---- a DC provisioned with --forwarder ----
B=$(harness_addr) || { echo "Bail out! no third address"; exit 99; }
out=$(harness_provision "$H_TMP/dcb" "$B" --forwarder "$FWD" 2>&1)
t_is "provision --forwarder $FWD" "$?" 0
t_is "[dns] forwarders = $FWD" "$(conf "$H_TMP/dcb" dns forwarders)" "$FWD"
H_DCS="$H_DCS $H_TMP/dcb"
t_ok "the second DC runs" "$MINIDC" run --dir "$H_TMP/dcb"
t_is "a name outside the domain is forwarded (www.example.org)" \
	"$(dig @"$B" +time=3 +tries=1 +short a www.example.org)" "192.0.2.80"
t_is "its own zone is still answered locally" \
	"$(dig @"$B" +time=3 +tries=1 +short a dc1.example.com)" "$B"
"$MINIDC" stop --dir "$H_TMP/dcb" > /dev/null 2>&1
kill "$fwd_pid" 2>/dev/null
wait "$fwd_pid" 2>/dev/null

# ---- the default: the machine's resolvers that are not the DC itself ----
printf '# test resolv.conf\nnameserver %s\nsearch example.com\nnameserver 192.0.2.53\nnameserver  192.0.2.54 # second\n' \
	"$B" > "$H_TMP/resolv.conf"
out=$(MINIDC_RESOLV_CONF="$H_TMP/resolv.conf" "$MINIDC" provision --domain example.com \
	--dir "$H_TMP/dcc" --host-ip "$B" --adminpass-file "$H_ADMIN_PW_FILE" 2>&1)
t_is "provision without --forwarder" "$?" 0
t_is "... forwards to the resolvers of resolv.conf except the DC's own address" \
	"$(conf "$H_TMP/dcc" dns forwarders)" "192.0.2.53 192.0.2.54"

# ---- bad input ----
for bad in 'dns.example.org' '192.0.2.1:0' '192.0.2.1:99999' '300.1.1.1'; do
	out=$(harness_provision "$H_TMP/dcd" "$B" --forwarder "$bad" 2>&1); rc=$?
	t_is "--forwarder '$bad': exit 1, one line" "$rc:$(printf '%s\n' "$out" | wc -l)" "1:1"
	t_like "--forwarder '$bad': says why" "$out" 'invalid --forwarder'
done

harness_done
