#!/bin/bash
# t_harden_stale.sh - files planted in the switch's own directory do not
# stop it (issue 17, item 10).  A user who could write to the directory
# (a world-writable one, as -m 0666 makes) leaves a plain file or a
# dead socket named ctl, or squats on the names of data sockets
# (NNN.FD, and the fallback names NNN.FD.K): vde2 removes such files
# and carries on, and so do we - the names are the switch's and the
# directory is ours.  Outside it (-M, a VDE1 socket file) a regular
# file in the way is still refused and left alone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need python3 setpriv useradd

mkuser U
served() { py "$1" <<< 'import sys, vdeclient as vc; vc.bystanders(sys.argv[1])'; }

say "a plain file named ctl, planted by $U in our directory, is removed at start"
d=$T/sw
mkdir -m 1777 "$d"
as "$U" sh -c 'echo planted > "$1/ctl"' sh "$d" || fail "plant $d/ctl"
start_switch sw "$d" --nostdin -m 0666
grep -q "removing $d/ctl" "$T/sw.log" || fail "no message about the planted file: $(cat "$T/sw.log")"
served "$d" || fail "switch not serving"
kill "$PID_sw"
wait_for sh -c "! kill -0 $PID_sw" || fail "switch did not exit"

say "a dead socket of $U named ctl is removed at start"
mkdir -m 1777 "$d"
as "$U" "$PYTHON" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$d/ctl"
start_switch sw2 "$d" --nostdin -m 0666
served "$d" || fail "switch not serving"

say "$U squats on data socket names NNN.FD and NNN.FD.K with files and dead sockets"
as "$U" "$PYTHON" - "$d" <<'EOF' || fail "$U could not squat"
import os, socket, sys
d = sys.argv[1]
for port in range(1, 5):
    for fd in range(3, 40):
        for k in range(0, 17):
            name = '%s/%03d.%d' % (d, port, fd) + ('.%d' % k if k else '')
            if (port + fd + k) % 2:
                open(name, 'w').close()
            else:
                socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind(name)
EOF
served "$d" || fail "squatted names lock clients out: $(grep -m1 'bind data socket' "$T/sw2.log")"

say "outside the switch directory a regular file in the way is refused and kept"
touch "$T/notasocket"
bg m "$VDE" switch -s "$T/m" -M "$T/notasocket" --nostdin
wait_for sh -c "! kill -0 $PID_m" || fail "switch with -M on a regular file did not exit"
[ -f "$T/notasocket" ] || fail "-M removed a regular file"
grep -q "not a socket is in the way" "$T/m.log" || fail "no clear message: $(cat "$T/m.log")"
kill -0 "$PID_sw2" || fail "switch died"
exit 0
