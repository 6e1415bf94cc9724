#!/bin/bash
# t_harden_quota.sh - one user cannot take every port or every endpoint
# (hardening item 8, quotas).  A user other than root and the switch's
# owner may hold --user-ports ports (default: half of -n) and
# --user-endpoints endpoints; past that its requests are refused (the
# connection closed) with one log line per period, not one per attempt,
# while root, the owner and other users still join and talk.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need python3 setpriv useradd
[ "$(id -u)" -eq 0 ] || skip "needs root to act as other users"

mkuser U # the greedy one
mkuser V # another user sharing the switch
mkuser O # owns the second switch

# quota.py SOCK OUT MODE: open endpoints until refused - MODE "any"
# asks for any port, "any+same" then adds endpoints on its first port;
# "exactly N" must get N endpoints on any ports.  Writes what it got to
# OUT, then holds them until killed.
cat > "$T/quota.py" <<'PY'
import sys, time
import vdeclient as vc
sock, out, mode = sys.argv[1], sys.argv[2], sys.argv[3:]
held = []

def join(port=0):
    c = vc.Client(sock, port=port, descr='quota %d' % len(held), bind_dir=vc.os.environ['BIND'])
    try:
        c.open()
    except vc.Refused:
        return False
    held.append(c)
    return True

def fill(port=0):
    n = 0
    while n < 1000 and join(port):
        n += 1
    return n

if mode[0] == 'exactly':
    n = int(mode[1])
    got = sum(join() for _ in range(n))
    res = 'got %d of %d' % (got, n)
else:
    nany = fill()
    nsame = fill(held[0].port) if mode[0] == 'any+same' and held else 0
    t0 = time.monotonic()
    refused = sum(not join() for _ in range(30))  # retrying in a loop
    res = 'any %d same %d refused %d of 30 in %.0f s' % (nany, nsame, refused, time.monotonic() - t0)
with open(out + '.tmp', 'w') as f:
    f.write(res + '\n')
vc.os.rename(out + '.tmp', out)
time.sleep(3600)  # hold them; killed by the test
PY
export BIND=$SHARED VDECLIENT_DIR=$SHARED

# quota NAME USER SOCK MODE...: run quota.py as USER ($PID_NAME), its
# result in $r
quota() {
	local name=$1 u=$2 sock=$3; shift 3
	bg_as "$name" "$u" "$PYTHON" "$T/quota.py" "$sock" "$SHARED/$name.res" "$@"
	wait_for -t 120 test -e "$SHARED/$name.res" || fail "$name: no result: $(tail -n 5 "$T/$name.log")"
	r=$(cat "$SHARED/$name.res")
}
field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }
served() { # served SOCK [USER]: two bystanders join and talk
	if [ $# -gt 1 ]; then
		as "$2" "$PYTHON" -c 'import sys, vdeclient as vc; vc.bystanders(sys.argv[1])' "$1"
	else
		py "$1" <<< 'import sys, vdeclient as vc; vc.bystanders(sys.argv[1])'
	fi
}
# a detailed refusal line per period (10 s) at most, plus the first one
log_bounded() {
	local log=$1 secs=$2 n
	n=$(grep -c "over the user's quota" "$log")
	say "$n refusal lines for 31 refused requests in ${secs} s"
	[ "$n" -ge 1 ] || fail "refusals over the quota were not logged"
	[ "$n" -le $((2 + secs / 10)) ] || fail "$n log lines for 31 refusals in $secs s: logged per attempt"
}

say "root's switch with 32 ports: user $U gets half of them, asking for any port"
d=$T/sw
start_switch sw "$d" --nostdin -m 0666 -n 32
t0=$SECONDS
quota uq "$U" "$d" any
secs=$((SECONDS - t0))
say "$U: $r"
[ "$(field any <<< "$r")" -eq 16 ] || fail "$U got $(field any <<< "$r") ports of 32, not the default quota 16"
[ "$(field refused <<< "$r")" -eq 30 ] || fail "$U: $r: retries over the quota were not refused"
log_bounded "$T/sw.log" "$secs"
kill -0 "$PID_uq" || fail "$U's client died: $(tail -n 5 "$T/uq.log")"

say "root and user $V still join and talk while $U holds its quota"
served "$d" || fail "root's clients cannot join after $U took its quota"
served "$d" "$V" || fail "$V's clients cannot join after $U took its quota"

say "$U leaves: its ports are free again"
kill "$PID_uq"
wait "$PID_uq" 2>/dev/null
wait_for sh -c "[ \$(ls '$d' | grep -c '^[0-9]') -eq 0 ]" || fail "$U's endpoints are still there"

say "user $O's switch, --user-ports 2 --user-endpoints 5: the owner has no quota, $U has"
od=$SHARED/osw
bg_as osw "$O" "$VDE" switch -s "$od" --nostdin -m 0666 --user-ports 2 --user-endpoints 5
wait_for test -S "$od/ctl" || fail "$O's switch did not start: $(tail -n 3 "$T/osw.log")"
t0=$SECONDS
quota uq2 "$U" "$od" any+same
secs=$((SECONDS - t0))
say "$U: $r"
[ "$(field any <<< "$r")" -eq 2 ] || fail "$U got $(field any <<< "$r") ports, not --user-ports 2"
[ "$(field same <<< "$r")" -eq 3 ] || fail "$U got $(field same <<< "$r") more endpoints on its port, not 3 (--user-endpoints 5)"
[ "$(field refused <<< "$r")" -eq 30 ] || fail "$U: $r: retries over the quota were not refused"
log_bounded "$T/osw.log" "$secs"
quota oq "$O" "$od" exactly 6
say "$O (the owner): $r"
[ "$r" = "got 6 of 6" ] || fail "the switch's owner was held to a quota: $r"
served "$od" || fail "root's clients cannot join $O's switch"
served "$od" "$V" || fail "$V's clients cannot join $O's switch after $U took its quota"
kill -0 "$PID_osw" || fail "$O's switch died"
exit 0
