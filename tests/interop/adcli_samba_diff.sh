#!/bin/sh
# tests/interop/adcli_samba_diff.sh - reference run, NOT in CI (issue 5):
# the same `adcli join` of host2 against a throw-away Samba AD DC and
# against a minidc DC, then the attribute names of each computer object and
# their diff.  Needs root, unshare, adcli, ldb-tools and samba (samba-tool,
# samba); run it by hand from the build dir:
#   top_srcdir=/path/to/src top_builddir=$PWD sh tests/interop/adcli_samba_diff.sh
# SAMBA_ADDR (default 127.0.0.59) is the Samba DC's loopback address; Samba
# is bound to it only ("bind interfaces only") and stopped at the end.
# Exit status: 0 when both joins worked (the diff is information), 1 if not.
. "$top_srcdir/tests/harness/harness.sh"
for t in samba-tool samba ldbsearch adcli; do
	command -v "$t" >/dev/null || { echo "needs $t (not installed)"; exit 1; }
done
harness_start
SADDR=${SAMBA_ADDR:-127.0.0.59}
SDIR="$H_TMP/samba"
PW=$(cat "$H_ADMIN_PW_FILE")

# adcli in a mount namespace whose resolver is the given DC's DNS.
join_at() {
	printf '127.0.0.1 localhost\n' > "$H_TMP/hosts.$1"
	printf 'nameserver %s\n' "$1" > "$H_TMP/resolv.$1"
	printf '%s' "$PW" | timeout 120 unshare -m sh -c "mount --bind '$H_TMP/hosts.$1' /etc/hosts &&
		mount --bind '$H_TMP/resolv.$1' /etc/resolv.conf && exec \"\$@\"" sh \
		adcli join --domain example.com -U Administrator --stdin-password \
		-H host2.example.com --host-keytab="$H_TMP/kt.$1" -v
}
names() { sed -n 's/^\([A-Za-z0-9-]*\):.*/\1/p' | tr A-Z a-z | sort -u; }

# Samba binds only to addresses that an interface carries: give lo this one
# for the run (removed at exit).
added_addr=no
if ! ip -o addr show dev lo | grep -q " $SADDR/"; then
	ip addr add "$SADDR/32" dev lo && added_addr=yes
fi
trap '[ "$added_addr" = yes ] && ip addr del "$SADDR/32" dev lo; harness_cleanup' EXIT
samba-tool domain provision --targetdir="$SDIR" --realm=EXAMPLE.COM --domain=EXAMPLE \
	--server-role=dc --dns-backend=SAMBA_INTERNAL --host-name=dc1 --host-ip="$SADDR" \
	--adminpass="$PW" --option="interfaces=$SADDR" --option="bind interfaces only=yes" \
	> "$H_TMP/samba-provision.out" 2>&1 || { echo "samba provision failed:"; tail -n 20 "$H_TMP/samba-provision.out"; exit 1; }
samba -F -s "$SDIR/etc/smb.conf" > "$H_TMP/samba.out" 2>&1 &
spid=$!
trap 'kill $spid 2>/dev/null; wait $spid 2>/dev/null; [ "$added_addr" = yes ] && ip addr del "$SADDR/32" dev lo; harness_cleanup' EXIT
t_wait 60 ldapsearch -x -H "ldap://$SADDR" -b "" -s base || { echo "samba did not start:"; tail -n 20 "$H_TMP/samba.out"; exit 1; }

t_ok "adcli join against Samba" join_at "$SADDR"
ldbsearch -H "$SDIR/private/sam.ldb" '(sAMAccountName=HOST2$)' 2>/dev/null | names > "$H_TMP/samba.attrs"
t_ok "adcli join against minidc" join_at "$H_ADDR"
lds -LLL -Q -Y EXTERNAL -H "$H_LDAPI" -b "$H_BASE" '(sAMAccountName=HOST2$)' '*' '+' | names \
	> "$H_TMP/minidc.attrs"
echo "# attribute names of CN=HOST2: '<' only on Samba, '>' only on minidc"
diff "$H_TMP/samba.attrs" "$H_TMP/minidc.attrs" | sed 's/^/# /'
# The same without each server's own bookkeeping: slapd's operational
# attributes and minidc's key storage; Samba's replication metadata and the
# attributes AD constructs on read (distinguishedName, name).
own='^(createtimestamp|creatorsname|entrycsn|entrydn|entryuuid|hassubordinates|modifiersname|modifytimestamp|structuralobjectclass|subschemasubentry|userpassword|minidckrb.*|usnchanged|usncreated|replpropertymetadata|distinguishedname|name|ref)$'
grep -Ev "$own" "$H_TMP/samba.attrs" > "$H_TMP/samba.ad"
grep -Ev "$own" "$H_TMP/minidc.attrs" > "$H_TMP/minidc.ad"
echo "# AD attributes only on Samba: $(comm -23 "$H_TMP/samba.ad" "$H_TMP/minidc.ad" | tr '\n' ' ')"
echo "# AD attributes only on minidc: $(comm -13 "$H_TMP/samba.ad" "$H_TMP/minidc.ad" | tr '\n' ' ')"
echo "# AD attributes on both: $(comm -12 "$H_TMP/samba.ad" "$H_TMP/minidc.ad" | wc -l)"
harness_done
