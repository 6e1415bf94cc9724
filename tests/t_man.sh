#!/bin/bash
# t_man.sh - the manual pages (man/*.1) against the binary they describe:
#   - every page is clean under "mandoc -T lint -W style", the strictest
#     level; the one message let through is "referenced manual not
#     found", which depends on the manuals this machine has installed
#     (ours are not installed while the suite runs);
#   - every applet of "vde --list", and vde itself, has a page, every
#     page is of an applet, and vde.1 lists every applet;
#   - the options of "APPLET --help" (its usage lines and its option list)
#     and the options the page's OPTIONS section lists agree, both ways;
#     -h and --help count as everywhere (vde.c serves them for every
#     applet); every option of a SYNOPSIS is one of --help's;
#   - vde_plug.1's SCHEMES are those of "vde_plug --help", and
#     vde_switch.1's CONSOLE COMMANDS those a running switch's "help" lists.
# A difference fails and names what is missing where.
# VDE_MAN_DIR=DIR checks the pages in DIR instead of man/ (to see this
# test fail on a broken copy).
. "$(dirname "$0")/lib.sh"
need mandoc
top=$(cd "$(dirname "$0")/.." && pwd)
man=${VDE_MAN_DIR:-$top/man}
[ -d "$man" ] || fail "no manual directory $man"
bad=0
problem() { echo "FAIL: $*" >&2; bad=1; }

# help_opts TEXT-FILE: the options a --help text names, one a line: the
# leading option words of lines indented by 1 to 8 blanks and a dash
# ("  -s, --sock, -unix DIR  ..."), and the options of the usage lines
# ("usage: ..." and the lines indented under it), a bundle "[-rk]" split.
help_opts() {
	awk '/^ +--?[A-Za-z]/ && index($0, "-") <= 9 {
		for (i = 1; i <= NF; i++) {
			f = $i; more = sub(/,$/, "", f)
			if (f !~ /^--?[A-Za-z][A-Za-z0-9-]*$/) break
			print f
			if (!more) break
		}
	}' "$1"
	awk '/^usage:/ { u = 1; print; next } u && /^       [^ ]/ { print; next } { u = 0 }' "$1" |
		grep -oE '(^|[][ |])--?[A-Za-z][A-Za-z0-9-]*' | sed 's/^[][ |]//' |
		while read -r o; do
			case $o in
			--*) printf "%s\n" "$o" ;;
			-?) printf "%s\n" "$o" ;;
			*) printf "%s\n" "${o#-}" | grep -o . | sed 's/^/-/' ;; # a bundle: -rk
			esac
		done
	printf -- '-h\n--help\n'
}

# section PAGE NAME: the lines of section NAME (".Sh NAME" to the next .Sh)
section() { awk -v s=".Sh $2" '$0 == s { on = 1; next } /^\.Sh / { on = 0 } on' "$1"; }

# man_opts PAGE: the options of the .It lines of the OPTIONS section
man_opts() {
	section "$1" OPTIONS | awk '/^\.It / { for (i = 2; i < NF; i++) if ($i == "Fl") print "-" $(i + 1) }'
	printf -- '-h\n--help\n'
}

# synopsis_opts PAGE: every Fl of the SYNOPSIS; "-dFx" is a bundle unless
# --help names it whole (vde2's single-dash long options)
synopsis_opts() {
	section "$1" SYNOPSIS | awk '{ for (i = 1; i < NF; i++) if ($i == "Fl") print "-" $(i + 1) }' |
		while read -r o; do
			if [ "${o#--}" != "$o" ] || [ ${#o} -eq 2 ] || grep -qxF -- "$o" "$2"; then
				printf "%s\n" "$o"
			else
				printf "%s\n" "${o#-}" | grep -o . | sed 's/^/-/'
			fi
		done
}

# same WHAT A-FILE A-NAME B-FILE B-NAME: the sorted sets agree, else name
# what each lacks
same() {
	local only_a only_b
	only_a=$(comm -23 "$2" "$4" | tr '\n' ' ')
	only_b=$(comm -13 "$2" "$4" | tr '\n' ' ')
	[ -z "$only_a" ] || problem "$1: in $3, not in $5: $only_a"
	[ -z "$only_b" ] || problem "$1: in $5, not in $3: $only_b"
}

say "mandoc -T lint -W style"
for p in "$man"/*.1; do
	mandoc -T lint -W style "$p" > "$T/lint.out" 2>&1
	grep -v -e 'STYLE: referenced manual not found' -e 'outdated mandoc.db' "$T/lint.out" > "$T/lint.bad"
	[ -s "$T/lint.bad" ] && problem "$(basename "$p"): $(cat "$T/lint.bad")"
done

say "a page for every applet, an applet for every page"
applets=$("$VDE" --list) || fail "vde --list"
[ -n "$applets" ] || fail "vde --list printed nothing"
for a in vde $applets; do
	[ -f "$man/$a.1" ] || problem "applet $a has no page $man/$a.1"
done
for a in $applets; do
	grep -qx "\.It Xr $a 1" "$man/vde.1" || problem "vde.1 does not list applet $a (.It Xr $a 1)"
done
for p in "$man"/*.1; do
	n=$(basename "$p" .1)
	printf '%s\n' vde $applets | grep -qxF "$n" || problem "$n.1 is not the page of an applet of vde --list"
done

say "options of --help and of each page"
for a in vde $applets; do
	p=$man/$a.1
	[ -f "$p" ] || continue
	if [ "$a" = vde ]; then "$VDE" --help > "$T/$a.help"; else "$VDE" "$a" --help > "$T/$a.help"; fi ||
		{ problem "$a --help failed"; continue; }
	help_opts "$T/$a.help" | sort -u > "$T/$a.hopts"
	[ "$(wc -l < "$T/$a.hopts")" -gt 2 ] || problem "$a --help: no options found in it (has its format changed?)"
	man_opts "$p" | sort -u > "$T/$a.mopts"
	same "$a options" "$T/$a.hopts" "$a --help" "$T/$a.mopts" "$a.1 OPTIONS"
	synopsis_opts "$p" "$T/$a.hopts" | sort -u > "$T/$a.sopts"
	extra=$(comm -23 "$T/$a.sopts" "$T/$a.hopts" | tr '\n' ' ')
	[ -z "$extra" ] || problem "$a.1 SYNOPSIS has options --help does not name: $extra"
done

say "vde_plug schemes"
"$VDE" plug --help | awk '/^  [a-z][a-z0-9]*:\/\// { sub(/:\/\/.*/, "://", $1); print $1 }' | sort -u > "$T/schemes.help"
[ "$(wc -l < "$T/schemes.help")" -ge 5 ] || problem "vde_plug --help: schemes not found in it"
section "$man/vde_plug.1" SCHEMES | awk '/^\.It Cm / { sub(/:\/\/.*/, "://", $3); print $3 }' | sort -u > "$T/schemes.man"
same "vde_plug schemes" "$T/schemes.help" "vde_plug --help" "$T/schemes.man" "vde_plug.1 SCHEMES"

say "vde_switch console commands"
start_switch sw "$T/sw" -M "$T/mgmt" --nostdin
wait_for test -S "$T/mgmt" || fail "no console socket $T/mgmt"
"$BIN/vdecmd" "$T/mgmt" help > "$T/console.help" || fail "vdecmd help: $(cat "$T/console.help")"
awk '$1 ~ /^[a-z][a-z0-9_]*(\/[a-z0-9_]+)?$/ && $2 != "============" { print $1 }' "$T/console.help" | sort -u > "$T/cmds.help"
[ "$(wc -l < "$T/cmds.help")" -ge 20 ] || problem "help lists too few commands: $(cat "$T/console.help")"
section "$man/vde_switch.1" "CONSOLE COMMANDS" | awk '/^\.It Cm / { print $3 }' | sort -u > "$T/cmds.man"
same "console commands" "$T/cmds.help" "the switch's help" "$T/cmds.man" "vde_switch.1 CONSOLE COMMANDS"

[ $bad -eq 0 ] || exit 1
say "all pages agree with the binary"
exit 0
