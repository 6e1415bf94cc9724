#!/bin/bash
# t_vnl_ptp.sh - ptp://PATH, vdeplug4 4.0.1's point-to-point datagram
# cable: the same VNL at both ends, the first opener binds PATH and the
# second one finds it and connects.  Our vde_plug opens first and
# Debian's second, then the other way round; each plug joins a switch
# (ours A, Debian's B) with a tap in a namespace, and the taps ping.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vnl.sh"
need_root_taps
need_their_plug ptp vde
need_their_switch

our_switch swa "$T/a" -tap vp$$a
their_switch swb "$T/b" -t vp$$b
tapns A vp$$a 10.199.22.1/24
tapns B vp$$b 10.199.22.2/24

# ptp FIRST-NAME FIRST-PLUG FIRST-SWITCH SECOND-NAME SECOND-PLUG SECOND-SWITCH PATH
ptp() {
	bg "$1" "$2" "vde://$3" "ptp://$7"
	wait_for test -S "$7" || fail "$1: the first opener made no socket $7: $(cat "$T/$1.log")"
	wait_for holds "$3" 1 || fail "$1: did not join $3: $(cat "$T/$1.log")"
	bg "$4" "$5" "vde://$6" "ptp://$7"
	wait_for holds "$6" 1 || fail "$4: did not join $6: $(cat "$T/$4.log")"
	pingboth "$NS_A" 10.199.22.1 "$NS_B" 10.199.22.2 "$1 (first) ptp $4 (second)"
	alive "$1" "the first opener"
	alive "$4" "the second opener"
	unplug "$1"; unplug "$4"
	wait_for holds "$3" 0 || fail "$3 kept a port after its plug ended"
	wait_for holds "$6" 0 || fail "$6 kept a port after its plug ended"
}

say "ours opens ptp://PATH first (on switch A), Debian's second (on B)"
ptp ours "$OURS" "$T/a" theirs "$THEIRS" "$T/b" "$T/cable1"
say "Debian's opens first (on B), ours second (on A)"
ptp theirs2 "$THEIRS" "$T/b" ours2 "$OURS" "$T/a" "$T/cable2"
exit 0
