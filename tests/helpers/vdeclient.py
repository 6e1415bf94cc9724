#!/usr/bin/env python3
"""vdeclient.py - a VDE client that does the handshake by hand (spec §1).

The tests use it to play clients that real plugs never are: ones that
send half a request, never send, vanish, never read, flood, or lie about
their data socket.  As a module:

    import vdeclient as vc
    c = vc.Client(SOCK).open()      # SOCK: switch directory or ctl socket
    c.send(vc.frame(vc.BCAST, c.mac, b'hello'))
    f = c.recv(timeout=10)

As a command (see --help): churn, hold, flood, talk, pending, console.
Every wait has a deadline so a broken switch fails a test instead of
hanging it; deadlines are generous and never measure speed.
"""
import argparse
import errno
import os
import select
import socket
import struct
import sys
import time

MAGIC = 0xFEEDFACE
VERSION = 3
REQ_NEW_CONTROL = 0
REQ_NEW_PORT0 = 1
SUN_SIZE = 110  # sizeof(struct sockaddr_un)
REPLY_LEN = SUN_SIZE
BCAST = b'\xff' * 6
ETHERTYPE = 0x88B5  # IEEE local experimental: nobody else reacts to it
WAIT = 30.0          # default deadline for "this must happen eventually"


class Refused(Exception):
    """The switch closed the control connection instead of replying."""


def sockaddr(path):
    """struct sockaddr_un as the wire carries it: LE16 family + 108 bytes."""
    if isinstance(path, str):
        path = os.fsencode(path)
    if len(path) > 108:
        raise ValueError('sun_path longer than 108 bytes')
    return struct.pack('<H', socket.AF_UNIX) + path.ljust(108, b'\0')


def request(addr, kind=REQ_NEW_CONTROL, port=0, descr=b'vdeclient', version=VERSION):
    """A v3 request: magic, version, type = kind | port << 8, address, text."""
    if isinstance(descr, str):
        descr = descr.encode()
    head = struct.pack('<III', MAGIC, version, (kind & 0xFF) | (port << 8))
    return head + sockaddr(addr) + descr


def ctl_path(sock):
    return os.path.join(sock, 'ctl') if os.path.isdir(sock) else sock


def frame(dst, src, payload=b'', ethertype=ETHERTYPE, size=60):
    """An Ethernet frame padded to size bytes (at least the payload)."""
    f = dst + src + struct.pack('!H', ethertype) + payload
    return f.ljust(max(size, len(f)), b'\0')


def mac_for(n, kind=0):
    """A locally administered unicast MAC: 02:KIND + 32 bits of n."""
    return bytes([2, kind]) + struct.pack('!I', n & 0xFFFFFFFF)


_nmac = 0


def new_mac():
    """A MAC no other client of this run has: pid and a counter."""
    global _nmac
    _nmac += 1
    return mac_for(os.getpid() << 10 | (_nmac & 0x3FF), 1)


_seq = 0


def bind_data(bind_dir, mode=0o700):
    """A SOCK_DGRAM socket bound to a fresh path in bind_dir."""
    global _seq
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    while True:
        path = os.path.join(bind_dir, '.py%d-%d' % (os.getpid(), _seq))
        _seq += 1
        try:
            s.bind(path)
            break
        except OSError as e:
            if e.errno != errno.EADDRINUSE:
                s.close()
                raise
    os.chmod(path, mode)
    return s, path


def wait_readable(sock, timeout):
    r, _, _ = select.select([sock], [], [], timeout)
    return bool(r)


def read_exactly(sock, n, timeout):
    """n bytes, or fewer if the peer closes; raises TimeoutError."""
    buf = b''
    end = time.monotonic() + timeout
    while len(buf) < n:
        left = end - time.monotonic()
        if left <= 0 or not wait_readable(sock, left):
            raise TimeoutError('no reply in %.0f s' % timeout)
        try:
            chunk = sock.recv(n - len(buf))
        except ConnectionResetError:
            chunk = b''
        if not chunk:
            break
        buf += chunk
    return buf


def wait_eof(sock, timeout=WAIT):
    """True when the peer closes sock within timeout (data is discarded)."""
    end = time.monotonic() + timeout
    while True:
        if not wait_readable(sock, max(0.0, end - time.monotonic())):
            return False
        try:
            if not sock.recv(4096):
                return True
        except (ConnectionResetError, BrokenPipeError):
            return True


class Client:
    """One endpoint: control connection + data socket."""

    def __init__(self, sock, port=0, kind=REQ_NEW_CONTROL, descr='vdeclient',
                 bind_dir=None, mode=0o700, abstract=False, timeout=WAIT, fix_perms=True):
        self.sock = sock
        self.ctl_path = ctl_path(sock)
        self.want_port = port
        self.kind = kind
        self.descr = descr
        self.bind_dir = os.path.abspath(bind_dir or os.environ.get('VDECLIENT_DIR') or os.path.dirname(self.ctl_path))
        self.mode = mode
        self.abstract = abstract
        self.timeout = timeout
        self.fix_perms = fix_perms  # False: keep mode even if the switch cannot reach us
        self.ctl = self.data = None
        self.path = None        # our data socket path (None: abstract)
        self.reply = None       # the switch's data socket path
        self.mac = new_mac()

    # -- the steps of a handshake, usable one by one --
    def bind(self):
        if self.abstract:
            self.data = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            # all 108 bytes count: the switch connects with addrlen 110
            name = (b'\0vdeclient.%d.%d' % (os.getpid(), id(self))).ljust(108, b'\0')
            self.data.bind(name)
            self.addr = name
        else:
            self.data, self.path = bind_data(self.bind_dir, self.mode)
            self.addr = self.path
            self.open_to_switch()
        return self

    def open_to_switch(self):
        """libvdeplug's rule: a switch run by another (non-root) user must
        be able to connect to our socket - through the ctl socket's group
        if we can, else through mode 0066."""
        if self.mode & 0o077 or not self.fix_perms:
            return
        try:
            st = os.stat(self.ctl_path)
        except OSError:
            return
        if st.st_uid in (0, os.geteuid()):
            return
        try:
            os.chown(self.path, -1, st.st_gid)
            os.chmod(self.path, self.mode | 0o060)
        except PermissionError:
            os.chmod(self.path, self.mode | 0o066)

    def connect(self):
        self.ctl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.ctl.connect(self.ctl_path)
        return self

    def request_bytes(self):
        return request(self.addr, self.kind, self.want_port, self.descr)

    def read_reply(self):
        r = read_exactly(self.ctl, REPLY_LEN, self.timeout)
        if len(r) < REPLY_LEN:
            raise Refused('switch closed the control connection after %d bytes' % len(r))
        family, = struct.unpack_from('<H', r)
        if family != socket.AF_UNIX:
            raise Refused('reply has family %d' % family)
        path = r[2:]
        self.reply = path.rstrip(b'\0') if path[0] else path
        return self.reply

    def open(self, connect_data=True, unlink=True):
        """Full handshake like vdeplug4: bind, connect, request, reply,
        connect the data socket, unlink our path."""
        self.bind().connect()
        self.ctl.sendall(self.request_bytes())
        try:
            self.read_reply()
        except BaseException:
            self.close()
            raise
        if connect_data:
            self.data.connect(self.reply)
        if unlink and self.path:
            os.unlink(self.path)
            self.path = None
        return self

    @property
    def port(self):
        """Port number from the reply name DIR/NNN.FD."""
        name = self.reply.strip(b'\0').split(b'\0')[0]
        return int(os.path.basename(name).split(b'.')[-2])

    def send(self, f):
        return self.data.send(f)

    def recv(self, timeout=WAIT):
        if not wait_readable(self.data, timeout):
            return None
        return self.data.recv(65536)

    def recv_match(self, pred, timeout=WAIT):
        """First frame for which pred(frame) is true, or None at the deadline."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            f = self.recv(left)
            if f is not None and pred(f):
                return f

    def eof(self, timeout=WAIT):
        return wait_eof(self.ctl, timeout)

    def close(self):
        for s in (self.ctl, self.data):
            if s is not None:
                s.close()
        self.ctl = self.data = None
        if self.path:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            self.path = None


def bystanders(sock, timeout=WAIT):
    """Two new clients join and a broadcast goes from one to the other:
    the switch is serving.  Raises SystemExit with the reason if not."""
    try:
        a = Client(sock, descr='bystander a', timeout=timeout).open()
        b = Client(sock, descr='bystander b', timeout=timeout).open()
    except (OSError, Refused, TimeoutError) as e:
        sys.exit('a new client could not join %s: %s' % (sock, e))
    a.send(frame(BCAST, a.mac, b'bystander'))
    if not b.recv_match(lambda f: b'bystander' in f, timeout):
        sys.exit('bystanders on ports %d and %d could not talk' % (a.port, b.port))
    a.close()
    b.close()


# ---- /proc readings of another process ----

def fd_count(pid):
    return len(os.listdir('/proc/%d/fd' % pid))


def rss_kib(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    raise RuntimeError('no VmRSS for pid %d' % pid)


# ---- commands ----

def cmd_churn(a):
    """N connect/disconnect cycles of one style; exit 1 if one fails."""
    ok = 0
    for i in range(a.count):
        c = Client(a.sock, port=a.port, descr='churn %d' % i)
        try:
            if a.style == 'full':
                c.open()
                if a.send:
                    c.send(frame(BCAST, c.mac, b'churn'))
            elif a.style == 'connect':     # connect, say nothing, leave
                c.connect()
            elif a.style == 'half':        # half a request, leave
                c.bind().connect()
                c.ctl.sendall(c.request_bytes()[:61])
            elif a.style == 'noreply':     # full request, leave before the reply
                c.bind().connect()
                c.ctl.sendall(c.request_bytes())
            elif a.style == 'vanish':      # handshake, drop the data socket first
                c.open()
                c.data.close()
                c.data = None
            ok += 1
        except (OSError, Refused, TimeoutError) as e:
            print('cycle %d (%s): %s' % (i, a.style, e), file=sys.stderr)
            c.close()
            return 1
        c.close()
    print('churn %s: %d cycles' % (a.style, ok))
    return 0


def say_ready(a, c):
    msg = 'ready port %d\n' % c.port
    if a.ready:
        with open(a.ready + '.tmp', 'w') as f:
            f.write(msg)
        os.rename(a.ready + '.tmp', a.ready)
    sys.stdout.write(msg)
    sys.stdout.flush()


def cmd_hold(a):
    """Join and stay until the switch closes us (exit 0) or we are killed.
    --noread: never read the data socket (a stuck client)."""
    try:
        c = Client(a.sock, port=a.port, descr=a.descr, bind_dir=a.bind_dir, abstract=a.abstract).open()
    except (OSError, Refused, TimeoutError) as e:
        print('error: cannot join %s: %s' % (a.sock, e))
        return 1
    say_ready(a, c)
    watch = [c.ctl] if a.noread else [c.ctl, c.data]
    while True:
        r, _, _ = select.select(watch, [], [])
        if c.ctl in r and wait_eof(c.ctl, 0):
            print('switch closed the connection')
            return 0
        if c.data in r:
            c.data.recv(65536)


def cmd_flood(a):
    """Send COUNT frames of SIZE bytes to broadcast (or --dst), blocking
    when the switch is behind.  --randsrc: a new source MAC per frame."""
    c = Client(a.sock, port=a.port, descr='flood').open()
    dst = bytes.fromhex(a.dst.replace(':', '')) if a.dst else BCAST
    for i in range(a.count):
        src = mac_for(i, 2) if a.randsrc else c.mac
        c.send(frame(dst, src, b'flood', size=a.size))
    print('flood: sent %d frames of %d bytes' % (a.count, a.size))
    c.close()
    return 0


def cmd_talk(a):
    """Join, then send SAY until HEAR arrives from another client (and
    a few more times, so that one hears us too).  Exit 1 if it never does."""
    try:
        c = Client(a.sock, port=a.port, descr='talk ' + a.say).open()
    except (OSError, Refused, TimeoutError) as e:
        print('error: cannot join %s: %s' % (a.sock, e))
        return 1
    print('joined port %d' % c.port)
    sys.stdout.flush()
    say, hear = a.say.encode(), a.hear.encode()
    end = time.monotonic() + WAIT
    while time.monotonic() < end:
        c.send(frame(BCAST, c.mac, say))
        if c.recv_match(lambda f: hear in f, 0.2):
            for _ in range(5):
                c.send(frame(BCAST, c.mac, say))
            print('heard %s' % a.hear)
            return 0
    print('never heard %r' % a.hear)
    return 1


def cmd_pending(a):
    """Open COUNT control connections that never send; report when the
    switch has closed all of them (exit 0) or the deadline passes (1)."""
    conns = []
    for _ in range(a.count):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(ctl_path(a.sock))
        if a.half:
            s.sendall(request(b'/nonexistent', descr=b'')[:a.half])
        conns.append(s)
    print('pending: %d connections open' % len(conns))
    sys.stdout.flush()
    if a.ready:
        open(a.ready, 'w').close()
    left = set(conns)
    end = time.monotonic() + a.wait
    while left and time.monotonic() < end:
        r, _, _ = select.select(list(left), [], [], max(0.0, end - time.monotonic()))
        for s in r:
            if wait_eof(s, 0):
                left.discard(s)
    print('pending: %d of %d closed by the switch' % (len(conns) - len(left), len(conns)))
    return 0 if not left else 1


PROMPT = b'vde$ '


def console(path, commands, timeout=WAIT):
    """Run commands on a management socket (spec §6.9); returns a list
    of (status code, output text) per command."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)

    def until_prompt():
        buf = b''
        end = time.monotonic() + timeout
        while not buf.endswith(PROMPT):
            left = end - time.monotonic()
            if left <= 0 or not wait_readable(s, left):
                raise TimeoutError('no prompt from %s; got %r' % (path, buf[-200:]))
            chunk = s.recv(65536)
            if not chunk:
                raise ConnectionError('%s closed the session; got %r' % (path, buf[-200:]))
            buf += chunk
        return buf[:-len(PROMPT)].decode(errors='replace')

    until_prompt()  # banner
    out = []
    for c in commands:
        s.sendall(c.encode() + b'\n')
        text = until_prompt()
        codes = [int(line[:4]) for line in text.splitlines()
                 if len(line) > 4 and line[:4].isdigit() and line[0] == '1' and line[4] == ' ']
        out.append((codes[-1] if codes else None, text))
    s.close()
    return out


def cmd_console(a):
    """Run each command; print the replies; exit 1 if one failed."""
    rc = 0
    for c, (code, text) in zip(a.commands, console(a.sock, a.commands)):
        sys.stdout.write('vde$ %s\n%s' % (c, text))
        if code != 1000:
            rc = 1
    return rc


def main(argv=None):
    p = argparse.ArgumentParser(description='VDE test client')
    sub = p.add_subparsers(dest='cmd', required=True)

    def common(sp):
        sp.add_argument('sock', help='switch directory or control socket')
        sp.add_argument('--port', type=int, default=0)

    sp = sub.add_parser('churn')
    common(sp)
    sp.add_argument('count', type=int)
    sp.add_argument('--style', default='full', choices=['full', 'connect', 'half', 'noreply', 'vanish'])
    sp.add_argument('--send', action='store_true', help='send one frame per cycle')
    sp.set_defaults(fn=cmd_churn)

    sp = sub.add_parser('hold')
    common(sp)
    sp.add_argument('--noread', action='store_true')
    sp.add_argument('--abstract', action='store_true')
    sp.add_argument('--bind-dir')
    sp.add_argument('--descr', default='hold')
    sp.add_argument('--ready', help='write "ready port N" here once joined')
    sp.set_defaults(fn=cmd_hold)

    sp = sub.add_parser('flood')
    common(sp)
    sp.add_argument('--count', type=int, default=10000)
    sp.add_argument('--size', type=int, default=1514)
    sp.add_argument('--dst')
    sp.add_argument('--randsrc', action='store_true')
    sp.set_defaults(fn=cmd_flood)

    sp = sub.add_parser('talk')
    common(sp)
    sp.add_argument('--say', required=True)
    sp.add_argument('--hear', required=True)
    sp.set_defaults(fn=cmd_talk)

    sp = sub.add_parser('pending')
    common(sp)
    sp.add_argument('count', type=int)
    sp.add_argument('--half', type=int, default=0, help='send this many request bytes first')
    sp.add_argument('--wait', type=float, default=60)
    sp.add_argument('--ready', help='create this file once all are open')
    sp.set_defaults(fn=cmd_pending)

    sp = sub.add_parser('console', help='run management console commands')
    sp.add_argument('sock', help='management socket (-M)')
    sp.add_argument('commands', nargs='+')
    sp.set_defaults(fn=cmd_console)

    a = p.parse_args(argv)
    return a.fn(a)


if __name__ == '__main__':
    sys.exit(main())
