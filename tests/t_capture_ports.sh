#!/bin/bash
# t_capture_ports.sh - vde_capture on a switch's console: the switch
# records every port (its pipe passed over the console), and tcpdump and
# tshark read the stream from a pipe.  Two taps in namespaces (MTU 9000)
# ping with 1514- and 9014-byte frames: each request and reply appears
# exactly once per port and direction (port 1 in, port 2 out for a
# request), at full length, on interface "port N" with the pcapng
# direction flag.  Then classic pcap (-P), -s SNAPLEN, and -p PORT.
. "$(dirname "$0")/lib.sh"
need ip ping tcpdump tshark
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
[ "$(id -u)" -eq 0 ] || skip "needs root for taps and namespaces"

ta=vc$$a tb=vc$$b
d=$T/sw m=$T/mgmt
start_switch sw "$d" -M "$m" --nostdin -tap "$ta" -tap "$tb"
na=$(mkns a) nb=$(mkns b)
# nothing but our pings: no IPv6 (MLD, router solicitations), no ARP
for x in "$na $ta 10.197.1.1/24" "$nb $tb 10.197.1.2/24"; do
	set -- $x
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip link set "$2" mtu 9000 || fail "mtu 9000 on $2"
	tap_into "$1" "$2" "$3"
done
maca=$(cat "/sys/class/net/$ta/address" 2>/dev/null || ip netns exec "$na" cat "/sys/class/net/$ta/address")
macb=$(ip netns exec "$nb" cat "/sys/class/net/$tb/address")
ip -n "$na" neigh replace 10.197.1.2 lladdr "$macb" dev "$ta" nud permanent || fail "neighbour in a"
ip -n "$nb" neigh replace 10.197.1.1 lladdr "$maca" dev "$tb" nud permanent || fail "neighbour in b"
pings "$na" 10.197.1.2 || fail "a cannot ping b"
"$VDE" vdecmd "$m" port/print > "$T/ports" || fail "port/print"
grep -q "tap://$ta" "$T/ports" || fail "no tap $ta in port/print"
pa=$(awk -v t="tap://$ta" '/^Port/ { p = $2 + 0 } index($0, t) { print p; exit }' "$T/ports")
pb=$(awk -v t="tap://$tb" '/^Port/ { p = $2 + 0 } index($0, t) { print p; exit }' "$T/ports")
[ -n "$pa" ] && [ -n "$pb" ] || fail "ports of the taps not found: $(cat "$T/ports")"
say "tap a is port $pa, tap b port $pb"

capturing() { "$VDE" vdecmd "$m" capture/print | grep -q "^capture to"; }
stopped() { "$VDE" vdecmd "$m" capture/print | grep -q "^no capture"; }

say "vde capture MGMT - | tee | tcpdump -n -r -"
( "$VDE" capture "$m" - 2> "$T/cap.err" | tee "$T/cap.pcapng" | tcpdump -n -r - > "$T/tcpdump.out" 2> "$T/tcpdump.err" ) &
reader=$!
wait_for capturing || fail "capture did not start: $(cat "$T/cap.err")"
ip netns exec "$na" ping -n -c 3 -i 0.2 -s 1472 -M do -p 61 10.197.1.2 > /dev/null || fail "1514-byte pings"
ip netns exec "$na" ping -n -c 3 -i 0.2 -s 8972 -M do -p 62 10.197.1.2 > /dev/null || fail "9014-byte pings"
"$VDE" vdecmd "$m" capture/print > "$T/print" || fail "capture/print"
"$VDE" vdecmd "$m" capture/stop || fail "capture/stop"
wait "$reader"
[ -s "$T/cap.err" ] && fail "vde capture said: $(cat "$T/cap.err")"
cat "$T/print"
grep -q "ports: all" "$T/print" || fail "capture/print does not say all ports"
grep -q "dropped 0 " "$T/print" || fail "drops with a fast reader: $(cat "$T/print")"

say "tcpdump read the stream"
head -n 1 "$T/tcpdump.err"
grep -q "link-type EN10MB" "$T/tcpdump.err" || fail "tcpdump: $(cat "$T/tcpdump.err")"
grep "ICMP echo.*seq 1," "$T/tcpdump.out"
for len in 1480 8980; do
	n=$(grep -c "ICMP echo request.*length $len" "$T/tcpdump.out")
	[ "$n" -eq 6 ] || fail "tcpdump: $n echo requests of ICMP length $len, want 6 (3 pings x in + out)"
	n=$(grep -c "ICMP echo reply.*length $len" "$T/tcpdump.out")
	[ "$n" -eq 6 ] || fail "tcpdump: $n echo replies of ICMP length $len, want 6"
done

say "tshark: interface, direction and length of each"
cat "$T/cap.pcapng" | tshark -r - -Y "icmp && ip.addr == 10.197.1.1" -T fields -E separator=, \
	-e frame.interface_name -e frame.packet_flags_direction -e frame.len -e frame.cap_len \
	-e icmp.type -e icmp.seq > "$T/fields" 2> "$T/tshark.err" || fail "tshark: $(cat "$T/tshark.err")"
in=0x00000001 out=0x00000002
want=$(for len in 1514 9014; do
	for seq in 1 2 3; do
		echo "port $pa,$in,$len,$len,8,$seq"
		echo "port $pb,$out,$len,$len,8,$seq"
		echo "port $pb,$in,$len,$len,0,$seq"
		echo "port $pa,$out,$len,$len,0,$seq"
	done
done | sort)
grep ",1$" "$T/fields" | head -n 8 # seq 1: interface, direction, len, caplen, type, seq
got=$(sort "$T/fields")
[ "$got" = "$want" ] || fail "tshark records differ from once per port and direction:
$(diff <(echo "$want") <(echo "$got"))"
tshark -r "$T/cap.pcapng" -T fields -e frame.interface_id -e frame.interface_name 2>/dev/null | sort -u > "$T/ifs"
[ "$(cut -f2 "$T/ifs" | sort -u | wc -l)" -eq "$(cut -f1 "$T/ifs" | sort -u | wc -l)" ] ||
	fail "an interface id names two ports: $(cat "$T/ifs")"

say "classic pcap (-P), -c 4: tcpdump -e shows the full frame lengths"
wait_for stopped || fail "capture still running"
( "$VDE" capture -P -c 4 "$m" - 2> "$T/capP.err" | tcpdump -n -e -r - > "$T/tcpdumpP.out" 2> "$T/tcpdumpP.err" ) &
reader=$!
wait_for capturing || fail "pcap capture did not start: $(cat "$T/capP.err")"
ip netns exec "$na" ping -n -c 1 -s 8972 -M do 10.197.1.2 > /dev/null || fail "ping for pcap"
wait "$reader"
grep -q "link-type EN10MB" "$T/tcpdumpP.err" || fail "tcpdump on pcap: $(cat "$T/tcpdumpP.err")"
[ "$(wc -l < "$T/tcpdumpP.out")" -eq 4 ] || fail "-c 4 gave: $(cat "$T/tcpdumpP.out")"
[ "$(grep -c "length 9014:" "$T/tcpdumpP.out")" -eq 4 ] || fail "pcap lengths: $(cat "$T/tcpdumpP.out")"

say "-s 100 -p $pb: only port $pb, frames cut to 100 bytes"
wait_for stopped || fail "-c 4 did not end the switch's capture"
( "$VDE" capture -s 100 -c 2 -p "$pb" "$m" - 2> "$T/capS.err" |
	tshark -r - -T fields -E separator=, -e frame.interface_name -e frame.len -e frame.cap_len \
	> "$T/fieldsS" 2>/dev/null ) &
reader=$!
wait_for capturing || fail "-s capture did not start: $(cat "$T/capS.err")"
ip netns exec "$na" ping -n -c 1 -s 1472 -M do 10.197.1.2 > /dev/null || fail "ping for -s"
wait "$reader"
want="port $pb,1514,100
port $pb,1514,100"
[ "$(cat "$T/fieldsS")" = "$want" ] || fail "-s 100 -p $pb: got $(cat "$T/fieldsS")"
exit 0
