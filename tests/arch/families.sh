#!/bin/bash
# One family table: every family of shim/core/families.def is documented in
# docs/log-format.md's `family` row and nothing else is, and every family
# symbols.def uses is in the table (the build also refuses an unknown one).
# Usage: families.sh SOURCE_DIR
set -u
root=$1
table=$(grep -o '^ND_FAMILY([a-z]*' "$root/shim/core/families.def" | sed 's/ND_FAMILY(//' | sort)
used=$(grep -o '^ND_SYMBOL([^,]*, [a-z]*' "$root/shim/core/symbols.def" | sed 's/.*, //' | sort -u)
doc=$(grep '^| `family` |' "$root/docs/log-format.md" | sed 's/^| `family` | //; s/ (from.*//; s/ |$//' | tr ',' '\n' |
	sed 's/^ *//; s/ *$//' | sort)
status=0
if [ "$table" != "$doc" ]; then
	echo "docs/log-format.md's families differ from families.def:"
	diff <(echo "$table") <(echo "$doc")
	status=1
fi
missing=$(comm -13 <(echo "$table") <(echo "$used"))
if [ -n "$missing" ]; then
	echo "symbols.def uses families not in families.def: $missing"
	status=1
fi
[ $status -eq 0 ] && echo "$(echo "$table" | wc -l) families, documented and used consistently"
exit $status
