#!/bin/bash
# t_ifupdown.sh - Debian's ifupdown hook for vde2 (/etc/network/if-pre-up.d/vde2)
# with its "vde2-plug" stanza, running our vde_plug in place of
# /usr/bin/vde_plug.  The hook starts, in the background,
#   /usr/bin/dpipe /usr/bin/vde_plug -g vde2-net -m 660 /var/run/vde2/IFACE.ctl = CMD...
# Everything happens in a network namespace and a private mount
# namespace made here: /run is a tmpfs, /dev/net/tun a new node that user
# vde2-net may open, /usr/bin/vde_plug is covered by a script that runs
# ours (keeping its stderr in a log), if-up.d and if-down.d are masked;
# the real system is untouched.
# The switch on /var/run/vde2/IFACE.ctl is Debian's vde_switch run as the
# unprivileged user vde2-net, on a tap that user owns, its directory
# without the set-group-id bit (--dirmode 0770): it can connect back to
# the plug only if the plug's data socket grants group vde2-net read and
# write (-g vde2-net -m 660).  CMD is Debian's vde_plug into a second
# switch whose tap is in another namespace.
#   ifup: the plug joins, the switch's data socket for it has mode 660
#   (vdeplug4 chmods it to -m), and IFACE pings through the cable
#   SIGTERM to the plug (Debian's ifdown cannot stop it, see below): the
#   plug, the command and dpipe end, the far switch frees the port
#   (ours only) the hook with a GROUP that does not exist (a copy with
#   its GROUP= line changed, bound over it): the plug fails with one
#   line and status 1 or 2; ifup still returns 0 (start-stop-daemon
#   --background cannot see the plug's status): said, not required
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vnl.sh"
need_root_taps
need_their_plug vde
need_their_switch
need ifup ifdown unshare nsenter setpriv start-stop-daemon
hook=/etc/network/if-pre-up.d/vde2
[ -x "$hook" ] && [ -x /etc/network/if-post-down.d/vde2 ] || skip "Debian vde2's ifupdown hooks missing"
grep -q 'IF_VDE2_PLUG' "$hook" || skip "$hook has no vde2-plug stanza"
[ -x /usr/bin/slirpvde ] || skip "the hook does nothing without /usr/bin/slirpvde (vde2)"
[ -x /usr/bin/dpipe ] || skip "the hook needs /usr/bin/dpipe (vdeplug)"
[ -x /usr/sbin/vde_tunctl ] || skip "vde_tunctl (vde2) missing"
getent group vde2-net > /dev/null && getent passwd vde2-net > /dev/null || skip "no vde2-net user and group (vde2's postinst)"
grep -q '^VDE_PLUG=/usr/bin/vde_plug$' "$hook" || skip "the hook does not run /usr/bin/vde_plug"

iface=vi$$
ctl=/var/run/vde2/$iface.ctl
# The plug under test, called by the cover script.  With OURS Debian's
# (validating the test), a copy: the cover hides /usr/bin/vde_plug.
cp /usr/bin/vde_plug "$T/theirs" || fail "copy Debian's vde_plug"
target=$(readlink -f "$OURS")
[ "$target" = /usr/bin/vde_plug ] && target=$T/theirs
cat > "$T/cover" <<EOF
#!/bin/bash
exec 2>> "$T/plug-stderr.log"
export ASAN_OPTIONS='$ASAN_OPTIONS' UBSAN_OPTIONS='$UBSAN_OPTIONS'
exec -a vde_plug "$target" "\$@"
EOF
chmod 755 "$T/cover"
mkdir -m 755 "$T/empty"

say "the far switch: ours, its tap in a namespace"
our_switch far "$T/far" -tap vf$$
tapns far vf$$ 10.199.26.2/24

say "a namespace with a private /run, /usr/bin/vde_plug covered by ours"
ns=$(mkns ifup)
bg holder ip netns exec "$ns" unshare -m --propagation private sh -ec '
	mount -t tmpfs -o mode=755 vdet-run /run
	mount --bind "$1" /usr/bin/vde_plug
	mount --bind "$2" /etc/network/if-up.d
	mount --bind "$2" /etc/network/if-down.d
	mount -t tmpfs -o mode=755 vdet-devnet /dev/net
	mknod -m 666 /dev/net/tun c 10 200
	echo ready
	exec sleep infinity' sh "$T/cover" "$T/empty"
wait_for grep -q ready "$T/holder.log" || fail "namespace set-up: $(cat "$T/holder.log")"
inns() { nsenter -t "$PID_holder" -m -n -- "$@"; }
inns cmp -s /usr/bin/vde_plug "$T/cover" || fail "/usr/bin/vde_plug is not covered in the namespace"
cmp -s /usr/bin/vde_plug "$T/cover" && fail "the cover leaked out of the namespace"

say "Debian's vde_switch as user vde2-net on $ctl, tap $iface owned by vde2-net"
inns sh -ec 'mkdir -p /var/run/vde2; chown vde2-net:vde2-net /var/run/vde2; chmod 2770 /var/run/vde2'
inns /usr/sbin/vde_tunctl -u vde2-net -t "$iface" > /dev/null || fail "vde_tunctl -u vde2-net -t $iface"
mkfifo -m 666 "$T/sw.stdin"
bg sw nsenter -t "$PID_holder" -m -n -- setpriv --reuid vde2-net --regid vde2-net --init-groups \
	sh -c 'exec /usr/bin/vde_switch -s "$1" --dirmode 0770 -t "$2" <> "$3"' sh "$ctl" "$iface" "$T/sw.stdin"
wait_for inns test -S "$ctl/ctl" || fail "Debian's switch did not start: $(cat "$T/sw.log")"
[ "$(inns stat -c %U "$ctl/ctl")" = vde2-net ] || fail "the switch does not run as vde2-net"
# without the set-group-id bit on $ctl, the plug's socket is group vde2-net only by -g
[ "$(inns stat -c %a "$ctl")" = 770 ] || fail "$ctl has mode $(inns stat -c %a "$ctl"), want 770"

cat > "$T/interfaces" <<EOF
iface $iface inet static
	address 10.199.26.1
	netmask 255.255.255.0
	vde2-plug $T/theirs vde://$T/far
EOF
# dataports: the switch's data sockets (NNN.FD) in $ctl
dataports() { inns sh -c 'ls "$1" | grep "^[0-9]"' sh "$ctl"; }
has_dataport() { [ -n "$(dataports)" ]; }

say "ifup $iface: the hook starts dpipe vde_plug -g vde2-net -m 660 $ctl = ..."
inns ifup -v -i "$T/interfaces" --state-dir "$T/state" "$iface" > "$T/ifup.log" 2>&1
rc=$?
[ $rc -eq 0 ] || fail "ifup returned $rc: $(cat "$T/ifup.log")"
grep -q "if-pre-up.d/vde2" "$T/ifup.log" || fail "ifup did not run the vde2 hook: $(cat "$T/ifup.log")"
wait_for has_dataport || fail "the plug did not join the switch (it runs as vde2-net: the plug's socket must be group vde2-net, mode 660): $(cat "$T/plug-stderr.log" "$T/sw.log")"
wait_for holds "$T/far" 1 || fail "the command's plug did not join the far switch"
p=$(dataports)
mode=$(inns stat -c %a "$ctl/$p")
[ "$mode" = 660 ] || fail "the switch's data socket $p has mode $mode, not the 660 of -m 660"
plugpid=$(inns cat "/var/run/vde2/$iface-plug.pid") || fail "no pidfile from start-stop-daemon"
inns pgrep -P "$plugpid" -a > "$T/children.txt"
grep -q -- "vde_plug -g vde2-net -m 660 $ctl" "$T/children.txt" ||
	fail "dpipe $plugpid does not run our plug as the hook says: $(cat "$T/children.txt")"
say "$iface pings the far tap through the plug"
pingboth "$ns" 10.199.26.1 "$NS_far" 10.199.26.2 "ifup's $iface"

say "ifdown $iface"
inns ifdown -i "$T/interfaces" --state-dir "$T/state" "$iface" > "$T/ifdown.log" 2>&1
say "ifdown returned $?: $(tr '\n' ' ' < "$T/ifdown.log")"
# Debian's post-down hook stops the plug with start-stop-daemon --pidfile,
# which refuses a pidfile in the vde2-net-owned /var/run/vde2 that its own
# pre-up hook made ("matching only on non-root pidfile ... is insecure"):
# the plug survives ifdown on Debian too.  Stop it as an admin would.
if kill -0 "$plugpid" 2>/dev/null; then
	say "the plug survived ifdown (Debian's hook); SIGTERM to the vde_plug under dpipe"
	pid=$(awk '/vde_plug -g vde2-net/ { print $1 }' "$T/children.txt")
	kill "$pid" || fail "kill vde_plug $pid"
fi
wait_for sh -c "! kill -0 $plugpid" || fail "dpipe $plugpid still runs after its vde_plug ended"
wait_for holds "$T/far" 0 || fail "the far switch kept the command's port"
if [ "$target" = "$T/theirs" ]; then
	say "Debian's vde_plug 4.0.1 takes an unknown group for gid 0 and runs: no bad-group check"
	exit 0
fi

say "the hook with a group that does not exist: our plug fails"
# (hiding vde2-net from /etc/group would race with tests that add users:
# useradd renames /etc/group, which uncovers it)
bad=nosuch$$
getent group "$bad" > /dev/null && fail "group $bad exists"
sed "s/^GROUP=vde2-net\$/GROUP=$bad/" "$hook" > "$T/hook"
grep -q "^GROUP=$bad\$" "$T/hook" || fail "could not change the hook's GROUP"
chmod 755 "$T/hook"
inns mount --bind "$T/hook" "$hook" || fail "cover $hook"
# the post-down hook removed $ctl: a switch there again (Debian's, as root)
mkfifo "$T/sw2.stdin"
bg sw2 nsenter -t "$PID_holder" -m -n -- sh -c 'exec /usr/bin/vde_switch -s "$1" <> "$2"' sh "$ctl" "$T/sw2.stdin"
wait_for inns test -S "$ctl/ctl" || fail "switch on $ctl: $(cat "$T/sw2.log")"
: > "$T/plug-stderr.log"
inns /usr/bin/vde_plug -g "$bad" -m 660 "$ctl" < /dev/null > /dev/null 2>> "$T/plug-stderr.log"
rc=$?
[ $rc -eq 1 ] || [ $rc -eq 2 ] || fail "vde_plug -g UNKNOWN exited $rc (want 1 or 2): $(cat "$T/plug-stderr.log")"
[ "$(wc -l < "$T/plug-stderr.log")" -eq 1 ] && grep -q "$bad" "$T/plug-stderr.log" ||
	fail "want one line naming the group, got: $(cat "$T/plug-stderr.log")"
: > "$T/plug-stderr.log"
inns ifup -i "$T/interfaces" --state-dir "$T/state" "$iface" > "$T/ifup2.log" 2>&1
say "ifup with an unknown group returned $? (the hook backgrounds the plug: its status is lost)"
wait_for grep -q "$bad" "$T/plug-stderr.log" || fail "the plug under ifup did not say why it failed"
plugpid=$(inns cat "/var/run/vde2/$iface-plug.pid") || fail "no pidfile from start-stop-daemon"
wait_for sh -c "! kill -0 $plugpid" || fail "dpipe $plugpid runs on after its plug failed"
wait_for holds "$T/far" 0 || fail "the command's plug stayed on the far switch"
inns sh -c 'ls "$1" | grep -q "^[0-9]"' sh "$ctl" && fail "the plug with an unknown group joined $ctl"
exit 0
