#!/bin/bash
# The command's documentation stays in step with the command (issue 19):
# every option the source accepts is in `nodice --help`, and the options of
# --help are exactly those of nodice(1); every NODICE_* variable the library
# or the command reads is in nodice-env(7); both pages render without a
# warning (mandoc -T lint, groff -ww) and through man -l. The bash
# completion registers itself and completes subcommands, options, option
# values, files and, after `--`, the command's own words; --version names
# the version, the commit and the library it would preload.
# Usage: clidocs.sh NODICE LIB SOURCE_DIR
. "$(dirname "$0")/checks.sh"
src=$fixtures # the third argument is the source tree here
man1=$src/docs/man/nodice.1 man7=$src/docs/man/nodice-env.7

options() { grep -oE -- '(^|[^a-z-])(--[a-z][a-z-]*|-n)' | grep -oE -- '--?[a-z][a-z-]*' | sort -u; }
"$nodice" --help | options >help.opts
# options as the command's source spells them ("--x" literals; `--` itself is not one)
cat "$src"/inspect/*.c | grep -oE '"(--[a-z][a-z-]*|-n)"' | tr -d '"' | sort -u >source.opts
# options as the man page spells them: \-\-name
sed 's/\\-/-/g' "$man1" | options >man.opts
missing=$(comm -23 source.opts help.opts | tr '\n' ' ')
[ -z "$missing" ] && ok || bad "options the command accepts and --help does not list: $missing"
diff_help=$(diff help.opts man.opts | grep '^[<>]' | tr '\n' ' ')
[ -z "$diff_help" ] && ok || bad "--help and nodice(1) disagree (< help only, > man only): $diff_help"
[ "$(wc -l <help.opts)" -ge 25 ] && ok || bad "too few options found in --help: $(cat help.opts)"

# every variable read with get("NODICE_...") or getenv("NODICE_...")
grep -rhoE '(get|getenv)\("NODICE_[A-Z_]+"\)' "$src/shim" "$src/inspect" | grep -oE 'NODICE_[A-Z_]+' | sort -u >vars
sed 's/\\-/-/g; s/\\fB//g; s/\\fR//g' "$man7" | grep -oE 'NODICE_[A-Z_]+' | sort -u >man7.vars
missing=$(comm -23 vars man7.vars | tr '\n' ' ')
[ -z "$missing" ] && [ "$(wc -l <vars)" -ge 15 ] && ok || bad "variables not in nodice-env(7): $missing"
# the user-facing ones are in nodice(1)'s ENVIRONMENT too
for v in SEED EPOCH TICK_NS CPUS LOG SCHEDULE_SEED RDTSC DIRS ASLR EXEMPT HOST CLAMP_MTIME FRAMEWORK_KNOBS; do
	grep -q "^\.B NODICE_$v\$" "$man1" && ok || bad "NODICE_$v missing from nodice(1)"
done

# the pages render clean
for page in "$man1" "$man7"; do
	lint=$(mandoc -T lint -W warning "$page" 2>&1)
	[ -z "$lint" ] && ok || bad "mandoc lint $(basename "$page"): $lint"
	warn=$(groff -ww -man -z "$page" 2>&1)
	[ -z "$warn" ] && ok || bad "groff -ww $(basename "$page"): $warn"
	MANWIDTH=100 man -l "$page" >rendered 2>man.err
	grep -q 'SYNOPSIS' rendered && grep -q 'ENVIRONMENT' rendered && [ ! -s man.err ] && ok ||
		bad "man -l $(basename "$page"): $(head -c 400 man.err)"
done

# --version
"$nodice" --version >version
grep -qE '^nodice [0-9]+\.[0-9]+\.[0-9]+$' version && grep -qE '^commit ([0-9a-f]{12}(-dirty)?|unknown)$' version &&
	grep -q '^features .*pid-namespace' version && grep -qF "library $lib" version && ok ||
	bad "--version: $(cat version)"

# bash completion, with bash-completion's helpers as a login shell has them
cat >complete.sh <<'SH'
[ -f /usr/share/bash-completion/bash_completion ] && . /usr/share/bash-completion/bash_completion
. "$1"
complete -p nodice

t() {
	COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
	_nodice 2>/dev/null
	printf '%s\n' "${COMPREPLY[@]}" | sort -u | tr '\n' ' ' | sed 's/ $//'
	echo
}
t nodice ""
t nodice ver
t nodice run --rd
t nodice run --rdtsc ""
t nodice inspect --dirs n
t nodice verify --framework-knobs s
t nodice verify -n 3 --vary
t nodice inspect --json compl
t nodice run --seed 7 -- fals
t nodice run --cpus 2 gzi
t nodice audit --js
SH
mkdir -p complete.dir && touch complete.dir/x && ln -s complete.dir compl.target
bash complete.sh "$src/inspect/completion/nodice.bash" >complete.out 2>complete.err
i=0
while IFS= read -r want; do
	i=$((i + 1))
	got=$(sed -n "${i}p" complete.out)
	[ "$got" = "$want" ] && ok || bad "completion line $i: want '$want', got '$got' ($(head -3 complete.err))"
done <<'WANT'
complete -F _nodice nodice
--help --version audit inspect run verify
verify
--rdtsc
native trap
native
strict
--vary-seed
compl.target complete.dir complete.err complete.out complete.sh
false
gzip
--json
WANT

finish clidocs
