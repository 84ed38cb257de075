# tests/guest/guest.sh - test helpers around the test guest (build-guest.sh).
# guest_paths: builds the guest once per machine (cached) and sets
#   GUEST_DIR, GUEST_KERNEL, GUEST_INITRD; returns non-zero if it cannot.
# guest_append IP [DIRTY_MB]: the kernel command line for a guest at IP.
# guest_disk_value FILE: the number in sector 0 of a raw disk image.
# HTTPPOLL: the poller (tests/tools/httppoll.py).
: "${top_srcdir:?top_srcdir unset}"
HTTPPOLL="python3 $top_srcdir/tests/tools/httppoll.py"

guest_paths() {
	GUEST_DIR=$("$top_srcdir/tests/guest/build-guest.sh" 2> "${H_TMP:-/tmp}/build-guest.err") ||
		{ cat "${H_TMP:-/tmp}/build-guest.err" >&2; return 1; }
	GUEST_KERNEL="$GUEST_DIR/vmlinuz"
	GUEST_INITRD="$GUEST_DIR/initrd.img"
	export GUEST_DIR GUEST_KERNEL GUEST_INITRD
}

guest_append() {
	printf 'console=ttyS0 panic=-1 minidc.ip=%s/24' "$1"
	[ -n "${2:-}" ] && printf ' minidc.dirty=%s' "$2"
	return 0
}

guest_disk_value() {
	dd if="$1" bs=512 count=1 status=none | head -n 1 | tr -d ' \0'
}
