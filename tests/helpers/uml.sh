# tests/helpers/uml.sh - boot Debian's User-mode Linux guest with the host's
# / as a read-only hostfs root (no disk image).  Source after lib.sh.
#   uml_init IFACE GUEST-ADDR HOST-ADDR   writes $T/init.sh, the guest's
#       PID 1: configures IFACE, pings HOST-ADDR, prints UML-PINGED-HOST
#       yes|no, waits (bounded) until the host pinged it back, prints
#       UML-WAS-PINGED N, powers off
#   uml_boot NAME NET-SPEC...             boots a guest in the background
#       as bg NAME (log $T/NAME.log) with those network arguments
UML=$(command -v linux || command -v linux.uml) || skip "user-mode-linux not installed (apt-get install user-mode-linux)"

uml_init() {
	cat > "$T/init.sh" <<EOF
#!/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
ip link set lo up
ip link set $1 up
ip addr add $2/24 dev $1
ok=no
for i in \$(seq 30); do
	if ping -n -c 1 -W 1 $3 > /dev/null 2>&1; then ok=yes; break; fi
done
echo "UML-PINGED-HOST \$ok"
got=0
for i in \$(seq 300); do
	got=\$(awk '/^Icmp: In/ { for (i = 2; i <= NF; i++) if (\$i == "InEchos") f = i; next }
		/^Icmp: / { print \$f; exit }' /proc/net/snmp)
	[ "\$got" -gt 0 ] && break
	sleep 0.1
done
echo "UML-WAS-PINGED \$got"
echo o > /proc/sysrq-trigger
EOF
	chmod 755 "$T/init.sh"
}

uml_boot() {
	local name=$1; shift
	mkdir -p "$T/uml-$name"
	bg "$name" timeout -k 5 180 "$UML" mem=64M "uml_dir=$T/uml-$name" \
		root=/dev/root rootfstype=hostfs rootflags=/ ro "init=$T/init.sh" \
		con=null con0=fd:0,fd:1 "$@"
}
