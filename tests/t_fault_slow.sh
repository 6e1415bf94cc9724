#!/bin/bash
# t_fault_slow.sh - slow and malicious clients cannot stall the switch
# or grow its memory without bound.  Clients that never read their data
# socket sit on the switch while another floods broadcast frames, a
# third floods random source addresses (MAC table), a fourth pours
# megabytes down its control connection.  Meanwhile two other clients
# keep exchanging frames, a reading cable on the same port as a stuck
# one keeps receiving, and afterwards the switch's memory has grown by
# no more than its queue bound per stuck endpoint plus a fixed margin,
# and the console counts the frames it had to drop.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need python3

queue=524288   # the switch's default per-endpoint queue, given explicitly
stuck=6        # endpoints that never read
frames=100000  # 1514-byte frames: 150 MB, far beyond every bound
margin=16384   # KiB: MAC table at its cap, buffers, allocator slack
if is_asan; then
	# ASan holds freed blocks in quarantine (the MAC table is rebuilt on
	# every aging sweep): keep it small, it is not what we measure.
	export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=8"
	margin=32768
fi

d=$T/sw
mgmt=$T/mgmt
start_switch sw "$d" --nostdin --queue $queue -M "$mgmt"
pid=$PID_sw

say "$stuck clients that never read, one of them sharing port 9 with a reader"
for i in $(seq $stuck); do
	port=0; [ "$i" = 1 ] && port=9
	bg stuck$i "$PYTHON" "$HELPERS/vdeclient.py" hold "$d" --noread --port $port --descr "stuck $i"
done
for i in $(seq $stuck); do wait_for grep -q '^ready' "$T/stuck$i.log" || fail "stuck client $i did not join"; done
rss0=$(rss "$pid")
say "baseline $rss0 KiB"

say "flood: $frames broadcast frames, $frames random source MACs, 64 MiB on a control socket"
bg flood "$PYTHON" "$HELPERS/vdeclient.py" flood "$d" --count $frames
bg macflood "$PYTHON" "$HELPERS/vdeclient.py" flood "$d" --count $frames --randsrc --size 60
"$PYTHON" - "$d" > "$T/ctlflood.log" 2>&1 <<'EOF' & # (not py: $! must be python's pid)
import sys, vdeclient as vc
c = vc.Client(sys.argv[1], descr='control chatter').open()
chunk = b'\xa5' * 65536
try:
    for _ in range(1024):   # blocks unless the switch keeps reading
        c.ctl.sendall(chunk)
except (BrokenPipeError, ConnectionResetError):
    print('the switch closed the chatty control connection')  # also fine
print('control flood done')
EOF
ctlflood=$!
_pids+=($ctlflood)

say "while it lasts: ping-pong between two clients, and the reader on port 9 receives"
py "$d" <<'EOF' || fail "switch stalled by slow clients"
import sys, vdeclient as vc
d = sys.argv[1]
p = vc.Client(d, descr='ping').open()
q = vc.Client(d, descr='pong').open()
r = vc.Client(d, port=9, descr='reader next to a stuck cable').open()
def exchange(src, dst, tag):
    """send until dst gets it: the flood may take a frame's queue slot"""
    for attempt in range(200):
        src.send(vc.frame(dst.mac, src.mac, tag))
        if dst.recv_match(lambda f: tag in f, 0.5):
            return
    sys.exit('%r never arrived' % tag)
for i in range(50):
    exchange(p, q, b'ping %d' % i)
    exchange(q, p, b'pong %d' % i)
for i in range(5):
    exchange(p, r, b'to port 9 %d' % i)
EOF

wait "$ctlflood" || fail "control flood: $(cat "$T/ctlflood.log")"
wait_for -t 120 grep -q '^flood: sent' "$T/flood.log" || fail "broadcast flood did not finish"
wait_for -t 120 grep -q '^flood: sent' "$T/macflood.log" || fail "MAC flood did not finish"

rss1=$(rss "$pid")
bound=$((stuck * queue / 1024 + margin))
say "after: $rss1 KiB, growth $((rss1 - rss0)) KiB, bound $bound KiB"
[ $((rss1 - rss0)) -le $bound ] || fail "switch memory grew by $((rss1 - rss0)) KiB (bound $bound KiB)"

say "the drops are counted (port/print)"
vc console "$mgmt" "port/print 9" > "$T/print.log" 2>&1 || fail "port/print 9: $(cat "$T/print.log")"
drops=$(sed -n 's/^ *DROP: *pkts *\([0-9]*\).*/\1/p' "$T/print.log")
say "port 9 dropped ${drops:-?} frames"
[ -n "$drops" ] && [ "$drops" -gt 0 ] || fail "no drops counted on port 9: $(cat "$T/print.log")"

say "the stuck clients are still connected, the switch still serves"
for i in $(seq $stuck); do kill -0 "$(eval echo \$PID_stuck$i)" || fail "stuck client $i was dropped: $(cat "$T/stuck$i.log")"; done
py "$d" <<< 'import sys, vdeclient as vc; vc.bystanders(sys.argv[1])' || fail "not serving after the floods"
kill -0 "$pid" || fail "switch died"
exit 0
