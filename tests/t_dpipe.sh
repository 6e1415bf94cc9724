#!/bin/bash
# t_dpipe.sh - dpipe joins commands with one pipe each way (spec §5),
# waits for all of them, returns the last one's status and leaves no
# command running behind it.  Plain shell commands, no switch.
. "$(dirname "$0")/lib.sh"

# gone PID: the process has exited (a zombie nobody reaped counts too)
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" = Z ]; }
# kids PID N: PID has N children
kids() { [ "$(pgrep -P "$1" | wc -l)" -eq "$2" ]; }
# dp ARGS: run dpipe in the foreground, bounded; stderr to $T/dp.log
# (every *.log is searched for sanitizer reports at exit)
dp() { timeout -k 5 30 "$VDE" dpipe "$@" 2>> "$T/dp.log"; }

say "a = b: data flows both ways"
dp sh -c 'echo ping; read r; echo "$r" > "$1"' sh "$T/left" \
	= sh -c 'read l; echo "$l" > "$1"; echo pong' sh "$T/right" || fail "a = b exited $?"
[ "$(cat "$T/right")" = ping ] || fail "right side read '$(cat "$T/right")', not ping"
[ "$(cat "$T/left")" = pong ] || fail "left side read '$(cat "$T/left")', not pong"

say "a = b = c: the middle command uses ALTERNATE_STDIN/ALTERNATE_STDOUT"
dp sh -c 'echo hello; read x; echo "$x" > "$1"' sh "$T/a" \
	= sh -c 'echo "$ALTERNATE_STDIN $ALTERNATE_STDOUT" > "$1"
		read l; echo "$l-b" >&"$ALTERNATE_STDOUT"
		read r <&"$ALTERNATE_STDIN"; echo "$r-b"' sh "$T/alt" \
	= sh -c 'read l; echo "$l-c"' || fail "a = b = c exited $?"
[ "$(cat "$T/alt")" = "3 4" ] || fail "alternate fds are '$(cat "$T/alt")', not '3 4'"
[ "$(cat "$T/a")" = hello-b-c-b ] || fail "the round trip gave '$(cat "$T/a")'"

say "a =} f }= b: f only sees what flows left to right"
dp sh -c 'echo abc; read x; echo "$x" > "$1"' sh "$T/r1" \
	=} sed -u 's/$/-f/' }= sh -c 'read l; echo "$l-b"' || fail "=} }= exited $?"
[ "$(cat "$T/r1")" = abc-f-b ] || fail "=} }= gave '$(cat "$T/r1")'"

say "a ={ g {= b: g only sees what flows right to left"
dp sh -c 'echo abc; read x; echo "$x" > "$1"' sh "$T/r2" \
	={ sed -u 's/$/-g/' {= sh -c 'read l; echo "$l-b"' || fail "={ {= exited $?"
[ "$(cat "$T/r2")" = abc-b-g ] || fail "={ {= gave '$(cat "$T/r2")'"

say "a =} f = f2 }={ g {= b: sections chain and combine"
dp sh -c 'echo abc; read x; echo "$x" > "$1"' sh "$T/r3" \
	=} sed -u 's/$/-f/' = sed -u 's/$/-f2/' }={ sed -u 's/$/-g/' {= \
	sh -c 'read l; echo "$l-b"' || fail "mixed sections exited $?"
[ "$(cat "$T/r3")" = abc-f-f2-b-g ] || fail "mixed sections gave '$(cat "$T/r3")'"

say "exit status is the last command's"
dp cat = sh -c 'exit 5'; rc=$?
[ $rc -eq 5 ] || fail "last command exit 5 gave $rc"
dp sh -c 'exit 3' = cat; rc=$?
[ $rc -eq 0 ] || fail "first command exit 3, last 0, gave $rc"
dp cat = /nonexistent/command; rc=$?
[ $rc -eq 127 ] || fail "a command that cannot run gave $rc, not 127"
grep -q '/nonexistent/command' "$T/dp.log" || fail "no message naming the missing command"
dp cat = sh -c 'kill -9 $$'; rc=$?
[ $rc -eq 137 ] || fail "last command killed by SIGKILL gave $rc, not 137"

say "usage errors: one message, exit 2"
while read -r args; do
	# shellcheck disable=SC2086 # word splitting wanted
	"$VDE" dpipe $args > "$T/usage.out" 2> "$T/usage.err" < /dev/null; rc=$?
	cat "$T/usage.err" >> "$T/usage.log"
	[ $rc -eq 2 ] || fail "dpipe $args: exit $rc, not 2"
	head -n 1 "$T/usage.err" | grep -q '^dpipe: ' || fail "dpipe $args: no error message: $(cat "$T/usage.err")"
	[ -s "$T/usage.out" ] && fail "dpipe $args: wrote to stdout"
done <<'EOF'

cat
cat =
= cat
cat = = cat
cat =} cat
cat =} cat }= cat ={ cat
cat =x cat
-z cat = cat
-p
EOF

say "errors at start: one message, exit 1, nothing leaked (the ASan pass reads dp.log)"
mkdir "$T/adir"
for pf in "$T/nodir/dp.pid" "$T/adir"; do
	dp -p "$pf" cat = cat < /dev/null; rc=$?
	[ $rc -eq 1 ] || fail "dpipe -p $pf (cannot be created): exit $rc, not 1"
	tail -n 1 "$T/dp.log" | grep -q "^dpipe: .*$pf" || fail "dpipe -p $pf: no message naming it: $(tail -n 3 "$T/dp.log")"
done
dp /nonexistent/first = cat < /dev/null; rc=$?
[ $rc -eq 0 ] || fail "a first command that cannot run, last one fine: exit $rc, not 0"

say "SIGTERM to dpipe stops every command; dpipe dies of SIGTERM"
bg dp1 "$VDE" dpipe sleep 1000 = sleep 1001
wait_for kids "$PID_dp1" 2 || fail "dpipe did not start two commands"
k1=$(pgrep -P "$PID_dp1")
kill -TERM "$PID_dp1"
wait_for gone "$PID_dp1" || fail "dpipe survived SIGTERM"
wait "$PID_dp1"; rc=$?
[ $rc -eq 143 ] || fail "dpipe killed by SIGTERM exited $rc, not 143"
for k in $k1; do gone "$k" || fail "command $k outlived dpipe"; done

say "SIGKILL to dpipe: the kernel still stops the commands"
bg dp2 "$VDE" dpipe sleep 1000 = sleep 1001
wait_for kids "$PID_dp2" 2 || fail "dpipe did not start two commands"
k2=$(pgrep -P "$PID_dp2")
exec 3>&2 2>/dev/null # bash would print a "Killed" notice
kill -KILL "$PID_dp2"
wait "$PID_dp2"
exec 2>&3 3>&-
for k in $k2; do wait_for gone "$k" || fail "command $k orphaned by a killed dpipe"; done

say "one command ends: the others see EOF, or get SIGTERM after a grace period"
bg dp3 "$VDE" dpipe sleep 1000 = sh -c 'until [ -e "$1" ]; do sleep 0.05; done; exit 4' sh "$T/go"
wait_for kids "$PID_dp3" 2 || fail "dpipe did not start two commands"
k3=$(pgrep -P "$PID_dp3")
touch "$T/go"
wait_for gone "$PID_dp3" || fail "dpipe kept running after a command ended"
wait "$PID_dp3"; rc=$?
[ $rc -eq 4 ] || fail "exit status $rc, not the last command's 4"
for k in $k3; do gone "$k" || fail "command $k left running"; done

say "a middle command ends: both neighbours go"
bg dp4 "$VDE" dpipe sleep 1000 = sh -c 'until [ -e "$1" ]; do sleep 0.05; done' sh "$T/go2" = sleep 1002
wait_for kids "$PID_dp4" 3 || fail "dpipe did not start three commands"
k4=$(pgrep -P "$PID_dp4")
touch "$T/go2"
wait_for gone "$PID_dp4" || fail "dpipe kept running after the middle command ended"
wait "$PID_dp4"; rc=$?
[ $rc -eq 143 ] || fail "last command, stopped by SIGTERM, gave $rc, not 143"
for k in $k4; do gone "$k" || fail "command $k left running"; done

say "-p PIDFILE holds dpipe's pid while it runs"
bg dp5 "$VDE" dpipe -p "$T/dp.pid" cat = sleep 1003
wait_for test -s "$T/dp.pid" || fail "no pidfile"
[ "$(cat "$T/dp.pid")" = "$PID_dp5" ] || fail "pidfile holds $(cat "$T/dp.pid"), not $PID_dp5"
kill -TERM "$PID_dp5"
wait_for gone "$PID_dp5" || fail "dpipe survived SIGTERM"
[ -e "$T/dp.pid" ] && fail "pidfile left behind"

say "-d detaches; the pidfile names the background dpipe"
dp -d -p "$T/d.pid" sleep 1000 = sleep 1004 || fail "dpipe -d exited $?"
wait_for test -s "$T/d.pid" || fail "no pidfile from dpipe -d"
dpid=$(cat "$T/d.pid")
_pids+=("$dpid")
wait_for kids "$dpid" 2 || fail "daemonised dpipe did not start two commands"
k6=$(pgrep -P "$dpid")
kill -TERM "$dpid"
wait_for gone "$dpid" || fail "daemonised dpipe survived SIGTERM"
for k in $k6; do wait_for gone "$k" || fail "command $k outlived dpipe -d"; done

say "ok"
