#!/bin/bash
# t_mgmt_debian.sh - Debian's vde_switch (vde2 2.3.2) is the reference for
# the console: the same cables, the same frames and the same script of
# commands go to it and to ours, and the replies must match line for
# line once run-dependent values are masked.  Our vdecmd talks to both.
#
# Deliberate differences are not in the script; they are listed here and
# checked on our switch by t_mgmt.sh:
#   - help texts are our own wording (the command paths must match vde2's:
#     checked below); vde2's debug/ and plugin/ menus are not provided
#   - the banner's second line and the version are ours
#   - -n N gives ports 1..N (2.3.2: 1..N-1, HEAD: 1..N), so vde2 runs
#     with -n 9 here and the Numports value is masked
#   - hash/setsize counts addresses, not buckets; hash/showinfo is
#     compared after both are set to the same values
#   - port/print has one more line per port: " DROP: pkts N"
#   - hash/find prints the port (vde2 2.3.2 prints port+1)
#   - numbers are checked: "abc", "5x", "-1" or extra words get 1022
#     (vde2 reads atoi() and ignores what follows)
#   - vlan/create 4094 works (vde2 rejects it, an off-by-one)
#   - vlan/addport of a port's untagged VLAN is 1017 (vde2 says Success)
#   - vlan/remove 0 is 1022 (vde2: 1098 while ports use it)
#   - port/resetcounter of a missing port is 1006 (vde2 says Success)
#   - a command is a whole word: "showinfoxyz" is 1038 (vde2 runs showinfo)
#   - a command ends at '\n' (or, for vdeterm, at a pause after a write
#     without one), so pipelined and split commands work; an overlong
#     line is 1090 (vde2 takes each read() as one command, cut at 128)
#   - load echoes only real commands and answers the first failure
#   - a port nobody configured carries every VLAN tagged (see vlan.c), so
#     vlan/print lists it in every VLAN; here every port is configured
. "$(dirname "$0")/lib.sh"
need vde_switch vde_plug
[ "$(readlink -f "$(command -v vde_switch)")" != "$(readlink -f "$VDE")" ] || skip "vde_switch is ours"

mac=00:ff:0a:0b:0c:0d
# ours
start_switch ours "$T/ours" -M "$T/ours.mgmt" -n 8 --macaddr $mac
wait_for test -S "$T/ours.mgmt" || fail "our switch has no management socket"
# vde2 2.3.2 reads its stdin even when not a terminal and exits on EOF:
# give it a FIFO we hold open
mkfifo "$T/vde2.in"
exec 7<> "$T/vde2.in"
bg vde2 sh -c 'exec vde_switch -s "$1" -M "$2" -n 9 --macaddr "$3" < "$4"' sh \
	"$T/vde2" "$T/vde2.mgmt" $mac "$T/vde2.in"
wait_for test -S "$T/vde2.mgmt" || fail "Debian's vde_switch did not start"

# cable NAME SWITCH PORT FD: Debian's vde_plug on SWITCH[PORT]; frames
# written to FD go in (stream framing), what comes out is dropped
fdn=3
cable() {
	mkfifo "$T/$1.in"
	bg "$1" sh -c 'exec vde_plug "$1[$2]" < "$3" > /dev/null' sh "$T/$2" "$3" "$T/$1.in"
	eval "exec $4> \"\$T/\$1.in\""
}
frame() { # frame FD DST SRC: one 60-byte frame
	local esc="" b
	for b in $(echo "$2$3" | sed 's/../& /g'); do esc+="\\x$b"; done
	{ printf "\\x00\\x3c$esc\\x88\\xb5"; head -c 46 /dev/zero; } >&"$1"
}
out_pkts() { "$VDE" vdecmd "$T/$1.mgmt" port/print "$2" | grep -q "OUT: pkts          $3 "; }

for sw in ours vde2; do
	# the same starting point: vde2's table size and minimum persistence
	"$VDE" vdecmd -e 'hash/setsize 128' -e 'hash/setminper 3' "$T/$sw.mgmt" ||
		fail "$sw: hash settings"
done
cable o3 ours 3 3; cable o4 ours 4 4; cable v3 vde2 3 5; cable v4 vde2 4 6
for sw in ours vde2; do
	wait_for sh -c "'$VDE' vdecmd '$T/$sw.mgmt' port/print | grep -c ACTIVE | grep -qx 2" ||
		fail "$sw: cables did not join"
done
frame 3 ffffffffffff 020000000001; frame 5 ffffffffffff 020000000001
wait_for out_pkts ours 4 1 && wait_for out_pkts vde2 4 1 || fail "broadcast not delivered"
frame 4 020000000001 020000000002; frame 6 020000000001 020000000002
wait_for out_pkts ours 3 1 && wait_for out_pkts vde2 3 1 || fail "unicast not delivered"

printf 'port/showinfo\nvlan/print\n' > "$T/script"
cat > "$T/cmds" <<EOF
showinfo
ds/showinfo
port/showinfo
port/print
port/allprint
port/print 3
port/print 5
port/print 9
port/allprint 5
hash/showinfo
hash/print
hash/find 02:00:00:00:00:01 1
hash/find 02:00:00:00:00:99
hash/find
hash/setgcint 5
hash/setexpire 50
hash/setminper 3
hash/showinfo
port/create 5
port/create 5
port/create 9
port/allprint 5
port/allocatable 5 1
port/setuser 5 root
port/setgroup 5 root
port/allprint 5
port/setuser 5 NONE
port/setgroup 5 NONE
port/setuser 5 no-such-user-here
port/setuser 7 root
port/createauto
port/remove 1
port/remove 1
port/remove 3
port/remove 9
port/setnumports 2
port/setnumports 0
port/showinfo
port/sethub 1
port/showinfo
port/sethub 0
port/resetcounter 3
port/print 3
port/resetcounter 9
port/resetcounter
port/print
vlan/create 10
vlan/create 20
vlan/create 10
vlan/create 0
vlan/create 4095
vlan/create 5000
port/setvlan 3 10
port/setvlan 5 20
vlan/addport 20 3
vlan/addport 20 3
vlan/addport 10 4
vlan/addport 30 3
vlan/addport 20 9
vlan/addport 20 2
vlan/print
vlan/allprint
vlan/print 10
vlan/allprint 20
vlan/print 30
vlan/print 5000
vlan/delport 10 3
vlan/delport 20 3
vlan/delport 20 3
vlan/delport 30 3
vlan/delport 10 9
vlan/remove 10
vlan/remove 30
vlan/remove 5000
vlan/delport 10 4
port/setvlan 3 0
port/setvlan 5 0
vlan/remove 10
vlan/remove 20
vlan/allprint
port/setvlan 3 4095
port/print 3
port/setvlan 3 30
port/setvlan 3
port/setvlan 9 0
port/setvlan 3 0
port/epclose 3 9999
port/epclose 9 1
port/epclose 3
load $T/script
load $T/missing
port
bogus command
logout
showinfo
EOF
for sw in ours vde2; do
	"$VDE" vdecmd -r -k "$T/$sw.mgmt" < "$T/cmds" > "$T/$sw.got" 2> "$T/$sw.err"
	[ $? -eq 1 ] || fail "vdecmd -k on $sw: $(cat "$T/$sw.err")"
	# mask: pids, ids, ages, slots, paths, version, banner line 2, port count
	sed -E -e 's/^(pid) [0-9]+ (MAC .*) uptime [0-9]+$/\1 PID \2 uptime UP/' \
		-e 's/^VDE switch V\..*/VDE switch V.VERSION/' -e '/^\((C\)|vde:) /d' \
		-e 's/(ID) [0-9]{4} /\1 NNNN /' -e 's/ (pid|PID)=[0-9]+/ pid=PID/' \
		-e 's/^Hash: [0-9]+ (.*) age [0-9]+ secs/Hash: SLOT \1 age AGE secs/' \
		-e 's/^Numports=[0-9]+/Numports=N/' -e '/^ DROP: pkts /d' \
		-e "s#$T/$sw#/SW#g" -e "s#$T#/T#g" "$T/$sw.got" |
		awk '/^Hash: /{ print | "sort"; next } { close("sort"); print }' > "$T/$sw.masked"
	[ "$(grep -c '^1000 Success$' "$T/$sw.masked")" -gt 20 ] || fail "$sw: too few replies, see $sw.got"
done
diff -u "$T/vde2.masked" "$T/ours.masked" > "$T/diff" || { cat "$T/diff"; fail "replies differ (- vde2, + ours)"; }

say "help: the same command paths, less vde2's debug/ and plugin/ menus and our extensions"
ours_only='^(hash/setportmax|port/connect|port/disconnect|port/mirror|port/unmirror|port/impair)$' # ours: per-port learning limit (t_harden_macflood.sh), kept networks (t_swport_*.sh), mirrors (t_mirror.sh), bad wires (t_port_impair.sh)
for sw in ours vde2; do
	"$VDE" vdecmd "$T/$sw.mgmt" help | awk 'NR > 2 { print $1 }' |
		grep -v -E '^(debug|plugin|fstp|vxlan|capture)(/|$)' | grep -v -E "$ours_only" > "$T/$sw.paths"
done
diff -u "$T/vde2.paths" "$T/ours.paths" || fail "command paths differ (- vde2, + ours)"

say "fstp/showinfo and fstp/print: vde2's lines (ours follow with more)"
# the same MAC and priority: the same bridge ID; path costs differ by
# design (802.1D-2004's 20000, vde2's 20000000) and ages by start time
for sw in ours vde2; do
	"$VDE" vdecmd "$T/$sw.mgmt" fstp/setfstp 1 || fail "$sw: fstp/setfstp 1"
	"$VDE" vdecmd "$T/$sw.mgmt" fstp/showinfo | head -n 2 > "$T/$sw.fsi"
	"$VDE" vdecmd "$T/$sw.mgmt" fstp/print | awk '/^FST DATA |^ \+\+ |^ -- Port /' |
		sed -E 's/ age [0-9]+ / age AGE /; s/portcost=[0-9]+/portcost=COST/' > "$T/$sw.fsp"
done
diff -u "$T/vde2.fsi" "$T/ours.fsi" || fail "fstp/showinfo's first lines differ (- vde2, + ours)"
grep -q "^ -- Port 0003 tagged=0 portcost=COST role=Designated" "$T/vde2.fsp" ||
	fail "vde2's fstp/print is not what this test expects: $(cat "$T/vde2.fsp")"
diff -u "$T/vde2.fsp" "$T/ours.fsp" || fail "fstp/print's vde2 lines differ (- vde2, + ours)"
exit 0
