#!/bin/bash
# t_mgmt.sh - every management console command, as a transcript: a
# switch with two cables that have each sent a frame, then a script of
# commands (good and bad arguments) through vdecmd -r, which prints the
# replies whole (data blocks, status lines).  Pids, ages, endpoint ids
# and table slots are masked; everything else must match to the byte.
# Then the commands that end things: port/epclose, logout, shutdown.
. "$(dirname "$0")/lib.sh"

sw=$T/sw mg=$T/mgmt
start_switch sw "$sw" -M "$mg" -n 8 --macaddr 00:ff:01:02:03:04
wait_for test -S "$mg" || fail "no management socket $mg"
vdecmd() { "$VDE" vdecmd "$@"; }

# cable NAME PORT: a vde_plug on PORT; frames written to fd 3/4/... of
# the caller go in through $T/NAME.in, what it receives is in NAME.out
cable() {
	mkfifo "$T/$1.in"
	bg "$1" sh -c 'exec "$0" vde_plug -p "$1" -D "$2" "$3" < "$4" > "$5"' \
		"$VDE" "$2" "$1" "$sw" "$T/$1.in" "$T/$1.out"
}
# frame FD DST SRC: one 60-byte frame (stream framing: 2-byte length)
frame() {
	local esc="" b
	for b in $(echo "$2$3" | sed 's/../& /g'); do esc+="\\x$b"; done
	{ printf "\\x00\\x3c$esc\\x88\\xb5"; head -c 46 /dev/zero; } >&"$1"
}
counted() { vdecmd "$mg" port/print "$1" | grep -q "$2"; }
# gone PID: the process has ended (an unreaped zombie counts)
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(ps -o stat= -p "$1" | cut -c1)" = Z ]; }

cable alpha 3
exec 3> "$T/alpha.in"
cable beta 4
exec 4> "$T/beta.in"
wait_for counted 4 "ACTIVE" || fail "cables did not join ports 3 and 4"
frame 3 ffffffffffff 020000000001   # broadcast from port 3
wait_for counted 4 "OUT: pkts          1 " || fail "broadcast did not reach port 4"
frame 4 020000000001 020000000002   # unicast back to port 3
wait_for counted 3 "OUT: pkts          1 " || fail "unicast did not reach port 3"

cat > "$T/script" <<'EOF'
# comments and blank lines get no answer

port/showinfo
EOF

# the transcript: every command; comments in it get no answer
cat > "$T/cmds" <<EOF
help ds
help help
help l
help s
help hash
help port
help vlan
help port/set
help zzz
showinfo
ds/showinfo
port/showinfo
port/print
port/print 3
port/print 5
port/print 9
port/print x
port/print 3 4
hash/showinfo
hash/print
hash/find 02:00:00:00:00:01
hash/find 02:00:00:00:00:02 0
hash/find 02:00:00:00:00:01 10
hash/find 02:00:00:00:00:99
hash/find nonsense
hash/find
hash/setgcint 5
hash/setgcint 0
hash/setexpire 50
hash/setexpire -1
hash/setminper 3
hash/setminper 1x
hash/showinfo
hash/setsize 1000
hash/setsize 0
hash/setsize 99999999999999999999
hash/showinfo
hash/print
port/create 5
port/create 5
port/create 9
port/allprint
port/allprint 5
port/allocatable 5 1
port/allocatable 5 2
port/setuser 5 root
port/setgroup 5 0
port/allprint 5
port/setuser 5 NONE
port/setgroup 5 ANY
port/setuser 5 no-such-user-here
port/setuser 7 root
port/createauto
port/remove 1
port/remove 1
port/remove 3
port/remove 9
port/setnumports 2
port/setnumports 0
port/setnumports 6
port/showinfo
port/sethub 1
port/showinfo
port/sethub 2
port/sethub 0
port/resetcounter 3
port/print 3
port/resetcounter 2
port/resetcounter 9
port/resetcounter
port/print
vlan/print
vlan/create 10
vlan/create 20
vlan/create 10
vlan/create 0
vlan/create 4095
vlan/create 4096
vlan/print
port/setvlan 3 10
vlan/addport 20 3
vlan/addport 20 3
vlan/addport 30 3
vlan/addport 20 9
vlan/addport 20 2
vlan/addport 10 3
vlan/print
vlan/allprint
vlan/print 10
vlan/allprint 20
vlan/print 30
vlan/print 5000
vlan/delport 10 3
vlan/delport 20 3
vlan/delport 20 3
vlan/remove 10
vlan/remove 30
vlan/remove 0
vlan/remove 20
port/setvlan 3 4095
port/print 3
port/setvlan 3 30
port/setvlan 3
port/setvlan 3 0
  # a comment after blanks

load $T/script
load $T/nonexistent
load $T
port
showinfoxyz
bogus command
logout
showinfo
EOF
vdecmd -r -k "$mg" < "$T/cmds" > "$T/got" 2> "$T/stderr"
rc=$?
[ $rc -eq 1 ] || fail "vdecmd -k with failing commands exited $rc, not 1"

# mask what changes from run to run; hash/print lines are sorted
sed -E -e 's/^(pid) [0-9]+ (MAC .*) uptime [0-9]+$/\1 PID \2 uptime UP/' \
	-e 's/^VDE switch V\.[0-9.]+$/VDE switch V.VERSION/' \
	-e 's/(ID) [0-9]{4} /\1 NNNN /' -e 's/ pid=[0-9]+/ pid=PID/' \
	-e 's/^Hash: [0-9]+ (.*) age [0-9]+ secs/Hash: SLOT \1 age AGE secs/' \
	-e "s#$T#/T#g" "$T/got" |
	awk '/^Hash: /{ print | "sort"; next } { close("sort"); print }' > "$T/got.masked"

cat > "$T/want" <<'EOF'
0000 DATA END WITH '.'
COMMAND PATH       SYNTAX          HELP
------------       --------------  ------------
ds                 ============    CONTROL SOCKET
ds/showinfo                        control directory and socket mode
.
1000 Success
0000 DATA END WITH '.'
COMMAND PATH       SYNTAX          HELP
------------       --------------  ------------
help               [arg]           list the commands (those starting with arg)
.
1000 Success
0000 DATA END WITH '.'
COMMAND PATH       SYNTAX          HELP
------------       --------------  ------------
logout                             end this console session
load               path            run the commands in a file you may read (<= 1 MiB)
.
1000 Success
0000 DATA END WITH '.'
COMMAND PATH       SYNTAX          HELP
------------       --------------  ------------
shutdown                           stop the switch
showinfo                           version, pid, MAC address, uptime
.
1000 Success
0000 DATA END WITH '.'
COMMAND PATH       SYNTAX          HELP
------------       --------------  ------------
hash               ============    MAC ADDRESS TABLE
hash/showinfo                      table size and timers
hash/setsize       N               hold at most N addresses (forgets all)
hash/setgcint      N               look for expired addresses every N s
hash/setexpire     N               forget an address unseen for N s
hash/setminper     N               keep an address on its port N s before it may move
hash/setportmax    N               one port learns at most N addresses (0: half the table)
hash/print                         list the table
hash/find          MAC [VLAN]      where is MAC (in VLAN, default 0)
.
1000 Success
0000 DATA END WITH '.'
COMMAND PATH       SYNTAX          HELP
------------       --------------  ------------
port               ============    PORTS
port/showinfo                      number of ports, hub or switch
port/setnumports   N               ports are 1..N (only unused ports may go)
port/sethub        0/1             1: repeat every frame everywhere, 0: switch
port/setvlan       N VLAN          untagged VLAN of port N (4095: none)
port/createauto                    create the first free port, not for automatic use
port/create        N               create port N, not for automatic use
port/remove        N               remove port N (it must have no endpoint)
port/allocatable   N 0/1           may clients asking for any port get N?
port/setuser       N user          only this user (or root) may use port N
port/setgroup      N group         members of this group may use port N
port/epclose       N ID            disconnect endpoint ID from port N
port/connect       N VNL           keep network VNL on port N, reopened when it ends
port/disconnect    N               stop keeping a network on port N, close it
port/mirror        [SRC DST [DIR]] DST gets copies of SRC's frames (DIR: in, out, both); list
port/unmirror      SRC [DST]       stop mirroring SRC (to DST)
port/impair        N [off|K=V ..]  a bad wire on port N (loss=, delay=, bandwidth=, ...); show
port/resetcounter  [N]             zero the counters (of port N)
port/print         [N]             ports in use (or port N): endpoints, counters
port/allprint      [N]             the same, unused ports included
.
1000 Success
0000 DATA END WITH '.'
COMMAND PATH       SYNTAX          HELP
------------       --------------  ------------
vlan               ============    802.1Q VLANS
vlan/create        N               create VLAN N (1..4094)
vlan/remove        N               remove VLAN N (no port may be in it)
vlan/addport       N PORT          PORT carries VLAN N tagged
vlan/delport       N PORT          PORT no longer carries VLAN N tagged
vlan/print         [N]             VLANs (or VLAN N) and their ports in use
vlan/allprint      [N]             the same, unused ports included
.
1000 Success
0000 DATA END WITH '.'
COMMAND PATH       SYNTAX          HELP
------------       --------------  ------------
port/setnumports   N               ports are 1..N (only unused ports may go)
port/sethub        0/1             1: repeat every frame everywhere, 0: switch
port/setvlan       N VLAN          untagged VLAN of port N (4095: none)
port/setuser       N user          only this user (or root) may use port N
port/setgroup      N group         members of this group may use port N
.
1000 Success
0000 DATA END WITH '.'
COMMAND PATH       SYNTAX          HELP
------------       --------------  ------------
.
1000 Success
0000 DATA END WITH '.'
VDE switch V.VERSION
(vde: a clean-room Virtual Distributed Ethernet; console compatible with vde2)

pid PID MAC 00:ff:01:02:03:04 uptime UP
mgmt /T/mgmt perm 0600
.
1000 Success
0000 DATA END WITH '.'
ctl dir /T/sw
std mode 0600
.
1000 Success
0000 DATA END WITH '.'
Numports=8
HUB=false
counters=true
.
1000 Success
0000 DATA END WITH '.'
Port 0003 untagged_vlan=0000 ACTIVE - Unnamed Allocatable
 Current User: root Access Control: (User: NONE - Group: NONE)
 IN:  pkts          1          bytes                   60
 OUT: pkts          1          bytes                   60
 DROP: pkts         0
  -- endpoint ID NNNN module unix prog   : alpha user=root pid=PID
Port 0004 untagged_vlan=0000 ACTIVE - Unnamed Allocatable
 Current User: root Access Control: (User: NONE - Group: NONE)
 IN:  pkts          1          bytes                   60
 OUT: pkts          1          bytes                   60
 DROP: pkts         0
  -- endpoint ID NNNN module unix prog   : beta user=root pid=PID
.
1000 Success
0000 DATA END WITH '.'
Port 0003 untagged_vlan=0000 ACTIVE - Unnamed Allocatable
 Current User: root Access Control: (User: NONE - Group: NONE)
 IN:  pkts          1          bytes                   60
 OUT: pkts          1          bytes                   60
 DROP: pkts         0
  -- endpoint ID NNNN module unix prog   : alpha user=root pid=PID
.
1000 Success
0000 DATA END WITH '.'
.
1006 No such device or address
0000 DATA END WITH '.'
.
1022 Invalid argument
0000 DATA END WITH '.'
.
1022 Invalid argument
0000 DATA END WITH '.'
.
1022 Invalid argument
0000 DATA END WITH '.'
Hash size 65536
GC interval 2 secs
GC expire 100 secs
Min persistence 3 secs
.
1000 Success
0000 DATA END WITH '.'
Hash: SLOT Addr: 02:00:00:00:00:01 VLAN 0000 to port: 003  age AGE secs
Hash: SLOT Addr: 02:00:00:00:00:02 VLAN 0000 to port: 004  age AGE secs
.
1000 Success
0000 DATA END WITH '.'
Hash: SLOT Addr: 02:00:00:00:00:01 VLAN 0000 to port: 003  age AGE secs
.
1000 Success
0000 DATA END WITH '.'
Hash: SLOT Addr: 02:00:00:00:00:02 VLAN 0000 to port: 004  age AGE secs
.
1000 Success
0000 DATA END WITH '.'
.
1019 No such device
0000 DATA END WITH '.'
.
1019 No such device
0000 DATA END WITH '.'
.
1022 Invalid argument
0000 DATA END WITH '.'
.
1022 Invalid argument
1000 Success
1022 Invalid argument
1000 Success
1022 Invalid argument
1000 Success
1022 Invalid argument
0000 DATA END WITH '.'
Hash size 65536
GC interval 5 secs
GC expire 50 secs
Min persistence 3 secs
.
1000 Success
1000 Success
1022 Invalid argument
1022 Invalid argument
0000 DATA END WITH '.'
Hash size 1000
GC interval 5 secs
GC expire 50 secs
Min persistence 3 secs
.
1000 Success
0000 DATA END WITH '.'
.
1000 Success
1000 Success
1017 File exists
1022 Invalid argument
0000 DATA END WITH '.'
Port 0003 untagged_vlan=0000 ACTIVE - Unnamed Allocatable
 Current User: root Access Control: (User: NONE - Group: NONE)
 IN:  pkts          1          bytes                   60
 OUT: pkts          1          bytes                   60
 DROP: pkts         0
  -- endpoint ID NNNN module unix prog   : alpha user=root pid=PID
Port 0004 untagged_vlan=0000 ACTIVE - Unnamed Allocatable
 Current User: root Access Control: (User: NONE - Group: NONE)
 IN:  pkts          1          bytes                   60
 OUT: pkts          1          bytes                   60
 DROP: pkts         0
  -- endpoint ID NNNN module unix prog   : beta user=root pid=PID
Port 0005 untagged_vlan=0000 INACTIVE - NOT Unnamed Allocatable
 Current User: NONE Access Control: (User: NONE - Group: NONE)
 IN:  pkts          0          bytes                    0
 OUT: pkts          0          bytes                    0
 DROP: pkts         0
.
1000 Success
0000 DATA END WITH '.'
Port 0005 untagged_vlan=0000 INACTIVE - NOT Unnamed Allocatable
 Current User: NONE Access Control: (User: NONE - Group: NONE)
 IN:  pkts          0          bytes                    0
 OUT: pkts          0          bytes                    0
 DROP: pkts         0
.
1000 Success
1000 Success
1022 Invalid argument
1000 Success
1000 Success
0000 DATA END WITH '.'
Port 0005 untagged_vlan=0000 INACTIVE - Unnamed Allocatable
 Current User: NONE Access Control: (User: root - Group: root)
 IN:  pkts          0          bytes                    0
 OUT: pkts          0          bytes                    0
 DROP: pkts         0
.
1000 Success
1000 Success
1000 Success
1022 Invalid argument
1006 No such device or address
0000 DATA END WITH '.'
Port 0001
.
1000 Success
1000 Success
1006 No such device or address
1098 Address already in use
1022 Invalid argument
1098 Address already in use
1022 Invalid argument
1000 Success
0000 DATA END WITH '.'
Numports=6
HUB=false
counters=true
.
1000 Success
1000 Success
0000 DATA END WITH '.'
Numports=6
HUB=true
counters=true
.
1000 Success
1022 Invalid argument
1000 Success
1000 Success
0000 DATA END WITH '.'
Port 0003 untagged_vlan=0000 ACTIVE - Unnamed Allocatable
 Current User: root Access Control: (User: NONE - Group: NONE)
 IN:  pkts          0          bytes                    0
 OUT: pkts          0          bytes                    0
 DROP: pkts         0
  -- endpoint ID NNNN module unix prog   : alpha user=root pid=PID
.
1000 Success
1006 No such device or address
1022 Invalid argument
1000 Success
0000 DATA END WITH '.'
Port 0003 untagged_vlan=0000 ACTIVE - Unnamed Allocatable
 Current User: root Access Control: (User: NONE - Group: NONE)
 IN:  pkts          0          bytes                    0
 OUT: pkts          0          bytes                    0
 DROP: pkts         0
  -- endpoint ID NNNN module unix prog   : alpha user=root pid=PID
Port 0004 untagged_vlan=0000 ACTIVE - Unnamed Allocatable
 Current User: root Access Control: (User: NONE - Group: NONE)
 IN:  pkts          0          bytes                    0
 OUT: pkts          0          bytes                    0
 DROP: pkts         0
  -- endpoint ID NNNN module unix prog   : beta user=root pid=PID
.
1000 Success
0000 DATA END WITH '.'
VLAN 0000
 -- Port 0003 tagged=0 active=1 status=Forwarding
 -- Port 0004 tagged=0 active=1 status=Forwarding
.
1000 Success
1000 Success
1000 Success
1017 File exists
1022 Invalid argument
1022 Invalid argument
1022 Invalid argument
0000 DATA END WITH '.'
VLAN 0000
 -- Port 0003 tagged=0 active=1 status=Forwarding
 -- Port 0004 tagged=0 active=1 status=Forwarding
VLAN 0010
VLAN 0020
.
1000 Success
1000 Success
1000 Success
1000 Success
1006 No such device or address
1022 Invalid argument
1006 No such device or address
1017 File exists
0000 DATA END WITH '.'
VLAN 0000
 -- Port 0004 tagged=0 active=1 status=Forwarding
VLAN 0010
 -- Port 0003 tagged=0 active=1 status=Forwarding
VLAN 0020
 -- Port 0003 tagged=1 active=1 status=Forwarding
.
1000 Success
0000 DATA END WITH '.'
VLAN 0000
 -- Port 0004 tagged=0 active=1 status=Forwarding
 -- Port 0005 tagged=0 active=0 status=Learning
VLAN 0010
 -- Port 0003 tagged=0 active=1 status=Forwarding
VLAN 0020
 -- Port 0003 tagged=1 active=1 status=Forwarding
.
1000 Success
0000 DATA END WITH '.'
VLAN 0010
 -- Port 0003 tagged=0 active=1 status=Forwarding
.
1000 Success
0000 DATA END WITH '.'
VLAN 0020
 -- Port 0003 tagged=1 active=1 status=Forwarding
.
1000 Success
0000 DATA END WITH '.'
.
1006 No such device or address
0000 DATA END WITH '.'
.
1022 Invalid argument
1098 Address already in use
1000 Success
1000 Success
1098 Address already in use
1006 No such device or address
1022 Invalid argument
1000 Success
1000 Success
0000 DATA END WITH '.'
Port 0003 untagged_vlan=4095 ACTIVE - Unnamed Allocatable
 Current User: root Access Control: (User: NONE - Group: NONE)
 IN:  pkts          0          bytes                    0
 OUT: pkts          0          bytes                    0
 DROP: pkts         0
  -- endpoint ID NNNN module unix prog   : alpha user=root pid=PID
.
1000 Success
1006 No such device or address
1022 Invalid argument
1000 Success
vde[/T/script]: port/showinfo
0000 DATA END WITH '.'
Numports=6
HUB=false
counters=true
.
1000 Success
1000 Success
1002 No such file or directory
1021 Is a directory
1038 Function not implemented
1038 Function not implemented
1038 Function not implemented
9999 END OF SESSION
EOF
diff -u "$T/want" "$T/got.masked" > "$T/diff" || { cat "$T/diff"; fail "transcript differs (- expected, + got)"; }

say "help without a prefix lists all of it (other parts of the switch add menus)"
vdecmd "$mg" help > "$T/help" || fail "help failed"
grep -E '^[a-z][a-z/]*  ' "$T/want" | sort -u > "$T/help.want" # the help lines
sort -u "$T/help" | comm -23 "$T/help.want" - > "$T/help.missing"
[ -s "$T/help.missing" ] && fail "help lacks: $(cat "$T/help.missing")"
awk 'NR > 2 && substr($0, 19, 1) != " " { exit 1 }' "$T/help" || fail "help columns are not vde2's"

say "port/epclose cuts one cable; the port stays, inactive"
id=$(vdecmd "$mg" port/print 4 | sed -n 's/^  -- endpoint ID \([0-9]*\) .*/\1/p')
[ -n "$id" ] || fail "no endpoint ID on port 4"
vdecmd "$mg" port/epclose 4 999999 2> "$T/err" && fail "epclose of a missing endpoint succeeded"
grep -q '^vdecmd: port/epclose 4 999999: 1006 No such device or address$' "$T/err" || fail "epclose error: $(cat "$T/err")"
vdecmd "$mg" port/epclose 4 "$id" || fail "port/epclose 4 $id failed"
wait_for gone "$PID_beta" || fail "the cable on port 4 did not notice" # vde_plug ends
vdecmd "$mg" port/print 4 2>/dev/null && fail "port 4 is still active"
vdecmd "$mg" port/allprint 4 | grep -q '^Port 0004 untagged_vlan=0000 INACTIVE' || fail "port 4 is gone"

say "shutdown: the switch says goodbye, exits 0 and removes its sockets"
vdecmd "$mg" shutdown > "$T/out" || fail "shutdown exited $?"
[ -s "$T/out" ] && fail "shutdown printed: $(cat "$T/out")"
wait_for gone "$PID_sw" || fail "the switch is still running"
wait "$PID_sw"
rc=$?
[ $rc -eq 0 ] || fail "switch exited $rc after shutdown"
[ -e "$mg" ] && fail "management socket $mg left behind"
[ -e "$sw/ctl" ] && fail "control socket left behind"
grep -q 'shutdown requested on the management console' "$T/sw.log" || fail "shutdown not logged"
exit 0
