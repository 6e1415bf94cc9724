#!/bin/bash
# t_harden_macflood.sh - a MAC flood cannot blind the switch (hardening
# item 6).  Two flooders on ports 1 and 4 send 20000 source addresses
# each into a table of 1024.  One port holds at most half the table
# (hash/setportmax), and a full table evicts the flooders' entries, so
# a station joining afterwards is learned at once: S's unicasts to it
# reach it and are not flooded to the attacker.
. "$(dirname "$0")/lib.sh"
need python3

d=$T/sw
start_switch sw "$d" --nostdin -M "$T/mgmt" --hashsize 1024
wait_for test -S "$T/mgmt" || fail "no management socket"

cat > "$T/flood.py" <<'PY'
import re, subprocess, sys, time
sys.path.insert(0, sys.argv[2])
import vdeclient as vc
sock, mgmt, vde = sys.argv[1], sys.argv[3], sys.argv[4]

def counter(port, what):
    out = subprocess.run([vde, 'vdecmd', mgmt, 'port/print %d' % port], capture_output=True, text=True).stdout
    return int(re.search(what + r':\s+pkts\s+(\d+)', out).group(1))

def wait_in(port, n):
    end = time.monotonic() + 60
    while counter(port, 'IN') < n:
        if time.monotonic() > end: sys.exit('port %d: the switch did not take %d frames' % (port, n))
        time.sleep(0.05)

f1 = vc.Client(sock, port=1, descr='flooder 1').open()
f4 = vc.Client(sock, port=4, descr='flooder 4').open()
for i in range(20000):  # blocking sends: none is lost before the switch
    f1.send(vc.frame(vc.BCAST, vc.mac_for(i, 0x11), b'F'))
    f4.send(vc.frame(vc.BCAST, vc.mac_for(i, 0x44), b'F'))
wait_in(1, 20000); wait_in(4, 20000)  # all of the flood is through
s = vc.Client(sock, port=2, descr='sender').open()
n = vc.Client(sock, port=3, descr='newcomer').open()
out1 = counter(1, 'OUT')
s.send(vc.frame(vc.BCAST, s.mac, b'HELLO-S'))
if not n.recv_match(lambda f: b'HELLO-S' in f): sys.exit('n did not hear s')
n.send(vc.frame(vc.BCAST, n.mac, b'HELLO-N'))
if not s.recv_match(lambda f: b'HELLO-N' in f): sys.exit('s did not hear n')
for i in range(20):
    s.send(vc.frame(n.mac, s.mac, b'PRIV%02d' % i))
s.send(vc.frame(vc.BCAST, s.mac, b'END'))
got = 0
while True:
    f = n.recv()
    if f is None: sys.exit('newcomer: END lost')
    got += b'PRIV' in f
    if b'END' in f: break
# what went out of port 1 meanwhile: 3 broadcasts, plus any private
# unicast that was flooded because the newcomer was not learned
print('newcomer %d leaked %d' % (got, counter(1, 'OUT') - out1 - 3))
table = subprocess.run([vde, 'vdecmd', mgmt, 'hash/print'], capture_output=True, text=True).stdout.splitlines()
print('entries %d port1 %d' % (len(table), sum('to port: 001' in l for l in table)))
PY
python3 "$T/flood.py" "$d" "$(dirname "$0")/helpers" "$T/mgmt" "$VDE" > "$T/flood.out" 2>&1 || fail "$(tail -n 3 "$T/flood.out")"
grep -qx 'newcomer 20 leaked 0' "$T/flood.out" || fail "flood blinded the table: $(cat "$T/flood.out")"
read -r _ entries _ port1 < <(grep '^entries' "$T/flood.out")
[ "$entries" -le 1024 ] || fail "table holds $entries entries, more than its 1024"
[ "$port1" -le 512 ] || fail "port 1 holds $port1 entries, more than half the table"
[ "$port1" -gt 0 ] || fail "port 1 learned nothing at all: $(cat "$T/flood.out")"
grep -q 'limit: not learning more' "$T/sw.log" || fail "no log line for the port limit"
[ "$(grep -c 'limit: not learning more' "$T/sw.log")" -le 2 ] || fail "the limit message is not rate limited"
exit 0
