# tests/harness/harness.sh - throw-away domains for integration tests (k5test-like).
# Source it from a TAP test script:
#   . "$top_srcdir/tests/harness/harness.sh"
#   harness_start            # provision + run a DC on a free 127.0.0.x
#                            # (or on $H_DC_ADDR: see tests/harness/netns.sh)
#   t_ok "kinit works" kinit ...
#   harness_done             # stops the DC, prints the plan, sets the exit status
# Exports after harness_start:
#   H_DIR (the DC directory), H_ADDR, H_TMP (scratch dir), MINIDC (binary),
#   H_ADMIN_PW_FILE (password, no newline, 0600), H_ADMIN_DN, H_BASE, H_REALM,
#   KRB5_CONFIG, KRB5CCNAME, LDAPURI, LDAPBASE, LDAPTLS_CACERT, H_LDAPI (URI)
# A failed test keeps its DC's logs in $top_builddir/tests/logs/<test>/.

: "${top_srcdir:?run through make check (top_srcdir unset)}"
: "${top_builddir:?run through make check (top_builddir unset)}"
MINIDC="$top_builddir/dc/minidc"
H_LOCKS=/tmp/minidc-harness-locks
H_NTEST=0
H_NFAIL=0
H_DCS=""
H_NAME=$(basename "$0" .sh)
export MINIDC LC_ALL=C

# ---- TAP ----
# t_ok DESC CMD...: pass if CMD exits 0 (its output goes to the log).
t_ok() {
	desc=$1; shift
	H_NTEST=$((H_NTEST + 1))
	if "$@" >"$H_TMP/last.out" 2>&1; then
		echo "ok $H_NTEST - $desc"
	else
		H_NFAIL=$((H_NFAIL + 1))
		echo "not ok $H_NTEST - $desc"
		echo "# command: $*"; sed 's/^/#   /' "$H_TMP/last.out" | head -n 40
	fi
}
# t_fail DESC CMD...: pass if CMD exits non-zero.
t_fail() {
	desc=$1; shift
	H_NTEST=$((H_NTEST + 1))
	if "$@" >"$H_TMP/last.out" 2>&1; then
		H_NFAIL=$((H_NFAIL + 1))
		echo "not ok $H_NTEST - $desc (command succeeded)"
		echo "# command: $*"; sed 's/^/#   /' "$H_TMP/last.out" | head -n 20
	else
		echo "ok $H_NTEST - $desc"
	fi
}
# t_is DESC ACTUAL EXPECTED
t_is() {
	H_NTEST=$((H_NTEST + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $H_NTEST - $1"
	else
		H_NFAIL=$((H_NFAIL + 1))
		echo "not ok $H_NTEST - $1"
		echo "#   got:      '$2'"; echo "#   expected: '$3'"
	fi
}
# t_like DESC TEXT ERE: pass if TEXT matches the extended regex.
t_like() {
	H_NTEST=$((H_NTEST + 1))
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		echo "ok $H_NTEST - $1"
	else
		H_NFAIL=$((H_NFAIL + 1))
		echo "not ok $H_NTEST - $1"
		echo "#   text does not match /$3/:"; printf '%s\n' "$2" | head -n 20 | sed 's/^/#   /'
	fi
}
# t_ilike: t_like, ignoring case (DNs: slapd may change their case).
t_ilike() {
	H_NTEST=$((H_NTEST + 1))
	if printf '%s\n' "$2" | grep -Eiq -- "$3"; then
		echo "ok $H_NTEST - $1"
	else
		H_NFAIL=$((H_NFAIL + 1))
		echo "not ok $H_NTEST - $1"
		echo "#   text does not match /$3/i:"; printf '%s\n' "$2" | head -n 20 | sed 's/^/#   /'
	fi
}
t_unlike() {
	H_NTEST=$((H_NTEST + 1))
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		H_NFAIL=$((H_NFAIL + 1))
		echo "not ok $H_NTEST - $1"
		echo "#   text matches /$3/:"; printf '%s\n' "$2" | head -n 20 | sed 's/^/#   /'
	else
		echo "ok $H_NTEST - $1"
	fi
}
# t_wait SECONDS CMD...: retry CMD every 0.1 s until it succeeds; status of the last try.
# Tests wait for a state, never for a duration: use "$H_WAIT" as the bound, a
# generous one, so that a busy 2-core machine never fails a test ("within N s"
# is a claim for benchmarks, not for tests).
H_WAIT=${H_WAIT:-30}
t_wait() {
	_end=$(( $(date +%s%N) / 1000000 + $1 * 1000 )); shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $(( $(date +%s%N) / 1000000 )) -ge $_end ] && return 1
		sleep 0.1
	done
}

# lds ARGS...: ldapsearch with unwrapped LDIF lines (easy to grep).
lds() { ldapsearch -o ldif-wrap=no "$@"; }

# ---- addresses ----
# Take a free 127.0.0.x (x in 100..250) under a lock; prints it.
harness_addr() {
	mkdir -p "$H_LOCKS"
	start=$(( ($$ % 150) + 100 ))
	i=0
	while [ $i -lt 151 ]; do
		x=$(( (start - 100 + i) % 151 + 100 )); i=$((i + 1))
		lock="$H_LOCKS/127.0.0.$x"
		if [ -d "$lock" ]; then
			owner=$(cat "$lock/pid" 2>/dev/null)
			if [ -n "$owner" ] && kill -0 "$owner" 2>/dev/null; then continue; fi
			rm -rf "$lock"
		fi
		mkdir "$lock" 2>/dev/null || continue
		echo $$ > "$lock/pid"
		# Anything else bound there (a leaked daemon)?  Then skip it.
		if ss -Htlun "src 127.0.0.$x" 2>/dev/null | grep -q .; then continue; fi
		echo "127.0.0.$x"
		return 0
	done
	echo "harness: no free 127.0.0.x address" >&2
	return 1
}

# ---- domains ----
# harness_provision DIR ADDR [extra provision options]: provision with a known password.
harness_provision() {
	_dir=$1; _addr=$2; shift 2
	# No forwarders unless a test names one: tests never query the
	# machine's own resolver (provision would default to it).
	"$MINIDC" provision --domain example.com --dir "$_dir" --host-ip "$_addr" \
		--adminpass-file "$H_ADMIN_PW_FILE" --forwarder none "$@"
}

harness_start() {
	[ "$(id -u)" -eq 0 ] || { echo "Bail out! integration tests need root"; exit 99; }
	[ -x "$MINIDC" ] || { echo "Bail out! $MINIDC not built"; exit 99; }
	H_TMP=$(mktemp -d /tmp/minidc-test.XXXXXX)
	# 0700 and root's, as /root is: every throw-away domain lives where the
	# services that drop privileges cannot reach it by its path (issue 8).
	chmod 700 "$H_TMP"
	trap 'harness_cleanup' EXIT
	if [ -n "${H_DC_ADDR:-}" ]; then
		H_ADDR=$H_DC_ADDR # an address of the test's own namespace
	else
		H_ADDR=$(harness_addr) || { echo "Bail out! no free loopback address"; exit 99; }
	fi
	H_DIR="$H_TMP/dc"
	H_ADMIN_PW_FILE="$H_TMP/admin.pw"
	( umask 077; printf '%s' 'Adm1n-Secret-Pass' > "$H_ADMIN_PW_FILE" )
	H_REALM=EXAMPLE.COM
	H_BASE="DC=example,DC=com"
	H_ADMIN_DN="CN=Administrator,CN=Users,$H_BASE"
	export H_TMP H_ADDR H_DIR H_ADMIN_PW_FILE H_REALM H_BASE H_ADMIN_DN
	if ! harness_provision "$H_DIR" "$H_ADDR" > "$H_TMP/provision.out" 2>&1; then
		echo "Bail out! provision failed: $(cat "$H_TMP/provision.out")"
		exit 99
	fi
	if ! "$MINIDC" run --dir "$H_DIR" > "$H_TMP/run.out" 2>&1; then
		echo "Bail out! minidc run failed: $(cat "$H_TMP/run.out")"
		harness_keep_logs; exit 99
	fi
	H_DCS="$H_DCS $H_DIR"
	eval "$("$MINIDC" env --dir "$H_DIR")"
	export KRB5CCNAME="FILE:$H_TMP/ccache"
	export KRB5RCACHEDIR="$H_TMP"
	H_LDAPI="ldapi://$(printf '%s' "$H_DIR/run/ldap/ldapi" | sed 's|/|%2F|g')"
	export H_LDAPI
	echo "# DC $H_ADDR in $H_DIR"
}

# harness_start_dc2 [NAME]: a further DC (default dc2) of the running domain
# on its own free 127.0.0.x, joined through the first one (provision
# --join-dc, the administrator's password from its file), then started.
# Exports H2_DIR, H2_ADDR, H2_LDAPI, H2_KRB5 (its krb5.conf: both KDCs).
harness_start_dc2() {
	_n=${1:-dc2}
	H2_ADDR=$(harness_addr) || { echo "Bail out! no free loopback address"; exit 99; }
	H2_DIR="$H_TMP/$_n"
	if ! "$MINIDC" provision --join-dc dc1.example.com --join-dc-ip "$H_ADDR" \
		--domain example.com -U Administrator --password-file "$H_ADMIN_PW_FILE" \
		--dir "$H2_DIR" --host-name "$_n" --host-ip "$H2_ADDR" \
		> "$H_TMP/provision-$_n.out" 2>&1; then
		echo "Bail out! provision --join-dc failed: $(cat "$H_TMP/provision-$_n.out")"
		H_DCS="$H_DCS $H2_DIR"; harness_keep_logs; exit 99
	fi
	H_DCS="$H_DCS $H2_DIR"
	if ! "$MINIDC" run --dir "$H2_DIR" > "$H_TMP/run-$_n.out" 2>&1; then
		echo "Bail out! minidc run ($_n) failed: $(cat "$H_TMP/run-$_n.out")"
		harness_keep_logs; exit 99
	fi
	H2_LDAPI="ldapi://$(printf '%s' "$H2_DIR/run/ldap/ldapi" | sed 's|/|%2F|g')"
	H2_KRB5="$H2_DIR/krb5.conf"
	export H2_ADDR H2_DIR H2_LDAPI H2_KRB5
	echo "# DC $_n $H2_ADDR in $H2_DIR"
}

harness_keep_logs() {
	dest="$top_builddir/tests/logs/$H_NAME"
	rm -rf "$dest"; mkdir -p "$dest"
	for d in $H_DCS "$H_DIR"; do
		[ -d "$d/log" ] && cp -r "$d/log" "$dest/$(basename "$d")-log" 2>/dev/null
	done
	cp "$H_TMP"/*.out "$dest/" 2>/dev/null
	echo "# logs kept in $dest"
}

# Release the addresses this test took (harness_addr runs in $(...), so its
# locks are found by our pid).
harness_release_addrs() {
	for l in "$H_LOCKS"/*; do
		[ "$(cat "$l/pid" 2>/dev/null)" = "$$" ] && rm -rf "$l"
	done
	return 0
}

harness_cleanup() {
	for d in $H_DCS; do "$MINIDC" stop --dir "$d" >/dev/null 2>&1; done
	[ "$H_NFAIL" -gt 0 ] && harness_keep_logs
	harness_release_addrs
	[ -n "${H_TMP:-}" ] && rm -rf "$H_TMP"
}

# Print the plan; exit 0 if every assertion passed.
harness_done() {
	echo "1..$H_NTEST"
	[ "$H_NFAIL" -eq 0 ]
	exit $?
}
