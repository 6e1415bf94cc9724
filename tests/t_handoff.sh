#!/bin/bash
# t_handoff.sh - the mobility story of VDE cable groups: a long TCP
# transfer between two namespaces keeps running while the cable under it
# is replaced.  Switches s1 and s2 (a tap each, in ns1 and ns2) are
# joined by cable 1 on port 5 of both (vde_plug -p 5).  While data flows
# (random bytes, written until the test says stop), cable 2 joins the
# same ports (vde_plug -g 5: a VDE1 cable group is port 5), data flows
# over both (the receiver gets duplicates, which TCP drops), cable 1 is
# killed, data flows over cable 2 alone, then the sender stops.  The
# transfer must end cleanly (no reset) with the same SHA-256 on both
# sides.  Run twice: switches without and with spanning tree (-F): a
# port whose cables change never leaves the tree.
. "$(dirname "$0")/lib.sh"
need ip socat sha256sum
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
[ "$(id -u)" -eq 0 ] || skip "needs root for taps and namespaces"
PATH=$BIN:$PATH

MB=$((1024 * 1024))
head -c $MB /dev/urandom > "$T/chunk"

# The sender: writes chunk after chunk until $T/stop.N exists; its
# SHA-256 and socat's exit status are saved.
cat > "$T/send.sh" <<'EOF'
#!/bin/bash
t=$1 ns=$2 addr=$3 run=$4
while [ ! -e "$t/stop.$run" ]; do cat "$t/chunk"; done |
	tee >(sha256sum > "$t/sent.$run.tmp"; mv "$t/sent.$run.tmp" "$t/sent.$run") |
	ip netns exec "$ns" socat -u - "TCP:$addr:5001"
st=("${PIPESTATUS[@]}")
echo "${st[2]}" > "$t/sender.$run.rc"
EOF
cat > "$T/recv.sh" <<'EOF'
#!/bin/bash
t=$1 ns=$2 run=$3
ip netns exec "$ns" socat -u TCP-LISTEN:5001,reuseaddr - | sha256sum > "$t/recv.$run.tmp"
st=("${PIPESTATUS[@]}")
mv "$t/recv.$run.tmp" "$t/recv.$run"
echo "${st[0]}" > "$t/receiver.$run.rc"
EOF

rxbytes() { ip netns exec "$ns2" cat "/sys/class/net/$t2/statistics/rx_bytes"; }
grown() { [ "$(rxbytes)" -gt $(($1 + $2 * MB)) ]; } # FROM MBYTES
listening() { ip netns exec "$ns2" ss -ltn | grep -q ":5001 "; }

# handoff RUN [SWITCH ARGS]: one whole hand-off
handoff() {
	local run=$1 r
	shift
	t1=vt$$${run}1 t2=vt$$${run}2
	start_switch s1_$run "$T/s1.$run" -tap $t1 "$@"
	start_switch s2_$run "$T/s2.$run" -tap $t2 "$@"
	ns1=$(mkns "one$run") ns2=$(mkns "two$run")
	tap_into "$ns1" $t1 10.199.9.1/24
	tap_into "$ns2" $t2 10.199.9.2/24
	bg cable1_$run dpipe vde_plug -p 5 -D "cable 1" "$T/s1.$run" = vde_plug -p 5 -D "cable 1" "$T/s2.$run"
	pings "$ns1" 10.199.9.2 || fail "no ping over cable 1"

	bg recv_$run bash "$T/recv.sh" "$T" "$ns2" $run
	wait_for listening || fail "receiver does not listen"
	bg send_$run bash "$T/send.sh" "$T" "$ns1" 10.199.9.2 $run
	r=$(rxbytes)
	wait_for -t 60 grown "$r" 20 || fail "transfer does not run over cable 1"

	say "$run: 20 MB through cable 1; cable 2 joins port 5 (vde_plug -g 5)"
	bg cable2_$run dpipe vde_plug -g 5 -D "cable 2" "$T/s1.$run" = vde_plug -g 5 -D "cable 2" "$T/s2.$run"
	wait_for sh -c "[ \$(ls '$T/s1.$run' | grep -c '^005\.') -eq 2 ] && [ \$(ls '$T/s2.$run' | grep -c '^005\.') -eq 2 ]" ||
		fail "cable 2 did not join port 5: $(ls "$T/s1.$run") / $(ls "$T/s2.$run")"
	r=$(rxbytes)
	wait_for -t 60 grown "$r" 10 || fail "transfer stalled with two cables"

	say "$run: 10 MB more over both cables; cable 1 killed"
	eval "kill \$PID_cable1_$run"
	wait_for sh -c "[ \$(ls '$T/s1.$run' | grep -c '^005\.') -eq 1 ] && [ \$(ls '$T/s2.$run' | grep -c '^005\.') -eq 1 ]" ||
		fail "cable 1 did not leave port 5"
	r=$(rxbytes)
	wait_for -t 60 grown "$r" 20 || fail "transfer stalled after cable 1 went"

	say "$run: 20 MB more over cable 2 alone; the sender stops"
	touch "$T/stop.$run"
	wait_for -t 60 test -e "$T/receiver.$run.rc" || fail "the transfer did not end"
	wait_for -t 10 test -e "$T/sender.$run.rc" -a -e "$T/sent.$run" || fail "the sender did not end"
	[ "$(cat "$T/sender.$run.rc")" = 0 ] || fail "sender: socat exit $(cat "$T/sender.$run.rc"): $(cat "$T/send_$run.log")"
	[ "$(cat "$T/receiver.$run.rc")" = 0 ] || fail "receiver: socat exit $(cat "$T/receiver.$run.rc"): $(cat "$T/recv_$run.log")"
	cmp -s "$T/sent.$run" "$T/recv.$run" || fail "checksums differ: sent $(cat "$T/sent.$run") received $(cat "$T/recv.$run")"
	say "$run: $(($(rxbytes) / MB)) MB received by ns2, SHA-256 $(cut -c1-16 "$T/recv.$run")... on both sides"
}

handoff plain
handoff stp -F
exit 0
