#!/bin/bash
# t_ssh.sh - a remote cable over a real ssh, as the vde2 manual has it:
#   dpipe vde_plug SW1 = ssh HOST vde_plug SW2
# Two namespaces joined by a veth pair play two hosts; host B runs its
# own sshd (key authentication, a throwaway key) on its veth address.
# Each host has a switch with a tap; the taps ping each other through
# the ssh cable.  The remote plug's description carries SSH=<client>.
# Then the ssh client is killed with SIGKILL: both plugs end and both
# switches free the cable's port.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need ip ping
. "$(dirname "$0")/helpers/sshd.sh"

nsa=$(mkns hosta)
nsb=$(mkns hostb)
ip link add vs$$a type veth peer name vs$$b || fail "ip link add veth"
ip link set vs$$a netns "$nsa" && ip link set vs$$b netns "$nsb" || fail "moving the veth ends"
ip -n "$nsa" addr add 10.99.0.1/24 dev vs$$a && ip -n "$nsa" link set vs$$a up
ip -n "$nsb" addr add 10.99.0.2/24 dev vs$$b && ip -n "$nsb" link set vs$$b up

say "sshd on host B (10.99.0.2:2222), key authentication only"
SSH_FROM=$nsa sshd_in "$nsb" 10.99.0.2

say "a switch with a tap on each host"
d1=$T/swa
d2=$T/swb
bg swa ip netns exec "$nsa" "$VDE" switch -s "$d1" --nostdin -t vdetapa
bg swb ip netns exec "$nsb" "$VDE" switch -s "$d2" --nostdin -t vdetapb
wait_for test -S "$d1/ctl" || fail "switch A did not start: $(cat "$T/swa.log")"
wait_for test -S "$d2/ctl" || fail "switch B did not start: $(cat "$T/swb.log")"
ip -n "$nsa" addr add 192.168.77.1/24 dev vdetapa && ip -n "$nsa" link set vdetapa up
ip -n "$nsb" addr add 192.168.77.2/24 dev vdetapb && ip -n "$nsb" link set vdetapb up

say "dpipe vde_plug SWA = ssh B vde_plug SWB"
bg cable ip netns exec "$nsa" "$BIN/dpipe" "$BIN/vde_plug" -D local-end "$d1" = "${sshcmd[@]}" "$BIN/vde_plug" -D remote-end "$d2"
wait_for -t 20 grep -q "joined (local-end" "$T/swa.log" || fail "local plug did not join: $(cat "$T/cable.log")"
wait_for -t 20 grep -q "joined (remote-end" "$T/swb.log" || fail "remote plug did not join: $(cat "$T/cable.log")"
grep "joined (remote-end" "$T/swb.log" | grep -q "SSH=10.99.0.1" ||
	fail "the remote plug's description lacks SSH=10.99.0.1: $(grep 'joined (remote-end' "$T/swb.log")"

say "the taps ping each other through the ssh cable"
wait_for -t 30 ip netns exec "$nsa" ping -c 1 -W 1 192.168.77.2 || fail "no ping from A to B through ssh"
ip netns exec "$nsb" ping -c 5 -i 0.2 -W 2 192.168.77.1 > "$T/ping.log" || fail "no ping from B to A: $(cat "$T/ping.log")"
ip netns exec "$nsa" ping -c 3 -s 1400 -W 2 192.168.77.2 > "$T/ping.log" || fail "no 1400-byte pings: $(cat "$T/ping.log")"

say "SIGKILL to the ssh client: both plugs end, both switches free the port"
sshpid=$(pgrep -P "$PID_cable" -x ssh)
[ -n "$sshpid" ] || fail "no ssh process under dpipe $PID_cable"
kill -9 "$sshpid"
left() { grep "($2 user=" "$1" | tail -n 1 | grep -qv joined; }
wait_for -t 30 left "$T/swa.log" local-end || fail "switch A kept the cable's port"
wait_for -t 30 left "$T/swb.log" remote-end || fail "switch B kept the port of the remote plug (orphaned on host B?)"
wait_for -t 30 sh -c "! kill -0 $PID_cable" || fail "dpipe still running"
ip netns exec "$nsa" ping -c 1 -W 1 192.168.77.2 > /dev/null && fail "ping still works without the cable"
exit 0
