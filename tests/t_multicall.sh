#!/bin/bash
# t_multicall.sh - one binary, many names: dispatch on argv[0] or on the
# first word, --list, --help, exit 127 for an unknown applet, make
# install with PREFIX and DESTDIR, vde --install DIR, make static.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/.." && pwd)

say "vde --list names the installed applets, one a line"
"$VDE" --list > "$T/list" || fail "vde --list exited $?"
for a in vde_switch vde_plug dpipe; do
	grep -qx "$a" "$T/list" || fail "--list lacks $a: $(cat "$T/list")"
done
[ "$(sort -u "$T/list" | wc -l)" -eq "$(wc -l < "$T/list")" ] || fail "--list has duplicates"

say "vde --help, vde with no arguments"
"$VDE" --help > "$T/help" 2> "$T/help.err" || fail "vde --help exited $?"
[ ! -s "$T/help.err" ] || fail "vde --help wrote to stderr"
for a in $(cat "$T/list"); do grep -q "$a" "$T/help" || fail "vde --help does not mention $a"; done
"$VDE" > /dev/null 2> "$T/noargs.err"; rc=$?
[ $rc -ne 0 ] && [ $rc -ne 127 ] || fail "vde with no arguments exited $rc"
grep -qi usage "$T/noargs.err" || fail "vde with no arguments gives no usage"

say "dispatch on argv[0], including vde-switch/vde-plug spellings"
mkdir "$T/names"
for n in vde_switch vde-switch vde_plug vde-plug dpipe; do
	ln -s "$VDE" "$T/names/$n"
	"$T/names/$n" --help > "$T/h.$n" 2>&1 || fail "$n --help exited $?"
done
grep -q "usage: vde_switch" "$T/h.vde_switch" || fail "vde_switch --help: $(head -3 "$T/h.vde_switch")"
cmp -s "$T/h.vde_switch" "$T/h.vde-switch" || fail "vde-switch is not vde_switch"
grep -q "usage: vde_plug" "$T/h.vde_plug" || fail "vde_plug --help: $(head -3 "$T/h.vde_plug")"
cmp -s "$T/h.vde_plug" "$T/h.vde-plug" || fail "vde-plug is not vde_plug"
grep -q "usage: dpipe" "$T/h.dpipe" || fail "dpipe --help: $(head -3 "$T/h.dpipe")"

say "dispatch on the first word: vde switch, vde plug, vde vde_switch"
"$VDE" switch --help | cmp -s - "$T/h.vde_switch" || fail "vde switch --help differs from vde_switch --help"
"$VDE" vde_switch --help | cmp -s - "$T/h.vde_switch" || fail "vde vde_switch --help differs"
"$VDE" plug --help | cmp -s - "$T/h.vde_plug" || fail "vde plug --help differs from vde_plug --help"
"$VDE" dpipe --help | cmp -s - "$T/h.dpipe" || fail "vde dpipe --help differs from dpipe --help"
"$T/names/vde_switch" --version | grep -q . || fail "vde_switch --version prints nothing"

say "a real applet run through each spelling: a switch from 'vde-switch'"
"$T/names/vde-switch" -s "$T/sw" < /dev/null > "$T/vs.log" 2>&1 &
vs=$!
_pids+=($vs)
wait_for test -S "$T/sw/ctl" || fail "vde-switch did not start a switch: $(cat "$T/vs.log")"
grep -q "^vde_switch: " "$T/vs.log" || fail "messages should be prefixed vde_switch: $(head -2 "$T/vs.log")"
kill "$vs"; wait "$vs"

say "unknown applet: one clear line, exit 127"
"$VDE" frobnicate --x > "$T/unk.out" 2> "$T/unk.err"; rc=$?
[ $rc -eq 127 ] || fail "vde frobnicate exited $rc, not 127"
[ ! -s "$T/unk.out" ] || fail "unknown applet wrote to stdout"
[ "$(wc -l < "$T/unk.err")" -eq 1 ] || fail "not one line: $(cat "$T/unk.err")"
grep -q frobnicate "$T/unk.err" || fail "error does not name the applet: $(cat "$T/unk.err")"

say "vde --install DIR makes working symlinks"
mkdir "$T/inst"
"$VDE" --install "$T/inst" || fail "vde --install exited $?"
for a in $(cat "$T/list"); do
	[ -L "$T/inst/$a" ] || fail "--install made no $a"
	[ "$(readlink -f "$T/inst/$a")" = "$(readlink -f "$VDE")" ] || fail "$a -> $(readlink "$T/inst/$a")"
done
"$T/inst/vde_plug" --help | grep -q "usage: vde_plug" || fail "installed vde_plug does not run"
"$VDE" --install "$T/inst" || fail "vde --install over existing links exited $?"
"$VDE" --install "$T/nonexistent/dir" 2> "$T/inst.err" && fail "--install into a missing directory succeeded"
grep -q "nonexistent" "$T/inst.err" || fail "--install error does not name the path: $(cat "$T/inst.err")"

# The build steps below rebuild from the tree: once is enough, not again
# for the sanitizer pass.
case $VDE in
*/asan/*) say "make install/static: checked in the normal pass"; exit 0 ;;
esac
command -v make >/dev/null || skip "make not installed"

say "make install PREFIX=/usr DESTDIR=... installs vde and relative symlinks"
make -s -C "$top" install PREFIX=/usr DESTDIR="$T/root" > "$T/install.log" 2>&1 || fail "make install: $(tail -5 "$T/install.log")"
[ -x "$T/root/usr/bin/vde" ] || fail "no $T/root/usr/bin/vde"
for a in $(cat "$T/list"); do
	[ "$(readlink "$T/root/usr/bin/$a")" = vde ] || fail "$a -> '$(readlink "$T/root/usr/bin/$a")', not vde"
done
"$T/root/usr/bin/vde_switch" --help | grep -q "usage: vde_switch" || fail "installed vde_switch does not run"
make -s -C "$top" uninstall PREFIX=/usr DESTDIR="$T/root" > /dev/null 2>&1 || fail "make uninstall"
[ -z "$(ls -A "$T/root/usr/bin")" ] || fail "make uninstall left: $(ls "$T/root/usr/bin")"

say "make static: a static binary that runs a working switch"
make -s -C "$top" static > "$T/static.log" 2>&1 || fail "make static: $(tail -5 "$T/static.log")"
st=$top/build/static/vde
[ -x "$st" ] || fail "make static made no build/static/vde"
file "$st" 2>/dev/null | grep -q -E "statically linked|static-pie" || ! ldd "$st" >/dev/null 2>&1 ||
	fail "build/static/vde is dynamic: $(ldd "$st" 2>&1 | head -3)"
"$st" --list | cmp -s - "$T/list" || fail "static vde --list differs"
"$st" switch -s "$T/ssw" < /dev/null > "$T/static-sw.log" 2>&1 &
_pids+=($!)
wait_for test -S "$T/ssw/ctl" || fail "static switch did not start: $(cat "$T/static-sw.log")"
if command -v python3 >/dev/null; then
	PYTHONPATH=$top/tests python3 - "$T/ssw" <<'EOF' || fail "static switch does not forward"
import sys, vdewire as v
a = v.Endpoint(sys.argv[1]); b = v.Endpoint(sys.argv[1])
a.send(v.frame(v.BCAST, v.mac(1), b"static")); v.recv_until(b, b"static")
EOF
fi
exit 0
