# tests/helpers/vnl.sh - shared by the t_vnl_*.sh interop tests: our
# vde_plug at one end of a VNL, Debian's vdeplug4 vde_plug at the other.
#   OURS     the vde_plug under test (default: ours, $BIN/vde_plug);
#            OURS=/usr/bin/vde_plug runs a test with Debian's at both
#            ends, which proves the test itself right
#   THEIRS   Debian's vdeplug4 4.0.1 vde_plug
# Source after lib.sh.
OURS=${OURS:-$BIN/vde_plug}
THEIRS=/usr/bin/vde_plug
THEIR_SWITCH=/usr/bin/vde_switch

# need_root_taps: taps and namespaces need root and /dev/net/tun
need_root_taps() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for taps and namespaces"
	[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
	need ip ping
}
need_their_plug() {
	[ -x "$THEIRS" ] || skip "Debian vdeplug (vdeplug4 vde_plug) not installed: apt-get install vdeplug"
	# a plugin a test needs: need_their_plug udp ptp ...
	local m
	for m in "$@"; do
		[ -e "/usr/lib/$(uname -m)-linux-gnu/vdeplug/libvdeplug_$m.so" ] ||
			skip "Debian libvdeplug2 lacks the $m:// plugin: apt-get install libvdeplug2"
	done
}
need_their_switch() {
	[ -x "$THEIR_SWITCH" ] || skip "Debian vde2 (vde_switch) not installed: apt-get install vde2"
}

# their_switch NAME DIR [ARGS...]: Debian's vde_switch on DIR.  It exits
# at EOF on stdin: a FIFO it holds open for reading and writing never
# gives it one.
their_switch() {
	local name=$1 dir=$2; shift 2
	mkfifo "$T/$name.stdin"
	bg "$name" sh -c 'f=$1; shift; exec "$0" "$@" <> "$f"' "$THEIR_SWITCH" "$T/$name.stdin" -s "$dir" "$@"
	wait_for test -S "$dir/ctl" || fail "Debian vde_switch $name did not start: $(cat "$T/$name.log")"
}

# our_switch NAME DIR [ARGS...]: our switch on DIR, console off
our_switch() { start_switch "$@" --nostdin; }

# tapns NAME TAP ADDR/LEN: a new namespace NAME holding TAP (which a
# switch made) with ADDR; prints nothing, sets NS_NAME
tapns() {
	local ns
	ns=$(mkns "$1") || exit 1
	wait_for ip link show "$2" || fail "no interface $2"
	tap_into "$ns" "$2" "$3"
	eval "NS_$1=$ns"
}

# alive NAME WHAT: the process started as bg NAME is still running
alive() {
	local pid
	eval "pid=\$PID_$1"
	kill -0 "$pid" 2>/dev/null || fail "$2 exited: $(tail -n 5 "$T/$1.log")"
}

# unplug NAME: stop the process started as bg NAME and reap it
unplug() {
	local pid
	eval "pid=\$PID_$1"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# pingboth NSA ADDRA NSB ADDRB WHAT: each side reaches the other
pingboth() {
	ip -n "$1" neigh flush all 2>/dev/null; ip -n "$3" neigh flush all 2>/dev/null
	pings "$1" "$4" || fail "$5: no ping from $2 to $4"
	pings "$3" "$2" || fail "$5: no ping from $4 to $2"
	ip netns exec "$1" ping -n -c 3 -i 0.2 -s 1400 -W 2 "$4" > "$T/ping.log" 2>&1 ||
		fail "$5: no 1400-byte pings: $(cat "$T/ping.log")"
}

# endpoints DIR: how many data-socket files a switch directory holds
endpoints() { ls "$1" | grep -c '^[0-9]'; }
# holds DIR N: the switch on DIR holds N endpoints (for wait_for)
holds() { [ "$(endpoints "$1")" -eq "$2" ]; }
