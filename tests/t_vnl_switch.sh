#!/bin/bash
# t_vnl_switch.sh - switch://DIR and hub://DIR: vde_plug serves the vde2
# protocol at DIR itself, with our switch code, the other VNL being one
# of its ports.  Each way round with Debian's vdeplug4:
#   1. ours "vde_plug null:// switch://DIR" is a standalone switch that
#      Debian's plugs (tap:// in two namespaces) join: they ping;
#   2. Debian's "vde_plug null:// switch://DIR" (and hub://) takes our
#      tap plugs;
#   3. ours "vde_plug tap://T switch://DIR": a tap and its own switch in
#      one command, Debian's tap plug joins it;
#   4. ours hub://DIR repeats unicast to a third client, switch:// not;
#   5. the switch goes when the plug goes: no process, no DIR left;
#   6. bad options: one line, exit 1, nothing left behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vnl.sh"
need_root_taps
need python3

nsa=$(mkns a)
nsb=$(mkns b)
ta=vt$$a tb=vt$$b

# taps_ping WHAT: the plugs pa and pb made taps A and B: address them,
# they ping each other
taps_ping() {
	wait_for ip -n "$nsa" link show "$ta" || fail "no tap $ta: $(cat "$T/pa.log")"
	wait_for ip -n "$nsb" link show "$tb" || fail "no tap $tb: $(cat "$T/pb.log")"
	ip -n "$nsa" addr add 10.199.31.1/24 dev "$ta" && ip -n "$nsa" link set "$ta" up || fail "configure $ta"
	ip -n "$nsb" addr add 10.199.31.2/24 dev "$tb" && ip -n "$nsb" link set "$tb" up || fail "configure $tb"
	pingboth "$nsa" 10.199.31.1 "$nsb" 10.199.31.2 "$1"
}

# two_taps DIR PLUGA PLUGB: PLUGA makes tap A, PLUGB tap B, both on the
# switch at DIR; they ping; both plugs end
two_taps() {
	local dir=$1 pa=$2 pb=$3
	bg pa ip netns exec "$nsa" "$pa" "tap://$ta" "vde://$dir"
	bg pb ip netns exec "$nsb" "$pb" "tap://$tb" "vde://$dir"
	taps_ping "two taps on $dir"
	unplug pa
	unplug pb
	wait_for sh -c "! ip -n $nsa link show $ta && ! ip -n $nsb link show $tb" || fail "taps outlived their plugs"
}

say "1. ours: vde_plug null:// switch://DIR, Debian's tap plugs join it"
need_their_plug tap vde
bg sw "$OURS" null:// "switch://$T/sw1"
wait_for test -S "$T/sw1/ctl" || fail "our switch:// did not start: $(cat "$T/sw.log")"
two_taps "$T/sw1" "$THEIRS" "$THEIRS"

say "5. the switch goes with its plug"
unplug sw
wait_for sh -c "! test -e '$T/sw1'" || fail "switch:// left $T/sw1: $(ls -la "$T/sw1")"
pgrep -f "vde_switch -s $T/sw1" && fail "the switch process outlived its plug"

say "2. Debian's vde_plug null:// switch://DIR takes our tap plugs"
need_their_plug switch
bg dsw "$THEIRS" null:// "switch://$T/sw2"
wait_for test -S "$T/sw2/ctl" || fail "Debian's switch:// did not start: $(cat "$T/dsw.log")"
two_taps "$T/sw2" "$OURS" "$OURS"
unplug dsw
say "2b. Debian's vde_plug null:// hub://DIR takes our tap plugs too"
need_their_plug hub
bg dhub "$THEIRS" null:// "hub://$T/hub2"
wait_for test -S "$T/hub2/ctl" || fail "Debian's hub:// did not start: $(cat "$T/dhub.log")"
two_taps "$T/hub2" "$OURS" "$OURS"
unplug dhub

say "3. ours: vde_plug tap://T switch://DIR, and Debian's tap plug joins"
bg pa ip netns exec "$nsa" "$OURS" "tap://$ta" "switch://$T/sw3[mode=0660/hashsize=1024/expiretime=30]"
wait_for test -S "$T/sw3/ctl" || fail "tap:// switch:// did not start: $(cat "$T/pa.log")"
[ "$(stat -c %a "$T/sw3/ctl")" = 660 ] || fail "mode=0660 not applied: $(stat -c %a "$T/sw3/ctl")"
bg pb ip netns exec "$nsb" "$THEIRS" "tap://$tb" "vde://$T/sw3"
taps_ping "a tap and its own switch"
unplug pb
unplug pa
wait_for sh -c "! test -e '$T/sw3'" || fail "switch:// left $T/sw3"

say "4. hub:// repeats unicast to a third client; switch:// does not"
cat > "$T/hub.py" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
import vdeclient as vc
a, b, c = (vc.Client(sys.argv[1]).open() for _ in range(3))
a.send(vc.frame(vc.BCAST, a.mac, b'HELLO'))  # b learns nothing; the switch learns a
b.recv_match(lambda f: b'HELLO' in f)
b.send(vc.frame(a.mac, b.mac, b'UNI'))
b.send(vc.frame(vc.BCAST, b.mac, b'END'))
seen = 0
while True:
    f = c.recv()
    if f is None: sys.exit('END lost')
    seen += b'UNI' in f
    if b'END' in f: break
print('third saw %d' % seen)
PY
for kind in hub switch; do
	bg $kind "$OURS" null:// "$kind://$T/$kind"
	wait_for test -S "$T/$kind/ctl" || fail "$kind:// did not start: $(cat "$T/$kind.log")"
	python3 "$T/hub.py" "$T/$kind" "$(dirname "$0")/helpers" > "$T/$kind.out" 2>&1 || fail "$kind: $(cat "$T/$kind.out")"
	unplug $kind
done
grep -qx 'third saw 1' "$T/hub.out" || fail "hub:// did not repeat unicast: $(cat "$T/hub.out")"
grep -qx 'third saw 0' "$T/switch.out" || fail "switch:// flooded a known unicast: $(cat "$T/switch.out")"

say "6. bad options"
for vnl in "switch://$T/bad[nosuch=1]" "switch://$T/bad[mode=99x]" "hub://$T/bad[hashsize=10]" \
	"switch://$T/bad[hashsize=0]"; do
	"$OURS" null:// "$vnl" > "$T/bad.out" 2>&1 < /dev/null
	rc=$?
	[ $rc -eq 1 ] || [ $rc -eq 2 ] || fail "$vnl: exit $rc, want 1 or 2: $(cat "$T/bad.out")"
	[ "$(wc -l < "$T/bad.out")" -eq 1 ] || fail "$vnl: not one line: $(cat "$T/bad.out")"
	[ -e "$T/bad" ] && fail "$vnl left $T/bad behind"
done
exit 0
