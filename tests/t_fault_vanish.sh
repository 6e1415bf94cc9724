#!/bin/bash
# t_fault_vanish.sh - a client's data socket disappears while its
# control connection stays open (a crashed data path, a buggy client).
# The first frame the switch cannot deliver closes that endpoint: the
# client sees EOF, the NNN.FD file goes, the port is free again, and the
# other endpoints - including one on the same port - carry on.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need python3

d=$T/sw
start_switch sw "$d" --nostdin
pid=$PID_sw
fds0=$(nfds "$pid")

say "data socket closed, control open: closed by the switch at the next frame"
py "$d" <<'EOF' || fail "vanished data socket"
import os, sys, time, vdeclient as vc
d = sys.argv[1]
a = vc.Client(d, descr='sender').open()
b = vc.Client(d, descr='vanishing').open()
name = b.reply.decode()
port = b.port
b.data.close(); b.data = None
a.send(vc.frame(vc.BCAST, a.mac, b'anyone there?'))
if not b.eof():
    sys.exit('the switch kept an endpoint whose data socket is gone')
end = time.monotonic() + vc.WAIT  # (it goes right after the close)
while os.path.exists(name):
    if time.monotonic() > end:
        sys.exit('%s is still there' % name)
    time.sleep(0.05)
c = vc.Client(d, descr='newcomer').open()
if c.port != port:
    sys.exit('port %d was not reclaimed: the newcomer got %d' % (port, c.port))
c.send(vc.frame(vc.BCAST, c.mac, b'hello a'))
if not a.recv_match(lambda f: b'hello a' in f):
    sys.exit('the sender stopped receiving')
EOF
grep -q "data socket gone" "$T/sw.log" || fail "no log line for the vanished data socket"

say "it vanishes while frames wait in its queue (it never read): same"
py "$d" <<'EOF' || fail "vanished while queued"
import sys, vdeclient as vc
d = sys.argv[1]
a = vc.Client(d, descr='flooder').open()
b = vc.Client(d, descr='stuck then gone').open()
for i in range(2000):          # more than its socket buffer: the rest queues
    a.send(vc.frame(vc.BCAST, a.mac, b'fill', size=1400))
b.data.close(); b.data = None
a.send(vc.frame(vc.BCAST, a.mac, b'one more'))
if not b.eof():
    sys.exit('the switch kept a stuck endpoint whose data socket is gone')
EOF

say "two cables on one port, one loses its data socket: the other keeps the port"
py "$d" <<'EOF' || fail "shared port"
import sys, vdeclient as vc
d = sys.argv[1]
x1 = vc.Client(d, port=7, descr='cable 1').open()
x2 = vc.Client(d, port=7, descr='cable 2').open()
o = vc.Client(d, descr='other').open()
x1.data.close(); x1.data = None
o.send(vc.frame(vc.BCAST, o.mac, b'to port 7'))
if not x1.eof():
    sys.exit('cable 1 not closed')
if not x2.recv_match(lambda f: b'to port 7' in f):
    sys.exit('cable 2 lost its frames')
x2.send(vc.frame(vc.BCAST, x2.mac, b'from port 7'))
if not o.recv_match(lambda f: b'from port 7' in f):
    sys.exit('cable 2 can no longer send')
if x2.eof(0):
    sys.exit('cable 2 was closed too')
EOF

say "fds and files back to the start"
only_ctl() { [ "$(ls -A "$d")" = ctl ]; }
wait_for -t 60 only_ctl || fail "files left: $(ls -A "$d")"
wait_fds "$pid" "$fds0"
kill -0 "$pid" || fail "switch died"
exit 0
