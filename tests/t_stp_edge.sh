#!/bin/bash
# t_stp_edge.sh - with the spanning tree on (-F), a new port that hears
# no BPDU (a VM, a tap) forwards at once, as vde2 does and as RSTP's
# automatic edge detection would; the moment a BPDU arrives it takes
# part in the tree.  The forward delay is set long (15 s, so 30 s of
# listening and learning) to tell the two apart without any timing
# threshold: a ping that comes through while 30 s have not passed could
# only come through an edge port.
. "$(dirname "$0")/lib.sh"
need ip ping

ns=$(mkns e)
t1=vde$$a t2=vde$$b
t1=${t1:0:15} t2=${t2:0:15}
start_switch sw "$T/sw" -F -M "$T/sw.mgmt" --nostdin -t "$t1" -t "$t2"
"$VDE" vdecmd "$T/sw.mgmt" fstp/settimers 2 40 15 || fail "fstp/settimers"
start=$SECONDS
ip link set "$t1" netns "$ns" && ip link set "$t2" netns "$ns" || fail "move the taps into $ns"
# two taps in one namespace: a ping from one address to the other
# leaves through t1 and comes back through t2 only with the routes below
ip -n "$ns" addr add 10.199.90.1/32 dev "$t1"
ip -n "$ns" addr add 10.199.90.2/32 dev "$t2"
ip -n "$ns" link set "$t1" up && ip -n "$ns" link set "$t2" up
ip -n "$ns" route add 10.199.90.2/32 dev "$t1" src 10.199.90.1 table 100
ip -n "$ns" rule add from 10.199.90.1 table 100
ip -n "$ns" route add 10.199.90.1/32 dev "$t2" src 10.199.90.2 table 101
ip -n "$ns" rule add from 10.199.90.2 table 101
for i in all "$t1" "$t2"; do
	ip netns exec "$ns" sysctl -qw "net.ipv4.conf.$i.accept_local=1" "net.ipv4.conf.$i.rp_filter=0" 2>/dev/null
done

say "new tap ports forward at once (edge), long before listening and learning could end"
"$VDE" vdecmd "$T/sw.mgmt" fstp/print 1 | head -n 1 | grep -q "state forwarding .*edge yes" ||
	fail "port 1 is no edge forwarding port: $("$VDE" vdecmd "$T/sw.mgmt" fstp/print 1)"
wait_for -t 10 ip netns exec "$ns" ping -n -c 1 -W 1 -I 10.199.90.1 10.199.90.2 ||
	fail "no ping between the taps: $("$VDE" vdecmd "$T/sw.mgmt" fstp/print)"
[ $((SECONDS - start)) -lt 30 ] || skip "the machine is too slow to tell edge ports from 30 s of listening"

say "a BPDU ends it: a cable to another -F switch takes part in the tree"
start_switch far "$T/far" -F -M "$T/far.mgmt" --nostdin
bg cable "$VDE" plug "$T/sw" "$T/far"
wait_for -t 10 sh -c "'$VDE' vdecmd '$T/sw.mgmt' fstp/print 3 | head -n 1 | grep -q 'edge no'" ||
	fail "the cable port stayed an edge: $("$VDE" vdecmd "$T/sw.mgmt" fstp/print 3)"
"$VDE" vdecmd "$T/sw.mgmt" fstp/print 1 | head -n 1 | grep -q "edge yes" || fail "the tap port lost its edge"
"$VDE" vdecmd "$T/sw.mgmt" fstp/print | grep -q "^ -- Port 0003 tagged=0 portcost=[0-9]* role=\(Designated\|Root\)" ||
	fail "fstp/print's vde2 lines lack the cable port: $("$VDE" vdecmd "$T/sw.mgmt" fstp/print)"
exit 0
