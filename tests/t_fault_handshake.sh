#!/bin/bash
# t_fault_handshake.sh - clients that misbehave during the handshake:
# one that connects and never sends, one that sends half a request, one
# whose request trickles in, garbage, a data socket that does not exist,
# clients killed with SIGKILL at every step.  Meanwhile other clients
# join and exchange frames (the switch waits for nobody), the stalled
# ones are closed by the switch, and in the end its fds and socket files
# are what they were at the start.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need python3

d=$T/sw
start_switch sw "$d" --nostdin
pid=$PID_sw
fds0=$(nfds "$pid")

# served DIR: two new clients join, and a frame goes from one to the other
served() { py "$1" <<< 'import sys, vdeclient as vc; vc.bystanders(sys.argv[1])'; }

say "a client that connects and never sends: others are served, the switch closes it"
py "$d" <<'EOF' || fail "silent client"
import socket, sys, vdeclient as vc
d = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(vc.ctl_path(d))
vc.bystanders(d)  # the switch is not waiting for us
if not vc.wait_eof(s, 60):
    sys.exit('the switch never closed a control connection that sent nothing')
EOF
served "$d" || fail "bystanders not served after a silent client"
grep -qi "request" "$T/sw.log" || fail "no log line for the silent client"

say "half a request, held open: others are served while it waits, then it is closed"
py "$d" <<'EOF' || fail "half request"
import socket, sys, vdeclient as vc
d = sys.argv[1]
c = vc.Client(d).bind().connect()
c.ctl.sendall(c.request_bytes()[:61])
b = vc.Client(d, descr='joins meanwhile').open()   # not blocked by the half request
if not c.eof(60):
    sys.exit('the switch never closed a half request')
b.close(); c.close()
EOF

say "a request that trickles in byte groups is still answered"
py "$d" <<'EOF' || fail "split request"
import sys, vdeclient as vc
d = sys.argv[1]
c = vc.Client(d, descr='slow but honest').bind().connect()
req = c.request_bytes()
for i in range(0, len(req), 7):
    c.ctl.sendall(req[i:i + 7])
    # between pieces another client gets its port: the loop is running
    if i % 35 == 0:
        vc.Client(d, descr='meanwhile').open().close()
c.read_reply()
c.data.connect(c.reply)
o = vc.Client(d).open()
o.send(vc.frame(vc.BCAST, o.mac, b'to the slow one'))
if not c.recv_match(lambda f: b'to the slow one' in f):
    sys.exit('the split-request client got no frames')
EOF

say "garbage and impossible requests are refused with a close, not a hang"
py "$d" <<'EOF' || fail "bad requests"
import os, socket, struct, sys, vdeclient as vc
d = sys.argv[1]
def refused(payload, what):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(vc.ctl_path(d))
    s.sendall(payload)
    if not vc.wait_eof(s, 30):
        sys.exit('%s: control connection neither answered nor closed' % what)
    s.close()
refused(b'\x00' * 200, 'zeros')
refused(b'GET / HTTP/1.0\r\n\r\n' + b'x' * 200, 'text')
refused(vc.request('/nonexistent/data/socket'), 'data socket that does not exist')
refused(vc.request(d + '/ctl'), 'data socket that is a stream socket')
refused(vc.request(b'\0' + b'no-such-abstract-name'), 'abstract name nobody bound')
refused(vc.request('/etc/passwd'), 'data socket that is a regular file')
refused(struct.pack('<III', vc.MAGIC, 2, 0) + b'\0' * 120, 'version 2')
real, path = vc.bind_data(d)  # a good data socket, for requests bad otherwise
refused(vc.request(path, kind=7), 'request kind 7')
refused(vc.request(path, port=100000), 'port out of range')
real.close(); os.unlink(path)
EOF

say "SIGKILL at every step of the handshake"
py "$d" <<'EOF' || fail "killed clients"
import os, signal, sys, vdeclient as vc
d = sys.argv[1]
def die_after(step):
    pid = os.fork()
    if pid == 0:
        c = vc.Client(d, descr='killed after ' + step)
        c.bind().connect()
        if step != 'connect':
            req = c.request_bytes()
            c.ctl.sendall(req[:40] if step == 'part' else req)
        if step == 'reply':
            c.read_reply()
            c.data.connect(c.reply)
            c.send(vc.frame(vc.BCAST, c.mac, b'last words'))
        os.kill(os.getpid(), signal.SIGKILL)
    _, st = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(st), step
for step in ['connect', 'part', 'request', 'reply'] * 25:
    die_after(step)
EOF
# the killed clients' own data sockets stay behind (nobody unlinks them);
# the switch's NNN.FD files and fds must not
rm -f "$d"/.py*
only_ctl() { [ "$(ls -A "$d")" = ctl ]; }
wait_for -t 60 only_ctl || fail "switch files left behind: $(ls -A "$d")"
wait_fds "$pid" "$fds0"

say "after all that the switch serves newcomers and is still alive"
served "$d" || fail "bystanders not served at the end"
kill -0 "$pid" || fail "switch died"
exit 0
