#!/bin/bash
# t_harden_vlanhop.sh - no VLAN hopping (hardening item 4).  VLAN 10
# has two access ports (2 and 3).  A client on port 5, which nobody
# configured, tags its frames with VLAN 10: they must not reach VLAN 10,
# and VLAN 10's broadcasts must not reach it.  (Before the fix a port
# nobody configured trunked every VLAN, even once VLANs existed.)
# Ordering is made deterministic through the switch's counters and
# marker frames: no sleeps, no timing.
. "$(dirname "$0")/lib.sh"
need python3

d=$T/sw
start_switch sw "$d" --nostdin -M "$T/mgmt"
wait_for test -S "$T/mgmt" || fail "no management socket"
for c in 'vlan/create 10' 'port/create 2' 'port/setvlan 2 10' 'port/create 3' 'port/setvlan 3 10' \
	'port/create 5' 'port/create 6'; do
	"$VDE" vdecmd "$T/mgmt" "$c" > /dev/null || fail "console: $c"
done

cat > "$T/hop.py" <<'PY'
import os, re, struct, subprocess, sys
sys.path.insert(0, sys.argv[3])
import vdeclient as vc
sock, mgmt, vde = sys.argv[1], sys.argv[2], sys.argv[4]

def in_pkts(port):
    out = subprocess.run([vde, 'vdecmd', mgmt, 'port/print %d' % port], capture_output=True, text=True).stdout
    return int(re.search(r'IN:\s+pkts\s+(\d+)', out).group(1))

def tagged(dst, src, vid, payload):
    return (dst + src + struct.pack('!HH', 0x8100, vid) + struct.pack('!H', vc.ETHERTYPE) + payload).ljust(64, b'\0')

v1 = vc.Client(sock, port=2, descr='vlan10 a').open()
v2 = vc.Client(sock, port=3, descr='vlan10 b').open()
atk = vc.Client(sock, port=5, descr='hopper').open()
plain = vc.Client(sock, port=6, descr='vlan0 marker').open()

# 1. the hopper injects a tagged VLAN 10 broadcast
atk.send(tagged(vc.BCAST, atk.mac, 10, b'HOP-IN'))
import time
end = time.monotonic() + 30
while in_pkts(5) < 1:
    if time.monotonic() > end:
        sys.exit('the switch never counted the hopper frame')
    time.sleep(0.05)
v2.send(vc.frame(vc.BCAST, v2.mac, b'MARK-10'))  # after it, in VLAN 10
f = v1.recv_match(lambda f: b'MARK-10' in f or b'HOP-IN' in f)
if f is None:
    sys.exit('VLAN 10 broadcast did not reach port 2')
if b'HOP-IN' in f:
    sys.exit('FAIL: a tagged frame from an unconfigured port reached VLAN 10')

# 2. VLAN 10 broadcasts do not reach the hopper
v1.send(vc.frame(vc.BCAST, v1.mac, b'SECRET-10'))
if not v2.recv_match(lambda f: b'SECRET-10' in f):
    sys.exit('VLAN 10 broadcast did not reach port 3')
plain.send(vc.frame(vc.BCAST, plain.mac, b'MARK-0'))  # VLAN 0, after it
f = atk.recv_match(lambda f: b'MARK-0' in f or b'SECRET-10' in f)
if f is None:
    sys.exit('VLAN 0 broadcast did not reach port 5')
if b'SECRET-10' in f:
    sys.exit('FAIL: an unconfigured port received VLAN 10 traffic')
print('isolated')
PY
python3 "$T/hop.py" "$d" "$T/mgmt" "$(dirname "$0")/helpers" "$VDE" > "$T/hop.out" 2>&1 ||
	fail "$(tail -n 3 "$T/hop.out")"
grep -qx isolated "$T/hop.out" || fail "$(cat "$T/hop.out")"

say "with no VLAN defined, unconfigured ports still trunk tags (the documented default)"
"$VDE" vdecmd "$T/mgmt" 'port/setvlan 2 0' > /dev/null && "$VDE" vdecmd "$T/mgmt" 'port/setvlan 3 0' > /dev/null &&
	"$VDE" vdecmd "$T/mgmt" 'vlan/remove 10' > /dev/null || fail "removing VLAN 10"
cat > "$T/trunk.py" <<'PY'
import struct, sys
sys.path.insert(0, sys.argv[2])
import vdeclient as vc
a = vc.Client(sys.argv[1], port=5).open()
b = vc.Client(sys.argv[1], port=6).open()
a.send((vc.BCAST + a.mac + struct.pack('!HH', 0x8100, 77) + struct.pack('!H', vc.ETHERTYPE) + b'TAG77').ljust(64, b'\0'))
f = b.recv_match(lambda f: b'TAG77' in f)
sys.exit(0 if f is not None and f[12:16] == struct.pack('!HH', 0x8100, 77) else 'tag 77 did not pass unchanged')
PY
python3 "$T/trunk.py" "$d" "$(dirname "$0")/helpers" || fail "default trunking broke"
exit 0
