#!/bin/bash
# t_mirror.sh - port mirroring (issue 14): Debian's vde_plug on a
# mirror target sees port 3's unicast traffic, in and out, with hub mode
# off, and nothing of the unicast between ports 1 and 2; what the target
# sends is dropped; unmirror stops the copies; in hub mode the copies
# still come; the console refuses a port onto itself, a missing port and
# chains.  The ports: taps in namespaces a (1), b (2), c (3); the
# monitor on port 10.
. "$(dirname "$0")/lib.sh"
need ip ping python3
[ -x /usr/bin/vde_plug ] || skip "Debian's vde_plug (package vdeplug) missing"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
[ "$(id -u)" -eq 0 ] || skip "needs root for taps and namespaces"

ta=vm$$a tb=vm$$b tc=vm$$c
A=10.199.14.1 B=10.199.14.2 C=10.199.14.3
mg=$T/mgmt
start_switch sw "$T/sw" -M "$mg" -tap "$ta" -tap "$tb" -tap "$tc"
na=$(mkns a) nb=$(mkns b) nc=$(mkns c)
tap_into "$na" "$ta" $A/24
tap_into "$nb" "$tb" $B/24
tap_into "$nc" "$tc" $C/24
for ns in "$na" "$nb" "$nc"; do ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1; done
mac() { ip -n "$1" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
ma=$(mac "$na" "$ta") mb=$(mac "$nb" "$tb") mc=$(mac "$nc" "$tc")
# no ARP: the only frames are the pings
ip -n "$na" neigh replace $B lladdr "$mb" dev "$ta" nud permanent
ip -n "$na" neigh replace $C lladdr "$mc" dev "$ta" nud permanent
ip -n "$nb" neigh replace $A lladdr "$ma" dev "$tb" nud permanent
ip -n "$nc" neigh replace $A lladdr "$ma" dev "$tc" nud permanent

con() { "$VDE" vdecmd -s "$mg" "$@"; }
con port/print 3 | grep -q "$tc" || fail "port 3 is not $tc: $(con port/print)"
# learn every station first (a flooded frame reaches port 3 too)
pings "$na" $B && pings "$na" $C || fail "no pings through the switch"

say "the console refuses bad mirrors"
con port/mirror 3 3 > "$T/bad1" 2>&1 && fail "mirrored port 3 onto itself"
grep -q "cannot mirror itself" "$T/bad1" || fail "no reason given: $(cat "$T/bad1")"
con port/mirror 3 20 > "$T/bad2" 2>&1 && fail "mirrored to port 20, which does not exist"
grep -q "port 20 does not exist" "$T/bad2" || fail "no reason given: $(cat "$T/bad2")"
con port/mirror 3 99999 > /dev/null 2>&1 && fail "took port 99999"
con port/mirror 3 10 sideways > /dev/null 2>&1 && fail "took direction 'sideways'"
con port/create 10 && con port/create 11 || fail "port/create"
con port/mirror 3 10 > "$T/list" || fail "port/mirror 3 10: $(cat "$T/list")"
grep -q "^Port 0003 -> 0010 both$" "$T/list" || fail "port/mirror lists: $(cat "$T/list")"
con port/mirror 10 11 > "$T/bad3" 2>&1 && fail "a target became a source"
grep -q "target: it cannot be a source" "$T/bad3" || fail "chain: $(cat "$T/bad3")"
con port/mirror 11 3 > "$T/bad4" 2>&1 && fail "a source became a target"

say "Debian's vde_plug on port 10 sees port 3's unicast, nothing else"
mkfifo "$T/in"
bg hold sleep 1000 # keeps the monitor's stdin open
exec 7<> "$T/in"
bg mon sh -c "exec /usr/bin/vde_plug 'vde://$T/sw[10]' < '$T/in' > '$T/mon.bin'"
wait_for sh -c "'$VDE' vdecmd -s '$mg' port/print 10 | grep -q \"endpoint ID\"" || fail "monitor did not connect"
count() { # ICMP echoes in the monitor's stream: "a<->c other"
	python3 - "$T/mon.bin" "$A" "$B" "$C" <<'PY'
import socket, struct, sys
data = open(sys.argv[1], "rb").read()
a, b, c = (socket.inet_aton(x) for x in sys.argv[2:5])
ac = other = 0
i = 0
while i + 2 <= len(data):
    n = struct.unpack(">H", data[i:i + 2])[0]
    f = data[i + 2:i + 2 + n]
    i += 2 + n
    if len(f) < 34 or f[12:14] != b"\x08\x00" or f[23] != 1:
        other += 1
        continue
    src, dst = f[26:30], f[30:34]
    if {src, dst} == {a, c}:
        ac += 1
    else:
        other += 1
print(ac, other)
PY
}
ip netns exec "$na" ping -n -q -c 20 -i 0.05 -W 1 $C > /dev/null || fail "a -> c pings lost"
ip netns exec "$nb" ping -n -q -c 20 -i 0.05 -W 1 $A > /dev/null || fail "b -> a pings lost"
got() { [ "$(count)" = "$1" ]; }
wait_for got "40 0" || fail "monitor saw '$(count)' (a<->c other), wanted 40 requests and replies, nothing else"

say "what the monitor sends goes nowhere"
drops0=$(con port/print 10 | sed -n "s/.*DROP: pkts *\([0-9]*\).*/\1/p" | head -1)
python3 - "$ma" > "$T/in" <<'PY'
import struct, sys
dst = bytes.fromhex(sys.argv[1].replace(":", ""))
f = dst + bytes.fromhex("020000000010") + b"\x88\xb5" + b"mirror target speaks" + bytes(30)
sys.stdout.buffer.write((struct.pack(">H", len(f)) + f) * 5)
PY
dropped() { d=$(con port/print 10 | sed -n "s/.*DROP: pkts *\([0-9]*\).*/\1/p" | head -1); [ "${d:-0}" -ge $(( ${drops0:-0} + 5 )) ]; }
wait_for dropped || fail "the monitor's 5 frames were not dropped: $(con port/print 10)"
con hash/print | grep -q "02:00:00:00:00:10" && fail "an address was learned on the monitor"

say "hub mode: the copies still come"
con port/sethub 1 || fail "sethub 1"
ip netns exec "$na" ping -n -q -c 5 -i 0.05 -W 1 $C > /dev/null || fail "a -> c pings lost in hub mode"
wait_for got "50 0" || fail "hub mode: monitor saw '$(count)', wanted 50 0"
con port/sethub 0 || fail "sethub 0"
pings "$na" $C || fail "no pings after hub mode"
pings "$na" $B || fail "no pings after hub mode"
before=$(count)

say "unmirror stops the copies"
con port/unmirror 3 || fail "port/unmirror 3"
con port/mirror > "$T/list2" || fail "port/mirror (list)"
grep -q "0010" "$T/list2" && fail "still listed: $(cat "$T/list2")"
ip netns exec "$na" ping -n -q -c 10 -i 0.05 -W 1 $C > /dev/null || fail "a -> c pings lost"
ip netns exec "$nb" ping -n -q -c 3 -W 1 $A > /dev/null || fail "b -> a pings lost"
[ "$(count)" = "$before" ] || fail "copies after unmirror: '$(count)', before '$before'"
con port/unmirror 3 > /dev/null 2>&1 && fail "unmirror of no mirror succeeded"

say "--mirror makes the ports and the mirror at start; bad values are refused"
start_switch sw2 "$T/sw2" -M "$T/mg2" --nostdin --mirror 2:5:out
"$VDE" vdecmd -s "$T/mg2" port/mirror > "$T/list3" || fail "port/mirror on sw2"
grep -q "^Port 0002 -> 0005 out$" "$T/list3" || fail "--mirror 2:5:out: $(cat "$T/list3")"
for bad in 2 2:5:sideways 2:x 2:99 2:2; do
	"$VDE" switch -s "$T/sw3" --nostdin --mirror $bad > "$T/bad.out" 2>&1 && fail "--mirror $bad started"
	[ "$(wc -l < "$T/bad.out")" -le 2 ] && grep -q -- "--mirror" "$T/bad.out" || fail "--mirror $bad: $(cat "$T/bad.out")"
	[ -e "$T/sw3/ctl" ] && fail "--mirror $bad left a socket"
done
exit 0
