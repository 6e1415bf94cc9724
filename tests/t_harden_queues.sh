#!/bin/bash
# t_harden_queues.sh - clients that never read cannot pin unbounded
# memory (hardening item 8, queued bytes).  Each endpoint may queue
# --queue bytes, but all queues together at most --queue-total, and one
# user's at most half of it.  64 endpoints of user nobody never read
# while a broadcast flood runs: the switch's memory grows by about the
# total (8 MiB here), not by 64 queues (64 MiB).  A root client that
# reads still gets every frame after the flood.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need python3 setpriv useradd
[ "$(id -u)" -eq 0 ] || skip "needs root to act as another user"
is_asan && skip "ASan's allocator keeps freed memory: the bound is for the normal build"

d=$T/sw
mkuser U
start_switch sw "$d" --nostdin -n 128 -m 666 --queue 1048576 --queue-total 8388608
pid=$PID_sw

cat > "$T/hog.py" <<'PY'
import os, sys, time
sys.path.insert(0, sys.argv[2])
import vdeclient as vc
hogs = [vc.Client(sys.argv[1], descr='hog %d' % i, bind_dir=sys.argv[3], mode=0o777).open() for i in range(64)]
open(sys.argv[4], 'w').close()
time.sleep(3600)  # never read; killed by the test
PY
bg_as hogs "$U" "$PYTHON" "$T/hog.py" "$d" "$HELPERS" "$SHARED" "$SHARED/ready"
wait_for -t 30 test -e "$SHARED/ready" || fail "the hogs did not connect: $(cat "$T/hogs.log")"
rss0=$(rss "$pid")

cat > "$T/flood.py" <<'PY'
import sys
import vdeclient as vc
src = vc.Client(sys.argv[1], descr='flooder').open()
reader = vc.Client(sys.argv[1], descr='reader').open()
for i in range(3000):  # 4.5 MB to each hog: more than one queue holds
    src.send(vc.frame(vc.BCAST, src.mac, b'X' * 1400, size=1500))
    while reader.recv(0) is not None:
        pass
src.send(vc.frame(vc.BCAST, src.mac, b'AFTER'))
sys.exit(0 if reader.recv_match(lambda f: b'AFTER' in f) else 'the reader lost the frame after the flood')
PY
py "$d" "$HELPERS" < "$T/flood.py" > "$T/flood.out" 2>&1 || fail "$(cat "$T/flood.out")"
rss1=$(rss "$pid")
grow=$((rss1 - rss0))
say "switch memory: $rss0 KiB before, $rss1 KiB after ($grow KiB more)"
[ "$grow" -lt "${QUEUE_BOUND_KIB:-24576}" ] || fail "64 never-reading endpoints pinned $grow KiB (total bound 8 MiB)"
kill "$PID_hogs" 2>/dev/null
wait "$PID_hogs" 2>/dev/null
wait_for sh -c "[ \$(ls '$d' | grep -c '^[0-9]') -eq 0 ]" || fail "endpoints left after the hogs went"
exit 0
