#!/bin/bash
# t_ssh.sh - a remote cable over a real ssh, as the vde2 manual has it:
#   dpipe vde_plug SW1 = ssh HOST vde_plug SW2
# Two namespaces joined by a veth pair play two hosts; host B runs its
# own sshd (key authentication, a throwaway key) on its veth address.
# Each host has a switch with a tap; the taps ping each other through
# the ssh cable.  The remote plug's description carries SSH=<client>.
# Then the ssh client is killed with SIGKILL: both plugs end and both
# switches free the cable's port.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/robust.sh"
need ip ping ssh ssh-keygen unshare /usr/sbin/sshd
getent passwd sshd > /dev/null || skip "no sshd privilege separation user"

nsa=$(mkns hosta)
nsb=$(mkns hostb)
ip link add vs$$a type veth peer name vs$$b || fail "ip link add veth"
ip link set vs$$a netns "$nsa" && ip link set vs$$b netns "$nsb" || fail "moving the veth ends"
ip -n "$nsa" addr add 10.99.0.1/24 dev vs$$a && ip -n "$nsa" link set vs$$a up
ip -n "$nsb" addr add 10.99.0.2/24 dev vs$$b && ip -n "$nsb" link set vs$$b up

say "sshd on host B (10.99.0.2:2222), key authentication only"
k=$T/ssh
mkdir -m 700 "$k"
ssh-keygen -q -t ed25519 -N '' -f "$k/host" || fail "ssh-keygen host key"
ssh-keygen -q -t ed25519 -N '' -f "$k/id" || fail "ssh-keygen user key"
cp "$k/id.pub" "$k/authorized_keys"
cat > "$k/sshd_config" <<EOF
Port 2222
ListenAddress 10.99.0.2
HostKey $k/host
AuthorizedKeysFile $k/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PidFile $k/sshd.pid
PrintMotd no
AllowTcpForwarding no
X11Forwarding no
LogLevel VERBOSE
EOF
# sshd needs an empty /run/sshd: give it its own /run in a private
# mount namespace instead of touching the host's
bg sshd ip netns exec "$nsb" unshare -m --propagation private sh -c \
	'mount -t tmpfs -o mode=755 vdet-run /run && mkdir -m 755 /run/sshd && exec /usr/sbin/sshd -D -e -f "$1"' sh "$k/sshd_config"
sshcmd=(ssh -F /dev/null -i "$k/id" -p 2222 -o BatchMode=yes -o StrictHostKeyChecking=no
	-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR root@10.99.0.2)
wait_for -t 20 ip netns exec "$nsa" "${sshcmd[@]}" true ||
	fail "cannot ssh into host B: $(tail -n 5 "$T/sshd.log")"

say "a switch with a tap on each host"
d1=$T/swa
d2=$T/swb
bg swa ip netns exec "$nsa" "$VDE" switch -s "$d1" --nostdin -t vdetapa
bg swb ip netns exec "$nsb" "$VDE" switch -s "$d2" --nostdin -t vdetapb
wait_for test -S "$d1/ctl" || fail "switch A did not start: $(cat "$T/swa.log")"
wait_for test -S "$d2/ctl" || fail "switch B did not start: $(cat "$T/swb.log")"
ip -n "$nsa" addr add 192.168.77.1/24 dev vdetapa && ip -n "$nsa" link set vdetapa up
ip -n "$nsb" addr add 192.168.77.2/24 dev vdetapb && ip -n "$nsb" link set vdetapb up

say "dpipe vde_plug SWA = ssh B vde_plug SWB"
bg cable ip netns exec "$nsa" "$BIN/dpipe" "$BIN/vde_plug" -d local-end "$d1" = "${sshcmd[@]}" "$BIN/vde_plug" -d remote-end "$d2"
wait_for -t 20 grep -q "joined (local-end" "$T/swa.log" || fail "local plug did not join: $(cat "$T/cable.log")"
wait_for -t 20 grep -q "joined (remote-end" "$T/swb.log" || fail "remote plug did not join: $(cat "$T/cable.log")"
grep "joined (remote-end" "$T/swb.log" | grep -q "SSH=10.99.0.1" ||
	fail "the remote plug's description lacks SSH=10.99.0.1: $(grep 'joined (remote-end' "$T/swb.log")"

say "the taps ping each other through the ssh cable"
wait_for -t 30 ip netns exec "$nsa" ping -c 1 -W 1 192.168.77.2 || fail "no ping from A to B through ssh"
ip netns exec "$nsb" ping -c 5 -i 0.2 -W 2 192.168.77.1 > "$T/ping.log" || fail "no ping from B to A: $(cat "$T/ping.log")"
ip netns exec "$nsa" ping -c 3 -s 1400 -W 2 192.168.77.2 > "$T/ping.log" || fail "no 1400-byte pings: $(cat "$T/ping.log")"

say "SIGKILL to the ssh client: both plugs end, both switches free the port"
sshpid=$(pgrep -P "$PID_cable" -x ssh)
[ -n "$sshpid" ] || fail "no ssh process under dpipe $PID_cable"
kill -9 "$sshpid"
left() { grep "($2 user=" "$1" | tail -n 1 | grep -qv joined; }
wait_for -t 30 left "$T/swa.log" local-end || fail "switch A kept the cable's port"
wait_for -t 30 left "$T/swb.log" remote-end || fail "switch B kept the port of the remote plug (orphaned on host B?)"
wait_for -t 30 sh -c "! kill -0 $PID_cable" || fail "dpipe still running"
ip netns exec "$nsa" ping -c 1 -W 1 192.168.77.2 > /dev/null && fail "ping still works without the cable"
exit 0
