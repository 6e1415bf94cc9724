# tests/lib.sh - helpers every test script sources.
#
# Every process, namespace and file a test makes is registered here and
# removed on exit, whatever the outcome.  Waiting is on conditions
# (wait_for), never on fixed sleeps.  $VDE is the binary under test.
set -u
: "${VDE:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/vde}"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:exitcode=66}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
T=$(mktemp -d /tmp/vdet.XXXXXX)
chmod 755 "$T"
BIN=$T/bin # symlinks to $VDE under every applet name
mkdir -p "$BIN"
for a in $("$VDE" --list); do ln -s "$VDE" "$BIN/$a"; done
_pids=() _netns=()

say() { echo "# $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
need() { for c in "$@"; do command -v "$c" >/dev/null || skip "$c not installed"; done; }

# bg NAME CMD...: run CMD in the background, stderr/stdout to $T/NAME.log
bg() {
	local name=$1; shift
	"$@" > "$T/$name.log" 2>&1 &
	_pids+=($!)
	eval "PID_$name=$!"
}

# wait_for [-t SECONDS] CMD...: poll until CMD succeeds (default 10 s)
wait_for() {
	local t=10
	[ "$1" = -t ] && { t=$2; shift 2; }
	local end=$((SECONDS + t))
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $end ] && { echo "timed out waiting for: $*" >&2; return 1; }
		sleep 0.05
	done
}

# start_switch NAME DIR [ARGS...]: a switch on DIR, waits for DIR/ctl
start_switch() {
	local name=$1 dir=$2; shift 2
	bg "$name" "$VDE" switch -s "$dir" "$@"
	wait_for test -S "$dir/ctl" || { cat "$T/$name.log"; fail "switch $name did not start"; }
}

# mkns NAME: a fresh network namespace, deleted at exit; prints its name
mkns() {
	local ns="vdet$$-$1"
	ip netns add "$ns" || fail "ip netns add $ns"
	_netns+=("$ns")
	ip -n "$ns" link set lo up
	echo "$ns"
}

# tap_into NS IFACE ADDR/LEN: move an interface (a switch's tap) into
# namespace NS, give it ADDR and bring it up
tap_into() {
	ip link set "$2" netns "$1" || fail "move $2 into $1"
	ip -n "$1" addr add "$3" dev "$2" || fail "address $3 on $2"
	ip -n "$1" link set "$2" up || fail "bring up $2 in $1"
}

# pings NS ADDR: NS reaches ADDR (retried: ARP and taps come up async)
pings() { wait_for -t 20 ip netns exec "$1" ping -n -c 1 -W 1 "$2"; }

# The same logs for sanitizer reports: a report anywhere fails the test.
_check_sanitizers() {
	if grep -l -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$T"/*.log 2>/dev/null; then
		grep -h -A 30 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$T"/*.log | head -n 60 >&2
		return 1
	fi
	return 0
}

_cleanup() {
	local rc=$?
	local p
	for p in "${_pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${_pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	# mkns usually runs in $(...), a subshell, so _netns may miss some:
	# every namespace named after this test's pid is ours.
	for p in "${_netns[@]}" $(ip netns list 2>/dev/null | awk -v pre="vdet$$-" 'index($1, pre) == 1 { print $1 }'); do
		ip netns pids "$p" 2>/dev/null | xargs -r kill -9
		ip netns del "$p" 2>/dev/null
	done
	if ! _check_sanitizers; then rc=1; echo "FAIL: sanitizer report" >&2; fi
	[ $rc -ne 0 ] && [ $rc -ne 77 ] && for f in "$T"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }; done
	rm -rf "$T"
	exit $rc
}
trap _cleanup EXIT
trap 'exit 1' INT TERM
