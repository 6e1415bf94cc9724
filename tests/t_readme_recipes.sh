#!/bin/bash
# t_readme_recipes.sh - every recipe of README's HOWTO runs as printed, in
# order, on what looks like a fresh machine, and leaves nothing behind.
#
# A recipe is a block of lines indented by two or more spaces after a
# blank line in the HOWTO section; every such line is a command line.
# An indented line right after text is an error (a command glued to its
# paragraph would never run), unless it goes on a "- " item.  Blocks are
# taken from README ($README to point at another copy) byte for byte
# and run one after another, each by its own bash (as if pasted into a
# new terminal), stdin /dev/null, in $HOME=/root.  The commands are not
# edited: between two command lines (a line and its "\" continuations)
# the test adds a check that the line exited 0 and that no background
# job of the block ("... &") has exited non-zero.  A block may print no
# error message (what a background command says when it fails).  After
# each block nothing it started may be left: no process, no file in
# /tmp, no network interface (waited for, then killed and reported).
#
# What a fresh machine has, made here so the host is not touched: the
# whole run is one network namespace (lo, and eth0 192.0.2.1/24 with a
# default route, a veth whose peer "lan0" stays in the namespace), one
# PID namespace (so a daemon that escaped is still seen), and private
# mounts: tmpfs on /tmp, /run, /root and /usr/local.  "make install
# PREFIX=/usr/local" puts the binary under test first in PATH, as README
# assumes.  sshd listens on localhost:22 and root can "ssh localhost"
# with a key (known_hosts has localhost), as for a user who uses ssh.
# A recipe that needs anything else (another host, "...", user@host)
# fails here: the HOWTO may only hold recipes that run.
. "$(dirname "$0")/lib.sh"
need make ip unshare timeout ssh ssh-keygen /usr/sbin/sshd qemu-system-x86_64 passt tcpdump
command -v linux > /dev/null || skip "user-mode-linux not installed"
[ "$(id -u)" -eq 0 ] || skip "needs root for namespaces and taps"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
getent passwd sshd > /dev/null || skip "no sshd privilege separation user"
[ -n "$(ls /usr/share/qemu/pxe-virtio.rom /usr/lib/ipxe/qemu/efi-virtio.rom 2> /dev/null)" ] ||
	skip "no iPXE firmware for virtio-net (apt-get install ipxe-qemu)"
top=$(cd "$(dirname "$0")/.." && pwd)
README=${README:-$top/README}
[ -r "$README" ] || fail "cannot read $README"

# The blocks: NN.txt exactly as printed, NN.sh the same lines with the
# checks between them.  A line "HOWTO" over a line of dashes starts the
# section, the next such heading ends it.
mkdir "$T/blocks"
awk -v dir="$T/blocks" '
function flush() {
	if (open) { print "__end " start > sh; close(sh); close(txt) }
	open = 0
}
{ line[NR] = $0 }
END {
	for (i = 1; i <= NR; i++) {
		head = (line[i + 1] ~ /^-+$/ && line[i] ~ /^[A-Z]/)
		if (head && in_howto) { flush(); break }
		if (head && line[i] == "HOWTO") { in_howto = 1; i++; continue }
		if (!in_howto) continue
		if (line[i] == "") { flush(); bullet = 0; continue }
		if (line[i] !~ /^  /) {
			flush()
			if (line[i] ~ /^- /) bullet = 1
			else if (line[i - 1] == "") bullet = 0
			continue
		}
		if (!open && line[i - 1] != "") {
			if (bullet) continue # a "- " item goes on indented
			printf "README line %d: an indented line after text is no recipe (a blank line goes before one)\n", i > "/dev/stderr"
			bad = 1
			continue
		}
		if (!open) {
			n++; open = 1; start = i
			txt = sprintf("%s/%02d.txt", dir, n); sh = sprintf("%s/%02d.sh", dir, n)
			print "# README line " i > sh
			print ". \"$VDET_RECIPES/check.sh\"" > sh
		}
		print line[i] > txt
		print line[i] > sh
		if (line[i] !~ /\\$/) print "__chk $? " i > sh
	}
	flush()
	if (!in_howto) { print "no HOWTO section" > "/dev/stderr"; exit 3 }
	exit bad
}' "$README" 2> "$T/extract.err" || fail "$README: $(cat "$T/extract.err")"
nblocks=$(ls "$T/blocks" | grep -c '\.txt$')
[ "$nblocks" -gt 0 ] || fail "no recipe blocks found in the HOWTO of $README"
say "$nblocks recipe blocks in $README's HOWTO"

# check.sh: sourced by every block.  __chk RC LINE after each command line.
cat > "$T/check.sh" <<'SH'
__chk() {
	if [ "$1" -ne 0 ]; then echo "RECIPE-FAIL: README line $2 exited $1"; exit 1; fi
	local j
	j=$(jobs -l | grep 'Exit [0-9]')
	[ -z "$j" ] || { echo "RECIPE-FAIL: after README line $2, a background job failed: $j"; exit 1; }
}
__end() { echo "RECIPE-OK: block at README line $1"; }
SH

# inside.sh: PID 1 of the run's PID namespace, in its own mounts
cat > "$T/inside.sh" <<'SH'
set -u
T=$1 top=$2 VDE=$3
say() { echo "# $*"; }
mount --make-rprivate /
mount -t tmpfs -o mode=755 vdet-usrlocal /usr/local || exit 1
make -s -C "$top" install PREFIX=/usr/local VDE_BIN="$VDE" > "$T/install.log" 2>&1 ||
	{ echo "make install failed: $(cat "$T/install.log")"; exit 1; }
mount -t tmpfs -o mode=755 vdet-run /run && mkdir -m 755 /run/sshd /run/user && mkdir -m 700 /run/user/0 || exit 1
mkdir /run/t && mount --bind "$T" /run/t || exit 1
T=/run/t
export VDET_RECIPES=$T
export ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$T/san" UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$T/san"
mount -t tmpfs -o mode=1777 vdet-tmp /tmp || exit 1
mount -t tmpfs -o mode=700 vdet-root /root || exit 1
export HOME=/root USER=root LOGNAME=root SHELL=/bin/bash
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
unset TMPDIR
cd /root || exit 1

# the machine's network: lo, eth0 with an address and a default route
ip link set lo up
ip link add eth0 type veth peer name lan0 && ip link set lan0 up && ip link set eth0 up &&
	ip addr add 192.0.2.1/24 dev eth0 && ip route add default via 192.0.2.254 || exit 1

# ssh localhost as root: a key, its host in known_hosts, sshd on :22
mkdir -m 700 /root/.ssh "$T/sshd"
ssh-keygen -q -t ed25519 -N '' -f "$T/sshd/host" &&
	ssh-keygen -q -t ed25519 -N '' -f /root/.ssh/id_ed25519 || exit 1
cp /root/.ssh/id_ed25519.pub /root/.ssh/authorized_keys
echo "localhost,127.0.0.1,::1 $(cut -d' ' -f1,2 "$T/sshd/host.pub")" > /root/.ssh/known_hosts
cat > "$T/sshd/config" <<CONF
Port 22
ListenAddress 127.0.0.1
ListenAddress ::1
HostKey $T/sshd/host
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PidFile $T/sshd/pid
PrintMotd no
LogLevel VERBOSE
CONF
/usr/sbin/sshd -e -f "$T/sshd/config" 2> "$T/sshd.log" || { cat "$T/sshd.log"; exit 1; }
for _ in $(seq 200); do ssh -o BatchMode=yes localhost true 2> /dev/null && break; sleep 0.05; done
ssh -o BatchMode=yes localhost true || { echo "ssh localhost does not work: $(tail -n 5 "$T/sshd.log")"; exit 1; }

# What a block may not leave: processes (read with builtins only, so the
# check makes none), files in /tmp, network interfaces.
declare -A before
procs() { # sets pids: every live process but this shell
	local d st
	pids=()
	for d in /proc/[0-9]*; do
		[ "${d#/proc/}" = $$ ] && continue
		read -r st < "$d/stat" 2> /dev/null || continue
		st=${st##*) }
		[ "${st%% *}" = Z ] && continue # a zombie is reaped by us
		pids+=("${d#/proc/}")
	done
}
newprocs() { # sets new: the live processes not in before
	local p
	procs
	new=()
	for p in "${pids[@]}"; do [ -n "${before[$p]:-}" ] || new+=("$p"); done
}
state() { { find /tmp -mindepth 1; ip -o link show | sed 's/^[0-9]*: //; s/[:@].*//'; } | sort; }
clean() { newprocs; [ ${#new[@]} -eq 0 ] && [ "$(state)" = "$(cat "$T/state.before")" ]; }

# What an error message says.  Not one: passt's complaint that nothing
# takes its syslog lines (no syslog daemon in the namespace).
errors='No such file or directory|Connection refused|Permission denied|Address already in use'
errors+='|Invalid argument|Operation not permitted|No such device|unreachable|[Uu]sage:'
errors+='|[Uu]nknown|not found|[Ee]rror|[Ff]ailed|[Rr]efused|[Cc]annot|can.t |[Dd]enied'
bad=0
for sh in "$T"/blocks/*.sh; do
	n=$(basename "$sh" .sh)
	procs
	before=()
	for p in "${pids[@]}"; do before[$p]=1; done
	state > "$T/state.before"
	say "---- recipe $n ($(head -n 1 "$sh" | sed 's/^# //'))"
	sed 's/^/    /' "$T/blocks/$n.txt"
	timeout -k 5 300 bash "$sh" < /dev/null > "$T/block$n.log" 2>&1
	rc=$?
	sed 's/^/  | /' "$T/block$n.log"
	if [ $rc -ne 0 ] || ! grep -q '^RECIPE-OK' "$T/block$n.log"; then
		echo "RECIPE $n FAILED (exit $rc)"; bad=1
	fi
	# a background command's error (dpipe A = B exits with B's status)
	if grep -v -e '^RECIPE-' -e '^Failed to send [0-9]* bytes to syslog$' "$T/block$n.log" | grep -E "$errors"; then
		echo "RECIPE $n PRINTED AN ERROR (above)"; bad=1
	fi
	for _ in $(seq 400); do clean && break; sleep 0.05; done
	if ! clean; then
		echo "RECIPE $n LEFT BEHIND:"
		newprocs
		for p in "${new[@]}"; do echo "  process $p: $(tr '\0' ' ' < /proc/$p/cmdline 2>/dev/null)"; done
		diff "$T/state.before" <(state) | sed -n 's/^> /  left: /p; s/^< /  gone: /p'
		bad=1
		for p in "${new[@]}"; do kill -9 "$p" 2> /dev/null; done
		find /tmp -mindepth 1 -delete 2> /dev/null
		for l in $(comm -13 "$T/state.before" <(state)); do ip link del "$l" 2> /dev/null; done
	fi
done
[ $bad -eq 0 ] && echo "ALL-RECIPES-OK"
exit $bad
SH

ns=$(mkns readme)
ip netns exec "$ns" unshare -m -p -f --mount-proc --propagation private \
	bash "$T/inside.sh" "$T" "$top" "$VDE" > "$T/out.log" 2>&1
rc=$?
cat "$T/out.log"
# sanitizer reports of daemons (no stderr) went to $T/san.PID
if ls "$T"/san.* > /dev/null 2>&1; then head -n 40 "$T"/san.* >&2; fail "sanitizer report from a recipe's process"; fi
[ $rc -eq 0 ] && grep -qx ALL-RECIPES-OK "$T/out.log" || fail "README recipes: $(grep -E '^RECIPE|RECIPE-FAIL' "$T/out.log" | head -n 20)"
[ "$(grep -c '^  | RECIPE-OK' "$T/out.log")" -eq "$nblocks" ] || fail "not every block ran to its end"
exit 0
