#!/bin/bash
# t_capture_bad.sh - capture paths and values nobody should get away
# with: each is one clear line (a console reply, or the applet's or
# switch's message and exit status), and nothing is made or overwritten:
#   - a path the console user could not create (a root switch creates it
#     with the -M client's rights; a switch that cannot take them refuses);
#   - a symlink (to a file: the file keeps its content and mtime; a
#     dangling one: nothing is made), another user's existing file;
#   - a relative path, bad ports, snaplen 0 or too big, "-" with no
#     descriptor sent, capture/start twice, capture/stop with none;
#   - vde_capture -s 0, -s 262145, an existing FILE; vde_switch --capture
#     over an existing file, --capture - with the console on stdout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (throwaway users)"
need setpriv useradd

mkuser U
mkuser V
d=$T/sw m=$T/mgmt
start_switch sw "$d" -M "$m" --mgmtmode 0666 -m 0640 --nostdin
cmd() { "$VDE" vdecmd "$m" "$@"; }
# expect REPLY CMD...: the command fails with this reply, in one line
expect() {
	local want=$1 out; shift
	out=$("$@" 2>&1) && fail "$* succeeded: $out"
	[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "$*: more than one line: $out"
	case $out in *"$want"*) ;; *) fail "$*: '$out', want '$want'" ;; esac
	say "$out"
}
# usage WANT CMD...: exit 2, the message first, then the pointer to --help
usage() {
	local want=$1 out rc; shift
	out=$("$@" 2>&1); rc=$?
	[ $rc -eq 2 ] || fail "$*: exit $rc, want 2: $out"
	case $(printf '%s\n' "$out" | head -n 1) in *"$want"*) ;; *) fail "$*: '$out', want '$want'" ;; esac
	say "$(printf '%s\n' "$out" | head -n 1)"
}
old() { stat -c '%s %Y %U' "$1"; }

say "a root switch creates the file with the console user's rights"
mkdir -m 0755 "$T/rootonly"
expect "1013 Permission denied" as "$U" "$VDE" vdecmd "$m" capture/start "$T/rootonly/x.pcapng"
[ -e "$T/rootonly/x.pcapng" ] && fail "a file was made where its user may not write"
as "$U" "$VDE" vdecmd "$m" capture/start "$SHARED/u.pcapng" || fail "U's capture in a directory U may write"
[ "$(stat -c '%U %a' "$SHARED/u.pcapng")" = "$U 640" ] || fail "U's capture: $(stat -c '%U %a' "$SHARED/u.pcapng"), want $U 640"
cmd capture/stop || fail "capture/stop"

say "never over an existing file, nor through a symlink"
echo precious > "$SHARED/v.pcapng"; chown "$V" "$SHARED/v.pcapng"; touch -d '2001-01-01' "$SHARED/v.pcapng"
before=$(old "$SHARED/v.pcapng")
expect "1017 File exists" as "$U" "$VDE" vdecmd "$m" capture/start "$SHARED/v.pcapng"
expect "1017 File exists" cmd capture/start "$SHARED/v.pcapng"
[ "$(old "$SHARED/v.pcapng")" = "$before" ] && [ "$(cat "$SHARED/v.pcapng")" = precious ] ||
	fail "V's file changed: $(old "$SHARED/v.pcapng")"
echo keep > "$T/target"; touch -d '2001-01-01' "$T/target"
tbefore=$(old "$T/target")
ln -s "$T/target" "$SHARED/link.pcapng"
ln -s "$T/nothing" "$SHARED/dangling.pcapng"
expect "1017 File exists" cmd capture/start "$SHARED/link.pcapng"
expect "1017 File exists" cmd capture/start "$SHARED/dangling.pcapng"
[ "$(old "$T/target")" = "$tbefore" ] && [ "$(cat "$T/target")" = keep ] || fail "the symlink's target changed"
[ -e "$T/nothing" ] && fail "a dangling symlink's target was made"

say "bad words: nothing is made"
expect "1002 No such file or directory" cmd capture/start "$T/nodir/x.pcapng"
expect "1022 Invalid argument" cmd capture/start x.pcapng
expect "1006 No such device or address" cmd capture/start "$T/p.pcapng" 99
expect "1022 Invalid argument" cmd capture/start "$T/p.pcapng" port1
expect "1022 Invalid argument" cmd capture/start "$T/p.pcapng" snaplen=0
expect "1022 Invalid argument" cmd capture/start "$T/p.pcapng" snaplen=262145
expect "1022 Invalid argument" cmd capture/start
expect "1009 Bad file descriptor" cmd capture/start -
[ -e "$T/p.pcapng" ] && fail "a refused capture/start made its file"
expect "1002 No such file or directory" cmd capture/stop
expect "1022 Invalid argument" cmd capture/stop now

say "capture/start twice"
cmd capture/start "$T/a.pcapng" 1 2 || fail "capture/start with ports"
expect "1016 Device or resource busy" cmd capture/start "$T/b.pcapng"
[ -e "$T/b.pcapng" ] && fail "the second capture/start made its file"
expect "capture/start: 1016 Device or resource busy" "$VDE" capture "$m" "$T/c.pcapng"
cmd capture/print | grep -q "^ports: 1 2$" || fail "capture/print: $(cmd capture/print)"
cmd capture/stop || fail "capture/stop"

say "vde_capture: bad values, an existing FILE"
usage "--snaplen: '0' is not a number in 1..262144" "$VDE" capture -s 0 "$m" -
usage "--snaplen: '262145' is not a number" "$VDE" capture -s 262145 "$m" -
usage "--port: only with a switch's console socket" "$VDE" capture -p 1 "vde://$d" -
before=$(old "$SHARED/v.pcapng")
expect "create $SHARED/v.pcapng: File exists" "$VDE" capture "$m" "$SHARED/v.pcapng"
expect "create $SHARED/link.pcapng: File exists" "$VDE" capture "vde://$d" "$SHARED/link.pcapng"
[ "$(old "$SHARED/v.pcapng")" = "$before" ] && [ "$(old "$T/target")" = "$tbefore" ] || fail "vde_capture changed a file"
cmd capture/print | grep -q "^no capture" || fail "a refused vde_capture left a capture running"

say "vde_switch --capture: an existing file, stdout taken by the console"
expect "--capture $T/target: File exists" "$VDE" switch -s "$T/sw2" --nostdin --capture "$T/target"
[ "$(old "$T/target")" = "$tbefore" ] && [ "$(cat "$T/target")" = keep ] || fail "--capture changed the file"
usage "--capture -: stdout is the console's; add --nostdin" "$VDE" switch -s "$T/sw3" --capture -

if [ -x /usr/bin/vde_switch ]; then
	say "vde_capture on Debian's vde_switch console: refused (vde2 has no capture), FILE not left"
	/usr/bin/vde_switch -s "$T/deb" -M "$T/deb.mgmt" -daemon -p "$T/deb.pid" || fail "Debian's vde_switch did not start"
	wait_for test -s "$T/deb.pid" && _pids+=($(cat "$T/deb.pid")) # vde2 has no --nostdin
	wait_for test -S "$T/deb.mgmt" || fail "Debian's vde_switch did not start"
	expect "capture/start: 1038 Function not implemented" "$VDE" capture "$T/deb.mgmt" "$T/deb.pcapng"
	[ -e "$T/deb.pcapng" ] && fail "a refused vde_capture left its FILE"
fi

say "a switch that cannot take the console user's rights refuses them"
bg_as usw "$U" "$VDE" switch -s "$SHARED/usw" -M "$SHARED/umgmt" --mgmtmode 0666 --nostdin
wait_for test -S "$SHARED/umgmt" || fail "U's switch did not start"
expect "1013 Permission denied" as "$V" "$VDE" vdecmd "$SHARED/umgmt" capture/start "$SHARED/vv.pcapng"
[ -e "$SHARED/vv.pcapng" ] && fail "U's switch made a file for V"
as "$U" "$VDE" vdecmd "$SHARED/umgmt" capture/start "$SHARED/uu.pcapng" || fail "the owner's own capture"
exit 0
