#!/bin/bash
# t_swport_stp.sh - spanning tree over switch-native cables: the triangle
# of tests/stp_triangle.sh (three switches with -F, a tap each), its
# cables kept by the switches themselves from the console:
#   ab: a port 2 keeps vde://b[3]                  (a joins b's port 3)
#   bc: b port 2 keeps cmd://vde_plug vde://c[3]   (b frames the command)
#   ca: c port 2 and a port 3 keep udp:// aimed at each other
# The tree blocks exactly one cable port, pings work, a broadcast reaches
# each tap once; port/disconnect of one cable end re-converges, pings
# work again; port/connect brings the loop back and the tree blocks one
# port again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/stp_triangle.sh"

# blocked: how many of the six cable ports the tree blocks; forwarding
# likewise
count_state() {
	local s p n=0
	for s in a b c; do
		for p in 2 3; do
			stp $s fstp/print $p 2>/dev/null | head -n 1 | grep -q "state $1" && n=$((n + 1))
		done
	done
	echo $n
}
tree() { [ "$(count_state blocking)" -eq 1 ] && [ "$(count_state forwarding)" -eq "$1" ]; }
link_up() { stp "$1" port/print "$2" | grep -q " LINK: .*(up "; }
dump() { for s in a b c; do stp $s fstp/print; stp $s port/print; done; }

tri_switches -F
say "a triangle of native cables (vde://, cmd://, udp://) converges to a tree"
stp a port/connect 2 "vde://$T/b[3]" || fail "port/connect ab"
stp b port/connect 2 "cmd://$BIN/vde_plug vde://$T/c[3]" || fail "port/connect bc"
stp c port/connect 2 "udp://127.0.0.1:7201->127.0.0.1:7202" || fail "port/connect ca at c"
stp a port/connect 3 "udp://127.0.0.1:7202->127.0.0.1:7201" || fail "port/connect ca at a"
for e in "a 2" "b 2" "c 2" "a 3"; do wait_for link_up $e || fail "cable end $e not up: $(dump)"; done
wait_for cable_up b 3 && wait_for cable_up c 3 || fail "the vde:// and cmd:// cables did not join b and c: $(ls "$T/b" "$T/c")"
wait_for -t 40 tree 5 || { dump; fail "no tree: $(count_state blocking) ports block, $(count_state forwarding) forward"; }
for p in "a b" "a c" "b c" "c a"; do
	wait_for -t 20 reach $p || fail "no ping $p"
done
for p in "a b" "b c" "c a"; do
	n=$(count_bcasts $p 5)
	[ "$n" -eq 5 ] || fail "$p: 5 broadcasts arrived $n times"
done

say "port/disconnect of cable ab at a: a line c - a, c - b, nothing blocks"
stp a port/disconnect 2 || fail "port/disconnect a 2"
wait_for -t 20 sh -c "! ls '$T/b' | grep -q '^003\.'" || fail "b kept port 3 after a let go of it"
wait_for -t 40 reach a b || { dump; fail "a cannot reach b after cutting ab"; }
wait_for -t 20 reach b a || fail "b cannot reach a after cutting ab"
[ "$(count_state blocking)" -eq 0 ] || { dump; fail "a port still blocks with the loop cut"; }

say "port/connect brings the loop back: one port blocks again"
stp a port/connect 2 "vde://$T/b[3]" || fail "port/connect ab again"
wait_for link_up a 2 || fail "ab not up again"
wait_for -t 40 tree 5 || { dump; fail "no tree with ab back"; }
for p in "a b" "b c" "c a"; do
	wait_for -t 20 reach $p || fail "no ping $p with ab back"
done
n=$(count_bcasts a b 5)
[ "$n" -eq 5 ] || fail "with ab back: 5 broadcasts arrived $n times"
exit 0
