#!/bin/bash
# t_ifupdown_hook.sh - our ifupdown hook (extras/ifupdown-vde.in, as "make
# install-extras" installs it into if-pre-up.d and if-post-down.d, BINDIR
# naming the binary under test) run by Debian's real ifup and ifdown:
#   iface IF inet static ... vde-switch -n 8 / vde-plug vde_plug FAR
#   ifup: a switch on /run/vde2/IF.ctl (pid file, console IF.mgmt, sockets
#     mode 660) with the tap IF, configured by ifup; the plug joins it to
#     FAR (a switch of ours whose tap is in another namespace): IF pings
#     through it; the hook itself prints nothing
#   ifdown: plug and switch end, their files and the tap go, FAR frees
#     the port
# The same with Debian's spellings vde2-switch - / vde2-plug; with a
# Debian "vde2" hook next to ours, vde2-* stanzas are left to it; a
# switch option that is wrong makes ifup fail with the switch's reason.
# Everything runs in a network namespace and a private mount namespace
# made here (a tmpfs on /run, the hook directories masked by ours): the
# real system is untouched.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/vnl.sh"
need_root_taps
need ifup ifdown unshare nsenter
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir "$T/bindir" && ln -s "$VDE" "$T/bindir/vde" && "$VDE" --install "$T/bindir" || fail "vde --install $T/bindir"
make -s -C "$top" install-extras DESTDIR="$T/dest" BINDIR="$T/bindir" VDE_BIN="$VDE" > "$T/install.log" 2>&1 ||
	fail "make install-extras: $(cat "$T/install.log")"
mkdir -m 755 "$T/pre" "$T/post" "$T/empty"
cp "$T/dest/etc/network/if-pre-up.d/vde" "$T/pre/vde" || fail "no if-pre-up.d/vde installed"
cp "$T/dest/etc/network/if-post-down.d/vde" "$T/post/vde" || fail "no if-post-down.d/vde installed"

iface=vh$$
say "the far switch: ours, its tap in a namespace"
our_switch far "$T/far" -tap vg$$
tapns far vg$$ 10.199.27.2/24

say "a namespace with a private /run and our hook alone in the hook directories"
ns=$(mkns ifup)
bg holder ip netns exec "$ns" unshare -m --propagation private sh -ec '
	mount -t tmpfs -o mode=755 vdet-run /run
	mount --bind "$1" /etc/network/if-pre-up.d
	mount --bind "$2" /etc/network/if-post-down.d
	mount --bind "$3" /etc/network/if-up.d
	mount --bind "$3" /etc/network/if-down.d
	echo ready
	exec sleep infinity' sh "$T/pre" "$T/post" "$T/empty"
wait_for grep -q ready "$T/holder.log" || fail "namespace set-up: $(cat "$T/holder.log")"
inns() { nsenter -t "$PID_holder" -m -n -- "$@"; }
inns test -e /etc/network/if-pre-up.d/vde2 && fail "Debian's hook is not masked in the namespace"
rd=/run/vde2

# stanza SWITCH-KEY SWITCH-VALUE PLUG-KEY: the interfaces file
stanza() {
	printf 'iface %s inet static\n\taddress 10.199.27.1\n\tnetmask 255.255.255.0\n\t%s %s\n\t%s %s\n' \
		"$iface" "$1" "$2" "$3" "$T/bindir/vde_plug vde://$T/far" > "$T/interfaces"
}
vde_pid() { # PIDFILE: its pid, when it is a live vde
	local pid
	pid=$(inns cat "$1" 2> /dev/null) || return 1
	[ "$(readlink -f "/proc/$pid/exe")" = "$(readlink -f "$VDE")" ] && echo "$pid"
}

# up_and_down SWITCH-KEY SWITCH-VALUE PLUG-KEY
up_and_down() {
	stanza "$@"
	say "ifup $iface with $1 $2 and $3"
	inns ifup -i "$T/interfaces" --state-dir "$T/state" "$iface" > "$T/ifup.log" 2>&1 ||
		fail "ifup: $(cat "$T/ifup.log")"
	grep '^vde:' "$T/ifup.log" && fail "the hook printed something on ifup"
	[ -s "$T/ifup.log" ] && say "ifup printed (the daemons, not the hook): $(tr '\n' ' ' < "$T/ifup.log")"
	local sw plug mode
	sw=$(vde_pid $rd/$iface.pid) || fail "no live switch in $rd/$iface.pid"
	plug=$(vde_pid $rd/$iface-plug.pid) || fail "no live plug in $rd/$iface-plug.pid"
	inns test -S $rd/$iface.ctl/ctl || fail "no $rd/$iface.ctl/ctl"
	mode=$(inns stat -c %a $rd/$iface.ctl/ctl)
	[ "$mode" = 660 ] || fail "$rd/$iface.ctl/ctl has mode $mode, not 660"
	inns "$T/bindir/vdecmd" $rd/$iface.mgmt port/showinfo > "$T/showinfo" || fail "console $rd/$iface.mgmt"
	grep -q 'Numports=8' "$T/showinfo" || [ "$2" = - ] || fail "the stanza's options (-n 8) not used: $(cat "$T/showinfo")"
	ip -n "$ns" addr show dev "$iface" | grep -q 10.199.27.1 || fail "ifup did not configure the tap $iface"
	wait_for holds "$T/far" 1 || fail "the plug's command did not join the far switch"
	pingboth "$ns" 10.199.27.1 "$NS_far" 10.199.27.2 "ifup's $iface"

	say "ifdown $iface"
	inns ifdown -i "$T/interfaces" --state-dir "$T/state" "$iface" > "$T/ifdown.log" 2>&1 ||
		fail "ifdown: $(cat "$T/ifdown.log")"
	grep '^vde:' "$T/ifdown.log" && fail "the hook printed something on ifdown"
	kill -0 "$sw" 2> /dev/null && fail "the switch $sw outlived ifdown"
	kill -0 "$plug" 2> /dev/null && fail "the plug $plug outlived ifdown"
	wait_for holds "$T/far" 0 || fail "the far switch kept the plug's port"
	local f
	for f in $rd/$iface.pid $rd/$iface-plug.pid $rd/$iface.ctl $rd/$iface.mgmt; do
		inns test -e "$f" && fail "$f is left after ifdown"
	done
	ip -n "$ns" link show "$iface" > /dev/null 2>&1 && fail "the tap $iface is left after ifdown"
	return 0
}

up_and_down vde-switch "-n 8" vde-plug
up_and_down vde2-switch - vde2-plug

say "with Debian's vde2 hook beside ours, vde2-* stanzas are its own"
printf '#!/bin/sh\nexit 0\n' > "$T/pre/vde2" && chmod 755 "$T/pre/vde2"
printf '#!/bin/sh\nexit 0\n' > "$T/post/vde2" && chmod 755 "$T/post/vde2"
stanza vde2-switch - vde2-plug
inns ifup -i "$T/interfaces" --state-dir "$T/state" "$iface" > "$T/ifup.log" 2>&1
inns test -e $rd/$iface.pid && fail "our hook started a switch for vde2-switch next to Debian's hook"
inns ifdown -i "$T/interfaces" --state-dir "$T/state" "$iface" > /dev/null 2>&1
rm -f "$T/pre/vde2" "$T/post/vde2"

say "a wrong switch option: ifup fails with the switch's reason"
stanza vde-switch "--no-such-option" vde-plug
inns ifup -i "$T/interfaces" --state-dir "$T/state" "$iface" > "$T/ifup.log" 2>&1 &&
	fail "ifup returned 0 with a bad vde-switch option"
grep -q 'no-such-option\|unknown option' "$T/ifup.log" || fail "ifup does not say why: $(cat "$T/ifup.log")"
inns test -e $rd/$iface.pid && fail "a pid file is left by the failed start"
holds "$T/far" 0 || fail "a plug joined the far switch though the switch failed"
exit 0
