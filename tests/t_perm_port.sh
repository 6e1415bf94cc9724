#!/bin/bash
# t_perm_port.sh - per-port access control from the console
# (port/setuser, port/setgroup, from an rc file or the -M socket) and
# the rule that cables sharing a port belong to one user.  Who the
# client is comes from the socket (SO_PEERCRED).  A restricted port is
# refused to others whether asked for by number or by "any port", root
# always passes, NONE lifts a restriction, the refusal is logged with
# its reason and vde_plug says which port it could not get, and only
# root may reach the console that sets all this.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need python3 setpriv useradd

mkuser U
mkuser V
mkgroup G "$V"

# port_for USER DIR PORT: prints the port USER gets asking for PORT (0:
# any), or "refused"; USER "root" runs as root
port_for() {
	local run=()
	[ "$1" = root ] || run=(setpriv --reuid "$1" --regid "$1" --init-groups)
	"${run[@]}" "$PYTHON" - "$2" "$3" <<'EOF'
import sys, vdeclient as vc
try:
    print(vc.Client(sys.argv[1], port=int(sys.argv[2]), abstract=True, descr='asks').open().port)
except vc.Refused:
    print('refused')
EOF
}
expect() { # expect USER DIR PORT RESULT
	local got
	got=$(port_for "$1" "$2" "$3")
	[ "$got" = "$4" ] || fail "$1 asking for port $3 on $(basename "$2"): got '$got', expected '$4'"
}
console() { vc console "$mgmt" "$@" > "$T/console.out" 2>&1 || fail "console $*: $(cat "$T/console.out")"; }

d=$T/sw
mgmt=$T/mgmt
printf '%s\n' "port/create 4" "port/setgroup 4 $G" > "$T/rc"
bg sw "$VDE" switch -s "$d" --nostdin -m 0666 -M "$mgmt" -f "$T/rc"
wait_for test -S "$mgmt" || {
	grep -q "not available" "$T/sw.log" && skip "no management console yet"
	fail "switch did not start: $(cat "$T/sw.log")"
}

say "only root may reach the console (--mgmtmode defaults to 0600)"
as "$U" "$PYTHON" "$HELPERS/vdeclient.py" console "$mgmt" "port/setuser 4 $U" > "$T/uconsole.out" 2>&1 &&
	fail "$U could use the management console"

say "port/setuser 3 $U: $V is refused while it is idle, $U and root get it"
console "port/create 3" "port/setuser 3 $U"
expect "$V" "$d" 3 refused
grep -q "not permitted\|access control" "$T/sw.log" || fail "the refusal was not logged with its reason"
out=$(setpriv --reuid "$V" --regid "$V" --init-groups "$BIN/vde_plug" -p 3 "$d" < /dev/null 2>&1 > /dev/null) &&
	fail "$V's vde_plug got port 3"
say "$V's vde_plug: $out"
case $out in *"port 3"*) ;; *) fail "vde_plug does not say which port was refused: $out" ;; esac
bg_as uhold "$U" "$PYTHON" "$HELPERS/vdeclient.py" hold "$d" --port 3 --abstract --descr "u on 3"
wait_for grep -q '^ready\|error' "$T/uhold.log"
grep -q '^ready port 3' "$T/uhold.log" || fail "$U could not take port 3: $(cat "$T/uhold.log")"
expect root "$d" 3 3
expect "$V" "$d" 3 refused
vc console "$mgmt" "port/print 3" > "$T/print.out" 2>&1 || fail "port/print 3: $(cat "$T/print.out")"
grep -q "Current User: $U .*User: $U" "$T/print.out" || fail "port/print 3 does not show $U: $(cat "$T/print.out")"
kill "$PID_uhold"

say "port/setgroup 4 $G (from the rc file): members of $G only"
expect "$U" "$d" 4 refused
expect "$V" "$d" 4 4
expect root "$d" 4 4

say "port/setuser 3 NONE lifts the restriction"
wait_for sh -c "grep -q 'left (u on 3)' '$T/sw.log'"
console "port/setuser 3 NONE"
expect "$V" "$d" 3 3

say "\"any port\" skips ports others may not use"
d2=$T/sw2
mgmt=$T/mgmt2
bg sw2 "$VDE" switch -s "$d2" --nostdin -m 0666 -M "$mgmt" -n 3
wait_for test -S "$mgmt" || fail "switch 2 did not start: $(cat "$T/sw2.log")"
console "port/create 1" "port/allocatable 1 1" "port/setuser 1 $U"
for i in 1 2; do
	bg_as vany$i "$V" "$PYTHON" "$HELPERS/vdeclient.py" hold "$d2" --abstract --descr "v any $i"
	wait_for grep -q '^ready\|error' "$T/vany$i.log"
done
grep -h '^ready' "$T/vany1.log" "$T/vany2.log" | grep -q 'port 1$' && fail "$V was given port 1, which is $U's"
expect "$V" "$d2" 0 refused
expect "$U" "$d2" 0 1

say "cables sharing a port belong to one user (no access control needed)"
bg_as u6 "$U" "$PYTHON" "$HELPERS/vdeclient.py" hold "$d" --port 6 --abstract --descr "u on 6"
wait_for grep -q '^ready port 6' "$T/u6.log" || fail "$U could not take port 6"
expect "$V" "$d" 6 refused
grep -q "in use by another user" "$T/sw.log" || fail "the same-user refusal was not logged with its reason"
expect "$U" "$d" 6 6
expect root "$d" 6 6
exit 0
