#!/bin/bash
# t_wirefilter_bad.sh - wirefilter under hostile input: impossible option
# values are one line and exit 2; a console fed garbage (unknown
# commands, bad values, overlong lines, NUL bytes, a flood of sessions)
# answers with vde2's error codes and keeps working; -M never takes over
# a file that is not a stale socket; a bad -f line stops the start.
. "$(dirname "$0")/lib.sh"
need python3

say "impossible values: one line (and the --help hint), exit 2"
for a in "-l 150" "-l LR-5" "-l abc" "-d 100+" "-d 1e3" "-d 99999999999" "-D 100" "-D 60+40" \
	"-b 1X" "-b nan" "-m 10+1" "-m 70000" "-c 2G" "-n 99999999" "-L 5[3]" "--seed x" \
	"--mgmtmode 9" "-v nocolon" "-x" "-l" "a b c" "--daemon" "-v a:b c d" "-v -:-" "--blink /x"; do
	# shellcheck disable=SC2086
	"$VDE" wirefilter $a < /dev/null > "$T/out" 2> "$T/err"
	rc=$?
	[ $rc -eq 2 ] || fail "wirefilter $a: exit $rc, not 2: $(cat "$T/err")"
	[ "$(grep -vc '^Try ' "$T/err")" -eq 1 ] || fail "wirefilter $a: not one line: $(cat "$T/err")"
	grep -q '^wirefilter: ' "$T/err" || fail "wirefilter $a: message not named: $(cat "$T/err")"
done

say "stdin/stdout on a terminal is refused (it would be garbage frames)"
python3 - "$VDE" <<'PY' || fail "wirefilter on a terminal"
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "wirefilter", "-d", "10"])
out = b""
while True:
    try:
        d = os.read(fd, 4096)
    except OSError:
        break
    if not d:
        break
    out += d
_, st = os.waitpid(pid, 0)
sys.exit(0 if os.WEXITSTATUS(st) == 2 and b"terminal" in out else 1)
PY

say "-M on a regular file: refused, the file kept"
echo keep > "$T/notasock"
"$VDE" wirefilter -M "$T/notasock" "null://" "null://" < /dev/null 2> "$T/err" && fail "-M on a file worked"
grep -q "bind $T/notasock" "$T/err" || fail "no bind error: $(cat "$T/err")"
[ "$(cat "$T/notasock")" = keep ] || fail "-M clobbered a file"

say "-f with a bad line: exit 2, the line named"
printf 'delay 10\nloss 500\n' > "$T/bad.rc"
"$VDE" wirefilter -f "$T/bad.rc" null:// null:// < /dev/null 2> "$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q 'line 2' "$T/err" || fail "-f bad line: exit $rc: $(cat "$T/err")"
"$VDE" wirefilter -f "$T/missing.rc" null:// null:// < /dev/null 2> "$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q 'No such file' "$T/err" || fail "-f missing file: exit $rc: $(cat "$T/err")"

say "a console fed garbage answers with vde2's codes and keeps working"
mg=$T/wf.mgmt
bg wf "$VDE" wirefilter -M "$mg" null:// null://
wait_for test -S "$mg" || fail "no console socket"
python3 - "$mg" <<'PY' || fail "console garbage"
import socket, sys
def conn():
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(10)
    return s
def until(s, end=b"VDEwf$ "):
    out = b""
    while not out.endswith(end):
        d = s.recv(65536)
        if not d:
            break
        out += d
    return out
s = conn()
until(s)
cases = [
    (b"bogus", b"1038 Function not implemented"),
    (b"loss", b"1022 Invalid argument"),
    (b"loss 101", b"1022 Invalid argument"),
    (b"loss LR-1", b"1022 Invalid argument"),
    (b"delay 1[7]", b"1022 Invalid argument"),
    (b"dup 100", b"1022 Invalid argument"),
    (b"fifo 2", b"1022 Invalid argument"),
    (b"mtu inf", b"1022 Invalid argument"),
    (b"markov-numnodes 0", b"1022 Invalid argument"),
    (b"markov-numnodes 100000", b"1022 Invalid argument"),
    (b"markov-numnodes 3", b"1000 Success"),
    (b"setedge 0,1,70", b"1000 Success"),
    (b"setedge 0,2,70", b"1022 Invalid argument"),   # 140% out of node 0
    (b"setedge 0,9,1", b"1022 Invalid argument"),
    (b"setedge ,,", b"1022 Invalid argument"),
    (b"markov-name 2," + b"x" * 200, b"1022 Invalid argument"),
    (b"markov-name 2,\x1b[2J", b"1022 Invalid argument"),
    (b"markov-time -5", b"1022 Invalid argument"),
    (b"markov-setnode 3", b"1022 Invalid argument"),
    (b"showinfo 3", b"1022 Invalid argument"),
    (b"showedges x", b"1022 Invalid argument"),
    (b"load", b"1022 Invalid argument"),
    (b"load /nonexistent/file", b"1002 No such file or directory"),
    (b"load /dev/zero", b"1022 Invalid argument"),
    (b"a" * 5000, b"1022 Invalid argument"),
    (b"loss \x00 5", b"1022 Invalid argument"),
    (b"loss 5[0]", b"1000 Success"),
]
for cmd, want in cases:
    s.send(cmd + b"\n")
    got = until(s)
    if want not in got:
        sys.exit("%r: wanted %r, got %r" % (cmd[:40], want, got[:200]))
# a flood of sessions: the ones past the limit are closed, ours still works
extra = [conn() for _ in range(40)]
s.send(b"showinfo 0\n")
got = until(s)
if b"Loss   L->R 5+0U   R->L 5+0U" not in got or b"1000 Success" not in got:
    sys.exit("showinfo after the garbage: %r" % got)
for e in extra:
    e.close()
s.send(b"logout\n")
if s.recv(100) != b"":
    sys.exit("logout did not close the session")
s = conn(); until(s)
s.send(b"shutdown\n")
s.recv(100)
PY
wait_for sh -c "! kill -0 $PID_wf 2>/dev/null" || fail "shutdown did not stop wirefilter"
wait "$PID_wf"; rc=$?
[ $rc -eq 0 ] || fail "wirefilter exit $rc after shutdown"
[ -e "$mg" ] && fail "console socket left behind"
exit 0
