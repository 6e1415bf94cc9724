#!/bin/bash
# t_passt_noroot.sh - README's passt recipe with no root: passt and our
# switch both run as nobody, the switch joins passt's socket (mode 0755,
# nobody's) with --port stream://SOCK.  Namespace a's only outside is a
# veth to namespace b.  The test's own client stands in for the VMs: a
# tap plugged into the switch by vde_plug (root makes only that), moved
# into namespace c, where busybox udhcpc gets passt's lease and fetches
# a file from a server in b through passt's NAT.
. "$(dirname "$0")/lib.sh"
need ip python3 sha256sum setpriv
[ "$(id -u)" -eq 0 ] || skip "needs root for namespaces and the client's tap"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
PASST=$(command -v passt) || skip "passt not installed (apt-get install passt)"
command -v busybox >/dev/null && busybox udhcpc --help >/dev/null 2>&1 ||
	skip "busybox with udhcpc not installed (apt-get install busybox)"
asnobody() { setpriv --reuid nobody --regid nogroup --clear-groups "$@"; }
asnobody "$VDE" --list >/dev/null 2>&1 || skip "nobody cannot run $VDE"

na=$(mkns a) nb=$(mkns b) nc=$(mkns c)
ip link add "vn$$a" netns "$na" type veth peer name "vn$$b" netns "$nb" || fail "veth a-b"
ip -n "$na" addr add 10.78.0.1/24 dev "vn$$a"
ip -n "$na" link set "vn$$a" up
ip -n "$na" route add default via 10.78.0.2 || fail "default route in a"
ip -n "$nb" addr add 10.78.0.2/24 dev "vn$$b"
ip -n "$nb" link set "vn$$b" up
ip -n "$nb" addr add 192.0.2.81/32 dev lo || fail "server address in b"

say "passt and the switch in a, both as nobody"
install -d -o nobody -m 0755 "$T/home" # nobody's own directory
sock=$T/home/passt.sock d=$T/home/sw mg=$T/home/mgmt
bg passt ip netns exec "$na" setpriv --reuid nobody --regid nogroup --clear-groups \
	"$PASST" -f -e -s "$sock" -a 10.0.2.15 -n 24 -g 10.0.2.2 --mtu 1500 -4
wait_for test -S "$sock" || fail "passt did not make $sock: $(cat "$T/passt.log")"
[ "$(stat -c %U "$sock")" = nobody ] || fail "passt's socket is $(stat -c %U "$sock")'s"
bg sw ip netns exec "$na" setpriv --reuid nobody --regid nogroup --clear-groups \
	"$VDE" switch -s "$d" -M "$mg" --port "stream://$sock"
wait_for test -S "$mg" || fail "switch did not start: $(cat "$T/sw.log")"
wait_for sh -c "'$BIN/vdecmd' -s '$mg' port/print | grep -q 'LINK: stream://$sock (up'" ||
	fail "the switch (nobody) did not connect to passt (nobody): $(cat "$T/sw.log")"
[ "$(ps -o user= -p "$PID_sw")" = nobody ] || fail "the switch runs as $(ps -o user= -p "$PID_sw")"

say "a client on the switch: a tap (vde_plug tap://) moved into c"
tap=vn$$t
bg tapplug ip netns exec "$na" "$BIN/vde_plug" "tap://$tap" "$d"
wait_for ip -n "$na" link show "$tap" || fail "no tap $tap: $(cat "$T/tapplug.log")"
ip -n "$na" link set "$tap" netns "$nc" || fail "move $tap into c"
ip -n "$nc" link set "$tap" up || fail "bring up $tap in c"

say "busybox udhcpc in c: passt's lease"
cat > "$T/udhcpc.sh" <<EOF2
#!/bin/sh
echo "\$1 ip=\$ip mask=\$mask router=\$router mtu=\$mtu" >> "$T/lease"
case \$1 in
bound|renew)
	ip addr add "\$ip/\${mask:-24}" dev "\$interface"
	[ -n "\$mtu" ] && ip link set "\$interface" mtu "\$mtu"
	for r in \$router; do ip route add default via "\$r" dev "\$interface"; break; done ;;
esac
exit 0
EOF2
chmod +x "$T/udhcpc.sh"
ip netns exec "$nc" busybox udhcpc -i "$tap" -f -q -n -t 10 -T 2 -s "$T/udhcpc.sh" > "$T/udhcpc.log" 2>&1 ||
	fail "no DHCP lease from passt: $(cat "$T/udhcpc.log")"
grep -q "^bound ip=10.0.2.15 mask=24 router=10.0.2.2 mtu=1500" "$T/lease" || fail "not passt's lease: $(cat "$T/lease")"

say "1 MiB from a server in b, through passt's NAT"
mkdir "$T/www"
head -c 1048576 /dev/urandom > "$T/www/big"
bg http ip netns exec "$nb" python3 -m http.server --bind 192.0.2.81 -d "$T/www" 8080
wait_for sh -c "ip netns exec '$nb' ss -ltn | grep -q '192.0.2.81:8080'" || fail "HTTP server in b"
ip netns exec "$nc" timeout 30 busybox wget -q -O "$T/big" "http://192.0.2.81:8080/big" ||
	fail "GET through passt failed after $(stat -c %s "$T/big" 2>/dev/null) bytes"
[ "$(sha256sum < "$T/big")" = "$(sha256sum < "$T/www/big")" ] || fail "1 MiB arrived changed"
grep -q '^10.78.0.1 .*"GET /big' "$T/http.log" || fail "b did not see a's address (no NAT?): $(cat "$T/http.log")"
exit 0
