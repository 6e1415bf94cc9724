#!/bin/bash
# t_restart.sh - a switch killed with SIGKILL leaves its control socket,
# data sockets, management socket and pid file behind.  Its clients
# notice and end; the next switch on the same directory sees that the
# sockets are stale and starts.  A second switch on a live directory (or
# a live VDE1 plain socket) refuses with a clear message and touches
# nothing of the running switch: not its sockets, not its directory's
# permissions, not its pid file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need python3

d=$T/sw
pidf=$T/sw.pid
mgmt=$T/mgmt
served() { py "$1" <<< 'import sys, vdeclient as vc; vc.bystanders(sys.argv[1])'; }
gone() { ! kill -0 "$1" 2>/dev/null; }
# switch_args: the management socket too, once the console exists
margs=(-M "$mgmt")
"$VDE" switch -s "$T/probe" --nostdin -M "$T/probe.mgmt" -p "$T/probe.pid" > "$T/probe.log" 2>&1 &
probe=$!
wait_for sh -c "test -S '$T/probe/ctl' || ! kill -0 $probe" 
if grep -q "not available" "$T/probe.log"; then
	say "(no management console yet: restart without -M)"
	margs=()
fi
kill "$probe" 2>/dev/null; wait "$probe"

say "first switch, with a pid file, a management socket, a vde_plug and a raw client"
start_switch sw "$d" --nostdin -p "$pidf" "${margs[@]}"
bg hold "$PYTHON" "$HELPERS/vdeclient.py" hold "$d" --descr raw
mkfifo "$T/plug.in"
exec 9<> "$T/plug.in"
bg plug sh -c 'exec "$0" -D plug "$1" < "$2" > /dev/null' "$BIN/vde_plug" "$d" "$T/plug.in"
wait_for grep -q '^ready' "$T/hold.log" || fail "raw client did not join"
wait_for grep -q "joined (plug" "$T/sw.log" || fail "plug did not join"
[ "$(cat "$pidf")" = "$PID_sw" ] || fail "pid file holds '$(cat "$pidf")', not $PID_sw"
mode0=$(stat -c %a "$d")

say "SIGKILL: files stay behind, the clients notice and end"
kill -9 "$PID_sw"
wait_for gone "$PID_sw"
left=$(ls -A "$d" | tr '\n' ' ')
say "left behind: $left"
[ -S "$d/ctl" ] || fail "no stale ctl socket (did the kernel remove it?)"
[ "$(ls "$d" | grep -c '^[0-9][0-9][0-9]\.')" -ge 2 ] || fail "expected stale data sockets, found: $left"
wait_for gone "$PID_plug" || fail "vde_plug kept running after its switch was killed"
wait "$PID_plug"; rc=$?
[ $rc -eq 0 ] || fail "vde_plug exited with $rc when the switch died (its help promises 0)"
wait_for gone "$PID_hold" || fail "raw client did not see the switch go"
grep -q "switch closed" "$T/hold.log" || fail "raw client did not see EOF"
exec 9>&-

say "restart on the same directory, pid file and management socket: it starts"
start_switch sw2 "$d" --nostdin -p "$pidf" "${margs[@]}"
wait_for grep -q "started" "$T/sw2.log" || fail "restarted switch did not start: $(cat "$T/sw2.log")"
grep -qi "stale" "$T/sw2.log" || fail "restarted switch did not say it replaced stale files"
[ "$(cat "$pidf")" = "$PID_sw2" ] || fail "pid file holds '$(cat "$pidf")', not $PID_sw2"
served "$d" || fail "restarted switch does not serve"
for i in $(seq 8); do   # more clients than the dead switch had: reuses NNN.FD names
	bg late$i "$PYTHON" "$HELPERS/vdeclient.py" hold "$d" --descr "late $i"
done
for i in $(seq 8); do wait_for grep -q '^ready' "$T/late$i.log" || fail "client $i could not join the restarted switch"; done
if [ ${#margs[@]} -gt 0 ]; then
	vc console "$mgmt" help > "$T/console.log" 2>&1 || fail "management socket of the restarted switch: $(tail -n 3 "$T/console.log")"
fi

say "a second switch on the live directory refuses and changes nothing"
ls -l --time-style=+ "$d" > "$T/before"
"$VDE" switch -s "$d" --nostdin -m 0666 -p "$pidf" "${margs[@]}" > "$T/second.log" 2>&1 &
second=$!
wait_for gone "$second" || { kill "$second"; fail "second switch on a live directory kept running"; }
wait "$second"; rc=$?
say "second switch: rc $rc: $(head -n 1 "$T/second.log")"
[ $rc -ne 0 ] || fail "second switch exited 0"
grep -q "$d/ctl" "$T/second.log" || fail "the refusal does not name $d/ctl: $(cat "$T/second.log")"
grep -qi "another switch\|in use\|running" "$T/second.log" || fail "the refusal does not say a switch is running: $(cat "$T/second.log")"
# every change it made, not just the first
errs=()
[ -S "$d/ctl" ] || errs+=("second switch removed the live ctl socket")
[ "$(cat "$pidf" 2>&1)" = "$PID_sw2" ] || errs+=("second switch changed the live switch's pid file $pidf: $(cat "$pidf" 2>&1)")
[ "$(stat -c %a "$d")" = "$mode0" ] || errs+=("second switch changed the live directory's mode from $mode0 to $(stat -c %a "$d")")
ls -l --time-style=+ "$d" > "$T/after"
diff "$T/before" "$T/after" > /dev/null || errs+=("second switch changed the directory: $(diff "$T/before" "$T/after" | tr '\n' ' ')")
[ ${#errs[@]} -eq 0 ] || fail "$(printf '%s; ' "${errs[@]}")"
served "$d" || fail "the running switch stopped serving"
[ ${#margs[@]} -eq 0 ] || vc console "$mgmt" help > /dev/null || fail "second switch broke the management socket"

say "the same for a second switch that only shares the management socket"
if [ ${#margs[@]} -gt 0 ]; then
	"$VDE" switch -s "$T/other" --nostdin -M "$mgmt" > "$T/second-m.log" 2>&1 &
	second=$!
	wait_for gone "$second" || { kill "$second"; fail "second switch on a live -M socket kept running"; }
	wait "$second" && fail "second switch on a live -M socket exited 0"
	grep -q "$mgmt" "$T/second-m.log" || fail "the refusal does not name $mgmt: $(cat "$T/second-m.log")"
	vc console "$mgmt" help > /dev/null || fail "second switch broke the live management socket"
	[ -e "$T/other/ctl" ] && fail "the refused switch left $T/other/ctl behind"
fi

say "clean exit of the restarted switch: ctl, management socket and pid file go"
for i in $(seq 8); do kill "$(eval echo \$PID_late$i)"; done
kill "$PID_sw2"
wait_for gone "$PID_sw2" || fail "switch did not exit on SIGTERM"
[ -e "$d/ctl" ] && fail "ctl socket left after a clean exit"
[ -e "$pidf" ] && fail "pid file left after a clean exit"
[ -e "$mgmt" ] && fail "management socket left after a clean exit"

say "VDE1 plain socket form: stale after SIGKILL, restart, live refusal"
plain=$T/plain.ctl
py "$plain" <<'EOF' # a stale socket file: bound, then its owner is gone
import socket, sys
socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).bind(sys.argv[1])
EOF
bg p1 "$VDE" switch -s "$plain" --nostdin
wait_for grep -q "started" "$T/p1.log" || fail "plain switch did not replace a stale socket: $(cat "$T/p1.log")"
served "$plain" || fail "plain switch not serving"
kill -9 "$PID_p1"
wait_for gone "$PID_p1"
[ -S "$plain" ] || fail "no stale plain socket after SIGKILL"
bg p2 "$VDE" switch -s "$plain" --nostdin
wait_for grep -q "started" "$T/p2.log" || fail "plain switch did not restart: $(cat "$T/p2.log")"
served "$plain" || fail "restarted plain switch not serving"
"$VDE" switch -s "$plain" --nostdin > "$T/p3.log" 2>&1 &
second=$!
wait_for gone "$second" || { kill "$second"; fail "second plain switch kept running"; }
wait "$second" && fail "second switch on a live plain socket exited 0"
grep -q "$plain" "$T/p3.log" || fail "the refusal does not name $plain: $(cat "$T/p3.log")"
served "$plain" || fail "live plain switch broken by the refused one"
exit 0
