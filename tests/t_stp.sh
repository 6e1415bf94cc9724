#!/bin/bash
# t_stp.sh - spanning tree on a loop: three switches with -F joined in a
# triangle (tests/stp_triangle.sh draws it).  The tree blocks one port,
# pings work, each broadcast reaches a tap exactly once, and cutting a
# cable re-converges:
#   - cut c's root port: c's blocked port takes over at once;
#   - cut b's root port: c must open its port toward b (listening and
#     learning, 2 x forward delay).
# A new cable is joined back each time.  The times are printed, not
# judged.  Last, fstp/setcost moves the blocked port.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/stp_triangle.sh"

role_of() { stp "$1" fstp/print "$2" | head -n 1; } # SW PORT
has_role() { role_of "$1" "$2" | grep -q "role $3 state $4"; }
# converged: a is root; c blocks toward b; every other cable port forwards
converged() {
	has_role a 2 designated forwarding && has_role a 3 designated forwarding &&
		has_role b 3 root forwarding && has_role b 2 designated forwarding &&
		has_role c 2 root forwarding && has_role c 3 alternate blocking
}

tri_switches -F
say "a triangle of cables between switches with -F converges to a tree"
tri_cables
wait_for -t 30 converged || { for s in a b c; do stp $s fstp/print; done; fail "no tree"; }
stp a fstp/showinfo | grep -q "this switch is the root" || fail "a is not the root: $(stp a fstp/showinfo)"
stp b port/print 3 | grep -q "STP: root forwarding" || fail "port/print does not show the STP role: $(stp b port/print 3)"
for p in "a b" "a c" "b c" "c a"; do
	wait_for -t 20 reach $p || fail "no ping $p"
done

say "a broadcast reaches every tap once: no storm"
n=$(count_bcasts a b 5)
say "5 broadcast pings from a: b's tap saw $n"
[ "$n" -eq 5 ] || fail "b saw $n copies of 5 broadcasts"
n=$(count_bcasts b c 5)
say "5 broadcast pings from b: c's tap saw $n"
[ "$n" -eq 5 ] || fail "c saw $n copies of 5 broadcasts"

say "cut cable ca (c's root port): c's alternate port takes over"
t0=$(now_ms)
cut ca
wait_for -t 30 reach a c || fail "a cannot reach c after cutting ca"
say "ping a -> c works again after $(($(now_ms) - t0)) ms"
has_role c 3 root forwarding || fail "c port 3 is not the root port: $(role_of c 3)"
n=$(count_bcasts a c 5)
[ "$n" -eq 5 ] || fail "after the cut c saw $n copies of 5 broadcasts"

say "cable ca back: the tree returns to its first shape"
cable ca c 2 a 3
wait_for -t 30 converged || { for s in a b c; do stp $s fstp/print; done; fail "no tree with ca back"; }
wait_for -t 20 reach a c || fail "a cannot reach c with ca back"

say "cut cable ab (b's root port, b has no alternate): c opens its port to b"
t0=$(now_ms)
cut ab
wait_for -t 30 reach a b || fail "a cannot reach b after cutting ab"
say "ping a -> b works again after $(($(now_ms) - t0)) ms"
wait_for -t 10 has_role c 3 designated forwarding || fail "c port 3: $(role_of c 3)"
has_role b 3 root forwarding && fail "b port 3 still root after its cable is gone"
has_role b 2 root forwarding || fail "b port 2 is not the root port: $(role_of b 2)"
n=$(count_bcasts a b 5)
[ "$n" -eq 5 ] || fail "after the cut b saw $n copies of 5 broadcasts"
wait_for -t 20 reach b c || fail "b cannot reach c"

say "fstp/setcost steers the tree: c's direct cable to a made expensive"
cable ab a 2 b 3
wait_for -t 30 converged || fail "no tree with ab back"
stp c fstp/setcost 2 100000 || fail "fstp/setcost"
wait_for -t 30 has_role c 3 root forwarding || fail "c port 3 did not become root: $(stp c fstp/print)"
has_role c 2 alternate blocking || fail "c port 2: $(role_of c 2)"
stp c fstp/print 2 | grep -q "cost 100000 " || fail "cost not shown: $(stp c fstp/print 2)"
wait_for -t 20 reach a c || fail "a cannot reach c through b"
stp c fstp/setcost 2 0 2>/dev/null && fail "cost 0 accepted"
stp c fstp/setedge 99 1 2>/dev/null && fail "fstp/setedge on port 99 accepted"
exit 0
