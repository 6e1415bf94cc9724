#!/bin/bash
# t_nixos.sh - NixOS's test driver starts the switch exactly so:
#
# - today's driver (nixos/lib/test-driver/src/test_driver/vlan.py):
#   "vde_switch --sock DIR --dirmode 0700 --hub" with stdin and stdout
#   pipes (python3 subprocess, text, line buffered), writes "showinfo",
#   reads lines (non-blocking, select) for at most 5 s until one has
#   "1000 Success", checks DIR/ctl, runs "vde_plug2tap -s DIR vde-tapN";
#   at the end it closes the switch's stdin, terminates the plug, then
#   the switch.  Here the taps sit in namespaces made by the test (so
#   their names are the driver's without clashing with anything) and
#   ping each other; after stdin is closed they ping again: the switch
#   keeps serving (vde2 exits there).
# - the older driver (test_driver/vlan.py before 2024): stdin a pty from
#   os.openpty() that is not the switch's terminal, stdout and stderr
#   pipes, "version" written to the pty, one line read from stdout.
#
# The same sequence runs against Debian's vde_switch, to check the test
# itself (without the part after EOF: vde2 exits).  vde_plug2tap is ours
# when the binary has it, else Debian's.
. "$(dirname "$0")/lib.sh"
need ip ping python3
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
[ "$(id -u)" -eq 0 ] || skip "needs root for taps and namespaces"

if "$VDE" --list | grep -qx vde_plug2tap; then
	plug2tap=$BIN/vde_plug2tap
elif [ -x /usr/bin/vde_plug2tap ]; then
	plug2tap=/usr/bin/vde_plug2tap
else
	skip "no vde_plug2tap (ours or Debian's vde2)"
fi
say "vde_plug2tap: $plug2tap"

cat > "$T/driver.py" <<'EOF'
"""driver.py SWITCH DIR PLUG2TAP NS1 NS2 after_eof: the current NixOS
VLan class, step by step, with two taps (one per namespace) pinging."""
import datetime as dt, fcntl, os, select, subprocess, sys, time

switch, sock_dir, plug2tap, ns1, ns2, after_eof = sys.argv[1:7]

def readline_with_timeout(readable, timeout):
    # as the driver: non-blocking, select, then every buffered line
    fd = readable.fileno()
    og_flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, og_flags | os.O_NONBLOCK)
    try:
        while True:
            ready, _, _ = select.select([readable], [], [], timeout.total_seconds())
            if len(ready) == 0:
                raise TimeoutError()
            while line := readable.readline():
                yield line
    finally:
        fcntl.fcntl(fd, fcntl.F_SETFL, og_flags)

def sh(*cmd):
    return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0

def pings(ns, addr):
    end = time.monotonic() + 20
    while not sh("ip", "netns", "exec", ns, "ping", "-n", "-c", "1", "-W", "1", addr):
        if time.monotonic() > end:
            sys.exit("FAIL: %s cannot ping %s" % (ns, addr))

def tap_up(ns, name, addr):
    end = time.monotonic() + 20
    while not sh("ip", "-n", ns, "link", "show", name):
        if time.monotonic() > end:
            sys.exit("FAIL: vde_plug2tap made no %s in %s" % (name, ns))
        time.sleep(0.05)
    if not (sh("ip", "-n", ns, "addr", "add", addr, "dev", name) and sh("ip", "-n", ns, "link", "set", name, "up")):
        sys.exit("FAIL: cannot configure %s" % name)

process = subprocess.Popen([switch, "--sock", sock_dir, "--dirmode", "0700", "--hub"],
                           bufsize=1, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None, text=True)
plugs = []
try:
    process.stdin.write("showinfo\n")
    try:
        for line in readline_with_timeout(process.stdout, timeout=dt.timedelta(seconds=5)):
            if "1000 Success" in line:
                break
    except TimeoutError:
        sys.exit("FAIL: no '1000 Success' within 5 s of showinfo")
    # the driver: plug first, then the check that ctl exists
    for ns, name in ((ns1, "vde-tap0"), (ns2, "vde-tap1")):
        plugs.append(subprocess.Popen(["ip", "netns", "exec", ns, plug2tap, "-s", sock_dir, name],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    if not os.path.exists(os.path.join(sock_dir, "ctl")):
        sys.exit("FAIL: cannot start vde_switch (no ctl)")
    if oct(os.stat(sock_dir).st_mode & 0o777) != "0o700":
        sys.exit("FAIL: --dirmode 0700 gave %s" % oct(os.stat(sock_dir).st_mode))
    tap_up(ns1, "vde-tap0", "192.168.1.1/24")
    tap_up(ns2, "vde-tap1", "192.168.1.2/24")
    pings(ns1, "192.168.1.2")
    pings(ns2, "192.168.1.1")
    print("# pinged through the switch")
    if after_eof == "1":
        process.stdin.close()      # VLan.stop() begins so
        end = time.monotonic() + 2
        while time.monotonic() < end and process.poll() is None:
            time.sleep(0.05)        # give an exiting switch (vde2's way) the chance to show it
        if process.poll() is not None:
            sys.exit("FAIL: the switch exited (%d) when its stdin closed" % process.returncode)
        pings(ns1, "192.168.1.2")
        print("# stdin closed: still pinging")
        for p in plugs:
            p.terminate(); p.wait()
        process.terminate()
        if process.wait(20) != 0:
            sys.exit("FAIL: the switch exited %d on SIGTERM" % process.returncode)
finally:
    for p in plugs:
        if p.poll() is None:
            p.terminate(); p.wait()
    if process.poll() is None:
        process.terminate(); process.wait()
EOF

cat > "$T/olddriver.py" <<'EOF'
"""olddriver.py SWITCH DIR: the pre-2024 NixOS VLan: stdin a pty that is
not the switch's terminal, "version" written to it, one line read."""
import os, pty, select, subprocess, sys
switch, sock_dir = sys.argv[1:3]
pty_master, pty_slave = pty.openpty()
process = subprocess.Popen([switch, "-s", sock_dir, "--dirmode", "0700", "--hub"],
                           stdin=pty_slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, shell=False)
fd = os.fdopen(pty_master, "w")
fd.write("version\n")
fd.flush()
# The driver blocks in readline() here; a test waits a bounded time.
if not select.select([process.stdout], [], [], 20)[0]:
    process.kill()
    sys.exit("FAIL: no reply to 'version' on stdout")
line = process.stdout.readline()
if line != b"1038 Function not implemented\n":
    process.kill()
    sys.exit("FAIL: 'version' answered %r" % line)
if not os.path.exists(os.path.join(sock_dir, "ctl")):
    sys.exit("FAIL: cannot start vde_switch")
# vde2 wrote its prompt to stdin, the pty: so do we
echo = b""
while b"vde$ " not in echo and select.select([pty_master], [], [], 20)[0]:
    echo += os.read(pty_master, 4096)
if b"\nvde$ " not in echo:
    sys.exit("FAIL: no prompt on the pty: %r" % echo)
fd.close()
process.terminate()
process.wait()
EOF

run_driver() { # NAME SWITCH AFTER_EOF
	local ns1 ns2
	ns1=$(mkns "$1-a") ns2=$(mkns "$1-b")
	python3 "$T/driver.py" "$2" "$T/$1/vde1.ctl" "$plug2tap" "$ns1" "$ns2" "$3" 2> "$T/$1.log" ||
		fail "$1: $(grep FAIL "$T/$1.log" || tail -n 5 "$T/$1.log")"
}
mkdir "$T/ours" "$T/vde2" "$T/old" "$T/oldvde2"

say "today's driver against our switch: pipes, showinfo, 1000 Success, vde_plug2tap, ping; stdin closed, ping"
run_driver ours "$BIN/vde_switch" 1
say "the older driver (a pty that is not the switch's terminal, 'version') against ours"
python3 "$T/olddriver.py" "$BIN/vde_switch" "$T/old/vde1.ctl" 2> "$T/old.log" || fail "old driver: $(cat "$T/old.log")"

if [ -x /usr/bin/vde_switch ]; then
	say "the same against Debian's vde_switch (checks the test; vde2 exits at EOF, so no ping after it)"
	run_driver vde2 /usr/bin/vde_switch 0
	python3 "$T/olddriver.py" /usr/bin/vde_switch "$T/oldvde2/vde1.ctl" 2> "$T/oldvde2.log" ||
		fail "old driver with Debian's switch: $(cat "$T/oldvde2.log")"
else
	say "Debian's vde_switch not installed: the test's own check skipped"
fi
exit 0
