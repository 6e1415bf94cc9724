#!/bin/bash
# t_harden_sockdir.sh - "-s DIR" where DIR is somebody else's symlink
# (issue 17, item 3).  "-s /tmp/x/" with a trailing slash, "/." or "//"
# used to make the kernel follow the symlink /tmp/x, so a root switch
# chmod()ed the directory it points to and created ctl in it.  Paths are
# now tidied (the entry x itself is what is checked), the directory is
# opened with O_NOFOLLOW and set up through its descriptor, and a path
# another user could redirect (their symlink on the way, or a directory
# of theirs above) is refused for -s, -M and -p alike.  A normal
# "-s DIR/" works and cleans up, and strace shows no chmod or chown by
# path at all.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need setpriv useradd strace

mkuser U
mkgroup G
target=$T/target # root's directory, which U's symlinks point at
mkdir -m 0755 "$target"
echo precious > "$target/file"
as "$U" ln -s "$target" "$SHARED/x"
mkdir -m 0755 "$T/udir" && chown "$U:" "$T/udir"
as "$U" ln -s "$target" "$T/udir/x"
before=$(stat -c '%a %U %G' "$target")

# refused ARGS...: the switch exits 1 at once with a message, and the
# target directory is as it was, with nothing new in it
n=0
refused() {
	n=$((n + 1))
	bg r$n "$VDE" switch --nostdin "$@"
	local pid=$!
	wait_for -t 30 sh -c "! kill -0 $pid 2>/dev/null || ls '$target' | grep -qv '^file$'" ||
		fail "$* neither exited nor touched $target"
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid"
		fail "vde_switch $* started: $(ls -l "$target")"
	fi
	wait "$pid"
	local rc=$?
	[ $rc -eq 1 ] || fail "vde_switch $* exited $rc, not 1: $(cat "$T/r$n.log")"
	[ "$(stat -c '%a %U %G' "$target")" = "$before" ] ||
		fail "vde_switch $* changed $target to $(stat -c '%a %U %G' "$target") (was $before)"
	[ "$(ls -A "$target")" = file ] || fail "vde_switch $* made files in $target: $(ls -A "$target")"
}
says() { grep -q "$1" "$T/r$n.log" || fail "no clear message (\"$1\"): $(cat "$T/r$n.log")"; }

say "-s $SHARED/x/, x/., x//, //x/ with x $U's symlink to root's directory: refused"
for arg in "$SHARED/x/" "$SHARED/x/." "$SHARED/x//" "$SHARED//x/" "$SHARED/./x/./"; do
	refused -s "$arg"
	says "is a symbolic link"
done

say "a directory $U owns above -s, -M or -p: refused ($U could move things below it)"
refused -s "$T/udir/x/"
says "belongs to uid"
refused -s "$T/udir/sw"
says "belongs to uid"
[ ! -e "$T/udir/sw" ] || fail "switch made $T/udir/sw"

say "-M and -p through $U's symlink: refused"
refused -s "$T/sw1" -M "$SHARED/x/mgmt"
says "symbolic link on the way belongs to another user"
refused -s "$T/sw2" -p "$SHARED/x/pid"
says "symbolic link on the way belongs to another user"
[ ! -e "$T/sw1" ] && [ ! -e "$T/sw2" ] || fail "a refused switch left its directory"

say "a normal -s DIR/ (trailing slash) works, with -g, and cleans up; no chmod/chown by path"
d=$T/good
bg good strace -f -o "$T/good.strace" -e trace=chmod,fchmodat,chown,lchown,fchownat,fchmod,fchown \
	"$VDE" switch -s "$d/" -g "$G" -M "$T/good.mgmt" -p "$T/good.pid" --nostdin
wait_for test -S "$d/ctl" || fail "switch on $d/ did not start: $(cat "$T/good.log")"
# the line comes once the start is over, after the socket exists
wait_for grep -q "started on $d/ctl " "$T/good.log" || fail "path not tidied: $(grep started "$T/good.log")"
py "$d" <<< 'import sys, vdeclient as vc; vc.bystanders(sys.argv[1])' || fail "switch on $d/ not serving"
[ "$(stat -c %G "$d")" = "$G" ] && [ "$(stat -c %G "$d/ctl")" = "$G" ] ||
	fail "-g $G not applied: $(ls -ld "$d" "$d/ctl")"
[ "$(stat -c %a "$d")" = 2770 ] || [ "$(stat -c %a "$d")" = 2700 ] || fail "mode of $d: $(stat -c %a "$d")"
# strace -f: the pid of the switch is strace's child
spid=$(pgrep -P "$PID_good" -x vde || pgrep -P "$PID_good")
[ -n "$spid" ] || fail "no switch under strace"
kill -TERM "$spid"
wait_for -t 30 sh -c "! kill -0 $PID_good 2>/dev/null" || fail "switch did not exit on SIGTERM"
[ ! -e "$d" ] || fail "$d left behind: $(ls -lA "$d")"
[ ! -e "$T/good.pid" ] && [ ! -e "$T/good.mgmt" ] || fail "pidfile or -M socket left behind"
bypath=$(grep -E '(^|[0-9] +)(chmod|fchmodat|chown|lchown|fchownat)\(' "$T/good.strace")
[ -z "$bypath" ] || fail "chmod/chown by path: $bypath"
grep -qE 'fchmod\(|fchown\(' "$T/good.strace" || fail "the directory was not set up by descriptor: $(cat "$T/good.strace")"
exit 0
