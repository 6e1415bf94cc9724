# tests/bench/burst.sh - burst absorption rows of the benchmark: sourced
# by tests/bench/run (BENCH_ONLY=burst, and after the main tables of a
# full run), which provides start_switch, start_cable, start_native,
# stop, gen, R[] and the table helpers.  A benchmark: it prints, it
# judges nothing.  tests/bench/README explains each row.
#
# The receiver drains at a fixed rate D (vdegen drain: it reads what D
# allows every 100 us); the sender sends at 2 x D for 100 ms, so D/10
# frames are waiting somewhere at the burst's end.  Counted: sent,
# received, lost, with every switch's default queue.  Through one
# switch, and through a cable (vde2: dpipe + Debian vde_plug; ours:
# vde dpipe + vde plug, and --port vde://B).
#
#   BENCH_DRAIN="60:50000 60:100000 1514:8000"   FRAME-BYTES:DRAIN-FRAMES/S
#   BENCH_BURST_MS=100                           the burst's length

BURST_CASES=${BENCH_DRAIN:-60:50000 60:100000 1514:8000}
BURST_MS=${BENCH_BURST_MS:-100}
BURST_KINDS="s-vde2 s-ours c-vde2 c-ours c-nvde"

# burst_drops MGMT: frames our switch dropped, all ports together
# ("DROP: pkts N" of port/allprint); "" when the console does not answer
burst_drops() {
	local out
	out=$("$VDE" vdecmd -t 5 "$1" port/allprint 2> /dev/null) || return
	awk '/DROP:/ { n += $3 } END { print n + 0 }' <<< "$out"
}

# burst_drops_all MGMT...: the sum, "" when one switch does not say or
# none is given (vde2's console counts no drops: its OUT counts what it
# tried to send, so vde2's columns pass none)
burst_drops_all() {
	local m d sum=0
	[ $# -gt 0 ] || return
	for m in "$@"; do
		d=$(burst_drops "$m")
		[ -z "$d" ] && return
		sum=$((sum + d))
	done
	echo "$sum"
}

# burst_measure KIND MGMTS GEN-ARGS...: every case into R[burst.KIND.CASE.*];
# MGMTS: the consoles of our switches (space separated) for drop counts
burst_measure() {
	local kind=$1 mgmts=$2 c len rate d0 d1 m far f0 f1; shift 2
	for c in $BURST_CASES; do
		len=${c%%:*} rate=${c##*:}
		for m in $mgmts; do wait_for 10 test -S "$m"; done
		d0=$(burst_drops_all $mgmts)
		far=${mgmts##* } f0=
		[ "$far" != "$mgmts" ] && f0=$(burst_drops "$far") # a cable: where it dropped
		gen "$@" -R "$rate" -L "$len" -D "$BURST_MS" -w 1000 drain > "$T/burst.out" 2> "$T/burst.err" ||
			{ cat "$T/burst.err" >&2; die "vdegen drain failed against $kind"; }
		load "burst.$kind.$c" "$T/burst.out" # keys burst.KIND.CASE.drain.*
		d1=$(burst_drops_all $mgmts)
		[ -n "$d0" ] && [ -n "$d1" ] && R[burst.$kind.$c.switch_drops]=$((d1 - d0))
		[ -n "$f0" ] && f1=$(burst_drops "$far") && R[burst.$kind.$c.far_drops]=$((f1 - f0))
	done
}

burst_run() {
	note "burst absorption: ${BURST_MS} ms at twice the drain rate ($BURST_CASES), one switch and a cable"
	local a b ca cb cab
	start_switch vde2 bs-v "$T/bs-v"; a=$SPID
	burst_measure s-vde2 "" -s "$T/bs-v" -p "$a"
	stop "$a"
	start_switch ours bs-o "$T/bs-o" -M "$T/bs-o.mgmt"; a=$SPID
	burst_measure s-ours "$T/bs-o.mgmt" -s "$T/bs-o" -p "$a"
	stop "$a"
	# cables: the burst crosses the near switch, the cable and the far one
	start_switch vde2 bc-va "$T/bc-va"; ca=$SPID
	start_switch vde2 bc-vb "$T/bc-vb"; cb=$SPID
	start_cable debian "$T/bc-va" "$T/bc-vb" || die "Debian's dpipe/vde_plug cable did not connect"
	cab=$CPIDS
	burst_measure c-vde2 "" -s "$T/bc-va" -r "$T/bc-vb" -p "$ca,$cb"
	stop ${cab//,/ } "$ca" "$cb"
	start_switch ours bc-oa "$T/bc-oa" -M "$T/bc-oa.mgmt"; ca=$SPID
	start_switch ours bc-ob "$T/bc-ob" -M "$T/bc-ob.mgmt"; cb=$SPID
	if start_cable ours "$T/bc-oa" "$T/bc-ob"; then
		cab=$CPIDS
		burst_measure c-ours "$T/bc-oa.mgmt $T/bc-ob.mgmt" -s "$T/bc-oa" -r "$T/bc-ob" -p "$ca,$cb"
		stop ${cab//,/ }
	else
		note "our dpipe/plug cable did not connect: no column for it"
	fi
	stop "$ca" "$cb"
	start_switch ours bc-nb "$T/bc-nb" -M "$T/bc-nb.mgmt"; cb=$SPID
	if start_native vde bc-na "$T/bc-na" "$T/bc-nb" -M "$T/bc-na.mgmt"; then
		ca=$SPID
		burst_measure c-nvde "$T/bc-na.mgmt $T/bc-nb.mgmt" -s "$T/bc-na" -r "$T/bc-nb" -p "$ca,$cb"
		stop "$ca"
	else
		note "--port vde:// did not connect: no column for it"
	fi
	stop "$cb"
}

burst_row() { # burst_row LABEL CASE KEY
	local k v=()
	for k in $BURST_KINDS; do v+=("$(fmtn "${R[burst.$k.$2.$3]:-}")"); done
	printf "  %-30s %10s %10s %10s %10s %10s\n" "$1" "${v[@]}"
}

burst_table() {
	local c len rate
	printf "\n%-32s %10s %10s %10s %10s %10s\n" "burst absorption (${BURST_MS} ms at 2x drain)" \
		"vde2" "ours" "vde2 cable" "ours dpipe" "ours vde://"
	for c in $BURST_CASES; do
		len=${c%%:*} rate=${c##*:}
		echo "  $len B frames, drain $(fmtn "$rate")/s, burst $(fmtn $((2 * rate)))/s:"
		burst_row "  offered frames/s (2x drain?)" "$c" drain.offered_fps
		burst_row "  sent" "$c" drain.sent
		burst_row "  received" "$c" drain.received
		burst_row "  lost" "$c" drain.lost
		burst_row "  dropped by switches (console)" "$c" switch_drops
		burst_row "    of them by the far switch" "$c" far_drops
		burst_row "  peak backlog, frames" "$c" drain.peak_backlog
	done
	local o=${R[burst.s-ours.60:50000.drain.lost]:-} v=${R[burst.s-vde2.60:50000.drain.lost]:-}
	echo "  (ratios: lost frames, lower=better; one switch, first case: ours $(fmtn "$o"), vde2 $(fmtn "$v"))"
	echo "  one switch columns: a switch; cable columns: switch = cable = switch, receiver on the far switch"
	echo "  load average $(cut -d' ' -f1-3 /proc/loadavg) after these rows"
	return 0
}
