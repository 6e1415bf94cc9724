#!/bin/bash
# t_port_impair.sh - port/impair (issue 14): wirefilter's impairments
# on a switch port, no extra process.  Taps in namespaces a (port 1) and
# b (port 2):
# - delay=100 on port 2 (both ways): every ping RTT >= 200 ms;
# - in loss=50 seed=1: only the replies (b into the switch) are lost,
#   about half of them (kernel ICMP counters on both sides);
# - out bandwidth=2M: iperf3 a -> b measures 2 MiB/s on the wire +-10%;
# - bad words change nothing and say why; off removes the wire.
. "$(dirname "$0")/lib.sh"
need ip ping python3 iperf3
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
[ "$(id -u)" -eq 0 ] || skip "needs root for taps and namespaces"

ta=vi$$a tb=vi$$b A=10.199.15.1 B=10.199.15.2 mg=$T/mgmt
start_switch sw "$T/sw" -M "$mg" -tap "$ta" -tap "$tb"
na=$(mkns a) nb=$(mkns b)
tap_into "$na" "$ta" $A/24
tap_into "$nb" "$tb" $B/24
# nothing but the test's frames (no IPv6 neighbour discovery, no ARP)
for ns in "$na" "$nb"; do ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1; done
mac() { ip -n "$1" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
ip -n "$na" neigh replace $B lladdr "$(mac "$nb" "$tb")" dev "$ta" nud permanent
ip -n "$nb" neigh replace $A lladdr "$(mac "$na" "$ta")" dev "$tb" nud permanent
con() { "$VDE" vdecmd -s "$mg" "$@"; }
icmp() {
	ip netns exec "$1" awk -v f="$2" '$1 == "Icmp:" { if (!n) { for (i = 2; i <= NF; i++) col[$i] = i; n = 1 } else print $col[f] }' /proc/net/snmp
}
pings "$na" $B || fail "no ping through the switch"

say "bad words: a reason, and nothing changes"
con port/impair 2 delay=10 loss=500 > "$T/bad" 2>&1 && fail "took loss=500"
grep -q "loss: 500 is above 100" "$T/bad" || fail "no reason: $(cat "$T/bad")"
con port/impair 2 > "$T/show" || fail "port/impair 2 (show)"
grep -q "no impairment" "$T/show" || fail "a bad line left a wire: $(cat "$T/show")"
con port/impair 2 colour=blue > /dev/null 2>&1 && fail "took colour=blue"
con port/impair 2 seed=x > /dev/null 2>&1 && fail "took seed=x"
con port/impair 2 delay > /dev/null 2>&1 && fail "took a word without a value"
con port/impair 99 loss=1 > /dev/null 2>&1 && fail "took port 99"
con port/impair 7 loss=1 > /dev/null 2>&1 && fail "took port 7, which does not exist"

say "delay=100 on port 2: RTT >= 200 ms"
con port/impair 2 delay=100 > "$T/show" || fail "port/impair 2 delay=100"
grep -q '^Delay  L->R 100+0U   R->L 100+0U$' "$T/show" || fail "showinfo: $(cat "$T/show")"
ip netns exec "$na" ping -n -c 5 -i 0.3 -W 3 $B > "$T/ping" || fail "pings lost: $(cat "$T/ping")"
rtt=$(sed -n 's/^rtt min\/avg\/max\/mdev = \([0-9.]*\)\/.*/\1/p' "$T/ping")
say "$(grep '^rtt' "$T/ping")"
python3 -c "import sys; sys.exit(0 if float('$rtt') >= 200 else 1)" || fail "min RTT $rtt ms < 200"
con port/impair 2 off > "$T/show" && grep -q "no impairment" "$T/show" || fail "off: $(cat "$T/show")"
ip netns exec "$na" ping -n -c 3 -i 0.2 -W 3 $B > "$T/ping" || fail "pings lost after off"
rtt=$(sed -n 's/^rtt min\/avg\/max\/mdev = [0-9.]*\/[0-9.]*\/\([0-9.]*\)\/.*/\1/p' "$T/ping")
python3 -c "import sys; sys.exit(0 if float('$rtt') < 200 else 1)" || fail "off, still a max RTT of $rtt ms"

say "in loss=50 seed=1: half the replies lost, no request"
con port/impair 2 in loss=50 seed=1 > "$T/show" || fail "port/impair 2 in loss=50"
grep -q '^Loss   L->R 50+0U   R->L 0+0U$' "$T/show" || fail "showinfo: $(cat "$T/show")"
req0=$(icmp "$nb" InEchos) rep0=$(icmp "$na" InEchoReps)
ip netns exec "$na" ping -n -q -c 200 -i 0.01 -W 1 $B > "$T/ping"
req=$(( $(icmp "$nb" InEchos) - req0 )) rep=$(( $(icmp "$na" InEchoReps) - rep0 ))
say "200 requests: $req arrived, $rep replies came back"
[ "$req" -eq 200 ] || fail "requests were lost ($req of 200 arrived): loss is one way only"
# 50% of 200: sigma 7.1; 4 sigma either side
[ "$rep" -ge 72 ] && [ "$rep" -le 128 ] || fail "$rep of 200 replies: not about half"
con port/impair 2 > "$T/show"
lost=$(sed -n 's/^Counters L->R lost \([0-9]*\) .*/\1/p' "$T/show")
[ "$lost" -eq $((200 - rep)) ] || fail "the wire counted $lost lost, the kernel missed $((200 - rep))"
con port/impair 2 off > /dev/null

say "out bandwidth=2M: iperf3 a -> b at 2 MiB/s"
con port/impair 2 out bandwidth=2M > "$T/show" || fail "port/impair 2 out bandwidth=2M"
bg ips ip netns exec "$nb" iperf3 -s -1 -B $B
wait_for sh -c "ip netns exec $nb ss -ltn | grep -q ':5201 '" || fail "iperf3 server did not start"
ip netns exec "$na" iperf3 -c $B -t 4 -O 1 -J > "$T/iperf.json" || fail "iperf3: $(tail -5 "$T/iperf.json")"
# a correctness bound on the shaping (2 MiB/s is far below what a port
# carries unshaped), not a threshold on the machine's speed
python3 "$(dirname "$0")/helpers/iperf_wire.py" "$T/iperf.json" 2097152 || fail "bandwidth off by more than 10%"
con port/impair 2 off > /dev/null
pings "$na" $B || fail "no ping after the wire went"
exit 0
