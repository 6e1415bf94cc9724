#!/bin/bash
# t_qemu.sh - a real QEMU guest on our switch through QEMU's own VDE
# backend (-netdev vde, i.e. Debian's libvdeplug).  No kernel or disk is
# needed: the guest network-boots, so its iPXE firmware speaks DHCP on
# the VDE port.  A DHCP server built here (on a hand-made endpoint of the
# same switch) answers; the guest's DHCPREQUEST for the offered address
# proves frames travel both ways.
. "$(dirname "$0")/lib.sh"
need python3
QEMU=$(command -v qemu-system-x86_64) || skip "qemu-system-x86 not installed"
rom=$(ls /usr/share/qemu/pxe-virtio.rom /usr/lib/ipxe/qemu/pxe-virtio.rom /usr/lib/ipxe/qemu/efi-virtio.rom 2>/dev/null | head -n 1)
[ -n "$rom" ] || skip "no iPXE firmware for virtio-net (apt-get install ipxe-qemu)"
export PYTHONPATH=$(cd "$(dirname "$0")" && pwd)

d=$T/sw
start_switch sw "$d"

cat > "$T/dhcpd.py" <<'EOF'
import socket, struct, sys, vdewire as v
sw, want_port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
v.WAIT = 120.0  # the guest firmware boots under emulation
SERVER_MAC, SERVER_IP = v.mac(0x67), bytes([10, 199, 5, 1])
OFFER_IP = bytes([10, 199, 5, 2])
ep = v.Endpoint(sw)

def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF

def dhcp_reply(req, msgtype):
    xid, flags, chaddr = req[4:8], req[10:12], req[28:44]
    bootp = (bytes([2, 1, 6, 0]) + xid + b"\0\0" + flags + b"\0" * 4 + OFFER_IP +
             SERVER_IP + b"\0" * 4 + chaddr + b"\0" * 192 + bytes([99, 130, 83, 99]) +
             bytes([53, 1, msgtype, 54, 4]) + SERVER_IP + bytes([1, 4, 255, 255, 255, 0]) +
             bytes([51, 4, 0, 0, 14, 16, 255]))
    udp = struct.pack("!HHHH", 67, 68, 8 + len(bootp), 0) + bootp
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     SERVER_IP, b"\xff" * 4)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return chaddr[:6] + SERVER_MAC + b"\x08\x00" + ip + udp

def dhcp_in(f):
    """(message type, BOOTP payload, options) of a DHCP frame, or None."""
    if f[12:14] != b"\x08\x00" or f[23] != 17:
        return None
    ihl = (f[14] & 15) * 4
    udp = f[14 + ihl:]
    if struct.unpack("!H", udp[2:4])[0] != 67:
        return None
    bootp = udp[8:]
    opts, i = {}, 240
    while i < len(bootp) and bootp[i] != 255:
        if bootp[i] == 0:
            i += 1
            continue
        opts[bootp[i]] = bootp[i + 2:i + 2 + bootp[i + 1]]
        i += 2 + bootp[i + 1]
    return opts.get(53, b"\0")[0], bootp, opts

log = open(out, "w")
offered = False
while True:
    f = ep.recv()
    if f is None:
        v.die("no DHCP %s from the guest within %g s" % ("REQUEST" if offered else "DISCOVER", v.WAIT))
    d = dhcp_in(f)
    if not d:
        continue
    mtype, bootp, opts = d
    print("DHCP type %d from %s" % (mtype, f[6:12].hex(":")), file=log, flush=True)
    if mtype == 1:  # DISCOVER -> OFFER
        ep.send(dhcp_reply(bootp, 2))
        offered = True
    elif mtype == 3 and offered:  # REQUEST: the guest heard our OFFER
        if opts.get(50) not in (None, OFFER_IP):
            v.die("guest requested %r, not the offered address" % opts.get(50))
        ep.send(dhcp_reply(bootp, 5))  # ACK
        print("REQUEST for the offered address", file=log, flush=True)
        break
EOF

# guest NAME PORT-OPTION: boot QEMU network-first and serve it DHCP
guest() {
	local name=$1 netdev=$2 pid
	bg "dhcp$name" python3 "$T/dhcpd.py" "$d" 0 "$T/dhcp$name.out"
	wait_for sh -c "ls '$d' | grep -q '^[0-9]'" || fail "DHCP server did not attach"
	bg "$name" "$QEMU" -m 64 -nodefaults -nographic -display none -serial none -monitor none \
		-netdev "vde,id=n0,$netdev" -device virtio-net-pci,netdev=n0,mac=52:54:00:c4:00:0$3 -boot n
	eval "pid=\$PID_dhcp$name"
	wait "$pid" || fail "$name: $(cat "$T/dhcp$name.log" "$T/dhcp$name.out")"
	grep -q "from 52:54:00:c4:00:0$3" "$T/dhcp$name.out" || fail "$name: DHCP came from another MAC"
	eval "pid=\$PID_$name"
	kill "$pid"; wait "$pid" 2>/dev/null
}

say "QEMU -netdev vde,sock=DIR: DHCP both ways through the switch"
guest q1 "sock=$d" 1
grep -q "joined (QEMU" "$T/sw.log" || fail "the switch did not log QEMU's description"

say "QEMU -netdev vde,sock=DIR,port=9 lands on port 9"
guest q2 "sock=$d,port=9" 2
grep -q "port 9: endpoint .* joined (QEMU" "$T/sw.log" || fail "QEMU's port=9 was not honoured: $(grep QEMU "$T/sw.log")"
exit 0
