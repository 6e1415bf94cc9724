#!/bin/bash
# t_bash_completion.sh - the bash completion of "make install-extras"
# (extras/vde.bash-completion.in), installed into a scratch DESTDIR with
# BINDIR naming the binary under test, loads into a plain bash (no
# bash-completion package needed) and completes as a user sees it:
#   vde_plug ta         -> tap://        (a scheme, from vde_plug --help)
#   vde_plug tap:       -> //            (bash splits at ':': the rest only)
#   vde_plug tap://l    -> //lo          (an interface after tap://)
#   vde ''              -> every applet of vde --list
#   vde_switch --nos    -> --nostdin     (an option, from --help)
#   vde switch -s D     -> a directory   (-s takes a DIR)
#   dpipe vde_plug a = ss -> a command
# Each case runs in a fresh "bash --norc" that sources the installed file
# and calls the function "complete -p" names for the command, with the
# COMP_* variables bash itself would set.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/.." && pwd)
# an installed vde: BINDIR/vde and its applet links
mkdir "$T/bindir" && ln -s "$VDE" "$T/bindir/vde" && "$VDE" --install "$T/bindir" || fail "vde --install $T/bindir"
make -s -C "$top" install-extras DESTDIR="$T/dest" BINDIR="$T/bindir" VDE_BIN="$VDE" > "$T/install.log" 2>&1 ||
	fail "make install-extras: $(cat "$T/install.log")"
comp=$T/dest/usr/local/share/bash-completion/completions
[ -f "$comp/vde" ] || fail "no completion file $comp/vde"
for a in $("$VDE" --list); do
	[ "$(readlink "$comp/$a")" = vde ] || fail "$comp/$a is not a link to vde (bash-completion loads by command name)"
done

# complete LINE: the completions of LINE (the cursor at its end), one a line
complete_line() {
	bash --norc --noprofile -c '
		. "$1" || exit 1
		line=$2
		fn=$(complete -p "${line%% *}" 2>/dev/null | sed -n "s/.*-F \([^ ]*\).*/\1/p")
		[ -n "$fn" ] || { echo "no completion for ${line%% *}" >&2; exit 1; }
		# the words as bash splits them (at blanks and COMP_WORDBREAKS)
		COMP_LINE=$line COMP_POINT=${#line}
		read -r -a COMP_WORDS <<< "$line"
		[[ $line == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		cmd=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]-}
		"$fn" "$cmd" "$cur" "$prev" || exit 1
		printf "%s\n" "${COMPREPLY[@]}"' sh "$comp/vde" "$1"
}
# expect LINE WORD: WORD is among LINE's completions
expect() {
	complete_line "$1" > "$T/out" 2> "$T/err" || fail "completing '$1' failed: $(cat "$T/err")"
	[ -s "$T/err" ] && fail "completing '$1' wrote on stderr: $(cat "$T/err")"
	grep -qxF -- "$2" "$T/out" || fail "'$1' does not complete to '$2', but to: $(tr '\n' ' ' < "$T/out")"
	say "'$1' -> $2"
}
# expect_not LINE WORD: WORD is not among them
expect_not() {
	complete_line "$1" > "$T/out" 2>&1 || fail "completing '$1' failed: $(cat "$T/out")"
	grep -qxF -- "$2" "$T/out" && fail "'$1' completes to '$2': $(tr '\n' ' ' < "$T/out")"
	return 0
}

expect "vde_plug ta" "tap://"
expect_not "vde_plug ta" "udp://"
expect "vde_plug tap:" "//"
[ -d /sys/class/net/lo ] && expect "vde_plug tap://l" "//lo"
for a in $("$VDE" --list); do expect "vde " "$a"; done
expect "vde_switch --nos" "--nostdin"
expect "vde_switch -" "--hub"
mkdir "$T/swdir"
expect "vde switch -s $T/sw" "$T/swdir"
expect "vde_plug -s /tmp/sw1 sw" "switch://"
expect "vdecmd -" "-e"
expect "dpipe vde_plug a = bas" "bash"
say "the completion file loads and completes applets, options, schemes"
exit 0
