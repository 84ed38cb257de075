# tests/harness/install.sh - `make install` of this build into a scratch
# DESTDIR, for tests of what a user installs (man pages, units, layout).
# Sets I_ROOT (the DESTDIR, under H_TMP) and I_PREFIX (the configured
# prefix, e.g. /usr/local): the installed minidc is $I_ROOT$I_PREFIX/sbin/minidc.
install_to_scratch() {
	I_ROOT="$H_TMP/root"
	I_PREFIX=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
	# A make of our own (not a job of the make running the tests).
	if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top_builddir" \
		install DESTDIR="$I_ROOT" > "$H_TMP/install.out" 2>&1; then
		echo "Bail out! make install DESTDIR failed: $(tail -5 "$H_TMP/install.out")"
		exit 99
	fi
	export I_ROOT I_PREFIX
}
