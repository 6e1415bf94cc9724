#!/bin/bash
# t_perm_peercred.sh - a request is not to be trusted.  The switch knows
# who is asking from the socket (SO_PEERCRED), not from what the request
# says, and a request can only point the switch at a data socket that
# its sender owns: never at root's sockets (a root switch would write
# frames into them with root's credentials), another user's, a symlink
# or a plain file.  Whatever a request holds, the switch creates, chmods,
# chowns and unlinks nothing outside its own directory, and a hostile
# description cannot forge lines in its log.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need python3 setpriv useradd

mkuser U # the one asking
mkuser V # somebody else

d=$T/sw
start_switch sw "$d" --nostdin -m 0666

# Targets a request might name, made by their owners in $SHARED, each
# readable back by the test: a root DGRAM socket open to everybody
# (like /dev/log), one of V's, a symlink to root's, a plain file.
"$PYTHON" - "$SHARED" > "$T/targets.log" 2>&1 <<'EOF' & # (not py: $! must be python's pid)
import os, select, socket, sys, time
sh = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sh + '/rootsock')
os.chmod(sh + '/rootsock', 0o666)
print('ready', flush=True)
# report anything the switch sends here, until the test ends
while True:
    r, _, _ = select.select([s], [], [])
    print('root socket got %d bytes' % len(s.recv(65536)), flush=True)
EOF
_pids+=($!)
wait_for grep -q ready "$T/targets.log" || fail "root's socket not ready"
ln -s "$SHARED/rootsock" "$SHARED/link-to-root" # a link owned by root...
as "$U" ln -s "$SHARED/rootsock" "$SHARED/u-link"  # ...and one owned by U
bg_as vsock "$V" "$PYTHON" -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777)
print("ready", flush=True)
while True: print("V socket got %d bytes" % len(s.recv(65536)), flush=True)
' "$SHARED/vsock"
wait_for grep -q ready "$T/vsock.log" || fail "V's socket not ready"
echo "precious" > "$SHARED/plainfile"
chmod 0644 "$SHARED/plainfile"
as "$U" touch "$SHARED/ufile"

# everything the test can see outside the switch directory, but logs
snapshot() {
	find "$T" "$SHARED" -maxdepth 1 ! -name '*.log' ! -name before ! -name after ! -name diff \
		-printf '%p %i %m %u %g %s\n' | sort
	stat -c '%n %i %a %U %G %s' /etc/passwd /
}

say "$U's requests naming sockets and files that are not $U's are refused"
setpriv --reuid "$U" --regid "$U" --init-groups "$PYTHON" - "$d" "$SHARED" > "$T/bad.log" 2>&1 <<'EOF' &
import os, socket, sys, vdeclient as vc
d, sh = sys.argv[1], sys.argv[2]
bad = []
for name in ['rootsock', 'vsock', 'link-to-root', 'u-link', 'plainfile', 'ufile',
             '../shared/rootsock', 'nonexistent']:
    c = vc.Client(d, descr='points at ' + name)
    c.connect()
    c.addr = os.path.join(sh, name)
    c.ctl.sendall(c.request_bytes())
    try:
        c.read_reply()
        bad.append(name)
        # keep it: frames sent to the switch now would land in that socket
        globals().setdefault('kept', []).append(c)
    except vc.Refused:
        c.close()
# make the switch flood a frame to every endpoint it has
o = vc.Client(d, descr='broadcaster').open()
o.send(vc.frame(vc.BCAST, o.mac, b'whoever gets this'))
print('accepted: %s' % ' '.join(bad) if bad else 'all refused', flush=True)
vc.wait_eof(o.ctl)  # hold the endpoints until the test is done looking
EOF
_pids+=($!)
wait_for grep -q "accepted\|refused\|rror" "$T/bad.log" || fail "hostile requests hang"
# a later broadcast arrived, so the one above had its chance too
py "$d" <<< 'import sys, vdeclient as vc; vc.bystanders(sys.argv[1])' || fail "switch not serving"
errs=()
grep -q "accepted" "$T/bad.log" && errs+=("the switch accepted requests by $U naming: $(sed -n 's/accepted: //p' "$T/bad.log")")
grep -q "got" "$T/targets.log" && errs+=("root's socket received frames on behalf of $U: $(grep got "$T/targets.log" | head -n 1)")
grep -q "got" "$T/vsock.log" && errs+=("$V's socket received frames on behalf of $U")
[ ${#errs[@]} -eq 0 ] || fail "$(printf '%s; ' "${errs[@]}")"

say "$U's own socket, path or abstract, is accepted and the endpoint is $U's"
as "$U" "$PYTHON" - "$d" "$SHARED" <<'EOF' || fail "U's own data socket refused"
import sys, vdeclient as vc
d, sh = sys.argv[1], sys.argv[2]
a = vc.Client(d, port=5, bind_dir=sh, descr='own path').open()
b = vc.Client(d, port=5, abstract=True, descr='own abstract').open()
EOF

say "the port's user is $U (from SO_PEERCRED): $V cannot share it, root can"
bg_as uhold "$U" "$PYTHON" "$HELPERS/vdeclient.py" hold "$d" --port 6 --abstract --descr "user=root pid=1 (a lie)"
wait_for grep -q '^ready' "$T/uhold.log" || fail "$U could not take port 6: $(cat "$T/uhold.log")"
as "$V" "$PYTHON" - "$d" <<'EOF' || fail "V joined U's port 6"
import sys, vdeclient as vc
try:
    vc.Client(sys.argv[1], port=6, abstract=True, descr='user=%s' % 'vdet').open()
    sys.exit('V got port 6 while U holds it')
except vc.Refused:
    pass
EOF
py "$d" <<< 'import sys, vdeclient as vc; vc.Client(sys.argv[1], port=6).open()' || fail "root could not join port 6"
kill "$PID_uhold"

say "hostile requests change no file outside the switch directory"
snapshot > "$T/before"
as "$U" "$PYTHON" - "$d" "$SHARED" <<'EOF'
import os, socket, sys, vdeclient as vc
d, sh = sys.argv[1], sys.argv[2]
def send(req):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(vc.ctl_path(d))
    s.sendall(req)
    try:
        vc.read_exactly(s, vc.REPLY_LEN, 10)
    except TimeoutError:
        pass
    s.close()
own, path = vc.bind_data(sh)
for target in ['/etc/passwd', sh + '/plainfile', sh + '/rootsock', sh + '/../shared/ufile',
               '../../../../etc/passwd', d + '/../shared/plainfile', d + '/ctl', d, '/']:
    for kind, port in [(0, 0), (1, 0), (0, 1), (0, 0xffffff)]:
        send(vc.request(target, kind=kind, port=port, descr=b'../../etc/passwd'))
# valid sockets, hostile numbers and descriptions
for port in [0, 1, 31, 32, 33, 255, 4096, 0xffffff]:
    send(vc.request(path, port=port, descr=b'/etc/passwd\0../../x' + b'/' * 100))
own.close()
os.unlink(path)
EOF
snapshot > "$T/after"
diff "$T/before" "$T/after" > "$T/diff" || fail "files changed outside the switch: $(cat "$T/diff")"
ls -A "$d" | grep -v '^ctl$' | grep -v '^[0-9][0-9][0-9]\.[0-9]*$' | grep -v '^\.py' &&
	fail "unexpected files in $d: $(ls -A "$d")"

say "a description cannot forge log lines"
py "$d" <<'EOF'
import sys, vdeclient as vc
c = vc.Client(sys.argv[1], descr='x\nvde_switch: FORGED line\r\nvde_switch: FORGED too\x1b[2J').open()
c.close()
EOF
wait_for grep -q "FORGED" "$T/sw.log" || fail "description not logged at all"
grep -q '^vde_switch: FORGED' "$T/sw.log" && fail "a description forged a log line: $(grep -n FORGED "$T/sw.log")"
grep -q $'\e' "$T/sw.log" && fail "a description put an escape sequence in the log"
kill -0 "$PID_sw" || fail "switch died"
exit 0
