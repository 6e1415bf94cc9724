#!/bin/bash
# t_qemu_dgram.sh - a real QEMU guest on --qemu-dgram: QEMU's -netdev
# dgram sends raw frames from its own unix datagram socket (local.path)
# to ours; the switch makes that sender a port and answers to it.  The
# guest's iPXE DHCPDISCOVER reaches a DHCP server on the switch and its
# DHCPREQUEST for the offered address comes back: frames both ways.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/qemu.sh"
qemu_has dgram || skip "this QEMU has no -netdev dgram (needs QEMU >= 7.2)"

d=$T/sw mg=$T/mgmt qd=$T/qemu.dgram local=$T/guest.dgram
start_switch sw "$d" -M "$mg" --qemu-dgram "$qd"
wait_for test -S "$qd" || fail "no --qemu-dgram socket $qd"
dhcpd dhcp "$d"

say "-netdev dgram,local.type=unix,remote.type=unix: DHCP both ways"
guest g1 52:54:00:c4:02:01 "dgram,local.type=unix,local.path=$local,remote.type=unix,remote.path=$qd"
dhcp_both_ways dhcp g1 52:54:00:c4:02:01

say "port/print shows the sender as a port of its own"
"$BIN/vdecmd" -s "$mg" port/print > "$T/ports"
grep -q "module qemu dgram *: qemu dgram $qd from $local\$" "$T/ports" ||
	fail "port/print does not show the dgram port: $(cat "$T/ports")"
"$BIN/vdecmd" -s "$mg" hash/print > "$T/hash"
port=$(sed -n 's/.*Addr: 52:54:00:c4:02:01 .* to port: 0*\([0-9][0-9]*\) .*/\1/p' "$T/hash")
[ -n "$port" ] || fail "the switch did not learn the guest: $(cat "$T/hash")"
awk -v p="$(printf 'Port %04d ' "$port")" 'index($0, p) == 1 { on = 1; next } /^Port / { on = 0 } on' "$T/ports" |
	grep -q "qemu dgram" || fail "the guest's MAC is not on the dgram port (port $port): $(cat "$T/ports")"
guest_stop g1
exit 0
