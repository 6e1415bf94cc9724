#!/bin/bash
# t_stp_storm.sh - what a loop of cables does WITHOUT spanning tree: the
# triangle of tests/stp_triangle.sh with plain switches.  One broadcast
# ping goes round the loop for ever, in both directions, and every tap
# receives it again on each lap: a broadcast storm, which only ends when
# the loop is cut.  Here it is shown and then stopped twice: by turning
# the spanning tree on at run time (fstp/setfstp 1 on each switch: every
# port stops forwarding at once, then the tree forms and ping works), and
# by cutting a cable.  If the switches ever start cutting loops by
# themselves with STP off, this test fails: the storm must exist here.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/stp_triangle.sh"

rx() { ip netns exec "${NS[$1]}" cat "/sys/class/net/$(tap "$1")/statistics/rx_packets"; }
# grows SW FROM BY: SW's tap has received more than FROM + BY frames
grows() { [ "$(rx "$1")" -gt $(($2 + $3)) ]; }
# steady SW: SW's tap receives nothing new over a ping round trip
steady() {
	local r=$(rx "$1")
	reach "$1" a
	[ "$(rx "$1")" -le $((r + 2)) ]
}

tri_switches
tri_cables
say "no STP: the loop carries one broadcast round and round"
before=$(rx b)
ip netns exec "${NS[a]}" ping -n -q -b -c 1 -W 0.1 "$BCAST" > /dev/null 2>&1
wait_for -t 20 grows b "$before" 10000 || fail "no storm from one broadcast: b's tap got $(($(rx b) - before)) frames"
mid=$(rx b)
say "one broadcast ping: b's tap has received $((mid - before)) frames and counting"
wait_for -t 20 grows b "$mid" 10000 || fail "the storm died out by itself"
say "... and $(($(rx b) - mid)) more since: nothing ends it"

say "fstp/setfstp 1 on every switch stops it, and the tree forms"
for s in a b c; do stp $s fstp/setfstp 1 || fail "fstp/setfstp 1 on $s"; done
for p in "a b" "a c" "b c"; do
	wait_for -t 30 reach $p || fail "no ping $p once STP is on"
done
wait_for -t 10 steady b || fail "b's tap keeps receiving: $(stp b fstp/print)"
n=$(count_bcasts a b 5)
[ "$n" -eq 5 ] || fail "with STP on, b saw $n copies of 5 broadcasts"
say "with STP on: 5 broadcasts, b's tap saw $n"

say "fstp/setfstp 0: the storm is back with the next broadcast; cutting a cable ends it"
for s in a b c; do stp $s fstp/setfstp 0 || fail "fstp/setfstp 0 on $s"; done
before=$(rx c)
ip netns exec "${NS[a]}" ping -n -q -b -c 1 -W 0.1 "$BCAST" > /dev/null 2>&1
wait_for -t 20 grows c "$before" 10000 || fail "no storm with STP off again"
cut bc
wait_for -t 20 steady c || fail "the storm went on after the loop was cut"
wait_for -t 20 reach a b || fail "no ping a -> b after the cut"
wait_for -t 20 reach a c || fail "no ping a -> c after the cut"
exit 0
