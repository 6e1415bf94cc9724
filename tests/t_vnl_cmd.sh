#!/bin/bash
# t_vnl_cmd.sh - cmd://"COMMAND ARGS": a VNL streamed through a command's
# stdin/stdout (2-byte length framing), vdeplug4's way of running
# "ssh host vde_plug" without dpipe.  The command string is split as
# vdeplug4 splits it: words, with '...' and "..." quoting.
#   ours:     vde_plug vde://A cmd://"/usr/bin/vde_plug -D 'far end' vde://B"
#   Debian's: vde_plug vde://A cmd://"OURS -D 'near end' vde://B"
# A is Debian's vde_switch and B ours, each with a tap in a namespace;
# the taps ping through the cable.  The quoted description arrives whole
# at B.  Stopping the outer plug ends the command, and both switches
# free their ports.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vnl.sh"
need_root_taps
need_their_plug cmd vde
need_their_switch

their_switch swa "$T/a" -t vc$$a
our_switch swb "$T/b" -tap vc$$b
tapns A vc$$a 10.199.24.1/24
tapns B vc$$b 10.199.24.2/24

# run NAME OUTER INNER DESCR: OUTER vde://A cmd://"INNER -D 'DESCR' vde://B"
run() {
	bg "$1" "$2" "vde://$T/a" "cmd://$3 -D '$4' vde://$T/b"
	wait_for holds "$T/a" 1 || fail "$1: the outer plug did not join A: $(cat "$T/$1.log")"
	wait_for grep -q "joined ($4 user=" "$T/swb.log" ||
		fail "$1: the command's plug did not join B as '$4': $(grep joined "$T/swb.log"; cat "$T/$1.log")"
	pingboth "$NS_A" 10.199.24.1 "$NS_B" 10.199.24.2 "$1"
	alive "$1" "the outer plug"
	unplug "$1"
	wait_for holds "$T/a" 0 || fail "$1: A kept the outer plug's port"
	wait_for holds "$T/b" 0 || fail "$1: B kept the port of the command's plug (it outlived the outer plug?)"
	ip netns exec "$NS_A" ping -n -c 1 -W 1 10.199.24.2 > /dev/null && fail "$1: ping without the cable"
	return 0
}

say "ours outside, Debian's vde_plug as the command"
run ours "$OURS" "$THEIRS" "far end"
say "Debian's outside, ours as the command"
run theirs "$THEIRS" "$OURS" "near end"
exit 0
