#!/bin/bash
# t_mgmt_rcfile.sh - command files: -f/--rcfile at start (commands run
# before any client arrives; a failing line is a warning with file:line,
# an unreadable file stops the switch) and the console's load command
# (each command echoed as "vde[FILE]: ...", then its reply), including
# files that must not hang or crash the switch: /dev/zero, a FIFO, a
# directory, a file that loads itself, a huge file, an overlong line.
. "$(dirname "$0")/lib.sh"
vdecmd() { "$VDE" vdecmd "$@"; }

say "rc file: VLANs and ports exist before the first client"
cat > "$T/rc" <<'EOF'
# lab switch
vlan/create 10
port/create 7
port/setvlan 7 10

vlan/create 99999
no/such/command
hash/setexpire 30
EOF
sw=$T/sw mg=$T/mgmt
start_switch sw "$sw" -M "$mg" -f "$T/rc"
wait_for test -S "$mg" || fail "no management socket"
vdecmd "$mg" vlan/allprint 10 > "$T/out" || fail "vlan/allprint 10 failed"
grep -qx ' -- Port 0007 tagged=0 active=0 status=Learning' "$T/out" || fail "rc file not applied: $(cat "$T/out")"
vdecmd "$mg" hash/showinfo | grep -qx 'GC expire 30 secs' || fail "lines after a failing one did not run"
grep -q "$T/rc:6: vlan/create 99999: 1022 Invalid argument" "$T/sw.log" || fail "bad line 6 not reported"
grep -q "$T/rc:7: no/such/command: 1038 Function not implemented" "$T/sw.log" || fail "bad line 7 not reported"

say "rc file that cannot be read: the switch does not start"
for bad in "$T/missing" "$T" /dev/zero; do
	"$VDE" switch -s "$T/sw2" -f "$bad" --nostdin > "$T/sw2.log" 2>&1 && fail "switch started with -f $bad"
	grep -q "rc file $bad: " "$T/sw2.log" || fail "-f $bad: $(cat "$T/sw2.log")"
done

say "rc file ending in shutdown: the switch stops at once"
printf 'port/create 3\nshutdown\nport/create 4\n' > "$T/rc.stop"
"$VDE" switch -s "$T/sw3" -f "$T/rc.stop" --nostdin > "$T/sw3.log" 2>&1
[ -e "$T/sw3/ctl" ] && fail "control socket left behind"
grep -q "shutdown" "$T/sw3.log" || fail "no word of the shutdown: $(cat "$T/sw3.log")"

say "load: each command echoed, then its reply; load answers the first failure"
printf 'port/showinfo\n\n# note\nbogus\nvlan/print 10\n' > "$T/script"
vdecmd -r "$mg" load "$T/script" > "$T/out" 2> "$T/err" && fail "load with a bad line succeeded"
cat > "$T/want" <<EOF
vde[$T/script]: port/showinfo
0000 DATA END WITH '.'
Numports=32
HUB=false
counters=true
.
1000 Success
vde[$T/script]: (not a command)
1038 Function not implemented
vde[$T/script]: vlan/print 10
0000 DATA END WITH '.'
VLAN 0010
.
1000 Success
1038 Function not implemented
EOF
diff -u "$T/want" "$T/out" || fail "load transcript differs"

say "load of things that are not command files"
mkfifo "$T/fifo"
head -c 2000000 /dev/zero | tr '\0' '\n' > "$T/huge"
{ printf 'showinfo '; head -c 5000 /dev/zero | tr '\0' x; printf '\nport/showinfo\n'; } > "$T/longline"
echo "load $T/self" > "$T/self"
: > "$T/empty"
while read -r file code; do
	vdecmd "$mg" load "$file" > /dev/null 2> "$T/err"
	grep -q ": $code " "$T/err" || fail "load $file: $(cat "$T/err") (wanted $code)"
done <<EOF
/dev/zero 1022
$T/fifo 1022
$T 1021
$T/missing 1002
$T/huge 1027
$T/longline 1090
$T/self 1040
EOF
vdecmd "$mg" load "$T/empty" || fail "load of an empty file failed"
vdecmd "$mg" load 2> /dev/null && fail "load without a file succeeded"
vdecmd "$mg" port/showinfo > /dev/null || fail "switch stopped answering"
exit 0
