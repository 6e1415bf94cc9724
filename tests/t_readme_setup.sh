#!/bin/bash
# t_readme_setup.sh - README's first set-up command (SET-UP ON A FRESH
# DEBIAN MACHINE, step 1: build, then run a switch on the default socket),
# taken from README and run exactly as printed: in a copy of the sources,
# with a private /tmp (a mount namespace), so /tmp/vde.ctl is the new
# switch's.  The one stand-in: apt-get, since tests stay off the network;
# it accepts "update" and checks that every package "install" names is
# installed already.  The switch must come up on /tmp/vde.ctl and take a
# client, and be gone, its socket removed, after SIGTERM.  (Step 2,
# .ci/run, is what CI itself runs.)  Builds its own binary: the
# sanitizer pass skips it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need python3 unshare git make cc
is_asan && skip "it builds its own binary: the normal pass runs it"
[ "$(id -u)" -eq 0 ] || skip "needs root for a mount namespace"
top=$(cd "$(dirname "$0")/.." && pwd)
readme=${README:-$top/README}

# the indented command after "1." and a blank line in the set-up section
line=$(awk '/^SET-UP ON A FRESH DEBIAN MACHINE/ { s = 1 } s && /^  1\./ { one = 1; next }
	one && /^$/ { blank = 1; next } blank && /^ +[^ ]/ { sub(/^ +/, ""); print; exit }' "$readme")
[ -n "$line" ] || fail "no command under step 1 in $readme"
say "step 1 as printed: $line"

# the sources, as a clone would have them (and files not committed yet)
# (all of it outside /tmp, which the namespace replaces)
W=$(mktemp -d /var/tmp/vde-setup.XXXXXX)
trap 'rm -rf "$W"; _cleanup' EXIT
src=$W/src
mkdir "$src"
(cd "$top" && { git ls-files; git ls-files --others --exclude-standard; } | sort -u |
	while read -r f; do [ -f "$f" ] && printf '%s\0' "$f"; done | tar --null -cf - -T -) |
	tar -C "$src" -xf - || fail "copy the sources"

mkdir "$W/shim"
cat > "$W/shim/apt-get" <<'SH'
#!/bin/sh
# a stand-in for apt-get: no network in tests
case $1 in
update) exit 0 ;;
install) shift
	for p in "$@"; do
		case $p in -*) continue ;; esac
		dpkg -s "$p" > /dev/null 2>&1 || { echo "apt-get stand-in: $p is not installed" >&2; exit 100; }
	done ;;
*) echo "apt-get stand-in: $1?" >&2; exit 100 ;;
esac
SH
chmod +x "$W/shim/apt-get"

# In its own mount namespace and session: a tmpfs on /tmp, the command in
# the background, its process group ended with SIGTERM once checked.
cat > "$W/inside.sh" <<'SH'
mount -t tmpfs none /tmp || exit 90
cd "$1" || exit 91
PATH=$2:$PATH setsid bash -c "$3" < /dev/null > "$4/run.log" 2>&1 &
pid=$!
for i in $(seq 600); do [ -S /tmp/vde.ctl/ctl ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.5; done
[ -S /tmp/vde.ctl/ctl ] || { echo "no switch on /tmp/vde.ctl"; exit 92; }
python3 - "$5" <<'PY' || exit 93
import sys
sys.path.insert(0, sys.argv[1])
import vdewire as v
e = v.Endpoint("/tmp/vde.ctl")
print("# a client got port data socket %s" % e.switch_addr)
e.close()
PY
kill -TERM -- -$pid
for i in $(seq 100); do kill -0 -- -$pid 2>/dev/null || break; sleep 0.1; done
kill -0 -- -$pid 2>/dev/null && { echo "still running after SIGTERM"; kill -9 -- -$pid; exit 94; }
[ -e /tmp/vde.ctl ] && { echo "left: $(ls -la /tmp/vde.ctl)"; exit 95; }
exit 0
SH
unshare -m --propagation private bash "$W/inside.sh" "$src" "$W/shim" "$line" "$W" "$top/tests" > "$W/inside.log" 2>&1
rc=$?
cat "$W/inside.log"
[ $rc -eq 0 ] || fail "step 1 failed (rc $rc): $(tail -n 20 "$W/run.log")"
grep -q "VDE switch started on /tmp/vde.ctl/ctl" "$W/run.log" || fail "the switch did not say it started: $(tail -n 5 "$W/run.log")"
[ -x "$src/vde" ] || fail "no ./vde built"
exit 0
