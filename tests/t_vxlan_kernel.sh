#!/bin/bash
# t_vxlan_kernel.sh - our vxlan:// switch port against the Linux kernel's
# vxlan (RFC 7348, VNI 42, UDP port 4789) on an underlay of veths:
#   1. multicast: kernel vx0 in A (group 239.1.1.1 dev vA), our switch in
#      B with --port vxlan://239.1.1.1/vni=42/if=vB and a tap: pings both
#      ways, 20 MB over TCP each way with matching sha256, the transfer
#      sent to the VTEP we learned (not flooded), and the kernel's
#      `bridge fdb show dev vx0` lists our tap's MAC at B's address; vx0
#      keeps its default checksum offload, so over the veth its inner
#      TCP checksums reach us partial and ours must finish them;
#   2. unicast: kernel `remote 10.199.60.2`, ours remote=10.199.60.1: the
#      same (no group joined anywhere), vx0 without checksum offload;
#   3. head-end replication among three VTEPs on one bridged underlay:
#      kernel ones in A and C (flooding to the other two by all-zero fdb
#      entries), ours in B with remote=A,C: each pings each; A's
#      broadcasts reach ours and go no further (no echo to A or C).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vxlan.sh"
need_vxlan
ip link add vdetvx$$ type vxlan id 1 dstport 4789 2>/dev/null || skip "the kernel has no vxlan module"
ip link del vdetvx$$

nsa=$(mkns a)
nsb=$(mkns b)
veth "$nsa" vA "$nsb" vB
addr "$nsa" vA 10.199.60.1/24
addr "$nsb" vB 10.199.60.2/24
tap=vxt$$b

# our_mac: the MAC of our tap in B
our_mac() { ip -n "$nsb" -o link show "$tap" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }

# kernel_knows: the kernel's vx0 in A learned our tap's MAC at B's address
kernel_knows() { ip netns exec "$nsa" bridge fdb show dev vx0 | grep -q "^$(our_mac) dst 10.199.60.2 "; }

# checks WHAT: pings, transfers, learned unicast, the kernel's fdb
checks() {
	local what=$1 f0 o0
	pingbi "$nsb" 10.199.61.2 "$nsa" 10.199.61.1 "$what"
	wait_for kernel_knows ||
		fail "$what: the kernel did not learn $(our_mac) at 10.199.60.2: $(ip netns exec "$nsa" bridge fdb show dev vx0)"
	vx_atleast sw learned 1 || fail "$what: our port learned no MAC: $(vx_port sw)"
	f0=$(vx_count sw flooded) o0=$(vx_count sw out)
	xfer "$nsb" "$nsa" 10.199.61.1 "$what, ours to the kernel's"
	xfer "$nsa" "$nsb" 10.199.61.2 "$what, the kernel's to ours"
	# thousands of frames went out; to the learned VTEP, not flooded
	# (a few ARP requests may be)
	[ $(($(vx_count sw out) - o0)) -ge 10000 ] || fail "$what: the transfers did not go out our vxlan port: $(vx_port sw)"
	[ $(($(vx_count sw flooded) - f0)) -lt 100 ] || fail "$what: the transfers were flooded, not sent to the learned VTEP: $(vx_port sw)"
	[ "$(vx_count sw malformed)" -eq 0 ] && [ "$(vx_count sw othervni)" -eq 0 ] ||
		fail "$what: the kernel's frames counted as dropped: $(vx_port sw)"
	say "$what: $(vx_port sw)"
}

say "1. multicast group 239.1.1.1"
kernel_vx "$nsa" vA 10.199.61.1/24 id 42 group 239.1.1.1
vx_switch sw "$nsb" "$tap" 10.199.61.2/24 "vxlan://239.1.1.1/vni=42/if=vB"
checks multicast
ip netns exec "$nsb" ip maddr show dev vB | grep -q 239.1.1.1 || fail "our port did not join 239.1.1.1 on vB"
unplug() { local pid; eval "pid=\$PID_$1"; kill "$pid"; wait "$pid"; }
unplug sw
wait_for sh -c "! ip -n $nsb link show $tap" || fail "the tap outlived the switch"
ip -n "$nsa" link del vx0

say "2. unicast: kernel remote 10.199.60.2, ours remote=10.199.60.1"
# this time the kernel computes its inner checksums itself (part 1 had
# it leave them partial over the veth, for our end to finish)
KERNEL_TXCSUM=off kernel_vx "$nsa" vA 10.199.61.1/24 id 42 remote 10.199.60.2
rm -rf "$T/sw" "$T/sw.mgmt"
vx_switch sw "$nsb" "$tap" 10.199.61.2/24 "vxlan:///vni=42/remote=10.199.60.1"
checks unicast
ip netns exec "$nsb" ip maddr show dev vB | grep -q 239. && fail "a unicast port joined a group: $(ip -n "$nsb" maddr show dev vB)"
unplug sw

say "3. three VTEPs, head-end replication: kernel A and C, ours B"
nsh=$(mkns hub)
nsc=$(mkns c)
ip -n "$nsa" link del vx0
ip -n "$nsh" link add br0 type bridge && ip -n "$nsh" link set br0 up || fail "bridge in the hub"
for x in a b c; do
	eval "ns=\$ns$x"
	X=${x^^}
	ip -n "$ns" link del "v$X" 2>/dev/null
	veth "$ns" "v$X" "$nsh" "h$X"
	ip -n "$nsh" link set "h$X" master br0 || fail "h$X into the hub's bridge"
done
addr "$nsa" vA 10.199.62.1/24
addr "$nsb" vB 10.199.62.2/24
addr "$nsc" vC 10.199.62.3/24
kernel_vx "$nsa" vA 10.199.63.1/24 id 42
kernel_vx "$nsc" vC 10.199.63.3/24 id 42
for d in 10.199.62.2 10.199.62.3; do
	ip netns exec "$nsa" bridge fdb append 00:00:00:00:00:00 dev vx0 dst "$d" || fail "fdb append $d in A"
done
for d in 10.199.62.1 10.199.62.2; do
	ip netns exec "$nsc" bridge fdb append 00:00:00:00:00:00 dev vx0 dst "$d" || fail "fdb append $d in C"
done
rm -rf "$T/sw" "$T/sw.mgmt"
vx_switch sw "$nsb" "$tap" 10.199.63.2/24 "vxlan:///vni=42/remote=10.199.62.1,10.199.62.3"
for p in "$nsa 10.199.63.1" "$nsb 10.199.63.2" "$nsc 10.199.63.3"; do
	for q in 10.199.63.1 10.199.63.2 10.199.63.3; do
		set -- $p
		[ "$2" = "$q" ] && continue
		pings "$1" "$q" || fail "three VTEPs: no ping from $2 to $q"
	done
done
# ours learned both kernel VTEPs' MACs, and both kernels ours
vx_atleast sw learned 2 || fail "three VTEPs: ours did not learn A's and C's MACs: $(vx_port sw)"
for ns in "$nsa" "$nsc"; do
	ip netns exec "$ns" bridge fdb show dev vx0 | grep -q "^$(our_mac) dst 10.199.62.2 " ||
		fail "three VTEPs: the kernel in $ns did not learn our MAC: $(ip netns exec "$ns" bridge fdb show dev vx0)"
done
# A's broadcasts reach ours too, and go no further: not back to A, and
# not on to C (A sent C its own copy).  Our tap is quiet meanwhile (no
# IPv6, and A's ARP is not for it): whatever ours sends would be an echo.
ip netns exec "$nsb" sysctl -qw "net.ipv6.conf.$tap.disable_ipv6=1"
ip -n "$nsa" neigh flush all; ip -n "$nsc" neigh flush all
i0=$(vx_count sw in) o0=$(vx_count sw out)
pings "$nsa" 10.199.63.3 || fail "three VTEPs: A no longer reaches C"
wait_for vx_atleast sw in $((i0 + 1)) || fail "three VTEPs: A's ARP broadcast did not reach ours: $(vx_port sw)"
[ "$(vx_count sw out)" -eq "$o0" ] || fail "three VTEPs: ours sent $(($(vx_count sw out) - o0)) frames while A and C talked (an echo): $(vx_port sw)"
say "three VTEPs: $(vx_port sw)"
exit 0
