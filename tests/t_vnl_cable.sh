#!/bin/bash
# t_vnl_cable.sh - a cable in one process: vde_plug VNL1 VNL2 joins two
# switches with no dpipe and no pipes.
#   OURS SW1 SW2                       bare paths, two of our switches
#   OURS vde://DEBIAN vde://OURS[3]    Debian's vde_switch to ours, with a
#                                      port asked for at our end
#   OURS vde://OURS[6] vde://DEBIAN[5] the same, ports at both ends
# Each switch has a tap in a namespace; the taps ping through the cable.
# The [N] suffix is checked with port/print on the switch's -M socket.
# Stopping the plug frees its port on both switches.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vnl.sh"
need_root_taps
need_their_switch

our_switch o1 "$T/o1" -tap vk$$o1 -M "$T/o1.mgmt"
our_switch o2 "$T/o2" -tap vk$$o2 -M "$T/o2.mgmt"
their_switch d1 "$T/d1" -t vk$$d1 -M "$T/d1.mgmt"
tapns o1 vk$$o1 10.199.25.1/24
tapns o2 vk$$o2 10.199.25.2/24
tapns d1 vk$$d1 10.199.25.3/24

# port_used MGMT N: port/print on MGMT shows an endpoint on port N
port_used() {
	"$BIN/vdecmd" "$1" port/print | awk -v p="$(printf 'Port %04d ' "$2")" '
		index($0, p) == 1 { on = 1; next } /^Port / { on = 0 } on && /-- endpoint/ { n++ }
		END { exit !n }'
}
# freed NAME DIR...: after the plug NAME ends, no switch holds its port
freed() {
	local name=$1 d; shift
	unplug "$name"
	for d in "$@"; do wait_for holds "$d" 0 || fail "$name: $d kept the cable's port: $(ls "$d")"; done
	return 0
}

say "OURS SW1 SW2: two of our switches, bare paths"
bg c1 "$OURS" "$T/o1" "$T/o2"
wait_for holds "$T/o1" 1 && wait_for holds "$T/o2" 1 || fail "the cable did not join both switches: $(cat "$T/c1.log")"
pingboth "$NS_o1" 10.199.25.1 "$NS_o2" 10.199.25.2 "o1 - o2"
alive c1 "the cable o1 - o2"
freed c1 "$T/o1" "$T/o2"

say "OURS vde://DEBIAN vde://OURS[3]"
bg c2 "$OURS" "vde://$T/d1" "vde://$T/o1[3]"
wait_for port_used "$T/o1.mgmt" 3 || fail "vde://DIR[3] is not on port 3 of our switch: $("$BIN/vdecmd" "$T/o1.mgmt" port/print; cat "$T/c2.log")"
wait_for holds "$T/d1" 1 || fail "the cable did not join Debian's switch: $(cat "$T/c2.log")"
pingboth "$NS_d1" 10.199.25.3 "$NS_o1" 10.199.25.1 "d1 - o1[3]"
alive c2 "the cable d1 - o1[3]"
freed c2 "$T/o1" "$T/d1"
port_used "$T/o1.mgmt" 3 && fail "port 3 of our switch still has an endpoint"

say "OURS vde://OURS[6] vde://DEBIAN[5]"
bg c3 "$OURS" "vde://$T/o2[6]" "vde://$T/d1[5]"
wait_for port_used "$T/d1.mgmt" 5 || fail "vde://DIR[5] is not on port 5 of Debian's switch: $("$BIN/vdecmd" "$T/d1.mgmt" port/print; cat "$T/c3.log")"
wait_for port_used "$T/o2.mgmt" 6 || fail "vde://DIR[6] is not on port 6 of our switch: $(cat "$T/c3.log")"
pingboth "$NS_o2" 10.199.25.2 "$NS_d1" 10.199.25.3 "o2[6] - d1[5]"
alive c3 "the cable o2[6] - d1[5]"
freed c3 "$T/o2" "$T/d1"
port_used "$T/d1.mgmt" 5 && fail "port 5 of Debian's switch still has an endpoint"
port_used "$T/o2.mgmt" 6 && fail "port 6 of our switch still has an endpoint"
exit 0
