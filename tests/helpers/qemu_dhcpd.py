"""qemu_dhcpd.py - a DHCP server on a hand-made endpoint of a switch, for
guests that network-boot (QEMU's iPXE firmware speaks DHCP on its NIC).

    python3 qemu_dhcpd.py DIR OUT [MAC=IP[/NEXT] ...]

Serves every MAC listed (any MAC when none is) from 10.199.5.1; NEXT,
when given, goes out as next-server with a boot file, so the guest's
iPXE then ARPs for NEXT and asks it for the file by TFTP: a unicast
between two guests.  It writes to OUT, one line each:
    frame SRC DST TYPE        every frame it receives
    DHCP TYPE from MAC
    REQUEST for the offered address from MAC
    MARKER                    a frame whose payload is b"MARKER" (a barrier)
It runs until killed: the test waits on lines of OUT."""
import struct
import sys

import vdewire as v

SERVER_MAC, SERVER_IP = v.mac(0x67), bytes([10, 199, 5, 1])


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF


def ip4(text):
    return bytes(int(x) for x in text.split("."))


def dhcp_reply(req, msgtype, yiaddr, nextip):
    xid, flags, chaddr = req[4:8], req[10:12], req[28:44]
    siaddr = nextip or SERVER_IP
    fname = (b"boot.ipxe" if nextip else b"").ljust(128, b"\0")
    opts = (bytes([53, 1, msgtype, 54, 4]) + SERVER_IP + bytes([1, 4, 255, 255, 255, 0]) +
            bytes([51, 4, 0, 0, 14, 16]))
    if nextip:
        opts += bytes([67, 9]) + b"boot.ipxe"
    bootp = (bytes([2, 1, 6, 0]) + xid + b"\0\0" + flags + b"\0" * 4 + yiaddr +
             siaddr + b"\0" * 4 + chaddr + b"\0" * 64 + fname + bytes([99, 130, 83, 99]) +
             opts + b"\xff")
    udp = struct.pack("!HHHH", 67, 68, 8 + len(bootp), 0) + bootp
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     SERVER_IP, b"\xff" * 4)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return chaddr[:6] + SERVER_MAC + b"\x08\x00" + ip + udp


def dhcp_in(f):
    """(message type, BOOTP payload, options) of a DHCP request, or None."""
    if len(f) < 42 or f[12:14] != b"\x08\x00" or f[23] != 17:
        return None
    ihl = (f[14] & 15) * 4
    udp = f[14 + ihl:]
    if len(udp) < 8 + 240 or struct.unpack("!H", udp[2:4])[0] != 67:
        return None
    bootp = udp[8:]
    opts, i = {}, 240
    while i + 1 < len(bootp) and bootp[i] != 255:
        if bootp[i] == 0:
            i += 1
            continue
        opts[bootp[i]] = bootp[i + 2:i + 2 + bootp[i + 1]]
        i += 2 + bootp[i + 1]
    return opts.get(53, b"\0")[0], bootp, opts


def main():
    sw, out = sys.argv[1], sys.argv[2]
    leases = {}
    for arg in sys.argv[3:]:
        m, addr = arg.split("=")
        ip, _, nxt = addr.partition("/")
        leases[bytes.fromhex(m.replace(":", ""))] = (ip4(ip), ip4(nxt) if nxt else None)
    ep = v.Endpoint(sw, descr=b"qemu_dhcpd")
    log = open(out, "w")
    offered = set()
    while True:
        f = ep.recv(timeout=3600)
        if f is None:
            continue
        src = f[6:12]
        print("frame %s %s %s" % (src.hex(":"), f[0:6].hex(":"), f[12:14].hex()), file=log, flush=True)
        if v.payload(f) == b"MARKER":
            print("MARKER", file=log, flush=True)
            continue
        d = dhcp_in(f)
        if not d:
            continue
        mtype, bootp, opts = d
        chaddr = bootp[28:34]
        print("DHCP type %d from %s" % (mtype, chaddr.hex(":")), file=log, flush=True)
        if leases and chaddr not in leases:
            continue
        yiaddr, nxt = leases.get(chaddr, (bytes([10, 199, 5, 2]), None))
        if mtype == 1:  # DISCOVER -> OFFER
            ep.send(dhcp_reply(bootp, 2, yiaddr, nxt))
            offered.add(chaddr)
        elif mtype == 3 and chaddr in offered:  # REQUEST: it heard our OFFER
            if opts.get(50) not in (None, yiaddr):
                print("REQUEST for another address %r from %s" % (opts.get(50), chaddr.hex(":")),
                      file=log, flush=True)
                continue
            ep.send(dhcp_reply(bootp, 5, yiaddr, nxt))  # ACK
            print("REQUEST for the offered address from %s" % chaddr.hex(":"), file=log, flush=True)


if __name__ == "__main__":
    main()
