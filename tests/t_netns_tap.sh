#!/bin/bash
# t_netns_tap.sh - two network namespaces, each with a tap of our switch
# moved into it: ping both ways, then a TCP transfer whose bytes must
# arrive intact (large segments exercise the tap offload path).
. "$(dirname "$0")/lib.sh"
need ip ping python3
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
[ "$(id -u)" -eq 0 ] || skip "needs root for taps and namespaces"

ta=vt$$a tb=vt$$b
d=$T/sw
start_switch sw "$d" -tap "$ta" -tap "$tb"
ip link show "$ta" >/dev/null 2>&1 || fail "switch did not create tap $ta"
na=$(mkns a) nb=$(mkns b)
tap_into "$na" "$ta" 10.199.1.1/24
tap_into "$nb" "$tb" 10.199.1.2/24

say "ping a -> b and b -> a"
pings "$na" 10.199.1.2 || fail "a cannot ping b"
pings "$nb" 10.199.1.1 || fail "b cannot ping a"
ip netns exec "$na" ping -n -q -c 20 -i 0.01 -W 5 10.199.1.2 > "$T/ping.out" || fail "ping burst lost packets: $(cat "$T/ping.out")"

say "large ping (fragmented 8000-byte datagrams)"
ip netns exec "$na" ping -n -c 2 -s 8000 -W 5 10.199.1.2 > /dev/null || fail "8000-byte ping"

say "TCP: 16 MiB from a to b arrive intact"
cat > "$T/sink.py" <<'EOF'
import hashlib, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5001)); s.listen(1)
open(sys.argv[2], "w").close()  # listening
c, _ = s.accept()
h, n = hashlib.sha256(), 0
while True:
    b = c.recv(1 << 16)
    if not b:
        break
    h.update(b); n += len(b)
print(n, h.hexdigest())
EOF
bg sink ip netns exec "$nb" python3 "$T/sink.py" 10.199.1.2 "$T/sink.ready"
wait_for test -e "$T/sink.ready" || fail "TCP sink did not start"
head -c 16777216 /dev/urandom > "$T/blob"
want="16777216 $(sha256sum < "$T/blob" | cut -d' ' -f1)"
timeout 120 ip netns exec "$na" python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 5001))
s.sendall(open(sys.argv[2], "rb").read())
s.close()' 10.199.1.2 "$T/blob" || fail "TCP transfer failed"
wait "$PID_sink"
got=$(tail -n 1 "$T/sink.log")
[ "$got" = "$want" ] || fail "TCP data damaged: got '$got', want '$want'"

say "the taps go with the switch"
kill "$PID_sw"; wait "$PID_sw"
wait_for sh -c "! ip -n $na link show $ta" || fail "tap $ta outlived the switch"
exit 0
