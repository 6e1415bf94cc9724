#!/bin/bash
# t_plug_seqpacket.sh - vde_plug run the way libvdeplug4_static (static
# emulators) and UML's vector transport run it: a SOCK_SEQPACKET
# socketpair, one end kept, the other inherited by
#   vde_plug --descr X --port2 5 seqpacket://FD vde://DIR
# A Python harness keeps its end and bridges it to a tap in namespace A;
# Debian's vde_plug tap://t1 vde://DIR serves namespace B.  Ping both
# ways; port/print on our switch shows port 5 with description X.
. "$(dirname "$0")/lib.sh"
need ip ping python3
[ "$(id -u)" -eq 0 ] || skip "needs root for taps and namespaces"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
[ -x /usr/bin/vde_plug ] || skip "Debian vdeplug (vdeplug4 vde_plug) not installed"

d=$T/sw
start_switch sw "$d" -M "$T/mgmt" --nostdin
na=$(mkns a) nb=$(mkns b)
ta=sq$$a tb=sq$$b

cat > "$T/static.py" <<'EOF'
# What libvdeplug4_static's vde_open does, then a frame pump between
# our end of the pair and a tap (IFF_TAP|IFF_NO_PI).
import fcntl, os, select, socket, struct, subprocess, sys
plug, tap, vnl = sys.argv[1], sys.argv[2], sys.argv[3]
mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
t = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(t, 0x400454ca, struct.pack("16sH", tap.encode(), 0x0002 | 0x1000))  # TUNSETIFF
p = subprocess.Popen([plug, "--descr", "X", "--port2", "5",
                      "seqpacket://%d" % theirs.fileno(), vnl], pass_fds=[theirs.fileno()])
theirs.close()
while True:
    r, _, _ = select.select([mine, t], [], [])
    if mine in r:
        f = mine.recv(65536)
        if not f:
            sys.exit("vde_plug closed the seqpacket socket: exit %s" % p.wait())
        os.write(t, f)
    if t in r:
        mine.send(os.read(t, 65536))
EOF

say "our vde_plug on an inherited seqpacket fd, bridged to a tap in namespace A"
bg static ip netns exec "$na" python3 "$T/static.py" "$BIN/vde_plug" "$ta" "vde://$d"
wait_for ip -n "$na" link show "$ta" || fail "the harness made no tap: $(cat "$T/static.log")"
ip -n "$na" addr add 10.197.1.1/24 dev "$ta" && ip -n "$na" link set "$ta" up || fail "set up $ta"

say "Debian's vde_plug tap://$tb vde://DIR in namespace B"
bg theirs ip netns exec "$nb" /usr/bin/vde_plug "tap://$tb" "vde://$d"
wait_for ip -n "$nb" link show "$tb" || fail "Debian's vde_plug made no tap: $(cat "$T/theirs.log")"
ip -n "$nb" addr add 10.197.1.2/24 dev "$tb" && ip -n "$nb" link set "$tb" up || fail "set up $tb"

say "ping A -> B and B -> A"
pings "$na" 10.197.1.2 || fail "A cannot ping B"
pings "$nb" 10.197.1.1 || fail "B cannot ping A"

say "port/print: port 5, description X"
"$BIN/vdecmd" "$T/mgmt" port/print > "$T/ports" || fail "vdecmd port/print failed"
awk '/^Port 0005 /{p=1} /^Port / && !/^Port 0005 /{p=0} p' "$T/ports" > "$T/port5"
grep -q ACTIVE "$T/port5" || fail "port 5 not in use: $(cat "$T/ports")"
grep -Eq ": X user=[^ ]+ pid=[0-9]+" "$T/port5" || fail "port 5 lacks description X: $(cat "$T/port5")"

say "the harness closing its end ends our vde_plug"
pgrep -f "seqpacket://[0-9]+ vde://$d" > /dev/null || fail "our vde_plug is not running"
kill "$PID_static"
wait_for sh -c "! pgrep -f 'seqpacket://[0-9]+ vde://$d' > /dev/null" || fail "vde_plug outlived its seqpacket peer"
exit 0
