#!/bin/bash
# t_bench_smoke.sh - the benchmark's traffic generator (tests/bench/vdegen.c)
# works against our switch: unicast frames arrive with verified sequence
# numbers, jumbo frames arrive whole, ping-pong answers, and a burst that
# fits in the switch's per-endpoint output queue (512 KiB) reaches a
# receiver that reads slowly without losing a frame (vde2 drops most of
# such a burst), and the kernel-floor measurement runs without a switch.
# Functional checks only: no rates, no timing thresholds.
. "$(dirname "$0")/lib.sh"
need cc
top=$(cd "$(dirname "$0")/.." && pwd)
gen=$T/vdegen

cc -O2 -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$top" -o "$gen" \
	"$top/tests/bench/vdegen.c" "$top/common/request.c" "$top/common/log.c" \
	"$top/common/util.c" || fail "cannot build vdegen"
start_switch sw "$T/sw"

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

say "the kernel-floor measurement needs no switch and gives three positive costs"
"$gen" -t 0.1 floor > "$T/floor.out" 2> "$T/gen-floor.log" || { cat "$T/gen-floor.log" >&2; fail "vdegen floor failed"; }
for k in batched_ns_per_frame unbatched_ns_per_frame batched_1514_ns_per_frame; do
	v=$(val floor "floor.$k")
	[[ $v =~ ^[0-9]+$ ]] && [ "$v" -gt 0 ] || fail "floor.$k is '$v', expected a positive number"
done
"$gen" -t 0.1 small 2> "$T/gen-nos.log" && fail "a switch test without -s DIR ran"
grep -q -- "-s DIR is required" "$T/gen-nos.log" || fail "no clear error without -s: $(cat "$T/gen-nos.log")"
exit 0
