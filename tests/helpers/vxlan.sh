# tests/helpers/vxlan.sh - shared by the t_vxlan_*.sh tests: underlay
# links between namespaces, our switch with a vxlan:// port and a tap,
# kernel VTEPs, a TCP transfer checked by sha256, and the counters of
# our vxlan port's LINK line in port/print.  Source after lib.sh.

need_vxlan() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for namespaces and taps"
	[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
	need ip ping bridge ss sha256sum python3
}

# veth NS1 IF1 NS2 IF2: a veth pair from NS1 to NS2, both ends up
veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" || fail "veth $2 ($1) - $4 ($3)"
	ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up || fail "bring up veth $2 - $4"
}

# addr NS IF ADDR/LEN: an address on IF (IPv6 without duplicate address
# detection, so it is usable at once)
addr() {
	case $3 in
	*:*) ip -n "$1" addr add "$3" dev "$2" nodad || fail "address $3 on $2 in $1" ;;
	*) ip -n "$1" addr add "$3" dev "$2" || fail "address $3 on $2 in $1" ;;
	esac
}

# txcsum_off NS DEV: no transmit checksum offload on DEV (ethtool -K DEV
# tx off, which is not always installed: its ioctl).  A kernel VTEP that
# offloads leaves the inner TCP checksum undone (CHECKSUM_PARTIAL); over
# a veth that reaches the other namespace's UDP socket as it is, and a
# userspace VTEP hands on frames with bad checksums (ping works, TCP not).
# A real NIC fills them in.
txcsum_off() {
	ip netns exec "$1" python3 -c '
import ctypes, fcntl, socket, struct, sys
SIOCETHTOOL, SET, GET = 0x8946, 0x17, 0x16
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
def call(cmd, data):
    v = ctypes.create_string_buffer(struct.pack("II", cmd, data), 8)
    fcntl.ioctl(s.fileno(), SIOCETHTOOL, struct.pack("16sP", sys.argv[1].encode(), ctypes.addressof(v)))
    return struct.unpack("II", v.raw)[1]
call(SET, 0)
sys.exit(call(GET, 0))' "$2" || fail "transmit checksum offload off on $2 in $1"
}

# tso_off NS DEV: no TCP segmentation or generic segmentation offload on
# DEV.  A kernel VTEP over a veth hands its TCP super-frames (up to 64 KiB
# inside one UDP datagram) to the far socket whole - there is no NIC on
# the way to cut them - and a user-space VTEP (ours, OVS's userspace
# datapath) takes Ethernet frames only: we count them "oversize".
tso_off() {
	ip netns exec "$1" python3 -c '
import ctypes, fcntl, socket, struct, sys
SIOCETHTOOL, STSO, SGSO = 0x8946, 0x1f, 0x24
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for cmd in (STSO, SGSO):
    v = ctypes.create_string_buffer(struct.pack("II", cmd, 0), 8)
    fcntl.ioctl(s.fileno(), SIOCETHTOOL, struct.pack("16sP", sys.argv[1].encode(), ctypes.addressof(v)))' "$2" ||
		fail "segmentation offload off on $2 in $1"
}

# kernel_vx NS DEV ADDR/LEN ARGS...: the kernel's vx0 in NS (VNI, group
# or remote from ARGS), underlay DEV, overlay address ADDR.  With
# KERNEL_TXCSUM=off, without transmit checksum offload (see txcsum_off);
# by default as the kernel makes it: inner checksums left partial, for
# our end to finish.
kernel_vx() {
	local ns=$1 dev=$2 a=$3; shift 3
	ip -n "$ns" link add vx0 type vxlan "$@" dev "$dev" dstport 4789 ||
		fail "ip link add vx0 type vxlan $* in $ns"
	[ "${KERNEL_TXCSUM:-on}" = off ] && txcsum_off "$ns" vx0
	tso_off "$ns" vx0
	addr "$ns" vx0 "$a"
	ip -n "$ns" link set vx0 up || fail "bring up vx0 in $ns"
}

# vx_switch NAME NS TAP ADDR/LEN VNL [ARGS...]: our switch in NS (dir
# $T/NAME, console $T/NAME.mgmt), a tap TAP with ADDR, port VNL
vx_switch() {
	local name=$1 ns=$2 tap=$3 a=$4 vnl=$5; shift 5
	bg "$name" ip netns exec "$ns" "$VDE" switch -s "$T/$name" -M "$T/$name.mgmt" --nostdin \
		-t "$tap" --port "$vnl" "$@"
	wait_for test -S "$T/$name.mgmt" || fail "switch $name did not start: $(cat "$T/$name.log")"
	wait_for ip -n "$ns" link show "$tap" || fail "switch $name made no tap $tap: $(cat "$T/$name.log")"
	addr "$ns" "$tap" "$a"
	ip -n "$ns" link set "$tap" up || fail "bring up $tap in $ns"
	vx_port "$name" > /dev/null || fail "switch $name has no vxlan port: $(cat "$T/$name.log")"
}

# vx_port NAME: the LINK line of switch NAME's vxlan port
vx_port() { "$VDE" vdecmd "$T/$1.mgmt" port/print 2>&1 | grep -m 1 'LINK: vxlan://'; }

# vx_count NAME WHAT: one counter of that line: learned, table, in, out,
# flooded, malformed, othervni
vx_count() {
	vx_port "$1" | python3 -c '
import re, sys
l = sys.stdin.read()
m = re.search(r"(\d+) MACs learned \(table (\d+)\), in (\d+) out (\d+) flooded (\d+), "
              r"dropped: (\d+) malformed, (\d+) other VNI(?:, (\d+) oversize)?", l)
if not m:
    sys.exit("no vxlan counters in: " + l)
k = ["learned", "table", "in", "out", "flooded", "malformed", "othervni", "oversize"]
v = [int(g or 0) for g in m.groups()]
# "malformed": every datagram that was no frame of ours, too long ones too
v[5] += v[7]
print(v[k.index(sys.argv[1])])' "$2"
}

# vx_atleast NAME WHAT N: the counter is at least N (for wait_for)
vx_atleast() { [ "$(vx_count "$1" "$2")" -ge "$3" ]; }

# pingbi NS1 A1 NS2 A2 WHAT: each reaches the other, also with 1400-byte
# pings (a frame of 1442 bytes, 1492 in the underlay)
pingbi() {
	pings "$1" "$4" || fail "$5: no ping from $1 ($2) to $4"
	pings "$3" "$2" || fail "$5: no ping from $3 ($4) to $2"
	ip netns exec "$1" ping -n -c 3 -i 0.2 -s 1400 -W 2 "$4" > "$T/ping.log" 2>&1 ||
		fail "$5: no 1400-byte pings from $2 to $4: $(cat "$T/ping.log")"
}

# xfer NSFROM NSTO ADDR WHAT: 20 MB of random bytes over TCP from NSFROM
# to ADDR (in NSTO), the same sha256 at both ends
_xport=5100
xfer() {
	local from=$1 to=$2 a=$3 what=$4 port=$((_xport++)) srv
	[ -f "$T/xfer.src" ] || head -c 20000000 /dev/urandom > "$T/xfer.src"
	rm -f "$T/xfer.dst"
	bg "xsrv$port" ip netns exec "$to" python3 -c '
import socket, sys
a, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((a, port)); s.listen(1); s.settimeout(60)
c, _ = s.accept(); c.settimeout(60)
with open(out, "wb") as f:
    while True:
        b = c.recv(1 << 16)
        if not b:
            break
        f.write(b)' "$a" "$port" "$T/xfer.dst"
	eval "srv=\$PID_xsrv$port"
	wait_for sh -c "ip netns exec '$to' ss -Htln 'sport = :$port' | grep -q ." ||
		fail "$what: the receiver did not listen: $(cat "$T/xsrv$port.log")"
	ip netns exec "$from" timeout 90 python3 -c '
import socket, sys
a, port, src = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection((a, port), timeout=30)
with open(src, "rb") as f:
    s.sendfile(f)
s.shutdown(socket.SHUT_WR)
s.settimeout(60)
s.recv(1)' "$a" "$port" "$T/xfer.src" > "$T/xcli$port.log" 2>&1 ||
		fail "$what: the sender failed: $(cat "$T/xcli$port.log")"
	wait "$srv" || fail "$what: the receiver failed: $(cat "$T/xsrv$port.log")"
	[ "$(sha256sum < "$T/xfer.src")" = "$(sha256sum < "$T/xfer.dst")" ] ||
		fail "$what: sha256 differs ($(stat -c %s "$T/xfer.dst") of 20000000 bytes arrived)"
	say "$what: 20 MB, sha256 matches"
}
