#!/bin/bash
# t_vnl_tap.sh - tap://IFNAME: our vde_plug makes a tap and joins it to
# a switch (vde_plug tap://tA vde://SW, the vdeplug4 replacement for
# vde_plug2tap), next to Debian's vde_plug doing the same on the same
# switch.  Each plug runs in a namespace of its own, so its tap is born
# there; the two taps ping.  Once on our switch, once on Debian's
# vde_switch; the second time ours has the VNLs in the other order.
# When a plug ends its tap goes away and the switch frees the port.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vnl.sh"
need_root_taps
need_their_plug tap vde
need_their_switch

nsa=$(mkns a)
nsb=$(mkns b)

# pair SWITCH-DIR OURS-VNLS...: ours with those VNLs in A, Debian's in B
pair() {
	local dir=$1 ta=vt$$a tb=vt$$b; shift
	bg ours ip netns exec "$nsa" "$OURS" "$@"
	bg theirs ip netns exec "$nsb" "$THEIRS" "tap://$tb" "vde://$dir"
	wait_for ip -n "$nsa" link show "$ta" || fail "our plug made no tap $ta: $(cat "$T/ours.log")"
	wait_for ip -n "$nsb" link show "$tb" || fail "Debian's plug made no tap $tb: $(cat "$T/theirs.log")"
	wait_for holds "$dir" 2 || fail "both plugs should hold a port of $dir: $(ls "$dir")"
	ip -n "$nsa" addr add 10.199.23.1/24 dev "$ta" && ip -n "$nsa" link set "$ta" up || fail "configure $ta"
	ip -n "$nsb" addr add 10.199.23.2/24 dev "$tb" && ip -n "$nsb" link set "$tb" up || fail "configure $tb"
	pingboth "$nsa" 10.199.23.1 "$nsb" 10.199.23.2 "tap://$ta (ours) and tap://$tb (Debian's) on $dir"
	alive ours "our tap plug"
	unplug ours
	wait_for sh -c "! ip -n $nsa link show $ta" || fail "our tap $ta outlived its plug"
	wait_for holds "$dir" 1 || fail "$dir kept our tap plug's port: $(ls "$dir")"
	unplug theirs
	wait_for holds "$dir" 0 || fail "$dir kept Debian's plug's port"
}

say "on our switch: ours tap://vt$$a vde://SW, Debian's tap://vt$$b vde://SW"
our_switch sw "$T/sw"
pair "$T/sw" "tap://vt$$a" "vde://$T/sw"
say "on Debian's switch: ours vde://SW tap://vt$$a (the other order)"
their_switch dsw "$T/dsw"
pair "$T/dsw" "vde://$T/dsw" "tap://vt$$a"
exit 0
