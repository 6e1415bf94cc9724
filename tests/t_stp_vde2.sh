#!/bin/bash
# t_stp_vde2.sh - our spanning tree next to Debian's vde_switch with its
# FSTP (-F) on, joined by a cable.  vde2's FSTP BPDUs are RST-shaped
# (version 2, type 2) with little-endian timers and private role bits
# (spec §6.6); we do not decode them: they are counted as ignored,
# logged once, never forwarded, and our port forwards as a designated
# port.  vde2 in turn ignores our 802.1D BPDUs.  So the two trees do not
# meet: frames pass (ping works), but a loop closed through a vde2
# switch is not cut by ours.
. "$(dirname "$0")/lib.sh"
need ip ping
[ -x /usr/bin/vde_switch ] || skip "Debian vde_switch (vde2) not installed"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
[ "$(id -u)" -eq 0 ] || skip "needs root for taps and namespaces"
PATH=$BIN:$PATH

start_switch ours "$T/ours" -F -M "$T/ours.mgmt" -tap vt$$o
# Debian's build exits at EOF on stdin: a FIFO it holds open itself
mkfifo "$T/theirs.stdin"
bg theirs sh -c 'exec /usr/bin/vde_switch -F -s "$1" -t "$2" <> "$0"' "$T/theirs.stdin" "$T/theirs" vt$$t
wait_for test -S "$T/theirs/ctl" || fail "Debian vde_switch did not start: $(cat "$T/theirs.log")"
no=$(mkns ours) nt=$(mkns theirs)
wait_for ip link show vt$$t || fail "no tap from vde2"
tap_into "$no" vt$$o 10.199.10.1/24
tap_into "$nt" vt$$t 10.199.10.2/24

bg cable dpipe vde_plug -p 4 "$T/ours" = vde_plug "$T/theirs"
say "ping across: our switch with STP, vde2 with FSTP"
pings "$no" 10.199.10.2 || fail "no ping ours -> theirs"
ignored() { vdecmd "$T/ours.mgmt" fstp/print 4 | grep -q "ignored [1-9]"; }
wait_for -t 20 ignored || fail "no vde2 FSTP BPDU counted: $(vdecmd "$T/ours.mgmt" fstp/print 4)"
vdecmd "$T/ours.mgmt" fstp/print 4 | grep -q "role designated state forwarding" ||
	fail "our port toward vde2: $(vdecmd "$T/ours.mgmt" fstp/print 4)"
n=$(grep -c "ignoring 802.1w RSTP or vde2 FSTP BPDU" "$T/ours.log")
[ "$n" -eq 1 ] || fail "the ignored BPDUs were logged $n times, not once"
say "vde2's BPDUs: $(vdecmd "$T/ours.mgmt" fstp/print 4 | grep -o 'ignored [0-9]*'), logged once"
pings "$nt" 10.199.10.1 || fail "no ping theirs -> ours"
exit 0
