#!/bin/bash
# t_soak.sh - three switches A = B = C in a row, a tap of A and a tap of
# C each in its own namespace, and a checksummed TCP stream from A's
# namespace to C's while peers are killed with SIGKILL and restarted,
# one at a time, in a seeded random order:
#   ab1  vde_plug vde://A[20] vde://B[20]             twin cables in cable
#   ab2  dpipe vde_plug -g 20 A = vde_plug -g 20 B    group 20: redundant
#   bc   dpipe vde_plug B = vde_plug C                the only path B - C
#   cla, clb, clc  hand-made clients (vdeclient.py hold) on A, B, C
#   deb  Debian's vde_plug vde://B tap://IF, its tap in a third namespace
# For a dpipe cable one of its two plugs is killed; the rest of the
# cable must go by itself.  The stream must survive (the twin carries it,
# TCP retransmits over a restarted cable) with its sha256 intact; no
# switch dies, and with the same peers connected before and after, each
# switch holds the same fds and socket files and about the same memory.
#
# Replay a run with SOAK_SEED=N (printed at the start); SOAK_ITER and
# SOAK_TIME bound the soak (kills, seconds), SOAK_RATE is the stream's
# pace in MiB/s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need ip ping python3 pgrep
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
[ "$(id -u)" -eq 0 ] || skip "needs root for taps and namespaces"
[ -x /usr/bin/vde_plug ] || skip "Debian's vdeplug4 vde_plug not installed"
ls /usr/lib/*/vdeplug/libvdeplug_tap.so > /dev/null 2>&1 || skip "vdeplug4's tap plugin not installed"

seed=${SOAK_SEED:-17}
iters=${SOAK_ITER:-60}
secs=${SOAK_TIME:-75}
rate=${SOAK_RATE:-4}
RANDOM=$seed
say "seed $seed (replay: SOAK_SEED=$seed), at most $iters kills in $secs s, stream at $rate MiB/s"

# Memory bound: generous, so only a leak per kill (a queue, a buffer)
# can cross it; ASan's quarantine of freed memory is kept small.
limit_kib=8192
if is_asan; then
	export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=2"
	limit_kib=16384
fi

A=$T/a B=$T/b C=$T/c
ta=vs$$a tc=vs$$c tx=vs$$x
for s in A B C; do
	d=${!s} tap=
	[ $s = A ] && tap="-t $ta"
	[ $s = C ] && tap="-t $tc"
	# shellcheck disable=SC2086
	start_switch "sw$s" "$d" --nostdin -M "$d.mgmt" $tap
	wait_for test -S "$d.mgmt" || fail "switch $s has no management socket"
done
declare -A swpid=([A]=$PID_swA [B]=$PID_swB [C]=$PID_swC)
na=$(mkns a) nc=$(mkns c) nx=$(mkns x)
tap_into "$na" "$ta" 10.197.0.1/24
tap_into "$nc" "$tc" 10.197.0.2/24

# on SW DESCR: port/print of switch SW shows an endpoint DESCR;
# off SW DESCR: it answers and does not
ports() { "$BIN/vdecmd" -s "$1.mgmt" port/print; }
on() { ports "$1" | grep -Eq "prog +: $2( |\$)"; }
off() { local out; out=$(ports "$1") || return 1; ! grep -Eq "prog +: $2( |\$)" <<< "$out"; }
gone() { ! kill -0 "$1" 2>/dev/null; }
no_link() { ! ip -n "$1" link show "$2" > /dev/null 2>&1; }

# The peers.  gen[P] counts P's restarts: each one joins with the
# description soak-P-gN, so the switches' port/print tells them apart.
declare -A gen pid
victims=(ab1 ab2 bc cla clb clc deb)
switches_of() {
	case $1 in
	ab1 | ab2) echo "$A $B" ;;
	bc) echo "$B $C" ;;
	cla) echo "$A" ;;
	clb | deb) echo "$B" ;;
	clc) echo "$C" ;;
	esac
}
descr() { echo "soak-$1-g${gen[$1]}"; }

start_peer() {
	local p=$1 d s
	gen[$p]=$((${gen[$p]:--1} + 1))
	d=$(descr "$p")
	case $p in
	ab1) bg "${p}_${gen[$p]}" "$BIN/vde_plug" -D "$d" "vde://${A}[20]" "vde://${B}[20]" ;;
	ab2) bg "${p}_${gen[$p]}" "$BIN/dpipe" "$BIN/vde_plug" -D "$d" -g 20 "$A" = "$BIN/vde_plug" -D "$d" -g 20 "$B" ;;
	bc) bg "${p}_${gen[$p]}" "$BIN/dpipe" "$BIN/vde_plug" -D "$d" "$B" = "$BIN/vde_plug" -D "$d" "$C" ;;
	cl?) bg "${p}_${gen[$p]}" "$PYTHON" "$HELPERS/vdeclient.py" hold "$(switches_of "$p")" --descr "$d" ;;
	deb) bg "${p}_${gen[$p]}" ip netns exec "$nx" /usr/bin/vde_plug -D "$d" "vde://$B" "tap://$tx" ;;
	esac
	pid[$p]=$!
	disown "$!" # its kill -9 is no news: bash prints no "Killed"
	for s in $(switches_of "$p"); do
		wait_for -t 30 on "$s" "$d" || fail "$d did not join switch $(basename "$s")"
	done
	if [ "$p" = deb ]; then
		wait_for ip -n "$nx" link show "$tx" || fail "Debian's vde_plug made no tap $tx"
		ip -n "$nx" addr add 10.197.0.9/24 dev "$tx" || fail "address on $tx"
		ip -n "$nx" link set "$tx" up || fail "bring up $tx"
		pings "$nx" 10.197.0.1 || fail "Debian's tap plug (through B) cannot reach A's namespace"
	fi
}

# kill_peer P: SIGKILL to P (to one plug, for a dpipe cable); then
# everything of P ends and every switch lets its endpoint go
kill_peer() {
	local p=$1 d v s kids
	d=$(descr "$p") v=${pid[$p]}
	if [ "$p" = ab2 ] || [ "$p" = bc ]; then
		mapfile -t kids < <(pgrep -P "$v")
		[ ${#kids[@]} -eq 2 ] || fail "dpipe of $d has ${#kids[@]} children, not 2 plugs"
		v=${kids[RANDOM % 2]}
	fi
	echo "kill -9 $d ($v)"
	kill -9 "$v" || fail "kill -9 $d ($v)"
	wait_for -t 30 gone "${pid[$p]}" || fail "$d still running after kill -9 of $v"
	for s in $(switches_of "$p"); do
		wait_for -t 30 off "$s" "$d" || fail "switch $(basename "$s") kept the endpoint of $d"
	done
	if [ "$p" = deb ]; then
		wait_for no_link "$nx" "$tx" || fail "tap $tx outlived Debian's vde_plug"
	fi
}

# The stream's progress: bytes the sink has read so far
got() { cat "$T/progress" 2>/dev/null || echo 0; }
beyond() { [ "$(got)" -gt "$1" ]; }
flows() { # the stream moves at least one more MiB (TCP may be backing off)
	local n
	n=$(got)
	wait_for -t 60 beyond $((n + 1048576)) || fail "the stream stalled at $n bytes${1:+ after $1}"
}

bounce() { # bounce P: kill P, start it again, the stream still flows
	kill_peer "$1"
	# only B = C is the single path: without anything else, or with one
	# twin, A and C still talk
	[ "$1" = bc ] || flows "kill -9 of $(descr "$1"), before its restart"
	start_peer "$1"
	flows "restarting $(descr "$1")"
}

say "peers join: twin cables A = B (group 20), cable B = C, clients, Debian's tap plug"
for p in "${victims[@]}"; do start_peer "$p"; done
pings "$na" 10.197.0.2 || fail "A's namespace cannot reach C's"
pings "$nc" 10.197.0.1 || fail "C's namespace cannot reach A's"

say "a checksummed TCP stream from A's namespace to C's"
stream=$HELPERS/tcpstream.py
bg sink ip netns exec "$nc" "$PYTHON" "$stream" sink 10.197.0.2 5001 "$T/sink.ready" "$T/progress"
wait_for test -e "$T/sink.ready" || fail "TCP sink did not start"
bg source ip netns exec "$na" "$PYTHON" "$stream" source 10.197.0.2 5001 "$T/stop" 64 "$rate"
pid_source=$PID_source pid_sink=$PID_sink
flows "the start"

say "warm-up: each peer killed and restarted once"
for p in "${victims[@]}"; do bounce "$p"; done

# The baseline, with the peers connected and no console session open
# (the last port/print may still be closing).  A session is a socket of
# the switch that /proc/net/unix names by the -M path, not the listener.
no_session() { # no_session PID MGMT
	local inodes
	inodes=$(ls -l "/proc/$1/fd" | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' | tr '\n' ' ')
	awk -v ino=" $inodes" -v path="$2" 'NR > 1 && $8 == path && $4 != "00010000" && index(ino, " " $7 " ") { n++ }
		END { exit n > 0 }' /proc/net/unix
}
declare -A fds0 rss0 files0
for s in A B C; do
	p=${swpid[$s]}
	wait_for no_session "$p" "${!s}.mgmt" || fail "switch $s: a console session stays open"
	fds0[$s]=$(nfds "$p") rss0[$s]=$(rss "$p") files0[$s]=$(ls -A "${!s}" | wc -l)
	say "switch $s before: ${fds0[$s]} fds, ${files0[$s]} files, ${rss0[$s]} KiB"
done

say "soak: at most $iters kills in $secs s"
end=$((SECONDS + secs)) kills=0
while [ $kills -lt "$iters" ] && [ $SECONDS -lt $end ]; do
	kills=$((kills + 1))
	bounce "${victims[RANDOM % ${#victims[@]}]}"
	sleep "0.$(printf %03d $((RANDOM % 250)))" # a random pause, bounded
done
say "$kills kills and restarts"

say "the stream ends intact"
touch "$T/stop"
wait_for -t 180 gone "$pid_source" || fail "TCP stream did not end (stalled at $(got) bytes)"
wait "$pid_source" || fail "TCP source failed: $(tail -n 3 "$T/source.log")"
wait_for -t 30 gone "$pid_sink" || fail "TCP sink did not end"
wait "$pid_sink" || fail "TCP sink failed: $(tail -n 3 "$T/sink.log")"
sent=$(tail -n 1 "$T/source.log") recvd=$(tail -n 1 "$T/sink.log")
say "sent $sent"
[ "$sent" = "$recvd" ] || fail "TCP data damaged: sent '$sent', received '$recvd'"

say "every switch alive, serving, with its fds, files and memory"
for p in "${swpid[@]}"; do kill -0 "$p" || fail "a switch died (pid $p)"; done
pings "$na" 10.197.0.2 || fail "A's namespace cannot reach C's after the soak"
pings "$nx" 10.197.0.2 || fail "Debian's tap plug cannot reach C's namespace after the soak"
files_are() { [ "$(ls -A "$1" | wc -l)" -eq "$2" ]; }
for s in A B C; do
	p=${swpid[$s]}
	wait_fds "$p" "${fds0[$s]}"
	wait_for files_are "${!s}" "${files0[$s]}" || fail "switch $s: files $(ls -A "${!s}"), expected ${files0[$s]}"
	r=$(rss "$p")
	say "switch $s after: $(nfds "$p") fds, ${files0[$s]} files, $r KiB (limit +$limit_kib KiB)"
	[ $((r - ${rss0[$s]})) -le $limit_kib ] || fail "switch $s: RSS grew from ${rss0[$s]} to $r KiB in $kills kills"
done
for p in "${swpid[@]}"; do kill -0 "$p" || fail "a switch died (pid $p)"; done
# Debian's vde_plug 4.0.1 may crash (SIGSEGV) when SIGTERM comes while
# its switch goes, as in lib.sh's clean-up: it leaves first, on its own.
kill "${pid[deb]}" && wait_for gone "${pid[deb]}"
exit 0
