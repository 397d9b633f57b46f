#!/bin/bash
# The library exports exactly the symbols listed in shim/core/symbols.def.
set -eu
lib=$1 def=$2
want=$(sed -n 's/^ND_SYMBOL(\([A-Za-z0-9_]*\),.*/\1/p' "$def" | sort)
have=$(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | sort)
if [ "$want" != "$have" ]; then
	echo "export list differs from symbols.def:"
	diff <(echo "$want") <(echo "$have") || true
	exit 1
fi
echo "exports match symbols.def ($(echo "$want" | wc -l) symbols)"
