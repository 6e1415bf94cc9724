# tests/stp_triangle.sh - sourced by t_stp.sh and t_stp_storm.sh (after
# lib.sh): three switches a, b, c joined in a triangle of cables, each
# with a tap in its own namespace.
#
#        a (10.199.7.1)            port 1 of each switch: its tap
#      3/ \2                        cable ab: a port 2 = b port 3
#      /   \                        cable bc: b port 2 = c port 3
#    2/     \3                      cable ca: c port 2 = a port 3
#   c ------- b
#     3     2
# MACs 00:ff:00:00:00:0a/0b/0c: with equal priorities a is the root and
# c's port 3 (toward b) is the one the tree blocks.
need ip ping tcpdump
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
[ "$(id -u)" -eq 0 ] || skip "needs root for taps and namespaces"
PATH=$BIN:$PATH # vde_plug, dpipe and vdecmd are ours

declare -A NS IP
IP[a]=10.199.7.1 IP[b]=10.199.7.2 IP[c]=10.199.7.3
BCAST=10.199.7.255

tap() { echo "vt$$$1"; }

# tri_switches ARGS...: the three switches (ARGS added to each), taps in
# namespaces; IPv6 off so that only the frames a test sends travel.
tri_switches() {
	local s
	for s in a b c; do
		start_switch "sw$s" "$T/$s" -tap "$(tap $s)" -M "$T/$s.mgmt" --macaddr "00:ff:00:00:00:0$s" "$@"
		wait_for test -S "$T/$s.mgmt" || fail "no console for switch $s"
		NS[$s]=$(mkns "$s")
		ip netns exec "${NS[$s]}" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		tap_into "${NS[$s]}" "$(tap $s)" "${IP[$s]}/24"
	done
}

# cable NAME SW1 PORT1 SW2 PORT2 [PLUG OPTIONS]: dpipe vde_plug = vde_plug
cable() {
	bg "$1" dpipe vde_plug -p "$3" -D "cable $1" "$T/$2" = vde_plug -p "$5" -D "cable $1" "$T/$4"
}
cable_up() { # SW PORT: the switch has a cable endpoint on PORT
	[ -n "$(ls "$T/$1" | grep "^$(printf %03d "$2")\.")" ]
}
tri_cables() {
	cable ab a 2 b 3
	cable bc b 2 c 3
	cable ca c 2 a 3
	wait_for cable_up a 2 && wait_for cable_up a 3 && wait_for cable_up b 2 &&
		wait_for cable_up b 3 && wait_for cable_up c 2 && wait_for cable_up c 3 || fail "cables did not join"
}
# cut NAME: kill a cable (dpipe ends both plugs)
cut() {
	local pid
	eval "pid=\$PID_$1"
	kill "$pid"
	wait "$pid" 2>/dev/null
}

stp() { vdecmd "$T/$1.mgmt" "${@:2}"; }
# reach FROM TO: one ping gets an answer (short timeout: used to time
# convergence, so a lost ping costs 0.3 s, not 1)
reach() { ip netns exec "${NS[$1]}" ping -n -q -c 1 -W 0.3 "${IP[$2]}" >/dev/null 2>&1; }
now_ms() { date +%s%3N; }

# count_bcasts FROM TO N: TO's tap sees how many copies of N broadcast
# pings (of 200 bytes) that FROM sends?  tcpdump may miss what arrives
# while it starts, so 100-byte broadcasts go first until it shows one;
# after the N, a unicast round trip TO -> FROM (over the same tree) is
# the barrier before the capture stops.
count_bcasts() {
	local f=$T/bcast.$1$2 pid
	ip netns exec "${NS[$2]}" tcpdump -l -n -i "$(tap $2)" 'ether broadcast and icmp' > "$f.txt" 2> "$f.log" &
	pid=$!
	wait_for sh -c "ip netns exec ${NS[$1]} ping -n -q -b -c 1 -W 0.1 -s 100 $BCAST; grep -q 'length 108' $f.txt" ||
		{ kill $pid; fail "tcpdump on $2 sees no broadcast from $1: $(cat "$f.log")"; }
	ip netns exec "${NS[$1]}" ping -n -q -b -c "$3" -i 0.2 -W 0.1 -s 200 "$BCAST" > /dev/null 2>&1
	wait_for -t 20 reach "$2" "$1"
	kill -INT $pid
	wait $pid
	grep -c 'length 208' "$f.txt"
}
