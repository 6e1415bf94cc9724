#!/bin/bash
# tests/bench/vxlan.sh - a benchmark, not a test: it prints numbers and
# judges nothing.  Two namespaces A and B on a veth underlay
# (10.199.80.1, .2), each side once:
#   ours    our switch with a tap (10.199.81.x, mtu 1450) and
#           --port vxlan:///vni=42/remote=OTHER
#   kernel  the kernel's vx0 (id 42 remote OTHER dstport 4789) in a Linux
#           bridge br0 holding the overlay address (mtu 1450)
# and between the overlay addresses iperf3: TCP A to B, and UDP with
# 18-byte payloads (64-byte frames) as fast as iperf3 sends, where the
# frames/s are what B's iperf3 received.  Run as root from the top of the
# tree: VDE=build/v/vde BENCH_SECS=5 tests/bench/vxlan.sh
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../helpers/vxlan.sh"
need_vxlan
need iperf3
SECS=${BENCH_SECS:-5}

nsa=$(mkns a)
nsb=$(mkns b)
veth "$nsa" vA "$nsb" vB
addr "$nsa" vA 10.199.80.1/24
addr "$nsb" vB 10.199.80.2/24

# measure WHAT: iperf3 from A to B's 10.199.81.2
measure() {
	local what=$1 tcp udp
	bg "iperf_$what" ip netns exec "$nsb" iperf3 -s -p 5201
	wait_for sh -c "ip netns exec '$nsb' ss -Htln 'sport = :5201' | grep -q ." || fail "iperf3 -s"
	pings "$nsa" 10.199.81.2 || fail "$what: no ping"
	tcp=$(ip netns exec "$nsa" iperf3 -c 10.199.81.2 -p 5201 -t "$SECS" -J |
		python3 -c 'import json,sys; print("%.0f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))')
	udp=$(ip netns exec "$nsa" iperf3 -c 10.199.81.2 -p 5201 -t "$SECS" -u -b 0 -l 18 -J |
		python3 -c '
import json, sys
e = json.load(sys.stdin)["end"]["sum"]
print("%.0f %.1f" % ((e["packets"] - e["lost_packets"]) / e["seconds"], e["lost_percent"]))')
	printf '%-8s TCP %6s Mbit/s   UDP 64-byte frames %8s frames/s received (%s%% lost)\n' "$what" "$tcp" ${udp}
	local pid
	eval "pid=\$PID_iperf_$what"
	kill "$pid"
	wait "$pid" 2>/dev/null
}

# ours
vx_switch swa "$nsa" vxt$$a 10.199.81.1/24 "vxlan:///vni=42/remote=10.199.80.2"
vx_switch swb "$nsb" vxt$$b 10.199.81.2/24 "vxlan:///vni=42/remote=10.199.80.1"
ip -n "$nsa" link set vxt$$a mtu 1450; ip -n "$nsb" link set vxt$$b mtu 1450
measure ours
for p in "${_pids[@]}"; do kill "$p" 2>/dev/null; done
wait 2>/dev/null
_pids=()

# kernel vxlan + bridge
for x in a b; do
	eval "ns=\$ns$x"
	[ $x = a ] && r=10.199.80.2 n=1 || { r=10.199.80.1; n=2; }
	X=${x^^}
	ip -n "$ns" link add vx0 type vxlan id 42 remote "$r" dev "v$X" dstport 4789 || fail "vx0"
	ip -n "$ns" link add br0 type bridge || fail "br0"
	ip -n "$ns" link set vx0 master br0 && ip -n "$ns" link set vx0 up && ip -n "$ns" link set br0 mtu 1450 up
	addr "$ns" br0 10.199.81.$n/24
done
measure kernel
exit 0
