#!/bin/bash
# t_mgmt_vde2tools.sh - vde2's own console clients drive our switch:
# vdeterm (a terminal UI that asks "help" for tab completion, then sends
# each command without a newline and prints the replies as they come)
# and unixterm (a plain relay of stdin and the socket).
. "$(dirname "$0")/lib.sh"
need python3 vdeterm unixterm

sw=$T/sw mg=$T/mgmt
start_switch sw "$sw" -M "$mg"
wait_for test -S "$mg" || fail "no management socket"

say "vdeterm: completion from our help, commands without '\\n', replies shown"
cat > "$T/vdeterm.py" <<'EOF'
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp("vdeterm", ["vdeterm", sys.argv[1]])
seen = b""
log = open(sys.argv[2], "wb")
def expect(want):
    global seen
    end = time.monotonic() + 20
    while want not in seen:
        left = end - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            sys.exit("FAIL: vdeterm never showed %r; it showed %r" % (want, seen[-400:]))
        d = os.read(fd, 4096)
        log.write(d); log.flush()
        seen += d
    seen = seen[seen.index(want) + len(want):]
expect(b"]: ")                      # vdeterm's prompt: vde[SOCK]:
os.write(fd, b"vlan/create 33\r")
expect(b"Success")
os.write(fd, b"vlan/pr\t")          # tab completion, from our help output
expect(b"vlan/print ")
os.write(fd, b"33\r")
expect(b"VLAN 0033")
expect(b"Success")
os.write(fd, b"port/print 99\r")
expect(b"Invalid argument")
os.write(fd, b"logout\r")
_, st = os.waitpid(pid, 0)
EOF
python3 "$T/vdeterm.py" "$mg" "$T/vdeterm.log" || fail "vdeterm session"
"$VDE" vdecmd "$mg" vlan/print 33 > /dev/null || fail "VLAN 33 made in vdeterm is missing"

say "unixterm: a relay; replies come back framed as vde2's"
mkfifo "$T/ut.in"
exec 3<> "$T/ut.in"
bg ut sh -c 'exec unixterm "$1" < "$2"' sh "$mg" "$T/ut.in" # (bg would give it /dev/null)
wait_for grep -q 'vde\$ ' "$T/ut.log" || fail "unixterm shows no prompt"
echo "port/showinfo" >&3
wait_for grep -q '^counters=true' "$T/ut.log" || fail "no reply in unixterm: $(cat "$T/ut.log")"
echo "logout" >&3 # the switch hangs up; unixterm ends
wait_for sh -c "! kill -0 $PID_ut 2>/dev/null || ps -o stat= -p $PID_ut | grep -q Z" ||
	fail "unixterm still running after logout"
exit 0
