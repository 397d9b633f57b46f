#!/bin/bash
# File times (shim/time/filetime.c, shim/sources/stat.c): files a run writes
# get virtual times on disk, the same in every run (5 runs through `nodice
# run`, 2 through LD_PRELOAD alone); files from before the run keep theirs
# and are never in the future (make: no clock-skew warning, and it rebuilds
# exactly what it rebuilds natively after a source is touched); installed
# .pyc caches stay valid and untouched; --clamp-mtime makes two checkouts of
# one tree give the same artifacts.
# Usage: filetimes.sh NODICE LIB FIXTURES
. "$(dirname "$0")/checks.sh"

# New files, 7 runs, byte for byte, each from the same inputs: a directory
# with the same files and the same times (a run that reused the previous
# run's directory would read what that run dated ahead of the real clock,
# and its clock would move up to it or not: docs/limits.md).
mkdir template && printf 'x = 1\n' >template/mod.py && cp "$fixtures/shell/new_files.sh" template/
touch -d '2024-01-02 03:04:05' template/mod.py template/new_files.sh template
fresh() { rm -rf "$1" && cp -a template "$1"; }
for i in 1 2 3 4 5; do
	fresh jobs$i && (cd jobs$i && "$nodice" run --seed 2 -- bash new_files.sh >"../new.$i" 2>>../err)
done
for i in 6 7; do
	fresh jobs$i && (cd jobs$i && env LD_PRELOAD="$lib" NODICE_SEED=2 bash new_files.sh >"../new.$i" 2>>../err)
done
same=1
for i in 2 3 4 5 6 7; do
	cmp -s new.1 "new.$i" || { same=0; bad "new files: run $i differs: $(diff new.1 "new.$i" | head -6)"; }
done
[ $same = 1 ] && ok
grep -q 'utime-is-now True' new.1 && grep -q 'none-in-future True' new.1 && ok ||
	bad "utime(NULL) is not the virtual now, or a file is in the future: $(cat new.1 err | head)"
# find -newer, ls and the rest order the files as natively.
fresh jobsn && (cd jobsn && bash new_files.sh >../new.native 2>>../err)
[ "$(grep newer-than-ref new.1)" = "$(grep newer-than-ref new.native)" ] && ok ||
	bad "find -newer: $(grep newer new.1) natively: $(grep newer new.native)"
# ... and on disk: tools outside nodice see the run's times.
[ "$(stat -c %y jobs5/out/a.txt)" = "$(grep '^a.txt ' new.5 | cut -d' ' -f2-4)" ] && ok ||
	bad "a.txt's time on disk is not the run's: $(stat -c %y jobs5/out/a.txt) vs $(grep '^a.txt ' new.5)"

# make: no clock skew, and the same rebuilds as natively after a touch.
mkproj() {
	mkdir "$1" && cd "$1"
	printf 'all: prog\nprog: a.o b.o\n\tgcc -o prog a.o b.o\n%%.o: %%.c\n\tgcc -O2 -c $< -o $@\nclean:\n\trm -f *.o prog\n' >Makefile
	printf 'int f(void);int main(void){return f();}\n' >a.c
	printf 'int f(void){return 0;}\n' >b.c
	cd ..
}
mkproj native && mkproj under
(cd native && make -s >/dev/null 2>&1)
(cd under && "$nodice" run -- make >../make.1 2>&1 && "$nodice" run -- make >../make.2 2>&1)
grep -qi 'skew\|in the future' make.1 make.2 && bad "make warns: $(cat make.1 make.2)" || ok
grep -q 'Nothing to be done' make.2 && ok || bad "a second make rebuilt: $(cat make.2)"
sleep 1.1
touch native/b.c under/b.c
(cd native && make >../rebuild.native 2>&1)
(cd under && "$nodice" run -- make >../rebuild.nodice 2>&1)
cmp -s rebuild.native rebuild.nodice && grep -q 'b.c' rebuild.nodice && ! grep -q 'a.c' rebuild.nodice && ok ||
	bad "after touching b.c make rebuilt differently: native: $(cat rebuild.native) nodice: $(cat rebuild.nodice)"

# The gate on a clean rebuild, outputs' times included (ld writes prog and
# then makes it executable; rm reads the old outputs before deleting them).
(cd under && "$nodice" verify -n 3 --quiet -- sh -c 'make clean >/dev/null; make >/dev/null;
	ls -l --time-style=full-iso prog a.o b.o' >../verify.out 2>&1) && ok ||
	bad "verify: a clean rebuild's file times differ between runs: $(head -20 verify.out)"

# Installed files keep their real times (a .pyc's header must still match):
# importing the standard library rewrites no cache.
pyc=$(ls /usr/lib/python3.11/__pycache__/os.cpython-311.pyc)
before=$(stat -c %Y.%y "$pyc" /usr/lib/python3.11/os.py)
"$nodice" run -- $py -c 'import os, json, email.mime.text' 2>>err
[ "$(stat -c %Y.%y "$pyc" /usr/lib/python3.11/os.py)" = "$before" ] && ok || bad "the installed cache or its source changed"
"$nodice" run -- $py -c 'import os; print(os.stat(os.__file__).st_mtime_ns)' >seen.os 2>>err
[ "$(cat seen.os)" = "$(stat -c %Y /usr/lib/python3.11/os.py)000000000" ] && ok ||
	bad "os.py's mtime is not its real one under nodice: $(cat seen.os)"

# Two checkouts of one tree, made at different times: the artifacts of a
# build differ (their times follow the checkout's), and --clamp-mtime makes
# them the same.
mkdir one two && printf 'x = 1\n' >one/mod.py && cp "$fixtures/shell/new_files.sh" one/
touch -d '2026-01-01 00:00' one/*
cp -r one/. two/ && touch -d '2026-02-01 00:00' two/*
(cd one && "$nodice" run -- bash new_files.sh >../one.plain 2>>../err)
(cd two && "$nodice" run -- bash new_files.sh >../two.plain 2>>../err)
cmp -s one.plain two.plain && bad "two checkouts agree without --clamp-mtime: the test cannot tell" || ok
(cd one && "$nodice" run --clamp-mtime -- bash new_files.sh >../one.clamp 2>>../err)
(cd two && "$nodice" run --clamp-mtime -- bash new_files.sh >../two.clamp 2>>../err)
cmp -s one.clamp two.clamp && ok || bad "--clamp-mtime: two checkouts differ: $(diff one.clamp two.clamp | head -4)"
finish filetimes
