# tests/helpers/qemu.sh - shared by the t_qemu_*.sh tests: QEMU guests
# with no disk network-boot, so their iPXE firmware speaks DHCP on the
# NIC; a DHCP server on a hand-made endpoint of the switch answers
# (helpers/qemu_dhcpd.py).  Source after lib.sh.
need python3
QEMU=$(command -v qemu-system-x86_64) || skip "qemu-system-x86 not installed"
QROM=$(ls /usr/share/qemu/pxe-virtio.rom /usr/lib/ipxe/qemu/pxe-virtio.rom /usr/lib/ipxe/qemu/efi-virtio.rom 2>/dev/null | head -n 1)
[ -n "$QROM" ] || skip "no iPXE firmware for virtio-net (apt-get install ipxe-qemu)"
export PYTHONPATH=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QDHCPD=$PYTHONPATH/helpers/qemu_dhcpd.py
QWAIT=120 # the firmware boots under emulation (TCG): be generous

# qemu_has NETDEV: this QEMU knows -netdev NETDEV (stream/dgram: >= 7.2)
qemu_has() { "$QEMU" -netdev help 2>/dev/null | grep -qx "$1"; }

# dhcpd NAME DIR [MAC=IP[/NEXT] ...]: a DHCP server on switch DIR,
# writing $T/NAME.out; waits until it has joined
dhcpd() {
	local name=$1 dir=$2
	shift 2
	bg "$name" python3 "$QDHCPD" "$dir" "$T/$name.out" "$@"
	wait_for test -e "$T/$name.out" || fail "DHCP server $name did not start: $(cat "$T/$name.log")"
}

# guest NAME MAC NETDEV [QEMU ARGS...]: boot a guest network-first on
# -netdev NETDEV,id=n0 with NIC address MAC
guest() {
	local name=$1 mac=$2 netdev=$3
	shift 3
	bg "$name" "$QEMU" -m 64 -nodefaults -nographic -display none -serial none -monitor none \
		-netdev "$netdev,id=n0" -device "virtio-net-pci,netdev=n0,mac=$mac" -boot n "$@"
}

# guest_stop NAME: end a guest (and make sure it did not die by itself)
guest_stop() {
	local pid
	eval "pid=\$PID_$1"
	kill -0 "$pid" 2>/dev/null || fail "guest $1 exited early: $(cat "$T/$1.log")"
	kill "$pid"
	wait "$pid" 2>/dev/null
}

# leased NAME MAC: the server NAME saw MAC's DHCPREQUEST for the address
# it offered (so the guest got the OFFER: frames went both ways)
leased() { grep -q "REQUEST for the offered address from $2" "$T/$1.out"; }

# dhcp_both_ways DHCPD NAME MAC: wait for MAC's DHCP exchange, then
# check the DISCOVER came from that guest
dhcp_both_ways() {
	wait_for -t $QWAIT leased "$1" "$3" ||
		fail "$2: no DHCPREQUEST from $3: $(grep DHCP "$T/$1.out" | sort | uniq -c) $(cat "$T/$2.log")"
	grep -q "DHCP type 1 from $3" "$T/$1.out" || fail "$2: no DISCOVER from $3"
}

# marker DIR: a broadcast frame with payload MARKER from a fresh
# endpoint: once a server logs it, it has seen everything forwarded
# before it (the switch forwards in order)
marker() {
	python3 -c 'import sys, vdewire as v
e = v.Endpoint(sys.argv[1]); e.send(v.frame(v.BCAST, v.mac(0x99), b"MARKER")); e.close()' "$1" ||
		fail "marker endpoint on $1"
}
