#!/bin/bash
# t_daemon_quiet.sh - a daemon says nothing on a successful start, even
# with taps and --port networks (their "up" lines go to syslog), and
# still says why when it cannot start.
. "$(dirname "$0")/lib.sh"
need ip

ns=$(mkns q)
tap=vdq$$
tap=${tap:0:15}

say "-daemon -tap NAME --port vde://DIR: exit 0, nothing on stdout or stderr"
start_switch far "$T/far" --nostdin -M "$T/far.mgmt"
ip netns exec "$ns" "$VDE" switch -daemon -s "$T/sw" -p "$T/sw.pid" -tap "$tap" --port "vde://$T/far" \
	> "$T/daemon.out" 2> "$T/daemon.err"
rc=$?
[ $rc -eq 0 ] || fail "daemon start exited $rc: $(cat "$T/daemon.err")"
pid=$(cat "$T/sw.pid") || fail "no pid file"
_pids+=("$pid")
[ ! -s "$T/daemon.out" ] || fail "the daemon wrote to stdout: $(cat "$T/daemon.out")"
[ ! -s "$T/daemon.err" ] || fail "the daemon wrote to stderr: $(cat "$T/daemon.err")"
ip -n "$ns" link show "$tap" > /dev/null || fail "no tap $tap: the daemon did not open it"
wait_for sh -c "'$VDE' vdecmd '$T/far.mgmt' port/print | grep -q 'vde_switch $T/sw port'" ||
	fail "the daemon's vde:// port never joined the far switch"

say "a daemon that cannot start says why on stderr and exits 1"
ip netns exec "$ns" "$VDE" switch -daemon -s "$T/sw2" --port 'nosuch://x' > "$T/bad.out" 2> "$T/bad.err"
rc=$?
[ $rc -eq 1 ] || fail "bad --port: exit $rc, want 1"
grep -q "nosuch" "$T/bad.err" || fail "bad --port: no reason on stderr: $(cat "$T/bad.err")"
[ "$(wc -l < "$T/bad.err")" -eq 1 ] || fail "bad --port: more than one line: $(cat "$T/bad.err")"
exit 0
