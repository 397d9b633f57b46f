#!/bin/bash
# The Debian package (issue 19, inspect/package/package.cmake): `cpack -G DEB`
# in the build directory gives nodice_<version>_amd64.deb with computed
# Depends; lintian finds no error or warning in it; dpkg installs it into an
# empty root (dpkg --root) and the installed command, with no configuration,
# finds its library and gives the same random draw as the build tree's for
# the same seed, sees the Python hook, and its man pages, completion and
# schemas are where the contract puts them.
# Usage: package.sh NODICE LIB BUILD_DIR
. "$(dirname "$0")/checks.sh"
build=$fixtures # the third argument is the build directory here

(cd "$build" && cpack -G DEB) >cpack.out 2>&1 || bad "cpack failed: $(tail -5 cpack.out)"
version=$(sed -n 's/^nodice \([0-9.]*\)$/\1/p' <("$nodice" --version))
deb=$build/package/nodice_${version}_amd64.deb
[ -n "$version" ] && [ -f "$deb" ] && ok || bad "no $deb: $(tail -3 cpack.out)"
cp "$deb" pkg.deb

# Depends computed by dpkg-shlibdeps: versioned, and naming what the binaries link,
# plus the package of the libunwind the shim loads with dlopen (asked of dpkg)
dpkg-deb -f pkg.deb Depends >depends
soname=$(strings -a "$lib" | grep -m1 -xE 'libunwind\.so\.[0-9]+')
unwind=$(dpkg-query -S "*/$soname" 2>/dev/null | head -1 | cut -d: -f1)
grep -qE 'libc6 \(>= [0-9.]+\)' depends && grep -q 'libelf1' depends && grep -q 'libjson-c5' depends &&
	[ -n "$unwind" ] && grep -qw "$unwind" depends && ok ||
	bad "Depends is not the computed one: $(cat depends)"
[ "$(dpkg-deb -f pkg.deb Package Version Architecture | tr '\n' ' ')" = "Package: nodice Version: $version Architecture: amd64 " ] &&
	ok || bad "control fields: $(dpkg-deb -f pkg.deb Package Version Architecture)"

# lintian: no errors and no warnings (information tags are allowed)
if command -v lintian >/dev/null; then
	lintian --allow-root pkg.deb >lintian.out 2>&1
	grep -E '^[EW]: ' lintian.out && bad "lintian: $(grep -E '^[EW]: ' lintian.out | head -5)" || ok
else
	bad "lintian is not installed (.ci/packages lists it)"
fi

# dpkg --root into an empty root: a dpkg database of its own, nothing else
mkdir -p root/var/lib/dpkg/updates root/var/lib/dpkg/info root/var/lib/dpkg/triggers
touch root/var/lib/dpkg/status root/var/lib/dpkg/available
dpkg --root="$work/root" --log=/dev/null --force-depends --force-not-root --path-include='/*' -i pkg.deb >dpkg.out 2>&1 &&
	dpkg --root="$work/root" -s nodice 2>/dev/null | grep -q '^Status: install ok installed' && ok ||
	bad "dpkg --root -i: $(tail -5 dpkg.out)"
inst=$work/root/usr
for f in bin/nodice lib/x86_64-linux-gnu/nodice/libnodice.so lib/x86_64-linux-gnu/nodice/nodice-python/sitecustomize.py \
	share/man/man1/nodice.1.gz share/man/man7/nodice-env.7.gz share/bash-completion/completions/nodice \
	share/nodice/schema/inspect.schema.json share/nodice/schema/audit.schema.json \
	share/nodice/schema/verify.schema.json share/nodice/schema/log-line.schema.json \
	share/doc/nodice/copyright share/doc/nodice/changelog.gz share/doc/nodice/README.md share/doc/nodice/gpu.md; do
	[ -f "$inst/$f" ] && ok || bad "not installed: /usr/$f"
done

# the installed command finds its library and behaves as the build tree's
"$inst/bin/nodice" --version >version 2>&1
grep -qF "library $inst/lib/x86_64-linux-gnu/nodice/libnodice.so" version && ! grep -q missing version && ok ||
	bad "the installed command does not find its library: $(cat version)"
draw='import random; print(random.random())'
timeout 60 "$inst/bin/nodice" run --seed 7 -- /usr/bin/python3 -c "$draw" >installed.out 2>>err
timeout 60 "$nodice" run --seed 7 -- /usr/bin/python3 -c "$draw" >tree.out 2>>err
[ -s installed.out ] && cmp -s installed.out tree.out && ok ||
	bad "installed and build-tree runs differ: $(cat installed.out tree.out err | head -5)"
timeout 60 "$inst/bin/nodice" run -- /usr/bin/python3 -c \
	'import torch; print(torch.are_deterministic_algorithms_enabled())' >hook.out 2>>err
[ "$(cat hook.out)" = True ] && ok || bad "the installed hook did not turn PyTorch's switches on: $(cat hook.out)"
MANWIDTH=80 man -l "$inst/share/man/man1/nodice.1.gz" 2>&1 | grep -q 'nodice verify' && ok ||
	bad "man -l of the installed nodice(1) does not render"

finish package
