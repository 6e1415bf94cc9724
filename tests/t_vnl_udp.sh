#!/bin/bash
# t_vnl_udp.sh - udp://[SRC:]PORT->HOST:PORT between our vde_plug and
# Debian's (vdeplug4 4.0.1): one raw Ethernet frame per datagram.
# Our switch A and Debian's switch B each have a tap in a namespace of
# its own; the two plugs of the cable run in a third namespace and talk
# over its loopback.  First ours plugs into A and Debian's into B, then
# the other way round (ours into Debian's switch, Debian's into ours),
# one end with the SRC host given and one without; then over IPv6 (::1,
# the address split at its last colon as vdeplug4 does); ping each time.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vnl.sh"
need_root_taps
need_their_plug udp vde
need_their_switch

our_switch swa "$T/a" -tap vu$$a
their_switch swb "$T/b" -t vu$$b
tapns A vu$$a 10.199.21.1/24
tapns B vu$$b 10.199.21.2/24
wire=$(mkns wire)

# udp_bound PORT: a plug has bound PORT in the wire namespace.  Ours
# starts first and is bound before Debian's starts: vdeplug4 connects
# its UDP socket at the first send, and when that send meets a port
# nobody has bound yet (ICMP port unreachable), Debian's vde_plug stops
# passing frames from then on (seen 1 run in 5 with Debian's at both
# ends).
udp_bound() {
	wait_for sh -c "ip netns exec '$wire' ss -Huan 'sport = :$1' | grep -q ." ||
		fail "nothing bound UDP port $1: $(ip netns exec "$wire" ss -uanp)"
}

# cable NAME PLUG SWITCH VNL: a plug in the wire namespace
cable() { bg "$1" ip netns exec "$wire" "$2" "vde://$3" "$4"; }

say "ours on our switch A, Debian's on Debian's switch B"
cable oa "$OURS" "$T/a" "udp://127.0.0.1:5001->127.0.0.1:5002"
udp_bound 5001
cable tb "$THEIRS" "$T/b" "udp://5002->127.0.0.1:5001"
wait_for holds "$T/a" 1 || fail "our udp plug did not join switch A: $(cat "$T/oa.log")"
wait_for holds "$T/b" 1 || fail "Debian's udp plug did not join switch B: $(cat "$T/tb.log")"
udp_bound 5002
pingboth "$NS_A" 10.199.21.1 "$NS_B" 10.199.21.2 "ours(A) udp theirs(B)"
alive oa "our udp plug"
unplug oa; unplug tb
wait_for holds "$T/a" 0 || fail "switch A kept our plug's port after it ended"

say "ours on Debian's switch B, Debian's on our switch A"
cable ob "$OURS" "$T/b" "udp://6002->127.0.0.1:6001"
udp_bound 6002
cable ta "$THEIRS" "$T/a" "udp://127.0.0.1:6001->127.0.0.1:6002"
wait_for holds "$T/b" 1 || fail "our udp plug did not join switch B: $(cat "$T/ob.log")"
wait_for holds "$T/a" 1 || fail "Debian's udp plug did not join switch A: $(cat "$T/ta.log")"
udp_bound 6001
pingboth "$NS_A" 10.199.21.1 "$NS_B" 10.199.21.2 "theirs(A) udp ours(B)"
alive ob "our udp plug"
unplug ob; unplug ta
wait_for holds "$T/b" 0 || fail "switch B kept our plug's port after it ended"

say "IPv6: ours udp://7001->::1:7002 on A, Debian's udp://7002->::1:7001 on B"
cable o6 "$OURS" "$T/a" "udp://7001->::1:7002"
udp_bound 7001
cable t6 "$THEIRS" "$T/b" "udp://7002->::1:7001"
wait_for holds "$T/a" 1 || fail "our IPv6 udp plug did not join switch A: $(cat "$T/o6.log")"
wait_for holds "$T/b" 1 || fail "Debian's IPv6 udp plug did not join switch B: $(cat "$T/t6.log")"
udp_bound 7002
pingboth "$NS_A" 10.199.21.1 "$NS_B" 10.199.21.2 "ours(A) udp over ::1 theirs(B)"
alive o6 "our IPv6 udp plug"
unplug o6; unplug t6
exit 0
