#!/bin/bash
# t_console.sh - vdecmd, the console client, as scripts use it: data
# lines only, the failing status line on stderr, exit status 0/1/2/3,
# words joined into one command, -e and stdin scripts, -k and -r, logout
# and shutdown; then an interactive session on a pseudo-terminal, and the
# same one-shot use against Debian's vde_switch.
. "$(dirname "$0")/lib.sh"
need python3

sw=$T/sw mg=$T/mgmt
start_switch sw "$sw" -M "$mg"
wait_for test -S "$mg" || fail "no management socket"
# expect RC CMD...: run CMD, check its exit status
expect() {
	local want=$1; shift
	"$@" > "$T/out" 2> "$T/err"
	local rc=$?
	[ $rc -eq "$want" ] || fail "$* exited $rc, not $want (stderr: $(cat "$T/err"))"
}

say "one command: only the data lines, exit 0"
expect 0 "$BIN/vdecmd" "$mg" port/showinfo
printf 'Numports=32\nHUB=false\ncounters=true\n' | diff -u - "$T/out" || fail "port/showinfo output"
[ -s "$T/err" ] && fail "stderr: $(cat "$T/err")"

say "a command without data prints nothing"
expect 0 "$BIN/vdecmd" "$mg" vlan/create 10
[ -s "$T/out" ] && fail "vlan/create printed $(cat "$T/out")"

say "the words of a command are joined; -s, 'vde console' and the aliases work"
expect 0 "$BIN/vdecmd" -s "$mg" vlan/print 10
[ "$(cat "$T/out")" = "VLAN 0010" ] || fail "vlan/print 10 gave $(cat "$T/out")"
expect 0 "$VDE" console "$mg" vlan/print 10
expect 0 "$VDE" vde_console "$mg" vlan/print 10
expect 0 "$VDE" vdecmd "$mg" 'vlan/print  10'

say "a failing command: its status line on stderr, exit 1"
expect 1 "$BIN/vdecmd" "$mg" port/print 99
[ "$(cat "$T/err")" = "vdecmd: port/print 99: 1022 Invalid argument" ] || fail "stderr: $(cat "$T/err")"
[ -s "$T/out" ] && fail "stdout: $(cat "$T/out")"
expect 1 "$BIN/vdecmd" "$mg" no/such/thing
grep -q '1038 Function not implemented' "$T/err" || fail "stderr: $(cat "$T/err")"

say "-e: commands run in order; the first failure stops the rest"
expect 1 "$BIN/vdecmd" -e 'vlan/create 20' -e 'vlan/create 20' -e 'vlan/create 30' "$mg"
grep -q 'vlan/create 20: 1017 File exists' "$T/err" || fail "stderr: $(cat "$T/err")"
expect 1 "$BIN/vdecmd" "$mg" vlan/print 30
say "-k keeps going (still exit 1); -r shows the replies whole"
expect 1 "$BIN/vdecmd" -k -e 'vlan/create 20' -e 'vlan/create 30' "$mg"
expect 0 "$BIN/vdecmd" "$mg" vlan/print 30
expect 0 "$BIN/vdecmd" -r "$mg" vlan/print 30
printf "0000 DATA END WITH '.'\nVLAN 0030\n.\n1000 Success\n" | diff -u - "$T/out" || fail "-r output"

say "commands from stdin when it is not a terminal"
printf '# set up\n\nvlan/create 40\n  vlan/print 40\r\n' > "$T/script"
expect 0 "$BIN/vdecmd" "$mg" < "$T/script"
[ "$(cat "$T/out")" = "VLAN 0040" ] || fail "script output: $(cat "$T/out")"
printf 'vlan/create 40\nvlan/create 50\n' > "$T/script"
expect 1 "$BIN/vdecmd" "$mg" < "$T/script"
expect 1 "$BIN/vdecmd" "$mg" vlan/print 50

say "logout ends the run successfully; nothing after it is sent"
expect 0 "$BIN/vdecmd" -e logout -e 'vlan/create 60' "$mg"
expect 1 "$BIN/vdecmd" "$mg" vlan/print 60

say "usage errors exit 2"
expect 2 "$BIN/vdecmd"
expect 2 "$BIN/vdecmd" -t soon "$mg" showinfo
expect 2 "$BIN/vdecmd" -e "$(printf 'showinfo\nshutdown')" "$mg"
expect 2 "$BIN/vdecmd" -x "$mg"
expect 0 "$BIN/vdecmd" --help
grep -q '^usage: vdecmd' "$T/out" || fail "--help"

say "no VDE console at SOCK: exit 3 with the reason"
expect 3 "$BIN/vdecmd" "$T/nothing" showinfo
grep -q "connect $T/nothing: No such file or directory" "$T/err" || fail "stderr: $(cat "$T/err")"
# a socket that hangs up at once, and one that never speaks
cat > "$T/fake.py" <<'EOF'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(5)
mode = sys.argv[2]
held = []
while True:
    c, _ = s.accept()
    if mode == "hangup":
        c.close()
    elif mode == "flood":   # one endless line
        try:
            while True:
                c.sendall(b"x" * 65536)
        except OSError:
            c.close()
    else:
        held.append(c)
EOF
bg hangup python3 "$T/fake.py" "$T/hangup.sock" hangup
bg mute python3 "$T/fake.py" "$T/mute.sock" mute
bg flood python3 "$T/fake.py" "$T/flood.sock" flood
wait_for test -S "$T/hangup.sock" && wait_for test -S "$T/mute.sock" && wait_for test -S "$T/flood.sock" ||
	fail "fake servers"
expect 3 "$BIN/vdecmd" "$T/hangup.sock" showinfo
grep -q "not a VDE management console" "$T/err" || fail "stderr: $(cat "$T/err")"
expect 3 "$BIN/vdecmd" -t 1 "$T/mute.sock" showinfo
grep -q "no answer in 1 s" "$T/err" || fail "stderr: $(cat "$T/err")"
expect 3 "$BIN/vdecmd" "$T/flood.sock" showinfo
grep -q "a reply line longer than" "$T/err" || fail "stderr: $(cat "$T/err")"

say "interactive on a terminal: banner, prompt, replies; Ctrl-D ends it"
cat > "$T/term.py" <<'EOF'
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], sys.argv[2]])
seen = b""
def expect(want):
    global seen
    end = time.monotonic() + 20
    while want not in seen:
        if time.monotonic() > end or not select.select([fd], [], [], end - time.monotonic())[0]:
            sys.exit("FAIL: never saw %r in %r" % (want, seen))
        try:
            seen += os.read(fd, 4096)
        except OSError:
            break
    seen = seen[seen.index(want) + len(want):]
expect(b"VDE switch V.")
expect(b"vde$ ")
os.write(fd, b"vlan/print 40\n")
expect(b"VLAN 0040\r\n.\r\n1000 Success\r\n\r\nvde$ ")
os.write(fd, b"\x04")
_, st = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(st))
EOF
python3 "$T/term.py" "$BIN/vdecmd" "$mg" > "$T/term.log" 2>&1 || fail "interactive: $(cat "$T/term.log")"

say "shutdown: exit 0, and the switch is gone"
expect 0 "$BIN/vdecmd" "$mg" shutdown
wait_for sh -c "! kill -0 $PID_sw 2>/dev/null || ps -o stat= -p $PID_sw | grep -q Z" || fail "switch still running"
expect 3 "$BIN/vdecmd" "$mg" showinfo

say "the same client with Debian's vde_switch"
if command -v vde_switch > /dev/null && [ "$(readlink -f "$(command -v vde_switch)")" != "$(readlink -f "$VDE")" ]; then
	mkfifo "$T/vde2.in"
	exec 7<> "$T/vde2.in" # vde2 2.3.2 exits on EOF of its stdin
	bg vde2 sh -c 'exec vde_switch -s "$1" -M "$2" < "$3"' sh "$T/vde2" "$T/vde2.mgmt" "$T/vde2.in"
	wait_for test -S "$T/vde2.mgmt" || fail "Debian's vde_switch did not start"
	expect 0 "$BIN/vdecmd" "$T/vde2.mgmt" port/showinfo
	printf 'Numports=32\nHUB=false\ncounters=true\n' | diff -u - "$T/out" || fail "port/showinfo from vde2"
	expect 1 "$BIN/vdecmd" "$T/vde2.mgmt" port/print 99
	[ "$(cat "$T/err")" = "vdecmd: port/print 99: 1022 Invalid argument" ] || fail "stderr: $(cat "$T/err")"
	printf 'vlan/create 40\nvlan/print 40\n' > "$T/script"
	expect 0 "$BIN/vdecmd" "$T/vde2.mgmt" < "$T/script"
	[ "$(cat "$T/out")" = "VLAN 0040" ] || fail "script against vde2: $(cat "$T/out")"
	python3 "$T/term.py" "$BIN/vdecmd" "$T/vde2.mgmt" > "$T/term2.log" 2>&1 || fail "interactive with vde2: $(cat "$T/term2.log")"
	expect 0 "$BIN/vdecmd" "$T/vde2.mgmt" shutdown
	wait_for sh -c "! kill -0 $PID_vde2 2>/dev/null || ps -o stat= -p $PID_vde2 | grep -q Z" || fail "vde2 still running"
else
	say "(Debian's vde_switch not installed: skipped)"
fi
exit 0
