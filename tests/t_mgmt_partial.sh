#!/bin/bash
# A console line that a read() cut in two while the switch was busy is
# still one command: the partial-line timer (for clients such as vdeterm
# that send no '\n') must first read what is already waiting.  Found by
# fuzz_mgmt: "port/remove 15" used to run as "port/remove 1" and "5".
. "$(dirname "$0")/lib.sh"
need socat

start_switch sw "$T/sw" -M "$T/m"
"$VDE" vdecmd "$T/m" port/create 15 > /dev/null || fail "port/create 15"
"$VDE" vdecmd "$T/m" port/create 1 > /dev/null || fail "port/create 1"
# a long "load" keeps the switch busy past the 200 ms partial-line wait,
# while the next line straddles the 1024-byte read boundary
yes vlan/print | head -n 20000 > "$T/slow.rc"
python3 - "$T" > "$T/script" <<'PY'
import sys
first = ("load %s/slow.rc\n" % sys.argv[1]).encode()
pad = 1024 - len(first) - 13
sys.stdout.buffer.write(first + b"#" * (pad - 1) + b"\n" + b"port/remove 15\nport/allprint\n")
PY
socat -t 30 - "UNIX-CONNECT:$T/m" < "$T/script" > "$T/out" 2>&1
grep -q "^1038" "$T/out" && fail "a command was cut in two: $(grep -m1 '^1038' "$T/out")"
grep -q "^Port 0015" "$T/out" && fail "port 15 survived port/remove 15"
grep -q "^Port 0001" "$T/out" || fail "port 1 was removed instead: $(grep '^Port' "$T/out")"
say ok
