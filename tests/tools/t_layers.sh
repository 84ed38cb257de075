#!/bin/sh
# tests/tools/t_layers.sh - the layer rule (tests/tools/layers.sh) holds for
# the tree, catches planted violations, and minidc-join does not load the
# DNS server's library; dns/ does not read the DC's configuration (TAP).
chk="$top_srcdir/tests/tools/layers.sh"
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }

if out=$(sh "$chk" "$top_srcdir" 2>&1); then
	ok "the tree: no include or link points up or sideways"
else
	nok "the tree: layer violations"
	printf '%s\n' "$out" | sed 's/^/#   /'
fi

# dns/ is told its settings by the DC shell (dns/conf.h, dc/dnsglue.c): the
# DC's configuration file stays out of it, though ad/ is below it.
if out=$(cd "$top_srcdir" && grep -ln 'include "ad/dcconf.h"' dns/*.c dns/*.h); then
	nok "dns/ includes ad/dcconf.h"
	printf '%s\n' "$out" | sed 's/^/#   /'
else
	ok "dns/ takes struct dns_conf, not the DC's configuration"
fi

# A throw-away tree (not a git checkout: the checker lists files with find).
t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/lib" "$t/ad" "$t/dns" "$t/join" "$t/dc/kdb"
printf '#include "lib/buf.h"\n' >"$t/ad/a.c"
printf '#include "ad/a.h"\n#include "lib/buf.h"\n' >"$t/dns/d.c"
printf '#include "ad/a.h"\n#include "dns/d.h"\n#include "dc/kdb/k.h"\n' >"$t/dc/x.c"
printf 'join_libx_la_LIBADD = ad/liba.la \\\n\tlib/libl.la\n' >"$t/join/Makefile.inc"
if out=$(sh "$chk" "$t" 2>&1) && [ -z "$out" ]; then
	ok "a tree whose includes point down passes"
else
	nok "a tree whose includes point down is refused"
	printf '%s\n' "$out" | sed 's/^/#   /'
fi

# Up (lib -> dc, ad -> dns), sideways (join -> dns, dns -> dc/kdb), and a
# link line continued over two lines that reaches dc/.
printf '#include "dc/cmd.h"\n' >"$t/lib/u.c"
printf '  #  include "dns/zone.h"\n' >"$t/ad/u.h"
printf '#include "dns/wire.h"\n' >"$t/join/s.c"
printf '#include "dc/kdb/kdb_map.h"\n' >"$t/dns/s.c"
printf 'join_libx_la_LIBADD = ad/liba.la \\\n\tdc/libminidcdc.la\n' >"$t/join/Makefile.inc"
out=$(sh "$chk" "$t" 2>&1)
rc=$?
for want in "lib/u.c:1: includes dc/cmd.h: dc/ (layer 3) is above lib/" \
	"ad/u.h:1: includes dns/zone.h: dns/ (layer 2) is above ad/" \
	"join/s.c:1: includes dns/wire.h: dns/ (layer 2) is beside join/" \
	"dns/s.c:1: includes dc/kdb/kdb_map.h: dc/kdb/ (layer 2) is beside dns/" \
	"join/Makefile.inc: join_libx_la_LIBADD links dc/libminidcdc.la"; do
	if printf '%s\n' "$out" | grep -qF "$want"; then
		ok "planted violation found: ${want%%:*}"
	else
		nok "planted violation not found: $want"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
done
if [ "$rc" -ne 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 5 ]; then
	ok "the checker fails with exactly the 5 violations"
else
	nok "the checker returned $rc with: $out"
fi

# What the link rule buys: the join tool carries no DNS server (libldns).
join="$top_builddir/join/minidc-join"
if [ ! -x "$join" ]; then
	nok "minidc-join not built at $join"
elif libs=$(ldd "$join" 2>&1) && ! printf '%s\n' "$libs" | grep -q libldns; then
	ok "ldd minidc-join: no libldns"
else
	nok "minidc-join loads libldns (or ldd failed)"
	printf '%s\n' "$libs" | sed 's/^/#   /'
fi
echo "1..$n"
