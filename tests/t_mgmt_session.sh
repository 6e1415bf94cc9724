#!/bin/bash
# t_mgmt_session.sh - the management socket as a byte stream, with
# hostile clients: banner and prompt to the byte, several commands in one
# write and one command in many, a command without '\n' followed by a
# pause (how vdeterm sends), "\r\n", blank and comment lines, an
# overlong line, binary garbage, a last line without '\n', clients that
# never read or hang up mid-reply, too many clients, logout, the socket's
# mode and group, and a stale socket left by a killed switch.  After each
# abuse the switch must still answer everybody.
. "$(dirname "$0")/lib.sh"
need python3

sw=$T/sw mg=$T/mgmt
start_switch sw "$sw" -M "$mg" --mgmtmode 0660 --mgmtgroup daemon
wait_for test -S "$mg" || fail "no management socket"

# py: run a Python check on stdin with helpers for raw sessions
cat > "$T/mg.py" <<'EOF'
import os, select, socket, sys, time
SOCK = sys.argv[1]
PROMPT = b"\nvde$ "
WAIT = 10

def die(msg):
    sys.stderr.write("FAIL: %s\n" % msg)
    sys.exit(1)

def session():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(SOCK)
    banner = until(s, PROMPT)
    return s, banner

def until(s, end, limit=WAIT):
    """Read until the data ends with `end` (or the peer closes)."""
    buf = b""
    deadline = time.monotonic() + limit
    while not buf.endswith(end):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            die("no %r after %r" % (end, buf[-200:]))
        d = s.recv(65536)
        if not d:
            return buf
        buf += d
    return buf

def eof(s, limit=WAIT):
    deadline = time.monotonic() + limit
    data = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            return None
        try:
            d = s.recv(65536)
        except ConnectionResetError:
            return data
        if not d:
            return data
        data += d

def ask(s, cmd):
    s.sendall(cmd)
    return until(s, PROMPT)

def alive():
    """A fresh session still gets answers."""
    s, _ = session()
    r = ask(s, b"port/showinfo\n")
    if not r.startswith(b"0000 DATA END WITH '.'\nNumports="):
        die("switch no longer answers: %r" % r)
    s.close()
EOF
py() { PYTHONPATH=$T python3 - "$mg" "$@" || fail "$say_what"; }
check() { say_what=$1; say "$1"; }

check "banner, then the prompt, to the byte"
py <<'EOF'
from mg import *
s, banner = session()
lines = banner.split(b"\n")
if not lines[0].startswith(b"VDE switch V.") or len(lines) != 4 or lines[2] != b"" or lines[3] != b"vde$ ":
    die("banner %r" % banner)
r = ask(s, b"port/showinfo\n")
if r != b"0000 DATA END WITH '.'\nNumports=32\nHUB=false\ncounters=true\n.\n1000 Success\n\nvde$ ":
    die("reply %r" % r)
EOF

check "several commands in one write are answered in order"
py <<'EOF'
from mg import *
s, _ = session()
s.sendall(b"port/showinfo\nbogus\nhash/showinfo\n")
r = until(s, PROMPT) 
while r.count(PROMPT) < 3:
    r += until(s, PROMPT)
parts = r.split(PROMPT)
if not parts[0].startswith(b"0000 DATA") or b"Numports" not in parts[0] \
   or parts[1] != b"1038 Function not implemented\n" or b"Hash size" not in parts[2]:
    die("pipelined replies %r" % r)
EOF

check "a command split over many writes is one command"
py <<'EOF'
from mg import *
s, _ = session()
for b in b"port/showinfo":
    s.send(bytes([b]))
    time.sleep(0.001)
    if select.select([s], [], [], 0)[0]:
        die("answered before the newline: %r" % s.recv(100))
r = ask(s, b"\n")
if not r.startswith(b"0000 DATA") or r.count(PROMPT) != 1:
    die("split command got %r" % r)
EOF

check "a command without '\\n' runs once the client pauses (vdeterm does this)"
py <<'EOF'
from mg import *
s, _ = session()
for cmd in (b"port/showinfo", b"vlan/print 0 "):
    s.sendall(cmd)
    r = until(s, PROMPT)
    if not r.startswith(b"0000 DATA") or not r.endswith(b"1000 Success\n" + PROMPT):
        die("%r without a newline got %r" % (cmd, r))
s.sendall(b"port/print 99")
if until(s, PROMPT) != b"0000 DATA END WITH '.'\n.\n1022 Invalid argument\n" + PROMPT:
    die("unterminated bad command")
EOF

check "\\r\\n line ends, blank lines, comments, leading blanks"
py <<'EOF'
from mg import *
s, _ = session()
if ask(s, b"port/showinfo\r\n") != ask(s, b"port/showinfo\n"):
    die("\\r\\n changes the answer")
for quiet in (b"\n", b"\r\n", b"   \n", b"# a comment\n", b"  # indented comment\n"):
    r = ask(s, quiet)
    if r != PROMPT:
        die("%r got %r, not just the prompt" % (quiet, r))
if b"Numports" not in ask(s, b"   \tport/showinfo   \n"):
    die("leading blanks")
if not ask(s, b"vlan/print 0\r\n").endswith(b"1000 Success\n" + PROMPT):
    die("\\r taken as part of the argument")
EOF

check "an overlong line: one error, nothing of it runs, the next line works"
py <<'EOF'
from mg import *
s, _ = session()
r = ask(s, b"shutdown " + b"x" * 5000 + b"\n")
if r != b"1090 Message too long\n" + PROMPT:
    die("overlong line got %r" % r)
r = ask(s, b"port/showinfo\n")
if not r.startswith(b"0000 DATA"):
    die("after an overlong line: %r" % r)
s.sendall(b"y" * 100000 + b"\n")   # much longer: still one error
r = until(s, PROMPT)
if r != b"1090 Message too long\n" + PROMPT or select.select([s], [], [], 0.2)[0]:
    die("very long line got %r" % r)
alive()
EOF

check "binary garbage gets error codes, never a crash"
py <<'EOF'
from mg import *
import random
random.seed(7)
s, _ = session()
for i in range(200):
    junk = bytes(random.randrange(256) for _ in range(random.randrange(1, 300)))
    junk = junk.replace(b"\n", b"")
    r = ask(s, junk + b"\n")
    if not (r == PROMPT or r.endswith(b"\n" + PROMPT)):
        die("garbage %r got %r" % (junk, r))
for nasty in (b"help\0port\n", b"port/print\x01\n", b"\x7f\n", b"showinfo\x1b[A\n"):
    r = ask(s, nasty)
    if r != b"1022 Invalid argument\n" + PROMPT:
        die("%r got %r" % (nasty, r))
alive()
EOF

check "a last command without '\\n' runs when the client stops sending"
py <<'EOF'
from mg import *
s, _ = session()
s.sendall(b"port/showinfo")
s.shutdown(socket.SHUT_WR)
r = eof(s)
if r is None or b"Numports=32" not in r:
    die("unterminated last command: %r" % r)
EOF

check "logout ends the session; what follows it never runs"
py <<'EOF'
from mg import *
s, _ = session()
s.sendall(b"logout\nshutdown\n")
r = eof(s)
if r != b"9999 END OF SESSION":
    die("logout answered %r" % r)
alive()
EOF

check "a client that never reads does not stop the switch or the others"
py <<'EOF'
from mg import *
hog, _ = session()
hog.setblocking(False)
sent = 0
try:
    while sent < 64 << 20:
        sent += hog.send(b"help\n" * 4096)
except BlockingIOError:
    pass   # the switch stopped reading it: that is the point
for i in range(3):
    alive()
# it can still read everything it asked for, in order
hog.setblocking(True)
hog.close()
alive()
EOF

check "clients that hang up mid-reply"
py <<'EOF'
from mg import *
for i in range(50):
    s, _ = session()
    s.sendall(b"help\n" * 200)
    s.close()
alive()
EOF

check "at most 64 sessions at once; more are refused, the rest keep working"
py <<'EOF'
from mg import *
def try_session():
    """A session, or None when the switch hangs up before the prompt."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(SOCK)
    return s if until(s, PROMPT).endswith(PROMPT) else None
many = [session()[0] for _ in range(64)]
if try_session() is not None:
    die("the 65th session was not refused")
if b"Numports" not in ask(many[0], b"port/showinfo\n"):
    die("sessions stopped working")
many.pop().close()
deadline = time.monotonic() + WAIT
while True:    # the switch sees the close on its own schedule: retry
    s = try_session()
    if s:
        many.append(s)
        break
    if time.monotonic() > deadline:
        die("no session after one was closed")
for m in many:
    m.close()
deadline = time.monotonic() + WAIT
while not try_session():   # until the switch has seen the closes
    if time.monotonic() > deadline:
        die("sessions are not freed when clients leave")
alive()
EOF
grep -q "64 management sessions open already: connection refused" "$T/sw.log" || fail "refusal not logged"

check "the socket has --mgmtmode and --mgmtgroup"
[ "$(stat -c '%a %G' "$mg")" = "660 daemon" ] || fail "mgmt socket is $(stat -c '%a %G' "$mg")"

check "a second switch on the same -M refuses to start; the first goes on"
"$VDE" switch -s "$T/sw2" -M "$mg" --nostdin > "$T/sw2.log" 2>&1 && fail "second switch started"
grep -q "bind $mg: another switch is running there" "$T/sw2.log" || fail "message: $(cat "$T/sw2.log")"
py <<'EOF'
from mg import *
alive()
EOF

check "a stale socket (switch killed -9) is replaced"
kill -9 "$PID_sw"
wait "$PID_sw" 2>/dev/null
[ -S "$mg" ] || fail "no stale socket to test with"
rm -rf "$sw"
start_switch sw3 "$sw" -M "$mg"
wait_for grep -q "removing stale socket $mg" "$T/sw3.log" || fail "stale socket not replaced"
py <<'EOF'
from mg import *
alive()
EOF
exit 0
