#!/bin/bash
# t_harden_logesc.sh - text from outside cannot forge log lines (issue
# 17, item 12).  A request's data socket path is a client's choice of
# 108 bytes; when the switch logs it (a refusal), newlines, carriage
# returns and terminal escapes in it used to reach the log raw, so a
# user could write whole fake lines.  Every such byte is now written as
# \xNN (and "\" as \x5c), in the foreground log and in syslog alike.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need python3 setpriv useradd

mkuser U
d=$T/sw
start_switch sw "$d" --nostdin -m 0666

say "$U names data sockets whose paths hold newlines, CR, ESC and high bytes"
as "$U" "$PYTHON" - "$d" <<'EOF' || fail "requests not refused"
import sys, vdeclient as vc
d = sys.argv[1]
for addr in [b'/nonexistent\nvde_switch: FORGED by a path',
             b'/nonexistent\r\nvde_switch: FORGED with CR\x1b[2J',
             b'/nonexistent\\x0a-looks-escaped\xc2\x9b2J\x7f']:
    c = vc.Client(d, descr='hostile path')
    c.connect()
    c.addr = addr
    c.ctl.sendall(c.request_bytes())
    try:
        c.read_reply()
        sys.exit('accepted %r' % addr)
    except vc.Refused:
        pass
EOF
py "$d" <<< 'import sys, vdeclient as vc; vc.bystanders(sys.argv[1])' || fail "switch not serving"
wait_for grep -q 'looks-escaped' "$T/sw.log" || fail "the refusals were not logged: $(cat "$T/sw.log")"
grep -n 'FORGED' "$T/sw.log" | grep -v 'nonexistent' && fail "a path forged a log line"
grep -q $'\e' "$T/sw.log" && fail "a path put an escape sequence in the log"
grep -q $'\r' "$T/sw.log" && fail "a path put a carriage return in the log"
LC_ALL=C grep -q $'\xc2\x9b' "$T/sw.log" && fail "a path put a C1 control (CSI) in the log"
grep -qF '/nonexistent\x0avde_switch: FORGED by a path' "$T/sw.log" ||
	fail "path not logged as \\xNN: $(grep nonexistent "$T/sw.log")"
grep -qF '/nonexistent\x5cx0a-looks-escaped' "$T/sw.log" ||
	fail "a backslash is not escaped, so escapes can be faked: $(grep escaped "$T/sw.log")"
kill -0 "$PID_sw" || fail "switch died"
exit 0
