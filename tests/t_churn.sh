#!/bin/bash
# t_churn.sh - clients come and go by the thousand: 10000 full
# connect/handshake/disconnect cycles, then a thousand each of the rude
# ways to leave (no request, half a request, gone before the reply, data
# socket closed first), some of them two at a time.  Afterwards the
# switch holds exactly the fds and socket files it held before, its
# memory grew by no more than a generous bound, and it still switches.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need python3

# Memory bound: generous, so only a per-cycle leak (tens of bytes times
# 16000 cycles) can cross it.  ASan keeps freed memory in quarantine:
# keep that small, it is not what we are measuring.
limit_kib=4096
if is_asan; then
	export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=2"
	limit_kib=8192
fi

d=$T/sw
start_switch sw "$d" --nostdin
pid=$PID_sw

say "warm-up: 500 cycles, then the baseline"
vc churn "$d" 500 --send > "$T/warm.log" || fail "warm-up churn failed: $(cat "$T/warm.log")"
only_ctl() { [ "$(ls -A "$d")" = ctl ]; }
wait_for -t 60 only_ctl || fail "socket files left after warm-up: $(ls -A "$d")"
fds0=$(nfds "$pid")
rss0=$(rss "$pid")
say "baseline: $fds0 fds, $rss0 KiB"

say "10000 connect/handshake/frame/close cycles"
vc churn "$d" 10000 --send > "$T/churn.log" 2>&1 || fail "churn: $(tail -n 3 "$T/churn.log")"

say "1000 cycles each: connect only, half request, gone before the reply, data socket first"
for style in connect half noreply vanish; do
	vc churn "$d" 1000 --style "$style" > "$T/churn-$style.log" 2>&1 ||
		fail "churn --style $style: $(tail -n 3 "$T/churn-$style.log")"
done

say "two clients at a time, 2 x 1000 mixed cycles"
"$PYTHON" "$HELPERS/vdeclient.py" churn "$d" 1000 > "$T/par1.log" 2>&1 &
p1=$!
_pids+=($p1)
vc churn "$d" 1000 --style vanish > "$T/par2.log" 2>&1 || fail "parallel churn: $(tail -n 3 "$T/par2.log")"
wait $p1 || fail "parallel churn: $(tail -n 3 "$T/par1.log")"

say "fds back to the baseline, no socket files left"
wait_fds "$pid" "$fds0"
wait_for -t 60 only_ctl || fail "socket files left in $d: $(ls -A "$d")"
rss1=$(rss "$pid")
say "after: $(nfds "$pid") fds, $rss1 KiB (limit +$limit_kib KiB)"
[ $((rss1 - rss0)) -le $limit_kib ] || fail "RSS grew from $rss0 to $rss1 KiB over 16000 cycles"

say "the switch still switches"
py "$d" <<'EOF' || fail "no frames after the churn"
import sys, vdeclient as vc
d = sys.argv[1]
a, b = vc.Client(d).open(), vc.Client(d).open()
a.send(vc.frame(vc.BCAST, a.mac, b'after churn'))
if not b.recv_match(lambda f: b'after churn' in f):
    sys.exit('broadcast from port %d never reached port %d' % (a.port, b.port))
EOF
kill -0 "$pid" || fail "switch died"
exit 0
