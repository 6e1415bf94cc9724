"""qemu_bad.py - hostile QEMU-side clients for t_qemu_badinput.sh.

    python3 qemu_bad.py STEP SWITCHDIR VDECMD MGMT [ARGS...]

Each step talks to --qemu-stream / --qemu-dgram listeners the way a
broken or malicious QEMU would, and checks what a well-behaved port on
the switch (a hand-made endpoint, the observer) sees meanwhile.  A step
exits 0 when the switch behaved, else prints FAIL and exits 1.  Every
wait is bounded (vdewire.WAIT); none is a fixed sleep."""
import os
import select
import socket
import struct
import subprocess
import sys
import time

import vdewire as v

STEP, SW, VDECMD, MGMT = sys.argv[1:5]
ARGS = sys.argv[5:]


def addr_of(text):
    """A listener as the test names it: a path, or HOST:PORT."""
    if text.startswith("/"):
        return socket.AF_UNIX, text
    host, port = text.rsplit(":", 1)
    return socket.AF_INET, (host, int(port))


def connect(text):
    fam, a = addr_of(text)
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.connect(a)
    if fam == socket.AF_INET:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def qframe(payload, src=5, dst=v.BCAST):
    f = v.frame(dst, v.mac(src), payload)
    return struct.pack("!I", len(f)) + f


def ports():
    return subprocess.run([VDECMD, "-s", MGMT, "port/print"], capture_output=True,
                          text=True, check=True).stdout


def port_blocks():
    """{descr: (drops, text)} for every endpoint in port/print."""
    out, blocks, cur = {}, [], []
    for line in ports().splitlines():
        if line.startswith("Port ") and cur:
            blocks.append(cur)
            cur = []
        cur.append(line)
    if cur:
        blocks.append(cur)
    for b in blocks:
        drops = 0
        for line in b:
            if line.strip().startswith("DROP:"):
                drops = int(line.split()[2])
            if "-- endpoint" in line:
                out[line.split(": ", 1)[1]] = (drops, "\n".join(b))
    return out


def drops_of(part):
    for descr, (drops, _) in port_blocks().items():
        if part in descr:
            return drops
    v.die("no port whose endpoint mentions %r:\n%s" % (part, ports()))


def expect(obs, want, what):
    """obs receives a frame with payload want (others, e.g. earlier
    floods, are skipped)."""
    v.recv_until(obs, want, what)


def wait_until(cond, what):
    end = time.monotonic() + v.WAIT
    while not cond():
        if time.monotonic() > end:
            v.die("timed out: %s" % what)
        select.select([], [], [], 0.02)


def eof(s):
    """True when the switch closes s within WAIT (data before is read)."""
    s.settimeout(v.WAIT)
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return True
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True


def split_send(s, data, unix):
    """data one byte at a time, each read by the switch alone where
    the kernel can tell (unix: nothing left unread)."""
    for i in range(len(data)):
        s.sendall(data[i:i + 1])
        if unix:
            v.wait_consumed(s)


def step_lengths():
    """Length 0, a split header, an oversized-but-framed 20000 and a
    hopeless 70000 on each stream listener."""
    obs = v.Endpoint(SW, descr=b"observer")
    late = []
    for text in ARGS:
        unix = text.startswith("/")
        s = connect(text)
        tag = text.encode()
        s.sendall(struct.pack("!I", 0) + qframe(b"after-zero " + tag))
        expect(obs, b"after-zero " + tag, "%s: the frame after a zero length" % text)
        split_send(s, qframe(b"split " + tag)[:6], unix)
        s.sendall(qframe(b"split " + tag)[6:])
        expect(obs, b"split " + tag, "%s: a frame whose header came byte by byte" % text)
        me = "qemu stream %s" % (("unix " + text) if unix else "tcp " + text)
        before = drops_of(me)
        s.sendall(struct.pack("!I", 20000) + b"\xa5" * 20000 + qframe(b"after-20000 " + tag))
        expect(obs, b"after-20000 " + tag, "%s: the frame after a skipped 20000-byte one" % text)
        after = drops_of(me)
        if after <= before:  # reported once the rest is checked
            late.append("%s: a skipped 20000-byte frame is not counted in port/print DROP (%d -> %d)"
                        % (text, before, after))
        s.sendall(struct.pack("!I", 70000) + b"\x5a" * 64)
        if not eof(s):
            v.die("%s: a 70000-byte length did not close the connection" % text)
        s.close()
        # the others are unaffected: a new connection still carries frames
        s = connect(text)
        s.sendall(qframe(b"still " + tag))
        expect(obs, b"still " + tag, "%s: a new connection after the bad one" % text)
        s.close()
    if late:
        v.die("; ".join(late))
    print("lengths ok")


def step_dgram_garbage():
    path = ARGS[0]
    obs = v.Endpoint(SW, descr=b"observer")
    d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    me = ARGS[1]
    d.bind(me)
    d.sendto(v.frame(v.BCAST, v.mac(6), b"hello"), path)
    expect(obs, b"hello", "the first datagram")
    before = drops_of("from " + me)
    for junk in (b"", b"\x01", b"\x7e" * 13, b"\x33" * 70000):
        d.sendto(junk, path)
    d.sendto(v.frame(v.BCAST, v.mac(6), b"after-junk"), path)
    expect(obs, b"after-junk", "the datagram after junk")
    # an unnamed sender cannot be answered: ignored, no port; the named
    # sender's next frame is the barrier (one socket, read in order)
    ndgram = lambda: sum(": qemu dgram " in l for l in ports().splitlines())
    n0 = ndgram()
    u = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    u.sendto(v.frame(v.BCAST, v.mac(11), b"unnamed"), path)
    d.sendto(v.frame(v.BCAST, v.mac(6), b"after-unnamed"), path)
    seen = v.recv_until(obs, b"after-unnamed", "the datagram after an unnamed one")
    if any(v.payload(f) == b"unnamed" for f in seen):
        v.die("a frame from an unnamed sender was forwarded")
    if ndgram() != n0:
        v.die("a port for an unnamed sender:\n" + ports())
    after = drops_of("from " + me)
    if after - before < 4:
        v.die("4 junk datagrams (empty, 1, 13, 70000 bytes) counted as %d drops" % (after - before))
    print("dgram garbage ok")


def rss(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    v.die("no VmRSS for %d" % pid)


def step_noreader():
    """Clients that never read while the switch floods them: the
    observer keeps getting frames, the switch's memory stays bounded."""
    pid = int(ARGS[0])
    lazies = []
    for text in ARGS[1:]:
        if text.startswith("dgram:"):
            d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            d.bind(text[6:] + ".lazy")
            d.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            d.sendto(v.frame(v.BCAST, v.mac(7), b"lazy"), text[6:])
            lazies.append(d)
        else:
            s = connect(text)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.sendall(qframe(b"lazy"))
            lazies.append(s)
    obs = v.Endpoint(SW, descr=b"observer")
    flood = v.Endpoint(SW, descr=b"flooder")
    wait_until(lambda: sum(": qemu " in line for line in ports().splitlines()) >= len(lazies),
               "the lazy clients joined")
    big = b"F" * 1400

    def burst(n, tag):
        # a sync frame every 8 keeps the observer's queue short (unix
        # datagram queues hold net.unix.max_dgram_qlen, often 10) and
        # proves it is served all along
        for i in range(n):
            flood.send(v.frame(v.BCAST, v.mac(8), big))
            if i % 8 == 7:
                flood.send(v.frame(v.BCAST, v.mac(8), b"sync %d" % i))
                expect(obs, b"sync %d" % i, "the observer after %d flooded frames" % i)
        flood.send(v.frame(v.BCAST, v.mac(8), tag))
        expect(obs, tag, "the observer after %d flooded frames" % n)

    burst(10000, b"warm")  # queues fill up to their bound here
    r1 = rss(pid)
    burst(40000, b"done")  # 56 MB more: an unbounded queue would hold it
    r2 = rss(pid)
    print("rss %d kB -> %d kB" % (r1, r2))
    if r2 - r1 > 16 * 1024:
        v.die("the switch grew by %d kB while clients did not read (%d -> %d kB)" % (r2 - r1, r1, r2))
    print("noreader ok")


def step_connects():
    """2000 connections in a row on each listener, closed at once (some
    are refused while the switch has not yet reaped the earlier ones:
    fine).  The shell checks the file descriptors and ports after."""
    for text in ARGS:
        for i in range(2000):
            s = connect(text)
            s.close()
    print("connects ok")


def step_one_frame():
    """A connection on each listener carries a frame to the observer."""
    obs = v.Endpoint(SW, descr=b"observer")
    for text in ARGS:
        s = connect(text)
        s.sendall(qframe(b"one " + text.encode()))
        expect(obs, b"one " + text.encode(), "%s: a connection after the others" % text)
        s.close()
    print("one frame ok")


def step_many_at_once():
    """More connections at once than ports: some are refused (closed by
    the switch), the ones with a port work."""
    n = int(ARGS[0])
    obs = v.Endpoint(SW, descr=b"observer")
    socks = [connect(ARGS[1]) for _ in range(n)]
    # the switch answers each connection with a port or a close: wait
    # until every one is one or the other
    nports = lambda: sum(": qemu stream " in line for line in ports().splitlines())
    wait_until(lambda: nports() + sum(eof_quick(s) for s in socks) == n,
               "every connection to get a port or be closed")
    closed = [s for s in socks if eof_quick(s)]
    if not closed:
        v.die("%d connections at once and none was refused" % n)
    live = [s for s in socks if s not in closed]
    if not live:
        v.die("no connection got a port")
    live[0].sendall(qframe(b"live"))
    expect(obs, b"live", "a connection that got a port")
    print("%d refused, %d live" % (len(closed), len(live)))
    for s in socks:
        s.close()


def eof_quick(s):
    """Has the switch closed s?  The switch answers every connection at
    once (a port or a close); a marker on the observer proves it has
    handled this one."""
    s.setblocking(False)
    try:
        return s.recv(1) == b""
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True
    finally:
        s.setblocking(True)


def step_dgram_flood():
    """500 source paths send one frame each: ports stay bounded by -n,
    a talker and the observer on ports of their own are unaffected, and
    once the senders are gone their ports are freed."""
    path, srcdir, nports = ARGS[0], ARGS[1], int(ARGS[2])
    obs = v.Endpoint(SW, descr=b"observer")
    talker = v.Endpoint(SW, descr=b"talker")
    socks = []
    for i in range(500):
        d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        d.bind(os.path.join(srcdir, "s%d" % i))
        d.sendto(v.frame(v.BCAST, v.mac(0x100 + i), b"flood %d" % i), path)
        socks.append(d)
        if i % 50 == 0:  # the talker still gets through, in the middle of it
            talker.send(v.frame(v.BCAST, v.mac(9), b"talk %d" % i))
            expect(obs, b"talk %d" % i, "the talker during the flood (%d senders)" % i)
    talker.send(v.frame(v.BCAST, v.mac(9), b"talk end"))
    expect(obs, b"talk end", "the talker after the flood")
    mine = lambda d: d.startswith("qemu dgram") and srcdir in d
    n = sum(1 for d in port_blocks() if mine(d))
    if n == 0 or n > nports - 2:
        v.die("%d datagram ports with -n %d (2 taken):\n%s" % (n, nports, ports()))
    for i, d in enumerate(socks):
        d.close()
        os.unlink(os.path.join(srcdir, "s%d" % i))
    # the next frame to them fails (no such socket): their ports go
    talker.send(v.frame(v.BCAST, v.mac(9), b"anyone?"))
    wait_until(lambda: not any(mine(d) for d in port_blocks()),
               "the ports of senders that are gone to be freed")
    d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    d.bind(os.path.join(srcdir, "late"))
    d.sendto(v.frame(v.BCAST, v.mac(10), b"late"), path)
    expect(obs, b"late", "a new sender once the flood is gone")
    talker.send(v.frame(v.BCAST, v.mac(9), b"to late"))
    d.settimeout(v.WAIT)
    while v.payload(d.recv(65536)) != b"to late":
        pass
    print("dgram flood ok: %d ports at most" % n)


globals()["step_" + STEP]()
