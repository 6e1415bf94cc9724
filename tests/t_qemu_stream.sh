#!/bin/bash
# t_qemu_stream.sh - real QEMU guests on --qemu-stream, QEMU's own stream
# framing with no libvdeplug: -netdev stream on a unix socket, -netdev
# stream over TCP on loopback, and the older -netdev socket,connect=.
# The guests' iPXE DHCPDISCOVER reaches a DHCP server on the switch and
# their DHCPREQUEST for the offered address comes back: frames both ways.
# port/print shows each port with its kind and peer.  Then QEMU is the
# server (server=on) and vde_plug stream:// connects it to the switch.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/qemu.sh"
qemu_has stream || skip "this QEMU has no -netdev stream (needs QEMU >= 7.2)"
need ss setpriv
[ -x /usr/bin/python3 ] || skip "no /usr/bin/python3 (clients run as nobody)"

d=$T/sw mg=$T/mgmt qs=$T/qemu.sock
# a free loopback port: bind to 0 and let the kernel pick
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
P=$(free_port) P2=$(free_port) P3=$(free_port)
start_switch sw "$d" -M "$mg" -m 0660 -g daemon --qemu-stream "$qs" --qemu-stream "127.0.0.1:$P" --qemu-stream ":$P2" --qemu-stream "$P3"
wait_for test -S "$qs" || fail "no --qemu-stream socket $qs"
say "--qemu-stream :PORT and PORT listen on loopback only"
ss -ltnH > "$T/listen"
for p in $P2 $P3; do
	grep -q " 127.0.0.1:$p " "$T/listen" || fail "nothing listens on 127.0.0.1:$p: $(grep ":$p " "$T/listen")"
	! grep -Eq " (0.0.0.0|\*|\[::\]):$p " "$T/listen" || fail "port $p listens beyond loopback"
done
dhcpd dhcp "$d"

say "the unix socket has the switch's -m and -g; a client's uid shows"
[ "$(stat -c '%a %G' "$qs")" = "660 daemon" ] || fail "$qs is $(stat -c '%a %G' "$qs"), not 660 daemon"
# nobody, in group daemon: may connect; the switch names it by its uid
setpriv --reuid nobody --regid nogroup --groups daemon /usr/bin/python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.recv(1)' "$qs" > "$T/nobody.log" 2>&1 &
_pids+=($!)
wait_for sh -c "'$BIN/vdecmd' -s '$mg' port/print | grep -q 'qemu stream unix $qs from uid $(id -u nobody)'" ||
	fail "no port for nobody's connection: $("$BIN/vdecmd" -s "$mg" port/print) $(cat "$T/nobody.log")"
kill $! 2>/dev/null
# without the group: the kernel refuses (write permission on the socket)
setpriv --reuid nobody --regid nogroup --clear-groups /usr/bin/python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' "$qs" 2> "$T/nobody2.log" &&
	fail "nobody without group daemon connected to a 0660 socket"
grep -q PermissionError "$T/nobody2.log" || fail "not refused by permission: $(cat "$T/nobody2.log")"

# ports: the switch's port/print
ports() { "$BIN/vdecmd" -s "$mg" port/print; }

say "-netdev stream,addr.type=unix: DHCP both ways"
guest g1 52:54:00:c4:01:01 "stream,server=off,addr.type=unix,addr.path=$qs"
dhcp_both_ways dhcp g1 52:54:00:c4:01:01
ports > "$T/ports1"
grep -q "module stream *: qemu stream unix $qs from uid 0" "$T/ports1" ||
	fail "port/print does not show the unix stream port: $(cat "$T/ports1")"
grep -q "joined (qemu stream unix $qs from uid 0)" "$T/sw.log" || fail "no join line: $(cat "$T/sw.log")"
guest_stop g1
wait_for sh -c "! '$BIN/vdecmd' -s '$mg' port/print | grep -q 'qemu stream unix'" ||
	fail "the unix stream port stayed after QEMU exited"

say "-netdev stream,addr.type=inet on 127.0.0.1:$P: DHCP both ways"
guest g2 52:54:00:c4:01:02 "stream,server=off,addr.type=inet,addr.host=127.0.0.1,addr.port=$P"
dhcp_both_ways dhcp g2 52:54:00:c4:01:02
ports > "$T/ports2"
grep -Eq "module stream *: qemu stream tcp 127.0.0.1:$P from tcp 127.0.0.1:[0-9]+$" "$T/ports2" ||
	fail "port/print does not show the TCP stream port and its peer: $(cat "$T/ports2")"
guest_stop g2

say "-netdev socket,connect=127.0.0.1:$P2 (QEMU's older socket backend, on --qemu-stream :$P2): DHCP both ways"
guest g3 52:54:00:c4:01:03 "socket,connect=127.0.0.1:$P2"
dhcp_both_ways dhcp g3 52:54:00:c4:01:03
"$BIN/vdecmd" -s "$mg" hash/print > "$T/hash"
grep -qi "52:54:00:c4:01:03" "$T/hash" || fail "the switch did not learn the guest: $(cat "$T/hash")"
guest_stop g3

# plug NAME VNL: vde_plug VNL to the switch, once QEMU listens there
plug() {
	bg "$1" "$BIN/vde_plug" "$2" "$d"
}
say "QEMU as the server (-netdev stream,server=on, unix), vde_plug stream:// to it: DHCP both ways"
guest g4 52:54:00:c4:01:04 "stream,server=on,addr.type=unix,addr.path=$T/g4.sock"
wait_for test -S "$T/g4.sock" || fail "QEMU did not listen on $T/g4.sock: $(cat "$T/g4.log")"
plug p4 "stream://$T/g4.sock"
dhcp_both_ways dhcp g4 52:54:00:c4:01:04
guest_stop g4
wait_for sh -c "! kill -0 $PID_p4" || fail "vde_plug stayed after QEMU left"

P4=$(free_port)
say "the same over TCP: server=on,addr.type=inet on 127.0.0.1:$P4, vde_plug stream://127.0.0.1:$P4"
guest g5 52:54:00:c4:01:05 "stream,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port=$P4"
wait_for sh -c "ss -ltnH | grep -q ' 127.0.0.1:$P4 '" || fail "QEMU did not listen on 127.0.0.1:$P4: $(cat "$T/g5.log")"
plug p5 "stream://127.0.0.1:$P4"
dhcp_both_ways dhcp g5 52:54:00:c4:01:05
guest_stop g5
exit 0
