#!/bin/bash
# t_vnl_seqpacket.sh - seqpacket://FD as libvdeplug4_static uses it, with a
# real caller: Debian's user-mode-linux is built with libvdeplug4_static,
# so its eth0=vde transport makes a SOCK_SEQPACKET socketpair and execs
#   vde_plug --descr DESCR --port2 PORT --mod2 0700 seqpacket://FD VNL
# by name, from PATH.  Our vde_plug is first in PATH; the guest asks for
# port 5 with description uml-seq, pings a tap of our switch in a
# namespace and is pinged back.  The helper that joined the switch must
# be ours, on port 5, and it must end with the guest.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vnl.sh"
need_root_taps
need strings
. "$(dirname "$0")/helpers/uml.sh"
strings "$UML" | grep -qx 'seqpacket://' && strings "$UML" | grep -qx -- '--port2' ||
	skip "$UML is not built with libvdeplug4_static (it would not exec vde_plug seqpacket://FD)"

tap=vt$$q
d=$T/sw
our_switch sw "$d" -tap "$tap"
tapns host "$tap" 10.199.28.1/24
mkdir "$T/path"
ln -s "$OURS" "$T/path/vde_plug"
uml_init eth0 10.199.28.2 10.199.28.1

say "boot UML with eth0=vde,vde://$d,,5,,,uml-seq and PATH=$T/path:..."
PATH=$T/path:$PATH uml_boot guest "eth0=vde,vde://$d,02:00:00:c4:02:01,5,,,uml-seq"
wait_for -t 120 grep -q "joined (uml-seq" "$T/sw.log" ||
	fail "the guest's vde_plug did not join the switch: $(grep -iE 'eth0|vde|error|panic' "$T/guest.log" | tail -n 5)"
line=$(grep "joined (uml-seq" "$T/sw.log" | tail -n 1)
case $line in *"port 5:"*) ;; *) fail "--port2 5 did not land on port 5: $line" ;; esac
pid=$(echo "$line" | sed -n 's/.* pid=\([0-9]*\).*/\1/p')
[ -n "$pid" ] || fail "no pid in the description: $line"
exe=$(readlink "/proc/$pid/exe")
[ "$exe" = "$(readlink -f "$OURS")" ] || fail "the vde_plug UML ran is $exe, not ours ($(readlink -f "$OURS"))"
tr '\0' ' ' < "/proc/$pid/cmdline" > "$T/cmdline"
grep -q -- "--descr uml-seq --port2 5 .*seqpacket://[0-9]* vde://$d" "$T/cmdline" ||
	fail "not the libvdeplug4_static command line: $(cat "$T/cmdline")"
say "UML ran: $(cat "$T/cmdline")"
wait_for -t 120 grep -q "UML-PINGED-HOST" "$T/guest.log" ||
	fail "guest did not come up: $(grep -iE 'eth0|vde|error|panic' "$T/guest.log" | tail -n 5)"
grep -q "UML-PINGED-HOST yes" "$T/guest.log" || fail "the guest could not ping the host's tap"
ip -n "$NS_host" neigh flush all
pings "$NS_host" 10.199.28.2 || fail "the host's tap cannot ping the guest"
wait "$PID_guest"
grep -q "UML-WAS-PINGED [1-9]" "$T/guest.log" || fail "the guest did not see the host's ping"
wait_for sh -c "! kill -0 $pid" || fail "our vde_plug $pid outlived the guest"
wait_for holds "$d" 0 || fail "the switch kept the guest's port: $(ls "$d")"
exit 0
