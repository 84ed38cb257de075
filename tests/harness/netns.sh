# tests/harness/netns.sh - a private network for tests that run real VMs.
# Source it first thing in a test script, before harness.sh:
#   . "$top_srcdir/tests/harness/netns.sh"
#   netns_enter "$@"        # re-runs this script in its own net+mount namespace
#   . "$top_srcdir/tests/harness/harness.sh"
#   H_ADDR=$NETNS_DC harness_start
# Inside the namespace: lo, and a bridge $NETNS_BR (192.168.0.1/24) that
# carries the DC ($NETNS_DC, .10), host1 ($NETNS_H1, .11), host2 ($NETNS_H2,
# .12) and the guests (.50 up).  Nothing touches the machine's interfaces,
# and the namespace disappears with the test's last process.
# netns_tap NAME: a tap on the bridge for a QEMU started by the test itself.
# netns_names: binds /etc/hosts (dc, host1, host2 in example.com) and
# /etc/resolv.conf (the DC) in the test's private mount namespace, so no
# client of this test can ask the machine's resolver.
NETNS_BR=br0
NETNS_NET=192.168.0.0/24
NETNS_GW=192.168.0.1
NETNS_DC=192.168.0.10
NETNS_H1=192.168.0.11
NETNS_H2=192.168.0.12
NETNS_GUEST=192.168.0.50
export NETNS_BR NETNS_NET NETNS_GW NETNS_DC NETNS_H1 NETNS_H2 NETNS_GUEST

netns_enter() {
	if [ -z "${MINIDC_NETNS_INSIDE:-}" ]; then
		[ "$(id -u)" -eq 0 ] || { echo "Bail out! needs root"; exit 99; }
		if ! unshare -n -m true 2>/dev/null; then
			echo "1..0 # SKIP no network/mount namespaces (unshare -n -m) here"
			exit 77
		fi
		MINIDC_NETNS_INSIDE=1 exec unshare -n -m --propagation private \
			sh "$0" "$@"
	fi
	ip link set lo up || { echo "Bail out! lo up failed"; exit 99; }
	ip link add "$NETNS_BR" type bridge &&
		ip link set "$NETNS_BR" type bridge forward_delay 0 stp_state 0 &&
		ip addr add "$NETNS_GW/24" dev "$NETNS_BR" &&
		ip addr add "$NETNS_DC/24" dev "$NETNS_BR" &&
		ip addr add "$NETNS_H1/24" dev "$NETNS_BR" &&
		ip addr add "$NETNS_H2/24" dev "$NETNS_BR" &&
		ip link set "$NETNS_BR" up ||
		{ echo "Bail out! bridge $NETNS_BR could not be set up"; exit 99; }
	# Addresses are usable at once (no duplicate-address wait on IPv4).
	return 0
}

# netns_tap NAME: create tap NAME on the bridge, up.
netns_tap() {
	ip tuntap add dev "$1" mode tap &&
		ip link set "$1" master "$NETNS_BR" &&
		ip link set "$1" up
}

# netns_names DIR: hosts and resolv.conf for this namespace, bound over /etc.
netns_names() {
	cat > "$1/hosts" <<HOSTS
127.0.0.1 localhost
$NETNS_DC dc1.example.com dc1
$NETNS_H1 host1.example.com host1
$NETNS_H2 host2.example.com host2
HOSTS
	printf 'nameserver %s\n' "$NETNS_DC" > "$1/resolv.conf"
	mount --bind "$1/hosts" /etc/hosts &&
		mount --bind "$1/resolv.conf" /etc/resolv.conf
}
