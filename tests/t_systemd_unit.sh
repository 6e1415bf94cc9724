#!/bin/bash
# t_systemd_unit.sh - extras/vde_switch@.service as "make install-extras"
# installs it (BINDIR naming the binary under test):
#   - "systemd-analyze verify" accepts it, instance and template alike
#     (skipped when systemd-analyze is not installed; the rest still runs);
#   - its ExecStart line, %i and $VDE_SWITCH_OPTS expanded as systemd does
#     and run in a private mount namespace with a tmpfs on /run and the
#     RuntimeDirectory made, behaves as Type=forking needs: it returns 0
#     only once the switch serves (DIR/ctl and the console socket are
#     there when it returns, the pid file names the live daemon), a second
#     start of the same instance exits non-zero, SIGTERM (systemd's stop)
#     ends it and its files go; a bad option in VDE_SWITCH_OPTS is a
#     non-zero exit (systemd shows the unit failed), not a hang.
. "$(dirname "$0")/lib.sh"
need unshare
[ "$(id -u)" -eq 0 ] || skip "needs root for a mount namespace"
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir "$T/bindir" && ln -s "$VDE" "$T/bindir/vde" && "$VDE" --install "$T/bindir" || fail "vde --install $T/bindir"
make -s -C "$top" install-extras DESTDIR="$T/dest" BINDIR="$T/bindir" VDE_BIN="$VDE" > "$T/install.log" 2>&1 ||
	fail "make install-extras: $(cat "$T/install.log")"
unit=$T/dest/usr/local/lib/systemd/system/vde_switch@.service
[ -f "$unit" ] || fail "no unit $unit"

if command -v systemd-analyze > /dev/null; then
	say "systemd-analyze verify"
	mkdir "$T/units"
	cp "$unit" "$T/units/vde_switch@.service"
	cp "$unit" "$T/units/vde_switch@sw0.service"
	for u in "vde_switch@.service" "vde_switch@sw0.service"; do
		systemd-analyze verify "$T/units/$u" > "$T/verify.log" 2>&1 ||
			fail "systemd-analyze verify $u: $(cat "$T/verify.log")"
		grep -q 'vde_switch@' "$T/verify.log" && fail "systemd-analyze verify $u complains: $(cat "$T/verify.log")"
	done
else
	say "systemd-analyze not installed: not verified (the ExecStart checks still run)"
fi

grep -q '^Type=forking$' "$unit" || fail "the unit is not Type=forking"
grep -q '^PIDFile=/run/vde/%i.pid$' "$unit" || fail "the unit's PIDFile is not /run/vde/%i.pid"
grep -q '^RuntimeDirectory=vde/%i$' "$unit" || fail "the unit's RuntimeDirectory is not vde/%i"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[ -n "$exec_start" ] || fail "no ExecStart"

cat > "$T/inside.sh" <<'SH'
set -u
T=$1 exec_start=$2 VDE=$3
mount -t tmpfs -o mode=755 vdet-run /run || { echo "mount /run"; exit 1; }
# start INSTANCE OPTS: the ExecStart line as systemd runs it, after
# making the RuntimeDirectory
start() {
	mkdir -p -m 0700 "/run/vde/$1"
	local line=${exec_start//%i/$1} w words=()
	for w in $line; do
		if [ "$w" = '$VDE_SWITCH_OPTS' ]; then words+=($2); else words+=("$w"); fi
	done
	# bounded: a command that does not return is a unit that never starts
	timeout 30 "${words[@]}" < /dev/null
}
bad() { echo "$*"; exit 1; }
start sw0 "-n 8 -F" > "$T/start.log" 2>&1 || bad "ExecStart failed: $(cat "$T/start.log")"
# no waiting: Type=forking is ready when the command returns
[ -S /run/vde/sw0/ctl ] || bad "no /run/vde/sw0/ctl when ExecStart returned"
[ -S /run/vde/sw0.mgmt ] || bad "no console /run/vde/sw0.mgmt when ExecStart returned"
pid=$(cat /run/vde/sw0.pid) || bad "no pid file /run/vde/sw0.pid"
[ "$(readlink -f /proc/$pid/exe)" = "$(readlink -f "$VDE")" ] || bad "pid $pid of the pid file is not vde"
"$T/bindir/vdecmd" /run/vde/sw0.mgmt port/showinfo > "$T/showinfo" || bad "vdecmd on the console failed"
grep -q 'Numports=8' "$T/showinfo" || bad "VDE_SWITCH_OPTS not used (-n 8): $(cat "$T/showinfo")"
"$T/bindir/vdecmd" /run/vde/sw0.mgmt fstp/showinfo > /dev/null || bad "fstp/showinfo failed"
[ -s "$T/start.log" ] && echo "note: ExecStart printed: $(cat "$T/start.log")"
if start sw0 "" > "$T/again.log" 2>&1; then bad "a second start of sw0 returned 0"; fi
kill -0 "$pid" || bad "the second start took the first switch down"
if start sw1 "--no-such-option" > "$T/badopt.log" 2>&1; then bad "ExecStart with a bad option returned 0"; fi
[ -e /run/vde/sw1.pid ] && bad "a failed start left /run/vde/sw1.pid"
kill -TERM "$pid"
for _ in $(seq 200); do kill -0 "$pid" 2> /dev/null || break; sleep 0.05; done
kill -0 "$pid" 2> /dev/null && bad "the switch outlived SIGTERM"
for f in /run/vde/sw0/ctl /run/vde/sw0.pid /run/vde/sw0.mgmt; do
	[ -e "$f" ] && bad "$f is left after stop"
done
echo done
SH
say "ExecStart, start and stop, in a private mount namespace"
unshare -m --propagation private bash "$T/inside.sh" "$T" "$exec_start" "$VDE" > "$T/inside.log" 2>&1
rc=$?
cat "$T/inside.log"
[ $rc -eq 0 ] && grep -q '^done$' "$T/inside.log" || fail "the unit's ExecStart: $(cat "$T/inside.log")"
exit 0
