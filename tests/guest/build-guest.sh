#!/bin/sh
# tests/guest/build-guest.sh - the test guest: Debian's own kernel (downloaded
# with apt-get download, unpacked with dpkg-deb -x, never installed into the
# host) and an initramfs of busybox-static whose /init brings up virtio-net
# and virtio-blk and serves an HTTP counter that puts every value on the disk.
#
#   tests/guest/build-guest.sh [--print-cache] [OUTDIR]
#
# Prints the directory holding vmlinuz and initrd.img.  Without OUTDIR the
# result is cached in /var/cache/minidc/guest-<hash>/ (hash of this script
# and of the kernel package version; the package is kept there too), so the
# ~60 MB download happens once per machine; with OUTDIR it is built there.  --print-cache prints the cache
# directory without building.
#
# Kernel arguments the guest understands:
#   minidc.ip=ADDR/LEN   eth0's address (default 192.168.0.50/24)
#   minidc.dirty=N       a process rewrites N MB of guest memory per second
# The page http://ADDR/cgi-bin/counter increments a counter kept in RAM,
# writes it to sector 0 of /dev/vda (dd conv=fsync), reads sector 0 back
# with O_DIRECT and answers one line:  counter=N disk=M
set -eu

CACHE_ROOT=${MINIDC_GUEST_CACHE:-/var/cache/minidc}
print_cache=no
if [ "${1:-}" = "--print-cache" ]; then print_cache=yes; shift; fi
outdir=${1:-}

die() { echo "build-guest: $*" >&2; exit 1; }

self=$(readlink -f "$0")
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
[ -n "$kpkg" ] || die "apt-cache depends linux-image-amd64 names no kernel package (apt-get update?)"
kver=$(apt-cache show "$kpkg" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1)
[ -n "$kver" ] || die "apt-cache show $kpkg: no version"
hash=$( (cat "$self"; echo "$kpkg $kver") | sha256sum | cut -c1-16)

if [ -z "$outdir" ]; then
	outdir="$CACHE_ROOT/guest-$hash"
	if [ "$print_cache" = yes ]; then echo "$outdir"; exit 0; fi
	if [ -f "$outdir/initrd.img" ] && [ -f "$outdir/vmlinuz" ]; then
		echo "$outdir"; exit 0
	fi
	[ "$(id -u)" -eq 0 ] || die "$outdir is not built and only root can build it"
	mkdir -p "$CACHE_ROOT"; chmod 755 "$CACHE_ROOT"
	# One builder at a time; the others wait and then find the result.
	exec 9>"$CACHE_ROOT/.guest.lock"
	flock 9
	if [ -f "$outdir/initrd.img" ] && [ -f "$outdir/vmlinuz" ]; then
		echo "$outdir"; exit 0
	fi
	final=$outdir
	outdir="$CACHE_ROOT/.guest-$hash.$$"
else
	final=""
fi
[ "$print_cache" = no ] || die "--print-cache takes no OUTDIR"

BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] && "$BUSYBOX" --list | grep -qx httpd ||
	die "$BUSYBOX (busybox-static) with httpd is missing: run scripts/deps"
file -L "$BUSYBOX" 2>/dev/null | grep -q "statically linked" ||
	ldd "$BUSYBOX" 2>&1 | grep -q "not a dynamic" ||
	die "$BUSYBOX is not statically linked: install busybox-static"

work=$(mktemp -d /tmp/minidc-guest.XXXXXX)
trap 'rm -rf "$work"; if [ -n "$final" ]; then rm -rf "$outdir"; fi' EXIT
# The package itself is kept too (a new guest script needs no download).
deb="$CACHE_ROOT/$kpkg-$kver.deb"
if [ ! -s "$deb" ]; then
	# Only root can write $work: apt downloads as root, not as _apt.
	( cd "$work" && apt-get download -q -o APT::Sandbox::User=root "$kpkg" >/dev/null ) ||
		die "apt-get download $kpkg failed"
	if [ -n "$final" ]; then
		mv "$work"/"$kpkg"_*.deb "$deb.tmp" && mv "$deb.tmp" "$deb" && chmod 644 "$deb"
	else
		deb=$(ls "$work"/"$kpkg"_*.deb)
	fi
fi
dpkg-deb -x "$deb" "$work/k" || die "dpkg-deb -x $deb failed"
uname_r=${kpkg#linux-image-}
moddir="$work/k/lib/modules/$uname_r/kernel"
[ -d "$moddir" ] || die "no $moddir in $kpkg"

# initramfs tree
r="$work/root"
mkdir -p "$r/bin" "$r/proc" "$r/sys" "$r/dev" "$r/run" "$r/tmp" "$r/mod" \
	"$r/www/cgi-bin" "$r/etc"
cp "$BUSYBOX" "$r/bin/busybox"
ln -s busybox "$r/bin/sh"
# The order matters: the package has no modules.dep.
n=0
for m in drivers/virtio/virtio_ring drivers/virtio/virtio \
	drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci_legacy_dev \
	drivers/virtio/virtio_pci net/core/failover drivers/net/net_failover \
	drivers/net/virtio_net drivers/block/virtio_blk; do
	f="$moddir/$m.ko"
	[ -f "$f" ] || f="$moddir/$m.ko.xz"
	[ -f "$f" ] || die "module $m missing from $kpkg"
	case $f in *.xz) xz -dc "$f" > "$r/mod/$n-$(basename "$m").ko" ;;
	*) cp "$f" "$r/mod/$n-$(basename "$m").ko" ;; esac
	n=$((n + 1))
done

cat > "$r/init" <<'INIT'
#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs run /run
for m in $(ls /mod | sort -n); do insmod "/mod/$m" || echo "guest: insmod $m failed"; done
ip=192.168.0.50/24
dirty=0
for a in $(cat /proc/cmdline); do
	case $a in
	minidc.ip=*) ip=${a#minidc.ip=} ;;
	minidc.dirty=*) dirty=${a#minidc.dirty=} ;;
	esac
done
ip link set lo up
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
ip addr add "$ip" dev eth0
ip link set eth0 up
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -b /dev/vda ] || echo "guest: no /dev/vda"
echo 0 > /run/counter
if [ "$dirty" -gt 0 ] 2>/dev/null; then
	# N MB of random bytes rewritten into a tmpfs file every second, shifted
	# by a page each time: every page changes and none is zero, so a
	# migration must send each one again.
	dd if=/dev/urandom of=/run/rand bs=1M count="$dirty" status=none
	( i=0; while :; do
		dd if=/run/rand of=/run/dirty bs=1M count="$dirty" conv=notrunc \
			oflag=seek_bytes seek=$(( (i % 2) * 4096 )) status=none
		i=$((i + 1))
		sleep 1
	done ) &
	echo "guest: dirtying $dirty MB/s"
fi
httpd -p 80 -h /www
echo "guest: ready ip=$ip"
while :; do sleep 3600; done
INIT

cat > "$r/www/cgi-bin/counter" <<'CGI'
#!/bin/sh
# One request at a time: increment, write sector 0, read it back from the disk.
exec 9>/run/counter.lock
flock 9
n=$(cat /run/counter)
n=$((n + 1))
echo "$n" > /run/counter
printf '%-511s\n' "$n" | dd of=/dev/vda bs=512 count=1 conv=fsync,notrunc status=none
d=$(dd if=/dev/vda bs=512 count=1 iflag=direct status=none | head -n 1 | tr -d ' ')
printf 'Content-Type: text/plain\r\nCache-Control: no-store\r\n\r\n'
printf 'counter=%s disk=%s\n' "$n" "${d:-none}"
CGI
cat > "$r/www/cgi-bin/status" <<'CGI'
#!/bin/sh
# What the guest is doing (for a person debugging a test).
printf 'Content-Type: text/plain\r\n\r\n'
cat /proc/uptime /proc/loadavg
ls -l /run
ps
CGI
echo 'minidc test guest' > "$r/www/index.html"
chmod 755 "$r/init" "$r/www/cgi-bin/counter" "$r/www/cgi-bin/status"

mkdir -p "$outdir"
( cd "$r" && find . | sort | cpio -o -H newc --quiet ) | gzip -9 > "$outdir/initrd.img"
cp "$work/k/boot/vmlinuz-$uname_r" "$outdir/vmlinuz"
echo "$kpkg $kver" > "$outdir/KERNEL"
chmod 755 "$outdir"; chmod 644 "$outdir"/*
if [ -n "$final" ]; then
	rm -rf "$final"
	mv "$outdir" "$final"
	outdir=$final
	final=""
fi
echo "$outdir"
