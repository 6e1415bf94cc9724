#!/bin/bash
# t_perm_squat.sh - in a switch directory other users may write to
# (-m 0666), a user who squats on the names the switch will give its
# data sockets (DIR/NNN.FD, easy to predict) must not stop other clients
# from getting ports: the name is the switch's choice, so it can pick
# another one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need python3 setpriv useradd

mkuser U # the mischief-maker

d=$T/sw
start_switch sw "$d" --nostdin -m 0666
served() { py "$1" <<< 'import sys, vdeclient as vc; vc.bystanders(sys.argv[1])'; }

say "$U makes directories named 001.3 .. 008.64 in $d"
as "$U" sh -c 'for p in 001 002 003 004 005 006 007 008; do for fd in $(seq 3 64); do mkdir "$1/$p.$fd"; done; done' sh "$d" ||
	fail "$U could not create files in $d"
say "root's clients still get ports"
served "$d" || fail "name squatting by $U locks clients out: $(grep -m1 'bind data socket' "$T/sw.log")"
kill -0 "$PID_sw" || fail "switch died"
exit 0
