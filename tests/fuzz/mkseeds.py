#!/usr/bin/env python3
"""mkseeds.py - write the synthetic seed inputs in tests/fuzz/seeds/.

The two vdeplug4-*.bin requests were captured from Debian's vde_plug
(vdeplug4 4.0.1) connecting to a socat listener; everything else is
built here from spec sections 1.2 and 4, and from the record layouts
described at the top of each fuzz_*.c.  Run it from anywhere; it
rewrites only the files it names."""
import os
import struct

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")
MAGIC = struct.pack("<I", 0xFEEDFACE)


def put(target, name, data):
    d = os.path.join(HERE, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def sun(path):
    b = path.encode()
    return struct.pack("<H", 1) + b + bytes(108 - len(b))


# ---- control requests (spec 1.2) ----
def request_seeds():
    v3 = MAGIC + struct.pack("<II", 3, 0) + sun("/tmp/sw/.01234-00000")
    # UML daemon transport / VDE1: the unpacked struct, 124 bytes with two
    # bytes of tail padding (garbage here, as it may be).
    put("request", "uml-v3-124.bin", v3 + b"\x7f\xe3")
    # PORT0 request with an abstract address and a description with a NUL.
    put("request", "v3-port0-abstract.bin",
        MAGIC + struct.pack("<II", 3, 1) + struct.pack("<H", 1) + b"\0uml\0" +
        bytes(103) + b"QEMU\0tail")
    # v1 (uml_switch era): type at offset 4, 6-byte MAC, then the address.
    put("request", "v1.bin", MAGIC + struct.pack("<I", 0) + bytes.fromhex("fe fd 00 00 00 01") +
        sun("/tmp/uml.ctl-data") + b"vde_plug: user=1000")
    put("request", "v0.bin", struct.pack("<I", 0) + bytes(6) + sun("/tmp/uml.data"))
    put("request", "v2.bin", MAGIC + struct.pack("<II", 2, 0) + sun("/tmp/x"))
    put("request", "short-header.bin", v3[:60])


# ---- stream framing (spec 4): [max sel][n][n chunk sizes][stream] ----
def frame_bytes(n, seed):
    return bytes((seed + 7 * i) & 0xFF for i in range(n))


def stream(*frames):
    return b"".join(struct.pack(">H", len(f)) + f for f in frames)


def stream_seeds():
    two = stream(frame_bytes(60, 1), frame_bytes(1514, 2), frame_bytes(14, 3))
    put("stream", "one-chunk.bin", bytes([0, 0]) + two)
    # Cut after one header byte, then in small pieces: the split-header case
    # vde2 and vdeplug4 get wrong.
    put("stream", "split-header.bin", bytes([0, 3, 1, 63, 200]) + two)
    # vde2's 1521 limit with a vdeplug4-size frame: a length error, then
    # a resync at the next chunk.
    put("stream", "oversize-vde2.bin", bytes([1, 2, 100, 250]) +
        stream(frame_bytes(100, 4), frame_bytes(9234, 5), frame_bytes(60, 6)))
    put("stream", "empty-frames.bin", bytes([0, 1, 5]) + b"\0\0\0\0" + stream(frame_bytes(20, 7)) + b"\0")
    put("stream", "max9236.bin", bytes([0, 1, 245]) + stream(frame_bytes(9236, 8), frame_bytes(9237, 9)))
    stream_negotiation_seeds()


# The in-band negotiation (stream.h): byte 1 bit 6 is "we offered", bit 5
# swaps which run steps and which feeds.
OFFER = b"\0\0" * 3
PROBE = b"\xff\xff"
SWITCH = b"\xff\xfe"
VNET_MAX = 10 + 65550  # STREAM_VNET_MAX


def vrec(n, seed):  # a record after SWITCH: a 4-byte length
    return struct.pack(">I", n) + frame_bytes(n, seed)


def stream_negotiation_seeds():
    # two and two empty records (the first cut in its middle): no OFFER;
    # then three: an OFFER
    put("stream", "offer.bin", bytes([0, 2, 3, 250]) + b"\0\0" * 2 + stream(frame_bytes(14, 11)) +
        b"\0\0" * 2 + stream(frame_bytes(14, 12)) + OFFER + stream(frame_bytes(60, 10)))
    # four in a row, the fourth in the next read: one OFFER
    put("stream", "offer-four.bin", bytes([0, 1, 6]) + OFFER + b"\0\0" + stream(frame_bytes(20, 29)))
    # we offered: OFFER, PROBE, the peer's CONFIRM (a 4-byte record)
    put("stream", "probe.bin", bytes([0, 0x40 | 2, 5, 1]) + OFFER + PROBE +
        stream(frame_bytes(60, 13), b"vdex") + PROBE + stream(frame_bytes(1514, 14)))
    # the same lengths without our offer: bad lengths, as in vde2
    put("stream", "probe-not-offered.bin", bytes([0, 2, 9, 100]) + OFFER + PROBE +
        stream(frame_bytes(60, 13)) + SWITCH + stream(frame_bytes(100, 15)))
    # SWITCH, then vnet records: three empty ones (no OFFER there), the
    # largest (65560 bytes, across chunks of 16 and 13 KiB, an empty read
    # and small ones), a 1-byte one
    vnet = (vrec(70, 16) + b"\0\0\0\0" * 3 + vrec(VNET_MAX, 17) + vrec(1, 18) +
            vrec(1514, 19) + vrec(3, 20))
    head = OFFER + PROBE + stream(frame_bytes(60, 21), b"vdex") + SWITCH
    put("stream", "switch-cut.bin", bytes([0, 0x60 | 6, 1, 7, 255, 252, 0, 3]) + head + vnet)
    put("stream", "switch-whole.bin", bytes([0, 0x40]) + head + vnet)
    put("stream", "switch-whole-feed.bin", bytes([1, 0x60]) + PROBE + SWITCH + vrec(1600, 22) + vrec(60, 23))
    # a SWITCH with no PROBE before it: a bad length, as without an offer
    put("stream", "switch-unprobed.bin", bytes([0, 0x40 | 1, 5]) + OFFER + SWITCH + vrec(60, 30) +
        stream(frame_bytes(60, 31)))
    # a vnet length above STREAM_VNET_MAX (QEMU would skip it; we may not)
    put("stream", "vnet-bad.bin", bytes([0, 0x40 | 2, 11, 200]) + PROBE + SWITCH + vrec(60, 24) +
        struct.pack(">I", VNET_MAX + 1) + frame_bytes(180, 25) + vrec(100, 26))
    # QEMU's framing: offered means nothing there
    put("stream", "qemu-offered.bin", bytes([0, 0xc0 | 1, 9]) + struct.pack(">I", 0) * 3 +
        struct.pack(">I", 60) + frame_bytes(60, 27) + struct.pack(">I", 0xfffe) + frame_bytes(300, 28))


# ---- switch frames: records as in fuzz_frame.c ----
VID = {0: 0, 1: 1, 2: 2, 3: 3, 10: 6, 100: 7, 4094: 10, 4095: 11}
OP = {"create": 0, "addport": 1, "delport": 2, "remove": 3, "setvlan": 4, "plug": 5, "hub": 6,
      "stp": 7, "edge": 8, "cost": 9, "prio": 10, "busy": 11}
BCAST, BPDU, MCAST, A, B, C, D, QEMU = range(8)


def cfg(op, vid=0, port=0):
    return bytes([OP[op], VID[vid], port])


def frm(ep, dst, src, length, vid=None, pcp=0, via_socket=False):
    flags = dst | src << 3 | (0x40 if vid is not None else 0) | (0x80 if via_socket else 0)
    vsel = (VID[vid] if vid is not None else 0) | pcp << 4
    ln = length if length < 256 else 0x8000 | length
    return bytes([0x40 + ep, flags, vsel]) + struct.pack(">H", ln)


def raw(ep, data, via_socket=False):
    return bytes([0x40 + ep, 0x80 if via_socket else 0, 0x80]) + struct.pack(">H", 0x8000 | len(data)) + data


def tick(tenths, age_all=False):
    return bytes([0x30, tenths << 1 | int(age_all)])


def bpdu(src_last, root_prio, cost, port, flags=0, age=0, kind="config"):
    llc = bytes.fromhex("424203")
    if kind == "tcn":
        body = bytes.fromhex("0000 00 80")
    elif kind == "rst":
        body = bytes.fromhex("0000 02 02 3c") + bytes(31)
    else:
        root = struct.pack(">H", root_prio) + bytes.fromhex("020000000099")
        body = (bytes.fromhex("0000 00 00") + bytes([flags]) + root + struct.pack(">I", cost) +
                struct.pack(">H", 0x8000) + bytes([2, 0, 0, 0, 0, src_last]) + struct.pack(">H", port) +
                struct.pack(">HHHH", age * 256, 20 * 256, 2 * 256, 15 * 256))
    return (bytes.fromhex("0180c2000000 0200000000") + bytes([src_last]) +
            struct.pack(">H", len(llc) + len(body)) + llc + body)


def frame_seeds():
    put("frame", "stp.bin", cfg("stp") + tick(5) + frm(1, BCAST, A, 60) +
        raw(2, bpdu(0x0a, 0x1000, 0, 0x8001)) + tick(30) + tick(30) + frm(1, BCAST, A, 60) +
        frm(2, A, B, 60) + cfg("edge", 1, 4) + frm(4, BCAST, D, 60) +
        raw(3, bpdu(0x0b, 0x1000, 0, 0x8002, kind="tcn"), via_socket=True) +
        raw(5, bpdu(0x0c, 0x0800, 4, 0x8003, flags=1)) + tick(127) +
        raw(6, bpdu(0x0d, 0, 0, 0, kind="rst")) + raw(1, bpdu(0x0e, 0x1000, 0, 0x8001, age=30)) +
        tick(100, True) + frm(3, BCAST, C, 60) + cfg("stp") + frm(1, BCAST, A, 60))

    put("frame", "learn.bin", frm(1, BCAST, A, 60) + frm(2, A, B, 98) + frm(1, B, A, 1514) +
        frm(6, A, C, 42) + frm(1, C, A, 60))
    put("frame", "vlans.bin", cfg("create", 10) + cfg("create", 100) + cfg("addport", 10, 1) +
        cfg("addport", 100, 1) + cfg("setvlan", 10, 2) + cfg("setvlan", 100, 3) +
        frm(1, BCAST, A, 60, vid=10) + frm(2, A, B, 64) + frm(3, BCAST, C, 1514) +
        frm(1, C, A, 100, vid=100, pcp=5) + frm(4, BCAST, D, 60, vid=10))
    put("frame", "runts-giants.bin", b"".join(frm(1, BCAST, A, n, via_socket=True)
                                              for n in (0, 5, 13, 14, 59, 60, 61, 9234, 9235, 9300)) +
        b"".join(frm(2, BCAST, B, n) for n in (13, 14, 9234, 9235)))
    put("frame", "hub.bin", cfg("hub") + frm(0, BCAST, A, 60) + frm(1, A, B, 60) + cfg("plug", 0, 3) +
        frm(2, A, C, 60) + cfg("hub") + frm(1, BCAST, A, 60))
    qinq = bytes.fromhex("ffffffffffff 020000000001 8100 000a 8100 0064 0800") + bytes(40)
    put("frame", "qinq-strip.bin", cfg("create", 10) + cfg("setvlan", 10, 2) + raw(1, qinq) +
        raw(3, qinq[:18], via_socket=True) + cfg("setvlan", 4095, 4) + frm(4, BCAST, D, 60) +
        bytes([0x30, 1]) + frm(2, A, B, 60))
    # Bursts: consecutive socket records of one endpoint are one receive
    # batch (sends deferred to its end); tags go in and come off in place
    # while earlier frames of the batch still wait; 40 frames are two
    # batches (SW_BATCH is 32).
    put("frame", "batch.bin", cfg("create", 10) + cfg("addport", 10, 1) + cfg("setvlan", 10, 2) +
        cfg("setvlan", 10, 3) +
        b"".join(frm(2, dst, B, n, via_socket=True)
                 for dst, n in ((BCAST, 60), (A, 100), (MCAST, 1514), (C, 61), (B, 60))) +
        frm(1, BCAST, A, 64, vid=10, via_socket=True) + frm(1, B, A, 200, vid=10, via_socket=True) +
        frm(1, BCAST, C, 60, vid=10, via_socket=True) + frm(2, A, B, 60, via_socket=True) +
        b"".join(frm(4, BCAST, D, 60 + i, via_socket=True) for i in range(40)))
    # A client that stops reading: its frames wait in its queue (64 KiB
    # in the harness) until it reads again, in order; past that they are
    # dropped and counted.  Endpoint 2 (port 2) and endpoint 6 (port 6,
    # sharing it with endpoint 7) are busy; 6 still is at the end.
    put("frame", "busy.bin", frm(2, BCAST, B, 60) + cfg("busy", 0, 2) + cfg("busy", 0, 6) +
        frm(1, B, A, 100) + b"".join(frm(1, BCAST, A, 9000) for _ in range(10)) +
        b"".join(frm(3, dst, C, 200, via_socket=True) for dst in (BCAST, B, A, MCAST)) +
        cfg("busy", 0, 2) + frm(1, B, A, 64) + cfg("busy", 0, 2) + frm(5, BCAST, D, 1514) +
        cfg("busy", 0, 2))


request_seeds()
stream_seeds()
frame_seeds()


# ---- management console: [chunk size][what is typed] ----
def mgmt_seeds():
    put("mgmt", "tour.txt", b"\0" + b"help\nshowinfo\nport/showinfo\nport/print\nport/allprint\n"
        b"vlan/create 10\nvlan/addport 10 1\nport/setvlan 3 10\nvlan/print\nvlan/allprint 10\n"
        b"hash/showinfo\nhash/print\nhash/find 02:00:00:00:00:01\nds/showinfo\n"
        b"port/create 5\nport/setuser 5 root\nport/setgroup 5 NONE\nport/allocatable 5 0\n"
        b"port/remove 5\nport/createauto\nport/resetcounter\nport/epclose 1 99\n"
        b"port/sethub 1\nport/setnumports 4\nvlan/remove 10\nhash/setsize 100\nport/sethub 0\n"
        b"fstp/setfstp 1\nfstp/showinfo\nfstp/print\nfstp/setedge 1 1\nfstp/setcost 3 100\n"
        b"fstp/settimers 1 6 4\nfstp/setpriority 0\nfstp/print 3\nfstp/setfstp 0\nlogout\n")
    put("mgmt", "split-crlf.txt", b"\x03" + b"port/print 1\r\n  vlan/create 4094  \r\n# comment\n\n"
        b"load rc\nload loop\nunknown/cmd x\nhelp port\nshutdown\n")
    put("mgmt", "overlong.txt", b"\x40" + b"help " + b"x" * 1100 + b"\nshowinfo\n" + b"y" * 2100 +
        b"\nport/print\x01\nport/print")


def mgmt_debug_seeds():
    # debug/ subscriptions and events caused by the session itself; the
    # plugin/ menu; fstp/bonus
    put("mgmt", "debug.txt", b"\x07" + b"debug/list\ndebug/add port\ndebug/add port\ndebug/add\n"
        b"debug/list port/\nport/create 6\nport/remove 6\nhash/setsize 100\nfstp/setfstp 1\n"
        b"fstp/setedge 1 1\nfstp/bonus 0 3 5000\nfstp/bonus 7 1 1\nfstp/bonus 0 99 1\n"
        b"fstp/print\nfstp/setfstp 0\ndebug/del port\ndebug/del port\ndebug/del nosuch\n"
        b"debug/add nosuch\ndebug/del\ndebug/list zzz\nload rc\n")
    put("mgmt", "plugin.txt", b"\0" + b"plugin/list\nplugin/list x\nplugin/add pdump\n"
        b"plugin/add /usr/lib/vde2/plugins/iplog.so\nplugin/add dump.so\nplugin/add\n"
        b"plugin/add some/other/lib.so\nplugin/del pdump\nhelp plugin\nhelp debug\n")


def mgmt_user_seeds():
    # byte 0 bit 7: the session is uid 65534, neither root nor the owner:
    # load with that user's rights (rc is readable, /etc/shadow is not)
    put("mgmt", "other-user.txt", b"\x85" + b"load rc\nload /etc/shadow\nload loop\nport/print\n"
        b"debug/add port\nport/epclose 3 7\nlogout\n")


mgmt_seeds()
mgmt_debug_seeds()
mgmt_user_seeds()


# ---- offload: [virtio-net header, host order][frame] ----
def vnet(flags, gso_type, hdr_len, gso_size, csum_start, csum_offset):
    return struct.pack("<BBHHHH", flags, gso_type, hdr_len, gso_size, csum_start, csum_offset)


def offload_seeds():
    eth = bytes.fromhex("020000000002 020000000001")
    payload = bytes((i * 13) & 0xFF for i in range(4000))
    tcp = struct.pack(">HHIIBBHHH", 40000, 5201, 1000, 2000, 0x50, 0x18 | 0x01 | 0x80, 512, 0, 0)
    ip4 = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + 20 + len(payload), 7, 0x4000, 64, 6, 0,
                      bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    put("offload", "tso4.bin", vnet(1, 1, 54, 1448, 34, 16) + eth + b"\x08\x00" + ip4 + tcp + payload)
    ip6 = struct.pack(">IHBB16s16s", 0x60000000, 20 + 1000, 6, 64, bytes(15) + b"\x01", bytes(15) + b"\x02")
    tcpo = struct.pack(">HHIIBBHHH", 1, 2, 3, 4, 0x60, 0x10, 5, 0, 0) + bytes.fromhex("020405b4")
    put("offload", "tso6-tagged.bin", vnet(1, 4, 82, 500, 62, 16) + eth + bytes.fromhex("8100 0064 86dd") +
        ip6 + tcpo + payload[:1000])
    put("offload", "csum-only.bin", vnet(1, 0, 0, 0, 34, 16) + eth + b"\x08\x00" + ip4[:2] +
        struct.pack(">H", 20 + 20 + 100) + ip4[4:] + tcp + payload[:100])


offload_seeds()


# ---- vnet: records [len16 big-endian][virtio-net header][frame], datagrams
# from a cable of ours (fuzz_vnet.c) ----
def vnet_seeds():
    def rec(b):
        return struct.pack(">H", len(b)) + b
    eth = bytes.fromhex("020000000002 020000000001")
    payload = bytes((i * 7) & 0xFF for i in range(10000))
    tcp = struct.pack(">HHIIBBHHH", 40000, 5201, 1000, 2000, 0x50, 0x18, 512, 0, 0)
    ip4 = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + 20 + len(payload), 7, 0x4000, 64, 6, 0,
                      bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    tso = eth + b"\x08\x00" + ip4 + tcp + payload
    put("vnet", "tso4.bin", rec(vnet(1, 1, 54, 1448, 34, 16) + tso))
    put("vnet", "plain-and-csum.bin", rec(vnet(0, 0, 0, 0, 0, 0) + tso[:200]) +
        rec(vnet(1, 0, 0, 0, 34, 16) + tso[:300]))
    put("vnet", "bad.bin", rec(b"\x00" * 5) + rec(vnet(0, 3, 0, 0, 0, 0) + tso[:100]) +
        rec(vnet(1, 1, 54, 1, 34, 16) + tso[:2000]) + rec(vnet(1, 0, 0, 0, 5000, 16) + tso[:100]) + rec(b""))


vnet_seeds()


# ---- gro: [flow: bit 0 IPv6, bits 1-3 TCP options / 4][MSS code][seq code][records]
def gro_seeds():
    full, psh, short = 0x00, 0x01, 0x80  # record kinds as in fuzz_gro.c (0x60: a changed field)
    put("gro", "v4-run-psh.bin", bytes([0x00, 240, 0x10]) + bytes([full] * 20 + [psh, full, full, short | 7]))
    put("gro", "v6-options-gap.bin", bytes([0x01 | 3 << 1, 200, 0xf0]) +
        bytes([full] * 6 + [0xe0, 5] + [full] * 4 + [0xc0, 20]) + bytes(range(20)) + bytes([full] * 3))
    put("gro", "v4-mutations.bin", bytes([0x02, 100, 0]) +
        # one byte changed where merging must notice: a MAC, a port, the ack
        bytes([full, full, 0xa0, 3, 1, full, 0xa0, 18, 0x02, full, 0xa0, 21, 0x01, full, full,
               0x60, 12, 0x04, full, 0x60, 24, 0x08, full]))  # TTL, window changed: valid, not merged


gro_seeds()


# ---- logesc: [output buffer size][text]
def logesc_seeds():
    put("logesc", "forged", b"\xff/tmp/sock\nvde_switch: FORGED\r\x1b[2J\\x0a\xc2\x9b")
    put("logesc", "short", b"\x06\n\n\n")


logesc_seeds()


# ---- wirefilter: records [op % 4]: 0 line [len][text], 1 value [key][len][text],
# 2 frame [dir][len-14][step x 997 us], 3 clock [u16 x 61 us] and drain
def wirefilter_seeds():
    def line(t):
        return bytes([0, len(t)]) + t

    def value(key, t):
        return bytes([1, key, len(t)]) + t

    def frame(d, n, step=1):
        return bytes([2, d, n, step])

    def clock(units):
        return bytes([3]) + struct.pack(">H", units)

    put("wirefilter", "console.bin", b"".join(line(t) for t in [
        b"help", b"showinfo", b"loss LR50", b"delay 100+20N", b"bandwidth RL1M", b"fifo 0",
        b"markov-numnodes 3", b"setedge 0,1,30", b"markov-name 1,bad", b"delay 500[1]",
        b"showedges", b"showcurrent", b"showinfo 1", b"bogus", b"# note", b"markov-debug 1",
        b"logout"]))
    put("wirefilter", "frames.bin", value(2, b"10+5N") + value(4, b"100K") + value(0, b"RL30") +
        value(1, b"3") + value(3, b"20") + value(7, b"1000") + value(8, b"100") +
        b"".join(frame(i & 1, 40 + i, 3) for i in range(30)) + clock(5000) +
        line(b"speed LR64K") + b"".join(frame(0, 200) for _ in range(10)) + clock(60000))
    put("wirefilter", "markov.bin", line(b"markov-numnodes 2") + line(b"setedge 0,1,100") +
        line(b"setedge 1,0,100") + line(b"markov-time 1") + line(b"loss 100[1]") +
        b"".join(frame(0, 20, 2) + clock(40) for _ in range(20)))
    put("wirefilter", "kv.bin", value(0x80, b"loss=LR50") + value(0x80, b"fifo=0") +
        value(0x80, b"chanbufsize=2K") + value(0x80, b"delay=RL100+20N") +
        b"".join(frame(i & 1, 100, 1) for i in range(40)) + clock(65535))


wirefilter_seeds()


# ---- vxlan: records as described at the top of fuzz_vxlan.c ----
def vxlan_seeds():
    def hdr(vni, flags=0x08):
        return bytes([flags, 0, 0, 0]) + struct.pack(">I", vni << 8)

    def eth(dst, src, n=46):
        return dst + src + b"\x08\x00" + frame_bytes(n, src[5])

    def v4(a, port=4789):
        return bytes([0]) + bytes(a) + struct.pack(">H", port)

    def v6(last, port=4789):
        return bytes([1]) + bytes.fromhex("fd00019900600000") + bytes(7) + bytes([last]) + struct.pack(">H", port)

    def dgram(src, data):
        return bytes([0]) + src + struct.pack(">H", len(data)) + data

    def lookup_model(i):
        return bytes([1, i & 0x7F])

    def clock(ms, mul=0):
        return bytes([2 | mul << 3]) + struct.pack(">H", ms)

    def forget_model(i):
        return bytes([4, i & 0x7F])

    def listing(bufsize=99):
        return bytes([5, bufsize])

    bc = b"\xff" * 6
    mac = [bytes([2, 0, 0, 0, 0, i]) for i in range(40)]
    # byte 0: vni 42 (index 2), 16 entries, expiry 5 s (index 4)
    cfg = bytes([2 | 1 << 3 | 4 << 5])
    put("vxlan", "learn-v4-v6.bin", cfg +
        dgram(v4([10, 199, 60, 1]), hdr(42) + eth(bc, mac[1])) +
        dgram(v6(2), hdr(42) + eth(mac[1], mac[2], 1400)) + lookup_model(0) + lookup_model(1) +
        bytes([3, 0]) + v6(9) + lookup_model(0) + clock(4000) + lookup_model(1) +
        clock(2000) + lookup_model(0))
    put("vxlan", "bad-headers.bin", cfg +
        dgram(v4([10, 0, 0, 1]), b"") + dgram(v4([10, 0, 0, 1]), hdr(42)[:5]) +
        dgram(v4([10, 0, 0, 1]), hdr(42) + eth(bc, mac[3])[:13]) +
        dgram(v4([10, 0, 0, 2]), hdr(42, 0x00) + eth(bc, mac[4])) +
        dgram(v4([10, 0, 0, 3]), hdr(42, 0x0c) + eth(bc, mac[5])) +
        dgram(v4([10, 0, 0, 4]), hdr(42, 0x88) + eth(bc, mac[6])) +
        dgram(v4([10, 0, 0, 5]), hdr(43) + eth(bc, mac[7])) +
        dgram(v4([10, 0, 0, 6]), hdr(42) + eth(bc, bc)) +
        dgram(v4([10, 0, 0, 7]), hdr(42) + eth(bc, mac[8], 9000)))
    # more MACs from more VTEPs than the table holds: evictions
    put("vxlan", "flood-vteps.bin", cfg + b"".join(
        dgram(v4([10, 1, i // 256, i % 256]), hdr(42) + eth(bc, mac[i], 0)) for i in range(40)) +
        b"".join(lookup_model(i) for i in range(40)) + listing() + listing(7) + clock(60000, 3) +
        lookup_model(3) + listing())
    # a VTEP with several MACs goes: all of them are forgotten
    put("vxlan", "forget.bin", cfg + b"".join(
        dgram(v4([10, 2, 0, i % 3]), hdr(42) + eth(bc, mac[i], 0)) for i in range(9)) +
        listing() + forget_model(0) + b"".join(lookup_model(i) for i in range(9)) + listing(30) +
        bytes([4, 0x80]) + v6(7) + listing())


vxlan_seeds()
