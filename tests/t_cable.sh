#!/bin/bash
# t_cable.sh - switches joined by cables, the README's recipes:
#   dpipe vde_plug SW1 = vde_plug SW2             (two switches)
#   a chain of three switches
#   dpipe vde_plug SW1 = ssh HOST vde_plug SW2    (remote, over sshd on
#                                                  127.0.0.1 started here)
#   vde_plug -g N: a second cable in the same group, then drop the first;
#   a TCP connection lives through the hand-off
# Each end is a tap of a switch moved into its own namespace; ping.
. "$(dirname "$0")/lib.sh"
need ip ping python3
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
[ "$(id -u)" -eq 0 ] || skip "needs root for taps and namespaces"
PATH=$BIN:$PATH # vde_plug and dpipe are ours

t1=vt$$a t2=vt$$b t3=vt$$c
start_switch s1 "$T/s1" -tap "$t1"
start_switch s2 "$T/s2"
start_switch s3 "$T/s3" -tap "$t3"
n1=$(mkns one) n3=$(mkns three)
tap_into "$n1" "$t1" 10.199.2.1/24
tap_into "$n3" "$t3" 10.199.2.3/24

say "chain of three switches: s1 = s2 = s3"
bg c12 dpipe vde_plug "$T/s1" = vde_plug "$T/s2"
bg c23 dpipe vde_plug "$T/s2" = vde_plug "$T/s3"
pings "$n1" 10.199.2.3 || fail "s1 -> s3 through s2"
pings "$n3" 10.199.2.1 || fail "s3 -> s1 through s2"

say "two switches joined directly: s1 = s3"
kill "$PID_c12" "$PID_c23"; wait "$PID_c12" "$PID_c23" 2>/dev/null
bg c13 dpipe vde_plug "$T/s1" = vde_plug "$T/s3"
ip -n "$n1" neigh flush all; ip -n "$n3" neigh flush all
pings "$n1" 10.199.2.3 || fail "s1 -> s3 direct"
pings "$n3" 10.199.2.1 || fail "s3 -> s1 direct"
kill "$PID_c13"; wait "$PID_c13" 2>/dev/null
# a cable that is gone carries nothing: both plugs left their switches
wait_for sh -c "[ \$(ls '$T/s1' | grep -c '^[0-9]') -eq 0 ]" || fail "s1 keeps a dead cable's port: $(ls "$T/s1")"

say "mobility: cable group 20 (= port 20), second cable added, first one dropped"
cat > "$T/echo.py" <<'EOF'
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5002)); s.listen(1)
open(sys.argv[2], "w").close()
c, _ = s.accept()
f = c.makefile("rwb", buffering=0)
for line in f:
    f.write(line)
EOF
cat > "$T/talk.py" <<'EOF'
import os, socket, sys, time
s = socket.create_connection((sys.argv[1], 5002), timeout=30)
f = s.makefile("rwb", buffering=0)
def say(word):
    f.write(word + b"\n")
    got = f.readline()
    if got != word + b"\n":
        sys.exit("echo of %r came back as %r" % (word, got))
say(b"before")
open(sys.argv[2], "w").close()  # first exchange done
while not os.path.exists(sys.argv[3]):  # the test moves the cable
    time.sleep(0.05)
say(b"after")
print("connection survived")
EOF
bg g1 dpipe vde_plug -g 20 "$T/s1" = vde_plug -g 20 "$T/s3"
pings "$n1" 10.199.2.3 || fail "cable in group 20 does not work"
bg echo ip netns exec "$n3" python3 "$T/echo.py" 10.199.2.3 "$T/echo.ready"
wait_for test -e "$T/echo.ready" || fail "echo server"
bg talk ip netns exec "$n1" python3 "$T/talk.py" 10.199.2.3 "$T/talk.before" "$T/talk.moved"
wait_for test -e "$T/talk.before" || fail "first exchange over cable 1"
bg g2 dpipe vde_plug -g 20 "$T/s1" = vde_plug -g 20 "$T/s3"
# both cables on port 20 of each switch: wait until s1 has two endpoints there
wait_for sh -c "[ \$(ls '$T/s1' | grep -c '^020\.') -eq 2 ]" || fail "second cable did not join port 20: $(ls "$T/s1")"
kill "$PID_g1"; wait "$PID_g1" 2>/dev/null
wait_for sh -c "[ \$(ls '$T/s1' | grep -c '^020\.') -eq 1 ]" || fail "first cable did not leave"
touch "$T/talk.moved"
wait "$PID_talk" || fail "TCP connection broke in the hand-off: $(cat "$T/talk.log")"
pings "$n3" 10.199.2.1 || fail "no ping over the second cable"
kill "$PID_g2" "$PID_echo"; wait "$PID_g2" "$PID_echo" 2>/dev/null

say "remote: dpipe vde_plug = ssh 127.0.0.1 vde_plug"
if ! command -v sshd >/dev/null && [ ! -x /usr/sbin/sshd ]; then
	say "skipping the ssh recipe: no sshd"
	exit 0
fi
mkdir -p /run/sshd "$T/ssh"
ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/host" || fail "ssh-keygen host"
ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/user" || fail "ssh-keygen user"
cp "$T/ssh/user.pub" "$T/ssh/authorized_keys"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
bg sshd /usr/sbin/sshd -D -e -p "$port" -o ListenAddress=127.0.0.1 -h "$T/ssh/host" \
	-o AuthorizedKeysFile="$T/ssh/authorized_keys" -o StrictModes=no -o UsePAM=no \
	-o PermitRootLogin=prohibit-password -o PidFile=none
ssh_cmd="ssh -p $port -i $T/ssh/user -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR root@127.0.0.1"
wait_for $ssh_cmd true || fail "sshd on 127.0.0.1:$port does not let us in: $(cat "$T/sshd.log")"
bg remote dpipe vde_plug "$T/s1" = $ssh_cmd "$BIN/vde_plug" "$T/s3"
ip -n "$n1" neigh flush all; ip -n "$n3" neigh flush all
pings "$n1" 10.199.2.3 || fail "s1 -> s3 over ssh"
pings "$n3" 10.199.2.1 || fail "s3 -> s1 over ssh"
kill "$PID_remote"; wait "$PID_remote" 2>/dev/null
# the remote plug ends when its ssh session does
wait_for sh -c "[ \$(ls '$T/s3' | grep -c '^[0-9]') -eq 0 ]" || fail "remote vde_plug outlived its ssh: $(ls "$T/s3")"
exit 0
