#!/bin/bash
# t_install_dropin.sh - our install over a Debian system with vdeplug4:
# "make install PREFIX=/usr/local" (run for real, into a tmpfs mounted
# over /usr/local in a private mount namespace, so the machine is not
# touched) puts vde and its symlinks first in PATH, and what programs
# and tutorials run by name keeps working:
#   - vde_plug VNL VNL and tap:// (tutorials), vde_plug2tap -s DIR TAP
#     (NixOS's test driver), dpipe vde_plug A = vde_plug B (the seed);
#   - a scheme we do not have (vdeplug4's multi://) runs Debian's own
#     /usr/bin/vde_plug, never ourselves again;
#   - nothing of Debian's is shadowed but what we replace: vde_switch,
#     vde_plug, vde_plug2tap, dpipe, vdecmd.
. "$(dirname "$0")/lib.sh"
need ip ping unshare
[ "$(id -u)" -eq 0 ] || skip "needs root for mount namespaces and taps"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
[ -x /usr/bin/vde_plug ] || skip "Debian's vdeplug is not installed"
top=$(cd "$(dirname "$0")/.." && pwd)

# The scenario runs inside "unshare -m": its own mounts, the real
# network namespaces (made here, cleaned up by lib.sh).
nsa=$(mkns a)
nsb=$(mkns b)
cat > "$T/inside.sh" <<'SH'
set -eu
T=$1 top=$2 VDE=$3 nsa=$4 nsb=$5
mount -t tmpfs -o mode=755 vdet-usrlocal /usr/local
# make install, as a user types it; the binary under test is the one
# installed (the ASan pass installs the ASan build)
make -s -C "$top" install PREFIX=/usr/local VDE_BIN="$VDE" > "$T/install.log" 2>&1 ||
	{ echo "make install failed: $(cat "$T/install.log")"; exit 1; }
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
for a in vde_switch vde_plug vde_plug2tap dpipe vdecmd; do
	[ "$(command -v $a)" = /usr/local/bin/$a ] || { echo "$a is not ours: $(command -v $a)"; exit 1; }
	[ "$(readlink -f /usr/local/bin/$a)" = /usr/local/bin/vde ] || { echo "$a is no symlink to vde"; exit 1; }
done
[ "$(command -v vde_autolink)" = /usr/bin/vde_autolink ] || { echo "vde_autolink shadowed"; exit 1; }
cmp -s "$VDE" /usr/local/bin/vde || { echo "installed vde differs from $VDE"; exit 1; }
echo installed
SH
cat > "$T/run.sh" <<'SH'
set -u
T=$1 nsa=$2 nsb=$3
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
cd "$T"
fail() { echo "FAIL: $*"; exit 1; }
waitfor() { for _ in $(seq 200); do "$@" >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
bgp() { "$@" > "$T/$(basename "$1")-$#.log" 2>&1 & pids+=($!); }
ping1() { waitfor ip netns exec "$1" ping -n -c 1 -W 1 "$2"; }

vde_switch -s "$T/sw1" --nostdin > "$T/sw1.log" 2>&1 & pids+=($!)
vde_switch -s "$T/sw2" --nostdin > "$T/sw2.log" 2>&1 & pids+=($!)
waitfor test -S "$T/sw1/ctl" && waitfor test -S "$T/sw2/ctl" || fail "switches did not start"

# NixOS: vde_plug2tap -s DIR TAP, in namespace a; the tutorial form
# vde_plug vde://DIR tap://TAP in namespace b, on the other switch
ip netns exec "$nsa" vde_plug2tap -s "$T/sw1" vtd$$a > "$T/p2t.log" 2>&1 & pids+=($!)
ip netns exec "$nsb" vde_plug "vde://$T/sw2" tap://vtd$$b > "$T/vnl.log" 2>&1 & pids+=($!)
waitfor ip -n "$nsa" link show vtd$$a && waitfor ip -n "$nsb" link show vtd$$b || fail "taps missing"
ip -n "$nsa" addr add 10.199.41.1/24 dev vtd$$a && ip -n "$nsa" link set vtd$$a up
ip -n "$nsb" addr add 10.199.41.2/24 dev vtd$$b && ip -n "$nsb" link set vtd$$b up

# the seed's cable between them, by name through PATH
dpipe vde_plug "$T/sw1" = vde_plug "$T/sw2" > "$T/dpipe.log" 2>&1 & pids+=($!)
ping1 "$nsa" 10.199.41.2 || fail "no ping through vde_plug2tap, a dpipe cable and tap://"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null
# the same through the two-VNL form
vde_plug "$T/sw1" "vde://$T/sw2" > "$T/cable.log" 2>&1 & pids+=($!)
ip -n "$nsa" neigh flush all
ping1 "$nsa" 10.199.41.2 || fail "no ping through vde_plug SW1 SW2"

# a scheme we do not have: Debian's vde_plug runs it (multi:// makes a
# vdeplug4 netnode at the path)
vde_plug null:// "multi://$T/multi" > "$T/multi.log" 2>&1 & mp=$!; pids+=($mp)
waitfor test -S "$T/multi/ctl" || fail "multi:// did not come up: $(cat "$T/multi.log")"
[ "$(readlink /proc/$mp/exe)" = /usr/bin/vde_plug ] || fail "multi:// ran $(readlink /proc/$mp/exe), not Debian's vde_plug"
echo callers-ok
SH
unshare -m --propagation private bash -c 'bash "$1/inside.sh" "$1" "$2" "$3" "$4" "$5" && bash "$1/run.sh" "$1" "$4" "$5"' \
	sh "$T" "$top" "$VDE" "$nsa" "$nsb" > "$T/out.log" 2>&1
rc=$?
cat "$T/out.log"
[ $rc -eq 0 ] || fail "drop-in install: $(tail -n 3 "$T/out.log")"
grep -qx installed "$T/out.log" && grep -qx callers-ok "$T/out.log" || fail "scenario incomplete"
exit 0
