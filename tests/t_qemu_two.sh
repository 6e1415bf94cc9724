#!/bin/bash
# t_qemu_two.sh - two real QEMU guests on one switch, one by -netdev vde
# (Debian's libvdeplug) and one by -netdev stream (--qemu-stream).  The
# DHCP server on a third port gives each guest an address and the other
# guest as its boot server, so each guest's iPXE ARPs for the other,
# answers the other's ARP and sends it a TFTP request: unicasts between
# the guests.  QEMU's own filter-dump records what each NIC received:
# frames of each guest reach the other.  The switch learns both MACs on
# their ports, and the third port never sees a unicast between them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/qemu.sh"
qemu_has stream || skip "this QEMU has no -netdev stream (needs QEMU >= 7.2)"

A=52:54:00:c4:03:01 B=52:54:00:c4:03:02
d=$T/sw mg=$T/mgmt qs=$T/qemu.sock
start_switch sw "$d" -M "$mg" --qemu-stream "$qs"
wait_for test -S "$qs" || fail "no --qemu-stream socket $qs"
dhcpd dhcp "$d" "$A=10.199.5.11/10.199.5.12" "$B=10.199.5.12/10.199.5.11"

# got PCAP SRC DST: QEMU's dump PCAP has a frame from SRC to DST
got() {
	python3 - "$@" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
src, dst = (bytes.fromhex(m.replace(":", "")) for m in sys.argv[2:4])
i = 24  # pcap global header
while i + 16 <= len(data):
    n = struct.unpack("<I", data[i + 8:i + 12])[0]
    f = data[i + 16:i + 16 + n]
    if len(f) >= 12 and f[0:6] == dst and f[6:12] == src:
        sys.exit(0)
    i += 16 + n
sys.exit(1)
PY
}

say "guest a on -netdev vde, guest b on -netdev stream"
guest a "$A" "vde,sock=$d" -object "filter-dump,id=fa,netdev=n0,file=$T/a.pcap"
guest b "$B" "stream,server=off,addr.type=unix,addr.path=$qs" -object "filter-dump,id=fb,netdev=n0,file=$T/b.pcap"
dhcp_both_ways dhcp a "$A"
dhcp_both_ways dhcp b "$B"

say "unicasts between the guests reach the other guest"
wait_for -t $QWAIT got "$T/b.pcap" "$A" "$B" || fail "guest b never received a unicast from guest a"
wait_for -t $QWAIT got "$T/a.pcap" "$B" "$A" || fail "guest a never received a unicast from guest b"

say "the switch learned both guests, each on its own port"
"$BIN/vdecmd" -s "$mg" hash/print > "$T/hash"
"$BIN/vdecmd" -s "$mg" port/print > "$T/ports"
# module_of MAC: the module of the endpoint on the port MAC was learned on
module_of() {
	local p
	p=$(sed -n "s/.*Addr: $1 .* to port: 0*\([0-9][0-9]*\) .*/\1/p" "$T/hash")
	[ -n "$p" ] || return 0
	awk -v p="$(printf 'Port %04d ' "$p")" 'index($0, p) == 1 { on = 1; next } /^Port / { on = 0 } on && /endpoint ID/' "$T/ports"
}
grep -q "Addr: $A " "$T/hash" || fail "the switch did not learn $A: $(cat "$T/hash")"
grep -q "Addr: $B " "$T/hash" || fail "the switch did not learn $B: $(cat "$T/hash")"
module_of "$A" | grep -q "QEMU" || fail "$A not learned on QEMU's vde port: $(module_of "$A") $(cat "$T/ports")"
module_of "$B" | grep -q "module stream *: qemu stream unix" || fail "$B not learned on the stream port: $(module_of "$B")"

say "the third port saw no unicast between the guests"
# the marker while both guests run: once one has stopped, its port and
# what was learned on it are gone, and the other's unicasts to it are
# rightly flooded - so only what came before the marker counts
marker "$d"
wait_for grep -q MARKER "$T/dhcp.out" || fail "the DHCP server's port did not get the marker"
guest_stop a
guest_stop b
sed '/MARKER/q' "$T/dhcp.out" > "$T/dhcp.before"
grep -q "^frame $A ff:ff:ff:ff:ff:ff" "$T/dhcp.before" || fail "the third port saw no broadcast of guest a"
grep -q "^frame $B ff:ff:ff:ff:ff:ff" "$T/dhcp.before" || fail "the third port saw no broadcast of guest b"
if grep -E "^frame ($A $B|$B $A) " "$T/dhcp.before"; then
	fail "a unicast between the guests was flooded to the third port"
fi
exit 0
