#!/bin/bash
# t_fault_fdlimit.sh - a switch that runs out of file descriptors (here:
# limited to 64 while another user opens 100 idle connections) neither
# spins on its listener nor floods its log; it closes the idle
# connections, gets its fds back and serves again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need python3 setpriv prlimit

mkuser U # the mischief-maker: another user, as on a shared host

served() { py "$1" <<< 'import sys, vdeclient as vc; vc.bystanders(sys.argv[1])'; }
one_line() { tail -n 3 "$1" | tr '\n' ' '; }

d=$T/sw
bg sw prlimit --nofile=64:64 "$VDE" switch -s "$d" --nostdin -m 0666
wait_for test -S "$d/ctl" || fail "switch did not start: $(one_line "$T/sw.log")"
pid=$PID_sw
fds0=$(nfds "$pid")

say "user $U opens 100 idle connections to a switch limited to 64 fds"
bg_as idle "$U" "$PYTHON" "$HELPERS/vdeclient.py" pending "$d" 100 --wait 120
wait_for -t 30 grep -q 'connections open' "$T/idle.log" || fail "idle connections not opened: $(one_line "$T/idle.log")"
wait_for -t 120 sh -c "! kill -0 $PID_idle" || fail "idle client still waiting"
wait "$PID_idle" || fail "connections left open by the fd-starved switch: $(one_line "$T/idle.log")"

say "the switch closed them all, has its $fds0 fds back and serves"
wait_fds "$pid" "$fds0"
served "$d" || fail "the switch does not serve after running out of fds"

# A few lines about running out of fds are useful; one per loop turn is
# a disk-filling flood (and means the loop spun on the listener).
n=$(grep -c -i 'too many open files' "$T/sw.log")
say "$n log lines about running out of fds"
[ "$n" -le 100 ] || fail "$n log lines about EMFILE: the switch spins on its listener and floods its log"
kill -0 "$pid" || fail "switch died"
exit 0
