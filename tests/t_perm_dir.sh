#!/bin/bash
# t_perm_dir.sh - a switch directory shared with other users (-m 0666
# makes it world-writable, so clients can bind their sockets there, as
# vde2's do) must still belong to the switch: another user can neither
# remove nor replace its control socket (which would let them pose as
# the switch to every later client) or its data sockets.  Users can
# still put their own sockets there and connect.  (Squatting on the
# names of data sockets: t_perm_squat.sh.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need python3 setpriv useradd

mkuser U # the mischief-maker

d=$T/sw
start_switch sw "$d" --nostdin -m 0666
served() { py "$1" <<< 'import sys, vdeclient as vc; vc.bystanders(sys.argv[1])'; }

say "$U's own client binds its socket in $d and joins"
bg_as uh "$U" "$PYTHON" "$HELPERS/vdeclient.py" hold "$d" --bind-dir "$d" --descr "u hold"
wait_for grep -q '^ready\|error' "$T/uh.log"
grep -q '^ready' "$T/uh.log" || fail "$U cannot use the shared directory: $(cat "$T/uh.log")"

say "$U cannot remove, rename or replace the switch's sockets"
bg rh "$PYTHON" "$HELPERS/vdeclient.py" hold "$d" --descr "root hold"
wait_for grep -q '^ready' "$T/rh.log" || fail "root's client did not join"
errs=()
for f in "$d"/ctl "$d"/[0-9][0-9][0-9].*; do
	[ "$(stat -c %U "$f")" = "$U" ] && continue # (U's own data socket)
	if as "$U" mv "$f" "$f.moved" 2>/dev/null; then
		errs+=("$U renamed $(basename "$f")")
		mv "$f.moved" "$f"
	fi
	if as "$U" rm -f "$f" 2>/dev/null && [ ! -e "$f" ]; then
		errs+=("$U removed $(basename "$f")")
	fi
done
if [ ! -e "$d/ctl" ]; then
	# the hijack: U answers on DIR/ctl in place of the switch
	as "$U" "$PYTHON" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$d/ctl" &&
		errs+=("$U then bound its own $d/ctl: later clients would talk to $U")
fi
[ ${#errs[@]} -eq 0 ] || fail "$(printf '%s; ' "${errs[@]}") (directory mode $(stat -c %a "$d"): no sticky bit)"
served "$d" || fail "switch no longer serving"
kill -0 "$PID_sw" || fail "switch died"
exit 0
