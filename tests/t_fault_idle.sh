#!/bin/bash
# t_fault_idle.sh - idle control connections by the hundred.  A switch
# is shared: a local user who opens many connections and never sends a
# request must not lock everybody else out by using up the switch's
# handshake slots; the switch closes the idle connections and gets its
# fds back.  (Running out of fds: t_fault_fdlimit.sh.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need python3 setpriv

mkuser U # the mischief-maker: another user, as on a shared host

# served DIR: two clients of root's join and exchange a frame
served() { py "$1" <<< 'import sys, vdeclient as vc; vc.bystanders(sys.argv[1])'; }
one_line() { tail -n 3 "$1" | tr '\n' ' '; }

say "300 idle connections from user $U: root's clients still get ports"
d=$T/sw
start_switch sw "$d" --nostdin -m 0666
pid=$PID_sw
fds0=$(nfds "$pid")
bg_as idle "$U" "$PYTHON" "$HELPERS/vdeclient.py" pending "$d" 300 --wait 120
wait_for -t 30 grep -q 'connections open' "$T/idle.log" || fail "idle connections not opened: $(one_line "$T/idle.log")"
served "$d" || fail "300 idle connections of user $U locked root's clients out: $(grep -m1 -i 'too many' "$T/sw.log")"
say "the switch closes them all and its fd count returns to $fds0"
wait_for -t 120 sh -c "! kill -0 $PID_idle" || fail "idle client still waiting"
wait "$PID_idle" || fail "the switch left idle connections open: $(one_line "$T/idle.log")"
wait_fds "$pid" "$fds0"
served "$d" || fail "not served after the idle connections"
kill -0 "$pid" || fail "switch died"
exit 0
