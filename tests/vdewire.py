"""vdewire.py - hand-built VDE clients for the tests (spec section 1-2).

Nothing here comes from a VDE library: requests are packed byte by byte so
the tests can send exactly what vde2, vdeplug4, UML or VDE1 send, and
exactly the malformed things nobody should send.

    import vdewire as v
    a = v.Endpoint(dir)                    # v3 request, path data socket
    u = v.Endpoint(dir, addr=v.uml_name(), request=v.UML)
    a.send(v.frame(dst, src, b"hello")); u.recv()

Every wait is bounded by WAIT seconds and then raises: a switch that hangs
a client fails the test instead of hanging it.
"""
import fcntl
import os
import select
import socket
import struct
import sys
import termios
import time

MAGIC = 0xFEEDFACE
WAIT = 10.0  # give up on a reply/frame after this long: a hang, not a slow run
BCAST = b"\xff" * 6
ETHERTYPE = 0x88B5  # IEEE local experimental: no host stack will answer it

V3, V1, UML = "v3", "v1", "uml"
_seq = 0


def die(msg):
    sys.stderr.write("FAIL: %s\n" % msg)
    sys.exit(1)


def sockaddr(name):
    """The 110-byte struct sockaddr_un for a path or an abstract name."""
    if isinstance(name, str):
        name = name.encode()
    if len(name) > 108:
        raise ValueError("name longer than sun_path")
    return struct.pack("<H", socket.AF_UNIX) + name + b"\0" * (108 - len(name))


def req_v3(addr, kind=0, port=0, descr=b"", version=3):
    return struct.pack("<III", MAGIC, version, kind | port << 8) + addr + descr


def req_v1(addr, kind=0, descr=b""):
    # offset 4 is the type itself, then a 6-byte MAC nobody uses
    return struct.pack("<II", MAGIC, kind) + b"\x02\0\0\0\0\x01" + addr + descr


def req_uml(addr):
    # UML's unpacked struct request_v3: 122 bytes + 2 bytes of stack junk
    return req_v3(addr) + b"\xa5\x00"


def uml_name():
    """An abstract name like UML's daemon transport binds: a zero byte,
    3 junk bytes, pid, usecs, then 96 bytes of uninitialised memory.
    Zero bytes in the middle make any strlen()-based copy fail."""
    junk = bytes((i * 37 + 11) & 0xFF for i in range(96))
    junk = junk[:40] + b"\0\0" + junk[42:]
    return b"\0" + b"\xde\xad\xbe" + struct.pack("<ii", os.getpid(), _next()) + junk


def _next():
    global _seq
    _seq += 1
    return _seq


def mac(n):
    """A locally administered unicast station address."""
    return bytes([0x02, 0x56, 0x44, 0x45, (n >> 8) & 0xFF, n & 0xFF])


def frame(dst, src, payload=b""):
    f = dst + src + struct.pack("!H", ETHERTYPE) + payload
    return f + b"\0" * (60 - len(f)) if len(f) < 60 else f


def payload(f):
    return f[14:].rstrip(b"\0")


def recv_exact(sock, n):
    out = b""
    sock.settimeout(WAIT)
    while len(out) < n:
        try:
            chunk = sock.recv(n - len(out))
        except socket.timeout:
            raise TimeoutError("no complete reply in %g s (got %d bytes)" % (WAIT, len(out)))
        if not chunk:
            break
        out += chunk
    return out


def closed_by_switch(ctl, wait=WAIT):
    """True when the switch closes the control connection (EOF) within
    wait seconds; False means it left the client hanging."""
    ctl.settimeout(wait)
    try:
        while True:
            data = ctl.recv(4096)
            if not data:
                return True
            return False  # it answered something
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True


def unread(sock):
    """Bytes we sent on a unix stream socket that the peer has not read
    yet (SIOCOUTQ)."""
    buf = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
    return struct.unpack("i", buf)[0]


def wait_consumed(sock):
    end = time.monotonic() + WAIT
    while unread(sock) > 0:
        if time.monotonic() > end:
            raise TimeoutError("switch did not read the first part of the request")
        select.select([], [], [], 0.01)


def control(sockpath):
    """A connected control socket: DIR/ctl, or a plain socket file."""
    path = os.path.join(sockpath, "ctl") if os.path.isdir(sockpath) else sockpath
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(path)
    return c


class Endpoint:
    """One client of a switch: a data socket, a control connection, the
    handshake.  addr: a path (default DIR/.test-PID-N) or an abstract
    name (bytes starting with a zero byte).  request: V3, V1 or UML.
    connect=False behaves like UML and VDE1: sendto() every frame."""

    def __init__(self, sockpath, port=0, kind=0, request=V3, addr=None,
                 descr=b"vdewire", split=None, connect=True):
        base = sockpath if os.path.isdir(sockpath) else os.path.dirname(sockpath)
        if addr is None:
            addr = os.path.join(base, ".test-%d-%d" % (os.getpid(), _next()))
        self.addr = addr
        self.data = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.data.bind(addr)
        self.ctl = control(sockpath)
        sa = sockaddr(addr)
        if request == V3:
            req = req_v3(sa, kind, port, descr)
        elif request == V1:
            req = req_v1(sa, kind, descr)
        else:
            req = req_uml(sa)
        if split:
            self.ctl.sendall(req[:split])
            wait_consumed(self.ctl)  # the switch has read the first part alone
            self.ctl.sendall(req[split:])
        else:
            self.ctl.sendall(req)
        reply = recv_exact(self.ctl, 110)
        if len(reply) != 110:
            raise ConnectionError("switch closed the connection (reply %d bytes)" % len(reply))
        self.reply = reply
        family = struct.unpack("<H", reply[:2])[0]
        if family != socket.AF_UNIX:
            raise ValueError("reply family %d" % family)
        name = reply[2:]
        # a path is NUL terminated; an abstract name is all 108 bytes
        self.switch_addr = name if name[0] == 0 else name.split(b"\0")[0].decode()
        self.connected = connect
        if connect:
            self.data.connect(self.switch_addr)
        if isinstance(addr, str):
            os.unlink(addr)  # like vdeplug4: the switch must not need it

    def send(self, f):
        if self.connected:
            self.data.send(f)
        else:
            self.data.sendto(f, self.switch_addr)

    def recv(self, timeout=WAIT):
        self.data.settimeout(timeout)
        try:
            return self.data.recv(65536)
        except socket.timeout:
            return None

    def close(self):
        self.ctl.close()
        self.data.close()


def recv_until(ep, want, what="frame"):
    """Frames ep receives until one carries payload want; returns the ones
    before it.  Used as a barrier: a marker frame sent after the frame
    under test tells "nothing else came" without waiting on a clock,
    because the switch handles one input socket in order."""
    before = []
    while True:
        f = ep.recv()
        if f is None:
            die("%s: no %r within %g s" % (what, want, WAIT))
        if payload(f) == want:
            return before
        before.append(f)
