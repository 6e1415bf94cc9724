#!/bin/bash
# t_perm.sh - who may use a switch: the directory, control socket and
# data sockets get the mode and group asked for (-m, -g, --dirmode, and
# vde2's defaults), a root switch hands each data socket to its client's
# uid, a non-root switch serves other users when -m allows, and the
# usual permission mistakes end with a message that names the file and
# the reason instead of a hang or a riddle.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need python3 setpriv useradd

mkuser U          # a user with no special rights
mkuser V          # a user in group G
mkgroup G "$V"
gone() { ! kill -0 "$1" 2>/dev/null; }
# mode PATH: "octal-mode owner group"
mode() { stat -c '%a %U %G' "$1"; }
# perm_bits PATH: rwx bits only (a sticky bit on a shared directory is
# welcome, see t_perm_dir.sh); is_setgid PATH
perm_bits() { printf '%o' $((0$(stat -c %a "$1") & 0777)); }
is_setgid() { [ $((0$(stat -c %a "$1") & 02000)) -ne 0 ]; }
# data_of DIR USER: the switch's data socket files that belong to USER
data_of() { find "$1" -maxdepth 1 -name '[0-9][0-9][0-9].*' -user "$2"; }
# join_as USER DIR: USER's client joins and exchanges frames with root's
njoin=0
join_as() {
	local n=talk$((++njoin))
	bg_as $n "$1" "$PYTHON" "$HELPERS/vdeclient.py" talk "$2" --say "user $1" --hear root
	wait_for grep -q "joined\|error" "$T/$n.log" || fail "$1's client hangs"
	grep -q joined "$T/$n.log" || fail "$1 could not join $2: $(cat "$T/$n.log")"
	vc talk "$2" --say root --hear "user $1" > "$T/$n-root.log" || fail "root never heard $1 on $2"
	wait "$(eval echo \$PID_$n)" || fail "$1 never heard root on $2: $(cat "$T/$n.log")"
}
# plug_as USER DIR: USER's vde_plug; sets rc and out (its stderr)
plug_as() {
	out=$(as "$1" "$BIN/vde_plug" "$2" < /dev/null 2>&1 > /dev/null)
	rc=$?
}

say "default root switch: directory 2700, ctl 0600; another user gets a clear refusal"
d=$T/def
start_switch def "$d" --nostdin
[ "$(mode "$d")" = "2700 root root" ] || fail "directory: $(mode "$d")"
[ "$(mode "$d/ctl")" = "600 root root" ] || fail "ctl: $(mode "$d/ctl")"
plug_as "$U" "$d"
say "$U: rc $rc: $out"
[ $rc -ne 0 ] || fail "$U's plug exited 0 on a switch it may not use"
case $out in *"$d/ctl"*"ermission denied"*) ;; *) fail "message does not name $d/ctl and 'Permission denied': $out" ;; esac
ls -A "$d" | grep -qv '^ctl$' && fail "files left in $d: $(ls -A "$d")"

say "-m 0660 -g G: directory 2770 and ctl 0660 of group G; members in, others out"
d=$T/grp
start_switch grp "$d" --nostdin -m 0660 -g "$G"
[ "$(perm_bits "$d")" = 770 ] && is_setgid "$d" && [ "$(stat -c %G "$d")" = "$G" ] || fail "directory: $(mode "$d")"
[ "$(mode "$d/ctl")" = "660 root $G" ] || fail "ctl: $(mode "$d/ctl")"
join_as "$V" "$d"
plug_as "$U" "$d"
[ $rc -ne 0 ] || fail "$U (not in $G) got a port"
case $out in *"$d/ctl"*"ermission denied"*) ;; *) fail "message for $U does not name $d/ctl and 'Permission denied': $out" ;; esac

say "a root switch gives each data socket to its client: owner, group G, mode 0600"
bg vhold "$PYTHON" "$HELPERS/vdeclient.py" hold "$d" --descr placeholder # (root's, for contrast)
wait_for grep -q '^ready' "$T/vhold.log"
bg_as vh "$V" "$PYTHON" "$HELPERS/vdeclient.py" hold "$d" --descr "v hold"
wait_for grep -q '^ready' "$T/vh.log" || fail "$V could not hold a port: $(cat "$T/vh.log")"
f=$(data_of "$d" "$V")
[ -n "$f" ] || fail "no data socket owned by $V in $d: $(ls -l "$d")"
[ "$(mode "$f")" = "600 $V $G" ] || fail "$V's data socket: $(mode "$f")"
kill "$PID_vh" "$PID_vhold"

say "-m 0666: anyone may connect; the directory is 2777 (+t allowed)"
d=$T/all
start_switch all "$d" --nostdin -m 0666
[ "$(perm_bits "$d")" = 777 ] && is_setgid "$d" || fail "directory: $(mode "$d")"
[ "$(mode "$d/ctl")" = "666 root root" ] || fail "ctl: $(mode "$d/ctl")"
join_as "$U" "$d"
bg_as uh "$U" "$PYTHON" "$HELPERS/vdeclient.py" hold "$d" --descr "u hold"
wait_for grep -q '^ready' "$T/uh.log" || fail "$U could not hold a port: $(cat "$T/uh.log")"
f=$(data_of "$d" "$U")
[ "$(mode "$f")" = "600 $U root" ] || fail "$U's data socket: $(mode "$f")"
kill "$PID_uh"

say "--dirmode 0750 alone: ctl gets its rw bits (0640), as in vde2"
d=$T/dm
start_switch dm "$d" --nostdin --dirmode 0750 -g "$G"
[ "$(perm_bits "$d")" = 750 ] && [ "$(stat -c %G "$d")" = "$G" ] || fail "directory: $(mode "$d")"
[ "$(mode "$d/ctl")" = "640 root $G" ] || fail "ctl: $(mode "$d/ctl")"

say "a switch run by $U with -m 0666 serves $V and root"
d=$SHARED/usw
bg_as usw "$U" "$VDE" switch -s "$d" --nostdin -m 0666
wait_for test -S "$d/ctl" || fail "$U's switch did not start: $(cat "$T/usw.log")"
[ "$(mode "$d/ctl")" = "666 $U $U" ] || fail "ctl of $U's switch: $(mode "$d/ctl")"
join_as "$V" "$d"
bg_as vh2 "$V" "$PYTHON" "$HELPERS/vdeclient.py" hold "$d" --descr "v hold"
wait_for grep -q '^ready' "$T/vh2.log" || fail "$V could not hold a port on $U's switch: $(cat "$T/vh2.log")"
f=$(find "$d" -maxdepth 1 -name '[0-9][0-9][0-9].*' | head -n 1)
[ "$(stat -c %a "$f")" = 666 ] || fail "data socket of a non-root switch with -m 0666: $(mode "$f")"
kill "$PID_vh2"

say "a client socket the switch cannot reach: the switch log names it and the reason"
as "$V" "$PYTHON" - "$SHARED/usw" <<'EOF' || fail "$V's unreachable socket"
import sys, vdeclient as vc
c = vc.Client(sys.argv[1], mode=0o700, fix_perms=False, descr='unreachable')
try:
    c.open()
    sys.exit('joined although the switch cannot connect to a 0700 socket of another user')
except vc.Refused:
    pass
EOF
grep -q "client data socket .*ermission denied" "$T/usw.log" ||
	fail "$U's switch did not log why it refused $V: $(tail -n 2 "$T/usw.log")"

say "and with its default mode, refuses $V clearly"
d=$SHARED/usw2
bg_as usw2 "$U" "$VDE" switch -s "$d" --nostdin
wait_for test -S "$d/ctl" || fail "$U's second switch did not start: $(cat "$T/usw2.log")"
plug_as "$V" "$d"
[ $rc -ne 0 ] || fail "$V got a port on $U's private switch"
case $out in *"$d"*"ermission denied"*) ;; *) fail "message does not name $d and 'Permission denied': $out" ;; esac

say "start-up mistakes: unknown group, somebody else's directory, a tap without rights"
"$VDE" switch -s "$T/x" --nostdin -g no-such-group-here > "$T/e1.log" 2>&1 &
p=$!; wait_for gone $p || kill $p; wait $p; rc=$?
[ $rc -ne 0 ] && grep -q "no-such-group-here" "$T/e1.log" || fail "unknown group: rc $rc, $(cat "$T/e1.log")"
out=$(as "$U" "$VDE" switch -s "$T/def" --nostdin < /dev/null 2>&1); rc=$?
say "$U on root's directory: rc $rc: $out"
[ $rc -ne 0 ] || fail "$U started a switch in root's directory"
case $out in *"$T/def"*) ;; *) fail "message does not name $T/def: $out" ;; esac
[ -S "$T/def/ctl" ] || fail "$U's failed switch removed root's ctl"
out=$(as "$U" "$VDE" switch -s "$SHARED/tapsw" --nostdin -t vdetnope0 < /dev/null 2>&1); rc=$?
say "$U with a tap: rc $rc: $out"
[ $rc -ne 0 ] || fail "$U opened a tap"
case $out in *vdetnope0*"ermission denied"*) ;; *) fail "tap message does not name the tap and the reason: $out" ;; esac
[ -e "$SHARED/tapsw/ctl" ] && fail "the failed switch left its ctl socket"
exit 0
