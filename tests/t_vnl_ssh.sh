#!/bin/bash
# t_vnl_ssh.sh - vdeplug4's built-in dpipe over ssh:
#   vde_plug VNL = ssh HOST vde_plug VNL
# (no dpipe process; the plug runs the command and streams the network
# through its stdin/stdout).  Two namespaces joined by a veth play two
# hosts; host B runs a throwaway sshd (tests/helpers/sshd.sh).  Each
# host has one of our switches with a tap; explicit sockets everywhere.
#   ours on A, Debian's vde_plug at B's end of the ssh
#   Debian's on A, ours at B's end (the remote description gets SSH=)
#   ours -- VNL = ssh -o... vde_plug -D X VNL (after --, every option
#   belongs to the command, as GNU getopt has it)
#   ours only: the same without -- (ours stops at "="; Debian's 4.0.1
#   permutes and takes the command's options for its own)
# The taps ping through each cable; stopping the plug on A ends the
# ssh and the remote plug, and both switches free their ports.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vnl.sh"
need_root_taps
need_their_plug vde
. "$(dirname "$0")/helpers/sshd.sh"

nsa=$(mkns hosta)
nsb=$(mkns hostb)
ip link add vs$$a type veth peer name vs$$b || fail "ip link add veth"
ip link set vs$$a netns "$nsa" && ip link set vs$$b netns "$nsb" || fail "moving the veth ends"
ip -n "$nsa" addr add 10.99.1.1/24 dev vs$$a && ip -n "$nsa" link set vs$$a up
ip -n "$nsb" addr add 10.99.1.2/24 dev vs$$b && ip -n "$nsb" link set vs$$b up
SSH_FROM=$nsa sshd_in "$nsb" 10.99.1.2

bg swa ip netns exec "$nsa" "$VDE" switch -s "$T/a" --nostdin -tap vh$$a
bg swb ip netns exec "$nsb" "$VDE" switch -s "$T/b" --nostdin -tap vh$$b
wait_for test -S "$T/a/ctl" && wait_for test -S "$T/b/ctl" || fail "switches did not start"
ip -n "$nsa" addr add 192.168.78.1/24 dev vh$$a && ip -n "$nsa" link set vh$$a up
ip -n "$nsb" addr add 192.168.78.2/24 dev vh$$b && ip -n "$nsb" link set vh$$b up

# Debian's vde_plug (GNU getopt) takes options after "=" as its own, so
# the command after "=" carries none: a script holds ssh's options.  The
# "--" form, where the command may have options, comes last.
printf '#!/bin/sh\nexec %s "$@"\n' "${sshcmd[*]}" > "$T/to-b"
chmod 755 "$T/to-b"

# over NAME LOCAL-ARGV... = COMMAND...: run on host A; the local plug
# says NAME, the remote one joins B with SSH= in its description
over() {
	local name=$1; shift
	bg "$name" ip netns exec "$nsa" "$@"
	wait_for -t 20 grep -q "joined ($name user=" "$T/swa.log" || fail "$name: the local plug did not join A: $(cat "$T/$name.log")"
	wait_for -t 20 holds "$T/b" 1 || fail "$name: the remote plug did not join B: $(cat "$T/$name.log")"
	grep "joined (" "$T/swb.log" | tail -n 1 | grep -q "SSH=10.99.1.1" ||
		fail "$name: the remote description lacks SSH=10.99.1.1: $(grep "joined (" "$T/swb.log" | tail -n 1)"
	pingboth "$nsa" 192.168.78.1 "$nsb" 192.168.78.2 "$name"
	alive "$name" "the local plug"
	unplug "$name"
	wait_for -t 20 holds "$T/a" 0 || fail "$name: A kept the local plug's port"
	wait_for -t 20 holds "$T/b" 0 || fail "$name: B kept the remote plug's port (the ssh or the remote plug outlived the local one)"
}

say "ours on A = ssh B Debian's vde_plug"
over ours "$OURS" -D ours "vde://$T/a" = "$T/to-b" "$THEIRS" "vde://$T/b"
say "Debian's on A = ssh B ours"
over theirs "$THEIRS" -D theirs "vde://$T/a" = "$T/to-b" "$OURS" "vde://$T/b"
say "ours -- VNL = ssh -OPTIONS... Debian's -D X VNL: options after -- belong to the command"
over dashdash "$OURS" -D dashdash -- "vde://$T/a" = "${sshcmd[@]}" "$THEIRS" -D remote "vde://$T/b"
grep -q "joined (remote user=" "$T/swb.log" || fail "the remote plug did not get its own -D: $(grep joined "$T/swb.log" | tail -n 1)"
if [ "$(readlink -f "$OURS")" = "$THEIRS" ]; then
	say "Debian's vde_plug takes options after = as its own: no test of = without --"
	exit 0
fi
say "ours VNL = ssh -OPTIONS... -D X VNL without --: options after = belong to the command"
over plain "$OURS" -D plain "vde://$T/a" = "${sshcmd[@]}" "$THEIRS" -D remote2 "vde://$T/b"
grep -q "joined (remote2 user=" "$T/swb.log" || fail "the remote plug did not get its own -D: $(grep joined "$T/swb.log" | tail -n 1)"
exit 0
