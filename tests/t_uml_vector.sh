#!/bin/bash
# t_uml_vector.sh - User-mode Linux's vector VDE transport with our vde_plug:
#   linux ... vec0:transport=vde,vnl=vde://DIR
# The kernel makes a SOCK_SEQPACKET socketpair, then forks and execs
# "vde_plug" from PATH with --descr TEXT seqpacket://FD vde://DIR (what
# libvdeplug4_static does too).  Our vde_plug is first in PATH; the
# guest (Debian's user-mode-linux, hostfs root) pings a tap of our
# switch in a namespace and is pinged back.  The process that joined the
# switch must be ours, and it must end with the guest.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vnl.sh"
need_root_taps
need strings
. "$(dirname "$0")/helpers/uml.sh"
# The vector driver's vde transport takes vnl=; a kernel without it
# (Debian 12's 6.1: raw, tap, hybrid, gre, l2tpv3, bess, fd) has no
# "vnl" string.  Its seqpacket:// and --descr strings belong to the old
# eth0=vde driver (libvdeplug4_static), which t_vnl_seqpacket.sh covers.
strings "$UML" | grep -qx vnl ||
	skip "$UML ($("$UML" --version 2>/dev/null | head -n 1)) has no vector vde transport (vecN:transport=vde,vnl=...)"

tap=vt$$v
d=$T/sw
our_switch sw "$d" -tap "$tap"
tapns host "$tap" 10.199.27.1/24
mkdir "$T/path"
ln -s "$OURS" "$T/path/vde_plug"
uml_init vec0 10.199.27.2 10.199.27.1

say "boot UML with vec0:transport=vde,vnl=vde://$d, PATH=$T/path:..."
PATH=$T/path:$PATH uml_boot guest "vec0:transport=vde,vnl=vde://$d"
wait_for -t 120 grep -q "joined (" "$T/sw.log" ||
	fail "no vde_plug joined the switch: $(grep -iE 'vec|vde|error|panic' "$T/guest.log" | tail -n 5)"
# the plug that joined: its pid is in the description (user=... pid=N)
pid=$(grep "joined (" "$T/sw.log" | tail -n 1 | sed -n 's/.* pid=\([0-9]*\).*/\1/p')
[ -n "$pid" ] || fail "no pid in the description: $(grep 'joined (' "$T/sw.log")"
exe=$(readlink "/proc/$pid/exe")
[ "$exe" = "$(readlink -f "$OURS")" ] || fail "the vde_plug UML ran is $exe, not ours ($(readlink -f "$OURS"))"
tr '\0' ' ' < "/proc/$pid/cmdline" > "$T/cmdline"
grep -q -- "seqpacket://[0-9]" "$T/cmdline" || fail "UML did not pass seqpacket://FD: $(cat "$T/cmdline")"
say "UML ran: $(cat "$T/cmdline")"
wait_for -t 120 grep -q "UML-PINGED-HOST" "$T/guest.log" ||
	fail "guest did not come up: $(grep -iE 'vec|vde|error|panic' "$T/guest.log" | tail -n 5)"
grep -q "UML-PINGED-HOST yes" "$T/guest.log" || fail "the guest could not ping the host's tap"
pings "$NS_host" 10.199.27.2 || fail "the host's tap cannot ping the guest"
wait "$PID_guest"
grep -q "UML-WAS-PINGED [1-9]" "$T/guest.log" || fail "the guest did not see the host's ping"
wait_for sh -c "! kill -0 $pid" || fail "our vde_plug $pid outlived the guest"
wait_for holds "$d" 0 || fail "the switch kept the guest's port: $(ls "$d")"
exit 0
