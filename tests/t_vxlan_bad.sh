#!/bin/bash
# t_vxlan_bad.sh - hostile datagrams at our vxlan:// port.  Namespaces A
# and B on a veth (10.199.66.1, .2), each our switch with a tap and a
# unicast VXLAN to the other (vni 42; A with hashsize=64).  From B,
# python sends A's VXLAN port:
#   1. short datagrams (0, 5 and 21 bytes), wrong flags (no I bit, I plus
#      GPE's next-protocol bit, I plus a
#      reserved bit), other VNIs (43, 0xffffff),
#      oversize ones (9244 and 20000 bytes: more than a VXLAN header and
#      our largest frame): each counted as malformed or other VNI, none
#      passed on; a datagram of 9242 bytes (8 + our largest frame) is one;
#      one of 9243 bytes is dropped (malformed or the port's DROP);
#   2. 3000 frames from 3000 spoofed VTEP addresses (raw IPv4, sources
#      10.200.x.y) and 3000 source MACs, while the console samples
#      port/print: "M MACs learned (table T)" has T = 64 and M <= T every
#      time, and 3000 MACs fill at least 48 of the 64 entries (a hash that
#      spreads MACs differing in their last bytes);
# then the taps still ping each other, the switch is still running, and
# the ASan build reports nothing.  First (0.) VNLs with bad options are
# refused with one line, by vde_plug and by --port.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vxlan.sh"
need_vxlan

say "0. bad VNLs: one line naming the VNL, exit 1, for vde_plug and --port"
# bad VNL [VNL...]: each refused by our vde_plug and by the switch's --port
bad() {
	local v rc n
	for v in "$@"; do
		timeout 10 "$BIN/vde_plug" "$v" null:// > "$T/bad.out" 2> "$T/bad.err"
		rc=$?
		n=$(wc -l < "$T/bad.err")
		[ $rc -eq 1 ] && [ "$n" -eq 1 ] && grep -qF "${v:0:30}" "$T/bad.err" ||
			fail "vde_plug $v: exit $rc (124: it ran), $n lines: $(cat "$T/bad.err")"
		timeout 10 "$VDE" switch -s "$T/badsw" --nostdin --port "$v" > /dev/null 2> "$T/bad.err"
		rc=$?
		[ $rc -eq 1 ] && grep -qF "${v:0:30}" "$T/bad.err" || fail "vde_switch --port $v: exit $rc: $(cat "$T/bad.err")"
		[ -e "$T/badsw" ] && fail "vde_switch --port $v left $T/badsw"
	done
}
bad 'vxlan:///vni=16777216' 'vxlan:///vni=-1' 'vxlan:///vni=x' 'vxlan://notanip' \
	'vxlan:///remote=' 'vxlan:///remote=10.0.0.1,fd00::1' 'vxlan://239.1.1.1/remote=fd00::1' \
	'vxlan:///if=nosuchif0' 'vxlan:///port=0' 'vxlan:///port=65536' 'vxlan:///ttl=256' \
	'vxlan:///v6/local=10.0.0.1' 'vxlan:///hashsize=0' 'vxlan:///expiretime=0' 'vxlan://ff05::1/v4' \
	"vxlan:///remote=$(printf '10.0.0.%d,' $(seq 1 100))"
# vdeplug4 refuses keys it does not know ("unknwown key: vin"): a typo
# must not run a VXLAN on vni 1
bad 'vxlan:///vin=42' 'vxlan:///bogus=1'

nsa=$(mkns a)
nsb=$(mkns b)
for ns in "$nsa" "$nsb"; do # no IPv6 chatter from the taps: counts stay exact
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip netns exec "$nsa" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
veth "$nsa" vA "$nsb" vB
ip netns exec "$nsa" sysctl -qw net.ipv4.conf.vA.rp_filter=0
addr "$nsa" vA 10.199.66.1/24
addr "$nsb" vB 10.199.66.2/24
vx_switch swa "$nsa" vxt$$a 10.199.68.1/24 "vxlan:///vni=42/remote=10.199.66.2/hashsize=64"
vx_switch swb "$nsb" vxt$$b 10.199.68.2/24 "vxlan:///vni=42/remote=10.199.66.1"
pingbi "$nsa" 10.199.68.1 "$nsb" 10.199.68.2 "before"
[ "$(vx_count swa table)" -eq 64 ] || fail "hashsize=64 made a table of $(vx_count swa table)"

# drops NAME: the DROP count of switch NAME's vxlan port
drops() {
	"$VDE" vdecmd "$T/$1.mgmt" port/print | awk '/DROP: pkts/ { d = $3 } /LINK: vxlan:/ { print d; exit }'
}

# dropped_more N: A's malformed count plus its vxlan port's drops exceed N
dropped_more() { [ $(($(vx_count swa malformed) + $(drops swa))) -gt "$1" ]; }

# send SIZE... : one datagram each, from B to A's VXLAN port; a SIZE is
# LEN (a good header, vni 42, then a frame of LEN - 8 bytes),
# LEN:flags:vni (that header), or LEN:raw (zero bytes)
send() {
	ip netns exec "$nsb" python3 - "$@" <<'PY' || fail "python could not send"
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for a in sys.argv[1:]:
    f = a.split(":")
    n = int(f[0])
    if len(f) == 2:
        d = bytes(n)
    else:
        flags, vni = (int(f[1], 0), int(f[2], 0)) if len(f) == 3 else (0x08, 42)
        eth = b"\xff" * 6 + b"\x02\x00\x00\x00\x66\x01" + b"\x08\x06"
        d = (bytes([flags, 0, 0, 0]) + struct.pack(">I", vni << 8) + eth + bytes(n))[:n]
    s.sendto(d, ("10.199.66.1", 4789))
PY
}

say "1. malformed, other VNI, oversize"
in0=$(vx_count swa in) m0=$(vx_count swa malformed) o0=$(vx_count swa othervni)
send 0:raw 5 21 30:0x00:42 30:0x0c:42 30:0x18:42 30:0x08:43 30:0x08:0xffffff 9244 20000
wait_for vx_atleast swa malformed $((m0 + 8)) || fail "A counted $(vx_count swa malformed) malformed, not $((m0 + 8)): $(vx_port swa)"
wait_for vx_atleast swa othervni $((o0 + 2)) || fail "A counted $(vx_count swa othervni) of other VNIs, not $((o0 + 2))"
[ "$(vx_count swa malformed)" -eq $((m0 + 8)) ] && [ "$(vx_count swa othervni)" -eq $((o0 + 2)) ] ||
	fail "wrong drop counts: $(vx_port swa)"
[ "$(vx_count swa in)" -eq "$in0" ] || fail "A took hostile datagrams in: $(vx_port swa)"
# a frame of the largest size is no error
send 9242
wait_for vx_atleast swa in $((in0 + 1)) || fail "A refused a 9242-byte datagram: $(vx_port swa)"
[ "$(vx_count swa malformed)" -eq $((m0 + 8)) ] || fail "a 9242-byte datagram counted as malformed"
# one byte more: dropped by the port or the switch
d0=$(drops swa) m1=$(vx_count swa malformed)
send 9243
wait_for dropped_more $((m1 + d0)) ||
	fail "a 9243-byte datagram was not dropped: $(vx_port swa), drops $(drops swa)"
say "after the hostile datagrams: $(vx_port swa)"

say "2. 3000 spoofed VTEPs and MACs against a table of 64"
# The spoofer cycles through its 3000 VTEPs until the console has been
# sampled 10 times (the file $T/stop), and at least once round.
ip netns exec "$nsb" python3 - "$T/stop" <<'PY' > "$T/spoof.log" 2>&1 &
import os, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
dst = socket.inet_aton("10.199.66.1")
n = 0
while n < 3000 or not os.path.exists(sys.argv[1]):
    i = n % 3000
    src = bytes([10, 200, i >> 8, i & 255])
    eth = b"\xff" * 6 + bytes([2, 0x66, 0, 0, i >> 8, i & 255]) + b"\x08\x06" + bytes(46)
    vx = bytes([8, 0, 0, 0]) + struct.pack(">I", 42 << 8) + eth
    udp = struct.pack(">HHHH", 40000 + i % 1000, 4789, 8 + len(vx), 0) + vx
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), n & 0xffff, 0, 64, 17, 0, src, dst)
    s.sendto(ip + udp, ("10.199.66.1", 0))
    n += 1
print("sent", n)
PY
spoofer=$!
_pids+=("$spoofer")
samples=0 max=0
while kill -0 "$spoofer" 2>/dev/null; do
	read -r l t < <(vx_port swa | sed -n 's/.* \([0-9]*\) MACs learned (table \([0-9]*\)).*/\1 \2/p')
	[ -n "$t" ] || fail "no port/print during the flood"
	[ "$l" -le "$t" ] || fail "$l MACs learned in a table of $t: $(vx_port swa)"
	[ "$l" -gt "$max" ] && max=$l
	samples=$((samples + 1))
	[ $samples -eq 10 ] && touch "$T/stop"
done
wait "$spoofer" || fail "the spoofer failed: $(cat "$T/spoof.log")"
kill -0 "$PID_swa" || fail "switch A died in the flood: $(tail -n 20 "$T/swa.log")"
# the last of them arrive: the count settles, and stays bounded
wait_for vx_atleast swa in $((in0 + 1 + 1000)) || fail "A took few spoofed frames: $(vx_port swa)"
l=$(vx_count swa learned) t=$(vx_count swa table)
[ "$t" -eq 64 ] && [ "$l" -le 64 ] || fail "after the flood: $l MACs learned, table $t"
[ "$l" -ge 48 ] || fail "3000 MACs filled only $l entries of 64 (a hash that spreads them badly?): $(vx_port swa)"
say "$(cat "$T/spoof.log") frames; $samples samples, at most $max MACs; $(vx_port swa)"

say "3. still forwarding"
kill -0 "$PID_swa" || fail "switch A died: $(tail -n 20 "$T/swa.log")"
ip -n "$nsa" neigh flush all; ip -n "$nsb" neigh flush all
pingbi "$nsa" 10.199.68.1 "$nsb" 10.199.68.2 "after the flood"
exit 0
