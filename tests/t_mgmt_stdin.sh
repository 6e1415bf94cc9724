#!/bin/bash
# t_mgmt_stdin.sh - the console on stdin/stdout: on the terminal of a
# foreground switch, on pipes, and on a terminal where the switch is a
# background job: the same commands and replies as the socket, next to
# socket sessions; the prompt goes to stdin's terminal as in vde2 (not
# to a pipe); logout or EOF closes the console but never the switch;
# shutdown typed there stops it; --nostdin means no console.  The
# terminal is a pseudo-terminal made by the test; everything the switch
# writes to it is kept in $T/pty*.log.
. "$(dirname "$0")/lib.sh"
need python3

cat > "$T/vterm.py" <<'EOF'
"""vterm.py LOG VDE ARGS...: run the switch on a new pty; commands on our
stdin, one per line: "type TEXT", "expect TEXT", "eof", "mgmt CMD" (ask
over the -M socket with vdecmd), "exit CODE" (wait for the switch)."""
import os, pty, select, subprocess, sys, time
log, vde, args = sys.argv[1], sys.argv[2], sys.argv[3:]
mgmt = args[args.index("-M") + 1] if "-M" in args else None
pid, fd = pty.fork()
if pid == 0:
    os.execv(vde, [vde, "switch"] + args)
out = open(log, "wb")
seen = b""
WAIT = 20

def die(msg):
    out.close()
    sys.stderr.write("FAIL: %s\n  terminal so far: %r\n" % (msg, seen[-600:]))
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass
    sys.exit(1)

def read(limit):
    global seen
    if not select.select([fd], [], [], limit)[0]:
        return False
    try:
        d = os.read(fd, 4096)
    except OSError:   # EIO: the switch closed the terminal
        d = b""
    if not d:
        return None
    seen += d
    out.write(d); out.flush()
    return True

for line in sys.stdin:
    op, _, arg = line.rstrip("\n").partition(" ")
    if op == "type":
        os.write(fd, arg.encode() + b"\n")
    elif op == "eof":
        os.write(fd, b"\x04")
    elif op == "expect":
        want = arg.encode().decode("unicode_escape").encode("latin1")
        deadline = time.monotonic() + WAIT
        while want not in seen:
            left = deadline - time.monotonic()
            if left <= 0 or not read(left):
                die("never saw %r" % want)
        seen = seen[seen.index(want) + len(want):]
    elif op == "mgmt":
        r = subprocess.run([vde, "vdecmd", mgmt] + arg.split(), capture_output=True)
        if r.returncode != 0:
            die("vdecmd %s: %r" % (arg, r.stderr))
    elif op == "exit":
        deadline = time.monotonic() + WAIT
        while read(max(0, deadline - time.monotonic())) is True:
            pass
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code != int(arg):
            die("switch exited %d, not %s" % (code, arg))
        sys.exit(0)
    else:
        die("bad op %r" % op)
os.kill(pid, 15)
os.waitpid(pid, 0)
EOF
tty() { python3 "$T/vterm.py" "$T/$1.log" "$VDE" -s "$T/$1" -M "$T/$1.mgmt" "${@:2}" || fail "$1: see above"; }

say "commands typed on the terminal answer like the socket's"
tty pty1 <<'EOF'
expect VDE switch started
type port/showinfo
expect 0000 DATA END WITH '.'\r\nNumports=32\r\nHUB=false\r\ncounters=true\r\n.\r\n1000 Success\r\n\r\nvde$ 
type vlan/create 10
expect 1000 Success
mgmt vlan/print 10
type bogus
expect 1038 Function not implemented
type
expect \r\nvde$ 
type shutdown
expect shutdown requested on the management console
exit 0
EOF
grep -q 'END OF SESSION' "$T/pty1.log" && fail "shutdown on stdin said 9999 END OF SESSION (vde2 says nothing there)"

say "Ctrl-D closes the console; the switch goes on serving the socket"
tty pty2 <<'EOF'
expect VDE switch started
eof
expect EOF on stdin: console closed, the switch keeps running
mgmt port/showinfo
type shutdown
mgmt port/create 5
mgmt port/allprint 5
EOF
grep -q 'shutdown requested' "$T/pty2.log" && fail "typed after Ctrl-D, but obeyed"

say "logout on the terminal: the same"
tty pty3 <<'EOF'
expect VDE switch started
type logout
expect logout on stdin: console closed, the switch keeps running
mgmt port/showinfo
mgmt shutdown
exit 0
EOF

say "--nostdin: nothing typed is obeyed"
tty pty4 --nostdin <<'EOF'
expect VDE switch started
type shutdown
mgmt port/showinfo
mgmt shutdown
exit 0
EOF
[ "$(grep -c 'shutdown requested' "$T/pty4.log")" -eq 1 ] || fail "--nostdin: the typed shutdown was obeyed"

say "on pipes: replies on stdout without prompts (vde2's bytes); EOF leaves the switch serving"
cat > "$T/pipes.py" <<'EOF'
import os, select, subprocess, sys, time
vde, d, mgmt = sys.argv[1:4]
p = subprocess.Popen([vde, "switch", "-s", d, "-M", mgmt], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=open(d + ".err", "wb"))
def reply(cmd):
    """what the switch writes for cmd, up to and including its status line"""
    p.stdin.write(cmd + b"\n"); p.stdin.flush()
    out, end = b"", time.monotonic() + 20
    while not any(len(l) > 4 and l[:1] == b"1" and l[4:5] == b" " for l in out.split(b"\n")[:-1]):
        if not select.select([p.stdout], [], [], max(0, end - time.monotonic()))[0]:
            sys.exit("FAIL: no status line for %r; got %r" % (cmd, out))
        b = os.read(p.stdout.fileno(), 4096)
        if not b:
            sys.exit("FAIL: stdout closed; got %r" % out)
        out += b
    return out
want = b"0000 DATA END WITH '.'\nNumports=32\nHUB=false\ncounters=true\n.\n1000 Success\n"
got = reply(b"port/showinfo")
if got != want:
    sys.exit("FAIL: port/showinfo on a pipe: %r, not %r" % (got, want))
got = reply(b"bogus")
if got != b"1038 Function not implemented\n":
    sys.exit("FAIL: an unknown command on a pipe: %r" % got)
p.stdin.close()   # EOF: the console ends, the switch does not
print(p.pid)
EOF
pid=$(python3 "$T/pipes.py" "$VDE" "$T/p5" "$T/p5.mgmt") || fail "pipes: $pid"
_pids+=("$pid")
wait_for grep -q 'EOF on stdin: console closed, the switch keeps running' "$T/p5.err" ||
	fail "no EOF log: $(cat "$T/p5.err")"
"$BIN/vdecmd" "$T/p5.mgmt" port/showinfo > /dev/null || fail "the switch stopped serving after EOF on its stdin pipe"
kill -0 "$pid" || fail "the switch exited after EOF on stdin"

say "a background job on its terminal (stty tostop) is neither stopped nor reading; after fg it answers"
cat > "$T/bgtty.py" <<'EOF'
import os, pty, select, signal, sys, termios, time
vde, d = sys.argv[1:3]
os.mkfifo(d + ".go")
pid, fd = pty.fork()
if pid == 0:  # the session leader in the foreground; the switch a background job
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    a = termios.tcgetattr(0); a[3] |= termios.TOSTOP; termios.tcsetattr(0, termios.TCSANOW, a)
    c = os.fork()
    if c == 0:
        os.setpgid(0, 0)
        os.execv(vde, [vde, "switch", "-s", d])
    os.setpgid(c, c)
    os.read(os.open(d + ".go", os.O_RDONLY), 1)   # the test says: fg
    os.tcsetpgrp(0, c)
    _, st = os.waitpid(c, 0)
    os._exit(os.waitstatus_to_exitcode(st))
seen = b""
def until(want, what):
    global seen
    end = time.monotonic() + 20
    while want not in seen:
        if not select.select([fd], [], [], max(0, end - time.monotonic()))[0]:
            sys.exit("FAIL: %s: never saw %r in %r" % (what, want, seen))
        try:
            seen += os.read(fd, 4096)
        except OSError:
            sys.exit("FAIL: %s: terminal closed: %r" % (what, seen))
    seen = seen[seen.index(want) + len(want):]
until(b"VDE switch started", "start (logged to the terminal by a background job)")
os.write(fd, b"port/showinfo\n")
until(b"a background job may not read the terminal", "background read")
if b"1000 Success" in seen:
    sys.exit("FAIL: a background job answered")
os.close(os.open(d + ".go", os.O_WRONLY))       # fg
until(b"Numports=32\r\nHUB=false\r\ncounters=true\r\n.\r\n1000 Success\r\n\r\nvde$ ", "after fg")
os.write(fd, b"shutdown\n")
until(b"shutdown requested", "shutdown")
_, st = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(st)
sys.exit(0 if code == 0 else "FAIL: the switch exited %d" % code)
EOF
timeout 60 python3 "$T/bgtty.py" "$VDE" "$T/p6" || fail "background job on its terminal"
exit 0

