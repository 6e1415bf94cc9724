#!/bin/bash
# t_harden_pidfile.sh - the pid file is never somebody else's file, never
# makes the switch wait, and is checked before anything is bound (issue
# 17, item 9).  A FIFO planted at the -p path used to hang the switch at
# start with DIR/ctl already bound; with -daemon the command then said
# success (exit 0) although no pid file was ever written.  Now a path
# that is not ours to write - a FIFO, a symlink, a file of a live
# process - stops the switch at once with one line and exit 1, before
# DIR/ctl exists, and "-daemon" returns non-zero whenever the daemon
# does not come up (its messages on the caller's stderr).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need python3

# unblock a switch (the old code) stuck opening a FIFO for reading;
# nothing happens if no one is reading it
unblock() {
	"$PYTHON" - "$1" <<'EOF'
import os, sys
try:
    os.close(os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK))
except OSError:
    pass
EOF
}

# refused NAME DAEMON PIDFILE [ARGS]: the switch (with -daemon when
# DAEMON is 1) exits 1 with a message, leaving no $T/NAME/ctl
refused() {
	local name=$1 daemon=$2 pidf=$3 rc
	shift 3
	local d=$T/$name
	bg "$name" "$VDE" switch -s "$d" -p "$pidf" --nostdin $([ "$daemon" = 1 ] && echo -daemon) "$@"
	local pid=$!
	if ! wait_for -t 30 sh -c "! kill -0 $pid 2>/dev/null"; then
		local bound=no
		[ -S "$d/ctl" ] && bound=yes
		unblock "$pidf"
		fail "$name: the switch hangs on the pid file $pidf ($d/ctl bound: $bound)"
	fi
	wait "$pid"
	rc=$?
	[ -p "$pidf" ] && unblock "$pidf" # an old-style daemon child may wait there
	[ $rc -eq 1 ] || fail "$name: exited $rc, not 1: $(cat "$T/$name.log")"
	[ ! -e "$d" ] || fail "$name: left $d behind: $(ls -A "$d")"
	[ "$(wc -l < "$T/$name.log")" -ge 1 ] || fail "$name: no message"
}
says() { grep -q "$2" "$T/$1.log" || fail "$1: no clear message (\"$2\"): $(cat "$T/$1.log")"; }

say "a FIFO at the pid file path: refused at once, before DIR/ctl is bound"
mkfifo "$T/fifo.pid"
refused fifo 0 "$T/fifo.pid"
says fifo "not a regular file"
[ -p "$T/fifo.pid" ] || fail "the FIFO was removed or replaced"

say "the same with -daemon: exit 1, not 0"
refused fifod 1 "$T/fifo.pid"
says fifod "not a regular file"

say "a symlink at the pid file path: refused, its target untouched"
echo precious > "$T/target"
ln -s "$T/target" "$T/link.pid"
refused link 0 "$T/link.pid"
[ "$(cat "$T/target")" = precious ] || fail "the symlink's target was written"
[ -L "$T/link.pid" ] || fail "the symlink was removed"

say "a pid file naming a live process: refused; a stale one: replaced"
echo $$ > "$T/live.pid"
refused live 0 "$T/live.pid"
says live "still running"
sleep 0 & dead=$!
wait "$dead"
echo "$dead" > "$T/stale.pid"
start_switch stale "$T/stale" -p "$T/stale.pid" --nostdin
[ "$(cat "$T/stale.pid")" = "$PID_stale" ] || fail "stale pid file not replaced: $(cat "$T/stale.pid")"
kill "$PID_stale"
wait_for sh -c "! kill -0 $PID_stale" || fail "switch did not exit"
[ ! -e "$T/stale.pid" ] || fail "pid file left behind"

say "-daemon: a pid file that cannot be made, or a -M that cannot be bound, is exit 1"
refused nodir 1 "$T/nonexistent/x.pid"
touch "$T/in-the-way"
refused mgmtd 1 "$T/mgmtd.pid" -M "$T/in-the-way"
says mgmtd "in-the-way"
[ ! -e "$T/mgmtd.pid" ] || fail "-daemon that failed left its pid file"
[ -f "$T/in-the-way" ] || fail "-M removed a regular file in its way"

say "-daemon that comes up: exit 0, the pid file is a regular file with the daemon's pid"
"$VDE" switch -s "$T/ok" -p "$T/ok.pid" -daemon > "$T/okd.log" 2>&1 || fail "-daemon failed: $(cat "$T/okd.log")"
[ -f "$T/ok.pid" ] && [ ! -L "$T/ok.pid" ] || fail "no regular pid file"
dpid=$(cat "$T/ok.pid")
_pids+=("$dpid")
[ -S "$T/ok/ctl" ] || fail "daemon returned before binding $T/ok/ctl"
kill -0 "$dpid" || fail "pid $dpid from the pid file is not running"
kill -TERM "$dpid"
wait_for -t 20 sh -c "[ ! -e /proc/$dpid ] || grep -q '^State:.*Z' /proc/$dpid/status" || fail "daemon survived SIGTERM"
[ ! -e "$T/ok.pid" ] || fail "pid file left behind"
exit 0
