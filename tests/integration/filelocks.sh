#!/bin/bash
# File locks between processes of the tree (issue 14, sched/filelock.c):
# three Python workers appending to one file under fcntl.flock, under
# fcntl.lockf (fcntl record locks), and taking LOCK_SH then upgrading to
# LOCK_EX on one descriptor; three shell jobs whose lines go through
# `flock FILE CMD` (util-linux's flock(1), which holds the lock until it
# ends: the release is its process's end), and the same jobs in the idiom
# `( flock 9; ... ) 9>>FILE`, where the subshell's end releases the lock
# flock(1) took on its open file, and make -j3 whose recipes append under
# flock(1). Each repeats byte for byte over
# 4 runs unpinned and 1 on one CPU (and 2 through LD_PRELOAD alone, which
# repeat among themselves); every run keeps mutual exclusion (each line saw
# a different number of lines before it); natively the order is a race
# (at least 2 orders in 6 runs); no lock's wait was left to real time (the
# log has no tree-order record about a file lock: a release the order
# missed would be found after 100 ms and reported). A try (`flock -n`) while another process holds the
# file fails, and succeeds once it is free. A record-lock deadlock between
# two processes gets EDEADLK, as natively, instead of two waits for ever;
# a holder killed by SIGKILL does not hang its waiter (reported).
# Usage: filelocks.sh NODICE LIB FIXTURES
. "$(dirname "$0")/checks.sh"
la="$fixtures/python/locked_appends.py"

# repeats NAME LINES CMD...: the same stdout in every run, LINES lines
# mutually excluded (each saw a different count of lines before it)
repeats() {
	local name=$1 lines=$2
	shift 2
	for i in 1 2 3 4; do
		timeout 120 "$nodice" run --log "$name.log$i" -- "$@" >"$name.run$i" 2>>err || bad "$name: run $i failed"
	done
	timeout 120 taskset -c 0 "$nodice" run -- "$@" >"$name.cpu0" 2>>err || bad "$name: pinned run failed"
	for i in 1 2; do timeout 120 env LD_PRELOAD="$lib" "$@" >"$name.lib$i" 2>>err; done
	[ -s "$name.run1" ] || bad "$name printed nothing: $(tail -c 300 err)"
	differ=$(for f in "$name".run* "$name".cpu0; do md5sum <"$f"; done | sort -u | wc -l)
	[ "$differ" = 1 ] && ok || bad "$name: $differ different outputs in 5 runs"
	[ "$(md5sum <"$name.lib1")" = "$(md5sum <"$name.lib2")" ] && ok || bad "$name: LD_PRELOAD runs differ"
	for f in "$name".run1 "$name".cpu0 "$name".lib1; do
		[ "$(grep -c . "$f")" = "$lines" ] && [ "$(grep -o 'after [0-9]*' "$f" | sort -u | wc -l)" = "$lines" ] && ok ||
			bad "$name: lines lost or not mutually excluded in $f: $(tr '\n' ' ' <"$f")"
	done
	! grep '"tree-order"' "$name".log* | grep -q 'file lock' && ok ||
		bad "$name: a lock's wait followed real time: $(grep -ho '"detail":"[^"]*file lock[^"]*' "$name".log* | sort -u | head -3)"
}

for mode in flock lockf shared; do
	repeats "py_$mode" 12 /usr/bin/python3 "$la" $mode "$PWD/appends.$mode"
done
for i in 1 2 3 4 5 6; do /usr/bin/python3 "$la" flock "$PWD/native.txt" | md5sum; done >native.sums
[ "$(sort -u native.sums | wc -l)" -ge 2 ] && ok || bad "natively the workers took the lock in one order in 6 runs"

# flock(1) around each line of three shell jobs, each computing between
cat >jobs.sh <<'SH'
: >"$1.out"
for w in a b c; do
	(for i in 1 2 3 4; do
		flock "$1.lock" bash -c "n=\$(wc -l <'$1.out'); echo \"$w$i after \$n\" >>'$1.out'; for ((k=0;k<2000;k++)); do :; done"
		for ((k=0;k<$(( (RANDOM % 5) * 500 ));k++)); do :; done
	done) &
done
wait
cat "$1.out"
SH
repeats flock1 12 bash jobs.sh "$PWD/jobs"

# the subshell idiom: flock(1) locks the subshell's open file and ends; the
# subshell holds the lock until it ends (its end is the release)
cat >idiom.sh <<'SH'
: >"$1.out"
for w in a b c; do
	(for i in 1 2 3 4; do
		(
			flock -x 9
			n=$(wc -l <"$1.out")
			echo "$w$i after $n" >>"$1.out"
			for ((k=0;k<2000;k++)); do :; done
		) 9>>"$1.lock"
		for ((k=0;k<$(( (RANDOM % 5) * 500 ));k++)); do :; done
	done) &
done
wait
cat "$1.out"
SH
repeats idiom 12 bash idiom.sh "$PWD/idiom"

# make -j3 with three recipes, each appending four lines under flock(1)
# and computing between without starting processes (three targets: all
# start at once, so no reap decides which starts next; with more targets
# than jobs, or a loop that forks, a SIGCHLD handler that interrupts a
# computation where real time puts it can: reported tree-order,
# docs/limits.md)
mkdir mk
cat >mk/Makefile <<'MK'
all: a b c
a: N = 2000
b: N = 5000
c: N = 3000
a b c:
	@for i in 1 2 3 4; do flock log.lock sh -c 'n=$$(wc -l < log.txt); echo "$@$$i after $$n" >> log.txt'; i=0; while [ $$i -lt $(N) ]; do i=$$((i+1)); done; done
MK
cat >make.sh <<'SH'
cd "$1" && : >log.txt && make -s -j3 >/dev/null && cat log.txt
SH
repeats make_j3 12 bash make.sh "$PWD/mk"

# a try while another process holds the file, and after
: >try.lock
out=$(timeout 60 "$nodice" run -- bash -c 'flock try.lock -c "flock -n try.lock true && echo held:got || echo held:busy"; flock -n try.lock true && echo free:got || echo free:busy' 2>>err)
[ "$out" = "held:busy
free:got" ] && ok || bad "flock -n: $(echo $out)"

# a blocking lock of a file nobody else holds returns at once, and bad use
# keeps libc's answers
out=$(timeout 60 "$nodice" run -- /usr/bin/python3 -c '
import fcntl, errno
f = open("solo.lock", "w")
fcntl.flock(f, fcntl.LOCK_EX); fcntl.flock(f, fcntl.LOCK_EX); fcntl.flock(f, fcntl.LOCK_UN)
try:
    fcntl.flock(99, fcntl.LOCK_EX)
except OSError as e:
    print(errno.errorcode[e.errno])
try:
    fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_EX)
except OSError as e:
    print(errno.errorcode[e.errno])
print("done")' 2>>err)
[ "$out" = "EBADF
EINVAL
done" ] && ok || bad "solo lock and errors: $(echo $out)"

# two processes that each hold one record lock and ask for the other's:
# natively one of them gets EDEADLK; under the tree (where both would wait
# in lines the kernel cannot see) the one whose request closes the cycle
out=$(timeout 60 "$nodice" run -- /usr/bin/python3 -c '
import fcntl, os, sys, time
a = open("dlA", "w"); b = open("dlB", "w")
pid = os.fork()
first, second = (a, b) if pid else (b, a)
fcntl.lockf(first, fcntl.LOCK_EX)
time.sleep(0.2)
try:
    fcntl.lockf(second, fcntl.LOCK_EX)
    r = "got both"
except OSError as e:
    r = "EDEADLK" if e.errno == 35 else str(e)
print("parent" if pid else "child", r); sys.stdout.flush()
fcntl.lockf(first, fcntl.LOCK_UN)
if pid: os.waitpid(pid, 0)' 2>>err | sort | tr '\n' ' ')
[ "$out" = "child EDEADLK parent got both " ] && ok || bad "record-lock deadlock: '$out'"

# a holder killed by SIGKILL leaves no word: the waiter finds the file free
# (after 100 ms) and takes it, reported tree-order, not a hang
timeout 60 "$nodice" run --log killed.log -- /usr/bin/python3 -c '
import fcntl, os, signal, sys, time
open("kl.lock", "w").close()
holder = os.fork()
if holder == 0:
    f = open("kl.lock", "w"); fcntl.flock(f, fcntl.LOCK_EX)
    while True: time.sleep(1)
time.sleep(0.1)
waiter = os.fork()
if waiter == 0:
    f = open("kl.lock", "w"); fcntl.flock(f, fcntl.LOCK_EX); print("waiter got it"); sys.stdout.flush(); os._exit(0)
time.sleep(0.1)
os.kill(holder, signal.SIGKILL); os.waitpid(holder, 0); os.waitpid(waiter, 0); print("done")' >killed.out 2>>err
[ "$(tr '\n' ' ' <killed.out)" = "waiter got it done " ] && grep -q '"tree-order".*file lock' killed.log && ok ||
	bad "a killed holder: $(cat killed.out) $(grep -o '"detail":"[^"]*' killed.log | head -2)"

finish tree_filelocks
