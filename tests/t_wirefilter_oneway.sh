#!/bin/bash
# t_wirefilter_oneway.sh - wirefilter without -v, VNLs or dpipe's
# ALTERNATE fds is vde2's one-way filter, stdin to stdout:
#   dpipe vde_plug S1 =} vde wirefilter -l 100 -M SOCK }= vde_plug S2
# frames from S1 to S2 all go through it (and are lost), those from S2
# to S1 pass by it untouched; its console says "monodirectional".  Then
# loss 0 and delay 100 on the console: the RTT is at least 100 ms.
. "$(dirname "$0")/lib.sh"
need ip ping python3
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
[ "$(id -u)" -eq 0 ] || skip "needs root for taps and namespaces"
PATH=$BIN:$PATH # vde_plug and dpipe are ours

t1=vt$$l t2=vt$$r a1=10.199.9.1 a2=10.199.9.2
start_switch s1 "$T/s1" -tap "$t1"
start_switch s2 "$T/s2" -tap "$t2"
n1=$(mkns left) n2=$(mkns right)
tap_into "$n1" "$t1" $a1/24
tap_into "$n2" "$t2" $a2/24
mac() { ip -n "$1" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
ip -n "$n1" neigh replace $a2 lladdr "$(mac "$n2" "$t2")" dev "$t1" nud permanent
ip -n "$n2" neigh replace $a1 lladdr "$(mac "$n1" "$t1")" dev "$t2" nud permanent
icmp() {
	ip netns exec "$1" awk -v f="$2" '$1 == "Icmp:" { if (!n) { for (i = 2; i <= NF; i++) col[$i] = i; n = 1 } else print $col[f] }' /proc/net/snmp
}

mg=$T/wf.mgmt
bg wf dpipe vde_plug "$T/s1" =} "$VDE" wirefilter -l 100 -M "$mg" }= vde_plug "$T/s2"
wait_for test -S "$mg" || fail "wirefilter made no console socket"
# the path right to left works: n2's requests reach n1
reached() { ip netns exec "$n2" ping -n -c 1 -W 1 $a1 > /dev/null; [ "$(icmp "$n1" InEchos)" -gt 0 ]; }
wait_for -t 20 reached || fail "no request from right to left arrived"
say "all of left to right lost, right to left untouched"
before=$(icmp "$n2" InEchos) r0=$(icmp "$n1" InEchos)
ip netns exec "$n1" ping -n -q -c 20 -i 0.05 -W 1 $a2 > /dev/null && fail "pings crossed a wire losing 100%"
ip netns exec "$n2" ping -n -q -c 20 -i 0.05 -W 1 $a1 > /dev/null
[ "$(icmp "$n2" InEchos)" -eq "$before" ] || fail "requests from left to right arrived"
[ $(( $(icmp "$n1" InEchos) - r0 )) -eq 20 ] || fail "requests from right to left were lost"

say "its console: monodirectional; loss 0, delay 100"
python3 - "$mg" > "$T/console.out" <<'PY' || fail "console: $(cat "$T/console.out")"
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(10)
def until():
    out = b""
    while not out.endswith(b"VDEwf$ "):
        d = s.recv(65536)
        if not d:
            break
        out += d
    return out.decode()
until()
for c in ["showinfo", "loss 0", "delay 100"]:
    s.send(c.encode() + b"\n")
    print(until())
PY
grep -q '^WireFilter: monodirectional$' "$T/console.out" || fail "not monodirectional: $(cat "$T/console.out")"
grep -q '^Loss   100+0U$' "$T/console.out" || fail "showinfo: loss"
[ "$(grep -c '^1000 Success' "$T/console.out")" -eq 3 ] || fail "console: $(cat "$T/console.out")"
ip netns exec "$n1" ping -n -q -c 5 -i 0.2 -W 3 $a2 > "$T/ping.out" || fail "no ping after loss 0"
min=$(sed -n 's|^rtt min/avg/max/mdev = \([0-9.]*\)/.*|\1|p' "$T/ping.out")
# the delay is added one way only: a lower bound, not a timing threshold
python3 -c "import sys; sys.exit(0 if float('${min:-0}') >= 100 else 1)" || fail "RTT $min ms with a 100 ms delay"
exit 0
