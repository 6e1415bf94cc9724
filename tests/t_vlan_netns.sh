#!/bin/bash
# t_vlan_netns.sh - 802.1Q VLANs end to end, with real taps in network
# namespaces made here.  Switch A has hosts a1, a3 in VLAN 10 and a2 in
# VLAN 20 (untagged ports), plus a trunk tap into a namespace where a
# raw socket asks ARP questions in tagged frames and checks the tag of
# the answers; switch B has b1 (VLAN 10) and b2 (VLAN 20).  a2 and b2 use addresses in VLAN 10's subnet, so only
# the switch keeps them apart.
#   1. an explicit trunk (vlan/addport on both ends, no untagged VLAN)
#      between A and B carries both VLANs, and nothing crosses VLANs;
#   2. a switch nobody configured at all, between trunk ports of A and B
#      (tagged in both VLANs, untagged VLAN 0 kept), carries both VLANs
#      unchanged (vde2 would drop every tagged frame there);
#   3. a port that trunks VLAN 10 only drops VLAN 20.
# Ports nobody configured on A and B are not trunks, since A and B have
# VLANs (t_harden_vlanhop.sh).
. "$(dirname "$0")/lib.sh"
need ip ping python3
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
[ "$(id -u)" -eq 0 ] || skip "needs root for taps and namespaces"

p=vt$$ # tap names: unique, at most 15 characters
A=$T/A B=$T/B M=$T/M
start_switch A "$A" -M "$A.mgmt" -n 8 -t ${p}a1 -t ${p}a2 -t ${p}a3 -t ${p}at
start_switch B "$B" -M "$B.mgmt" -n 8 -t ${p}b1 -t ${p}b2
wait_for test -S "$A.mgmt" && wait_for test -S "$B.mgmt" || fail "no management sockets"
cmd() { local sw=$1; shift; for c in "$@"; do "$VDE" vdecmd "$sw.mgmt" "$c" || fail "$(basename "$sw"): $c"; done; }

# hosts: one namespace per tap
host() { # host NAME TAP ADDR...
	local name=$1 tap=$2 ns a
	ns=$(mkns "$name")
	tap_into "$ns" "$tap" "$3"
	shift 3
	for a in "$@"; do ip -n "$ns" addr add "$a" dev "$tap" || fail "address $a"; done
	eval "ns_$name=$ns"
}
host a1 ${p}a1 10.77.10.1/24
host a2 ${p}a2 10.77.10.2/24 10.77.20.2/24
host a3 ${p}a3 10.77.10.3/24
host b1 ${p}b1 10.77.10.11/24
host b2 ${p}b2 10.77.10.12/24 10.77.20.12/24
ns_t=$(mkns t)
ip link set ${p}at netns "$ns_t" && ip -n "$ns_t" link set ${p}at up || fail "trunk tap"

# vlanprobe.py IFACE VID MYIP TARGET SECS: a tagged ARP request; exit 0
# when the answer comes back tagged with VID, 1 when nothing answers in
# SECS, 2 when it comes back with another tag or none.  The kernel moves
# a received tag into packet metadata: it is read from PACKET_AUXDATA.
cat > "$T/vlanprobe.py" <<'PY'
import socket, struct, sys, time
iface, vid, me, target, secs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5])
SOL_PACKET, PACKET_AUXDATA, TP_STATUS_VLAN_VALID = 263, 8, 0x10
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind((iface, 0))
s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
mac = b"\x02\x77" + struct.pack("!I", vid << 16 | (hash(target) & 0xffff))
arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + socket.inet_aton(me) + b"\0" * 6 + socket.inet_aton(target)
req = b"\xff" * 6 + mac + struct.pack("!HHH", 0x8100, vid, 0x0806) + arp
end, nextsend = time.monotonic() + secs, 0
while time.monotonic() < end:
    if time.monotonic() >= nextsend:
        s.send(req)
        nextsend = time.monotonic() + 0.3
    s.settimeout(max(0.01, min(nextsend, end) - time.monotonic()))
    try:
        data, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(20))
    except socket.timeout:
        continue
    tag = None
    for lvl, typ, d in anc:
        if lvl == SOL_PACKET and typ == PACKET_AUXDATA:
            status, _, _, _, _, tci = struct.unpack("IIIHHH", d[:18])
            if status & TP_STATUS_VLAN_VALID:
                tag = tci & 0xfff
    if data[12:14] == b"\x81\x00":           # a tag left in the data
        tag, data = struct.unpack("!H", data[14:16])[0] & 0xfff, data[:12] + data[16:]
    if data[:6] != mac or data[12:14] != b"\x08\x06" or data[20:22] != b"\x00\x02":
        continue                               # not the ARP reply to us
    if data[28:32] != socket.inet_aton(target):
        continue
    if tag != vid:
        print("reply from %s came with tag %r, not %d" % (target, tag, vid))
        sys.exit(2)
    sys.exit(0)
sys.exit(1)
PY
# probe VID MYIP TARGET: the trunk host gets an answer tagged VID
probe() {
	ip netns exec "$ns_t" python3 "$T/vlanprobe.py" ${p}at "$1" "$2" "$3" 20 ||
		fail "tagged VLAN $1: no properly tagged answer from $3"
}
# noprobe VID MYIP TARGET: nobody answers in that VLAN (a leak would
# answer as fast as the probes above did)
noprobe() {
	ip netns exec "$ns_t" python3 "$T/vlanprobe.py" ${p}at "$1" "$2" "$3" 1
	[ $? -eq 1 ] || fail "tagged VLAN $1 reached $3"
}

cmd "$A" 'vlan/create 10' 'vlan/create 20' 'port/setvlan 1 10' 'port/setvlan 2 20' 'port/setvlan 3 10' \
	'vlan/addport 10 4' 'vlan/addport 20 4'
cmd "$B" 'vlan/create 10' 'vlan/create 20' 'port/setvlan 1 10' 'port/setvlan 2 20'

reach() { pings "$ns_1" "$2" || fail "$1 cannot reach $2 ($3)"; }
# isolated FROM ADDR WHY: no answer (one ping, one second: a leak would
# answer at once, as the reachable pairs above did)
isolated() {
	local ns; eval "ns=\$ns_$1"
	ip netns exec "$ns" ping -n -c 1 -W 1 "$2" > /dev/null 2>&1 && fail "$1 reached $2: $3"
	return 0
}
check_vlans() { # the same answers whatever the trunk is
	ns_1=$ns_a1 reach a1 10.77.10.3 "VLAN 10 on switch A"
	ns_1=$ns_a1 reach a1 10.77.10.11 "VLAN 10 across the trunk"
	ns_1=$ns_a2 reach a2 10.77.10.12 "VLAN 20 across the trunk"
	ns_1=$ns_b1 reach b1 10.77.10.3 "VLAN 10 back across the trunk"
	probe 10 10.77.10.21 10.77.10.11 # tagged in, untagged out on B, and back
	probe 20 10.77.20.22 10.77.20.12
	probe 20 10.77.20.22 10.77.20.2
	probe 10 10.77.10.21 10.77.10.3
	isolated a1 10.77.10.2 "VLAN 10 host reached VLAN 20 on the same switch"
	isolated a1 10.77.10.12 "VLAN 10 host reached VLAN 20 across the trunk"
	isolated b1 10.77.10.2 "VLAN 10 host on B reached VLAN 20 on A"
	isolated a2 10.77.10.1 "VLAN 20 host reached VLAN 10"
	noprobe 10 10.77.10.21 10.77.10.2
	noprobe 10 10.77.10.21 10.77.10.12
	noprobe 20 10.77.10.22 10.77.10.1
}

# cable NAME SW1 PORT1 SW2 PORT2: dpipe of two vde_plugs
cable() {
	bg "$1" "$VDE" dpipe "$VDE" vde_plug -p "$3" "$2" = "$VDE" vde_plug -p "$5" "$4"
	wait_for sh -c "'$VDE' vdecmd '$2.mgmt' port/print $3 && '$VDE' vdecmd '$4.mgmt' port/print $5" ||
		fail "cable $1 did not join"
}
# unplug NAME SW1 PORT1 SW2 PORT2: close one end from its console; the
# plug there ends, so does the dpipe and the plug at the other end
unplug() {
	local id
	id=$("$VDE" vdecmd "$2.mgmt" port/print "$3" | sed -n 's/^  -- endpoint ID \([0-9]*\) .*/\1/p')
	cmd "$2" "port/epclose $3 $id"
	eval "wait \$PID_$1"
	wait_for sh -c "! '$VDE' vdecmd '$4.mgmt' port/print $5" || fail "cable $1 still plugged into $4"
}

say "1. explicit trunk: port 6 of A and B tagged in VLANs 10 and 20, no untagged VLAN"
for sw in "$A" "$B"; do
	cmd "$sw" 'port/create 6' 'vlan/addport 10 6' 'vlan/addport 20 6' 'port/setvlan 6 4095'
done
cable trunk "$A" 6 "$B" 6
"$VDE" vdecmd "$A.mgmt" vlan/print 20 > "$T/v20" || fail "vlan/print 20"
grep -qx ' -- Port 0006 tagged=1 active=1 status=Forwarding' "$T/v20" || fail "trunk not in VLAN 20: $(cat "$T/v20")"
grep -qx ' -- Port 0002 tagged=0 active=1 status=Forwarding' "$T/v20" || fail "a2 not in VLAN 20: $(cat "$T/v20")"
check_vlans

say "2. a switch nobody configured carries every VLAN: A:5 - M - B:5"
unplug trunk "$A" 6 "$B" 6
for sw in "$A" "$B"; do
	cmd "$sw" 'port/create 5' 'vlan/addport 10 5' 'vlan/addport 20 5'
done
start_switch M "$M" -M "$M.mgmt"
wait_for test -S "$M.mgmt" || fail "no management socket on M"
cable left "$A" 5 "$M" 1
cable right "$M" 2 "$B" 5
check_vlans
"$VDE" vdecmd "$M.mgmt" hash/print > "$T/hash" || fail "hash/print on M"
grep -q 'VLAN 0010 to port: 001' "$T/hash" && grep -q 'VLAN 0020 to port: 001' "$T/hash" ||
	fail "M did not learn per VLAN: $(cat "$T/hash")"

say "3. a strict port drops tagged frames of VLANs it is not in"
cmd "$A" 'vlan/delport 20 5' # port 5 now trunks VLAN 10 only
isolated a2 10.77.10.12 "VLAN 20 crossed a port that carries only VLAN 10"
ns_1=$ns_a1 reach a1 10.77.10.11 "VLAN 10 through the strict port"
exit 0
