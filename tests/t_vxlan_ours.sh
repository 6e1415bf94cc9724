#!/bin/bash
# t_vxlan_ours.sh - our vxlan:// at both ends, over an IPv6 underlay (a
# veth between namespaces A and B, fd00:199:60::1 and ::2).  A: our
# switch with --port vxlan://... and a tap; B: our switch with a tap and
# our `vde_plug vxlan://... vde://SWITCH` as its cable to the VXLAN.
#   1. multicast, the v6 default group ff05:56de::1 (joined on the
#      underlay): pings both ways and 20 MB each way, sha256 matching;
#   2. unicast, remote= with IPv6 addresses (local= at A): the same;
#   3. VNI mismatch: B's plug on vni=43, A's port on 42: B's frames
#      never reach A's tap, and A counts them as "other VNI";
#   4. expiretime=3: A's learned MACs age out when B is quiet, and the
#      next ping learns them again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vxlan.sh"
need_vxlan

nsa=$(mkns a)
nsb=$(mkns b)
veth "$nsa" vA "$nsb" vB
addr "$nsa" vA fd00:199:60::1/64
addr "$nsb" vB fd00:199:60::2/64
ta=vxt$$a tb=vxt$$b

# plug VNL: B's cable from its switch to the VXLAN
plug() {
	bg plug ip netns exec "$nsb" "$BIN/vde_plug" "$1" "vde://$T/swb"
	wait_for sh -c "ls '$T/swb' | grep -q '^[0-9]'" || fail "the plug $1 did not join switch B: $(cat "$T/plug.log")"
}
unplug() { local pid; eval "pid=\$PID_$1"; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
# restart_a VNL: switch A again, with a vxlan port VNL
restart_a() {
	unplug swa
	wait_for sh -c "! ip -n $nsa link show $ta" || fail "switch A's tap outlived it"
	rm -rf "$T/swa" "$T/swa.mgmt"
	vx_switch swa "$nsa" "$ta" 10.199.64.1/24 "$1"
}

# the console-less switch B: a tap and the plug
bg swb ip netns exec "$nsb" "$VDE" switch -s "$T/swb" --nostdin -t "$tb"
wait_for test -S "$T/swb/ctl" || fail "switch B did not start: $(cat "$T/swb.log")"
wait_for ip -n "$nsb" link show "$tb" || fail "switch B made no tap"
addr "$nsb" "$tb" 10.199.64.2/24
ip -n "$nsb" link set "$tb" up

say "1. IPv6 multicast, the default group ff05:56de::1"
vx_switch swa "$nsa" "$ta" 10.199.64.1/24 "vxlan:///v6/vni=42/if=vA"
plug "vxlan:///v6/vni=42/if=vB"
ip -n "$nsa" maddr show dev vA | grep -q ff05:56de::1 || fail "A did not join ff05:56de::1 on vA: $(ip -n "$nsa" maddr show dev vA)"
ip -n "$nsb" maddr show dev vB | grep -q ff05:56de::1 || fail "B's plug did not join ff05:56de::1 on vB"
pingbi "$nsa" 10.199.64.1 "$nsb" 10.199.64.2 "IPv6 multicast"
xfer "$nsa" "$nsb" 10.199.64.2 "IPv6 multicast, A to B"
xfer "$nsb" "$nsa" 10.199.64.1 "IPv6 multicast, B to A"
f=$(vx_count swa flooded)
[ "$f" -lt 100 ] || fail "IPv6 multicast: A flooded the transfer instead of sending it to B: $(vx_port swa)"
vx_atleast swa in 10000 || fail "IPv6 multicast: the transfer did not come in A's port: $(vx_port swa)"
say "IPv6 multicast: $(vx_port swa)"
unplug plug

say "2. IPv6 unicast: remote=fd00:199:60::2 (local=fd00:199:60::1) and remote=fd00:199:60::1"
restart_a "vxlan:///vni=42/local=fd00:199:60::1/remote=fd00:199:60::2"
plug "vxlan:///vni=42/remote=fd00:199:60::1"
ip -n "$nsa" maddr show dev vA | grep -q ff05: && fail "a unicast port joined a group on vA"
ip netns exec "$nsa" ss -Huan | grep -q '\[fd00:199:60::1\]:4789' || fail "local= did not bind A's address: $(ip netns exec "$nsa" ss -Huan)"
pingbi "$nsa" 10.199.64.1 "$nsb" 10.199.64.2 "IPv6 unicast"
xfer "$nsa" "$nsb" 10.199.64.2 "IPv6 unicast, A to B"
xfer "$nsb" "$nsa" 10.199.64.1 "IPv6 unicast, B to A"
[ "$(vx_count swa flooded)" -lt 100 ] || fail "IPv6 unicast: A flooded the transfer: $(vx_port swa)"
say "IPv6 unicast: $(vx_port swa)"
unplug plug

say "3. VNI mismatch: B on vni 43, A on 42"
restart_a "vxlan:///vni=42/remote=fd00:199:60::2"
plug "vxlan:///vni=43/remote=fd00:199:60::1"
ip -n "$nsa" neigh flush all; ip -n "$nsb" neigh flush all
in0=$(vx_count swa in)
ip netns exec "$nsb" ping -n -c 3 -i 0.3 -W 1 10.199.64.1 > "$T/ping.log" 2>&1 &&
	fail "a ping crossed from vni 43 to vni 42: $(cat "$T/ping.log")"
wait_for vx_atleast swa othervni 3 || fail "A did not count B's vni-43 frames as other VNI: $(vx_port swa)"
[ "$(vx_count swa in)" -eq "$in0" ] || fail "A took frames of vni 43 in: $(vx_port swa)"
[ "$(vx_count swa malformed)" -eq 0 ] || fail "vni-43 frames counted as malformed: $(vx_port swa)"
ip -n "$nsa" neigh show 10.199.64.2 | grep -q lladdr && fail "A's tap learned B's address across VNIs"
say "VNI mismatch: $(vx_port swa)"
unplug plug

say "4. expiretime=3: learned MACs age out, and are learned again"
restart_a "vxlan:///vni=42/remote=fd00:199:60::2/expiretime=3"
plug "vxlan:///vni=42/remote=fd00:199:60::1"
pingbi "$nsa" 10.199.64.1 "$nsb" 10.199.64.2 "expiretime=3"
vx_atleast swa learned 1 || fail "expiretime=3: nothing learned: $(vx_port swa)"
# learned == 0 once B has been quiet for 3 s
learned_none() { [ "$(vx_count swa learned)" -eq 0 ]; }
wait_for -t 30 learned_none || fail "expiretime=3: entries never aged out: $(vx_port swa)"
pings "$nsa" 10.199.64.2 || fail "expiretime=3: no ping after the entries aged out"
vx_atleast swa learned 1 || fail "expiretime=3: B's MAC not learned again: $(vx_port swa)"
say "expiry: $(vx_port swa)"
exit 0
