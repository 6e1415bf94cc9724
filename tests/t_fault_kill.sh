#!/bin/bash
# t_fault_kill.sh - peers die without a word (SIGKILL): a vde_plug, one
# end of a dpipe cable between two switches, the dpipe itself, a switch
# that owns a tap and is cabled to ours; and a tap interface deleted
# under a running switch.  Each time the survivors notice, end what hangs
# off the dead peer (no orphan plugs), free the port and its socket
# file, and keep serving everyone else; our switch ends with the fds it
# started with.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need python3 ip

served() { py "$1" <<< 'import sys, vdeclient as vc; vc.bystanders(sys.argv[1])'; }
only_ctl() { [ "$(ls -A "$1")" = ctl ]; }
# plug_pid LOG DESCR: pid of the plug that joined with -D DESCR
plug_pid() { sed -n "s/.* joined ($2 user=[^ ]* pid=\([0-9]*\)).*/\1/p" "$1" | tail -n 1; }
# plug_port LOG DESCR: the port it joined
plug_port() { sed -n "s/^.*port \([0-9]*\): endpoint [0-9]* joined ($2 .*/\1/p" "$1" | tail -n 1; }
gone() { ! kill -0 "$1" 2>/dev/null; }
no_link() { ! ip -n "$1" link show "$2" > /dev/null 2>&1; }
left() { grep -q "endpoint [0-9]* .*($2 user=" "$1" && grep "($2 user=" "$1" | tail -n 1 | grep -qv joined; }
# port_is_free DIR PORT: a client asking for PORT gets it
port_is_free() {
	py "$1" "$2" <<'EOF'
import sys, vdeclient as vc
c = vc.Client(sys.argv[1], port=int(sys.argv[2]), descr='reclaim').open()
c.close()
EOF
}

d1=$T/sw1
start_switch sw1 "$d1" --nostdin
pid1=$PID_sw1
fds1=$(nfds "$pid1")

say "vde_plug killed with SIGKILL: its port and socket file are reclaimed"
mkfifo "$T/plug.in"
exec 9<> "$T/plug.in" # a writer that never closes: the plug never sees EOF
bg plug sh -c 'exec "$0" -D victim "$1" < "$2" > /dev/null' "$BIN/vde_plug" "$d1" "$T/plug.in"
wait_for grep -q "joined (victim" "$T/sw1.log" || fail "plug did not join"
port=$(plug_port "$T/sw1.log" victim)
[ "$(ls -A "$d1" | wc -l)" = 2 ] || fail "expected ctl and one data socket: $(ls -A "$d1")"
kill -9 "$PID_plug"
wait_for left "$T/sw1.log" victim || fail "switch did not notice the killed plug"
wait_for only_ctl "$d1" || fail "socket file left: $(ls -A "$d1")"
port_is_free "$d1" "$port" || fail "port $port not reclaimed"
served "$d1" || fail "switch 1 not serving"
exec 9>&-

say "a dpipe cable between two switches; SIGKILL to one plug ends the whole cable"
d2=$T/sw2
start_switch sw2 "$d2" --nostdin
cable() { # cable NAME: dpipe vde_plug -D NAME-l SW1 = vde_plug -D NAME-r SW2
	bg "$1" "$BIN/dpipe" "$BIN/vde_plug" -D "$1-l" "$d1" = "$BIN/vde_plug" -D "$1-r" "$d2"
	wait_for grep -q "joined ($1-l" "$T/sw1.log" || fail "cable $1 did not join switch 1"
	wait_for grep -q "joined ($1-r" "$T/sw2.log" || fail "cable $1 did not join switch 2"
	py "$d1" "$d2" <<'EOF' || fail "no frames through cable $1"
import sys, vdeclient as vc
a, b = vc.Client(sys.argv[1]).open(), vc.Client(sys.argv[2]).open()
for _ in range(100):
    a.send(vc.frame(vc.BCAST, a.mac, b'through the cable'))
    if b.recv_match(lambda f: b'through the cable' in f, 0.5):
        sys.exit(0)
sys.exit('switch 2 never got a frame from switch 1')
EOF
}
cable c1
kill -9 "$(plug_pid "$T/sw2.log" c1-r)"
wait_for -t 30 gone "$PID_c1" || fail "dpipe still running after one plug was killed"
wait_for left "$T/sw1.log" c1-l || fail "switch 1 kept the cable's port"
wait_for left "$T/sw2.log" c1-r || fail "switch 2 kept the cable's port"
wait_for gone "$(plug_pid "$T/sw1.log" c1-l)" || fail "the surviving plug was left running"

say "SIGKILL to the dpipe: both plugs end, both switches free the ports"
cable c2
kill -9 "$PID_c2"
wait_for -t 30 left "$T/sw1.log" c2-l || fail "switch 1 kept the cable's port (plug orphaned?)"
wait_for -t 30 left "$T/sw2.log" c2-r || fail "switch 2 kept the cable's port (plug orphaned?)"
wait_for gone "$(plug_pid "$T/sw1.log" c2-l)" || fail "left plug orphaned"
wait_for gone "$(plug_pid "$T/sw2.log" c2-r)" || fail "right plug orphaned"

say "a switch that owns a tap, cabled to ours, killed with SIGKILL"
ns=$(mkns tapowner)
d3=$T/sw3
bg sw3 ip netns exec "$ns" "$VDE" switch -s "$d3" --nostdin -t vdetap0
wait_for test -S "$d3/ctl" || fail "tap switch did not start"
ip -n "$ns" link show vdetap0 > /dev/null || fail "no tap in $ns"
bg c3 "$BIN/dpipe" "$BIN/vde_plug" -D c3-l "$d1" = "$BIN/vde_plug" -D c3-r "$d3"
wait_for grep -q "joined (c3-l" "$T/sw1.log" || fail "cable to the tap switch did not join"
wait_for grep -q "joined (c3-r" "$T/sw3.log" || fail "cable did not join the tap switch"
kill -9 "$PID_sw3"
wait_for -t 30 left "$T/sw1.log" c3-l || fail "switch 1 kept the port of a cable to a dead switch"
wait_for -t 30 gone "$PID_c3" || fail "cable to a dead switch still running"
wait_for no_link "$ns" vdetap0 || fail "tap of the dead switch still there"

say "a tap deleted under a running switch: endpoint closed, port reclaimed"
d4=$T/sw4
bg sw4 ip netns exec "$ns" "$VDE" switch -s "$d4" --nostdin -t vdetap1
wait_for test -S "$d4/ctl" || fail "switch 4 did not start"
tapport=$(sed -n 's/.*port \([0-9]*\): tap:\/\/vdetap1 up.*/\1/p' "$T/sw4.log")
[ -n "$tapport" ] || fail "switch 4 did not say which port its tap is on"
fds4=$(nfds "$PID_sw4")
ip -n "$ns" link del vdetap1 || fail "ip link del vdetap1"
wait_for grep -q "endpoint .*(vdetap1)" "$T/sw4.log" || fail "switch 4 did not notice its tap was deleted"
wait_fds "$PID_sw4" $((fds4 - 1))
port_is_free "$d4" "$tapport" || fail "tap port $tapport not reclaimed"
served "$d4" || fail "switch 4 not serving after losing its tap"
kill -0 "$PID_sw4" || fail "switch 4 died"

say "switch 1 has its starting fds and only its ctl socket"
wait_for only_ctl "$d1" || fail "files left in switch 1: $(ls -A "$d1")"
wait_fds "$pid1" "$fds1"
served "$d1" || fail "switch 1 not serving at the end"
exit 0
