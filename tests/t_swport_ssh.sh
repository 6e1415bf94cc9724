#!/bin/bash
# t_swport_ssh.sh - a switch-native cable over ssh:
#   vde_switch --port 'cmd://ssh ... root@B vde_plug /B/switch'
# The switch on host A runs ssh itself and frames its stdin/stdout; no
# plug process on A.  Two namespaces joined by a veth play the hosts,
# B runs a throwaway sshd (tests/helpers/sshd.sh), each host one of our
# switches with a tap.  Ping and a 20 MiB TCP transfer (sha256 equal);
# then the vde_plug at B's end is killed, later the ssh client on A,
# last the network is cut (A's veth down, ssh's keepalives end the ssh)
# and restored: each time A opens the cable again by itself, B ends up
# with one endpoint for it (nothing left over from the dead cable), ping
# and the transfer work, and A holds as many fds and children as before.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vnl.sh"
need_root_taps
need socat sha256sum ss timeout
. "$(dirname "$0")/helpers/sshd.sh"

nsa=$(mkns hosta)
nsb=$(mkns hostb)
ip link add vw$$a type veth peer name vw$$b || fail "ip link add veth"
ip link set vw$$a netns "$nsa" && ip link set vw$$b netns "$nsb" || fail "moving the veth ends"
ip -n "$nsa" addr add 10.99.2.1/24 dev vw$$a && ip -n "$nsa" link set vw$$a up
ip -n "$nsb" addr add 10.99.2.2/24 dev vw$$b && ip -n "$nsb" link set vw$$b up
SSH_FROM=$nsa sshd_in "$nsb" 10.99.2.2
head -c $((20 << 20)) /dev/urandom > "$T/send"
sum=$(sha256sum < "$T/send")

# ssh's keepalives make a network cut end the ssh (else TCP would wait
# for many minutes): they go before the destination, sshcmd's last word
n=${#sshcmd[@]}
vnl="cmd://${sshcmd[*]:0:n-1} -o ServerAliveInterval=1 -o ServerAliveCountMax=3 ${sshcmd[n-1]} $OURS $T/b"
bg swb ip netns exec "$nsb" "$VDE" switch -s "$T/b" -M "$T/b.mgmt" --nostdin -tap vy$$b
wait_for test -S "$T/b.mgmt" || fail "switch B did not start: $(cat "$T/swb.log")"
bg swa ip netns exec "$nsa" "$VDE" switch -s "$T/a" -M "$T/a.mgmt" --nostdin -tap vy$$a --port "$vnl"
wait_for test -S "$T/a.mgmt" || fail "switch A did not start: $(cat "$T/swa.log")"
pa=$PID_swa
ip -n "$nsa" addr add 192.168.79.1/24 dev vy$$a && ip -n "$nsa" link set vy$$a up || fail "tap on A"
ip -n "$nsb" addr add 192.168.79.2/24 dev vy$$b && ip -n "$nsb" link set vy$$b up || fail "tap on B"

link_up() { "$BIN/vdecmd" "$T/a.mgmt" port/print 2 | grep -qF " LINK: $vnl (up "; }
downs() { grep -cF ": $vnl down; next try" "$T/swa.log"; }
downs_over() { [ "$(downs)" -gt "$1" ]; }
fds() { ls "/proc/$pa/fd" | wc -l; }
kids() { ps -o pid= --ppid "$pa" | wc -l; }
# the plug endpoints B holds: the remote end's pids, from port/print
remote_pids() { "$BIN/vdecmd" "$T/b.mgmt" port/print | sed -n 's/.*-- endpoint .* pid=\([0-9]*\) SSH=10\.99\.2\.1.*/\1/p'; }
one_remote() { [ "$(remote_pids | wc -l)" -eq 1 ]; }
# descendant PID NAME: a process called NAME below PID
descendant() {
	ps -e -o pid=,ppid=,comm= | awk -v top="$1" -v name="$2" '
		{ parent[$1] = $2; comm[$1] = $3 }
		END { for (p in parent) if (comm[p] == name) for (q = parent[p]; q > 1; q = parent[q]) if (q == top) { print p; exit } }'
}

transfer() {
	rm -f "$T/recv"
	bg sink ip netns exec "$nsb" timeout 120 socat -u TCP-LISTEN:5556,reuseaddr CREATE:"$T/recv"
	wait_for ip netns exec "$nsb" sh -c "ss -Htln 'sport = :5556' | grep -q ." || fail "$1: no TCP listener on B"
	ip netns exec "$nsa" timeout 120 socat -u OPEN:"$T/send" TCP:192.168.79.2:5556 > "$T/source.log" 2>&1 ||
		fail "$1: TCP transfer A -> B failed: $(cat "$T/source.log")"
	wait "$PID_sink" || fail "$1: the TCP sink on B failed: $(cat "$T/sink.log")"
	[ "$(sha256sum < "$T/recv")" = "$sum" ] || fail "$1: sha256 of the 20 MiB received differs ($(stat -c %s "$T/recv") bytes)"
}

say "ssh cable: ping, 20 MiB over TCP"
wait_for -t 20 one_remote || fail "the remote vde_plug did not join B: $("$BIN/vdecmd" "$T/b.mgmt" port/print; cat "$T/swa.log")"
link_up || fail "A's port is not up: $("$BIN/vdecmd" "$T/a.mgmt" port/print)"
"$BIN/vdecmd" "$T/a.mgmt" port/print 2 | grep -qE "module (vnl|cmd) " || fail "port 2's endpoint is not of module vnl or cmd: $("$BIN/vdecmd" "$T/a.mgmt" port/print 2)"
pingboth "$nsa" 192.168.79.1 "$nsb" 192.168.79.2 "ssh cable"
transfer "ssh cable"
f0=$(fds) k0=$(kids)

# back WHAT: A noticed the cut, opened the cable again, B holds one
# endpoint for it, traffic passes, nothing leaked on A
back() {
	wait_for -t 20 downs_over "$d0" || fail "$1: A did not notice the cable end: $(tail -n 5 "$T/swa.log")"
	wait_for -t 30 link_up || fail "$1: A's port did not come back: $("$BIN/vdecmd" "$T/a.mgmt" port/print 2)"
	wait_for -t 30 one_remote || fail "$1: B does not hold exactly one endpoint for the cable: $("$BIN/vdecmd" "$T/b.mgmt" port/print)"
	[ "$(remote_pids)" != "$old" ] || fail "$1: B still shows the old remote plug $old"
	pingboth "$nsa" 192.168.79.1 "$nsb" 192.168.79.2 "$1"
	transfer "$1"
	[ "$(fds)" -eq "$f0" ] || fail "$1: switch A held $f0 fds before, $(fds) after: $(ls -l "/proc/$pa/fd")"
	[ "$(kids)" -eq "$k0" ] || fail "$1: switch A had $k0 children before, $(kids) after: $(ps -o pid,stat,args --ppid "$pa")"
	alive swa "switch A"
	alive swb "switch B"
}

say "the vde_plug at B's end killed"
old=$(remote_pids) d0=$(downs)
kill -9 "$old" || fail "kill the remote vde_plug $old"
back "after the remote vde_plug was killed"

say "the ssh client on A killed"
old=$(remote_pids) d0=$(downs)
ssh_pid=$(descendant "$pa" ssh)
[ -n "$ssh_pid" ] || fail "no ssh process below switch A: $(ps -e -o pid,ppid,args | grep -F "$pa")"
kill -9 "$ssh_pid" || fail "kill ssh $ssh_pid"
back "after the ssh client was killed"

say "the network cut (A's veth down) and back: ssh's keepalives end the cable, A retries until it is back"
old=$(remote_pids) d0=$(downs)
ip -n "$nsa" link set vw$$a down || fail "veth down"
wait_for -t 30 downs_over "$d0" || fail "A did not notice the cut: $(tail -n 5 "$T/swa.log")"
ip -n "$nsa" link set vw$$a up || fail "veth up"
back "after the network cut"
exit 0
