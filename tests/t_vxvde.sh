#!/bin/bash
# t_vxvde.sh - vxvde:// against vdeplug4 4.0.1's (Debian's vde_plug), and
# vxlan://'s srcport=:
#   1. Debian's `vde_plug tap://T vxvde://GROUP/vni=7` in namespace A,
#      our switch with --port vxvde://GROUP/vni=7 and a tap in B, over a
#      veth: pings both ways; vxlan/print shows A's MAC behind A's
#      unicast socket (A's address, not the group's port 14789);
#   2. Debian's plug ends: its leave message makes us forget its MAC;
#   3. a vni=8 plug reaches nothing of vni 7;
#   4. vxlan:// with srcport=40000-40015: every datagram we send comes
#      from a port in the range (a VTEP stand-in in A records them).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vxlan.sh"
need_vxlan
DEB=/usr/bin/vde_plug
[ -x "$DEB" ] && [ -e /usr/lib/x86_64-linux-gnu/vdeplug/libvdeplug_vxvde.so ] ||
	[ -n "$(ls /usr/lib/*/vdeplug/libvdeplug_vxvde.so 2>/dev/null)" ] || skip "Debian's vdeplug (vxvde plugin) not installed"

nsa=$(mkns a)
nsb=$(mkns b)
veth "$nsa" vA "$nsb" vB
addr "$nsa" vA 10.199.70.1/24
addr "$nsb" vB 10.199.70.2/24
ip -n "$nsa" route add 224.0.0.0/4 dev vA || fail "multicast route in A"
ip -n "$nsb" route add 224.0.0.0/4 dev vB || fail "multicast route in B"
ta=vva$$ tb=vvb$$
ta=${ta:0:15} tb=${tb:0:15}

mgmt() { "$VDE" vdecmd "$T/sw.mgmt" "$@"; }
link() { mgmt port/print 2>&1 | grep -m 1 'LINK: vxvde://'; }
mac_of() { ip -n "$1" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }

say "1. Debian's vde_plug vxvde:// (A) and our switch's vxvde:// port (B)"
bg deb ip netns exec "$nsa" "$DEB" "tap://$ta" "vxvde://239.2.2.2/vni=7"
wait_for ip -n "$nsa" link show "$ta" || fail "Debian's plug made no tap: $(cat "$T/deb.log")"
addr "$nsa" "$ta" 10.199.71.1/24
ip -n "$nsa" link set "$ta" up
bg sw ip netns exec "$nsb" "$VDE" switch -s "$T/sw" -M "$T/sw.mgmt" --nostdin -t "$tb" --port "vxvde://239.2.2.2/vni=7"
wait_for test -S "$T/sw.mgmt" || fail "our switch did not start: $(cat "$T/sw.log")"
wait_for ip -n "$nsb" link show "$tb" || fail "no tap $tb"
addr "$nsb" "$tb" 10.199.71.2/24
ip -n "$nsb" link set "$tb" up
pings "$nsb" 10.199.71.1 || fail "no ping from ours to Debian's: $(link)"
pings "$nsa" 10.199.71.2 || fail "no ping from Debian's to ours: $(link)"
ma=$(mac_of "$nsa" "$ta")
mgmt vxlan/print > "$T/vxprint" || fail "vxlan/print failed"
line=$(grep -i "$ma" "$T/vxprint") || fail "vxlan/print does not list A's $ma: $(cat "$T/vxprint")"
case $line in *" 10.199.70.1:14789 "*) fail "A's MAC learned at the group's port, not A's unicast socket: $line" ;;
*" 10.199.70.1:"*) ;; *) fail "A's MAC not behind A's address: $line" ;; esac
say "learned: $line"

say "2. Debian's plug leaves: its leave message empties what we learned from it"
kill "$PID_deb"
wait_for sh -c "'$VDE' vdecmd '$T/sw.mgmt' port/print | grep -q '[1-9][0-9]* forgotten by leave messages'" ||
	fail "no leave message counted: $(link)"
mgmt vxlan/print | grep -qi "$ma" && fail "A's MAC still listed after it left: $(mgmt vxlan/print)"

say "3. a vni=8 plug reaches nothing of vni 7"
bg deb8 ip netns exec "$nsa" "$DEB" "tap://$ta" "vxvde://239.2.2.2/vni=8"
wait_for ip -n "$nsa" link show "$ta" || fail "no tap for the vni=8 plug"
ip -n "$nsa" addr add 10.199.71.1/24 dev "$ta" 2>/dev/null
ip -n "$nsa" link set "$ta" up
n0=$(link | sed -n 's/.*dropped: \([0-9]*\) not ours.*/\1/p')
ip netns exec "$nsb" ping -n -c 3 -i 0.3 -W 1 10.199.71.1 > /dev/null 2>&1 && fail "vni 7 reached a vni 8 plug"
ip netns exec "$nsa" ping -n -c 3 -i 0.3 -W 1 10.199.71.2 > /dev/null 2>&1
wait_for sh -c "[ \$('$VDE' vdecmd '$T/sw.mgmt' port/print | sed -n 's/.*dropped: \([0-9]*\) not ours.*/\1/p') -gt $n0 ]" ||
	fail "vni 8 datagrams not counted as not ours: $(link)"
kill "$PID_deb8"

say "4. vxlan:// srcport=40000-40015: our datagrams leave from that range"
kill "$PID_sw"; wait "$PID_sw" 2>/dev/null
rm -rf "$T/sw" "$T/sw.mgmt"
bg vtep ip netns exec "$nsa" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.199.70.1", 4789)); s.settimeout(20)
ports = set()
with open(sys.argv[1], "w") as out:
    while len(ports) < 1000:
        try:
            _, (h, p) = s.recvfrom(65536)
        except socket.timeout:
            break
        out.write("%d\n" % p); out.flush()
        ports.add(p)' "$T/srcports"
wait_for sh -c "ip netns exec $nsa ss -uln | grep -q 10.199.70.1:4789" || fail "stand-in VTEP not listening"
bg sw ip netns exec "$nsb" "$VDE" switch -s "$T/sw" -M "$T/sw.mgmt" --nostdin -t "$tb" \
	--port "vxlan:///vni=9/remote=10.199.70.1/srcport=40000-40015"
wait_for test -S "$T/sw.mgmt" || fail "switch with srcport did not start: $(cat "$T/sw.log")"
wait_for ip -n "$nsb" link show "$tb" || fail "no tap $tb"
ip -n "$nsb" addr add 10.199.72.2/24 dev "$tb"
ip -n "$nsb" link set "$tb" up
# ARP requests for many addresses: many flows, each flooded to the VTEP
pp=()
for i in $(seq 10 40); do ip netns exec "$nsb" ping -n -c 1 -W 1 "10.199.72.$i" > /dev/null 2>&1 & pp+=($!); done
wait "${pp[@]}"
wait_for -t 20 sh -c "[ \$(wc -l < '$T/srcports') -ge 10 ]" || fail "the stand-in VTEP got too little: $(wc -l < "$T/srcports")"
while read -r p; do
	[ "$p" -ge 40000 ] && [ "$p" -le 40015 ] || fail "a datagram from source port $p, outside 40000-40015"
done < "$T/srcports"
say "source ports seen: $(sort -un "$T/srcports" | tr '\n' ' ')"
exit 0
