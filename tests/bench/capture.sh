# tests/bench/capture.sh - what a running capture costs the switch:
# sourced by tests/bench/run (BENCH_ONLY=capture, and after the burst
# rows of a full run), which provides start_switch, stop, gen, R[] and
# fmtn.  A benchmark: it prints, it judges nothing.
#
# The same vdegen runs (60 B and 1514 B unpaced, the "small" and "mtu"
# tests) through one of our switches three ways, in turn, REPS times:
#   none     no capture
#   reader   vde_capture MGMT - > /dev/null records every port, in and out
#   stopped  the same reader stopped (SIGSTOP): the capture's 1 MiB fills,
#            then every record is dropped and counted
# vde2 has no capture to compare with (its pdump plugin is not in Debian).

CAP_KINDS="none reader stopped"

# cap_measure KIND REP: one run of small and mtu into $T/cap.KIND.REP
cap_measure() {
	local kind=$1 rep=$2 cpid=
	start_switch ours cap-$kind "$T/cap-$kind" -M "$T/cap-$kind.mgmt"
	local sp=$SPID
	wait_for 10 test -S "$T/cap-$kind.mgmt"
	if [ "$kind" != none ]; then
		"$VDE" capture "$T/cap-$kind.mgmt" - > /dev/null 2> "$T/cap-$kind.err" &
		cpid=$!
		_pids+=("$cpid")
		wait_for 10 sh -c "'$VDE' vdecmd -t 5 '$T/cap-$kind.mgmt' capture/print | grep -q frames" ||
			{ cat "$T/cap-$kind.err" >&2; die "vde_capture did not start"; }
		[ "$kind" = stopped ] && kill -STOP "$cpid"
	fi
	gen -t "$SECS" -s "$T/cap-$kind" -p "$sp" small mtu > "$T/cap.$kind.$rep" 2> "$T/cap.$kind.$rep.err" ||
		{ cat "$T/cap.$kind.$rep.err" >&2; die "vdegen failed with capture $kind"; }
	if [ -n "$cpid" ]; then
		"$VDE" vdecmd -t 5 "$T/cap-$kind.mgmt" capture/print |
			awk '/dropped/ { for (i = 1; i < NF; i++) { if ($i == "frames") f = $(i + 1); if ($i == "dropped") d = $(i + 1) } }
			     END { print "cap.frames=" f + 0; print "cap.dropped=" d + 0 }' >> "$T/cap.$kind.$rep"
		kill -CONT "$cpid" 2>/dev/null
		stop "$cpid"
	fi
	stop "$sp"
}

capture_run() {
	note "capture cost: our switch with no capture, a capture to a reader, a capture whose reader is stopped; $REPS x"
	for rep in $(seq "$REPS"); do
		for k in $CAP_KINDS; do cap_measure "$k" "$rep"; done
	done
	for k in $CAP_KINDS; do
		median "$T"/cap.$k.[0-9]* > "$T/cap.$k"
		load "cap.$k" "$T/cap.$k"
	done
}

capture_table() {
	local k v
	printf "\n%-44s %12s %12s %12s\n" "capture cost (ours, one switch)" "none" "reader" "stopped"
	for v in "60 B frames/s delivered:small.delivered_fps" "switch CPU ns/frame, 60 B:small.switch_ns_per_frame" \
		"1514 B frames/s delivered:mtu.delivered_fps" "switch CPU ns/frame, 1514 B:mtu.switch_ns_per_frame" \
		"records written by the capture:cap.frames" "records dropped by the capture:cap.dropped"; do
		local vals=()
		for k in $CAP_KINDS; do vals+=("$(fmtn "${R[cap.$k.${v#*:}]:-}")"); done
		printf "  %-42s %12s %12s %12s\n" "${v%%:*}" "${vals[@]}"
	done
	echo "  (records: over both tests; every frame is recorded twice, in and out)"
	echo "  load average $(cut -d' ' -f1-3 /proc/loadavg) after these rows"
	return 0
}
