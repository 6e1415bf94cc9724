#!/bin/bash
# t_gso_stream.sh - offloaded (GSO) frames across 2-byte-length streams
# (issue 15).  Two of our ends of a stream (vde_plug's stdin/stdout and
# "= CMD", cmd://, the switch's --port/port/connect cmd://) negotiate in
# band, each direction on its own: OFFER (three empty records), PROBE
# (length 0xFFFF), CONFIRM ("vdex"), SWITCH (length 0xFFFE), then 4-byte
# lengths and frames with their vnet header, so TSO super-frames cross
# whole; vde2 and vdeplug4 on the stream, or a relay that is not byte
# transparent, keep it plain.  Switch A (tap in namespace a) and switch B
# (tap in namespace b) stay up; each case is a cable on ports of its own
# between them, taken down before the next.  A 20 MiB TCP transfer each
# way must arrive with its sha256; the cable port's IN bytes / packets on
# the receiving switch tells super-frames (> 1518) from plain frames:
# 1. A's --port cmd://"vde_plug B": super-frames both ways;
# 2. dpipe vde_plug A = vde_plug B (ours): super-frames both ways;
# 3. A's cmd://"ssh ... vde_plug B" through a real sshd: super-frames
#    A -> B at least, intact both ways;
# 4. dpipe vde_plug A = Debian's wirefilter (vde2) = vde_plug B: plain,
#    intact (the probe must not break the stream);
# 5. Debian's vde_plug (vdeplug4) as the far end, in dpipe and as A's
#    cmd:// cable: plain, intact;
# 6. vde_plug --nooffload at one end of the dpipe: plain, intact;
# 7. dpipe vde_plug A = vde_plug VDE2 (Debian's vde_switch, B's
#    port/connect vde:// cable on it): vde2 gets plain frames only
#    (its own port/print), intact.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vnl.sh"
need_root_taps
need python3 socat sha256sum ss timeout
need_their_plug
need_their_switch
[ -x /usr/bin/wirefilter ] || skip "Debian vde2 (wirefilter) missing"
. "$(dirname "$0")/helpers/sshd.sh"

A=10.199.18.1 B=10.199.18.2
nsa=$(mkns a) nsb=$(mkns b)
head -c $((20 << 20)) /dev/urandom > "$T/send"
sum=$(sha256sum < "$T/send")
con() { "$VDE" vdecmd -s "$1" "${@:2}"; }
MA=$T/s1.m MB=$T/s2.m

# ours NAME TAP NS ADDR [ARGS...]: our switch on $T/NAME, console
# $T/NAME.m, its tap (port 1) moved into NS
ours() {
	local name=$1 tap=$2 ns=$3 addr=$4
	shift 4
	start_switch "$name" "$T/$name" -M "$T/$name.m" --nostdin -tap "$tap" "$@"
	wait_for ip link show "$tap" || fail "$name made no tap"
	tap_into "$ns" "$tap" "$addr/24"
}
# transfer FROMNS TONS TOADDR WHAT: 20 MiB by TCP, sha256 equal
transfer() {
	rm -f "$T/recv"
	bg sink ip netns exec "$2" timeout 120 socat -u TCP-LISTEN:5557,reuseaddr CREATE:"$T/recv"
	wait_for ip netns exec "$2" sh -c "ss -Htln 'sport = :5557' | grep -q ." || fail "$4: no listener"
	ip netns exec "$1" timeout 120 socat -u OPEN:"$T/send" TCP:"$3":5557 > "$T/source.log" 2>&1 ||
		fail "$4: transfer failed: $(cat "$T/source.log")"
	wait "$PID_sink" || fail "$4: the sink failed: $(cat "$T/sink.log")"
	[ "$(sha256sum < "$T/recv")" = "$sum" ] || fail "$4: sha256 differs ($(stat -c %s "$T/recv") bytes)"
}
# avg MGMT PORT IN|OUT: bytes per packet counted on the port
avg() {
	con "$1" port/print "$2" | awk -v d="$3:" '$1 == d { if ($3 > 0) print int($5 / $3); else print 0 }'
}
has_ep() { con "$1" port/print "$2" 2>/dev/null | grep -q 'endpoint ID'; }
no_ep() { ! has_ep "$@"; }
# up P WHAT: the cable on port P of both switches carries pings
up() {
	wait_for -t 20 has_ep "$MA" "$1" || fail "$2: nothing on A's port $1: $(con "$MA" port/print; tail -n 5 "$T/s1.log")"
	wait_for -t 20 has_ep "$MB" "$1" || fail "$2: nothing on B's port $1: $(con "$MB" port/print; tail -n 5 "$T/s2.log")"
	pingboth "$nsa" $A "$nsb" $B "$2"
}
# down P: both switches' port P empty again (the next cable must not
# make a loop with this one)
down() {
	wait_for -t 20 no_ep "$MA" "$1" || fail "A's port $1 still held: $(con "$MA" port/print "$1")"
	wait_for -t 20 no_ep "$MB" "$1" || fail "B's port $1 still held: $(con "$MB" port/print "$1")"
}
# both P WHAT [MGMT PORT]: a transfer each way; sets AB (bytes per frame
# into B's port P, the A -> B transfer) and BA (into A's port P, B -> A);
# MID: the same into MGMT's PORT (a switch in between), A -> B
both() {
	con "$MA" port/resetcounter "$1"; con "$MB" port/resetcounter "$1"
	[ $# -gt 2 ] && { con "$3" port/resetcounter "$4" || fail "port/resetcounter on $3"; }
	transfer "$nsa" "$nsb" $B "$2, A -> B"
	AB=$(avg "$MB" "$1" IN)
	[ $# -gt 2 ] && MID=$(avg "$3" "$4" IN)
	con "$MA" port/resetcounter "$1"; con "$MB" port/resetcounter "$1"
	transfer "$nsb" "$nsa" $A "$2, B -> A"
	BA=$(avg "$MA" "$1" IN)
	say "$2: $AB bytes per frame into B, $BA into A; sha256 equal both ways"
}
super() { [ "$AB" -gt 1518 ] && [ "$BA" -gt 1518 ] || fail "$1: no super-frames crossed whole ($AB into B, $BA into A): $(con "$MB" port/print "$2"; con "$MA" port/print "$2")"; }
plain() { [ "$AB" -gt 0 ] && [ "$BA" -gt 0 ] && [ "$AB" -le 1518 ] && [ "$BA" -le 1518 ] || fail "$1: frames longer than Ethernet's crossed ($AB into B, $BA into A)"; }
endp() { kill "$(eval echo \$PID_$1)"; wait "$(eval echo \$PID_$1)" 2>/dev/null; }

say "1. A's --port cmd:// cable to our vde_plug at B: super-frames both ways"
ours s2 gs$$b "$nsb" $B
ours s1 gs$$a "$nsa" $A --port "cmd://$VDE plug --port 2 $T/s2" # A's port 2
up 2 "--port cmd://"
con "$MA" port/print 2 | grep -qF " LINK: cmd://$VDE plug" || fail "A's port 2 is not the cable: $(con "$MA" port/print 2)"
both 2 "--port cmd://"
super "--port cmd://" 2
con "$MA" port/disconnect 2 || fail "port/disconnect 2"
down 2

say "2. dpipe of two of our vde_plugs: super-frames both ways"
bg dp2 "$VDE" dpipe "$VDE" plug --port 12 "$T/s1" = "$VDE" plug --port 12 "$T/s2"
up 12 "dpipe, ours"
both 12 "dpipe, ours"
super "dpipe, ours" 12
endp dp2; down 12

say "3. A's cmd:// cable over ssh to our vde_plug at B: super-frames, intact"
ip link add vw$$a type veth peer name vw$$b || fail "ip link add veth"
ip link set vw$$a netns "$nsa" && ip link set vw$$b netns "$nsb" || fail "moving the veth ends"
ip -n "$nsa" addr add 10.199.19.1/24 dev vw$$a && ip -n "$nsa" link set vw$$a up || fail "veth in a"
ip -n "$nsb" addr add 10.199.19.2/24 dev vw$$b && ip -n "$nsb" link set vw$$b up || fail "veth in b"
SSH_FROM=$nsa sshd_in "$nsb" 10.199.19.2
con "$MA" port/connect 13 "cmd://ip netns exec $nsa ${sshcmd[*]} $OURS --port 13 $T/s2" || fail "port/connect 13"
up 13 "ssh cable"
both 13 "ssh cable"
[ "$AB" -gt 1518 ] || fail "ssh cable: no super-frames crossed A -> B ($AB): $(con "$MB" port/print 13)"
[ "$BA" -gt 1518 ] || say "ssh cable: plain B -> A ($BA bytes per frame)"
con "$MA" port/disconnect 13 || fail "port/disconnect 13"
down 13

say "4. Debian's wirefilter in the middle of the dpipe: plain, intact"
bg dp4 "$VDE" dpipe "$VDE" plug --port 14 "$T/s1" = /usr/bin/wirefilter = "$VDE" plug --port 14 "$T/s2"
up 14 "through vde2's wirefilter"
both 14 "through vde2's wirefilter"
plain "through vde2's wirefilter"
alive dp4 "the dpipe with vde2's wirefilter"
endp dp4; down 14
say "wirefilter and our plugs said $(grep -c . "$T/dp4.log") line(s), $(grep -c 'Packet length error' "$T/dp4.log") of them wirefilter's 'Packet length error'"
grep -v 'Packet length error' "$T/dp4.log" | sed 's/^/#   /' | head -n 5

say "5. Debian's vde_plug (vdeplug4) as the far end: plain, intact"
bg dp5 "$VDE" dpipe "$VDE" plug --port 15 "$T/s1" = /usr/bin/vde_plug "vde://$T/s2[15]"
up 15 "dpipe to vdeplug4"
both 15 "dpipe to vdeplug4"
plain "dpipe to vdeplug4"
endp dp5; down 15
con "$MA" port/connect 16 "cmd:///usr/bin/vde_plug 'vde://$T/s2[16]'" || fail "port/connect 16"
up 16 "cmd:// cable to vdeplug4"
both 16 "cmd:// cable to vdeplug4"
plain "cmd:// cable to vdeplug4"
con "$MA" port/disconnect 16 || fail "port/disconnect 16"
down 16

say "6. vde_plug --nooffload at A's end of the dpipe: plain, intact"
bg dp6 "$VDE" dpipe "$VDE" plug --nooffload --port 17 "$T/s1" = "$VDE" plug --port 17 "$T/s2"
up 17 "--nooffload"
both 17 "--nooffload"
plain "--nooffload"
endp dp6; down 17

say "7. Debian's vde_switch (vde2) behind our vde_plug: it gets plain frames"
their_switch v "$T/v" -M "$T/v.m"
con "$MB" port/connect 18 "vde://$T/v" || fail "port/connect 18"
bg dp7 "$VDE" dpipe "$VDE" plug --port 18 "$T/s1" = "$VDE" plug --port 5 "$T/v"
wait_for -t 20 has_ep "$T/v.m" 5 || fail "our vde_plug is not on vde2's port 5: $(con "$T/v.m" port/print)"
up 18 "through vde2"
both 18 "through vde2" "$T/v.m" 5
plain "through vde2"
say "vde2's switch got $MID bytes per frame from our vde_plug (A -> B)"
[ "$MID" -gt 0 ] && [ "$MID" -le 1518 ] || fail "vde2's switch got $MID bytes per frame from our vde_plug: $(con "$T/v.m" port/print 5)"
endp dp7
alive s1 "switch A"
alive s2 "switch B"
exit 0
