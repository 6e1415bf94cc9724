#!/bin/bash
# t_harden_datasock.sh - a root switch reaches a client's data socket
# without a check-then-use window (issue 17, item 2).  A user's request
# names a socket path; if the switch checks that path and then connects
# to it by name, the user can swap in a symlink to a socket only root
# may reach between the two, and the switch sends it datagrams with
# root's credentials.  Here the swap happens at the exact moment: strace
# stops the switch right after its first stat of the handshake, the test
# swaps the path, then lets it go on.  Also: the switch never connects
# to a client-supplied path at all (strace), it reaches nothing the
# requester could not reach itself, it refuses paths without /proc, and
# ordinary clients (ours, Debian's vde_plug, UML-style abstract names,
# 108-byte paths, VDE1 plain-socket switches) still connect.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need python3 setpriv useradd strace unshare

mkuser U
uid=$(id -u "$U")
ud=$T/u # U's own directory
mkdir -m 0755 "$ud" && chown "$U:" "$ud"

# Root's private sockets, in a directory only root may enter: "sock"
# (root's) and "usock" (given to U, but U cannot reach it).  Each
# reports every datagram.
mkdir -m 0700 "$T/rootonly"
"$PYTHON" - "$T/rootonly" "$uid" > "$T/rootsock.log" 2>&1 <<'EOF' &
import os, select, socket, sys
d, uid = sys.argv[1], int(sys.argv[2])
socks = {}
for name in ('sock', 'usock'):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(os.path.join(d, name))
    os.chmod(os.path.join(d, name), 0o600)
    socks[s] = name
os.chown(os.path.join(d, 'usock'), uid, -1)
print('ready', flush=True)
while True:
    r, _, _ = select.select(list(socks), [], [])
    for s in r:
        print('%s got %d bytes' % (socks[s], len(s.recv(65536))), flush=True)
EOF
_pids+=($!)
wait_for grep -q ready "$T/rootsock.log" || fail "root's sockets not ready"

d=$T/sw
start_switch sw "$d" --nostdin -m 0666

# flood a frame to every endpoint, and make sure the switch handled it
flood() {
	py "$d" "$1" <<'EOF' || fail "switch not serving"
import sys, vdeclient as vc
o = vc.Client(sys.argv[1], descr='broadcaster').open()
o.send(vc.frame(vc.BCAST, o.mac, sys.argv[2].encode()))
vc.bystanders(sys.argv[1])  # a later broadcast went through, so this one did
EOF
}
root_untouched() {
	! grep -q "got" "$T/rootsock.log" ||
		fail "$1: root's private socket received frames for $U: $(grep got "$T/rootsock.log" | head -n 1)"
}

# U's client: bind PATH, ask for a port with it, report, then hold the
# endpoint and say when its own socket hears the broadcast "race".
cat > "$T/client.py" <<'EOF'
import os, socket, sys, vdeclient as vc
d, path = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o700)
c = vc.Client(d, descr='u client')
c.connect()
c.data, c.addr = s, path
c.ctl.sendall(c.request_bytes())
try:
    c.read_reply()
except vc.Refused:
    print('refused', flush=True)
    sys.exit(0)
print('accepted', flush=True)
if c.recv_match(lambda f: b'race' in f):
    print('own socket got the broadcast', flush=True)
vc.wait_eof(c.ctl)
EOF
client() { bg_as "$1" "$U" "$PYTHON" "$T/client.py" "$d" "$2"; }

say "a symlink swapped in at the moment of the check does not redirect the switch"
strace -p "$PID_sw" -e trace=newfstatat,lstat,stat,statx,fstat,openat,connect \
	-e inject=newfstatat,lstat,stat,statx,fstat:signal=SIGSTOP:when=1 2> "$T/race.strace" &
_pids+=($!)
PID_strace=$!
wait_for grep -q 'attached\|ptrace' "$T/race.strace"
grep -q attached "$T/race.strace" || skip "strace cannot attach here: $(head -n 1 "$T/race.strace")"
client race "$ud/c.sock"
stopped() { grep -q 'stopped by SIGSTOP' "$T/race.strace"; }
done_() { grep -q 'accepted\|refused' "$T/race.log"; }
wait_for -t 30 sh -c 'grep -q "stopped by SIGSTOP" "$1" || grep -q "accepted\|refused" "$2"' sh \
	"$T/race.strace" "$T/race.log" || fail "the handshake neither stopped nor finished"
if stopped; then
	# stopped right after a stat of the client's path or of a descriptor
	grep -B 2 'SIGSTOP' "$T/race.strace" | grep -q "c.sock\|stat([0-9]*, \"\"" ||
		fail "test bug: the switch stopped at an unrelated stat: $(cat "$T/race.strace")"
	as "$U" mv "$ud/c.sock" "$ud/c.real" && as "$U" ln -s "$T/rootonly/sock" "$ud/c.sock" ||
		fail "swap as $U"
	kill -CONT "$PID_sw"
fi
wait_for -t 30 done_ || fail "the handshake did not finish: $(cat "$T/race.log")"
kill "$PID_strace"
wait "$PID_strace" 2>/dev/null
flood race
root_untouched "after the swap"
if grep -q accepted "$T/race.log"; then
	wait_for -t 30 grep -q 'own socket got' "$T/race.log" ||
		fail "accepted, but $U's own socket (the one checked) never got the broadcast"
fi

say "the switch never connects to a path a client supplied (only to the descriptor it checked)"
bad=$(grep '^connect(' "$T/race.strace" | grep 'sun_path="' | grep -v 'sun_path="/proc/self/fd/[0-9]*"')
[ -z "$bad" ] || fail "connect by the client's path after checking it: $bad"
grep -q '^connect(.*sun_path="/proc/self/fd/' "$T/race.strace" || fail "no connect in the trace: $(cat "$T/race.strace")"
kill "$PID_race" 2>/dev/null

say "symlinks, root's sockets and sockets $U cannot reach itself are refused"
as "$U" ln -s "$T/rootonly/sock" "$ud/link"
for target in "$ud/link" "$T/rootonly/sock" "$T/rootonly/usock"; do
	as "$U" "$PYTHON" - "$d" "$target" <<'EOF' || fail "$U's request naming $target was accepted"
import sys, vdeclient as vc
c = vc.Client(sys.argv[1], descr='points elsewhere')
c.connect()
c.addr = sys.argv[2]
c.ctl.sendall(c.request_bytes())
try:
    c.read_reply()
    vc.wait_eof(c.ctl, 1)  # stay a moment: a flood would reach it
    sys.exit(1)
except vc.Refused:
    pass
EOF
done
flood elsewhere
root_untouched "naming root's sockets"
grep -q "client data socket $ud/link is a symbolic link" "$T/sw.log" ||
	fail "no clear message for the symlink: $(grep 'client data' "$T/sw.log")"

say "ordinary clients still connect: $U's and root's vde_plug, Debian's, abstract, 108 bytes"
joined_as() { [ "$(grep -c "joined (.*user=$1 " "$T/sw.log")" -ge "$2" ]; }
bg_as uplug "$U" sh -c 'sleep 600 | "$1" plug "$2" > /dev/null' sh "$VDE" "$d"
bg rplug sh -c 'sleep 600 | "$1" plug "$2" > /dev/null' sh "$VDE" "$d"
bg_as dplug "$U" sh -c 'sleep 600 | /usr/bin/vde_plug "$1" > /dev/null' sh "$d"
wait_for joined_as "$U" 2 || fail "our and Debian's vde_plug as $U did not both join: $(grep -i 'plug\|client' "$T/sw.log")"
wait_for joined_as root 1 || fail "root's vde_plug did not join: $(grep -i 'plug\|client' "$T/sw.log")"
long=$T/l
while [ ${#long} -lt 100 ]; do long=$long/l; done
mkdir -p "$long" && chown -R "$U:" "$T/l"
long=$long/$(printf 'x%.0s' $(seq $((108 - ${#long} - 1))))
[ ${#long} -eq 108 ] || fail "test bug: path of ${#long} bytes"
as "$U" "$PYTHON" - "$d" "$long" <<'EOF' || fail "abstract or 108-byte clients of $U do not work"
import os, socket, sys, vdeclient as vc
d, long = sys.argv[1], sys.argv[2]
a = vc.Client(d, abstract=True, descr='uml style').open()
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
os.chdir(os.path.dirname(long))      # (Python binds at most 107 bytes)
s.bind(os.path.basename(long))       # the request says all 108, no NUL
b = vc.Client(d, descr='long path')
b.connect()
b.data, b.addr = s, long
b.ctl.sendall(b.request_bytes())
b.read_reply()
b.data.connect(b.reply)
a.send(vc.frame(vc.BCAST, a.mac, b'to long'))
if not b.recv_match(lambda f: b'to long' in f):
    sys.exit('108-byte client got nothing')
b.send(vc.frame(vc.BCAST, b.mac, b'to abstract'))
if not a.recv_match(lambda f: b'to abstract' in f):
    sys.exit('abstract client got nothing')
EOF

say "a VDE1 plain-socket switch reaches $U's path the same way"
"$PYTHON" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/plain"
bg plain "$VDE" switch -s "$T/plain" --nostdin -m 0666
wait_for grep -q started "$T/plain.log" || fail "plain switch did not start: $(cat "$T/plain.log")"
as "$U" "$PYTHON" - "$T/plain" "$ud" <<'EOF' || fail "$U's client of the plain switch"
import sys, vdeclient as vc
a = vc.Client(sys.argv[1], bind_dir=sys.argv[2], descr='plain a').open()
b = vc.Client(sys.argv[1], bind_dir=sys.argv[2], descr='plain b').open()
a.send(vc.frame(vc.BCAST, a.mac, b'plain'))
if not b.recv_match(lambda f: b'plain' in f):
    sys.exit('no frame through the plain switch')
EOF

say "without /proc: $U's path is refused with a reason, root's path and abstract names work"
if is_asan; then
	say "(skipped under ASan: the sanitizer runtime needs /proc)"
else
	bg noproc unshare -m sh -c 'umount -l /proc && exec "$@"' sh "$VDE" switch -s "$T/np" --nostdin -m 0666
	wait_for test -S "$T/np/ctl" || fail "switch without /proc did not start: $(cat "$T/noproc.log")"
	as "$U" "$PYTHON" - "$T/np" "$ud" <<'EOF' || fail "without /proc, $U's client by path"
import sys, vdeclient as vc
try:
    vc.Client(sys.argv[1], bind_dir=sys.argv[2]).open()
    sys.exit('accepted without /proc')
except vc.Refused:
    pass
vc.Client(sys.argv[1], abstract=True).open()
EOF
	grep -q "without /proc" "$T/noproc.log" || fail "no reason given: $(cat "$T/noproc.log")"
	py "$T/np" <<< 'import sys, vdeclient as vc; vc.bystanders(sys.argv[1])' || fail "root's clients without /proc"
fi
kill -0 "$PID_sw" || fail "switch died"
exit 0
