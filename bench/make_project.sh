#!/bin/sh
# Writes a 12-file C project to DIR for the make -j benchmark (bench/run.c):
# each file a few hundred lines of code gcc takes a while to optimize.
set -e
dir=$1
mkdir -p "$dir"
for i in $(seq 1 12); do
	{
		for f in $(seq 1 30); do
			echo "double f${i}_$f(double *a, int n) { double s = 0; for (int k = 0; k < n; k++) { s += a[k] * $f.5;"
			echo "  if (s > $i$f) s = s / 3 + a[(k * 7) % n]; else s = s * 1.0001 - a[(k * 3) % n]; } return s; }"
		done
	} >"$dir/m$i.c"
done
{
	printf 'OBJ ='
	for i in $(seq 1 12); do printf ' m%s.o' "$i"; done
	printf '\nall: $(OBJ)\n%%.o: %%.c\n\tgcc -O2 -c $< -o $@\nclean:\n\trm -f $(OBJ)\n'
} >"$dir/Makefile"
