#!/bin/bash
# t_wirefilter.sh - vde wirefilter as the middle command of dpipe, between
# taps of two of our switches in two namespaces:
#   dpipe vde_plug S1 = vde wirefilter -d 100 -l LR50 --seed 1 -M SOCK = vde_plug S2
# - ping RTT is at least twice the delay;
# - echo requests (left to right) are lost about half the time, the
#   replies (right to left) never: the kernels' ICMP counters say so;
# - Debian's unixterm drives the console: showinfo, then delay 0, loss 0
#   and a bandwidth of 2M (bytes/s) left to right;
# - iperf3 through it measures that bandwidth.
. "$(dirname "$0")/lib.sh"
need ip ping python3 iperf3
[ -x /usr/bin/unixterm ] || skip "Debian's vde2 (unixterm) is not installed"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
[ "$(id -u)" -eq 0 ] || skip "needs root for taps and namespaces"
PATH=$BIN:$PATH # vde_plug and dpipe are ours

t1=vt$$l t2=vt$$r a1=10.199.7.1 a2=10.199.7.2
start_switch s1 "$T/s1" -tap "$t1"
start_switch s2 "$T/s2" -tap "$t2"
n1=$(mkns left) n2=$(mkns right)
tap_into "$n1" "$t1" $a1/24
tap_into "$n2" "$t2" $a2/24
# Fixed neighbours: no ARP on a lossy wire, only the pings are counted.
mac() { ip -n "$1" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
ip -n "$n1" neigh replace $a2 lladdr "$(mac "$n2" "$t2")" dev "$t1" nud permanent
ip -n "$n2" neigh replace $a1 lladdr "$(mac "$n1" "$t1")" dev "$t2" nud permanent

mg=$T/wf.mgmt
bg wf dpipe vde_plug "$T/s1" = "$VDE" wirefilter -d 100 -l LR50 --seed 1 -M "$mg" = vde_plug "$T/s2"
wait_for test -S "$mg" || fail "wirefilter made no console socket"
pings "$n1" $a2 || fail "no ping through the wirefilter"

# icmp NS FIELD: one counter of /proc/net/snmp's Icmp lines in NS
icmp() {
	ip netns exec "$1" awk -v f="$2" '$1 == "Icmp:" { if (!n) { for (i = 2; i <= NF; i++) col[$i] = i; n = 1 } else print $col[f] }' /proc/net/snmp
}

say "200 pings: RTT >= 200 ms, requests lost about half, replies never"
req0=$(icmp "$n2" InEchos) rep0=$(icmp "$n2" OutEchoReps) got0=$(icmp "$n1" InEchoReps)
ip netns exec "$n1" ping -n -q -c 200 -i 0.01 -W 3 $a2 > "$T/ping.out"
cat "$T/ping.out"
req=$(( $(icmp "$n2" InEchos) - req0 )) rep=$(( $(icmp "$n2" OutEchoReps) - rep0 ))
got=$(( $(icmp "$n1" InEchoReps) - got0 ))
say "requests that arrived: $req of 200; replies sent $rep, arrived $got"
# The delay is added to every frame each way: the fastest round trip
# cannot be below 2 x 100 ms.  (A lower bound the wire guarantees, not
# a timing threshold on how fast anything runs.)
min=$(sed -n 's|^rtt min/avg/max/mdev = \([0-9.]*\)/.*|\1|p' "$T/ping.out")
[ -n "$min" ] || fail "no RTT in ping's output"
python3 -c "import sys; sys.exit(0 if float('$min') >= 200 else 1)" || fail "min RTT $min ms < 200 ms"
# Binomial(200, 0.5): mean 100, sigma 7.1; 60..140 is beyond 5.6 sigma.
[ "$req" -ge 60 ] && [ "$req" -le 140 ] || fail "$req of 200 requests arrived with 50% loss"
[ "$rep" -eq "$req" ] || fail "right side answered $rep of $req requests"
[ "$got" -eq "$rep" ] || fail "right to left lost replies: $got of $rep arrived"

say "Debian's unixterm drives the console"
mkfifo "$T/ut.in"
exec 3<> "$T/ut.in"
bg ut sh -c 'exec /usr/bin/unixterm "$1" < "$2"' sh "$mg" "$T/ut.in"
wait_for grep -q 'VDEwf\$ ' "$T/ut.log" || fail "unixterm shows no prompt: $(cat "$T/ut.log")"
echo "showinfo" >&3
wait_for grep -q '^Waiting packets' "$T/ut.log" || fail "no showinfo in unixterm: $(cat "$T/ut.log")"
grep -q '^WireFilter: bidirectional$' "$T/ut.log" || fail "not bidirectional inside dpipe"
grep -q '^Delay  L->R 100+0U   R->L 100+0U$' "$T/ut.log" || fail "showinfo: delay"
grep -q '^Loss   L->R 50+0U   R->L 0+0U$' "$T/ut.log" || fail "showinfo: loss"
lost=$(sed -n 's/^Counters L->R lost \([0-9]*\) .*/\1/p' "$T/ut.log")
lostrl=$(sed -n 's/^Counters R->L lost \([0-9]*\) .*/\1/p' "$T/ut.log")
[ "$lostrl" = 0 ] || fail "wirefilter lost $lostrl frames right to left"
[ "$lost" -ge $((200 - req)) ] || fail "wirefilter counted $lost losses, the kernel misses $((200 - req))"
for c in "delay 0" "loss 0" "bandwidth LR2M" "capacity 256K" "showinfo"; do echo "$c" >&3; done
# 6 replies (each after a prompt): the first showinfo, four settings, the second showinfo
wait_for sh -c "grep -c '1000 Success$' '$T/ut.log' | grep -qx 6" || fail "not 6 successes: $(cat "$T/ut.log")"
grep -q '^Bandw  L->R 2.09715e+06+0U   R->L 0+0U$' "$T/ut.log" || fail "showinfo: bandwidth not set"
grep -q '^Delay  L->R 0+0U   R->L 0+0U$' "$T/ut.log" || fail "showinfo: delay 0 not set"

say "iperf3 left to right through a 2 MiB/s wire"
bg ips ip netns exec "$n2" iperf3 -s -1 -B $a2
wait_for sh -c "ip netns exec $n2 ss -ltn | grep -q ':5201 '" || fail "iperf3 server did not start"
ip netns exec "$n1" iperf3 -c $a2 -t 4 -O 1 -J > "$T/iperf.json" || fail "iperf3: $(tail -5 "$T/iperf.json")"
# The shaping's correctness bound (the wire carries what it is set to,
# headers included), not a threshold on the machine's speed: 2 MiB/s
# is far below what any cable here carries unshaped.  TCP's goodput is
# 1448 of each 1514 bytes on the wire.
python3 "$(dirname "$0")/helpers/iperf_wire.py" "$T/iperf.json" 2097152 || fail "bandwidth off by more than 10%"
echo "logout" >&3
exit 0
