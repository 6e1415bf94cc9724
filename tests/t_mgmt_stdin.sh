#!/bin/bash
# t_mgmt_stdin.sh - the console on the terminal of a foreground switch:
# the same commands and replies as the socket, next to socket sessions;
# logout or Ctrl-D (EOF) closes the console but never the switch;
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
expect 9999 END OF SESSION
exit 0
EOF

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
expect 9999 END OF SESSION
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
exit 0
