#!/bin/bash
# t_plug_sockperm.sh - issue 17 item 1: the data socket vde_plug binds
# is born with its final mode and group.  No chmod/chown by path follows
# the bind (a symlink swapped in between would redirect it: a root plug
# then changed a root file), shown with strace; the socket has the
# requested mode and group, looked at by a fake switch in Python while
# the handshake waits for its reply (the plug removes the name once it
# is connected).  Also: the "switch runs as another user" rule (share
# the switch's group) and ptp://, whose socket stays for its lifetime.
. "$(dirname "$0")/lib.sh"
need python3 strace
[ "$(id -u)" -eq 0 ] || skip "needs root to give sockets a group it is not in"
grp=users gid=$(getent group users | cut -d: -f3)
[ -n "$gid" ] && [ "$gid" != "$(id -g)" ] || skip "no group 'users' other than ours"

cat > "$T/fake.py" <<'EOF'
# A VDE switch that answers one handshake: it stats the client's data
# socket (named in the request) before replying, writes
# "MODE GID" (octal, decimal) to OUT, replies, then holds the connection.
import os, socket, stat, struct, sys
d, out = sys.argv[1], sys.argv[2]
os.makedirs(d, exist_ok=True)
ctl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
ctl.bind(d + "/ctl"); ctl.listen(1)
if len(sys.argv) > 3:  # the switch's owner, as "uid:gid"
    u, g = sys.argv[3].split(":")
    os.chown(d + "/ctl", int(u), int(g))
data = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
data.bind(d + "/data")
c, _ = ctl.accept()
req = b""
while len(req) < 122:
    b = c.recv(512)
    if not b:
        sys.exit("client went away")
    req += b
path = req[14:14 + 108].split(b"\0")[0].decode()
st = os.lstat(path)
with open(out + ".tmp", "w") as f:
    f.write("%o %d %s\n" % (stat.S_IMODE(st.st_mode), st.st_gid, "sock" if stat.S_ISSOCK(st.st_mode) else "notsock"))
os.rename(out + ".tmp", out)
c.send(struct.pack("=H108s", socket.AF_UNIX, (d + "/data").encode()))
c.recv(1)  # until the client goes
EOF

# traced NAME ARGS...: our vde_plug under strace -f, watching every
# call that changes a file's mode or owner by path
traced() {
	local name=$1; shift
	bg "$name" strace -f -qq -o "$T/$name.strace" -e trace=chmod,fchmodat,chown,fchownat,lchown \
		sh -c 'exec "$0" "$@" <&9' "$BIN/vde_plug" "$@"
}
# stop_traced NAME: end the plug (strace's child), then strace
stop_traced() {
	local pid
	pid=$(eval echo "\$PID_$1")
	pkill -TERM -P "$pid"
	wait "$pid" 2> /dev/null
}
mkfifo "$T/hold"; exec 9<> "$T/hold" # a stdin that never ends
no_path_calls() {
	! grep -E '(chmod|chown|fchownat|fchmodat|lchown)\(' "$T/$1.strace" ||
		fail "$1: the socket's mode or owner was changed by path after bind (above)"
}

say "vde:// with -m 660 -g $grp: born 0660, group $grp; no chmod/chown"
bg fake1 python3 "$T/fake.py" "$T/sw1" "$T/seen1"
wait_for test -S "$T/sw1/ctl" || fail "fake switch did not start"
traced p1 -m 660 -g "$grp" "vde://$T/sw1"
wait_for test -e "$T/seen1" || fail "no handshake reached the fake switch: $(cat "$T/p1.log" "$T/fake1.log")"
[ "$(cat "$T/seen1")" = "660 $gid sock" ] || fail "data socket is '$(cat "$T/seen1")', want '660 $gid sock'"
stop_traced p1
no_path_calls p1

say "a switch of another user: our socket shares its group (0760), no chown"
bg fake2 python3 "$T/fake.py" "$T/sw2" "$T/seen2" "65534:$gid"
wait_for test -S "$T/sw2/ctl" || fail "fake switch 2 did not start"
wait_for sh -c "stat -c %u '$T/sw2/ctl' | grep -qx 65534" || fail "fake switch 2 not owned by 65534"
traced p2 "vde://$T/sw2"
wait_for test -e "$T/seen2" || fail "no handshake at fake switch 2: $(cat "$T/p2.log" "$T/fake2.log")"
[ "$(cat "$T/seen2")" = "760 $gid sock" ] || fail "data socket is '$(cat "$T/seen2")', want '760 $gid sock'"
stop_traced p2
no_path_calls p2

say "ptp:// with -m 640 -g $grp: born 0640, group $grp; no chmod/chown"
traced p3 -m 640 -g "$grp" "ptp://$T/ptp"
wait_for test -S "$T/ptp" || fail "ptp:// made no socket: $(cat "$T/p3.log")"
[ "$(stat -c '%a %g' "$T/ptp")" = "640 $gid" ] || fail "ptp socket is $(stat -c '%a %g' "$T/ptp"), want 640 $gid"
stop_traced p3
no_path_calls p3
wait_for test ! -e "$T/ptp" || fail "ptp:// left its socket behind"
exit 0
