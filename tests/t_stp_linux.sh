#!/bin/bash
# t_stp_linux.sh - our spanning tree with a Linux bridge running kernel
# STP (IEEE 802.1D): two taps of our switch are both ports of br0 in
# another namespace, a loop.  The two agree on one tree:
#   1. our switch is the root: the Linux bridge blocks one of its ports;
#   2. the Linux bridge is made root: our switch blocks one of its ports
#      and uses the root's timers;
#   3. the bridge's end of our root port goes down, which our switch
#      cannot see (its tap stays open): after max age it moves its root
#      port to the other tap.
# Throughout, ping host -> bridge works and a broadcast reaches br0 once.
#
#   nsH: tap h (10.199.8.1) -- port 1 [our switch] port 2 -- tap l1 --+ br0 (10.199.8.2)
#                                                 port 3 -- tap l2 --+ in nsBR
. "$(dirname "$0")/lib.sh"
need ip ping tcpdump
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
[ "$(id -u)" -eq 0 ] || skip "needs root for taps and namespaces"
PATH=$BIN:$PATH

h=vt$$h l1=vt$$l1 l2=vt$$l2
start_switch s "$T/s" -F --priority 4096 --macaddr 00:ff:00:00:00:05 -M "$T/s.mgmt" -tap $h -tap $l1 -tap $l2
wait_for test -S "$T/s.mgmt" || fail "no console"
stp() { vdecmd "$T/s.mgmt" "$@"; }
stp port/print 2 | grep -q "$l1" && stp port/print 3 | grep -q "$l2" || fail "taps not on ports 2, 3: $(stp port/print)"

nsh=$(mkns host) nsb=$(mkns bridge)
for n in $nsh $nsb; do ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; done
tap_into $nsh $h 10.199.8.1/24
# times in centiseconds: forward delay 2 s, hello 1 s, max age 6 s
ip -n $nsb link add br0 type bridge stp_state 1 forward_delay 200 hello_time 100 max_age 600 || fail "make br0"
for t in $l1 $l2; do
	ip link set $t netns $nsb && ip -n $nsb link set $t master br0 && ip -n $nsb link set $t up || fail "$t into br0"
done
ip -n $nsb addr add 10.199.8.2/24 dev br0 && ip -n $nsb link set br0 up || fail "br0 up"

# Linux bridge port state: 3 forwarding, 4 blocking
lstate() { ip netns exec $nsb cat "/sys/class/net/$1/brport/state"; }
linux_is() { [ "$(lstate $l1)" = "$1" ] && [ "$(lstate $l2)" = "$2" ]; }
ours_is() { # PORT ROLE STATE
	stp fstp/print "$1" | head -n 1 | grep -q "role $2 state $3"
}
reach() { ip netns exec $nsh ping -n -q -c 1 -W 0.3 10.199.8.2 > /dev/null 2>&1; }
# bcasts N: how many of N broadcast pings from the host br0 receives
# (warm-up broadcasts of another size first: tcpdump may miss its first)
bcasts() {
	local f=$T/bcast.$RANDOM pid
	ip netns exec $nsb tcpdump -l -n -i br0 'ether broadcast and icmp' > "$f.txt" 2> "$f.log" &
	pid=$!
	wait_for sh -c "ip netns exec $nsh ping -n -q -b -c 1 -W 0.1 -s 100 10.199.8.255; grep -q 'length 108' $f.txt" ||
		{ kill $pid; fail "tcpdump on br0 sees no broadcast: $(cat "$f.log")"; }
	ip netns exec $nsh ping -n -q -b -c "$1" -i 0.2 -W 0.1 -s 200 10.199.8.255 > /dev/null 2>&1
	wait_for -t 20 reach
	kill -INT $pid
	wait $pid
	grep -c 'length 208' "$f.txt"
}
show() { stp fstp/print; echo "linux: $l1 $(lstate $l1) $l2 $(lstate $l2) root $(ip netns exec $nsb cat /sys/class/net/br0/bridge/root_id)"; }

say "1. our switch is the root (priority 4096): br0 blocks $l2"
wait_for -t 30 linux_is 3 4 || fail "Linux ports not forwarding/blocking: $(show)"
ours_is 2 designated forwarding && ours_is 3 designated forwarding || fail "our ports: $(show)"
root=$(ip netns exec $nsb cat /sys/class/net/br0/bridge/root_id)
[ "$root" = "1000.00ff00000005" ] || fail "br0 says the root is $root"
wait_for -t 20 reach || fail "no ping host -> br0"
n=$(bcasts 5)
say "5 broadcasts from the host: br0 saw $n"
[ "$n" -eq 5 ] || fail "br0 saw $n copies of 5 broadcasts"

say "2. br0 becomes the root (priority 0): our switch blocks port 3"
ip -n $nsb link set br0 type bridge priority 0 || fail "br0 priority"
wait_for -t 30 ours_is 3 alternate blocking || fail "our port 3 not blocking: $(show)"
wait_for -t 30 ours_is 2 root forwarding || fail "our port 2 not the root port: $(show)"
wait_for -t 30 linux_is 3 3 || fail "Linux ports not both forwarding: $(show)"
stp fstp/showinfo | grep -q "Root ID 0000\..* via port 2" || fail "root: $(stp fstp/showinfo)"
stp fstp/showinfo | grep -q "hello 1.0 s, max age 6.0 s, forward delay 2.0 s" || fail "not the root's timers: $(stp fstp/showinfo)"
wait_for -t 20 reach || fail "no ping host -> br0 with br0 as root"
n=$(bcasts 5)
say "5 broadcasts from the host: br0 saw $n"
[ "$n" -eq 5 ] || fail "br0 saw $n copies of 5 broadcasts"

say "3. $l1 goes down inside nsBR; our switch only notices BPDUs stop"
t0=$(date +%s%3N)
ip -n $nsb link set $l1 down
wait_for -t 30 ours_is 3 root forwarding || fail "port 3 did not take over: $(show)"
wait_for -t 20 reach || fail "no ping after $l1 went down"
say "ping works again after $(($(date +%s%3N) - t0)) ms (max age 6 s + listening and learning)"
n=$(bcasts 5)
[ "$n" -eq 5 ] || fail "br0 saw $n copies of 5 broadcasts"
exit 0
