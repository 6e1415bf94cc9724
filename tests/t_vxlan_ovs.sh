#!/bin/bash
# t_vxlan_ovs.sh - our vxlan:// against Debian's Open vSwitch (3.1).
# The kernel here has no openvswitch module, so OVS runs its userspace
# datapath (datapath_type=netdev, userspace tunnelling): in namespace O
# an ovsdb-server and ovs-vswitchd of this test's own (their sockets,
# database and logs in $T), bridge br-phy holding the underlay veth vO
# and the underlay address 10.199.70.1, bridge br-int with a VXLAN port
# (key 42, remote_ip 10.199.70.2) and the overlay address 10.199.71.1 on
# its internal port; in namespace B our switch with
# --port vxlan:///vni=42/remote=10.199.70.1 and a tap 10.199.71.2.
# Pings both ways and 20 MB each way over TCP with matching sha256.
# Two things the setup needs, both from the underlay being a veth and
# OVS's datapath being userspace (not from either VTEP):
#   - our side's veth computes UDP checksums itself (tx offload off):
#     with offload a veth hands OVS's AF_PACKET socket the datagram with
#     the checksum undone, and OVS's tunnel pop drops it
#     (datapath_drop_tunnel_pop_error);
#   - both overlay MTUs are 1450 (underlay 1500 - 50): OVS's userspace
#     tunnel neither fragments nor reassembles.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vxlan.sh"
need_vxlan
for c in ovsdb-server ovs-vswitchd ovs-vsctl ovsdb-tool ovs-appctl; do
	[ -x "/usr/sbin/$c" ] || [ -x "/usr/bin/$c" ] ||
		skip "Open vSwitch not installed: apt-get install openvswitch-switch"
done
schema=/usr/share/openvswitch/vswitch.ovsschema
[ -f "$schema" ] || skip "no $schema"

nso=$(mkns o)
nsb=$(mkns b)
veth "$nso" vO "$nsb" vB
addr "$nsb" vB 10.199.70.2/24
txcsum_off "$nsb" vB

# OVS of our own: nothing under /run or /etc touched
o=$T/ovs
mkdir -p "$o"
export OVS_RUNDIR=$o OVS_LOGDIR=$o OVS_DBDIR=$o OVS_SYSCONFDIR=$o
ovsdb-tool create "$o/conf.db" "$schema" || fail "ovsdb-tool create"
bg ovsdb ip netns exec "$nso" ovsdb-server "$o/conf.db" --remote="punix:$o/db.sock" \
	--unixctl="$o/ovsdb.ctl" --pidfile="$o/ovsdb.pid" --log-file="$o/ovsdb-server.log"
wait_for test -S "$o/db.sock" || fail "ovsdb-server did not start: $(cat "$T/ovsdb.log")"
vsctl() { ip netns exec "$nso" ovs-vsctl --timeout=20 --db="unix:$o/db.sock" "$@"; }
vsctl --no-wait init || fail "ovs-vsctl init"
bg vswitchd ip netns exec "$nso" ovs-vswitchd "unix:$o/db.sock" --unixctl="$o/vswitchd.ctl" \
	--pidfile="$o/vswitchd.pid" --log-file="$o/ovs-vswitchd.log"
wait_for test -S "$o/vswitchd.ctl" || fail "ovs-vswitchd did not start: $(cat "$T/vswitchd.log")"
appctl() { ip netns exec "$nso" ovs-appctl --target="$o/vswitchd.ctl" "$@"; }

vsctl add-br br-phy -- set bridge br-phy datapath_type=netdev || fail "add-br br-phy"
vsctl add-port br-phy vO || fail "add-port br-phy vO"
addr "$nso" br-phy 10.199.70.1/24
ip -n "$nso" link set br-phy up
vsctl add-br br-int -- set bridge br-int datapath_type=netdev || fail "add-br br-int"
vsctl add-port br-int vx0 -- set interface vx0 type=vxlan options:remote_ip=10.199.70.2 options:key=42 ||
	fail "add the VXLAN port"
vsctl set interface br-int mtu_request=1450 || fail "br-int mtu 1450"
wait_for sh -c "ip -n '$nso' link show br-int | grep -q 'mtu 1450'" || fail "br-int did not get mtu 1450"
addr "$nso" br-int 10.199.71.1/24
ip -n "$nso" link set br-int up
say "OVS: $(vsctl show | tr -s ' \n' ' ')"

vx_switch sw "$nsb" vxt$$b 10.199.71.2/24 "vxlan:///vni=42/remote=10.199.70.1"
ip -n "$nsb" link set vxt$$b mtu 1450
pings "$nsb" 10.199.70.1 || fail "no underlay to OVS's br-phy"
pingbi "$nsb" 10.199.71.2 "$nso" 10.199.71.1 "ours and OVS"
vx_atleast sw learned 1 || fail "our port learned no MAC behind OVS: $(vx_port sw)"
xfer "$nsb" "$nso" 10.199.71.1 "ours to OVS"
xfer "$nso" "$nsb" 10.199.71.2 "OVS to ours"
[ "$(vx_count sw malformed)" -eq 0 ] && [ "$(vx_count sw othervni)" -eq 0 ] ||
	fail "OVS's frames counted as dropped: $(vx_port sw)"
e=$(appctl coverage/show | sed -n 's/^datapath_drop_tunnel_pop_error.*total: \([0-9]*\)/\1/p')
say "OVS tunnel pop errors: ${e:-0}; ours: $(vx_port sw)"
# OVS's own ports go before the namespaces do
vsctl del-br br-int; vsctl del-br br-phy
exit 0
