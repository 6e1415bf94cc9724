#!/bin/bash
# t_passt.sh - Internet access for a switch through Debian's passt, with
# no tap on the host side: namespace a's only outside is a veth to
# namespace b; passt runs in a (as nobody, its socket in a directory of
# its own) and our switch in a takes it as a port, --port stream://SOCK.
# (t_passt_noroot.sh: the same with the switch as nobody too.)
# A tap of the switch, moved into namespace c, gets a lease from passt's
# DHCP with busybox udhcpc, and reaches an HTTP server in b through
# passt's NAT: b has no route to c's address, only to a's.  Then passt
# restarts and the switch connects to it again by itself.
. "$(dirname "$0")/lib.sh"
need ip python3 sha256sum
[ "$(id -u)" -eq 0 ] || skip "needs root for taps and namespaces"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
PASST=$(command -v passt) || skip "passt not installed (apt-get install passt)"
command -v busybox >/dev/null && busybox udhcpc --help >/dev/null 2>&1 ||
	skip "busybox with udhcpc not installed (apt-get install busybox)"

na=$(mkns a) nb=$(mkns b) nc=$(mkns c)
ip link add "vq$$a" netns "$na" type veth peer name "vq$$b" netns "$nb" || fail "veth a-b"
ip -n "$na" addr add 10.77.0.1/24 dev "vq$$a"
ip -n "$na" link set "vq$$a" up
ip -n "$na" route add default via 10.77.0.2 || fail "default route in a"
ip -n "$nb" addr add 10.77.0.2/24 dev "vq$$b"
ip -n "$nb" link set "vq$$b" up
ip -n "$nb" addr add 192.0.2.80/32 dev lo || fail "server address in b"

say "passt in a, as nobody, on a socket in a directory it owns"
# passt drops to nobody before it binds: the directory must be its own
# (this passt does not even fail when the bind does)
install -d -o nobody -m 0755 "$T/passt"
sock=$T/passt/passt.sock
# the guest side is 10.0.2.0/24, unknown to b: only passt's NAT reaches b
passt_start() {
	bg passt ip netns exec "$na" "$PASST" -f -e --runas nobody -s "$sock" -P "$T/passt/pid" \
		-a 10.0.2.15 -n 24 -g 10.0.2.2 --mtu 1500 -4
	wait_for test -S "$sock" || fail "passt did not make $sock: $(cat "$T/passt.log")"
}
passt_start

say "our switch in a, --port stream://$sock, with a tap moved into c"
d=$T/sw mg=$T/mgmt tap=vq$$t
bg sw ip netns exec "$na" "$VDE" switch -s "$d" -M "$mg" --port "stream://$sock" -tap "$tap"
wait_for test -S "$mg" || fail "switch did not start: $(cat "$T/sw.log")"
linked() { "$BIN/vdecmd" -s "$mg" port/print | grep -q "LINK: stream://$sock (up"; }
wait_for linked || fail "the switch did not connect to passt: $(cat "$T/sw.log")"
ip link set "$tap" netns "$nc" 2>/dev/null || ip -n "$na" link set "$tap" netns "$nc" || fail "move $tap into c"
ip -n "$nc" link set "$tap" up || fail "bring up $tap in c"

say "busybox udhcpc in c gets a lease from passt"
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
# udhcpc's own bounded retries: 10 discovers 2 s apart, then it gives up
ip netns exec "$nc" busybox udhcpc -i "$tap" -f -q -n -t 10 -T 2 -s "$T/udhcpc.sh" > "$T/udhcpc.log" 2>&1 ||
	fail "no DHCP lease from passt: $(cat "$T/udhcpc.log")"
grep -q "^bound ip=10.0.2.15 mask=24 router=10.0.2.2 mtu=1500" "$T/lease" ||
	fail "not passt's lease: $(cat "$T/lease")"

say "c reaches an HTTP server in b through passt's NAT"
mkdir "$T/www"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$T/www/token"
head -c 1048576 /dev/urandom > "$T/www/big"
bg http ip netns exec "$nb" python3 -m http.server --bind 192.0.2.80 -d "$T/www" 8080
wait_for sh -c "ip netns exec '$nb' ss -ltn | grep -q '192.0.2.80:8080'" || fail "HTTP server in b"
get() { ip netns exec "$nc" timeout 30 busybox wget -q -O "$2" "http://192.0.2.80:8080/$1"; }
get token "$T/got" || fail "GET through passt failed"
cmp -s "$T/got" "$T/www/token" || fail "wrong content through passt: $(cat "$T/got")"
grep -q '^10.77.0.1 .*"GET /token' "$T/http.log" || fail "b did not see a's address (no NAT?): $(cat "$T/http.log")"

say "1 MiB through passt arrives intact"
get big "$T/big" || fail "1 MiB GET through passt failed after $(stat -c %s "$T/big" 2>/dev/null) bytes (runts padded on their way to passt? this passt misreads them)"
[ "$(sha256sum < "$T/big")" = "$(sha256sum < "$T/www/big")" ] || fail "1 MiB arrived changed"

say "passt restarts: the switch connects again by itself"
kill "$(cat "$T/passt/pid")"
wait_for grep -q "port 1: stream://$sock down; next try in" "$T/sw.log" ||
	fail "the switch did not notice passt left: $(cat "$T/sw.log")"
rm -f "$sock"
passt_start
wait_for -t 90 linked || fail "the switch did not reconnect to passt: $(cat "$T/sw.log")"
get token "$T/got2" || fail "GET after passt restarted failed"
cmp -s "$T/got2" "$T/www/token" || fail "wrong content after the restart"
exit 0
