#!/bin/bash
# t_swport_console.sh - port/connect N VNL and port/disconnect N at run
# time, and --port VNL errors at start.
#   good: a live switch (vde://) and a command (cmd://vde_plug) kept on a
#     port, LINK line in port/print, endpoint of module "vnl" (or the
#     VNL's scheme); a tap (-tap is tap://) disconnected and connected
#     again; deleted from outside (ip link del) it is let go, not made
#     again; port/disconnect of cmd:// ends the command's children too; a
#     kept network whose far end died shows "down, retry in" and can be
#     disconnected
#   bad VNLs: 1022 malformed (a quote left open too), the switch itself
#     (by any name), stdio://; 1093 unknown scheme, switch://, hub://,
#     null://; 1090 a 2000-byte line
#   bad ports: 1022 for 0, -1, numports+1; 1098 a port a client holds or
#     one already connected; 1005 a switch dir that does not exist
#     (nothing kept: no LINK line, nothing retried); 1006 disconnecting a
#     port without one
#   50 connect/disconnect cycles (vde://, cmd://, failing ones between):
#     fds and children of the switch as before, the far switch empty
#   at start: --port nosuch://x (and other bad VNLs) exit 1 with one line
#     and leave no socket; --port vde://MISSING starts, port/print shows
#     "down, retry in", retries after 1, 2, 4 s, and the port comes up
#     once that switch exists
# Reply codes are the console's: vdecmd prints "CMD: NNNN Text" for a
# failure; the 2000-byte line is sent on a raw session (vdecmd's own
# status line is shorter than such a command).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vnl.sh"
need_root_taps
need python3

NP=8
A=$T/a.mgmt
start_switch b "$T/b" --nostdin -M "$T/b.mgmt"
start_switch a "$T/a" --nostdin -M "$A" -n $NP -tap vz$$a
pa=$PID_a

# code CMD...: the console's reply code to CMD (1000 on success)
code() {
	local err
	if err=$("$BIN/vdecmd" "$A" "$@" 2>&1 > /dev/null); then
		echo 1000
	else
		printf '%s\n' "$err" | sed -n 's/.*: \([0-9]\{4\}\) [^:]*$/\1/p' | tail -n 1
	fi
}
# expect WANT CMD...: CMD gets reply code WANT
expect() {
	local want=$1 got
	shift
	got=$(code "$@")
	[ "$got" = "$want" ] || fail "$(printf '%.120s' "$*"): reply ${got:-none}, not $want"
}
# raw_code LINE: the reply code to LINE sent on a session of our own
raw_code() {
	python3 - "$A" "$1" <<-'EOF'
	import re, socket, sys
	s = socket.socket(socket.AF_UNIX)
	s.settimeout(20)
	s.connect(sys.argv[1])
	s.sendall(sys.argv[2].encode() + b"\n")
	buf = b""
	code = re.compile(rb"(?:^|\$ )(\d{4}) ", re.M)  # after the prompt "vde$ "
	while not code.search(buf):
	    d = s.recv(65536)
	    if not d:
	        break
	    buf += d
	m = code.search(buf)
	print(m.group(1).decode() if m else "none")
	EOF
}
pp() { "$BIN/vdecmd" "$A" port/print "$@" 2>&1; }
# link N [CMD]: port N's LINK line in port/print (or CMD), "" when none
link() { "$BIN/vdecmd" "$A" "${2:-port/print}" | awk -v p="$(printf 'Port %04d ' "$1")" '
	index($0, p) == 1 { on = 1; next } /^Port / { on = 0 } on && /^ LINK: / { print }'; }
link_has() { link "$1" | grep -qF "$2"; }
# no_link N: no LINK line for port N, not even in port/allprint
no_link() { [ -z "$(link "$1")" ] && [ -z "$(link "$1" port/allprint)" ]; }
fds() { ls "/proc/$1/fd" | wc -l; }
fds_are() { [ "$(fds "$1")" -eq "$2" ]; }
kids() { ps -o pid= --ppid "$1" | wc -l; }
kids_are() { [ "$(kids "$1")" -eq "$2" ]; }
vdeplug=$BIN/vde_plug

say "-tap is tap://: LINK line, module tuntap; disconnected and connected again"
wait_for ip link show vz$$a || fail "no tap vz$$a"
link_has 1 " LINK: tap://vz$$a (up " || fail "port 1 (the tap): $(pp 1)"
pp 1 | grep -q "module tuntap " || fail "the tap's endpoint module: $(pp 1)"
expect 1000 port/disconnect 1
no_link 1 || fail "port 1 kept a LINK after port/disconnect: $(link 1)"
wait_for sh -c "! ip link show vz$$a" || fail "tap vz$$a still there after port/disconnect"
expect 1000 port/connect 1 tap://vz$$a
wait_for ip link show vz$$a || fail "port/connect 1 tap://vz$$a made no tap"
pp 1 | grep -q "module tuntap " || fail "the tap's endpoint after port/connect: $(pp 1)"
say "a tap deleted from outside: its port lets go (not made again); port/connect makes it anew"
ip link del vz$$a || fail "ip link del vz$$a"
wait_for no_link 1 || fail "port 1 kept its LINK after the tap was deleted: $(link 1 port/allprint)"
expect 1006 port/disconnect 1
expect 1000 port/connect 1 tap://vz$$a
wait_for ip link show vz$$a || fail "port/connect 1 tap://vz$$a after the deletion made no tap"
link_has 1 " LINK: tap://vz$$a (up " || fail "port 1 after connecting the tap again: $(pp 1)"

say "a 2000-byte VNL: 1090, the line is too long"
# (first: it makes the console's one timer for long lines, which stays)
long=$(head -c 2000 /dev/zero | tr '\0' a)
[ "$(raw_code "port/connect 5 vde://$long")" = 1090 ] || fail "a 2000-byte VNL: reply $(raw_code "port/connect 5 vde://$long"), not 1090"
no_link 5 || fail "port 5 got a LINK from a 2000-byte VNL: $(link 5)"
f0=$(fds "$pa") k0=$(kids "$pa")
say "good: vde:// and cmd:// kept on a port, then disconnected"
expect 1000 port/connect 2 "vde://$T/b"
link_has 2 " LINK: vde://$T/b (up " || fail "port 2 LINK: $(link 2)"
pp 2 | grep -qE "module (vnl|vde) " || fail "port 2's endpoint module: $(pp 2)"
wait_for holds "$T/b" 1 || fail "switch b did not get port 2's endpoint"
expect 1000 port/connect 3 "cmd://$vdeplug $T/b"
link_has 3 " LINK: cmd://$vdeplug $T/b (up " || fail "port 3 LINK: $(link 3)"
wait_for holds "$T/b" 2 || fail "switch b did not get port 3's command's endpoint"
say "bad ports"
expect 1098 port/connect 2 "vde://$T/b"
expect 1098 port/connect 3 "cmd://$vdeplug $T/b"
expect 1022 port/connect 0 "vde://$T/b"
expect 1022 port/connect -1 "vde://$T/b"
expect 1022 port/connect $((NP + 1)) "vde://$T/b"
expect 1022 port/connect x "vde://$T/b"
expect 1022 port/connect 4
bg client "$vdeplug" "vde://$T/a[4]" null://
wait_for sh -c "'$BIN/vdecmd' '$A' port/print 4 | grep -q -- '-- endpoint'" || fail "the client did not join port 4: $(cat "$T/client.log")"
expect 1098 port/connect 4 "vde://$T/b"
no_link 4 || fail "port 4 (a client's) got a LINK: $(link 4)"
alive client "the client on port 4"
expect 1000 port/disconnect 2
expect 1000 port/disconnect 3
no_link 2 && no_link 3 || fail "LINK lines left after port/disconnect: $(link 2) $(link 3)"
wait_for holds "$T/b" 0 || fail "switch b still holds endpoints after port/disconnect: $(ls "$T/b")"
expect 1006 port/disconnect 2
expect 1006 port/disconnect 4 # a client's, not a kept network
expect 1006 port/disconnect 5
expect 1022 port/disconnect 0
expect 1022 port/disconnect -1
expect 1022 port/disconnect $((NP + 1))
expect 1022 port/disconnect x
expect 1022 port/disconnect
alive client "the client on port 4"
unplug client

say "port/disconnect ends what a cmd:// command started, not just its sh"
mark=$((4000000 + $$))
expect 1000 port/connect 6 "cmd://sleep $mark; true"
sleeper() { pgrep -x -f "sleep $mark"; }
wait_for sleeper || fail "the command's sleep did not start: $(tail -n 3 "$T/a.log")"
orphan=$(sleeper)
expect 1000 port/disconnect 6
wait_for sh -c "! kill -0 $orphan 2>/dev/null" || { kill "$orphan"; fail "the command's child $orphan outlived port/disconnect"; }

say "a switch dir that does not exist: 1005, nothing kept"
expect 1005 port/connect 5 "vde://$T/missing"
no_link 5 || fail "port 5 kept a LINK after a failed first open: $(link 5)"
pp 5 > /dev/null && fail "port/print 5 shows the port after a failed connect: $(pp 5)"
expect 1006 port/disconnect 5

say "bad VNLs"
for v in '://' '%%%://x' "vde://$T/x[" 'udp://x' 'tap://' 'cmd://' "vde://$T/\"x" 'cmd://"vde_plug /tmp/x'; do
	expect 1022 port/connect 5 "$v"
done
# the switch itself (it would wait for its own answer), however named;
# its stdin/stdout (not the console user's)
ln -s "$T/a" "$T/alias"
for v in "vde://$T/a" "$T/a" "vde://$T/a/ctl" "vde://$T/alias[3]" 'stdio://'; do
	expect 1022 port/connect 5 "$v"
done
for v in 'nosuch://x' 'switch://' "switch://$T/sw" 'hub://' 'null://'; do
	expect 1093 port/connect 5 "$v"
done
no_link 5 || fail "port 5 kept a LINK after bad VNLs: $(link 5)"

say "a kept network whose far end died: down, retry in; then disconnected"
start_switch c "$T/c" --nostdin
expect 1000 port/connect 6 "vde://$T/c"
wait_for holds "$T/c" 1 || fail "switch c did not get port 6's endpoint"
unplug c
wait_for link_has 6 "(down, retry in " || fail "port 6 after its far switch ended: $(link 6)"
link 6 | grep -qE "[0-9]+ failures?\)" || fail "port 6's LINK line counts no failures: $(link 6)"
expect 1098 port/connect 6 "vde://$T/b"
expect 1000 port/disconnect 6
no_link 6 || fail "port 6 kept a LINK after port/disconnect: $(link 6)"
wait_for fds_are "$pa" "$f0" || fail "switch a held $f0 fds before, $(fds "$pa") now: $(ls -l "/proc/$pa/fd")"
wait_for kids_are "$pa" "$k0" || fail "switch a had $k0 children before, $(kids "$pa") now: $(ps -o pid,stat,args --ppid "$pa")"

say "50 connect/disconnect cycles"
fb=$(fds "$PID_b")
for i in $(seq 50); do
	expect 1000 port/connect 7 "vde://$T/b"
	expect 1005 port/connect 8 "vde://$T/missing"
	expect 1000 port/connect 8 "cmd://$vdeplug $T/b"
	expect 1022 port/connect 5 "vde://$T/x["
	expect 1093 port/connect 5 nosuch://x
	[ $((i % 10)) -eq 0 ] && { wait_for holds "$T/b" 2 || fail "cycle $i: switch b did not get both endpoints"; }
	expect 1000 port/disconnect 7
	expect 1000 port/disconnect 8
	expect 1006 port/disconnect 8
done
wait_for holds "$T/b" 0 || fail "switch b still holds endpoints after the cycles: $(ls "$T/b")"
wait_for fds_are "$pa" "$f0" || fail "switch a held $f0 fds before the cycles, $(fds "$pa") after: $(ls -l "/proc/$pa/fd")"
wait_for kids_are "$pa" "$k0" || fail "switch a had $k0 children before, $(kids "$pa") after: $(ps -o pid,stat,args --ppid "$pa")"
wait_for fds_are "$PID_b" "$fb" || fail "switch b held $fb fds before the cycles, $(fds "$PID_b") after"
for p in 5 7 8; do no_link $p || fail "port $p kept a LINK after the cycles: $(link $p)"; done
alive a "switch a"
kill "$pa"
wait "$pa" || fail "switch a exited $? after SIGTERM (66: a sanitizer report): $(tail -n 20 "$T/a.log")"

say "at start: bad VNLs exit 1 with one line"
for v in 'nosuch://x' '://' "vde://$T/x[" 'udp://x' 'switch://' 'null://' "vde://$long"; do
	"$VDE" switch -s "$T/s" --nostdin --port "$v" > "$T/start.out" 2> "$T/start.err" < /dev/null &
	sp=$!
	wait_for -t 20 sh -c "! kill -0 $sp 2>/dev/null || grep -q '^State:.*Z' /proc/$sp/status" ||
		{ kill "$sp"; wait "$sp"; fail "--port '$(printf '%.60s' "$v")' did not stop the start: $(cat "$T/start.err")"; }
	wait "$sp"
	rc=$?
	[ $rc -eq 1 ] || fail "--port '$(printf '%.60s' "$v")' exited $rc, not 1: $(cat "$T/start.err")"
	[ "$(wc -l < "$T/start.err")" -eq 1 ] || fail "--port '$(printf '%.60s' "$v")': not one line: $(cat "$T/start.err")"
	[ -e "$T/s/ctl" ] && fail "--port '$(printf '%.60s' "$v")' left $T/s/ctl"
done

say "at start: --port vde://MISSING starts, retries, comes up once it exists"
start_switch r "$T/r" --nostdin -M "$T/r.mgmt" --port "vde://$T/later"
A=$T/r.mgmt
link_has 1 "vde://$T/later (down, retry in " || fail "port 1 of a switch started with a missing far end: $(link 1)"
grep -qi "vde://$T/later" "$T/r.log" || fail "no warning about the missing far end: $(cat "$T/r.log")"
# the retries back off: 1 s, then 2, then 4 (the order, not the time)
tries() { sed -n "s|.*port 1: vde://$T/later down; next try in \([0-9]*\) s.*|\1|p" "$T/r.log" | tr '\n' ' '; }
wait_for -t 30 grep -q "next try in 4 s" "$T/r.log" || fail "no third retry: $(cat "$T/r.log")"
[ "$(tries)" = "1 2 4 " ] || fail "retries were $(tries), not 1 2 4"
start_switch later "$T/later" --nostdin
wait_for -t 40 link_has 1 "vde://$T/later (up " || fail "port 1 did not come up once the far switch started: $(link 1)"
wait_for holds "$T/later" 1 || fail "the far switch did not get the endpoint"
exit 0
