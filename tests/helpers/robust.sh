# tests/helpers/robust.sh - helpers for the fault, churn, restart and
# permission tests; source it after tests/lib.sh.
#
#   vc ARGS...          tests/helpers/vdeclient.py (a hand-made VDE client)
#   py ARGS... <<EOF    a Python script on stdin, with vdeclient importable
#   $PYTHON             a python3 every user can run (not a per-user shim)
#   nfds PID, rss PID   open fds, resident memory in KiB, from /proc
#   wait_fds PID N      wait until PID has N open fds again
#   is_asan             is $VDE the sanitizer build?
#   mkuser VAR          a throwaway user (and its group), name put in $VAR,
#                       removed at exit after every process is stopped
#   mkgroup VAR [USER...]  a throwaway group with these members
#   as USER CMD...      run CMD as USER (real and effective ids, its groups)
#   bg_as NAME USER CMD...  bg NAME, as USER ($PID_NAME is CMD's own pid)
#   $SHARED             a sticky world-writable directory for users' files
HELPERS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PYTHONPATH=$HELPERS${PYTHONPATH:+:$PYTHONPATH}
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in the tree, and users may not write it

PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3)
vc() { "$PYTHON" "$HELPERS/vdeclient.py" "$@"; }
py() { "$PYTHON" - "$@"; }

nfds() { ls "/proc/$1/fd" | wc -l; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
_fds_are() { [ "$(nfds "$1")" -eq "$2" ]; }
wait_fds() {
	wait_for -t 60 _fds_are "$1" "$2" ||
		fail "pid $1 has $(nfds "$1") open fds, expected $2 again: $(ls -l /proc/$1/fd | tail -n +2)"
}

is_asan() { grep -qa __asan_init "$VDE"; }

_users=() _groups=()

mkuser() {
	local name="vdet$$${#_users[@]}u"
	useradd -M -U -s /usr/sbin/nologin "$name" || fail "useradd $name"
	_users+=("$name")
	eval "$1=$name"
}

mkgroup() {
	local var=$1 name="vdet$$${#_groups[@]}g"; shift
	groupadd "$name" || fail "groupadd $name"
	_groups+=("$name")
	local u
	for u in "$@"; do usermod -a -G "$name" "$u" || fail "usermod $u"; done
	eval "$var=$name"
}

as() {
	local u=$1; shift
	setpriv --reuid "$u" --regid "$u" --init-groups "$@"
}

bg_as() {
	local name=$1 u=$2; shift 2
	bg "$name" setpriv --reuid "$u" --regid "$u" --init-groups "$@"
}

SHARED=$T/shared
mkdir -m 1777 "$SHARED"

# Users can only go once their processes are gone: stop them here (TERM
# first, so a sanitizer build still writes its leak report), then let
# lib.sh finish.
_robust_cleanup() {
	local rc=$? p u g
	if [ ${#_users[@]} -gt 0 ]; then
		for p in "${_pids[@]}"; do kill "$p" 2>/dev/null; done
		for p in "${_pids[@]}"; do
			for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
			kill -9 "$p" 2>/dev/null
			wait "$p" 2>/dev/null
		done
		for u in "${_users[@]}"; do
			# a process of the user that escaped bg (its own children)
			for p in $(pgrep -u "$u"); do kill -9 "$p"; done
			for _ in $(seq 50); do pgrep -u "$u" >/dev/null || break; sleep 0.05; done
			userdel "$u" 2>/dev/null || echo "userdel $u failed" >&2
		done
		for g in "${_groups[@]}"; do groupdel "$g" 2>/dev/null; done
	fi
	(exit $rc)
	_cleanup
}
trap _robust_cleanup EXIT
