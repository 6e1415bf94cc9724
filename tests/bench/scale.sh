# tests/bench/scale.sh - the scale rows of the benchmark: sourced by
# tests/bench/run (BENCH_ONLY=scale, and after the main tables of a full
# run), which provides start_switch, stop, wait_for, gen, R[], the table
# helpers and the clean-up.  A benchmark: it prints, it judges nothing.
# tests/bench/README explains each row.
#
#   BENCH_SCALE_PORTS="2 64 512 4096"   endpoints connected in the port rows
#   BENCH_SCALE_MACS="0 1000 64000 cap" learned MACs in the MAC rows ("cap":
#                                       the table's capacity, minus room for
#                                       the stations themselves)
#   BENCH_SCALE_CAP=65536               our --hashsize (the capacity)
#   BENCH_SCALE_FLOOD=100000            flooded copies per second the flood
#                                       rows aim at (frames/s x ports)
#   VDEMANY=path                        the many-endpoints helper (default
#                                       build/vdemany, made when missing)
#
# Each switch, vde2 then ours, is started afresh for every size with
# enough ports (-n N+16 for both: vde2's default is 32, ours too), and
# build/vdemany connects the idle endpoints (two file descriptors each)
# from one process.  Runs as root, so our per-user port and endpoint
# quotas and the fd reserve for others do not apply.

MANY=${VDEMANY:-$TOP/build/vdemany}
SCALE_PORTS=${BENCH_SCALE_PORTS:-2 64 512 4096}
SCALE_MACS=${BENCH_SCALE_MACS:-0 1000 64000 cap}
SCALE_CAP=${BENCH_SCALE_CAP:-65536}
SCALE_FLOOD=${BENCH_SCALE_FLOOD:-100000}
SCALE_LEARNERS=8 # vdemany teaches through this many ports (vdemany.c)
SCALE_CONNECTS=${BENCH_SCALE_CONNECTS:-3000} # at most this many connects per row

# The switches' directories, on tmpfs when /dev/shm is one: every
# connect binds two socket files (the client's and the switch's), and on
# ext4 creating inodes right after deleting many costs a millisecond or
# more each (ext4's recently_deleted scan, seen with perf), which would
# measure the filesystem, not the switch.  run's cleanup removes it.
scale_dirs() {
	SCALE_TOP=${BENCH_SCALE_TMP:-}
	if [ -z "$SCALE_TOP" ] && [ "$(stat -f -c %T /dev/shm 2> /dev/null)" = tmpfs ]; then
		SCALE_SHM=$(mktemp -d /dev/shm/vdeb.XXXXXX) && chmod 755 "$SCALE_SHM" && SCALE_TOP=$SCALE_SHM
	fi
	[ -n "$SCALE_TOP" ] || SCALE_TOP=$T
}

scale_build() {
	if [ -z "${VDEMANY:-}" ] && { [ ! -x "$MANY" ] || [ "$MANY" -ot tests/bench/vdemany.c ]; }; then
		make -s build/vdemany || die "cannot build $MANY"
	fi
	[ -x "$MANY" ] || die "$MANY not built"
	# 2 fds per endpoint in vdemany, 2 more in the switch, plus slack
	local want=$((2 * $(scale_max_ports) + 256))
	[ "$(ulimit -n)" -ge "$want" ] 2> /dev/null || ulimit -n "$want" 2> /dev/null ||
		ulimit -n "$(ulimit -Hn)" 2> /dev/null
}

scale_max_ports() {
	local n m=2
	for n in $SCALE_PORTS; do [ "$n" -gt "$m" ] && m=$n; done
	echo "$m"
}

# scale_macs SPEC: "cap" is the capacity less the stations, learners and
# a little slack (a full table would evict); a number is itself
scale_macs() {
	if [ "$1" = cap ]; then echo $((SCALE_CAP - SCALE_LEARNERS - 8)); else echo "$1"; fi
}

# scale_switch KIND NAME PORTS: a fresh switch with PORTS ports; sets SPID.
# Ours gets the capacity explicitly; vde2 keeps its defaults (a chained
# hash of 128 buckets that grows chains, -x changes the bucket count)
scale_switch() {
	local kind=$1 name=$2 ports=$3
	if [ "$kind" = ours ]; then
		start_switch ours "$name" "$SCALE_TOP/$name" -n "$ports" --hashsize "$SCALE_CAP"
	else
		start_switch vde2 "$name" "$SCALE_TOP/$name" -n "$ports"
	fi
}

# scale_hold DIR N MACS NAME [SWITCH-PID]: vdemany keeps N endpoints on
# DIR after teaching MACS addresses; sets HPID once it says ready.  With
# SWITCH-PID, the switch's RSS once the endpoints are connected, before
# the teaching, goes into HRSS
scale_hold() {
	"$MANY" -s "$1" -n "$2" -m "$3" ${5:+-W} hold > "$T/$4.hold" 2> "$T/$4.hold.err" &
	HPID=$!
	_pids+=("$HPID")
	if [ -n "${5:-}" ]; then
		wait_for 120 grep -q '^hold.connected=1' "$T/$4.hold" ||
			{ cat "$T/$4.hold.err" >&2; die "vdemany could not connect $2 endpoints to $1"; }
		sleep 0.1
		HRSS=$(rss_kb "$5")
		kill -USR1 "$HPID"
	fi
	wait_for 120 grep -q '^hold.ready=1' "$T/$4.hold" ||
		{ cat "$T/$4.hold.err" >&2; die "vdemany could not hold $2 endpoints on $1"; }
}

# scale_gen KEYPREFIX ARGS...: one vdegen run, its lines into R[KEYPREFIX.*]
scale_gen() {
	local pre=$1; shift
	gen "$@" > "$T/scale.out" 2> "$T/scale.err" || { cat "$T/scale.err" >&2; die "vdegen $* failed"; }
	load "$pre" "$T/scale.out"
}

# scale_ports KIND N: N endpoints connected (vdegen's sender and receiver
# plus N-2 idle ones): unicast, flooding, memory, and for vde2 connects.
# vde2 connects its idle endpoints slowly (it polls all its fds for each
# event: 4094 take over a minute), so its switch gets the spare ports of
# the connects row right away and the row is measured on it; spare ports
# cost vde2 nothing per frame (a bitmap per VLAN), while ours walks its
# whole port table to flood: ours gets a switch of its own for connects
scale_ports() {
	local kind=$1 n=$2 name=sp-$1-$2 idle=$(($2 - 2)) rss0 rss1 p=scale.$1.p$2 spare=0
	[ "$kind" = vde2 ] && spare=$SCALE_CONNECTS
	scale_switch "$kind" "$name" $((n + 16 + spare))
	local sp=$SPID hp=
	sleep 0.2
	rss0=$(rss_kb "$sp")
	if [ "$idle" -gt 0 ]; then
		scale_hold "$SCALE_TOP/$name" "$idle" 0 "$name"
		hp=$HPID
		rss1=$(rss_kb "$sp")
		R[$p.rss_per_ep]=$(((rss1 - rss0) * 1024 / idle))
		R[$p.open_ms]=$(sed -n 's/^hold.open_ms=//p' "$T/$name.hold")
	fi
	scale_gen "$p" -s "$SCALE_TOP/$name" -p "$sp" -t "$SECS" small
	local rate
	rate=$(scale_flood_rate "$n")
	# -w 5000: at thousands of ports a busy switch may still be flooding
	# the last frames well after the sender stopped; they are not lost
	scale_gen "$p" -s "$SCALE_TOP/$name" -p "$sp" -t "$SECS" -R "$rate" -w 5000 flood
	local fns=${R[$p.flood.switch_ns_per_frame]:-}
	[ -n "$fns" ] && R[$p.flood.ns_per_copy]=$((fns / (n - 1)))
	[ "$kind" = vde2 ] && scale_connect_measure "$p" "$SCALE_TOP/$name" "$idle"
	stop $hp "$sp"
}

# scale_flood_rate N: broadcasts/s that give about SCALE_FLOOD copies/s
# in all to N-1 ports (20..100,000)
scale_flood_rate() {
	local rate=$((SCALE_FLOOD / ($1 - 1)))
	[ "$rate" -gt 100000 ] && rate=100000
	[ "$rate" -lt 20 ] && rate=20
	echo "$rate"
}

# scale_connect_measure KEYPREFIX DIR IDLE: connect and disconnect up
# to SCALE_CONNECTS times in SECS; then the ports left taken (data
# sockets in DIR beyond the IDLE ones held)
scale_connect_measure() {
	local p=$1 dir=$2 idle=$3 left
	"$MANY" -s "$dir" -t "$SECS" -c "$SCALE_CONNECTS" connects > "$T/scale.out" 2> "$T/scale.err" ||
		{ cat "$T/scale.err" >&2; die "vdemany connects against $dir failed"; }
	load "$p" "$T/scale.out"
	# the switch has answered the last one; give it a moment for the
	# closes, then count the ports that stayed
	sleep 0.5
	left=$(compgen -G "$dir/[0-9]*" | wc -l)
	R[$p.connects.leaked]=$((left - idle))
}

# scale_connects KIND N: connects with N-2 idle endpoints held, on a
# switch of its own with SCALE_CONNECTS spare ports (vde2 2.3.2 keeps
# the port of some clients that leave right after the handshake, a third
# of them here, and with no port left its next client waits for a reply
# for ever; ours is measured the same way)
scale_connects() {
	local kind=$1 n=$2 name=sc-$1-$2 idle=$(($2 - 2)) hp=
	scale_switch "$kind" "$name" $((n + 16 + SCALE_CONNECTS))
	local sp=$SPID
	if [ "$idle" -gt 0 ]; then
		scale_hold "$SCALE_TOP/$name" "$idle" 0 "$name"
		hp=$HPID
	fi
	scale_connect_measure "scale.$kind.p$n" "$SCALE_TOP/$name" "$idle"
	stop $hp "$sp"
}

# scale_spare KIND: 2 endpoints on a switch with as many ports configured
# (-n) as the largest port row: does flooding cost what is connected, or
# what could be?
scale_spare() {
	local kind=$1 name=ss-$1 ports=$(($(scale_max_ports) + 16))
	SCALE_SPARE=$ports
	scale_switch "$kind" "$name" "$ports"
	local sp=$SPID
	scale_gen "scale.$kind.spare" -s "$SCALE_TOP/$name" -p "$sp" -t "$SECS" -R "$(scale_flood_rate 2)" flood
	stop "$sp"
}

# scale_macs_row KIND SPEC: two stations and SCALE_LEARNERS ports that
# taught the switch MACS addresses: unicast between the stations
scale_macs_row() {
	local kind=$1 m name=sm-$1-$2 rss0 rss1 p=scale.$1.m$2
	m=$(scale_macs "$2")
	scale_switch "$kind" "$name" 64
	local sp=$SPID
	scale_hold "$SCALE_TOP/$name" "$SCALE_LEARNERS" "$m" "$name" "$sp"
	local hp=$HPID
	rss0=$HRSS
	rss1=$(rss_kb "$sp")
	[ "$m" -gt 0 ] && R[$p.rss_per_mac]=$(((rss1 - rss0) * 1024 / m))
	R[$p.teach_ms]=$(sed -n 's/^hold.teach_ms=//p' "$T/$name.hold")
	scale_gen "$p" -s "$SCALE_TOP/$name" -p "$sp" -t "$SECS" small
	stop "$hp" "$sp"
}

scale_run() {
	scale_build
	scale_dirs
	local n m k fits
	note "scale: ports ($SCALE_PORTS endpoints) and learned MACs ($SCALE_MACS), vde2 then ours, ${SECS}s per measurement; fd limit $(ulimit -n); switches in $SCALE_TOP ($(stat -f -c %T "$SCALE_TOP"))"
	SCALE_DONE_PORTS=
	for n in $SCALE_PORTS; do
		fits=$((2 * n + 128 <= $(ulimit -n)))
		[ "$n" -ge 2 ] && [ "$fits" = 1 ] || { note "scale: $n endpoints do not fit the fd limit $(ulimit -n): skipped"; continue; }
		for k in vde2 ours; do scale_ports "$k" "$n"; done
		scale_connects ours "$n" # vde2's: in scale_ports
		SCALE_DONE_PORTS+=" $n"
	done
	for k in vde2 ours; do scale_spare "$k"; done
	for m in $SCALE_MACS; do
		for k in vde2 ours; do scale_macs_row "$k" "$m"; done
	done
}

# srow LABEL KEY [DECIMALS [-]]: vde2 and ours for R[scale.KIND.KEY]
srow() {
	local v=${R[scale.vde2.$2]:-} o=${R[scale.ours.$2]:-}
	printf "  %-44s %12s %12s %9s\n" "$1" "$(fmtn "$v" "${3:-0}")" "$(fmtn "$o" "${3:-0}")" \
		"$([ -z "${4:-}" ] && ratio "$o" "$v")"
}

scale_table() {
	local n m
	header "scale: endpoints connected (2 stations + idle)"
	for n in $SCALE_DONE_PORTS; do srow "60 B unicast frames/s, $n endpoints" "p$n.small.delivered_fps"; done
	for n in $SCALE_DONE_PORTS; do srow "  switch CPU ns/frame, $n (lower=better)" "p$n.small.switch_ns_per_frame"; done
	for n in $SCALE_DONE_PORTS; do srow "  unicast loss %, $n endpoints" "p$n.small.loss_pct" 2 -; done
	header "scale: learned MACs (2 stations + $SCALE_LEARNERS teaching ports)"
	for m in $SCALE_MACS; do
		srow "60 B unicast frames/s, $(fmtn "$(scale_macs "$m")") MACs" "m$m.small.delivered_fps"
	done
	for m in $SCALE_MACS; do
		srow "  switch CPU ns/frame, $(fmtn "$(scale_macs "$m")") (lower=better)" "m$m.small.switch_ns_per_frame"
	done
	for m in $SCALE_MACS; do
		[ "$(scale_macs "$m")" -gt 0 ] &&
			srow "  switch RSS per MAC, bytes, $(fmtn "$(scale_macs "$m")")" "m$m.rss_per_mac"
	done
	echo "  our table: --hashsize $(fmtn "$SCALE_CAP") entries; vde2: its default hash (128 buckets, chained)"
	header "scale: flooding 60 B broadcasts"
	for n in $SCALE_DONE_PORTS; do
		srow "CPU ns per frame per port, $n endpoints" "p$n.flood.ns_per_copy"
	done
	srow "CPU ns per broadcast, 2 endpoints, -n ${SCALE_SPARE:-?}" "spare.flood.switch_ns_per_frame"
	srow "  the same with -n 18 (first row)" "p2.flood.switch_ns_per_frame"
	for n in $SCALE_DONE_PORTS; do srow "  broadcast frames/s paced, $n" "p$n.flood.delivered_fps" 0 -; done
	for n in $SCALE_DONE_PORTS; do srow "  broadcast loss % at the station, $n" "p$n.flood.loss_pct" 2 -; done
	header "scale: connecting"
	for n in $SCALE_DONE_PORTS; do srow "connects/s (open+handshake+close), $n" "p$n.connects.per_s"; done
	for n in $SCALE_DONE_PORTS; do
		srow "  ports never freed, of $(fmtn "${R[scale.ours.p$n.connects.n]:-}")/$(fmtn "${R[scale.vde2.p$n.connects.n]:-}")" "p$n.connects.leaked" 0 -
	done
	for n in $SCALE_DONE_PORTS; do
		[ "$n" -gt 2 ] && srow "switch RSS per idle endpoint, bytes, $n" "p$n.rss_per_ep"
	done
	for n in $SCALE_DONE_PORTS; do
		[ "$n" -gt 2 ] && srow "  ms to connect $((n - 2)) idle endpoints" "p$n.open_ms"
	done
	echo "  load average $(cut -d' ' -f1-3 /proc/loadavg) after these rows"
	return 0
}
