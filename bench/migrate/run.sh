#!/bin/sh
# bench/migrate/run.sh - the reference scenario as a benchmark: Move-VM
# -IncludeStorage of a running QEMU VM between two agents of a real domain
# (Kerberos, constrained delegation, every byte through the GSS channel),
# in a network namespace of its own, while the guest's HTTP counter is
# polled every 0.5 s.  For each guest dirty rate it boots one VM and moves
# it back and forth, paced (--bandwidth) and unpaced, ROUNDS times each;
# then prints min/median/max of the total time, the wire time of the bytes
# that had to move (written disk data + RAM sent) at the paced rate, their
# ratio, QEMU's downtime, and the polls; finally the channel's throughput
# on the unpaced moves vs plain TCP between the same two addresses.
#
# usage: bench/migrate/run.sh [BUILDDIR]      (as root; BUILDDIR default .)
# environment (defaults = the reference scenario):
#   MEM=2048 (MiB)  DISK_GIB=15  WRITTEN_MIB=2048  BW=117 (MiB/s)
#   ROUNDS=3  RATES="0 10 50" (MB/s the guest dirties)
set -u
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
top_builddir=$(cd "${1:-.}" && pwd)
export top_srcdir top_builddir
MEM=${MEM:-2048}
DISK_GIB=${DISK_GIB:-15}
WRITTEN_MIB=${WRITTEN_MIB:-2048}
BW=${BW:-117}
ROUNDS=${ROUNDS:-3}
RATES=${RATES:-0 10 50}
export MEM DISK_GIB WRITTEN_MIB BW ROUNDS RATES

. "$top_srcdir/tests/harness/netns.sh"
. "$top_srcdir/tests/guest/guest.sh"
if [ -z "${MINIDC_NETNS_INSIDE:-}" ]; then
	guest_paths || { echo "bench: the test guest could not be built" >&2; exit 1; }
fi
netns_enter "$@"
. "$top_srcdir/tests/harness/harness.sh"
H_DC_ADDR=$NETNS_DC harness_start > /dev/null
. "$top_srcdir/tests/harness/livedomain.sh"
trap 'live_cleanup; harness_cleanup' EXIT
R="$H_TMP/results"
mkdir -p "$R"
{
	live_domain
	live_agents
	"$MINIDC" delegation allow 'HOST2$' migrate/host1.example.com --dir "$H_DIR"
} > "$H_TMP/setup.log" 2>&1
if grep -q "^not ok" "$H_TMP/setup.log"; then
	echo "bench: the domain could not be set up:" >&2
	grep -A3 "^not ok" "$H_TMP/setup.log" >&2
	exit 1
fi
guest_paths || exit 1
for d in "$D1" "$D2"; do
	cp "$GUEST_KERNEL" "$d/vmlinuz" && cp "$GUEST_INITRD" "$d/initrd.img"
done
URL="http://$NETNS_GUEST/cgi-bin/counter"

echo "bench: $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench: VM $MEM MiB RAM, $DISK_GIB GiB sparse disk with $WRITTEN_MIB MiB written, --bandwidth $BW, $ROUNDS rounds, dirty rates: $RATES MB/s"

# The disk template: WRITTEN_MIB of random data in 64 MiB pieces spread over
# the disk (sector 0 is the guest's counter).
TPL="$H_TMP/template.img"
truncate -s "${DISK_GIB}G" "$TPL"
n=$(( (WRITTEN_MIB + 63) / 64 ))
step=$(( DISK_GIB * 1024 / n ))
i=0
while [ $i -lt $n ]; do
	dd if=/dev/urandom of="$TPL" bs=1M count=64 seek=$(( i * step + 1 )) \
		conv=notrunc status=none
	i=$((i + 1))
done

PLAIN=$(python3 "$top_srcdir/bench/migrate/tcprate.py" "$NETNS_H1" "$NETNS_H2" 7999 1024)
echo "bench: plain TCP $NETNS_H1 -> $NETNS_H2: $PLAIN MiB/s (python, 1 GiB)"

# one_move RATE MODE ROUND FROM TO: a move with a poller; a line in $R/moves
one_move() {
	_rate=$1 _mode=$2 _round=$3 _from=$4 _to=$5
	eval "_via=\$VIA$_from _dest=\$VIA$_to"
	_args=""
	[ "$_mode" = paced ] && _args="--bandwidth $BW"
	rm -f "$H_TMP/stop"
	$HTTPPOLL "$URL" --stop-file "$H_TMP/stop" --summary "$H_TMP/poll.json" \
		> "$H_TMP/poll.out" 2>&1 &
	_p=$!
	sleep 1
	# shellcheck disable=SC2086
	"$M" move web --to "host$_to.example.com" --via "$_via" --dest-addr "$_dest" \
		--include-storage --storage-path "r$_round$_mode" --json $_args \
		> "$H_TMP/move.json" 2> "$H_TMP/move.err"
	_rc=$?
	sleep 2
	touch "$H_TMP/stop"
	wait "$_p"
	python3 - "$H_TMP/move.json" "$H_TMP/poll.json" "$_rate" "$_mode" "$_rc" \
		"$WRITTEN_MIB" >> "$R/moves" <<'PY'
import json, sys
mv, pl, rate, mode, rc, written = sys.argv[1:7]
try:
    m = json.load(open(mv))
except (OSError, ValueError):
    m = {}
p = json.load(open(pl))
print(json.dumps({"rate": int(rate), "mode": mode, "rc": int(rc), "move": m,
                  "poll": p, "written_mib": int(written)}))
PY
	echo "bench: rate $_rate $_mode round $_round host$_from -> host$_to: rc $_rc, $(head -n 1 "$H_TMP/poll.out"), $(cat "$H_TMP/move.json" 2>/dev/null | head -c 300)"
	[ "$_rc" -eq 0 ] || tail -n 2 "$H_TMP/move.err"
	return "$_rc"
}

for rate in $RATES; do
	cp --sparse=always "$TPL" "$D1/web.img"
	_dirty=""
	[ "$rate" -gt 0 ] && _dirty=$rate
	"$M" vm create web --via "$VIA1" --memory "$MEM" --disk web.img \
		--kernel vmlinuz --initrd initrd.img \
		--append "$(guest_append "$NETNS_GUEST" $_dirty)" \
		--nic "bridge=$NETNS_BR,mac=52:54:00:12:34:56" > /dev/null &&
		"$M" vm start web --via "$VIA1" > /dev/null ||
		{ echo "bench: web could not be started" >&2; exit 1; }
	$HTTPPOLL "$URL" --wait-ready 300 --duration 1 > /dev/null ||
		{ echo "bench: the guest does not answer" >&2; exit 1; }
	sleep 3 # let the dirtier start
	from=1 to=2 round=1
	while [ $round -le "$ROUNDS" ]; do
		for mode in paced unpaced; do
			one_move "$rate" "$mode" "$round" "$from" "$to" && { t=$from; from=$to; to=$t; }
		done
		round=$((round + 1))
	done
	eval "_via=\$VIA$from"
	"$M" vm stop web --via "$_via" > /dev/null
	"$M" vm rm web --via "$_via" > /dev/null
	find "$D1" "$D2" -name 'web*.img' -delete
done

python3 - "$R/moves" "$BW" "$PLAIN" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
bw, plain = float(sys.argv[2]), float(sys.argv[3])
MiB = 1 << 20
def mmm(xs):
    xs = sorted(xs)
    if not xs:
        return "-"
    return "%s/%s/%s" % tuple(("%.1f" % v).rstrip("0").rstrip(".") for v in
                              (xs[0], statistics.median(xs), xs[-1]))
print("| dirty MB/s | mode | moves ok | total s | wire s at %g MiB/s | total/wire | downtime ms | RAM sent MiB | polls ok/total | longest gap s |" % bw)
print("|---|---|---|---|---|---|---|---|---|---|")
chan = []
for rate in sorted({r["rate"] for r in rows}):
    for mode in ("paced", "unpaced"):
        rs = [r for r in rows if r["rate"] == rate and r["mode"] == mode]
        ok = [r for r in rs if r["rc"] == 0]
        tot = [r["move"]["total_ms"] / 1000 for r in ok]
        ram = [r["move"]["memory_bytes"] / MiB for r in ok]
        wire = [(r["written_mib"] + r["move"]["memory_bytes"] / MiB) / bw for r in ok]
        ratio = [t / w for t, w in zip(tot, wire)]
        down = [r["move"]["downtime_ms"] for r in ok]
        polls = "%d/%d" % (sum(r["poll"]["ok"] for r in rs), sum(r["poll"]["polls"] for r in rs))
        gap = [r["poll"]["longest_gap_s"] for r in rs]
        print("| %d | %s | %d/%d | %s | %s | %s | %s | %s | %s | %s |" % (
            rate, mode, len(ok), len(rs), mmm(tot), mmm(wire), mmm(ratio), mmm(down),
            mmm(ram), polls, mmm(gap)))
        if mode == "unpaced":
            for r in ok:
                secs = (r["move"]["total_ms"] - r["move"].get("setup_ms", 0)) / 1000
                chan.append((r["written_mib"] + r["move"]["memory_bytes"] / MiB) / secs)
print()
print("channel (unpaced moves, disk data + RAM sent / move time): %s MiB/s; plain TCP: %.0f MiB/s" % (mmm(chan), plain))
PY
