#!/bin/bash
# t_fuzz.sh - the fuzz harnesses (tests/fuzz/) build, replay their seeds
# and the committed crash reproducers cleanly, and survive a short fuzzing
# run of each target: control requests, stream deframing, switch frames
# (VLANs, learning, spanning tree), management console, tap offload
# (segmentation, and merging: gro).  Long runs are `make fuzz`
# (FUZZ_SECONDS=... per target).
. "$(dirname "$0")/lib.sh"

# The harnesses carry their own sanitizers and do not use $VDE.
case $VDE in */asan/*) skip "fuzz runs once, in the non-ASan pass" ;; esac
need clang
cat > "$T/probe.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }
EOF
clang -fsanitize=fuzzer,address,undefined -o "$T/probe" "$T/probe.c" > "$T/probe.out" 2>&1 ||
	skip "clang has no libFuzzer runtime (apt-get install libclang-rt-14-dev)"

top=$(cd "$(dirname "$0")/.." && pwd)
# Binaries and objects are shared with `make fuzz` (build/fuzz); corpora,
# crashes and logs of this short run stay in $T, so it starts from the
# seeds every time.
export FUZZ_WORK=$T/fuzz
"$top/tests/fuzz/run" --replay > "$T/replay.log" 2>&1 ||
	{ cat "$T/replay.log"; fail "a harness does not build, or a seed or reproducer fails"; }
cat "$T/replay.log"
FUZZ_SECONDS=${FUZZ_SECONDS:-5} "$top/tests/fuzz/run" > "$T/fuzz.log" 2>&1
rc=$?
cat "$T/fuzz.log"
[ $rc -eq 0 ] || fail "fuzzing found a crash (reproducer above; copy it to tests/fuzz/crashes/)"
