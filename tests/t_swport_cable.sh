#!/bin/bash
# t_swport_cable.sh - switch-native cables: two of our switches joined by
# a network the near switch keeps on a port itself (--port VNL), no plug
# process on the near side:
#   --port 'cmd://vde_plug B'   the switch frames the command's stdin/stdout
#                               (once with our vde_plug, once Debian's)
#   --port udp://...            each switch one udp port aimed at the other
#   --port vde://B              the near switch joins the far one directly
# Each switch has a tap in a namespace of its own; for each cable: ping
# and a 20 MiB TCP transfer whose sha256 must match (port 2's counters
# saw it; its endpoint's module is "vnl" or the VNL's scheme).  Then the
# far switch is killed (SIGKILL) and started again: the near switch,
# untouched, notices (a stream cable), brings the port back by itself
# (port/print LINK "up") with its settings (a VLAN set before), ping and
# the transfer work again, and it holds as many fds and children as
# before.
# The switches run in a namespace "wire" (udp:// uses its loopback); the
# taps are moved from there into namespaces A and B.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vnl.sh"
need_root_taps
need socat sha256sum ss timeout

wire=$(mkns wire)
nsa=$(mkns a)
nsb=$(mkns b)
head -c $((20 << 20)) /dev/urandom > "$T/send"
sum=$(sha256sum < "$T/send")

# switch NAME DIR TAP NS ADDR [ARGS...]: our switch in the wire
# namespace, console on DIR.mgmt, its tap TAP moved into NS with ADDR
switch() {
	local name=$1 dir=$2 tap=$3 ns=$4 addr=$5
	shift 5
	bg "$name" ip netns exec "$wire" "$VDE" switch -s "$dir" -M "$dir.mgmt" --nostdin -tap "$tap" "$@"
	wait_for test -S "$dir.mgmt" || fail "switch $name did not start: $(cat "$T/$name.log")"
	wait_for ip -n "$wire" link show "$tap" || fail "switch $name made no tap $tap"
	ip -n "$wire" link set "$tap" netns "$ns" || fail "move $tap into $ns"
	ip -n "$ns" addr add "$addr" dev "$tap" && ip -n "$ns" link set "$tap" up || fail "set up $tap in $ns"
}

# link_up MGMT VNL: port/print on MGMT shows VNL's LINK line as up
link_up() { "$BIN/vdecmd" "$1" port/print | grep -qF " LINK: $2 (up "; }
# counted MGMT: port 2 counted the 20 MiB out and something in (the
# ACKs; packet counts are left alone: with offloads a packet may be a
# TCP segment of many frames)
counted() {
	"$BIN/vdecmd" "$1" port/print 2 | awk '
		/^ IN: / { ip = $3 } /^ OUT: / { ob = $5 }
		END { exit !(ob > 20 * 1048576 && ip > 0) }'
}
# fds PID, kids PID: open fds, child processes (zombies count) of PID
fds() { ls "/proc/$1/fd" | wc -l; }
kids() { ps -o pid= --ppid "$1" | wc -l; }
# ups LOG VNL: how many times the switch logged VNL coming up
ups() { grep -cF ": $2 up" "$1"; }
# downs LOG VNL, downs_over LOG VNL N: times it went down (more than N)
downs() { grep -cF ": $2 down; next try" "$1"; }
downs_over() { [ "$(downs "$1" "$2")" -gt "$3" ]; }

# transfer WHAT: 20 MiB from A to B over TCP, the same sha256 at B
transfer() {
	rm -f "$T/recv"
	bg sink ip netns exec "$nsb" timeout 120 socat -u TCP-LISTEN:5555,reuseaddr CREATE:"$T/recv"
	wait_for ip netns exec "$nsb" sh -c "ss -Htln 'sport = :5555' | grep -q ." || fail "$1: no TCP listener in B"
	ip netns exec "$nsa" timeout 120 socat -u OPEN:"$T/send" TCP:10.199.40.2:5555 > "$T/source.log" 2>&1 ||
		fail "$1: TCP transfer A -> B failed: $(cat "$T/source.log")"
	wait "$PID_sink" || fail "$1: the TCP sink in B failed: $(cat "$T/sink.log")"
	[ "$(sha256sum < "$T/recv")" = "$sum" ] || fail "$1: sha256 of the 20 MiB received differs ($(stat -c %s "$T/recv") bytes)"
}

# cable WHAT N NEAR_VNL [FAR_ARGS...]: near switch A keeps NEAR_VNL on
# its port 2 (the tap is port 1); far switch B has FAR_ARGS.  Ping and
# transfer, kill B and start it again, A brings the port back.
cable() {
	local what=$1 n=$2 vnl=$3 pa fa fb ka ua da
	shift 3
	say "$what: ping, 20 MiB over TCP"
	switch far$n "$T/b$n" vb$$$n "$nsb" 10.199.40.2/24 "$@"
	switch near$n "$T/a$n" va$$$n "$nsa" 10.199.40.1/24 --port "$vnl"
	eval "pa=\$PID_near$n"
	wait_for -t 20 link_up "$T/a$n.mgmt" "$vnl" || fail "$what: A's port is not up: $("$BIN/vdecmd" "$T/a$n.mgmt" port/print; cat "$T/near$n.log")"
	"$BIN/vdecmd" "$T/a$n.mgmt" port/print 2 | grep -qE "module (vnl|${vnl%%://*}) " || fail "$what: port 2's endpoint is not of module vnl or ${vnl%%://*}: $("$BIN/vdecmd" "$T/a$n.mgmt" port/print 2)"
	"$BIN/vdecmd" "$T/a$n.mgmt" port/print 1 | grep -q "module tuntap " || fail "$what: the tap's endpoint is not of module tuntap: $("$BIN/vdecmd" "$T/a$n.mgmt" port/print 1)"
	pingboth "$nsa" 10.199.40.1 "$nsb" 10.199.40.2 "$what"
	transfer "$what"
	counted "$T/a$n.mgmt" || fail "$what: port 2's counters did not count the transfer: $("$BIN/vdecmd" "$T/a$n.mgmt" port/print 2)"
	fa=$(fds "$pa") ka=$(kids "$pa") ua=$(ups "$T/near$n.log" "$vnl") da=$(downs "$T/near$n.log" "$vnl")

	say "$what: the far switch killed and started again (A's ports on VLAN 10 meanwhile)"
	# the port's settings outlive the reconnect: both of A's ports move
	# to VLAN 10, so traffic after it passes only if port 2 kept it
	"$BIN/vdecmd" "$T/a$n.mgmt" vlan/create 10 && "$BIN/vdecmd" "$T/a$n.mgmt" port/setvlan 1 10 &&
		"$BIN/vdecmd" "$T/a$n.mgmt" port/setvlan 2 10 || fail "$what: VLAN 10 on A's ports"
	unplug_kill far$n
	[ "$NOTICES" = 0 ] || wait_for -t 20 downs_over "$T/near$n.log" "$vnl" "$da" ||
		fail "$what: A did not notice the far end going: $(cat "$T/near$n.log")"
	switch far$n "$T/b$n" vb$$$n "$nsb" 10.199.40.2/24 "$@"
	wait_for -t 30 link_up "$T/a$n.mgmt" "$vnl" || fail "$what: A's port did not come back: $("$BIN/vdecmd" "$T/a$n.mgmt" port/print; cat "$T/near$n.log")"
	"$BIN/vdecmd" "$T/a$n.mgmt" port/print 2 | grep -q "untagged_vlan=0010 " ||
		fail "$what: port 2 lost its VLAN over the reconnect: $("$BIN/vdecmd" "$T/a$n.mgmt" port/print 2)"
	pingboth "$nsa" 10.199.40.1 "$nsb" 10.199.40.2 "$what, after the far switch restarted"
	transfer "$what, after the far switch restarted"
	alive near$n "$what: switch A"
	[ "$NOTICES" = 0 ] || [ "$(ups "$T/near$n.log" "$vnl")" -gt "$ua" ] ||
		fail "$what: A never reopened the port: $(cat "$T/near$n.log")"
	fb=$(fds "$pa")
	[ "$fb" -eq "$fa" ] || fail "$what: switch A held $fa fds before the reconnect, $fb after: $(ls -l "/proc/$pa/fd")"
	[ "$(kids "$pa")" -eq "$ka" ] || fail "$what: switch A had $ka children before, $(kids "$pa") after: $(ps -o pid,stat,args --ppid "$pa")"
	unplug near$n
	unplug far$n
}

# unplug_kill NAME: SIGKILL the process bg NAME started, reap it
unplug_kill() {
	local pid
	eval "pid=\$PID_$1"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
}

NOTICES=1 # a stream cable notices the far end going away
cable "cmd:// with our vde_plug" 1 "cmd://$BIN/vde_plug $T/b1"
if [ -x "$THEIRS" ]; then
	cable "cmd:// with Debian's vde_plug" 2 "cmd://$THEIRS vde://$T/b2"
else
	say "no Debian vde_plug: cmd:// with it not tested"
fi
cable "vde://" 3 "vde://$T/b3"
NOTICES=0 # udp:// has no far end to lose: only traffic shows it is back
cable "udp://" 4 "udp://127.0.0.1:7101->127.0.0.1:7102" --port "udp://127.0.0.1:7102->127.0.0.1:7101"
exit 0
