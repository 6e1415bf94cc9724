#!/bin/bash
# t_wirefilter_vde2.sh - Debian's wirefilter (vde2 2.3.2) with our parts:
# - "/usr/bin/wirefilter -v S1:S2" between two of our switches carries
#   pings between taps in two namespaces, with its delay;
# - Debian's wirefilter inside our dpipe is bidirectional (our dpipe gives
#   the middle command ALTERNATE_STDIN/OUT as vde2's does);
# - our wirefilter -v S1:S2 with the same options answers showinfo on
#   its stdin console with Debian's lines (ours add two "Counters" lines).
. "$(dirname "$0")/lib.sh"
need ip ping python3
[ -x /usr/bin/wirefilter ] || skip "Debian's vde2 (wirefilter) is not installed"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
[ "$(id -u)" -eq 0 ] || skip "needs root for taps and namespaces"
PATH=$BIN:$PATH # vde_plug and dpipe are ours

t1=vt$$l t2=vt$$r a1=10.199.8.1 a2=10.199.8.2
start_switch s1 "$T/s1" -tap "$t1"
start_switch s2 "$T/s2" -tap "$t2"
n1=$(mkns left) n2=$(mkns right)
tap_into "$n1" "$t1" $a1/24
tap_into "$n2" "$t2" $a2/24

# rtt_min NS ADDR: the fastest of 5 pings, in ms
rtt_min() {
	ip netns exec "$1" ping -n -q -c 5 -i 0.2 -W 3 "$2" |
		sed -n 's|^rtt min/avg/max/mdev = \([0-9.]*\)/.*|\1|p'
}
# run_on FIFO CMD...: CMD with its stdin on FIFO (bg would give it /dev/null)
run_on() { local in=$1; shift; exec "$@" < "$in"; }
at_least() { python3 -c "import sys; sys.exit(0 if float('${1:-0}') >= $2 else 1)"; }

say "Debian's wirefilter -v S1:S2 -d 50 between our switches"
mkfifo "$T/dw.in"
exec 3<> "$T/dw.in" # its stdin is a console: vde2 exits when it ends
bg dw run_on "$T/dw.in" /usr/bin/wirefilter -v "$T/s1:$T/s2" -d 50
pings "$n1" $a2 || fail "no ping through Debian's wirefilter"
pings "$n2" $a1 || fail "no ping back through Debian's wirefilter"
m=$(rtt_min "$n1" $a2)
# 50 ms each way is added to every frame: a lower bound, not a timing
# threshold.  vde2 counts whole milliseconds of the clock (a frame that
# came at x.999 ms is due at x+50), so each way may be up to 1 ms short.
at_least "$m" 98 || fail "RTT $m ms through -d 50"
echo "showinfo" >&3
wait_for grep -q '^Waiting packets' "$T/dw.log" || fail "Debian's wirefilter console: $(cat "$T/dw.log")"
kill "$PID_dw"; wait "$PID_dw" 2>/dev/null

say "Debian's wirefilter in our dpipe: both ways, -d 50"
ip -n "$n1" neigh flush all; ip -n "$n2" neigh flush all
bg dp dpipe vde_plug "$T/s1" = /usr/bin/wirefilter -d 50 = vde_plug "$T/s2"
pings "$n1" $a2 || fail "no ping through Debian's wirefilter in dpipe"
m=$(rtt_min "$n2" $a1)
at_least "$m" 98 || fail "RTT $m ms through -d 50 in dpipe"
kill "$PID_dp"; wait "$PID_dp" 2>/dev/null

say "ours and Debian's: the same showinfo for the same options"
opts=(-d 100+20N -l LR12.5 -L RL3 -D 5+1 -b 1K -s RL2M -c 64K -n 10 -m 1400 -N)
ip -n "$n1" neigh flush all; ip -n "$n2" neigh flush all
mkfifo "$T/ours.in" "$T/deb.in"
exec 4<> "$T/ours.in" 5<> "$T/deb.in"
bg ours run_on "$T/ours.in" "$VDE" wirefilter -v "$T/s1:$T/s2" "${opts[@]}"
bg deb run_on "$T/deb.in" /usr/bin/wirefilter -v "$T/s1:$T/s2" "${opts[@]}"
echo showinfo >&4
echo showinfo >&5
wait_for grep -q '^1000 Success' "$T/ours.log" || fail "our stdin console: $(cat "$T/ours.log")"
wait_for grep -q '^1000 Success' "$T/deb.log" || fail "Debian's stdin console: $(cat "$T/deb.log")"
sed -n '/^0000/,/^1000/p' "$T/ours.log" | grep -v '^Counters' > "$T/ours.info"
sed -n '/^0000/,/^1000/p' "$T/deb.log" > "$T/deb.info"
cat "$T/ours.info"; diff "$T/deb.info" "$T/ours.info" || fail "showinfo differs from Debian's (< Debian, > ours)"
grep -q '^Counters L->R lost' "$T/ours.log" || fail "no counters in our showinfo"
exit 0
