#!/bin/bash
# t_harden_macsteal.sh - no MAC stealing (hardening item 5).  A station V
# talks on port 1; an attacker on port 3 sends with V's source address
# right after each of V's frames; S on port 2 then sends V a unicast.
# With vde2's minimum persistence (3 s) V's address stays on its port:
# V gets 20 of 20, the attacker none.  A station that really moved (its
# old port closed) is reachable on its new port at once.  Each step is
# ordered by a broadcast that S must see: no sleeps.
. "$(dirname "$0")/lib.sh"
need python3

d=$T/sw
start_switch sw "$d" --nostdin -M "$T/mgmt"
wait_for test -S "$T/mgmt" || fail "no management socket"
"$VDE" vdecmd "$T/mgmt" hash/showinfo | grep -qx 'Min persistence 3 secs' ||
	fail "default min persistence is not 3 s: $("$VDE" vdecmd "$T/mgmt" hash/showinfo)"

cat > "$T/steal.py" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
import vdeclient as vc
sock = sys.argv[1]
v = vc.Client(sock, port=1, descr='victim').open()
s = vc.Client(sock, port=2, descr='sender').open()
a = vc.Client(sock, port=3, descr='thief').open()

def seen_by_s(tag):
    if not s.recv_match(lambda f: tag in f):
        sys.exit('S never saw %r' % tag)

got_v = got_a = 0
for i in range(20):
    v.send(vc.frame(vc.BCAST, v.mac, b'V%02d' % i)); seen_by_s(b'V%02d' % i)
    a.send(vc.frame(vc.BCAST, v.mac, b'A%02d' % i)); seen_by_s(b'A%02d' % i)
    s.send(vc.frame(v.mac, s.mac, b'U%02d' % i))
    s.send(vc.frame(vc.BCAST, s.mac, b'M%02d' % i))  # ends the round
    for c in (v, a):
        while True:
            f = c.recv()
            if f is None:
                sys.exit('round %d: marker lost' % i)
            if b'U%02d' % i in f:
                if c is v: got_v += 1
                else: got_a += 1
            if b'M%02d' % i in f:
                break
print('victim %d thief %d' % (got_v, got_a))

# V really moves: its port closes, it comes back on port 4
v.close()
import time
v2 = vc.Client(sock, port=4, descr='moved').open()
v2.mac = v.mac
v2.send(vc.frame(vc.BCAST, v2.mac, b'MOVED')); seen_by_s(b'MOVED')
s.send(vc.frame(v2.mac, s.mac, b'AFTERMOVE'))
print('moved ok' if v2.recv_match(lambda f: b'AFTERMOVE' in f) else 'moved lost')
PY
python3 "$T/steal.py" "$d" "$(dirname "$0")/helpers" > "$T/steal.out" 2>&1 || fail "$(tail -n 3 "$T/steal.out")"
grep -qx 'victim 20 thief 0' "$T/steal.out" || fail "MAC stolen: $(cat "$T/steal.out")"
grep -qx 'moved ok' "$T/steal.out" || fail "a station that moved was not found: $(cat "$T/steal.out")"

say "hash/setminper 0 restores the old behaviour (the thief wins): the test can tell"
"$VDE" vdecmd "$T/mgmt" 'hash/setminper 0' > /dev/null || fail "hash/setminper 0"
python3 "$T/steal.py" "$d" "$(dirname "$0")/helpers" > "$T/steal0.out" 2>&1 || fail "$(tail -n 3 "$T/steal0.out")"
grep -qx 'victim 0 thief 20' "$T/steal0.out" || fail "with minper 0: $(cat "$T/steal0.out")"
exit 0
