#!/bin/bash
# t_plug_stream.sh - vde_plug's stream side (spec §4, §9.5) against
# Debian's real vde_switch: frames written framed into one plug's stdin
# come out byte for byte on another plug's stdout; -p and -g choose the
# port; a bad length header is reported and the stream resyncs; the plug
# exits 0 when the switch goes; Debian's vde_plug understands our stream
# and we understand its; two plugs back to back under dpipe keep moving
# frames both ways under load.  Frames are made in Python.
. "$(dirname "$0")/lib.sh"
need python3
DSW=/usr/bin/vde_switch

# ---- helpers ----

cat > "$T/plugt.py" <<'EOF'
"""Stream-framed Ethernet frames for the plug tests.
  make SRC SIZE...    framed broadcast frames of these sizes from MAC
                      02:00:00:00:00:SRC, to stdout
  garbage N           N writes of a bad length header and junk, to stdout
  until_seen OUT      write a marker frame to stdout every 50 ms until the
                      framed marker shows up in file OUT (max 20 s)
  mgmt SOCK CMD       run one command on a vde2 management socket
  blast SW1 SW2 VDE   the back-to-back load test (see the shell script)
"""
import os, socket, struct, subprocess, sys, threading, time

def frame(size, src=1, tag=b""):
    f = b"\xff" * 6 + bytes([2, 0, 0, 0, 0, src]) + b"\x88\xb5" + tag
    return f + bytes((i * 7 + size) & 255 for i in range(size - len(f)))

def framed(f):
    return struct.pack(">H", len(f)) + f

def out(b):
    os.write(1, b)

def until_seen(path):
    m = framed(frame(60, 1, b"MARKER"))
    end = time.time() + 20
    while time.time() < end:
        out(m)
        with open(path, "rb") as f:
            if m in f.read():
                return 0
        time.sleep(0.05)
    sys.exit("marker never arrived in " + path)

def mgmt(path, cmd):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.settimeout(10)
    buf = b""
    s.sendall(cmd.encode() + b"\n")
    while not any(k in buf for k in (b"\n1000 ", b"\n15", b"\n14")):
        d = s.recv(65536)
        if not d:
            break
        buf += d
    sys.stdout.write(buf.decode(errors="replace"))

def endpoints(d):
    return len([n for n in os.listdir(d) if n[:3].isdigit() and "." in n])

def wait_until(cond, what, t=20):
    end = time.time() + t
    while not cond():
        if time.time() > end:
            sys.exit("timed out waiting for " + what)
        time.sleep(0.05)

class Side:
    """One of our plugs, fed and drained by threads."""
    def __init__(self, vde, sw, src):
        self.p = subprocess.Popen([vde, "plug", sw], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE)
        self.src, self.got, self.markers = src, 0, 0
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()

    def read(self):
        f = self.p.stdout
        while True:
            h = f.read(2)
            if len(h) < 2:
                return
            n = struct.unpack(">H", h)[0]
            d = f.read(n)
            self.got += 1
            if d[14:20] == b"MARKER":
                self.markers += 1

    def blast(self, n):
        chunk = framed(frame(1514, self.src)) * 32
        for _ in range(n // 32):
            self.p.stdin.write(chunk)
        self.p.stdin.flush()

    def marker(self):
        self.p.stdin.write(framed(frame(60, self.src, b"MARKER")))
        self.p.stdin.flush()

def blast(sw1, sw2, vde, n=20000):
    # stuck before the shell's timeout: say where, every thread (a writer
    # blocked on a plug's stdin, a reader, the marker loop)
    import faulthandler
    faulthandler.dump_traceback_later(200, exit=True)
    x, y = Side(vde, sw1, 1), Side(vde, sw2, 2)
    wait_until(lambda: endpoints(sw1) == 2 and endpoints(sw2) == 2, "plugs to join")
    ws = [threading.Thread(target=s.blast, args=(n,)) for s in (x, y)]
    for w in ws:
        w.start()
    for w in ws:
        w.join(120)
        if w.is_alive():
            sys.exit("a writer is stuck: the cable stopped reading")
    # Frames may be dropped (switches drop on full queues), so keep
    # sending markers until one gets through each way.
    end = time.time() + 30
    while not (x.markers and y.markers):
        if time.time() > end:
            sys.exit("no marker got through (%d -> Y, %d -> X): the cable is stuck"
                     % (y.markers, x.markers))
        x.marker()
        y.marker()
        time.sleep(0.05)
    print("frames delivered: to X %d, to Y %d" % (x.got, y.got))
    for s in (x, y):
        s.p.stdin.close()
        if s.p.wait(20) != 0:
            sys.exit("plug exited %d after stdin EOF" % s.p.returncode)

cmd = sys.argv[1]
if cmd == "make":
    out(b"".join(framed(frame(int(a), int(sys.argv[2]))) for a in sys.argv[3:]))
elif cmd == "garbage":
    for _ in range(int(sys.argv[2])):
        out(b"\xff\xff" + b"junk" * 10)
elif cmd == "until_seen":
    until_seen(sys.argv[2])
elif cmd == "mgmt":
    mgmt(sys.argv[2], sys.argv[3])
elif cmd == "blast":
    blast(*sys.argv[2:5])
EOF
pt() { python3 "$T/plugt.py" "$@"; }

# gone PID: exited (an unreaped zombie counts)
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" = Z ]; }
# endpoints DIR N: the switch in DIR has N endpoint sockets (NNN.FD)
endpoints() { [ "$(find "$1" -maxdepth 1 -name '[0-9][0-9][0-9].*' | wc -l)" -eq "$2" ]; }

# dswitch NAME DIR: Debian's switch on DIR, management socket DIR.mgmt.
# It exits at EOF on stdin, even /dev/null: give it a fifo nobody closes.
dswitch() {
	if [ ! -p "$T/switch.stdin" ]; then
		mkfifo "$T/switch.stdin"
		exec 7<> "$T/switch.stdin"
	fi
	bg "$1" sh -c 'exec "$0" -s "$1" -M "$1.mgmt" < "$2"' "$DSW" "$2" "$T/switch.stdin"
	wait_for test -S "$2.mgmt" || fail "vde_switch $1 did not start"
}

# nofifos CMD...: CMD without the write ends of the plugs' fifos, so
# that closing one in this shell really is EOF for that plug
nofifos() {
	local v
	for v in ${!IN_*}; do eval "exec ${!v}>&-"; done
	"$@"
}

# plug NAME ARGS...: our plug; stdin is the fifo $T/NAME.in, kept open on
# fd $IN_NAME; stdout is appended to $T/NAME.out (so tests may empty
# it), stderr goes to $T/NAME.log.
plug() {
	local name=$1 fd
	shift
	mkfifo "$T/$name.in"
	bg "$name" nofifos sh -c 'exec "$@" < "$0.in" >> "$0.out"' "$T/$name" "$VDE" plug "$@"
	exec {fd}> "$T/$name.in"
	eval "IN_$name=$fd"
}

# ---- tests ----

say "no switch: exit 1 with a message"
"$VDE" plug "$T/nothing" < /dev/null > /dev/null 2> "$T/noswitch.log"; rc=$?
[ $rc -eq 1 ] || fail "plug to a missing switch exited $rc, not 1"
grep -q "$T/nothing" "$T/noswitch.log" || fail "the message does not name the switch: $(cat "$T/noswitch.log")"

say "usage errors: a message, exit 2"
while read -r args; do
	# shellcheck disable=SC2086 # word splitting wanted
	"$VDE" plug $args < /dev/null > /dev/null 2> "$T/usage.err"; rc=$?
	cat "$T/usage.err" >> "$T/usage.log"
	[ $rc -eq 2 ] || fail "vde_plug $args: exit $rc, not 2"
	head -n 1 "$T/usage.err" | grep -Eq '^(vde_)?plug: ' || fail "vde_plug $args: no error message: $(cat "$T/usage.err")"
done <<'EOF'
-x
-p
-p -1 /tmp
-p 1 -g 2
-g 0
-g 256
-m 9 /tmp
/tmp /tmp /tmp
-s /tmp /tmp
EOF

[ -x "$DSW" ] || skip "Debian's vde_switch ($DSW, package vde2) is not installed"

sw=$T/sw
dswitch dsw "$sw"

say "frames of 14, 60 and 1514 bytes arrive byte for byte"
# Our plug's stdout begins with its offer of offloaded frames, three
# empty records (the stream's in-band negotiation; vde2 and vdeplug4
# skip empty records); --nooffload leaves it out.
offer() { printf '\0\0\0\0\0\0'; }
plug a "$sw"
plug b "$sw"
plug n --nooffload "$sw"
wait_for endpoints "$sw" 3 || fail "plugs did not join the switch"
pt make 1 14 60 1514 > "$T/frames"
{ offer; cat "$T/frames"; } > "$T/expect"
cat "$T/frames" >&"$IN_a"
wait_for cmp -s "$T/expect" "$T/b.out" || fail "b got $(wc -c < "$T/b.out") bytes, expected $(wc -c < "$T/expect")"
wait_for cmp -s "$T/frames" "$T/n.out" || fail "--nooffload: n got $(wc -c < "$T/n.out") bytes, expected $(wc -c < "$T/frames") (no offer)"
exec {IN_n}>&- # end of its stdin: it leaves
wait_for endpoints "$sw" 2 || fail "the --nooffload plug did not leave"
pt make 2 14 60 1514 > "$T/frames2"
{ offer; cat "$T/frames2"; } > "$T/expect2"
cat "$T/frames2" >&"$IN_b"
wait_for cmp -s "$T/expect2" "$T/a.out" || fail "a got $(wc -c < "$T/a.out") bytes, expected $(wc -c < "$T/expect2")"

say "a 9236-byte frame is accepted on stdin (vde2 truncates it to 1518)"
: > "$T/b.out"
pt make 1 9236 >&"$IN_a"
pt make 1 9236 | tail -c +3 | head -c 1518 > "$T/trunc"
printf '\x05\xee' | cat - "$T/trunc" > "$T/expect_trunc"
wait_for cmp -s "$T/expect_trunc" "$T/b.out" || { ls -la "$T"; cmp "$T/expect_trunc" "$T/b.out"; od -An -tx1 "$T/b.out" | head -3; fail "the long frame did not arrive as 1518 bytes"; }
grep -q 'length' "$T/a.log" && fail "a 9236-byte frame was reported as a bad length"

say "a bad length header: one message, no crash, the stream resyncs"
: > "$T/b.out"
pt garbage 1 >&"$IN_a"
wait_for grep -q 'frame length' "$T/a.log" || fail "no message for a bad length header"
pt until_seen "$T/b.out" >&"$IN_a" || fail "frames did not get through after a bad header"
pt garbage 200 >&"$IN_a"
pt until_seen "$T/b.out" >&"$IN_a" || fail "frames did not get through after 200 bad headers"
kill -0 "$PID_a" || fail "the plug died on bad input"
n=$(grep -c 'frame length' "$T/a.log")
[ "$n" -lt 100 ] || fail "$n messages for 201 bad headers: not rate-limited"

say "-p 5 and -g 3 connect to ports 5 and 3, and the switch shows them"
plug p5 -p 5 -D port-five "$sw"
plug g3 -g 3 -D group-three "$sw"
wait_for endpoints "$sw" 4 || fail "plugs with -p/-g did not join"
pt mgmt "$sw.mgmt" port/print > "$T/ports"
awk '/^Port /{p=$2} /port-five/{print p}' "$T/ports" | grep -qx 0005 || fail "-p 5 is not on port 5: $(cat "$T/ports")"
awk '/^Port /{p=$2} /group-three/{print p}' "$T/ports" | grep -qx 0003 || fail "-g 3 is not on port 3: $(cat "$T/ports")"
ls "$sw" | grep -q '^005\.' || fail "no 005.* data socket in $sw"

say "a port the switch refuses: exit 1 (vde2 2.3.2 never answers, so after the reply timeout)"
"$VDE" plug -p 500 "$sw" < /dev/null > /dev/null 2> "$T/refused.log"; rc=$?
[ $rc -eq 1 ] || fail "refused port: exit $rc, not 1"
grep -q "$sw" "$T/refused.log" || fail "no message naming the switch: $(cat "$T/refused.log")"

say "stdin EOF: the plug exits 0"
exec {IN_p5}>&-
wait_for gone "$PID_p5" || fail "plug survived stdin EOF"
wait "$PID_p5"; rc=$?
[ $rc -eq 0 ] || fail "plug exited $rc at stdin EOF"

say "the switch goes away: plugs exit 0"
kill "$PID_dsw"
for p in a b g3; do
	eval "pid=\$PID_$p"
	wait_for gone "$pid" || fail "plug $p survived its switch"
	wait "$pid"; rc=$?
	[ $rc -eq 0 ] || fail "plug $p exited $rc when the switch went"
done

if [ -x /usr/bin/vde_plug ]; then
	say "Debian's vde_plug (vdeplug4) and ours speak the same stream, both ways"
	dswitch s3 "$T/s3"
	dswitch s4 "$T/s4"
	bg mixed "$VDE" dpipe /usr/bin/vde_plug "$T/s3" = "$VDE" plug "$T/s4"
	plug c "$T/s3"
	plug d "$T/s4"
	wait_for endpoints "$T/s3" 2 && wait_for endpoints "$T/s4" 2 || fail "plugs did not join"
	pt make 3 14 60 1514 > "$T/frames3"
	{ offer; cat "$T/frames3"; } > "$T/expect3"
	cat "$T/frames3" >&"$IN_c"
	wait_for cmp -s "$T/expect3" "$T/d.out" || fail "vdeplug4 -> our plug: d got $(wc -c < "$T/d.out") bytes"
	pt make 4 14 60 1514 > "$T/frames4"
	{ offer; cat "$T/frames4"; } > "$T/expect4"
	cat "$T/frames4" >&"$IN_d"
	wait_for cmp -s "$T/expect4" "$T/c.out" || fail "our plug -> vdeplug4: c got $(wc -c < "$T/c.out") bytes"
else
	say "(no /usr/bin/vde_plug from Debian's vdeplug: stream interop not tested)"
fi

say "two plugs back to back under dpipe keep moving frames both ways under load"
dswitch s1 "$T/s1"
dswitch s2 "$T/s2"
bg cable "$VDE" dpipe "$VDE" plug "$T/s1" = "$VDE" plug "$T/s2"
wait_for endpoints "$T/s1" 1 && wait_for endpoints "$T/s2" 1 || fail "the cable did not join both switches"
timeout -k 5 240 python3 "$T/plugt.py" blast "$T/s1" "$T/s2" "$VDE" ||
	fail "load through the cable (the cable's processes: $(ps -o pid=,stat=,wchan=,args= --ppid "$PID_cable" | tr '\n' ';'))"
kill -0 "$PID_cable" || fail "the cable died under load"
kill "$PID_s1"
wait_for gone "$PID_cable" || fail "the cable survived one of its switches"
wait "$PID_cable"; rc=$?
[ $rc -eq 0 ] || fail "dpipe exited $rc after a switch went away"

say "ok"
