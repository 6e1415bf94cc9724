#!/bin/bash
# t_interop.sh - our applets with Debian's VDE, both directions:
#   Debian's vde_plug (vdeplug4, vde://) into our switch
#   our vde_plug into Debian's vde_switch (vde2 2.3.2)
#   mixed cables: a Debian plug at one end and ours at the other, between
#   a Debian switch and one of ours, through our dpipe and through theirs
# Four switches, two of each, each with a tap in its own namespace; each
# case joins two of them with a cable and pings across.
. "$(dirname "$0")/lib.sh"
need ip ping
[ -x /usr/bin/vde_switch ] || skip "Debian vde2 (vde_switch) not installed: apt-get install vde2"
[ -x /usr/bin/vde_plug ] || skip "Debian vdeplug (vdeplug4 vde_plug) not installed: apt-get install vdeplug"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
[ "$(id -u)" -eq 0 ] || skip "needs root for taps and namespaces"
their_plug=/usr/bin/vde_plug their_dpipe=/usr/bin/dpipe
our_plug=$BIN/vde_plug our_dpipe=$BIN/dpipe

# start_theirs NAME DIR TAP: Debian's switch with a tap
start_theirs() {
	# Debian's build exits at EOF on stdin: give it a FIFO it holds open
	# for both reading and writing, so EOF never comes
	mkfifo "$T/$1.stdin"
	bg "$1" sh -c 'exec /usr/bin/vde_switch -s "$1" -t "$2" <> "$0"' "$T/$1.stdin" "$2" "$3"
	wait_for test -S "$2/ctl" || fail "Debian vde_switch $1 did not start: $(cat "$T/$1.log")"
}

start_switch o1 "$T/o1" -tap vt$$o1
start_switch o2 "$T/o2" -tap vt$$o2
start_theirs d1 "$T/d1" vt$$d1
start_theirs d2 "$T/d2" vt$$d2
declare -A ns addr
i=1
for s in o1 o2 d1 d2; do
	ns[$s]=$(mkns "$s")
	addr[$s]=10.199.3.$i
	wait_for ip link show "vt$$$s" || fail "no tap for $s"
	tap_into "${ns[$s]}" "vt$$$s" "${addr[$s]}/24"
	i=$((i + 1))
done

# across A B: A's namespace and B's ping each other
across() {
	local a=$1 b=$2
	ip -n "${ns[$a]}" neigh flush all; ip -n "${ns[$b]}" neigh flush all
	pings "${ns[$a]}" "${addr[$b]}" || fail "$a cannot ping $b"
	pings "${ns[$b]}" "${addr[$a]}" || fail "$b cannot ping $a"
}
# unplug NAME: pull out the cable started as bg NAME
unplug() {
	local pid
	eval "pid=\$PID_$1"
	kill "$pid"; wait "$pid" 2>/dev/null
}
# endpoints DIR: how many data-socket files a switch directory holds
endpoints() { ls "$1" | grep -c '^[0-9]'; }

say "their vde_plug (vde://) into our switches: o1 = o2"
bg c1 "$our_dpipe" "$their_plug" "vde://$T/o1" = "$their_plug" "vde://$T/o2"
across o1 o2
[ "$(endpoints "$T/o1")" -eq 1 ] || fail "o1 should hold one plug: $(ls -a "$T/o1")"
ls -a "$T/o1" | grep -q '^\.[0-9]' && fail "vdeplug4 left its data socket file: $(ls -a "$T/o1")"
unplug c1
wait_for sh -c "[ \$(ls '$T/o1' | grep -c '^[0-9]') -eq 0 ]" || fail "o1 kept the endpoint of a vde_plug that left"

say "their vde_plug URL1 URL2 (no stream) with a port request: o1[7] - o2[9]"
bg c2 "$their_plug" "vde://$T/o1[7]" "vde://$T/o2[9]"
wait_for sh -c "ls '$T/o1' | grep -q '^007\.'" || fail "vde://DIR[7] did not land on port 7: $(ls "$T/o1")"
wait_for sh -c "ls '$T/o2' | grep -q '^009\.'" || fail "vde://DIR[9] did not land on port 9: $(ls "$T/o2")"
across o1 o2
unplug c2

say "our vde_plug into their switches: d1 = d2"
bg c3 "$our_dpipe" "$our_plug" "$T/d1" = "$our_plug" "$T/d2"
across d1 d2
unplug c3

say "our vde_plug with -p into their switch"
bg c4 "$our_dpipe" "$our_plug" -p 5 "$T/d1" = "$our_plug" "$T/d2"
wait_for sh -c "ls '$T/d1' | grep -q '^005\.'" || fail "-p 5 did not land on port 5 of Debian's switch: $(ls "$T/d1")"
across d1 d2
unplug c4

say "mixed cable, our dpipe: their plug on their switch, ours on ours (d1 = o2)"
bg c5 "$our_dpipe" "$their_plug" "vde://$T/d1" = "$our_plug" "$T/o2"
across d1 o2
unplug c5

say "mixed cable, our dpipe: our plug on their switch, theirs on ours (d2 = o1)"
bg c6 "$our_dpipe" "$our_plug" "$T/d2" = "$their_plug" "vde://$T/o1"
across d2 o1
unplug c6

say "their dpipe and ours in one line of four switches: o1 - d1 - d2 - o2"
bg c7 "$their_dpipe" "$our_plug" "$T/o1" = "$their_plug" "vde://$T/d1"
bg c8 "$our_dpipe" "$their_plug" "vde://$T/d1" = "$our_plug" "$T/d2"
bg c9 "$their_dpipe" "$our_plug" "$T/d2" = "$our_plug" "$T/o2"
across o1 o2
across o1 d2
unplug c7; unplug c8; unplug c9
exit 0
