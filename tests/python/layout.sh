#!/bin/bash
# shim/log/pylayout.h is what CPython's own headers say: pylayout.c is
# compiled against every set of CPython headers on the machine (Debian's
# python3-dev, and pyenv's versions where present) and the line it prints
# must be in the table. A version whose headers are here but whose line is
# missing or different fails. Usage: layout.sh SOURCE_DIR
src=$1
table="$src/shim/log/pylayout.h"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
checked=0 fail=0
for inc in /usr/include/python3.* /root/.pyenv/versions/*/include/python3.*; do
	[ -f "$inc/Python.h" ] || continue
	case $(basename "$inc") in python3.8 | python3.9 | python3.10 | python3.11 | python3.12 | python3.13) ;; *) continue ;; esac
	if ! cc -I"$inc" -o "$work/layout" "$src/tests/python/pylayout.c" 2>"$work/cc.err"; then
		echo "FAIL cannot compile against $inc: $(head -3 "$work/cc.err")"
		fail=$((fail + 1))
		continue
	fi
	line=$("$work/layout")
	if grep -qF -- "$line" "$table"; then
		checked=$((checked + 1))
	else
		echo "FAIL $inc gives a layout the table does not have:"
		echo "$line"
		fail=$((fail + 1))
	fi
done
echo "python layouts: $checked checked, $fail failed"
[ $checked -gt 0 ] && [ $fail -eq 0 ]
