#!/bin/bash
# t_qemu_badinput.sh - hostile clients on --qemu-stream (unix and TCP) and
# --qemu-dgram: lengths 0, split headers, 20000 (skipped, counted) and
# 70000 (the connection closed, one log line); junk datagrams; clients
# that never read while the switch floods them (others still served,
# memory bounded); 2000 connections in a row (file descriptors back to
# where they were); more connections at once than ports; datagrams from
# 500 source paths (ports bounded by -n, a log line, others unaffected,
# ports freed when the senders go); vde_plug stream:// to nothing.
# The clients are helpers/qemu_bad.py.
. "$(dirname "$0")/lib.sh"
need python3
export PYTHONPATH=$(cd "$(dirname "$0")" && pwd)
BAD=$PYTHONPATH/helpers/qemu_bad.py
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

d=$T/sw mg=$T/mgmt qs=$T/qemu.sock qd=$T/qemu.dgram P=$(free_port)
start_switch sw "$d" -M "$mg" -n 12 --qemu-stream "$qs" --qemu-stream "127.0.0.1:$P" --qemu-dgram "$qd"
wait_for test -S "$qd" || fail "no --qemu-dgram socket"
pid=$PID_sw
bad() { python3 "$BAD" "$1" "$d" "$BIN/vdecmd" "$mg" "${@:2}" > "$T/bad-$1.out" 2>&1 || fail "$1: $(cat "$T/bad-$1.out")"; }
nfds() { ls "/proc/$pid/fd" | wc -l; }
noports() { ! "$BIN/vdecmd" -s "$mg" port/print | grep -q "endpoint ID.*qemu stream\|unix prog"; }

say "lengths 0, byte-by-byte headers, 20000 and 70000 on unix and TCP"
bad lengths "$qs" "127.0.0.1:$P"
n=$(grep -c "frame length above 69632 bytes: not a QEMU stream; closing it" "$T/sw.log")
[ "$n" -eq 2 ] || fail "$n 'frame length above' lines for 2 bad connections: $(cat "$T/sw.log")"

say "junk datagrams are counted drops, unnamed senders ignored; the next frame gets through"
bad dgram_garbage "$qd" "$T/junk.dgram"

say "30 connections at once on 12 ports: the rest refused, with a log line"
wait_for noports || fail "ports left over before the burst"
fds=$(nfds)
# refusals are logged at most once a second: 19 of them in one burst
# (one pass of the accept loop) give one line, not 19
n0=$(grep -c "unix $qs: connection refused:" "$T/sw.log")
bad many_at_once 30 "$qs"
n=$(($(grep -c "unix $qs: connection refused:" "$T/sw.log") - n0))
[ $n -ge 1 ] || fail "no log line for refused connections: $(tail "$T/sw.log")"
[ $n -le 5 ] || fail "$n log lines for one burst of refused connections"
wait_for sh -c "[ \$(ls /proc/$pid/fd | wc -l) -eq $fds ]" || fail "$(nfds) file descriptors after the refused ones, $fds before"

say "2000 connections in a row on each listener: file descriptors come back"
wait_for noports || fail "ports left over before the connects"
bad connects "$qs" "127.0.0.1:$P"
wait_for noports || fail "ports left after 2000 connects: $("$BIN/vdecmd" -s "$mg" port/print)"
wait_for sh -c "[ \$(ls /proc/$pid/fd | wc -l) -eq $fds ]" || fail "$(nfds) file descriptors after 2000 connects, $fds before"
bad one_frame "$qs" "127.0.0.1:$P"

say "datagrams from 500 source paths: ports bounded, others unaffected"
mkdir "$T/src"
bad dgram_flood "$qd" "$T/src" 12
n=$(grep -c "qemu-dgram $qd: sender refused:" "$T/sw.log")
[ $n -ge 1 ] || fail "no log line for refused senders"
[ $n -lt 100 ] || fail "$n log lines for about 490 refused senders"

say "vde_plug stream:// to nothing: one clear line, exit 1"
mkfifo "$T/in"
exec 3<> "$T/in" # stdin that never ends: only the failed connect can end it
plug_fails() { # VNL WHAT
	local rc=0
	timeout 20 "$BIN/vde_plug" "$1" <&3 > /dev/null 2> "$T/plug.err" || rc=$?
	[ $rc -eq 1 ] || fail "vde_plug $1: exit $rc, not 1: $(cat "$T/plug.err")"
	[ "$(wc -l < "$T/plug.err")" -eq 1 ] || fail "vde_plug $1: not one line: $(cat "$T/plug.err")"
	grep -q "^vde_plug: .*$2" "$T/plug.err" || fail "vde_plug $1 does not say '$2': $(cat "$T/plug.err")"
}
plug_fails "stream://$T/missing.sock" "stream://$T/missing.sock: connect: No such file or directory"
plug_fails "stream://127.0.0.1:$(free_port)" "Connection refused"
exec 3>&-

say "clients that never read while the switch floods them"
d2=$T/sw2 mg2=$T/mgmt2 qs2=$T/qemu2.sock qd2=$T/qemu2.dgram P2=$(free_port)
start_switch sw2 "$d2" -M "$mg2" --qemu-stream "$qs2" --qemu-stream "127.0.0.1:$P2" --qemu-dgram "$qd2"
python3 "$BAD" noreader "$d2" "$BIN/vdecmd" "$mg2" "$PID_sw2" "$qs2" "127.0.0.1:$P2" "dgram:$qd2" > "$T/bad-noreader.out" 2>&1 ||
	fail "noreader: $(cat "$T/bad-noreader.out")"
say "$(grep rss "$T/bad-noreader.out")"
exit 0
