#!/bin/bash
# t_swport_perm.sh - port/connect and port/disconnect act with the
# switch's rights (cmd:// runs a command, tap:// makes an interface), so
# on a -M socket others may use, only root and the switch's owner may
# give them; everybody else gets EPERM and nothing runs.
. "$(dirname "$0")/lib.sh"
need setpriv
nobody=65534

start_switch sw "$T/sw" --nostdin -M "$T/mgmt" --mgmtmode 0666
chmod 0755 "$T"
start_switch far "$T/far" --nostdin

as_nobody() { setpriv --reuid=$nobody --regid=$nobody --clear-groups "$VDE" vdecmd "$T/mgmt" "$@"; }

say "another user's port/connect cmd:// is refused, and runs nothing"
out=$(as_nobody port/connect 3 "cmd://touch $T/ran" 2>&1)
case $out in *"1001 "*) ;; *) fail "nobody's port/connect: $out" ;; esac
[ ! -e "$T/ran" ] || fail "the command of another user ran"
"$VDE" vdecmd "$T/mgmt" port/allprint | grep -q LINK && fail "a link was kept for another user"

say "the owner's port/connect works, another user's port/disconnect is refused"
out=$("$VDE" vdecmd "$T/mgmt" port/connect 3 "vde://$T/far" 2>&1) || fail "owner's port/connect: $out"
"$VDE" vdecmd "$T/mgmt" port/print 3 | grep -q "LINK: vde://$T/far (up" || fail "port 3 not up"
out=$(as_nobody port/disconnect 3 2>&1)
case $out in *"1001 "*) ;; *) fail "nobody's port/disconnect: $out" ;; esac
"$VDE" vdecmd "$T/mgmt" port/print 3 | grep -q "LINK:" || fail "another user disconnected port 3"
"$VDE" vdecmd "$T/mgmt" port/disconnect 3 || fail "owner's port/disconnect"
exit 0
