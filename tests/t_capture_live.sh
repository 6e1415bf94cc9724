#!/bin/bash
# t_capture_live.sh - captures are live: the reader sees the first frame
# while the capture, the sender and the switch all go on (tcpdump -c 1
# returns before anything ends), for the three ways in: vde_capture on
# a console socket (read by tcpdump -r - and by tshark -i -, the pipe
# input wireshark -k -i - uses), vde_capture on a VNL (as a plug, also
# on Debian's vde_switch), and the switch's own --capture -.  When the
# reader goes, the capture ends and the switch does not.  -t ends a
# capture; --capture FILE gets -m's mode.
. "$(dirname "$0")/lib.sh"
need tcpdump tshark python3

# broadcast frames, one per 50 ms, for ever, into switch $1 through vde_plug
# (or the plug $2 names)
send_slowly() {
	python3 -c '
import struct, sys, time
i = 0
while True:
    f = b"\xff" * 6 + bytes.fromhex("02000000c0de") + b"\x88\xb5" + struct.pack("!I", i) + bytes(46)
    sys.stdout.buffer.write(struct.pack("!H", len(f)) + f)
    sys.stdout.flush()
    i += 1
    time.sleep(0.05)
' | ${2:-"$VDE" plug} "$1"
}

d=$T/sw m=$T/mgmt
start_switch sw "$d" -M "$m" --nostdin -m 0660
bg sender send_slowly "$d"
wait_for grep -q "joined (vdeplug" "$T/sw.log" || fail "the sender did not join"
running() { "$VDE" vdecmd "$m" capture/print | grep -q "^capture to"; }
stopped() { "$VDE" vdecmd "$m" capture/print | grep -q "^no capture"; }

# first_frame WHAT N: vde capture WHAT - | tcpdump -c 1 -r - ($T/cN.err,
# $T/tN.out): tcpdump prints its frame while the sender still runs, and
# both end cleanly, vde capture silent
first_frame() {
	timeout 60 sh -c "'$VDE' capture '$1' - 2> '$T/c$2.err' | tcpdump -n -c 1 -r - > '$T/t$2.out' 2>/dev/null" &
	local reader=$!
	wait_for -t 30 test -s "$T/t$2.out" || fail "tcpdump saw no frame: $(cat "$T/c$2.err")"
	cat "$T/t$2.out"
	kill -0 "$PID_sender" 2>/dev/null || fail "the sender ended"
	wait "$reader" || fail "vde capture $1 | tcpdump -c 1 failed: $(cat "$T/c$2.err")"
	[ -s "$T/c$2.err" ] && fail "vde capture said: $(cat "$T/c$2.err")"
	return 0
}

say "console: vde capture MGMT - | tcpdump -c 1 -r -"
first_frame "$m" 1
grep -q "ethertype Unknown (0x88b5)\|0x88b5" "$T/t1.out" || fail "not our frame: $(cat "$T/t1.out")"
wait_for stopped || fail "the capture outlived its reader"
kill -0 "$PID_sw" || fail "the switch ended with the capture"

say "console: vde capture MGMT - | tshark -i - -c 2 (dumpcap's pipe input, as wireshark -k -i - reads)"
timeout 60 sh -c "'$VDE' capture '$m' - 2> '$T/c6.err' | tshark -i - -c 2 -T fields -E separator=, \
	-e frame.interface_name -e frame.packet_flags_direction -e eth.src > '$T/t6.out' 2> '$T/t6.err'" ||
	fail "vde capture | tshark -i -: $(cat "$T/c6.err" "$T/t6.err")"
cat "$T/t6.out"
[ "$(sort -u "$T/t6.out")" = "port 1,0x00000001,02:00:00:00:c0:de" ] && [ "$(wc -l < "$T/t6.out")" -eq 2 ] ||
	fail "tshark -i - saw: $(cat "$T/t6.out" "$T/t6.err")"
wait_for stopped || fail "the capture outlived tshark"

say "VNL: vde capture vde://DIR - | tcpdump -c 1 -r -"
first_frame "vde://$d" 2

say "VNL: one interface, inbound; -c 3 into tshark -r -"
"$VDE" capture -c 3 "vde://$d" - 2> "$T/c3.err" |
	tshark -r - -T fields -E separator=, -e frame.interface_id -e frame.packet_flags_direction -e frame.len \
	> "$T/f3" 2>/dev/null || fail "vde capture -c 3: $(cat "$T/c3.err")"
[ "$(sort -u "$T/f3")" = "0,0x00000001,64" ] && [ "$(wc -l < "$T/f3")" -eq 3 ] || fail "VNL capture: $(cat "$T/f3")"

if [ -x /usr/bin/vde_switch ] && [ -x /usr/bin/vde_plug ]; then
	say "VNL on Debian's vde_switch, Debian's vde_plug sending: vde capture vde://DIR - | tcpdump -c 1 -r -"
	dd=$T/deb
	/usr/bin/vde_switch -s "$dd" -daemon -p "$T/deb.pid" || fail "Debian's vde_switch did not start"
	wait_for test -s "$T/deb.pid" && _pids+=($(cat "$T/deb.pid")) # vde2 has no --nostdin
	wait_for test -S "$dd/ctl" || fail "Debian's vde_switch did not start"
	bg debsender send_slowly "$dd" /usr/bin/vde_plug
	timeout 60 sh -c "'$VDE' capture 'vde://$dd' - 2> '$T/c5.err' | tcpdump -n -c 1 -r - > '$T/t5.out' 2>/dev/null" ||
		fail "vde capture on Debian's switch: $(cat "$T/c5.err")"
	cat "$T/t5.out"
	grep -q "02:00:00:00:c0:de > ff:ff:ff:ff:ff:ff" "$T/t5.out" || fail "not our frame: $(cat "$T/t5.out")"
fi

say "-t 1 ends the capture, the file is whole"
timeout 60 "$VDE" capture -t 1 "vde://$d" "$T/t.pcapng" || fail "vde capture -t 1 failed"
tshark -r "$T/t.pcapng" > "$T/t.txt" 2>&1 || fail "tshark on the -t file: $(cat "$T/t.txt")"

say "the switch's own --capture - | tcpdump -c 1 -r -"
d2=$T/sw2 m2=$T/mgmt2
timeout 60 sh -c "'$VDE' switch -s '$d2' -M '$m2' --nostdin --capture - 2> '$T/sw2.log' |
	tcpdump -n -c 1 -r - > '$T/t4.out' 2>/dev/null" &
reader=$!
wait_for test -S "$d2/ctl" || fail "switch with --capture - did not start: $(cat "$T/sw2.log")"
bg sender2 send_slowly "$d2"
wait_for -t 30 test -s "$T/t4.out" || fail "tcpdump saw no frame from --capture -: $(cat "$T/sw2.log")"
cat "$T/t4.out"
pid2=$(pgrep -f -- "-s $d2 -M")
[ -n "$pid2" ] || fail "the switch with --capture - ended with its reader"
wait_for grep -q "capture to stdout stopped" "$T/sw2.log" || fail "no stop logged: $(cat "$T/sw2.log")"
"$VDE" vdecmd "$m2" capture/print | grep -q "^no capture" || fail "capture/print after the reader went"
kill "$pid2"
wait "$reader"

say "--capture FILE: made with -m's mode, whatever the umask"
d3=$T/sw3
(umask 077; exec "$VDE" switch -s "$d3" --nostdin -m 0660 --capture "$T/sw3.pcapng") > "$T/sw3.log" 2>&1 &
pid3=$!
_pids+=($pid3)
wait_for test -S "$d3/ctl" || fail "switch with --capture FILE did not start: $(cat "$T/sw3.log")"
[ "$(stat -c %a "$T/sw3.pcapng")" = 660 ] || fail "capture file mode $(stat -c %a "$T/sw3.pcapng"), want 660"
kill "$pid3"; wait "$pid3"
tshark -r "$T/sw3.pcapng" > /dev/null 2>&1 || fail "tshark cannot read --capture's file"
exit 0
