#!/bin/bash
# t_capture_slow.sh - a capture whose reader stops (SIGSTOP) while ten
# ports send flat out: the switch keeps forwarding (every sender gets
# all its frames in, two other clients still hear each other), the
# capture drops and counts (capture/print), and what waits for the
# reader stays bounded (1 MiB).  Once the reader goes on, the file is
# whole: tshark reads every record the switch says it recorded.
. "$(dirname "$0")/lib.sh"
need python3 tshark
vc=$(dirname "$0")/helpers/vdeclient.py

d=$T/sw m=$T/mgmt
start_switch sw "$d" -M "$m" --nostdin
mkfifo "$T/fifo"
"$VDE" capture "$m" - > "$T/fifo" 2> "$T/capture.log" &
capture=$!; _pids+=($capture)
cat "$T/fifo" > "$T/cap.pcapng" &
reader=$!; _pids+=($reader)
wait_for sh -c "'$VDE' vdecmd '$m' capture/print | grep -q '^capture to'" || fail "capture did not start"
kill -STOP "$reader"

say "10 ports send 5000 frames of 1514 bytes each, flat out, while the reader is stopped"
fl=()
for i in $(seq 10); do
	python3 "$vc" flood "$d" --count 5000 --size 1514 > "$T/flood$i.log" 2>&1 &
	fl+=($!)
	_pids+=($!)
done
for p in "${fl[@]}"; do
	wait "$p" || fail "a sender did not get its frames in: $(cat "$T"/flood*.log)"
done
grep -c "sent 5000 frames" "$T"/flood*.log | grep -vq ":1$" && fail "senders: $(cat "$T"/flood*.log)"

say "forwarding goes on: two clients hear each other"
python3 "$vc" talk "$d" --say ping-a --hear ping-b > "$T/ta.log" 2>&1 &
a=$!; _pids+=($a)
python3 "$vc" talk "$d" --say ping-b --hear ping-a > "$T/tb.log" 2>&1 || fail "b: $(cat "$T/tb.log")"
wait "$a" || fail "a: $(cat "$T/ta.log")"

"$VDE" vdecmd "$m" capture/print > "$T/print" || fail "capture/print"
cat "$T/print"
dropped=$(sed -n 's/.*dropped \([0-9]*\) .*/\1/p' "$T/print")
waiting=$(sed -n 's/.*waiting \([0-9]*\) bytes.*/\1/p' "$T/print")
frames=$(sed -n 's/^frames \([0-9]*\) .*/\1/p' "$T/print")
[ -n "$dropped" ] && [ "$dropped" -gt 0 ] || fail "no drops counted with a stopped reader"
[ "$waiting" -le 1048576 ] || fail "$waiting bytes wait for the reader: more than the 1 MiB bound"

say "the reader goes on: what waited is written, then the capture stops"
kill -CONT "$reader"
wait_for -t 30 sh -c "'$VDE' vdecmd '$m' capture/print | grep -q 'waiting 0 bytes'" || fail "output did not drain"
"$VDE" vdecmd "$m" capture/print > "$T/print2"
frames=$(sed -n 's/^frames \([0-9]*\) .*/\1/p' "$T/print2")
"$VDE" vdecmd "$m" capture/stop || fail "capture/stop"
wait "$capture" || fail "vde capture: $(cat "$T/capture.log")"
wait "$reader"
n=$(tshark -r "$T/cap.pcapng" -T fields -e frame.number 2> "$T/tshark.err" | wc -l)
grep -v "^Running as user" "$T/tshark.err" | grep . && fail "tshark: $(cat "$T/tshark.err")"
[ "$n" -eq "$frames" ] || fail "the file has $n records, the switch recorded $frames"
say "$frames records whole in the file, $dropped dropped"
exit 0
