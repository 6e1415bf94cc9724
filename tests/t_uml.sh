#!/bin/bash
# t_uml.sh - a real User-mode Linux guest on our switch (Debian's
# user-mode-linux package, /usr/bin/linux).  The guest boots with the
# host's / as a read-only hostfs root, so no disk image is needed; its
# init script configures eth0, pings a tap of the switch that sits in a
# namespace, and powers off once it has been pinged back.
#   eth0=daemon,...,unix,DIR/ctl   UML's own client: the 124-byte request
#                                  with a 108-byte abstract address
#   eth0=daemon on a VDE1-style plain control socket file
#   eth0=vde,DIR                   UML's libvdeplug transport
. "$(dirname "$0")/lib.sh"
need ip ping python3
UML=$(command -v linux || command -v linux.uml) || skip "user-mode-linux not installed (apt-get install user-mode-linux)"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
[ "$(id -u)" -eq 0 ] || skip "needs root for taps and namespaces"

tap=vt$$u
d=$T/sw
start_switch sw "$d" -tap "$tap"
ns=$(mkns uml)
tap_into "$ns" "$tap" 10.199.4.1/24

# The guest's init, run as PID 1 inside UML.  It reads $T through hostfs.
cat > "$T/init.sh" <<'EOF'
#!/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
ip link set lo up
ip link set eth0 up
ip addr add 10.199.4.2/24 dev eth0
ok=no
for i in $(seq 30); do
	if ping -n -c 1 -W 1 10.199.4.1 > /dev/null 2>&1; then ok=yes; break; fi
done
echo "UML-PINGED-HOST $ok"
# Wait (bounded) until the host has pinged us: ICMP InEchos counts it.
got=0
for i in $(seq 300); do
	got=$(awk '/^Icmp: In/ { for (i = 2; i <= NF; i++) if ($i == "InEchos") f = i; next }
		/^Icmp: / { print $f; exit }' /proc/net/snmp)
	[ "$got" -gt 0 ] && break
	sleep 0.1
done
echo "UML-WAS-PINGED $got"
echo o > /proc/sysrq-trigger
EOF
chmod 755 "$T/init.sh"

# boot NAME ETH0-SPEC: boot a guest, wait for its ping, ping it back,
# wait for it to power off
boot() {
	local name=$1 eth=$2
	mkdir -p "$T/uml-$name"
	bg "$name" timeout -k 5 180 "$UML" mem=64M "uml_dir=$T/uml-$name" \
		root=/dev/root rootfstype=hostfs rootflags=/ ro "init=$T/init.sh" \
		con=null con0=fd:0,fd:1 "eth0=$eth"
	wait_for -t 120 grep -q "UML-PINGED-HOST" "$T/$name.log" ||
		fail "$name: guest did not come up: $(grep -iE 'eth0|daemon|vde|error|panic' "$T/$name.log" | tail -5)"
	grep -q "UML-PINGED-HOST yes" "$T/$name.log" || fail "$name: guest could not ping the host"
	ip -n "$ns" neigh flush all
	pings "$ns" 10.199.4.2 || fail "$name: host cannot ping the guest"
	local pid
	eval "pid=\$PID_$name"
	wait "$pid"
	grep -q "UML-WAS-PINGED [1-9]" "$T/$name.log" || fail "$name: guest did not see the host's ping"
}

say "UML eth0=daemon on DIR/ctl (124-byte request, abstract address)"
boot daemon "daemon,02:00:00:c4:00:01,unix,$d/ctl"
grep -q "daemon backend (uml_switch version 3) - unix:$d/ctl" "$T/daemon.log" || fail "not the daemon transport"
wait_for sh -c "! ls '$d' | grep -q '^[0-9]'" || fail "guest's endpoint outlived it: $(ls "$d")"

say "UML eth0=vde,DIR (libvdeplug inside UML)"
boot vde "vde,$d,02:00:00:c4:00:02"
grep -q "vde backend" "$T/vde.log" || fail "not the vde transport"

say "UML eth0=daemon on a VDE1 plain socket file"
kill "$PID_sw"; wait "$PID_sw"
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/uml.ctl" || fail "stale socket"
wait_for sh -c "! ip -n $ns link show $tap" || fail "old tap still there"
bg plain "$VDE" switch -s "$T/uml.ctl" -tap "$tap"
wait_for ip link show "$tap" || fail "plain-socket switch made no tap: $(cat "$T/plain.log")"
tap_into "$ns" "$tap" 10.199.4.1/24
boot vde1 "daemon,02:00:00:c4:00:03,unix,$T/uml.ctl"
exit 0
