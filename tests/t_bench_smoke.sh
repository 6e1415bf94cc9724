#!/bin/bash
# t_bench_smoke.sh - the benchmark's traffic generator (tests/bench/vdegen.c)
# works against our switch: unicast frames arrive with verified sequence
# numbers, jumbo frames arrive whole, ping-pong answers, and a burst that
# fits in the switch's per-endpoint output queue (2 MiB) reaches a
# receiver that reads slowly without losing a frame (vde2 drops most of
# such a burst), and the kernel-floor measurement runs without a switch.
# The scale and burst rows' tools too (tests/bench/scale.sh, burst.sh):
# a burst at twice a paced receiver's rate that fits the queue arrives
# whole, build/vdemany holds idle endpoints and teaches MACs while two
# stations talk without leaking, broadcasts arrive, and connecting and
# disconnecting frees every port.
# Functional checks only: no rates, no timing thresholds.
. "$(dirname "$0")/lib.sh"
need cc
top=$(cd "$(dirname "$0")/.." && pwd)
gen=$T/vdegen
many=$T/vdemany

cc -O2 -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$top" -o "$gen" \
	"$top/tests/bench/vdegen.c" "$top/common/request.c" "$top/common/log.c" \
	"$top/common/util.c" || fail "cannot build vdegen"
cc -O2 -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$top" -o "$many" \
	"$top/tests/bench/vdemany.c" "$top/common/request.c" "$top/common/log.c" \
	"$top/common/util.c" || fail "cannot build vdemany"
start_switch sw "$T/sw" -n 128 # room for the 64 idle endpoints below

# run NAME ARGS...: vdegen against the switch, results in $T/NAME.out
run() {
	local name=$1; shift
	"$gen" -s "$T/sw" -p "$PID_sw" -w 5000 "$@" > "$T/$name.out" 2> "$T/gen-$name.log" ||
		{ cat "$T/gen-$name.log" >&2; fail "vdegen $* failed"; }
}
# val NAME KEY: a value vdegen printed
val() { sed -n "s/^$2=//p" "$T/$1.out"; }
# is NAME KEY VALUE
is() { [ "$(val "$1" "$2")" = "$3" ] || fail "$2 is '$(val "$1" "$2")', expected $3"; }

say "a short unpaced flow of 60-byte frames: they arrive, in order, unharmed"
run small -e 1 -t 0.3 small
[ "$(val small small.received)" -gt 0 ] || fail "no frame arrived"
is small small.duplicates 0
is small small.damaged 0
is small small.reordered 0
is small small.leaked 0 # learned unicast is not flooded to the idle port

say "9014-byte jumbo frames arrive whole"
run jumbo -t 0.2 jumbo
[ "$(val jumbo jumbo.received)" -gt 0 ] || fail "no jumbo frame arrived intact (damaged: $(val jumbo jumbo.damaged))"
is jumbo jumbo.damaged 0

say "ping-pong through the switch: every ping is answered"
run latency -n 50 latency
is latency latency.pings 50
is latency latency.lost 0

say "2000 frames to a receiver that is stalled, then reads slowly: none lost"
run burst -b 2000 -S burst
is burst burst.sent 2000
is burst burst.received 2000
is burst burst.lost 0
is burst burst.reordered 0
is burst burst.duplicates 0
is burst burst.damaged 0

say "a 100 ms burst at twice what a paced receiver drains (5000 frames/s): none lost"
# at most 1000 frames of 60 bytes: far less than one output queue holds
run drain -R 5000 -D 100 drain
[ "$(val drain drain.sent)" -gt 0 ] || fail "the drain test sent nothing"
is drain drain.received "$(val drain drain.sent)"
is drain drain.lost 0
is drain drain.reordered 0
is drain drain.damaged 0

say "64 idle endpoints and 2000 taught MACs from one process; two stations still talk"
bg hold "$many" -s "$T/sw" -n 64 -m 2000 hold
wait_for -t 60 grep -q '^hold.ready=1' "$T/hold.log" || fail "vdemany hold: $(cat "$T/hold.log")"
grep -q '^hold.macs=2000$' "$T/hold.log" || fail "vdemany taught no MACs: $(cat "$T/hold.log")"
run many -e 1 -t 0.2 small
[ "$(val many small.received)" -gt 0 ] || fail "no unicast frame arrived past 64 idle endpoints"
is many small.leaked 0
is many small.damaged 0

say "broadcast frames reach the station past the idle endpoints"
run flood -t 0.2 -R 2000 flood
[ "$(val flood flood.received)" -gt 0 ] || fail "no broadcast frame arrived"
is flood flood.damaged 0
is flood flood.duplicates 0

say "200 connects and disconnects: the switch frees every port again"
"$many" -s "$T/sw" -t 600 -c 200 connects > "$T/conn.out" 2> "$T/conn.err" ||
	fail "vdemany connects: $(cat "$T/conn.err")"
grep -q '^connects.n=200$' "$T/conn.out" || fail "not 200 connects: $(cat "$T/conn.out")"
data_sockets() { compgen -G "$T/sw/[0-9]*" | wc -l; }
wait_for test "$(data_sockets)" -eq 64 ||
	fail "$(($(data_sockets) - 64)) ports still taken after the connects (64 held)"
"$many" -s "$T/sw" -n 0 hold 2> "$T/many-bad.log" && fail "vdemany took -n 0"
grep -q -- "-n: '0' is not a number" "$T/many-bad.log" || fail "no clear error for -n 0: $(cat "$T/many-bad.log")"

say "the kernel-floor measurement needs no switch and gives three positive costs"
"$gen" -t 0.1 floor > "$T/floor.out" 2> "$T/gen-floor.log" || { cat "$T/gen-floor.log" >&2; fail "vdegen floor failed"; }
for k in batched_ns_per_frame unbatched_ns_per_frame batched_1514_ns_per_frame; do
	v=$(val floor "floor.$k")
	[[ $v =~ ^[0-9]+$ ]] && [ "$v" -gt 0 ] || fail "floor.$k is '$v', expected a positive number"
done
"$gen" -t 0.1 small 2> "$T/gen-nos.log" && fail "a switch test without -s DIR ran"
grep -q -- "-s DIR is required" "$T/gen-nos.log" || fail "no clear error without -s: $(cat "$T/gen-nos.log")"
exit 0
