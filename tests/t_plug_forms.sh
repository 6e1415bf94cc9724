#!/bin/bash
# t_plug_forms.sh - vde_plug's forms and option rules, vdeplug4's and the
# seed's: every option lands where it should (port/print on our switch
# shows the port and the description), two VNLs join two switches in one
# process, "VNL = CMD" runs a built-in dpipe (with Debian's vde_plug as
# the command), -d/--pidfile, an empty VNL reads ~/.vdeplug/default,
# vde_plug2tap; then bad input: unknown schemes (with and without a
# system vde_plug, and never exec'ing ourselves), malformed VNLs and
# contradicting options give one line and exit 1 or 2, leave no file
# behind and no switch harmed.
. "$(dirname "$0")/lib.sh"
need ip ping python3 unshare
[ "$(id -u)" -eq 0 ] || skip "needs root for taps and namespaces"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"

d1=$T/sw1 d2=$T/sw2
start_switch sw1 "$d1" -M "$T/m1" -tap fa$$ --nostdin
start_switch sw2 "$d2" -M "$T/m2" -tap fb$$ --nostdin
na=$(mkns a) nb=$(mkns b)
tap_into "$na" fa$$ 10.196.1.1/24
tap_into "$nb" fb$$ 10.196.1.2/24
mkfifo "$T/hold"
exec 9<> "$T/hold" # a stdin that never ends for stream plugs

# port_of MGMT DESCR: the port whose endpoint has description DESCR
port_of() {
	"$BIN/vdecmd" "$1" port/print 2> /dev/null | awk -v d=": $2 user=" '
		/^Port / { p = $2 + 0 } index($0, d) { print p; found = 1; exit } END { exit !found }'
}
# joined MGMT DESCR PORT: a plug with DESCR sits on PORT
joined() { [ "$(port_of "$1" "$2")" = "$3" ]; }
gone() { ! port_of "$1" "$2" > /dev/null; }

# (bash gives a background job /dev/null as stdin unless told inside it)
# plug_ok NAME WANT_PORT ARGS...: a stream plug that must show up on sw1
# with description NAME at port WANT_PORT (any: -), then goes away
plug_ok() {
	local name=$1 want=$2; shift 2
	bg "$name" sh -c 'exec "$0" "$@" <&9' "$BIN/vde_plug" "$@"
	wait_for port_of "$T/m1" "$name" || fail "vde_plug $*: never joined sw1: $(cat "$T/$name.log")"
	[ "$want" = - ] || joined "$T/m1" "$name" "$want" ||
		fail "vde_plug $*: on port $(port_of "$T/m1" "$name"), not $want"
	kill "$(eval echo "\$PID_$name")"
	wait_for gone "$T/m1" "$name" || fail "vde_plug $*: did not leave"
}

say "old forms: SOCK, -g N (cable group = port N), -p N (port), -s SOCK, -G GROUP"
plug_ok f1 - -D f1 "$d1"
plug_ok f2 7 -g 7 -D f2 "$d1"
plug_ok f3 9 -p 9 -D f3 "$d1"
plug_ok f4 - -s "$d1" -D f4
plug_ok f5 - -G users -D f5 "$d1"
plug_ok f6 10 --cable-group 10 -D f6 "$d1"

say "vdeplug4 forms: vde://DIR[N], --port, -p PIDFILE, -g GROUP -m MODE, -name long options"
plug_ok v1 12 -D v1 "vde://$d1[12]"
plug_ok v2 13 -D v2 "vde://$d1[port=13]"
plug_ok v3 11 --port 11 --descr v3 "vde://$d1"
plug_ok v4 - -g users -m 660 -D v4 "$d1"
plug_ok v5 14 -descr v5 -port 14 "$d1"
plug_ok v6 15 -D v6 -port2 15 "$d1"    # one VNL: --port2 is its port (as the seed's -G)
bg v7 sh -c 'exec "$0" "$@" <&9' "$BIN/vde_plug" -p "$T/v7.pid" -D v7 "$d1"
wait_for port_of "$T/m1" v7 || fail "vde_plug -p FILE did not join"
[ "$(cat "$T/v7.pid")" = "$PID_v7" ] || fail "-p FILE: pidfile holds '$(cat "$T/v7.pid")', not $PID_v7"
kill "$PID_v7"; wait_for test ! -e "$T/v7.pid" || fail "pidfile left behind"

say "the description: vdeplug4's, default 'vdeplug:', then user=NAME pid=N [SSH=IP]"
bg s1 sh -c 'exec "$0" "$@" <&9' "$BIN/vde_plug" "$d1"
wait_for sh -c "'$BIN/vdecmd' '$T/m1' port/print | grep -Eq ': vdeplug: user=root pid=$PID_s1\$'" ||
	fail "default description: $("$BIN/vdecmd" "$T/m1" port/print | grep prog)"
kill "$PID_s1"
SSH_CLIENT="192.0.2.9 5555 22" bg s2 sh -c 'exec "$0" "$@" <&9' "$BIN/vde_plug" -D s2 "$d1"
wait_for sh -c "'$BIN/vdecmd' '$T/m1' port/print | grep -Eq ': s2 user=root pid=$PID_s2 SSH=192.0.2.9\$'" ||
	fail "description over ssh: $("$BIN/vdecmd" "$T/m1" port/print | grep prog)"
kill "$PID_s2"

say "an empty VNL: ~/.vdeplug/default (a link to a switch, or a file holding a VNL)"
mkdir -p "$T/home/.vdeplug"
ln -s "$d1" "$T/home/.vdeplug/default"
HOME=$T/home plug_ok e1 - -D e1
rm "$T/home/.vdeplug/default"; echo "vde://$d1[16]" > "$T/home/.vdeplug/default"
HOME=$T/home plug_ok e2 16 -D e2 ''

say "two VNLs: one process joins sw1 port 3 to sw2 port 4; ping across"
bg cab "$BIN/vde_plug" -D cab --port 3 --port2 4 "$d1" "$d2" < /dev/null
wait_for joined "$T/m1" cab 3 || fail "two-VNL cable not on sw1 port 3: $(cat "$T/cab.log")"
wait_for joined "$T/m2" cab 4 || fail "two-VNL cable not on sw2 port 4: $(cat "$T/cab.log")"
pings "$na" 10.196.1.2 || fail "no ping through vde_plug SW1 SW2"
pings "$nb" 10.196.1.1 || fail "no ping back through vde_plug SW1 SW2"
kill "$PID_cab"; wait_for gone "$T/m1" cab || fail "cable stayed"

if [ -x /usr/bin/vde_plug ]; then
	say "VNL = CMD: our vde_plug sw1 = Debian's vde_plug sw2; ping across"
	bg eq "$BIN/vde_plug" -D eq "$d1" = /usr/bin/vde_plug -D eqdeb "$d2" < /dev/null
	wait_for port_of "$T/m1" eq || fail "= form: ours did not join sw1: $(cat "$T/eq.log")"
	wait_for port_of "$T/m2" eqdeb || fail "= form: Debian's did not join sw2: $(cat "$T/eq.log")"
	ip -n "$na" neigh flush all; ip -n "$nb" neigh flush all
	pings "$na" 10.196.1.2 || fail "no ping through vde_plug SW1 = vde_plug SW2"
	kill "$PID_eq"
	wait_for gone "$T/m2" eqdeb || fail "= form: the command outlived us"
fi

say "-d --pidfile: a daemon; its parent exits 0 once both ends are open"
"$BIN/vde_plug" -d --pidfile "$T/d.pid" -D dmn "$d1" "$d2" < /dev/null > "$T/d.out" 2>&1 ||
	fail "vde_plug -d failed: $(cat "$T/d.out")"
port_of "$T/m1" dmn > /dev/null && port_of "$T/m2" dmn > /dev/null ||
	fail "the daemon is not on both switches at once"
pid=$(cat "$T/d.pid") && kill -0 "$pid" || fail "no daemon pid in the pidfile"
kill "$pid"; wait_for test ! -e "$T/d.pid" || fail "the daemon left its pidfile"

say "-l: START and STOP lines to syslog, with the ssh client's address"
cat > "$T/logsrv.py" <<'EOF'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2] + ".ready", "w").close()
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode(errors="replace") + "\n")
EOF
# a private /dev (unshare -m mounts are private), so this /dev/log is
# nobody else's
SSH_CLIENT="192.0.2.9 5555 22" timeout 20 unshare -m sh -c '
	mount -t tmpfs none /dev && mknod -m 666 /dev/null c 1 3 || exit 1
	python3 "$1" /dev/log "$2" & l=$!
	while [ ! -e "$2.ready" ]; do sleep 0.05; done
	"$0" -l null:// = true; rc=$?
	for i in $(seq 200); do grep -q STOP "$2" && break; sleep 0.05; done # logged yet?
	kill $l; exit $rc' "$BIN/vde_plug" "$T/logsrv.py" "$T/syslog" > "$T/l.out" 2>&1 ||
	fail "vde_plug -l null:// = true failed: $(cat "$T/l.out")"
grep -q 'vde_plug\[[0-9]*\]: START: user root IP 192.0.2.9' "$T/syslog" &&
	grep -q 'vde_plug\[[0-9]*\]: STOP: user root IP 192.0.2.9' "$T/syslog" ||
	fail "-l: no START/STOP in syslog: $(cat "$T/syslog" "$T/l.out")"

say "vde_plug2tap -s SW -p 6 TAP in namespace C; ping from A"
nc=$(mkns c)
bg p2t ip netns exec "$nc" "$BIN/vde_plug2tap" -s "$d1" -p 6 fc$$
wait_for ip -n "$nc" link show fc$$ || fail "vde_plug2tap made no tap: $(cat "$T/p2t.log")"
ip -n "$nc" addr add 10.196.1.3/24 dev fc$$ && ip -n "$nc" link set fc$$ up || fail "set up fc$$"
pings "$na" 10.196.1.3 || fail "no ping to vde_plug2tap's tap"
"$BIN/vdecmd" "$T/m1" port/print | grep -q '^Port 0006 .*ACTIVE' || fail "vde_plug2tap is not on port 6"
kill "$PID_p2t"
say "vde_plug2tap -s - TAP: a stream plug (dpipe vde_plug SW = vde_plug2tap -s - TAP)"
bg p2s ip netns exec "$nc" "$BIN/dpipe" "$BIN/vde_plug" -p 8 "$d1" = "$BIN/vde_plug2tap" -s - fd$$
wait_for ip -n "$nc" link show fd$$ || fail "vde_plug2tap -s - made no tap: $(cat "$T/p2s.log")"
ip -n "$nc" addr add 10.196.1.4/24 dev fd$$ && ip -n "$nc" link set fd$$ up || fail "set up fd$$"
pings "$na" 10.196.1.4 || fail "no ping to vde_plug2tap -s -'s tap"
kill "$PID_p2s"
for args in "-d -s - t0" "" "-x t0" "-p x t0" "t0 t1"; do
	# shellcheck disable=SC2086 # word splitting wanted
	"$BIN/vde_plug2tap" $args < /dev/null > /dev/null 2> "$T/p2terr"
	[ $? -eq 2 ] && head -n 1 "$T/p2terr" | grep -q '^vde_plug2tap: ' ||
		fail "vde_plug2tap $args: not a usage error: $(cat "$T/p2terr")"
done

# ---- bad input ----

# bad RC_ALLOWED ARGS...: fails with one message line (two for usage
# errors: the "Try --help" hint) and an allowed status, within 10 s
bad() {
	local allowed=$1 rc; shift
	timeout 10 "$BIN/vde_plug" "$@" < /dev/null > /dev/null 2> "$T/bad.err"; rc=$?
	cat "$T/bad.err" >> "$T/bad.log"
	case " $allowed " in *" $rc "*) ;; *) fail "vde_plug $*: exit $rc (want $allowed): $(cat "$T/bad.err")" ;; esac
	[ "$(wc -l < "$T/bad.err")" -ge 1 ] && [ "$(wc -l < "$T/bad.err")" -le 2 ] ||
		fail "vde_plug $*: not one message: $(cat "$T/bad.err")"
}

say "malformed VNLs: one line, exit 1"
long=$(printf 'x%.0s' $(seq 2000))
for v in 'udp://x->' 'udp://5000' 'udp://x->y' tap://abcdefghijklmnopqrst tap:// \
	seqpacket://notanfd seqpacket://99 seqpacket://1 seqpacket://-3 \
	"vde://$d1[" "vde://$d1[port=abc]" "vde://$d1[bogus=1]" "vde://$d1[5/6]" \
	"$T/nowhere" "vde://$long" "://x" "b@d://x" null://x cmd:// "ptp://"; do
	bad "1 2" "$v"
done
grep -q "interface name must be 1..15" "$T/bad.log" || fail "20-character tap name: no clear message"
grep -q "fd 99 is not open" "$T/bad.log" || fail "seqpacket://99: no clear message"
grep -q "not a SOCK_SEQPACKET socket" "$T/bad.log" || fail "seqpacket://1: no clear message"
grep -q "longer than 1024 bytes" "$T/bad.log" || fail "a long VNL: no clear message"

say "vde:// alone is the default switch, as vdeplug4: none here, so one line, exit 1"
unshare -m sh -c 'mount -t tmpfs none /tmp && mount -t tmpfs none /run && exec "$0" plug vde://' \
	"$VDE" < /dev/null > /dev/null 2> "$T/def.err"
[ $? -eq 1 ] && grep -q "no switch found" "$T/def.err" || fail "vde:// without a default switch: $(cat "$T/def.err")"

say "contradicting options: one line, exit 2"
bad 2 -p 5 --port 6 "$d1"
bad 2 -g 3 -p 4 "$d1"
bad 2 -g users --group daemon "$d1"
bad 2 -G users -g daemon "$d1"
bad 2 -m 600 -M 644 "$d1"
bad 2 -d "$d1"
bad 2 -s "$d1" "$d1"
bad 2 "$d1" "$d2" "$d1"
bad 2 "$d1" =
bad 2 "$d1" "$d2" = true
bad 2 -m 9 "$d1"
bad 2 -g 0 "$d1"
bad 2 --port -2 "$d1"
bad 1 --port 6 "vde://$d1[5]"

say "unknown schemes: Debian's vde_plug is run with the same arguments"
if [ -x /usr/bin/vde_plug ]; then
	bad 1 -D x foo://bar
	tail -n 1 "$T/bad.err" | grep -q "^vde_open foo://bar" || fail "not handed to Debian's vde_plug: $(cat "$T/bad.err")"
fi
say "unknown schemes without a system vde_plug: our message names the scheme and ours"
for over in /dev/null "$VDE"; do
	if [ -e /usr/bin/vde_plug ]; then
		PATH=$BIN:/usr/bin timeout 10 unshare -m sh -c \
			'mount --bind "$0" /usr/bin/vde_plug && exec vde_plug foo://bar' "$over" \
			< /dev/null > /dev/null 2> "$T/unk.err"; rc=$?
	else
		PATH=$BIN:/usr/bin timeout 10 vde_plug foo://bar < /dev/null > /dev/null 2> "$T/unk.err"; rc=$?
	fi
	[ $rc -eq 1 ] || fail "unknown scheme, $over over /usr/bin/vde_plug: exit $rc: $(cat "$T/unk.err")"
	[ "$(wc -l < "$T/unk.err")" -eq 1 ] && grep -q "unknown scheme 'foo'.*we have: vde .*tap" "$T/unk.err" ||
		fail "unknown scheme, $over over /usr/bin/vde_plug: $(cat "$T/unk.err")"
done

say "nothing left behind: sw1's directory holds only ctl, both switches still serve"
[ "$(ls -A "$d1")" = ctl ] || fail "left in $d1: $(ls -A "$d1")"
[ "$(ls -A "$d2")" = ctl ] || fail "left in $d2: $(ls -A "$d2")"
plug_ok last - -D last "$d1"
kill -0 "$PID_sw1" && kill -0 "$PID_sw2" || fail "a switch died"
exit 0
