#!/bin/bash
# t_harden_console.sh - the console against hostile users (issue 17
# item 11):
#   1. a user who opens sessions until refused (told "1087 Too many
#      users") leaves sessions for root, the owner and other users;
#   2. `load` reads with the console user's rights: a root-only file,
#      /etc/shadow and a file in a directory the user cannot search are
#      refused exactly like any unreadable file (1013, nothing about the
#      content); files the user may read (own, through a group) run;
#   3. a long load runs in slices: frames of a ping-pong get through while
#      it is still running (its last command, hash/print, already lists
#      the ping-pong's addresses), the load's reply arrives, and the
#      session's next command waits for it;
#   4. a FIFO (with a writer) given to load is refused, nothing hangs;
#   and shutdown inside a loaded file stops the switch at that line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (throwaway users)"
need setpriv useradd

mkuser U
mkuser V
mkgroup G "$U"
sw=$T/sw mg=$T/mgmt
start_switch sw "$sw" -M "$mg" --mgmtmode 0666
wait_for test -S "$mg" || fail "no management socket"

cat > "$SHARED/mg.py" <<'EOF'
import os, select, socket, sys, time
PROMPT = b"\nvde$ "
WAIT = 60

def die(msg):
    sys.stderr.write("FAIL: %s\n" % msg)
    sys.exit(1)

def until(s, end, limit=WAIT):
    """Read until the data ends with `end`, or the peer closes."""
    buf = b""
    deadline = time.monotonic() + limit
    while not buf.endswith(end):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            die("no %r after %r" % (end, buf[-300:]))
        d = s.recv(65536)
        if not d:
            return buf
        buf += d
    return buf

def until_n(s, end, n, limit=WAIT):
    """Read until `end` has come n times (and the data ends with it)."""
    buf = b""
    deadline = time.monotonic() + limit
    while buf.count(end) < n or not buf.endswith(end):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            die("no %r after %r" % (end, buf[-300:]))
        d = s.recv(65536)
        if not d:
            return buf
        buf += d
    return buf

def session(path):
    """(socket, True) with the prompt read, or (reply, False) if refused."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    got = until(s, PROMPT)
    if got.endswith(PROMPT):
        return s, True
    s.close()
    return got, False

def ask(s, cmd):
    s.sendall(cmd)
    return until(s, PROMPT)
EOF
chmod 644 "$SHARED/mg.py"
export PYTHONPATH=$SHARED:$PYTHONPATH

say "1. a user opening sessions until refused leaves some for root, the owner and others"
cat > "$SHARED/hog.py" <<'EOF'
import sys, time, os
from mg import *
path, res, release = sys.argv[1:4]
held = []
for _ in range(200):
    s, ok = session(path)
    if not ok:
        break
    held.append(s)
with open(res + ".tmp", "w") as f:
    f.write("%d %r\n" % (len(held), s if not ok else b"never refused"))
os.rename(res + ".tmp", res)
deadline = time.monotonic() + 120
while not os.path.exists(release) and time.monotonic() < deadline:
    time.sleep(0.05)
EOF
bg_as hog "$U" "$PYTHON" "$SHARED/hog.py" "$mg" "$SHARED/hog.res" "$SHARED/release"
wait_for -t 60 test -e "$SHARED/hog.res" || fail "hog: no result: $(cat "$T/hog.log")"
read -r held reply < "$SHARED/hog.res"
say "the user got $held sessions, then: $reply"
[ "$reply" = "b'1087 Too many users\\n'" ] || fail "refusal was not one 1087 line: $reply"
[ "$held" -lt 64 ] || fail "one user took all $held sessions"
py "$mg" <<'EOF' || fail "root has no session left"
import sys
from mg import *
mine = []
for _ in range(8):    # the owner's reserve, all of it usable
    s, ok = session(sys.argv[1])
    if not ok:
        die("root refused: %r" % s)
    mine.append(s)
if b"1000 Success" not in ask(mine[-1], b"port/showinfo\n"):
    die("root's session does not answer")
EOF
as "$V" "$PYTHON" - "$mg" <<'EOF' || fail "another user was locked out"
import sys
from mg import *
s, ok = session(sys.argv[1])
if not ok:
    die("second user refused: %r" % s)
if b"1000 Success" not in ask(s, b"port/showinfo\n"):
    die("second user's session does not answer")
EOF
grep -q "connection refused for uid" "$T/sw.log" || fail "refusal not logged"
[ "$(grep -c "connection refused for uid" "$T/sw.log")" -le 2 ] ||
	fail "refusals not rate-limited: $(grep -c "connection refused" "$T/sw.log") lines"
touch "$SHARED/release"
wait_for -t 30 sh -c "! kill -0 $PID_hog 2>/dev/null" || fail "hog did not end"

say "2. load reads with the console user's rights"
printf 'port/showinfo\nport/showinfo\nport/showinfo\n' > "$T/secret"
chmod 600 "$T/secret"
mkdir -m 700 "$T/private"
printf 'port/showinfo\n' > "$T/private/open"
chmod 644 "$T/private/open"
printf 'port/showinfo\n' > "$SHARED/mine"
chown "$U" "$SHARED/mine"
chmod 600 "$SHARED/mine"
printf 'port/showinfo\n' > "$T/group"
chgrp "$G" "$T/group"
chmod 640 "$T/group"
as "$U" "$PYTHON" - "$mg" "$T" "$SHARED" <<'EOF' || fail "load does not respect the user's rights"
import sys
from mg import *
path, t, shared = sys.argv[1:4]
s, ok = session(path)
if not ok:
    die("no session: %r" % s)
want = b"1013 Permission denied\n" + PROMPT
for f in ("/etc/shadow", t + "/secret", t + "/private/open"):
    got = ask(s, ("load %s\n" % f).encode())
    if got != want:
        die("load %s as a user: %r, wanted only %r" % (f, got, want))
for f in (shared + "/mine", t + "/group"):
    got = ask(s, ("load %s\n" % f).encode())
    if not got.startswith(("vde[%s]: port/showinfo\n0000 DATA" % f).encode()) or \
       not got.endswith(b"1000 Success\n1000 Success\n" + PROMPT):
        die("load %s (readable) as a user: %r" % (f, got))
EOF
py "$mg" "$T" <<'EOF' || fail "root cannot load its own file"
import sys
from mg import *
s, ok = session(sys.argv[1])
got = ask(s, ("load %s/secret\n" % sys.argv[2]).encode())
if got.count(b"vde[") != 3 or not got.endswith(b"1000 Success\n" + PROMPT):
    die("root's load of its file: %r" % got)
EOF

say "3. a long load runs in slices: frames flow before it ends, the next command waits"
{ yes showinfo | head -n 100000; echo hash/print; } > "$T/big"
py "$sw" "$mg" "$T/big" <<'EOF' || fail "frames did not flow during a load"
import sys
import vdeclient as vc
from mg import *
swdir, path, big = sys.argv[1:4]
a = vc.Client(swdir).open()
b = vc.Client(swdir).open()
s, ok = session(path)
s.sendall(("load %s\nds/showinfo\n" % big).encode())
# the first echo line: the load has started (the old console wrote
# nothing before the whole file had run)
head = b""
while b"\n" not in head:
    if not select.select([s], [], [], WAIT)[0]:
        die("no output from the load")
    head += s.recv(64)
# Now stop reading: the load cannot finish while its output is not read.
# A ping-pong with addresses never seen before, each frame answered.
x, y = vc.new_mac(), vc.new_mac()
for i in range(50):
    a.send(vc.frame(y if i else vc.BCAST, x, b"ping%d" % i))
    if not b.recv_match(lambda f: f[6:12] == x and (b"ping%d" % i) in f):
        die("ping %d lost during the load" % i)
    b.send(vc.frame(x, y, b"pong%d" % i))
    if not a.recv_match(lambda f: f[6:12] == y and (b"pong%d" % i) in f):
        die("pong %d lost during the load" % i)
rest = head + until_n(s, PROMPT, 2, 600)
text = rest.decode()
hp = text.rfind("vde[%s]: hash/print\n" % big)
if hp < 0:
    die("the load did not reach its last line: %r" % text[-300:])
table = text[hp:]
mac = lambda m: ":".join("%02x" % c for c in m)
if mac(x) not in table or mac(y) not in table:
    die("hash/print at the end of the load misses the ping-pong's addresses: "
        "frames waited for the load")
tail = text[hp:]
load_end = tail.find(".\n1000 Success\n1000 Success\n" + PROMPT.decode())
ds = tail.find("ctl dir ")
if load_end < 0 or ds < 0 or ds < load_end:
    die("load's reply, then the next command, in that order: %r" % tail[-400:])
if text.count("vde[%s]: showinfo\n" % big) != 100000:
    die("showinfo lines run: %d" % text.count("vde[%s]: showinfo\n" % big))
EOF

say "4. load of a FIFO (even with a writer) is refused; the switch keeps answering"
mkfifo -m 666 "$T/fifo"
bg fifowriter sh -c "exec 3> '$T/fifo'; while :; do echo port/showinfo >&3 || exit; sleep 1; done"
py "$mg" "$T/fifo" <<'EOF' || fail "FIFO"
import sys
from mg import *
s, ok = session(sys.argv[1])
got = ask(s, ("load %s\n" % sys.argv[2]).encode())
if got != b"1022 Invalid argument\n" + PROMPT:
    die("load of a FIFO: %r" % got)
if b"1000 Success" not in ask(s, b"port/showinfo\n"):
    die("switch stopped answering")
EOF

say "nested loads keep their order; shutdown inside a load stops at that line"
printf 'vlan/create 7\nload %s/inner\nvlan/print 7\n' "$T" > "$T/outer"
printf 'vlan/create 8\nshutdown\nvlan/create 9\n' > "$T/inner"
py "$mg" "$T" <<'EOF' || fail "shutdown inside a nested load"
import sys
from mg import *
s, ok = session(sys.argv[1])
got = ask(s, ("load %s/outer\n" % sys.argv[2]).encode())
if not got.endswith(b"vde[%s/inner]: shutdown\n9999 END OF SESSION" % sys.argv[2].encode()):
    die("shutdown in a nested load: %r" % got)
if b"vlan/create 9" in got or b"vlan/print" in got:
    die("lines after shutdown ran: %r" % got)
EOF
wait_for -t 30 sh -c "! kill -0 $PID_sw 2>/dev/null" || fail "switch did not shut down"
exit 0
