#!/bin/bash
# t_harden_stp.sh - with the spanning tree on, a client that is no
# bridge cannot break the others' isolation (hardening item 7):
#   1. a TCN flood: a topology change ages addresses out (802.1D's short
#      aging), it does not flush live ones, so the private unicasts of a
#      station that keeps talking are never flooded to the attacker;
#   2. root guard (fstp/rootguard PORT 1): a forged superior BPDU does
#      not make the port the root port, it blocks it; without root guard
#      the same BPDU does make its sender the root (the default, as in
#      802.1D: the test sees the attack);
#   3. BPDU guard (on by default for edge ports): a BPDU on an edge port
#      blocks it; fstp/bpduguard PORT 0 lifts it.
# Ordering is by marker frames and console state: no sleeps.
. "$(dirname "$0")/lib.sh"
need python3

d=$T/sw
start_switch sw "$d" --nostdin --stp -M "$T/mgmt"
wait_for test -S "$T/mgmt" || fail "no management socket"

cat > "$T/stp.py" <<'PY'
import re, struct, subprocess, sys, time
sys.path.insert(0, sys.argv[2])
import vdeclient as vc
sock, mgmt, vde = sys.argv[1], sys.argv[3], sys.argv[4]
STP = b'\x01\x80\xc2\x00\x00\x00'

def cmd(c):
    r = subprocess.run([vde, 'vdecmd', mgmt, c], capture_output=True, text=True)
    if r.returncode:
        sys.exit('console %s: %s' % (c, r.stdout + r.stderr))
    return r.stdout

def until(what, pred):
    end = time.monotonic() + 60
    while not pred():
        if time.monotonic() > end:
            sys.exit('timed out waiting for ' + what)
        time.sleep(0.05)

def stp_line(port):
    return re.search(r'STP: .*', cmd('port/print %d' % port) or '') and re.search(r'STP: .*', cmd('port/print %d' % port)).group(0)

def bpdu(src, body):
    llc = b'\x42\x42\x03' + body
    return (STP + src + struct.pack('!H', len(llc)) + llc).ljust(60, b'\0')

TCN = b'\x00\x00\x00\x80'
def config(root_prio, root_mac, bridge_mac):
    return (b'\x00\x00\x00\x00\x00' + struct.pack('!H', root_prio) + root_mac + struct.pack('!I', 0) +
            struct.pack('!H', root_prio) + bridge_mac + struct.pack('!HHHHH', 0x8001, 0, 20 * 256, 2 * 256, 15 * 256))

cmd('fstp/settimers 1 6 4')
for p in range(1, 6):
    cmd('port/create %d' % p)
for p in (1, 2, 5):
    cmd('fstp/setedge %d 1' % p)
v = vc.Client(sock, port=1, descr='victim').open()
s = vc.Client(sock, port=2, descr='sender').open()
a = vc.Client(sock, port=3, descr='tcn flooder').open()
until('port 3 forwarding', lambda: 'forwarding' in stp_line(3))

def round_trip(tag):
    s.send(vc.frame(vc.BCAST, s.mac, tag))
    if not v.recv_match(lambda f: tag in f):
        sys.exit('v lost %r' % tag)

# 1. TCN flood
leaked = 0
for i in range(20):
    v.send(vc.frame(vc.BCAST, v.mac, b'V%02d' % i))
    if not s.recv_match(lambda f: b'V%02d' % i in f): sys.exit('s lost V%02d' % i)
    a.send(bpdu(a.mac, TCN))
    a.send(vc.frame(vc.BCAST, a.mac, b'A%02d' % i))  # after the TCN
    if not s.recv_match(lambda f: b'A%02d' % i in f): sys.exit('s lost A%02d' % i)
    s.send(vc.frame(v.mac, s.mac, b'PRIV%02d' % i))
    s.send(vc.frame(vc.BCAST, s.mac, b'END%02d' % i))
    while True:
        f = a.recv()
        if f is None: sys.exit('a lost END%02d' % i)
        leaked += b'PRIV' in f
        if b'END%02d' % i in f: break
tc = re.search(r'Topology changes (\d+)', cmd('fstp/showinfo')).group(1)
print('tcn flood: leaked %d, topology changes %s' % (leaked, tc))

# 2. root guard on port 3; port 4 has none
cmd('fstp/rootguard 3 1')
evil = bytes([2, 0, 0, 0, 0, 0x66])
a.send(bpdu(a.mac, config(0, evil, evil)))
a.send(vc.frame(vc.BCAST, a.mac, b'AFTER-FORGE'))
until('root guard to hold port 3', lambda: 'root-inconsistent' in stp_line(3))
info = cmd('fstp/showinfo')
print('root guard: ' + ('still root' if 'this switch is the root' in info else 'root taken'))
b = vc.Client(sock, port=4, descr='no root guard').open()
until('port 4 to take part', lambda: 'designated' in stp_line(4))
b.send(bpdu(b.mac, config(0, evil, evil)))
until('the forged root to win on port 4', lambda: 'via port 4' in cmd('fstp/showinfo'))
print('without root guard: root taken')

# 3. BPDU guard on edge port 5 (default)
e = vc.Client(sock, port=5, descr='edge').open()
until('edge port 5 forwarding', lambda: 'forwarding' in stp_line(5))
e.send(bpdu(e.mac, TCN))
until('BPDU guard on port 5', lambda: 'bpdu-guard-blocked' in stp_line(5))
e.send(vc.frame(vc.BCAST, e.mac, b'FROM-BLOCKED'))
v.send(vc.frame(vc.BCAST, v.mac, b'MARK-V'))
f = s.recv_match(lambda f: b'MARK-V' in f or b'FROM-BLOCKED' in f)
print('bpdu guard: ' + ('blocked' if f is not None and b'MARK-V' in f else 'forwarded'))
cmd('fstp/bpduguard 5 0')
until('port 5 back', lambda: 'bpdu-guard' not in stp_line(5))
print('lifted')
PY
python3 "$T/stp.py" "$d" "$(dirname "$0")/helpers" "$T/mgmt" "$VDE" > "$T/stp.out" 2>&1 || fail "$(tail -n 3 "$T/stp.out")"
cat "$T/stp.out"
grep -q '^tcn flood: leaked 0, topology changes [1-9]' "$T/stp.out" || fail "TCN flood leaked unicasts: $(head -n 1 "$T/stp.out")"
grep -qx 'root guard: still root' "$T/stp.out" || fail "root guard let a forged BPDU win"
grep -qx 'without root guard: root taken' "$T/stp.out" || fail "the forged BPDU did not win without root guard"
grep -qx 'bpdu guard: blocked' "$T/stp.out" || fail "BPDU guard did not block the edge port"
grep -qx 'lifted' "$T/stp.out" || fail "fstp/bpduguard 5 0 did not lift the block"
grep -q 'BPDU guard' "$T/sw.log" && grep -q 'root guard' "$T/sw.log" || fail "no log line for the guards"
exit 0
