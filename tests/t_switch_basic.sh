#!/bin/bash
# t_switch_basic.sh - the switch as its clients see it, with requests
# built byte by byte in Python (tests/vdewire.py): the handshake of
# every client generation (v3, v1, UML's 124 bytes with a garbage
# abstract address), refusals that close instead of hanging, the data
# socket files, port requests and shared ports, learning and hub mode,
# stale and live control sockets, the VDE1 plain-socket form, stdin EOF,
# and -daemon with its pidfile, syslog and clean exit.
. "$(dirname "$0")/lib.sh"
need python3
TESTS=$(cd "$(dirname "$0")" && pwd)
export PYTHONPATH=$TESTS
py() { python3 - "$@"; } # the script comes on stdin
# script NAME: save stdin as $T/NAME.py, for bg (background jobs get
# /dev/null as stdin, so a here-document cannot reach them)
script() { cat > "$T/$1.py"; }

say "v3 request (122+n bytes): reply is exactly 110 bytes naming DIR/NNN.FD"
d=$T/sw
start_switch sw "$d"
py "$d" <<'EOF' || fail "v3 handshake"
import os, re, socket, sys, vdewire as v
d = sys.argv[1]
e = v.Endpoint(d, descr=b"a description of 29 bytes...")
# recv_exact asked for 110; nothing more may follow on the control socket
e.ctl.setblocking(False)
try:
    extra = e.ctl.recv(100)
    v.die("control socket carried %d bytes after the reply" % len(extra))
except BlockingIOError:
    pass
assert e.reply[:2] == b"\x01\x00", e.reply[:2]
name = e.reply[2:].rstrip(b"\0").decode()
if not re.fullmatch(re.escape(os.path.realpath(d)) + r"/(\d{3})\.(\d+)", name):
    v.die("reply names %r, not DIR/NNN.FD" % name)
if not os.path.exists(name):
    v.die("%s does not exist" % name)
if name[len(os.path.realpath(d)) + 1:][:3] != "001":
    v.die("first client got %s, not port 1" % name)
EOF

say "v1 request (type at offset 4, 124-byte header) is served"
py "$d" <<'EOF' || fail "v1 handshake"
import sys, vdewire as v
a = v.Endpoint(sys.argv[1], request=v.V1, descr=b"old client")
b = v.Endpoint(sys.argv[1])
a.send(v.frame(v.BCAST, v.mac(1), b"from-v1"))
if v.payload(b.recv() or b"") != b"from-v1":
    v.die("frame from the v1 client did not arrive")
EOF

say "UML: 124-byte request, 108-byte abstract name full of junk, sendto() only"
py "$d" <<'EOF' || fail "UML-style handshake"
import sys, vdewire as v
d = sys.argv[1]
name = v.uml_name()
assert len(name) == 108 and b"\0" in name[1:]
u = v.Endpoint(d, request=v.UML, addr=name, connect=False)
w = v.Endpoint(d)
w.send(v.frame(v.BCAST, v.mac(2), b"to-uml"))
f = u.recv()
if f is None or v.payload(f) != b"to-uml":
    v.die("no frame reached the abstract address: it was not copied verbatim")
u.send(v.frame(v.mac(2), v.mac(3), b"from-uml"))
f = w.recv()
if f is None or v.payload(f) != b"from-uml":
    v.die("frame sent with sendto() from the UML-style client was lost")
EOF

say "a request split in two sends is waited for"
py "$d" <<'EOF' || fail "split request"
import sys, vdewire as v
d = sys.argv[1]
for cut in (2, 7, 60, 121):
    a = v.Endpoint(d, split=cut)
    b = v.Endpoint(d)
    b.send(v.frame(v.BCAST, v.mac(4), b"cut%d" % cut))
    if v.payload(a.recv() or b"") != b"cut%d" % cut:
        v.die("client whose request was cut at %d gets no frames" % cut)
    a.close(); b.close()
EOF

say "an oversize request (description past 256 bytes) is served, the rest ignored"
py "$d" <<'EOF' || fail "oversize request"
import sys, vdewire as v
d = sys.argv[1]
a = v.Endpoint(d, descr=b"x" * 400)
b = v.Endpoint(d)
a.send(v.frame(v.BCAST, v.mac(5), b"big"))
if v.payload(b.recv() or b"") != b"big":
    v.die("endpoint with a long description does not work")
EOF

say "bad magic, version, kind, family; truncated requests: closed, never a hang"
py "$d" <<'EOF' || fail "bad requests"
import socket, struct, sys, vdewire as v
d = sys.argv[1]
sa = v.sockaddr(d + "/.nobody")
bad = {
    "v0 (no magic)": struct.pack("<I", 0) + b"\0" * 6 + sa,
    "bad magic": struct.pack("<III", 0xCAFEBABE, 3, 0) + sa,
    "version 2": v.req_v3(sa, version=2),
    "version 4": v.req_v3(sa, version=4),
    "version 0x10000": v.req_v3(sa, version=0x10000),
    "kind 2": v.req_v3(sa, kind=2),
    "kind 0xff": v.req_v3(sa, kind=0xFF, port=3),
    "family AF_INET": v.req_v3(struct.pack("<H", socket.AF_INET) + sa[2:]),
    "missing data socket": v.req_v3(sa),
    "random bytes": bytes(range(256)),
}
for what, req in bad.items():
    c = v.control(d)
    c.sendall(req)
    if not v.closed_by_switch(c):
        v.die("%s: the switch neither closed nor refused within %g s" % (what, v.WAIT))
    c.close()
# a client that sends part of a request and then nothing
c = v.control(d)
c.sendall(v.req_v3(sa)[:50])
if not v.closed_by_switch(c, 60):  # the switch's handshake deadline, whatever it is
    v.die("half a request: the switch kept the connection forever")
# a client that goes away in the middle of its request
c = v.control(d)
c.sendall(v.req_v3(sa)[:30])
c.close()
# after all that the switch still serves
a = v.Endpoint(d); b = v.Endpoint(d)
a.send(v.frame(v.BCAST, v.mac(6), b"alive"))
if v.payload(b.recv() or b"") != b"alive":
    v.die("switch stopped serving after bad requests")
EOF
grep -q "bad control request" "$T/sw.log" || fail "refusals are not logged"

say "requested ports, port 0, out-of-range ports"
py "$d" <<'EOF' || fail "port requests"
import os, re, socket, sys, vdewire as v
d = sys.argv[1]
def port_of(e):
    return int(re.search(r"/(\d{3})\.\d+$", e.switch_addr).group(1))
for p in (5, 17, 32):
    e = v.Endpoint(d, port=p)
    if port_of(e) != p:
        v.die("asked for port %d, got %s" % (p, e.switch_addr))
    e.close()
z = v.Endpoint(d, kind=1)  # REQ_NEW_PORT0
if port_of(z) != 0:
    v.die("port-0 request got %s" % z.switch_addr)
for p in (33, 1000, 0xFFFFFF):
    path = d + "/.range%d" % p
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    c = v.control(d)
    c.sendall(v.req_v3(v.sockaddr(path), port=p))
    if not v.closed_by_switch(c):
        v.die("port %d of 32: not closed" % p)
    s.close()
    os.unlink(path)
EOF
grep -q "port out of range" "$T/sw.log" || fail "out-of-range refusal is not logged clearly"

say "several endpoints on one port: all get the port's frames, never their own"
py "$d" <<'EOF' || fail "shared port"
import sys, vdewire as v
d = sys.argv[1]
a = v.Endpoint(d, port=7)
b = v.Endpoint(d, port=7)
c = v.Endpoint(d)
c.send(v.frame(v.BCAST, v.mac(10), b"to-port-7"))
for who, e in (("first", a), ("second", b)):
    if v.payload(e.recv() or b"") != b"to-port-7":
        v.die("%s endpoint of port 7 missed a broadcast" % who)
# unicast to a station learnt on port 7 reaches both endpoints
a.send(v.frame(v.BCAST, v.mac(7), b"hello-from-a"))
v.recv_until(c, b"hello-from-a")
c.send(v.frame(v.mac(7), v.mac(10), b"uni-7"))
v.recv_until(a, b"uni-7")
v.recv_until(b, b"uni-7")
# what a sends must not come back to b: c's marker comes after it
a.send(v.frame(v.BCAST, v.mac(7), b"own"))
v.recv_until(c, b"own")  # the switch has forwarded "own" everywhere it goes
c.send(v.frame(v.BCAST, v.mac(10), b"marker"))
extra = v.recv_until(b, b"marker")
if extra:
    v.die("an endpoint received a frame from its own port: %r" % [v.payload(f) for f in extra])
extra = v.recv_until(a, b"marker")
if extra:
    v.die("sender got its own frame back: %r" % [v.payload(f) for f in extra])
EOF

say "a shared port belongs to one user: another user is refused"
if command -v setpriv >/dev/null; then
	kill "$PID_sw"; wait "$PID_sw"
	start_switch sw "$d" -m 0666 # a switch other users may reach
	py "$d" <<'EOF' || fail "port ownership"
import os, subprocess, sys, vdewire as v
d = sys.argv[1]
mine = v.Endpoint(d, port=7)
def as_nobody(port):
    code = ("import sys, vdewire as v\n"
            "try:\n"
            "    v.Endpoint(sys.argv[1], port=int(sys.argv[2]), addr=v.uml_name())\n"
            "except ConnectionError:\n"
            "    sys.exit(3)\n")
    return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           sys.executable, "-c", code, d, str(port)],
                          env=dict(os.environ), timeout=60).returncode
rc = as_nobody(7)
if rc != 3:
    v.die("uid 65534 joining root's port 7: exit %d, want a refusal" % rc)
rc = as_nobody(8)
if rc != 0:
    v.die("uid 65534 on a free port 8: exit %d" % rc)
EOF
	grep -q "port in use by another user" "$T/sw.log" || fail "refusal of another user is not logged"
fi

say "learning: unknown and broadcast flood, learnt unicast goes to one port"
py "$d" <<'EOF' || fail "learning"
import sys, vdewire as v
d = sys.argv[1]
a, b, c = (v.Endpoint(d) for _ in range(3))
A, B, C = v.mac(0xa), v.mac(0xb), v.mac(0xc)
# unknown unicast floods
a.send(v.frame(v.mac(0x99), A, b"unknown"))
v.recv_until(b, b"unknown"); v.recv_until(c, b"unknown")
# multicast floods
a.send(v.frame(b"\x01\x00\x5e\x00\x00\x01", A, b"mcast"))
v.recv_until(b, b"mcast"); v.recv_until(c, b"mcast")
# b speaks: now the switch knows where B is
b.send(v.frame(v.BCAST, B, b"i-am-b"))
v.recv_until(a, b"i-am-b"); v.recv_until(c, b"i-am-b")
a.send(v.frame(B, A, b"for-b"))
a.send(v.frame(v.BCAST, A, b"barrier"))  # same input socket: after for-b
if [v.payload(f) for f in v.recv_until(b, b"barrier")] != [b"for-b"]:
    v.die("b did not get exactly its unicast before the barrier")
leaked = v.recv_until(c, b"barrier")
if leaked:
    v.die("unicast to a learnt station was flooded to c: %r" % [v.payload(f) for f in leaked])
# a station that moves: b's port closes, B now speaks from c's endpoint
# (while b's port lived, B stays there for 3 s: t_harden_macsteal.sh)
b.close()
import os, time
end = time.monotonic() + v.WAIT
while os.path.exists(b.switch_addr):  # the switch removes it as b leaves
    if time.monotonic() > end:
        v.die("b's data socket file stayed after b left")
    time.sleep(0.02)
c.send(v.frame(v.BCAST, B, b"b-moved"))
v.recv_until(a, b"b-moved")
a.send(v.frame(B, A, b"for-b-2"))
a.send(v.frame(v.BCAST, A, b"barrier-2"))
if [v.payload(f) for f in v.recv_until(c, b"barrier-2")] != [b"for-b-2"]:
    v.die("after B moved, its unicast did not follow it")
EOF

say "the data socket file goes when its client leaves"
py "$d" <<'EOF' || fail "DIR/NNN.FD removal on leave"
import os, sys, time, vdewire as v
e = v.Endpoint(sys.argv[1])
path = e.switch_addr
assert os.path.exists(path)
e.close()
end = time.monotonic() + v.WAIT
while os.path.exists(path):
    if time.monotonic() > end:
        v.die("%s still there after its client left" % path)
    time.sleep(0.02)
EOF
kill "$PID_sw"; wait "$PID_sw"

say "SIGTERM with clients attached: they see EOF, DIR/NNN.FD, ctl and DIR go"
d=$T/term
start_switch term "$d"
script holder <<'EOF'
import os, sys, vdewire as v
es = [v.Endpoint(sys.argv[1]) for _ in range(3)]
with open(sys.argv[2], "w") as f:
    f.write("\n".join(e.switch_addr for e in es) + "\n")
for e in es:  # each control connection must end when the switch exits
    e.ctl.settimeout(60)
    if e.ctl.recv(1) != b"":
        v.die("data on the control socket instead of EOF")
print("all control connections closed")
EOF
bg holder python3 "$T/holder.py" "$d" "$T/holder.ready"
wait_for test -s "$T/holder.ready" || fail "clients did not attach"
kill -TERM "$PID_term"
wait "$PID_term"; rc=$?
[ $rc -eq 0 ] || fail "switch exited $rc on SIGTERM"
wait "$PID_holder" || fail "clients did not see the switch go"
while read -r f; do [ ! -e "$f" ] || fail "$f left behind"; done < "$T/holder.ready"
[ ! -e "$d/ctl" ] || fail "$d/ctl left behind"
[ ! -e "$d" ] || fail "$d left behind: $(ls -A "$d")"

say "hub mode floods even learnt unicast"
d=$T/hub
start_switch hub "$d" -hub
py "$d" <<'EOF' || fail "hub"
import sys, vdewire as v
d = sys.argv[1]
a, b, c = (v.Endpoint(d) for _ in range(3))
A, B = v.mac(0x1a), v.mac(0x1b)
b.send(v.frame(v.BCAST, B, b"i-am-b"))
v.recv_until(a, b"i-am-b")
a.send(v.frame(B, A, b"for-b"))
v.recv_until(b, b"for-b")
v.recv_until(c, b"for-b")  # a hub repeats it to c as well
EOF
kill "$PID_hub"; wait "$PID_hub"

say "stale control socket (switch killed -9): a new switch replaces it"
d=$T/stale
start_switch stale1 "$d"
kill -9 "$PID_stale1"; wait "$PID_stale1" 2>/dev/null
[ -S "$d/ctl" ] || fail "kill -9 should leave $d/ctl behind"
start_switch stale2 "$d"
py "$d" <<'EOF' || fail "switch over a stale socket does not serve"
import sys, vdewire as v
a = v.Endpoint(sys.argv[1]); b = v.Endpoint(sys.argv[1])
a.send(v.frame(v.BCAST, v.mac(1), b"x")); v.recv_until(b, b"x")
EOF

say "a second switch on a live directory refuses, and leaves the first alone"
timeout 20 "$VDE" switch -s "$d" < /dev/null > "$T/second.log" 2>&1; rc=$?
[ $rc -ne 124 ] || fail "second switch started over a live one"
[ $rc -ne 0 ] || fail "second switch exited 0"
grep -qi "another switch" "$T/second.log" || fail "unclear message: $(cat "$T/second.log")"
[ "$(wc -l < "$T/second.log")" -le 2 ] || fail "more than a one-line error: $(cat "$T/second.log")"
[ -S "$d/ctl" ] || fail "the refused switch removed the live switch's $d/ctl"
py "$d" <<'EOF' || fail "first switch damaged by the refused one"
import sys, vdewire as v
a = v.Endpoint(sys.argv[1]); b = v.Endpoint(sys.argv[1])
a.send(v.frame(v.BCAST, v.mac(1), b"y")); v.recv_until(b, b"y")
EOF
kill "$PID_stale2"; wait "$PID_stale2"

say "VDE1 form: -s names an existing (stale) socket file, not a directory"
sock=$T/vde1.ctl
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$sock"
[ -S "$sock" ] || fail "could not make a stale socket file"
bg plain "$VDE" switch -s "$sock"
wait_for grep -q "started" "$T/plain.log" || fail "switch on a plain socket file did not start"
py "$sock" <<'EOF' || fail "plain-socket switch"
import sys, vdewire as v
s = sys.argv[1]
a = v.Endpoint(s, addr=v.uml_name(), request=v.UML, connect=False)  # VDE1 plug style
b = v.Endpoint(s)
if not isinstance(a.switch_addr, bytes):
    pass  # a path reply is fine too, as long as frames flow
a.send(v.frame(v.BCAST, v.mac(1), b"vde1")); v.recv_until(b, b"vde1")
b.send(v.frame(v.mac(1), v.mac(2), b"back")); v.recv_until(a, b"back")
EOF
kill "$PID_plain"; wait "$PID_plain"
[ ! -e "$sock" ] || fail "plain control socket $sock left behind"

say "stdin at EOF (background start, CI) does not stop the switch"
d=$T/eof
bg eof "$VDE" switch -s "$d" < /dev/null
wait_for test -S "$d/ctl" || fail "switch with stdin at EOF did not start"
# (bg's job gets /dev/null as stdin: give it a pipe at EOF explicitly)
bg eof2 bash -c 'exec "$0" switch -s "$1" < <(:)' "$VDE" "$T/eof2"
wait_for test -S "$T/eof2/ctl" || fail "switch with a closed stdin pipe did not start"
for s in "$d" "$T/eof2"; do
	py "$s" <<'EOF' || fail "switch with stdin at EOF does not serve"
import sys, vdewire as v
a = v.Endpoint(sys.argv[1]); b = v.Endpoint(sys.argv[1])
a.send(v.frame(v.BCAST, v.mac(1), b"z")); v.recv_until(b, b"z")
EOF
done
kill -0 "$PID_eof" && kill -0 "$PID_eof2" || fail "switch died on stdin EOF"

say "-daemon: returns at once, writes the pidfile, logs to syslog, SIGTERM cleans up"
d=$T/daemon
pidf=$T/daemon.pid
# A private mount namespace where /dev/log is our listener: syslog output
# is seen without touching the machine's logging.
mkdir -p "$T/dev"
touch "$T/dev/null"
script syslog <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    print(s.recv(4096).decode(errors="replace"), flush=True)
EOF
bg syslog python3 "$T/syslog.py" "$T/dev/log"
wait_for test -S "$T/dev/log" || fail "syslog listener"
ASAN_OPTIONS=$ASAN_OPTIONS:log_path=$T/daemon-asan \
	timeout 20 unshare -m sh -c 'mount --bind /dev/null "$1/dev/null" && mount --rbind "$1/dev" /dev && shift && exec "$@"' \
	sh "$T" "$VDE" switch -s "$d" -daemon -p "$pidf" > "$T/daemon.out" 2> "$T/daemon.err"
rc=$?
# whatever happens next, the daemon goes at exit: it is nobody's child
for p in $(pgrep -f -- "switch -s $d -daemon"); do _pids+=("$p"); done
[ $rc -eq 0 ] || fail "vde switch -daemon exited $rc: $(cat "$T/daemon.err")"
[ ! -s "$T/daemon.err" ] || fail "-daemon wrote to stderr: $(cat "$T/daemon.err")"
[ ! -s "$T/daemon.out" ] || fail "-daemon wrote to stdout: $(cat "$T/daemon.out")"
wait_for test -s "$pidf" || fail "no pidfile $pidf"
dpid=$(cat "$pidf")
_pids+=("$dpid")
[ -S "$d/ctl" ] || fail "daemon has no $d/ctl"
kill -0 "$dpid" || fail "pid $dpid from the pidfile is not running"
[ "$(readlink "/proc/$dpid/exe")" = "$(readlink -f "$VDE")" ] || fail "pidfile names another program"
wait_for grep -q "vde_switch\[$dpid\]: .*started" "$T/syslog.log" || fail "no start message in syslog: $(cat "$T/syslog.log")"
py "$d" <<'EOF' || fail "daemon does not serve"
import sys, vdewire as v
a = v.Endpoint(sys.argv[1]); b = v.Endpoint(sys.argv[1])
a.send(v.frame(v.BCAST, v.mac(1), b"d")); v.recv_until(b, b"d")
EOF
kill -TERM "$dpid"
# not our child: gone, or a zombie nobody reaps (containers' init)
wait_for -t 20 sh -c "[ ! -e /proc/$dpid ] || grep -q '^State:.*Z' /proc/$dpid/status" ||
	fail "daemon survived SIGTERM"
[ ! -e "$pidf" ] || fail "pidfile left behind"
[ ! -e "$d/ctl" ] || fail "$d/ctl left behind"
[ ! -e "$d" ] || fail "$d left behind"
if ls "$T"/daemon-asan.* >/dev/null 2>&1; then cat "$T"/daemon-asan.*; fail "sanitizer report from the daemon"; fi
exit 0
