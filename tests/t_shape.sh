#!/bin/bash
# t_shape.sh - the switch's parts stay in layers: no part of
# applets/switch/ depends on another in a circle (by header includes, and
# by the symbols each object uses, from nm), except port <-> stp.  Then
# the check itself is shown to fail on a cycle made on purpose.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/.." && pwd)
command -v nm > /dev/null || skip "no nm (binutils)"
command -v python3 > /dev/null || skip "no python3"

# Objects of the sources as they are, at -O0 (inlining could hide a call).
compile() { # SRCDIR OBJDIR
	mkdir -p "$2"
	for c in "$1"/*.c; do
		cc -std=c11 -O0 -D_GNU_SOURCE -DVDE_VERSION='"t"' -I"$top" -I"$1" -c -o "$2/$(basename "$c" .c).o" "$c" ||
			fail "compile $c"
	done
}

say "the parts of applets/switch/ form no cycle but port <-> stp"
compile "$top/applets/switch" "$T/obj"
python3 "$top/tests/helpers/shape.py" "$top/applets/switch" "$T/obj" > "$T/shape.out" 2>&1 ||
	fail "cycle in the switch's parts: $(grep cycle "$T/shape.out")"
grep -q "^link graph:" "$T/shape.out" || fail "shape.py printed no link graph: $(cat "$T/shape.out")"
grep -q "forward .*-> .*tx" "$T/shape.out" || fail "forward does not reach tx? $(cat "$T/shape.out")"

say "a call back up (mactable -> forward) is caught and named"
cp -r "$top/applets/switch" "$T/bad"
cat >> "$T/bad/mactable.c" <<'C'
#include "forward.h"
void mac_calls_back_up(void) { forward_frame(0, 0, 0, 0); }
C
compile "$T/bad" "$T/badobj"
if python3 "$top/tests/helpers/shape.py" "$T/bad" "$T/badobj" > "$T/bad.out" 2>&1; then
	fail "the check passed a cycle"
fi
grep -q "link cycle: .*forward.*mactable" "$T/bad.out" || fail "the cycle was not named: $(grep cycle "$T/bad.out")"

say "a header including its includer is caught too"
cp -r "$top/applets/switch" "$T/bad2"
sed -i 's|#include "sw.h"|#include "sw.h"\n#include "port.h"|' "$T/bad2/ep.h"
sed -i 's|#include "sw.h"|#include "sw.h"\n#include "ep.h"|' "$T/bad2/port.h"
compile "$T/bad2" "$T/bad2obj"
if python3 "$top/tests/helpers/shape.py" "$T/bad2" "$T/bad2obj" > "$T/bad2.out" 2>&1; then
	fail "the check passed a header cycle"
fi
grep -q "import cycle: ep <-> port" "$T/bad2.out" || fail "header cycle not named: $(grep cycle "$T/bad2.out")"
exit 0
