#!/bin/bash
# t_harden_fdreserve.sh - a user who takes every file descriptor it can
# does not lock root out (hardening item 8, fds).  The switch raises its
# soft RLIMIT_NOFILE to the hard limit and keeps the last 1/16 (at least
# 32) for root and its owner: with quotas off, a user fills everything
# below that line and no more; root still joins, talks and manages (-M).
# The last 8 of those DIR/ctl leaves to the console (-M) alone.  When
# every fd is taken, new connections are closed at once (shed with a
# spare fd), neither left waiting nor spinning the loop.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need python3 setpriv prlimit useradd
[ "$(id -u)" -eq 0 ] || skip "needs root to act as another user"

mkuser U
export VDECLIENT_DIR=$SHARED
one_line() { tail -n 3 "$1" | tr '\n' ' '; }
# fds_in PID LO HI: how many of PID's fds are numbered LO..HI-1 (one
# inherited from far above the limit does not count)
fds_in() { ls "/proc/$1/fd" | awk -v lo="$2" -v hi="$3" '$1 >= lo && $1 < hi' | wc -l; }
served() { py "$1" <<< 'import sys, vdeclient as vc; vc.bystanders(sys.argv[1])'; }

d=$T/sw mg=$T/mgmt
bg sw prlimit --nofile=48:128 "$VDE" switch -s "$d" -M "$mg" --nostdin -m 0666 -n 200 \
	--user-ports 0 --user-endpoints 0
wait_for test -S "$mg" || fail "switch did not start: $(one_line "$T/sw.log")"
pid=$PID_sw

say "the soft limit on open files (48) is raised to the hard limit (128)"
lim=$(awk '/^Max open files/ { print $4 " " $5 }' "/proc/$pid/limits")
[ "$lim" = "128 128" ] || fail "open files limit is '$lim' (soft hard), not '128 128'"
limit=128 reserve=32 # the larger of 1/16 and 32
fds0=$(nfds "$pid")

say "user $U (no quota) opens endpoints until refused"
cat > "$T/hog.py" <<'PY'
import sys, time
import vdeclient as vc
held, why = [], None
while len(held) < 1000:
    c = vc.Client(sys.argv[1], descr='hog %d' % len(held), timeout=10)
    try:
        held.append(c.open())
    except (vc.Refused, TimeoutError, OSError) as e:
        why = e
        break
with open(sys.argv[2] + '.tmp', 'w') as f:
    f.write('%d endpoints, then %s: %s\n' % (len(held), type(why).__name__, why))
vc.os.rename(sys.argv[2] + '.tmp', sys.argv[2])
time.sleep(3600)  # hold them; killed by the test
PY
bg_as hog "$U" "$PYTHON" "$T/hog.py" "$d" "$SHARED/hog.res"
wait_for -t 120 test -e "$SHARED/hog.res" || fail "the hog never finished: $(one_line "$T/hog.log")"
say "$U: $(cat "$SHARED/hog.res")"
grep -q ', then Refused' "$SHARED/hog.res" || fail "$U was not refused with a close: $(cat "$SHARED/hog.res")"
line=$((limit - reserve))
low=$(fds_in "$pid" 0 "$line") high=$(fds_in "$pid" "$line" "$limit")
say "the switch holds $low fds below $line, $high of the last $reserve ($fds0 fds at start)"
# Below the line everything is taken (one fd may stay free: a request
# needs two), and nothing above it.
[ "$low" -ge $((line - 1)) ] || fail "$U stopped at $low fds, before the reserve"
[ "$high" -eq 0 ] || fail "$U's endpoints took $high of the last $reserve fds, the reserve"
grep -q "kept for root and uid 0" "$T/sw.log" || fail "the refusal was not logged: $(one_line "$T/sw.log")"

say "root still joins and talks, and manages the switch through -M"
served "$d" || fail "root's clients cannot join while $U holds every fd it may"
for c in port/print showinfo hash/print; do
	"$VDE" vdecmd "$mg" $c > "$T/cmd.out" 2>&1 || fail "vdecmd $c: $(cat "$T/cmd.out")"
done
grep -q "hog" <("$VDE" vdecmd "$mg" port/print) || fail "port/print does not list $U's endpoints"

say "$U leaves: the switch is back to its $fds0 fds"
kill "$PID_hog"
wait "$PID_hog" 2>/dev/null
wait_fds "$pid" "$fds0"
served "$d" || fail "not serving after $U left"

say "root fills DIR/ctl: refused short of the console's last fds; -M still answers"
say "then idle console sessions take the rest: new connections are shed at once"
t0=$SECONDS
py "$d" "$mg" "$pid" "$limit" <<'PY' || fail "root's fill: see above"
import sys, time, vdeclient as vc
d, mg, pid, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

def fds():  # numbered below the limit (not one inherited from above)
    return sum(int(f) < limit for f in vc.os.listdir('/proc/%d/fd' % pid))

def settle(n):  # wait until the switch holds n fds
    end = time.monotonic() + 30
    while fds() != n:
        if time.monotonic() > end:
            sys.exit('the switch holds %d fds, not %d' % (fds(), n))
        time.sleep(0.02)

held = []
while len(held) < 1000:
    try:
        held.append(vc.Client(d, descr='root %d' % len(held), timeout=10).open())
    except vc.Refused:
        break
    except TimeoutError:
        sys.exit('root was left waiting after %d endpoints, not refused' % len(held))
n = fds()
print('root: %d endpoints, then refused; the switch holds %d fds of %d' % (len(held), n, limit))
if n >= limit:
    sys.exit('DIR/ctl left no fd for the console')
code, text = vc.console(mg, ['port/print'])[0]
if code != 1000:
    sys.exit('port/print on -M failed with every other fd taken: %r' % text[-300:])
settle(n)
sessions = []
for _ in range(limit - n):  # every fd left, one idle console session each
    s = vc.socket.socket(vc.socket.AF_UNIX, vc.socket.SOCK_STREAM)
    s.connect(mg)
    sessions.append(s)
    settle(n + len(sessions))
print('%d idle console sessions took the rest' % len(sessions))
for i in range(10):
    c = vc.socket.socket(vc.socket.AF_UNIX, vc.socket.SOCK_STREAM)
    c.connect(vc.ctl_path(d))
    if not vc.wait_eof(c, 30):
        sys.exit('out of fds, the switch left connection %d waiting instead of closing it' % i)
    c.close()
for s in sessions + held:
    s.close()
PY
secs=$((SECONDS - t0))
wait_fds "$pid" "$fds0"
served "$d" || fail "not serving after root's flood"
n=$(grep -c -i 'too many open files' "$T/sw.log")
say "$n log lines about running out of fds in $secs s"
[ "$n" -ge 1 ] || fail "shedding connections was not logged"
[ "$n" -le $((3 + secs / 10)) ] || fail "$n log lines about EMFILE in $secs s: not once per period"
kill -0 "$pid" || fail "switch died"
exit 0
